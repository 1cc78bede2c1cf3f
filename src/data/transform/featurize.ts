/**
 * Table ↔ dense feature matrix with an exact inverse: numerics scaled (standard with population std,
 * min-max, or none), categoricals one-hot over every known level. Used by classifiers, attacks and the
 * simple generators. Fitted statistics are kept on the featurizer so the same transform applies to
 * train, test and synthetic data.
 */
import { Table, type Column, type ColumnSchema } from '../table.ts';

export type Scale = 'standard' | 'minmax' | 'none';

export interface FeatureMatrix {
  /** Row-major n×d. */
  X: Float64Array;
  n: number;
  d: number;
  names: string[];
}

interface NumericPart {
  kind: 'numeric';
  name: string;
  offset: number;
  shift: number;
  scale: number;
  integer: boolean;
}

interface CategoricalPart {
  kind: 'categorical';
  name: string;
  offset: number;
  levels: string[];
}

type Part = NumericPart | CategoricalPart;

export interface FeaturizeOptions {
  scale?: Scale;
  /** Columns to leave out (the target is left out unless `includeTarget`). */
  exclude?: string[];
  includeTarget?: boolean;
  /**
   * Take min-max ranges from declared public bounds (table.meta.schema) instead of the data — what DP
   * code must do, since data-derived bounds leak.
   */
  publicBounds?: boolean;
}

export class Featurizer {
  readonly parts: Part[];
  readonly names: string[];
  readonly d: number;

  private constructor(parts: Part[]) {
    this.parts = parts;
    this.names = parts.flatMap((p) => (p.kind === 'numeric' ? [p.name] : p.levels.map((l) => `${p.name}=${l}`)));
    this.d = this.names.length;
  }

  static fit(table: Table, opts: FeaturizeOptions = {}): Featurizer {
    const scale = opts.scale ?? 'standard';
    const exclude = new Set(opts.exclude ?? []);
    if (!opts.includeTarget && table.meta.target) exclude.add(table.meta.target);
    const schema = new Map((table.meta.schema ?? []).map((s) => [s.name, s]));
    const parts: Part[] = [];
    let offset = 0;
    for (const c of table.columns) {
      if (exclude.has(c.name)) continue;
      if (c.kind === 'numeric') {
        const { shift, scale: s } = numericScaling(c.values, scale, opts.publicBounds ? schema.get(c.name) : undefined);
        parts.push({ kind: 'numeric', name: c.name, offset, shift, scale: s, integer: c.integer });
        offset += 1;
      } else {
        const declared = schema.get(c.name)?.levels ?? [];
        const levels = [...declared];
        for (const l of c.levels) if (!levels.includes(l)) levels.push(l);
        parts.push({ kind: 'categorical', name: c.name, offset, levels });
        offset += levels.length;
      }
    }
    return new Featurizer(parts);
  }

  transform(table: Table): FeatureMatrix {
    const n = table.nrows;
    const d = this.d;
    const X = new Float64Array(n * d);
    for (const p of this.parts) {
      const c = table.column(p.name);
      if (p.kind === 'numeric') {
        if (c.kind !== 'numeric') throw new Error(`Featurizer: column "${p.name}" was numeric when fitted`);
        const v = c.values;
        for (let i = 0; i < n; i++) X[i * d + p.offset] = (v[i] - p.shift) / p.scale;
      } else {
        if (c.kind !== 'categorical') throw new Error(`Featurizer: column "${p.name}" was categorical when fitted`);
        // Map this table's codes onto the fitted level order; unseen levels encode as all zeros.
        const map = c.levels.map((l) => p.levels.indexOf(l));
        for (let i = 0; i < n; i++) {
          const k = map[c.codes[i]];
          if (k >= 0) X[i * d + p.offset + k] = 1;
        }
      }
    }
    return { X, n, d, names: this.names };
  }

  /**
   * Exact inverse for matrices this featurizer produced; for generated matrices, numerics are unscaled
   * (rounded when integer-valued, clipped to `bounds` when given) and each one-hot block is decoded by argmax.
   */
  inverse(M: FeatureMatrix, opts: { round?: boolean; bounds?: Map<string, { min?: number; max?: number }> } = {}): Table {
    const { X, n, d } = M;
    const columns: Column[] = this.parts.map((p) => {
      if (p.kind === 'numeric') {
        const values = new Float64Array(n);
        const b = opts.bounds?.get(p.name);
        for (let i = 0; i < n; i++) {
          let v = X[i * d + p.offset] * p.scale + p.shift;
          if (opts.round && p.integer) v = Math.round(v);
          if (b?.min !== undefined && v < b.min) v = b.min;
          if (b?.max !== undefined && v > b.max) v = b.max;
          values[i] = v;
        }
        return { kind: 'numeric', name: p.name, values, integer: p.integer };
      }
      const codes = new Int32Array(n);
      const w = p.levels.length;
      for (let i = 0; i < n; i++) {
        let best = 0;
        let bv = -Infinity;
        for (let k = 0; k < w; k++) {
          const v = X[i * d + p.offset + k];
          if (v > bv) {
            bv = v;
            best = k;
          }
        }
        codes[i] = best;
      }
      return { kind: 'categorical', name: p.name, codes, levels: [...p.levels] };
    });
    return new Table(columns);
  }
}

function numericScaling(values: Float64Array, scale: Scale, declared?: ColumnSchema): { shift: number; scale: number } {
  if (scale === 'none') return { shift: 0, scale: 1 };
  if (scale === 'minmax') {
    let lo: number;
    let hi: number;
    if (declared?.min !== undefined && declared?.max !== undefined) {
      lo = declared.min;
      hi = declared.max;
    } else {
      lo = Infinity;
      hi = -Infinity;
      for (const v of values) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return { shift: lo, scale: hi > lo ? hi - lo : 1 };
  }
  // Population std (ddof = 0), as scikit-learn's StandardScaler.
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const std = Math.sqrt(ss / values.length);
  return { shift: mean, scale: std > 0 ? std : 1 };
}

// Splits live in src/data/split.ts; re-exported here because featurizing and splitting go together.
export { stratifiedSplit, stratifiedKFold, complement } from '../split.ts';
