/**
 * The record space distance-based attacks work in. Mixed tables are kept as scaled numerics plus
 * categorical codes, so a distance costs one pass over the columns instead of a pass over a wide one-hot
 * vector:
 *
 * - `gower` (Gower 1971, equal weights): d(a,b) = (Σ_num |a−b|/R + Σ_cat [a≠b]) / #columns. The range R of
 *   a numeric column is its declared public bound (table.meta.schema min/max) when both are declared,
 *   else the range observed in the *real* rows the space is fitted on (train ∪ holdout, pooled so the two
 *   sides are treated alike). Synthetic values outside R are not clipped.
 * - `l2`: Euclidean distance on standardized numerics (mean and population std of the pooled real rows)
 *   and 0/1 one-hot categoricals — exactly the encoding of Featurizer({scale:'standard'}), where two
 *   different levels differ in two one-hot entries, i.e. add 2 to the squared distance.
 *
 * Scaling statistics come from the same Featurizer the rest of the harness uses. A level the fitted rows
 * never showed (e.g. a generator's invented category) gets its own code: it mismatches every other level.
 */
import { Featurizer } from '../../data/transform/featurize.ts';
import type { Table } from '../../data/table.ts';

export type DistanceKind = 'gower' | 'l2';

/** Rows of a table in the space: row-major scaled numerics and categorical codes. */
export interface EncodedRows {
  n: number;
  /** Number of numeric columns. */
  p: number;
  /** Number of categorical columns. */
  c: number;
  num: Float64Array;
  cat: Int32Array;
}

export class MixedSpace {
  readonly kind: DistanceKind;
  readonly numericNames: string[];
  readonly categoricalNames: string[];
  /** z = (x − shift) / scale per numeric column. */
  readonly shift: Float64Array;
  readonly scale: Float64Array;
  /** Where each numeric scale came from (gower: declared bounds or the pooled real rows). */
  readonly scaleSource: ('schema' | 'data')[];
  /** Contribution of one categorical mismatch to the raw (pre-finalize) distance. */
  readonly mismatch: number;
  private readonly codeOf: Map<string, number>[];

  private constructor(kind: DistanceKind, f: Featurizer, real: Table) {
    this.kind = kind;
    this.mismatch = kind === 'gower' ? 1 : 2;
    const nums = f.parts.filter((p) => p.kind === 'numeric');
    const cats = f.parts.filter((p) => p.kind === 'categorical');
    this.numericNames = nums.map((p) => p.name);
    this.categoricalNames = cats.map((p) => p.name);
    this.shift = Float64Array.from(nums.map((p) => p.shift));
    this.scale = Float64Array.from(nums.map((p) => p.scale));
    const schema = new Map((real.meta.schema ?? []).map((s) => [s.name, s]));
    this.scaleSource = nums.map((p) => {
      const s = schema.get(p.name);
      return kind === 'gower' && s?.min !== undefined && s?.max !== undefined ? 'schema' : 'data';
    });
    this.codeOf = cats.map((p) => new Map(p.levels.map((l, i) => [l, i])));
  }

  /**
   * Fit scaling on the real rows (pass train and holdout together). `columns` restricts the space
   * (default: every column, the target included — a record is the whole row).
   */
  static fit(real: Table, kind: DistanceKind, columns?: string[]): MixedSpace {
    if (kind !== 'gower' && kind !== 'l2') throw new Error(`attacks: unknown distance "${kind}" (use "gower" or "l2")`);
    const cols = columns ?? real.names;
    const exclude = real.names.filter((n) => !cols.includes(n));
    for (const c of cols) if (!real.has(c)) throw new Error(`attacks: column "${c}" is not in the data (columns: ${real.names.join(', ')})`);
    const f = Featurizer.fit(real, {
      scale: kind === 'gower' ? 'minmax' : 'standard',
      publicBounds: true,
      includeTarget: true,
      exclude,
    });
    return new MixedSpace(kind, f, real);
  }

  get ncols(): number {
    return this.numericNames.length + this.categoricalNames.length;
  }

  encode(t: Table, what = 'table'): EncodedRows {
    const n = t.nrows;
    const p = this.numericNames.length;
    const c = this.categoricalNames.length;
    const num = new Float64Array(n * p);
    const cat = new Int32Array(n * c);
    for (let k = 0; k < p; k++) {
      const name = this.numericNames[k];
      if (!t.has(name)) throw new Error(`attacks: ${what} has no column "${name}"`);
      const col = t.column(name);
      if (col.kind !== 'numeric') throw new Error(`attacks: column "${name}" of ${what} is categorical, expected numeric`);
      const sh = this.shift[k];
      const sc = this.scale[k];
      const v = col.values;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (!Number.isFinite(x)) throw new Error(`attacks: ${what} column "${name}" row ${i} is ${x}; attacks need finite values`);
        num[i * p + k] = (x - sh) / sc;
      }
    }
    for (let k = 0; k < c; k++) {
      const name = this.categoricalNames[k];
      if (!t.has(name)) throw new Error(`attacks: ${what} has no column "${name}"`);
      const col = t.column(name);
      if (col.kind !== 'categorical') throw new Error(`attacks: column "${name}" of ${what} is numeric, expected categorical`);
      const codes = this.codeOf[k];
      const map = col.levels.map((l) => {
        let code = codes.get(l);
        if (code === undefined) codes.set(l, (code = codes.size));
        return code;
      });
      for (let i = 0; i < n; i++) cat[i * c + k] = map[col.codes[i]];
    }
    return { n, p, c, num, cat };
  }

  /** Raw accumulated distance (Σ|Δz| + mismatches for gower; Σ Δz² + 2·mismatches for l2). */
  raw(a: EncodedRows, i: number, b: EncodedRows, j: number): number {
    const { p, c } = a;
    let s = 0;
    for (let k = 0; k < c; k++) if (a.cat[i * c + k] !== b.cat[j * c + k]) s += this.mismatch;
    for (let k = 0; k < p; k++) {
      const d = a.num[i * p + k] - b.num[j * p + k];
      s += this.kind === 'gower' ? Math.abs(d) : d * d;
    }
    return s;
  }

  /** Raw accumulated value → distance. */
  finalize(raw: number): number {
    return this.kind === 'gower' ? raw / this.ncols : Math.sqrt(raw);
  }

  distance(a: EncodedRows, i: number, b: EncodedRows, j: number): number {
    return this.finalize(this.raw(a, i, b, j));
  }
}
