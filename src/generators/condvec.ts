/**
 * CTGAN's conditional vector and training-by-sampling (Xu et al. 2019 §4.3; defaults.md §2.1 —
 * ctgan/data_sampler.py:55-75, 81-107):
 *   - training: pick a discrete column uniformly, then a category with probability ∝ log(count + 1)
 *     (`log_frequency=True`) or ∝ count; the cond vector is its one-hot over all discrete levels;
 *   - real rows for the discriminator are drawn among the rows having that category (`RowsByCategory`,
 *     non-private training only);
 *   - sampling: the same draw with the original frequencies (column uniform, category ∝ count), which
 *     reproduces each column's marginal when the generator respects its condition.
 *
 * Counts are the exact counts (non-private), noisy counts paid in the ledger, or declared public
 * frequencies — the caller decides (ctgan-prep.ts); this module only samples from what it is given.
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';

export interface CondColumn {
  name: string;
  levels: string[];
  /** Offset of this column's block in the cond vector. */
  condOffset: number;
  /** Offset of the column's one-hot span in the encoded data row (for the generator's cross-entropy). */
  dataOffset: number;
}

export interface CondDraw {
  /** Row-major [rows, dim] one-hots. */
  cond: Float32Array;
  /** Discrete column index per row. */
  col: Int32Array;
  /** Category index (within its column) per row. */
  cat: Int32Array;
}

/** Cumulative distribution over a column's categories (for O(log k) draws). */
function cdfOf(p: Float64Array): Float64Array {
  const c = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) c[i] = s += p[i];
  for (let i = 0; i < c.length; i++) c[i] /= s;
  return c;
}

function drawCdf(c: Float64Array, u: number): number {
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class CondSampler {
  readonly columns: CondColumn[];
  readonly dim: number;
  /** Per column: probabilities used in training (log-frequency or frequency) and at sampling time. */
  readonly trainProb: Float64Array[];
  readonly sampleProb: Float64Array[];
  private readonly trainCdf: Float64Array[];
  private readonly sampleCdf: Float64Array[];

  /**
   * `counts[j][k]`: count (possibly noisy, ≥ 0) of category k of discrete column j. A column whose counts
   * are all zero is sampled uniformly.
   */
  constructor(columns: CondColumn[], counts: ArrayLike<number>[], o: { logFrequency: boolean }) {
    if (counts.length !== columns.length) throw new RangeError(`CondSampler: ${columns.length} columns but ${counts.length} count vectors`);
    this.columns = columns;
    this.dim = columns.reduce((s, c) => s + c.levels.length, 0);
    this.sampleProb = counts.map((cs, j) => {
      if (cs.length !== columns[j].levels.length) throw new RangeError(`CondSampler: column "${columns[j].name}" has ${columns[j].levels.length} levels but ${cs.length} counts`);
      return probs(Float64Array.from(cs, (v) => Math.max(0, v)));
    });
    // ctgan data_sampler.py: category_freq = log(count + 1) when log_frequency (defaults.md §2.1).
    this.trainProb = counts.map((cs) => probs(Float64Array.from(cs, (v) => (o.logFrequency ? Math.log(Math.max(0, v) + 1) : Math.max(0, v)))));
    this.trainCdf = this.trainProb.map(cdfOf);
    this.sampleCdf = this.sampleProb.map(cdfOf);
  }

  /** Training-by-sampling: column uniform, category from the training distribution. */
  sampleTraining(rows: number, rng: Rng): CondDraw {
    return this.draw(rows, rng, this.trainCdf);
  }

  /** Column uniform, category ∝ (original) frequency: the condition distribution of real rows. */
  sampleOriginal(rows: number, rng: Rng): CondDraw {
    return this.draw(rows, rng, this.sampleCdf);
  }

  private draw(rows: number, rng: Rng, cdfs: Float64Array[]): CondDraw {
    const cond = new Float32Array(rows * this.dim);
    const col = new Int32Array(rows);
    const cat = new Int32Array(rows);
    const J = this.columns.length;
    if (J === 0) return { cond, col, cat };
    for (let i = 0; i < rows; i++) {
      const j = rng.int(J);
      const k = drawCdf(cdfs[j], rng.uniform());
      col[i] = j;
      cat[i] = k;
      cond[i * this.dim + this.columns[j].condOffset + k] = 1;
    }
    return { cond, col, cat };
  }

  /** Every row conditioned on one category (conditional sampling: no rejection needed). */
  fixed(rows: number, column: string, level: string): CondDraw {
    const j = this.columns.findIndex((c) => c.name === column);
    if (j < 0) {
      throw new Error(`condition: "${column}" is not a categorical column of the model (categorical columns: ${this.columns.map((c) => c.name).join(', ') || 'none'})`);
    }
    const k = this.columns[j].levels.indexOf(level);
    if (k < 0) throw new Error(`condition: "${level}" is not a level of column "${column}" (levels: ${this.columns[j].levels.slice(0, 20).join(', ')})`);
    const cond = new Float32Array(rows * this.dim);
    for (let i = 0; i < rows; i++) cond[i * this.dim + this.columns[j].condOffset + k] = 1;
    return { cond, col: new Int32Array(rows).fill(j), cat: new Int32Array(rows).fill(k) };
  }

  /**
   * Conditions taken from real rows: for each row a column drawn uniformly (data-independent) and the row's
   * own category in it. Under DP the pair (row, condition) is one example of the private batch.
   */
  ofRows(rows: ArrayLike<number>, codes: Int32Array[], rng: Rng): CondDraw {
    const B = rows.length;
    const cond = new Float32Array(B * this.dim);
    const col = new Int32Array(B);
    const cat = new Int32Array(B);
    const J = this.columns.length;
    if (J === 0) return { cond, col, cat };
    for (let i = 0; i < B; i++) {
      const j = rng.int(J);
      const k = codes[j][rows[i]];
      col[i] = j;
      cat[i] = k;
      if (k >= 0) cond[i * this.dim + this.columns[j].condOffset + k] = 1;
    }
    return { cond, col, cat };
  }
}

function probs(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x;
  for (let i = 0; i < v.length; i++) v[i] = s > 0 ? v[i] / s : 1 / v.length;
  return v;
}

/** Row ids per (discrete column, category): the real side of training-by-sampling (non-private only). */
export class RowsByCategory {
  private readonly rows: Int32Array[][];

  constructor(codes: Int32Array[], levels: number[]) {
    this.rows = codes.map((cs, j) => {
      const counts = new Int32Array(levels[j]);
      for (const k of cs) if (k >= 0) counts[k]++;
      const lists = Array.from(counts, (c) => new Int32Array(c));
      const fill = new Int32Array(levels[j]);
      for (let r = 0; r < cs.length; r++) {
        const k = cs[r];
        if (k >= 0) lists[k][fill[k]++] = r;
      }
      return lists;
    });
  }

  count(col: number, cat: number): number {
    return this.rows[col][cat].length;
  }

  /** A uniformly drawn row having category `cat` in column `col` (any row when there is none). */
  sample(col: number, cat: number, rng: Rng, n: number): number {
    const list = this.rows[col][cat];
    return list.length > 0 ? list[rng.int(list.length)] : rng.int(n);
  }
}

/** Rows ⊕ their condition one-hots (rows unchanged when the table has no categorical column). */
export function appendCond(x: tf.Tensor2D, c: CondDraw, dim: number): tf.Tensor2D {
  if (dim === 0) return x;
  return tf.concat([x, tf.tensor2d(c.cond, [x.shape[0], dim])], 1) as tf.Tensor2D;
}
