/**
 * `kanon`: Mondrian k-anonymity (LeFevre, DeWitt & Ramakrishnan 2006, "Mondrian Multidimensional
 * K-Anonymity"), the "traditional anonymization" comparison. NOT differentially private: k-anonymity
 * bounds re-identification by quasi-identifier matching only; it gives no ε guarantee.
 *
 * Partitioning (strict multidimensional): start with all rows; split a partition on the quasi-identifier
 * with the widest normalized range — numeric: (max − min) / full-data range; categorical: (distinct
 * codes − 1) / (full-data distinct − 1), codes taken in level order — at the cut nearest the median that
 * leaves ≥ k rows on both sides (x ≤ cut | x > cut); if that dimension has no such cut, try the next
 * widest; a partition no QI can split is an equivalence class (every class has ≥ k rows).
 *
 * Release: each record keeps its non-QI columns; each QI is replaced by a value representative of its
 * class, drawn once at fit time — numeric: uniform over the class range [min, max] (integers: uniform
 * integer), or the class mean with `numeric: mean`; categorical: uniform over the set of levels present in
 * the class (a generalisation by sets; drawing by frequency would leak more). `sample(n)` draws rows from
 * that fixed release: without replacement while n ≤ its size, with replacement beyond.
 */
import { z } from 'zod';
import type { Rng } from '../../compute/rng.ts';
import { Table, type Column } from '../../data/table.ts';
import { parseOptions } from '../options.ts';
import type { FitOptions, FitReport, Generator, GeneratorInfo } from '../types.ts';

const optionsSchema = z.strictObject({
  // k = 5: the default the issue specifies for this baseline (issue 9).
  k: z.number().int().min(2).default(5).describe('Minimum equivalence-class size.'),
  quasiIdentifiers: z.array(z.string()).min(1).optional().describe('Quasi-identifier columns (default: every column except the target).'),
  numeric: z.enum(['uniform', 'mean']).default('uniform').describe('Released numeric QI value: uniform within the class range, or the class mean.'),
});

export type KAnonOptions = z.infer<typeof optionsSchema>;

/** One quasi-identifier as ordered values (numeric values, or categorical codes in level order). */
interface Dimension {
  name: string;
  values: Float64Array;
  /** Full-data width used to normalise: numeric range, or distinct count − 1 for categoricals. */
  width: number;
  categorical: boolean;
}

export interface MondrianResult {
  /** Equivalence class of each row. */
  classOf: Int32Array;
  /** Rows of each class. */
  classes: Int32Array[];
}

/** Mondrian strict multidimensional partitioning of `table` on `qis` with minimum class size k. */
export function mondrian(table: Table, qis: string[], k: number): MondrianResult {
  const n = table.nrows;
  if (n < k) throw new Error(`kanon: needs at least k = ${k} rows, got ${n}`);
  const dims: Dimension[] = qis.map((name) => {
    const c = table.column(name);
    const values = c.kind === 'numeric' ? c.values : Float64Array.from(c.codes);
    const width = c.kind === 'numeric' ? range(values, allRows(n)) : distinct(values, allRows(n)) - 1;
    return { name, values, width, categorical: c.kind === 'categorical' };
  });
  const classes: Int32Array[] = [];
  const stack: Int32Array[] = [allRows(n)];
  while (stack.length > 0) {
    const part = stack.pop()!;
    const split = bestSplit(part, dims, k);
    if (!split) {
      classes.push(part);
      continue;
    }
    stack.push(split[1], split[0]);
  }
  const classOf = new Int32Array(n);
  classes.forEach((rows, c) => {
    for (const r of rows) classOf[r] = c;
  });
  return { classOf, classes };
}

/** Split a partition on the widest dimension that has an allowable cut; null when none has. */
function bestSplit(part: Int32Array, dims: Dimension[], k: number): [Int32Array, Int32Array] | null {
  if (part.length < 2 * k) return null;
  const widths = dims.map((d, i) => {
    const w = d.categorical ? distinct(d.values, part) - 1 : range(d.values, part);
    return { i, w: d.width > 0 ? w / d.width : 0 };
  });
  widths.sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { i, w } of widths) {
    if (!(w > 0)) break;
    const cut = medianCut(dims[i].values, part, k);
    if (cut === null) continue;
    const v = dims[i].values;
    let nl = 0;
    for (const r of part) if (v[r] <= cut) nl++;
    const left = new Int32Array(nl);
    const right = new Int32Array(part.length - nl);
    let a = 0;
    let b = 0;
    for (const r of part) {
      if (v[r] <= cut) left[a++] = r;
      else right[b++] = r;
    }
    return [left, right];
  }
  return null;
}

/**
 * The cut value c (left = x ≤ c) whose left side is closest to half the partition with both sides ≥ k;
 * null when ties make every cut leave fewer than k rows on one side.
 */
function medianCut(values: Float64Array, part: Int32Array, k: number): number | null {
  const sorted = Float64Array.from(part, (r) => values[r]).sort();
  const n = sorted.length;
  let best: number | null = null;
  let bestGap = Infinity;
  for (let i = 0; i < n - 1; i++) {
    if (sorted[i] === sorted[i + 1]) continue; // a cut must fall between distinct values
    const left = i + 1;
    if (left < k || n - left < k) continue;
    const gap = Math.abs(left - n / 2);
    if (gap < bestGap) {
      bestGap = gap;
      best = sorted[i];
    }
  }
  return best;
}

function allRows(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

function range(values: Float64Array, rows: Int32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    const v = values[r];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

function distinct(values: Float64Array, rows: Int32Array): number {
  const s = new Set<number>();
  for (const r of rows) s.add(values[r]);
  return s.size;
}

export class KAnonGenerator implements Generator {
  readonly name = 'kanon';
  /** The anonymised release (one row per training record, QIs replaced). */
  release: Table | null = null;
  /** The equivalence classes of the last fit (rows of the training table). */
  partition: MondrianResult | null = null;
  quasiIdentifiers: string[] = [];

  constructor(private readonly opts: KAnonOptions) {}

  async fit(train: Table, fit: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    if (fit.privacy.mechanism !== 'none') {
      throw new Error(`kanon: mechanism "${fit.privacy.mechanism}" is not supported — k-anonymity is not differentially private (use mechanism none)`);
    }
    const { k } = this.opts;
    const qis = this.opts.quasiIdentifiers ?? train.names.filter((c) => c !== train.meta.target);
    for (const q of qis) {
      if (!train.has(q)) throw new Error(`generators.kanon.quasiIdentifiers: no column "${q}" (columns: ${train.names.join(', ')})`);
    }
    if (qis.length === 0) throw new Error('generators.kanon.quasiIdentifiers: no quasi-identifier columns (the table has only its target)');
    if (train.nrows < k) throw new Error(`kanon: k = ${k} needs at least ${k} training rows, got ${train.nrows}`);
    const part = mondrian(train, qis, k);
    const rng = fit.rng.fork('kanon-release');
    const qiSet = new Set(qis);
    const columns: Column[] = train.columns.map((c) => (qiSet.has(c.name) ? this.generalise(c, part, rng) : c));
    this.release = new Table(columns, train.meta);
    this.partition = part;
    this.quasiIdentifiers = qis;
    const sizes = part.classes.map((c) => c.length);
    return {
      seconds: (performance.now() - t0) / 1000,
      stopped: 'partitioned',
      k,
      classes: part.classes.length,
      minClassSize: sizes.reduce((a, b) => Math.min(a, b), Infinity),
      meanClassSize: train.nrows / part.classes.length,
      quasiIdentifiers: qis.length,
    };
  }

  private generalise(c: Column, part: MondrianResult, rng: Rng): Column {
    if (c.kind === 'numeric') {
      const values = new Float64Array(c.values.length);
      for (const rows of part.classes) {
        let lo = Infinity;
        let hi = -Infinity;
        let sum = 0;
        for (const r of rows) {
          const v = c.values[r];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          sum += v;
        }
        const mean = sum / rows.length;
        for (const r of rows) {
          if (this.opts.numeric === 'mean') values[r] = c.integer ? Math.round(mean) : mean;
          else if (c.integer) values[r] = Math.ceil(lo) + rng.int(Math.floor(hi) - Math.ceil(lo) + 1);
          else values[r] = lo + rng.uniform() * (hi - lo);
        }
      }
      return { ...c, values };
    }
    const codes = new Int32Array(c.codes.length);
    for (const rows of part.classes) {
      const set = [...new Set(Array.from(rows, (r) => c.codes[r]))].sort((a, b) => a - b);
      for (const r of rows) codes[r] = set[rng.int(set.length)];
    }
    return { ...c, codes };
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    if (!this.release) throw new Error('kanon: sample() before fit()');
    const N = this.release.nrows;
    const perm = rng.permutation(N);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i < N && n <= N ? perm[i] : rng.int(N);
    return this.release.take(idx);
  }
}

export const kanonInfo: GeneratorInfo = {
  name: 'kanon',
  description:
    'Mondrian k-anonymity (LeFevre et al. 2006): quasi-identifiers generalised to equivalence classes of ≥ k records, ' +
    'released as values drawn within each class. Traditional anonymisation baseline — not differentially private.',
  mechanisms: ['none'],
  create: (options) => new KAnonGenerator(parseOptions('kanon', optionsSchema, options)),
};
