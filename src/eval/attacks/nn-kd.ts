/**
 * Mixed k-d tree exact nearest-neighbour index. Each node splits on its widest side in distance units —
 * a numeric column's box side ((hi − lo)² for L2, hi − lo for Gower), cut at the sliding midpoint
 * (Maneewongvatana & Mount 1999: halves the box, so outliers and clusters get boxes of their own), or a
 * categorical column that still has several levels (a mismatch costs w; one child per level). Every node
 * keeps the box of its numerics and, per categorical column, its level when all its rows share one; its
 * lower bound is Σ gap² (L2) or Σ |gap| (Gower) to the box plus w for every pure column whose level
 * differs from the query's. A query descends best-bound-first, cutting nodes whose bound reaches the best
 * distance; bucket rows use partial-distance elimination. Fast when numerics dominate the distance (rows
 * far from the data, e.g. uniform noise over the declared bounds); see nn.ts for when it is used.
 */
import { BUCKET, RowIndex } from './nn-rows.ts';
import type { EncodedRows, MixedSpace } from './space.ts';

interface Builder {
  start: number[];
  end: number[];
  kidOff: number[];
  kidCnt: number[];
  kids: number[];
  box: number[];
  pure: number[];
}

export class KdIndex extends RowIndex {
  // Nodes: row range, children (kids[kidOff .. kidOff+kidCnt)), numeric box (lo, hi per column),
  // pure level per categorical column (−1 when mixed).
  private readonly nStart: Int32Array;
  private readonly nEnd: Int32Array;
  private readonly kidOff: Int32Array;
  private readonly kidCnt: Int32Array;
  private readonly kids: Int32Array;
  private readonly box: Float64Array;
  private readonly pure: Int32Array;
  // Per-query scratch.
  /** Child bounds, one scratch slice per tree depth. */
  private scratch: Float64Array[] = [];

  constructor(space: MixedSpace, ref: EncodedRows) {
    super(space, ref);
    const { n, p, c } = ref;
    this.rowAt = new Int32Array(n);
    for (let i = 0; i < n; i++) this.rowAt[i] = i;
    this.num = Float64Array.from(ref.num.subarray(0, n * p));
    this.cat = Int32Array.from(ref.cat.subarray(0, n * c));
    const b: Builder = { start: [], end: [], kidOff: [], kidCnt: [], kids: [], box: [], pure: [] };
    if (n > 0) this.build(b, 0, n, 0);
    this.nStart = Int32Array.from(b.start);
    this.nEnd = Int32Array.from(b.end);
    this.kidOff = Int32Array.from(b.kidOff);
    this.kidCnt = Int32Array.from(b.kidCnt);
    this.kids = Int32Array.from(b.kids);
    this.box = Float64Array.from(b.box);
    this.pure = Int32Array.from(b.pure);
    this.indexRows();
  }

  private build(b: Builder, s: number, e: number, depth: number): number {
    const { p, c } = this;
    const id = b.start.length;
    b.start.push(s);
    b.end.push(e);
    b.kidOff.push(0);
    b.kidCnt.push(0);
    const m = e - s;
    // Numeric boxes and the expected pairwise contribution of each column.
    let bestScore = 0;
    let bestCol = -1;
    let bestCat = false;
    for (let k = 0; k < p; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let q = s; q < e; q++) {
        const v = this.num[q * p + k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      b.box.push(lo, hi);
      // Box side in distance units: what a query beyond this side would be charged.
      const score = this.l1 ? hi - lo : (hi - lo) * (hi - lo);
      if (score > bestScore) {
        bestScore = score;
        bestCol = k;
        bestCat = false;
      }
    }
    const counts = new Map<number, number>();
    for (let k = 0; k < c; k++) {
      counts.clear();
      for (let q = s; q < e; q++) {
        const v = this.cat[q * c + k];
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      b.pure.push(counts.size === 1 ? this.cat[s * c + k] : -1);
      if (counts.size < 2) continue;
      let gini = 1;
      for (const cnt of counts.values()) gini -= (cnt / m) * (cnt / m);
      // A mismatch costs w; between impure columns prefer the more mixed one.
      const score = this.w * (0.75 + 0.25 * gini);
      if (score > bestScore) {
        bestScore = score;
        bestCol = k;
        bestCat = true;
      }
    }
    if (m <= BUCKET || bestCol < 0) return id;
    // Child ranges: by level for a categorical split, at the median for a numeric one.
    const bounds: number[] = [s];
    if (bestCat) {
      this.sortByCode(s, e, bestCol);
      for (let q = s + 1; q < e; q++) if (this.cat[q * c + bestCol] !== this.cat[(q - 1) * c + bestCol]) bounds.push(q);
    } else if (depth < 64) {
      // Sliding midpoint (Maneewongvatana & Mount 1999): halve the box side, so outliers and clusters get
      // their own small boxes; both sides are non-empty because lo ≤ cut < hi.
      const lo = b.box[id * 2 * p + 2 * bestCol];
      const hi = b.box[id * 2 * p + 2 * bestCol + 1];
      bounds.push(this.partition(s, e, bestCol, lo + 0.5 * (hi - lo)));
    } else {
      const mid = (s + e) >> 1; // guard against deep chains: a median split halves the rows
      this.select(s, e, mid, bestCol);
      bounds.push(mid);
    }
    bounds.push(e);
    const kidIds: number[] = [];
    for (let t = 0; t + 1 < bounds.length; t++) kidIds.push(this.build(b, bounds[t], bounds[t + 1], depth + 1));
    b.kidOff[id] = b.kids.length;
    b.kidCnt[id] = kidIds.length;
    b.kids.push(...kidIds);
    return id;
  }

  /** Stable counting sort of positions [s, e) by the code in categorical column k. */
  private sortByCode(s: number, e: number, k: number): void {
    const { p, c } = this;
    const m = e - s;
    const order = Array.from({ length: m }, (_, i) => s + i);
    order.sort((a, b) => this.cat[a * c + k] - this.cat[b * c + k] || a - b);
    const num = this.num.slice(s * p, e * p);
    const cat = this.cat.slice(s * c, e * c);
    const rows = this.rowAt.slice(s, e);
    for (let i = 0; i < m; i++) {
      const from = order[i] - s;
      this.num.set(num.subarray(from * p, (from + 1) * p), (s + i) * p);
      this.cat.set(cat.subarray(from * c, (from + 1) * c), (s + i) * c);
      this.rowAt[s + i] = rows[from];
    }
  }

  /** Move positions with column k ≤ cut before the others; returns the first position of the rest. */
  private partition(s: number, e: number, k: number, cut: number): number {
    const p = this.p;
    let i = s;
    let j = e - 1;
    for (;;) {
      while (i <= j && this.num[i * p + k] <= cut) i++;
      while (i <= j && this.num[j * p + k] > cut) j--;
      if (i >= j) return i;
      this.swap(i, j);
    }
  }

  /** Lower bound of the raw distance from the query to any row of a node (stops once past the best). */
  private bound(node: number): number {
    this.work++;
    const { p, c } = this;
    let s = 0;
    const po = node * c;
    for (let k = 0; k < c; k++) {
      const lv = this.pure[po + k];
      if (lv >= 0 && lv !== this.qCat[k]) s += this.w;
    }
    if (s >= this.best) return s;
    const o = node * 2 * p;
    for (let k = 0; k < p; k++) {
      const v = this.qNum[k];
      const lo = this.box[o + 2 * k];
      const hi = this.box[o + 2 * k + 1];
      const g = v < lo ? lo - v : v > hi ? v - hi : 0;
      s += this.l1 ? g : g * g;
      if (s >= this.best) return s;
    }
    return s;
  }

  protected descend(): void {
    this.visit(0, 0);
  }

  private visit(node: number, depth: number): void {
    const cnt = this.kidCnt[node];
    if (cnt === 0) {
      this.scanRows(this.nStart[node], this.nEnd[node], 0, true);
      return;
    }
    const off = this.kidOff[node];
    if (this.scratch.length <= depth) this.scratch.push(new Float64Array(64));
    let lb = this.scratch[depth];
    if (lb.length < cnt) lb = this.scratch[depth] = new Float64Array(cnt * 2);
    for (let t = 0; t < cnt; t++) lb[t] = this.bound(this.kids[off + t]);
    // Children in increasing bound order (selection: child counts are small).
    for (;;) {
      let pick = -1;
      let pb = this.best;
      for (let t = 0; t < cnt; t++) {
        if (lb[t] < pb) {
          pb = lb[t];
          pick = t;
        }
      }
      if (pick < 0) return;
      lb[pick] = Infinity;
      this.visit(this.kids[off + pick], depth + 1);
    }
  }
}
