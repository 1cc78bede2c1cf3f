/**
 * What the two exact nearest-neighbour indexes (nn-kd.ts, nn-trie.ts) share: reference rows copied in index
 * order (position → original row), the loaded query, quickselect/swap over positions, the raw mixed distance
 * (mismatch weight w per differing code plus Σ gap² or Σ |gap|), the seeded branch-and-bound search and the
 * partial-distance scan of bucket rows. Each index only builds its tree and descends it (`descend`).
 */
import type { EncodedRows, MixedSpace } from './space.ts';

/** Rows per leaf bucket of both indexes. */
export const BUCKET = 12;

export abstract class RowIndex {
  protected readonly l1: boolean;
  protected readonly w: number;
  protected readonly p: number;
  protected readonly c: number;
  readonly n: number;
  /** Rows in index order: position → original row; numerics and codes copied in that order (set by the index). */
  protected rowAt!: Int32Array;
  protected num!: Float64Array;
  protected cat!: Int32Array;
  /** Stored categorical column k is the query's column colOrder[k] (identity when undefined). */
  protected colOrder?: Int32Array;
  private posOf = new Int32Array(0);
  /** Work done by searches so far (node bounds + rows scanned), for choosing between indexes. */
  work = 0;
  protected best = Infinity;
  protected bestPos = -1;
  protected skipRow = -1;
  protected readonly qNum: Float64Array;
  protected readonly qCat: Int32Array;

  constructor(space: MixedSpace, ref: EncodedRows) {
    this.l1 = space.kind === 'gower';
    this.w = space.mismatch;
    this.n = ref.n;
    this.p = ref.p;
    this.c = ref.c;
    this.qNum = new Float64Array(ref.p);
    this.qCat = new Int32Array(ref.c);
  }

  /** Branch-and-bound from the root with the loaded query; updates best / bestPos. */
  protected abstract descend(): void;

  /**
   * Raw distance from query row i of `query` (encoded in the same space) to its nearest reference row.
   * Reference row `seedRow` (e.g. the previous query's `lastRow`) starts the bound; `skipRow` excludes one
   * reference row (leave-one-out).
   */
  search(query: EncodedRows, i: number, seedRow: number, skipRow = -1): number {
    const seedPos = seedRow >= 0 && seedRow < this.n ? this.posOf[seedRow] : -1;
    const { p, c, colOrder } = this;
    for (let k = 0; k < p; k++) this.qNum[k] = query.num[i * p + k];
    for (let k = 0; k < c; k++) this.qCat[k] = query.cat[i * c + (colOrder ? colOrder[k] : k)];
    this.skipRow = skipRow;
    this.best = Infinity;
    this.bestPos = -1;
    if (seedPos >= 0 && seedPos < this.n && this.rowAt[seedPos] !== skipRow) {
      this.best = this.rawAt(seedPos);
      this.bestPos = seedPos;
    }
    if (this.n > 0) this.descend();
    return this.best;
  }

  /** Original reference row of the last search's neighbour. */
  get lastRow(): number {
    return this.rowAt[this.bestPos];
  }

  /** Inverse of rowAt; call once the rows stop moving. */
  protected indexRows(): void {
    this.posOf = new Int32Array(this.n);
    for (let q = 0; q < this.n; q++) this.posOf[this.rowAt[q]] = q;
  }

  /** Raw distance from the loaded query to the row at position q. */
  protected rawAt(q: number): number {
    const { p, c } = this;
    let s = 0;
    for (let k = 0; k < c; k++) if (this.qCat[k] !== this.cat[q * c + k]) s += this.w;
    for (let k = 0; k < p; k++) {
      const d = this.qNum[k] - this.num[q * p + k];
      s += this.l1 ? Math.abs(d) : d * d;
    }
    return s;
  }

  /** Quickselect positions [s, e) so position m holds the m-th smallest value in numeric column k. */
  protected select(s: number, e: number, m: number, k: number): void {
    const p = this.p;
    let lo = s;
    let hi = e - 1;
    while (hi > lo) {
      const pivot = this.num[((lo + hi) >> 1) * p + k];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (this.num[i * p + k] < pivot) i++;
        while (this.num[j * p + k] > pivot) j--;
        if (i <= j) {
          this.swap(i, j);
          i++;
          j--;
        }
      }
      if (m <= j) hi = j;
      else if (m >= i) lo = i;
      else return;
    }
  }

  protected swap(a: number, b: number): void {
    const { p, c } = this;
    for (let k = 0; k < p; k++) {
      const t = this.num[a * p + k];
      this.num[a * p + k] = this.num[b * p + k];
      this.num[b * p + k] = t;
    }
    for (let k = 0; k < c; k++) {
      const t = this.cat[a * c + k];
      this.cat[a * c + k] = this.cat[b * c + k];
      this.cat[b * c + k] = t;
    }
    const t = this.rowAt[a];
    this.rowAt[a] = this.rowAt[b];
    this.rowAt[b] = t;
  }

  /**
   * Partial-distance scan of bucket positions [s, e): each row costs `acc` plus (with `codes`) w per differing
   * code plus its numeric distance, abandoned as soon as it reaches the best so far.
   */
  protected scanRows(s: number, e: number, acc: number, codes: boolean): void {
    this.work += e - s;
    const { p, c, w } = this;
    const num = this.num;
    const cat = this.cat;
    const qn = this.qNum;
    const qc = this.qCat;
    for (let q = s; q < e; q++) {
      if (this.rowAt[q] === this.skipRow) continue;
      let d = acc;
      if (codes) {
        const co = q * c;
        for (let k = 0; k < c; k++) if (qc[k] !== cat[co + k]) d += w;
        if (d >= this.best) continue;
      }
      const o = q * p;
      let k = 0;
      if (this.l1) {
        for (; k < p; k++) {
          d += Math.abs(qn[k] - num[o + k]);
          if (d >= this.best) break;
        }
      } else {
        for (; k < p; k++) {
          const t = qn[k] - num[o + k];
          d += t * t;
          if (d >= this.best) break;
        }
      }
      if (k === p && d < this.best) {
        this.best = d;
        this.bestPos = q;
      }
    }
  }
}
