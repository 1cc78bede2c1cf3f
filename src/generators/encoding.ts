/**
 * The table encoding of the MLP GAN family: numerics min-max scaled to [0, 1] (sigmoid head, as the
 * original PATE-GAN: defaults.md §2.2, pate_gan.py generator "sigmoid output (data min-max scaled)") or
 * to [−1, 1] (tanh head), categoricals one-hot over every declared level (softmax/Gumbel head). The target
 * column is encoded like any other (the generator must produce it).
 *
 * Under DP the encoding reads nothing from the rows: min/max come from the declared schema (Featurizer
 * `publicBounds`), levels must be declared, and values outside the declared range are clipped into it
 * (a data-independent transform). Decoding draws each categorical from the generated probabilities,
 * rounds integer columns and clips to the declared bounds.
 */
import type { Rng } from '../compute/rng.ts';
import type { Table } from '../data/table.ts';
import { Featurizer } from '../data/transform/featurize.ts';
import { MixedHead, type OutputSpan } from '../nn/heads.ts';

export interface GanEncodingOptions {
  /** 'sigmoid': numerics in [0, 1]; 'tanh': numerics in [−1, 1]. */
  numeric: 'sigmoid' | 'tanh';
  /** Under DP: every numeric column needs declared min/max and every categorical declared levels. */
  requirePublicSchema: boolean;
  /** Generator name for error messages. */
  owner: string;
}

export class GanEncoding {
  readonly featurizer: Featurizer;
  readonly head: MixedHead;
  readonly d: number;
  readonly numeric: 'sigmoid' | 'tanh';
  /** Offsets of numeric columns in the encoded row. */
  private readonly numericOffsets: Int32Array;
  private readonly bounds: Map<string, { min?: number; max?: number }>;

  private constructor(featurizer: Featurizer, numeric: 'sigmoid' | 'tanh', bounds: Map<string, { min?: number; max?: number }>) {
    this.featurizer = featurizer;
    this.numeric = numeric;
    this.bounds = bounds;
    const spans: OutputSpan[] = featurizer.parts.map((p) =>
      p.kind === 'numeric' ? { kind: 'numeric', offset: p.offset, activation: numeric } : { kind: 'categorical', offset: p.offset, width: p.levels.length },
    );
    this.head = new MixedHead(spans);
    this.d = featurizer.d;
    this.numericOffsets = Int32Array.from(featurizer.parts.filter((p) => p.kind === 'numeric').map((p) => p.offset));
  }

  static fit(train: Table, o: GanEncodingOptions): GanEncoding {
    const schema = new Map((train.meta.schema ?? []).map((s) => [s.name, s]));
    if (o.requirePublicSchema) {
      for (const c of train.columns) {
        const s = schema.get(c.name);
        if (c.kind === 'numeric' && (s?.min === undefined || s?.max === undefined)) {
          throw new Error(
            `${o.owner}: numeric column "${c.name}" has no declared min/max; under DP the bounds must be public metadata ` +
              `(declare columns.${c.name}.min/max in the dataset config) — they are never read from the data`,
          );
        }
        if (c.kind === 'categorical') {
          const declared = s?.levels;
          if (!declared) {
            throw new Error(`${o.owner}: categorical column "${c.name}" has no declared levels; under DP the level set must be public metadata (declare columns.${c.name}.levels)`);
          }
          const unknown = c.levels.filter((l) => !declared.includes(l));
          if (unknown.length > 0) {
            throw new Error(`${o.owner}: column "${c.name}" has levels not in its declared list: ${unknown.slice(0, 5).join(', ')}`);
          }
        }
      }
    }
    const featurizer = Featurizer.fit(train, { scale: 'minmax', includeTarget: true, publicBounds: true });
    const bounds = new Map<string, { min?: number; max?: number }>();
    for (const c of train.columns) {
      const s = schema.get(c.name);
      if (c.kind === 'numeric' && (s?.min !== undefined || s?.max !== undefined)) bounds.set(c.name, { min: s?.min, max: s?.max });
    }
    return new GanEncoding(featurizer, o.numeric, bounds);
  }

  /** Offsets of the numeric columns in the encoded row. */
  numericColumns(): number[] {
    return Array.from(this.numericOffsets);
  }

  /** The target column's one-hot block, if the table declares a categorical target. */
  targetSpan(target: string | undefined): { offset: number; width: number } | undefined {
    const p = this.featurizer.parts.find((q) => q.name === target);
    return p && p.kind === 'categorical' ? { offset: p.offset, width: p.levels.length } : undefined;
  }

  /**
   * Rows from the public reference distribution: every numeric uniform over its (declared) range, every
   * categorical a uniformly drawn level. Uses no data.
   */
  uniformRows(rows: number, rng: Rng): Float32Array {
    const d = this.d;
    const X = new Float32Array(rows * d);
    const lo = this.numeric === 'tanh' ? -1 : 0;
    for (let i = 0; i < rows; i++) {
      for (const s of this.head.spans) {
        if (s.kind === 'numeric') X[i * d + s.offset] = lo + (1 - lo) * rng.uniform();
        else X[i * d + s.offset + rng.int(s.width)] = 1;
      }
    }
    return X;
  }

  /**
   * Copies of `X`'s rows, each with one column redrawn from the public reference distribution: a column
   * other than `keep` (the target) chosen uniformly, a categorical moved to a different level drawn
   * uniformly, a numeric to a uniform value over its range. Uses no data beyond the rows given.
   */
  perturbRows(X: Float32Array, rows: number, rng: Rng, keep?: number): Float32Array {
    const d = this.d;
    const spans = this.head.spans.filter((s) => s.offset !== keep);
    if (spans.length === 0) throw new RangeError('perturbRows: the table has no column to perturb besides the target');
    const out = Float32Array.from(X.subarray(0, rows * d));
    const lo = this.numeric === 'tanh' ? -1 : 0;
    for (let i = 0; i < rows; i++) {
      const s = spans[rng.int(spans.length)];
      const o = i * d + s.offset;
      if (s.kind === 'numeric') {
        out[o] = lo + (1 - lo) * rng.uniform();
        continue;
      }
      if (s.width < 2) continue;
      let cur = 0;
      for (let k = 1; k < s.width; k++) if (out[o + k] > out[o + cur]) cur = k;
      const next = (cur + 1 + rng.int(s.width - 1)) % s.width; // uniform over the other levels
      out.fill(0, o, o + s.width);
      out[o + next] = 1;
    }
    return out;
  }

  /** Rows → row-major [rows, d] Float32Array; numerics clipped into the head's range. */
  encode(t: Table): Float32Array {
    const M = this.featurizer.transform(t);
    const X = new Float32Array(M.X.length);
    const d = this.d;
    const tanh = this.numeric === 'tanh';
    for (let i = 0; i < M.n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) X[o + j] = M.X[o + j];
      for (const j of this.numericOffsets) {
        let v = M.X[o + j];
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        X[o + j] = tanh ? 2 * v - 1 : v;
      }
    }
    return X;
  }

  /**
   * Generated head outputs [rows, d] → Table: one draw per categorical from its probabilities, numerics
   * unscaled, rounded when integer, clipped to the declared bounds. `X` is modified.
   */
  decode(X: Float32Array, rows: number, rng: Rng, meta: Table['meta']): Table {
    const d = this.d;
    this.head.sampleCategories(X, rows, rng);
    const F = new Float64Array(rows * d);
    const tanh = this.numeric === 'tanh';
    for (let i = 0; i < X.length; i++) F[i] = X[i];
    for (let i = 0; i < rows; i++) {
      for (const j of this.numericOffsets) {
        const v = tanh ? (F[i * d + j] + 1) / 2 : F[i * d + j];
        F[i * d + j] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    const t = this.featurizer.inverse({ X: F, n: rows, d, names: this.featurizer.names }, { round: true, bounds: this.bounds });
    return t.withMeta(meta);
  }
}
