/**
 * The feature space of the DP classifiers, defined by public metadata only (table.meta.schema, declared in
 * the dataset manifest or the config's `dataset.columns`): numerics min-max scaled to [0, 1] with their
 * declared bounds and clipped there, categoricals one-hot over their declared levels (a value outside them
 * encodes as all zeros). Nothing is computed from the rows, so the encoding itself releases nothing, and every
 * row obeys the bounds the sensitivities assume: each feature lies in [0, 1], ‖x‖₁ ≤ m and ‖x‖₂ ≤ √m for m input
 * columns. (Featurizer's `publicBounds` falls back to data ranges and appends data levels; DP code must not.)
 */
import type { Table } from '../../data/table.ts';
import type { DenseMatrix } from './types.ts';

export interface PublicMatrix extends DenseMatrix {
  /** Feature indices of the numeric columns (one each). */
  numeric: Int32Array;
  /** Per feature: true when it is a one-hot indicator (its variance is μ(1 − μ)). */
  oneHot: Uint8Array;
  /** Input columns m: bounds every row's ‖x‖₁ (and ‖x‖₂ by √m). */
  columns: number;
}

type Part =
  | { kind: 'numeric'; name: string; offset: number; min: number; max: number }
  | { kind: 'categorical'; name: string; offset: number; levels: string[] };

/** A DP classifier asked for a column without declared public bounds or levels. */
export class MissingPublicBoundsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPublicBoundsError';
  }
}

export class PublicEncoder {
  readonly d: number;
  readonly names: string[];

  private constructor(private readonly parts: Part[]) {
    this.names = parts.flatMap((p) => (p.kind === 'numeric' ? [p.name] : p.levels.map((l) => `${p.name}=${l}`)));
    this.d = this.names.length;
  }

  /**
   * The encoding of `table`'s feature columns (all but the target) from its declared schema. Throws, naming
   * the column, when a numeric column declares no finite min < max or a categorical one no levels.
   */
  static fromSchema(table: Table, who = 'DP classifier'): PublicEncoder {
    const schema = new Map((table.meta.schema ?? []).map((s) => [s.name, s]));
    const parts: Part[] = [];
    let offset = 0;
    const where = 'declare them in the dataset manifest ("columns") or under dataset.columns in the config';
    for (const c of table.columns) {
      if (c.name === table.meta.target) continue;
      const s = schema.get(c.name);
      if (c.kind === 'numeric') {
        if (!(s && Number.isFinite(s.min) && Number.isFinite(s.max) && s.max! > s.min!)) {
          throw new MissingPublicBoundsError(
            `${who}: numeric column "${c.name}" has no declared public bounds (min < max); DP classifiers never take bounds from the data — ${where}`,
          );
        }
        parts.push({ kind: 'numeric', name: c.name, offset, min: s.min!, max: s.max! });
        offset += 1;
      } else {
        if (!(s && s.levels && s.levels.length > 0)) {
          throw new MissingPublicBoundsError(
            `${who}: categorical column "${c.name}" has no declared public levels; DP classifiers never take levels from the data — ${where}`,
          );
        }
        parts.push({ kind: 'categorical', name: c.name, offset, levels: [...s.levels] });
        offset += s.levels.length;
      }
    }
    if (parts.length === 0) throw new MissingPublicBoundsError(`${who}: the table has no feature columns besides the target`);
    return new PublicEncoder(parts);
  }

  transform(t: Table): PublicMatrix {
    const n = t.nrows;
    const d = this.d;
    const X = new Float64Array(n * d);
    const numeric: number[] = [];
    const oneHot = new Uint8Array(d);
    for (const p of this.parts) {
      if (!t.has(p.name)) throw new Error(`DP classifier: the table has no column "${p.name}"`);
      const c = t.column(p.name);
      if (p.kind === 'numeric') {
        if (c.kind !== 'numeric') throw new Error(`DP classifier: column "${p.name}" is declared numeric but holds categories`);
        numeric.push(p.offset);
        const span = p.max - p.min;
        const v = c.values;
        for (let i = 0; i < n; i++) {
          const z = (v[i] - p.min) / span;
          // Clipping to the declared range is what makes the sensitivities hold for every row.
          X[i * d + p.offset] = z < 0 ? 0 : z > 1 ? 1 : z;
        }
      } else {
        if (c.kind !== 'categorical') throw new Error(`DP classifier: column "${p.name}" is declared categorical but holds numbers`);
        oneHot.fill(1, p.offset, p.offset + p.levels.length);
        const map = c.levels.map((l) => p.levels.indexOf(l));
        for (let i = 0; i < n; i++) {
          const k = map[c.codes[i]];
          if (k >= 0) X[i * d + p.offset + k] = 1;
        }
      }
    }
    return { X, n, d, numeric: Int32Array.from(numeric), oneHot, columns: this.parts.length };
  }
}
