/**
 * The INN's table encoding: a continuous vector per row, so a density model applies.
 *   - numerics: standardised (mean/std of the train rows), or under DP mapped from the *declared* bounds
 *     to [−1, 1] and clipped there (data-independent); integer columns are dequantised by adding
 *     U(−½, ½) in raw units during training (Uria et al. 2013; Dinh et al. 2017 §4.1), so decoding rounds;
 *   - categoricals: dequantised one-hot — each indicator becomes indicator − ½ + U(−½, ½) in training,
 *     so the chosen level lies in [0, 1) and the others in [−1, 0): argmax recovers the level exactly;
 *   - an optional condition column is left out of the vector and given to the flow as a one-hot condition.
 * The deterministic encoding (`encode`) uses the interval midpoints (no noise): it is what the pertinence
 * filter scores, for real and generated records alike. Fixed-length series (ECG5000: t0..t139) are just
 * numeric columns here: one vector per row.
 */
import type { Rng } from '../compute/rng.ts';
import { type CategoricalColumn, type Column, Table } from '../data/table.ts';
import { Featurizer } from '../data/transform/featurize.ts';

export interface InnEncodingOptions {
  /** Under DP: bounds and levels must be declared public metadata; nothing is read from the rows. */
  dp: boolean;
  /** Name used in error messages, e.g. "inn (dpsgd)". */
  owner: string;
  /** Categorical column given to the flow as a condition instead of being modelled. */
  condition?: string;
  /** Add dequantisation noise in training (integers and one-hot blocks). */
  dequantize: boolean;
}

export class InnEncoding {
  readonly featurizer: Featurizer;
  /** Width of the encoded vector. */
  readonly d: number;
  /** enc = a·feature + b per encoded dimension (featurizer space → flow space). */
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  /** Dequantisation width per encoded dimension (0: continuous, no noise). */
  readonly width: Float32Array;
  /** Clip generated numerics into these (declared bounds; without DP the train range where undeclared). */
  private readonly bounds: Map<string, { min?: number; max?: number }>;
  /** Under DP numerics are clipped to the declared range (= [−1, 1] in flow space). */
  private readonly clip: boolean;
  /** 1 where the encoded dimension is a numeric column. */
  private readonly numeric: Uint8Array;
  readonly columnOrder: string[];
  readonly condition?: { name: string; levels: string[] };

  private constructor(o: {
    featurizer: Featurizer;
    a: Float32Array;
    b: Float32Array;
    width: Float32Array;
    bounds: Map<string, { min?: number; max?: number }>;
    clip: boolean;
    columnOrder: string[];
    condition?: { name: string; levels: string[] };
  }) {
    this.featurizer = o.featurizer;
    this.d = o.featurizer.d;
    this.a = o.a;
    this.b = o.b;
    this.width = o.width;
    this.bounds = o.bounds;
    this.clip = o.clip;
    this.numeric = new Uint8Array(this.d);
    for (const p of o.featurizer.parts) if (p.kind === 'numeric') this.numeric[p.offset] = 1;
    this.columnOrder = o.columnOrder;
    this.condition = o.condition;
  }

  static fit(train: Table, o: InnEncodingOptions): InnEncoding {
    const schema = new Map((train.meta.schema ?? []).map((s) => [s.name, s]));
    if (o.dp) checkPublicSchema(train, schema, o.owner);
    let condition: { name: string; levels: string[] } | undefined;
    if (o.condition !== undefined) {
      if (!train.has(o.condition)) throw new Error(`${o.owner}: condition.column "${o.condition}" is not a column of the dataset (columns: ${train.names.join(', ')})`);
      const c = train.column(o.condition);
      if (c.kind !== 'categorical') throw new Error(`${o.owner}: condition.column "${o.condition}" must be categorical (it is numeric)`);
      const levels = [...(schema.get(c.name)?.levels ?? [])];
      for (const l of c.levels) if (!levels.includes(l)) levels.push(l);
      condition = { name: c.name, levels };
    }
    const featurizer = Featurizer.fit(train, {
      scale: o.dp ? 'minmax' : 'standard',
      publicBounds: o.dp,
      includeTarget: true,
      exclude: condition ? [condition.name] : [],
    });
    if (featurizer.d < 2) {
      throw new Error(`${o.owner}: the encoded table has ${featurizer.d} dimension(s); an invertible coupling network needs at least 2 (add columns or drop the condition)`);
    }
    const d = featurizer.d;
    const a = new Float32Array(d);
    const b = new Float32Array(d);
    const width = new Float32Array(d);
    const bounds = new Map<string, { min?: number; max?: number }>();
    for (const p of featurizer.parts) {
      if (p.kind === 'numeric') {
        // DP: min-max [0, 1] from declared bounds → [−1, 1]; else standardised as is.
        a[p.offset] = o.dp ? 2 : 1;
        b[p.offset] = o.dp ? -1 : 0;
        const declared = schema.get(p.name);
        let { min, max } = { min: declared?.min, max: declared?.max };
        if (!o.dp) {
          const v = train.numeric(p.name).values;
          let lo = Infinity;
          let hi = -Infinity;
          for (let i = 0; i < v.length; i++) {
            if (v[i] < lo) lo = v[i];
            if (v[i] > hi) hi = v[i];
          }
          min ??= lo;
          max ??= hi;
          // A constant column would be a point mass (infinite density): give it a little width.
          if (!(hi > lo) && !p.integer) width[p.offset] = 0.1;
        }
        bounds.set(p.name, { min, max });
        if (p.integer && o.dequantize) width[p.offset] = a[p.offset] / p.scale;
      } else {
        for (let k = 0; k < p.levels.length; k++) {
          a[p.offset + k] = 1;
          b[p.offset + k] = -0.5;
          if (o.dequantize) width[p.offset + k] = 1;
        }
      }
    }
    return new InnEncoding({ featurizer, a, b, width, bounds, clip: o.dp, columnOrder: train.names, condition });
  }

  /** Deterministic encoding (interval midpoints), row-major [rows, d]. */
  encode(t: Table): Float32Array {
    const M = this.featurizer.transform(t);
    const d = this.d;
    const X = new Float32Array(M.n * d);
    for (let i = 0; i < M.n; i++) {
      for (let j = 0; j < d; j++) {
        let v = this.a[j] * M.X[i * d + j] + this.b[j];
        if (this.clip && this.numeric[j]) v = v < -1 ? -1 : v > 1 ? 1 : v;
        X[i * d + j] = v;
      }
    }
    return X;
  }

  /** Training rows: the deterministic encoding of rows `idx` plus U(−½, ½)·width per dequantised dimension. */
  dequantized(X: Float32Array, idx: ArrayLike<number>, rng: Rng): Float32Array {
    const d = this.d;
    const out = new Float32Array(idx.length * d);
    for (let i = 0; i < idx.length; i++) {
      const src = idx[i] * d;
      for (let j = 0; j < d; j++) {
        const w = this.width[j];
        out[i * d + j] = w > 0 ? X[src + j] + (rng.uniform() - 0.5) * w : X[src + j];
      }
    }
    return out;
  }

  /** Condition level index per row (−1 for a level unknown at fit time). */
  conditionCodes(t: Table): Int32Array {
    if (!this.condition) throw new Error('InnEncoding: no condition column');
    const c = t.categorical(this.condition.name);
    const map = c.levels.map((l) => this.condition!.levels.indexOf(l));
    return Int32Array.from(c.codes, (k) => map[k]);
  }

  /** Row-major one-hot [rows, levels] of condition codes. */
  conditionOneHot(codes: ArrayLike<number>): Float32Array {
    const k = this.condition?.levels.length ?? 0;
    const out = new Float32Array(codes.length * k);
    for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) out[i * k + codes[i]] = 1;
    return out;
  }

  /**
   * Flow outputs [rows, d] → Table in the training column order: categoricals by argmax, numerics unscaled,
   * rounded when integer and clipped to the bounds. Rows must be finite (the generator rejects others).
   */
  decode(X: Float32Array, rows: number, condCodes: ArrayLike<number> | undefined, meta: Table['meta']): Table {
    const d = this.d;
    const F = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < d; j++) F[i * d + j] = (X[i * d + j] - this.b[j]) / this.a[j];
    }
    const t = this.featurizer.inverse({ X: F, n: rows, d, names: this.featurizer.names }, { round: true, bounds: this.bounds });
    const cols: Column[] = [...t.columns];
    if (this.condition) {
      if (!condCodes || condCodes.length !== rows) throw new Error('InnEncoding.decode: condition codes are required for a conditional INN');
      const cc: CategoricalColumn = { kind: 'categorical', name: this.condition.name, codes: Int32Array.from(condCodes), levels: [...this.condition.levels] };
      cols.push(cc);
    }
    const byName = new Map(cols.map((c) => [c.name, c]));
    return new Table(this.columnOrder.map((n) => byName.get(n)!), meta);
  }
}

function checkPublicSchema(train: Table, schema: Map<string, { min?: number; max?: number; levels?: string[] }>, owner: string): void {
  for (const c of train.columns) {
    const s = schema.get(c.name);
    if (c.kind === 'numeric' && (s?.min === undefined || s?.max === undefined)) {
      throw new Error(
        `${owner}: numeric column "${c.name}" has no declared min/max; under DP the scaling must come from public metadata ` +
          `(declare columns.${c.name}.min/max in the dataset config) — it is never read from the data`,
      );
    }
    if (c.kind === 'categorical') {
      if (!s?.levels) throw new Error(`${owner}: categorical column "${c.name}" has no declared levels; under DP the level set must be public metadata (declare columns.${c.name}.levels)`);
      const unknown = c.levels.filter((l) => !s.levels!.includes(l));
      if (unknown.length > 0) throw new Error(`${owner}: column "${c.name}" has levels not in its declared list: ${unknown.slice(0, 5).join(', ')}`);
    }
  }
}
