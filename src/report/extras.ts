/**
 * Shapes of `CellResult.extras` that the report draws, and helpers that compute them from the real and
 * synthetic tables (the runner stores their output; the report only reads it). Everything is small and
 * aggregated (frequencies, means), never rows.
 *
 * extras.marginals   — Marginal[]: per column, real vs synthetic proportions over the same bins/levels.
 * extras.correlation — Correlation: real and synthetic association matrices over the same columns.
 * extras.series      — SeriesBands[]: per time step mean ± std of real vs synthetic series (per class).
 */
import type { Column, Table } from '../data/table.ts';
import { association } from '../eval/fidelity.ts';

export interface NumericMarginal {
  column: string;
  kind: 'numeric';
  /** Bin edges (length bins + 1), fixed from the real column so both sides share them. */
  edges: number[];
  /** Proportion of rows per bin (sums to 1); synthetic values outside the edges fall in the end bins. */
  real: number[];
  synthetic: number[];
}

export interface CategoricalMarginal {
  column: string;
  kind: 'categorical';
  levels: string[];
  real: number[];
  synthetic: number[];
}

export type Marginal = NumericMarginal | CategoricalMarginal;

export interface Correlation {
  /** "associations": Pearson r (numeric–numeric), Cramér's V (categorical–categorical), correlation ratio η (mixed). */
  method: string;
  columns: string[];
  /** Symmetric matrices, row-major as nested arrays (columns × columns). */
  real: number[][];
  synthetic: number[][];
}

export interface SeriesBands {
  /** Group the band describes, e.g. "label=1" or "all". */
  group: string;
  /** Time-step labels (column names), one per step. */
  steps: string[];
  real: { mean: number[]; std: number[]; n: number };
  synthetic: { mean: number[]; std: number[]; n: number };
}

export interface CellExtras {
  marginals?: Marginal[];
  correlation?: Correlation;
  series?: SeriesBands[];
}

const isNums = (x: unknown, len?: number): x is number[] =>
  Array.isArray(x) && (len === undefined || x.length === len) && x.every((v) => typeof v === 'number' && Number.isFinite(v));

function readMarginal(m: unknown): Marginal | null {
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  if (typeof o.column !== 'string' || !isNums(o.real) || !isNums(o.synthetic, o.real.length) || o.real.length === 0) return null;
  if (o.kind === 'numeric' && isNums(o.edges, o.real.length + 1)) return o as unknown as NumericMarginal;
  if (o.kind === 'categorical' && Array.isArray(o.levels) && o.levels.length === o.real.length) return o as unknown as CategoricalMarginal;
  return null;
}

function readMatrix(x: unknown, n: number): x is number[][] {
  return Array.isArray(x) && x.length === n && x.every((r) => isNums(r, n));
}

function readCorrelation(c: unknown): Correlation | null {
  if (!c || typeof c !== 'object') return null;
  const o = c as Record<string, unknown>;
  if (!Array.isArray(o.columns) || !o.columns.every((s) => typeof s === 'string') || o.columns.length < 2) return null;
  const n = o.columns.length;
  if (!readMatrix(o.real, n) || !readMatrix(o.synthetic, n)) return null;
  return { method: typeof o.method === 'string' ? o.method : 'unknown', columns: o.columns as string[], real: o.real, synthetic: o.synthetic };
}

function readBands(b: unknown): SeriesBands | null {
  if (!b || typeof b !== 'object') return null;
  const o = b as Record<string, unknown>;
  if (!Array.isArray(o.steps) || o.steps.length === 0) return null;
  const n = o.steps.length;
  const side = (s: unknown) => {
    const x = s as { mean?: unknown; std?: unknown } | null;
    return !!x && isNums(x.mean, n) && isNums(x.std, n);
  };
  if (!side(o.real) || !side(o.synthetic)) return null;
  return { ...(o as unknown as SeriesBands), group: typeof o.group === 'string' ? o.group : 'all', steps: o.steps.map(String) };
}

/** The typed extras of a cell; malformed entries are dropped (a report never fails on a bad artefact). */
export function readExtras(extras: Record<string, unknown> | undefined): CellExtras {
  if (!extras) return {};
  const out: CellExtras = {};
  if (Array.isArray(extras.marginals)) {
    const ms = extras.marginals.map(readMarginal).filter((m): m is Marginal => m !== null);
    if (ms.length) out.marginals = ms;
  }
  const corr = readCorrelation(extras.correlation);
  if (corr) out.correlation = corr;
  if (Array.isArray(extras.series)) {
    const bs = extras.series.map(readBands).filter((b): b is SeriesBands => b !== null);
    if (bs.length) out.series = bs;
  }
  return out;
}

// ---- Builders (used by the runner to fill extras) ---------------------------------------------------------

function proportions(counts: Float64Array, n: number): number[] {
  return Array.from(counts, (c) => (n > 0 ? c / n : 0));
}

function numericHistogram(values: Float64Array, edges: number[]): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const lo = edges[0];
  const width = (edges[bins] - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let b = width > 0 ? Math.floor((v - lo) / width) : 0;
    if (b < 0) b = 0;
    if (b >= bins) b = bins - 1;
    counts[b]++;
  }
  return counts;
}

function finiteRange(values: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

/** Real vs synthetic marginals of every shared column; numeric bins are equal-width over the real range. */
export function computeMarginals(real: Table, synthetic: Table, opts: { bins?: number; columns?: string[] } = {}): Marginal[] {
  const bins = opts.bins ?? 20;
  const out: Marginal[] = [];
  for (const rc of real.columns) {
    if (opts.columns && !opts.columns.includes(rc.name)) continue;
    const sc = synthetic.columns.find((c) => c.name === rc.name);
    if (!sc || sc.kind !== rc.kind) continue;
    if (rc.kind === 'numeric' && sc.kind === 'numeric') {
      const [lo, hi] = finiteRange(rc.values);
      // Integer columns with few distinct values get one bin per integer, so counts are not split oddly.
      const perInteger = rc.integer && hi - lo + 1 <= bins;
      const nb = perInteger ? hi - lo + 1 : bins;
      const a = perInteger ? lo - 0.5 : lo;
      const b = perInteger ? hi + 0.5 : hi > lo ? hi : lo + 1;
      const edges = Array.from({ length: nb + 1 }, (_, i) => a + ((b - a) * i) / nb);
      out.push({ column: rc.name, kind: 'numeric', edges, real: proportions(numericHistogram(rc.values, edges), rc.values.length), synthetic: proportions(numericHistogram(sc.values, edges), sc.values.length) });
    } else if (rc.kind === 'categorical' && sc.kind === 'categorical') {
      const levels = [...rc.levels, ...sc.levels.filter((l) => !rc.levels.includes(l))];
      const count = (c: typeof rc) => {
        const idx = c.levels.map((l) => levels.indexOf(l));
        const counts = new Float64Array(levels.length);
        for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) counts[idx[c.codes[i]]]++;
        return proportions(counts, c.codes.length);
      };
      out.push({ column: rc.name, kind: 'categorical', levels, real: count(rc), synthetic: count(sc) });
    }
  }
  return out;
}

/** Pairwise associations as the fidelity metrics define them (src/eval/fidelity.ts); 0 where undefined. */
function associations(t: Table, names: string[]): number[][] {
  const cols = names.map((n) => t.columns.find((c) => c.name === n)!);
  const m = names.map(() => names.map(() => 0));
  for (let i = 0; i < cols.length; i++) {
    m[i][i] = 1;
    for (let j = i + 1; j < cols.length; j++) m[i][j] = m[j][i] = association(cols[i], cols[j]) ?? 0;
  }
  return m;
}

/** Association matrices of the columns both tables share (at most maxColumns, in real-table order). */
export function computeCorrelation(real: Table, synthetic: Table, opts: { maxColumns?: number } = {}): Correlation {
  const names = real.columns
    .filter((c) => synthetic.columns.some((s) => s.name === c.name && s.kind === c.kind))
    .map((c) => c.name)
    .slice(0, opts.maxColumns ?? 30);
  return { method: 'associations', columns: names, real: associations(real, names), synthetic: associations(synthetic, names) };
}

function bands(t: Table, steps: string[], rows: (i: number) => boolean): { mean: number[]; std: number[]; n: number } {
  const cols = steps.map((s) => t.columns.find((c) => c.name === s && c.kind === 'numeric') as Extract<Column, { kind: 'numeric' }>);
  const mean: number[] = [];
  const std: number[] = [];
  let n = 0;
  for (let i = 0; i < t.nrows; i++) if (rows(i)) n++;
  for (const c of cols) {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < t.nrows; i++)
      if (rows(i)) {
        s += c.values[i];
        ss += c.values[i] * c.values[i];
      }
    const m = n ? s / n : 0;
    mean.push(m);
    std.push(n > 1 ? Math.sqrt(Math.max(0, (ss - n * m * m) / (n - 1))) : 0);
  }
  return { mean, std, n };
}

/**
 * Per-step bands for series stored one per row (e.g. ECG5000: t0..t139). Steps are the numeric columns
 * shared by both tables except the target; with `byTarget`, one band per level of the (categorical) target.
 */
export function computeSeriesBands(real: Table, synthetic: Table, opts: { steps?: string[]; byTarget?: boolean } = {}): SeriesBands[] {
  const target = real.meta.target;
  const steps =
    opts.steps ??
    real.columns.filter((c) => c.kind === 'numeric' && c.name !== target && synthetic.columns.some((s) => s.name === c.name && s.kind === 'numeric')).map((c) => c.name);
  if (steps.length === 0) return [];
  const all = () => true;
  const out: SeriesBands[] = [{ group: 'all', steps, real: bands(real, steps, all), synthetic: bands(synthetic, steps, all) }];
  if (opts.byTarget && target) {
    const rc = real.columns.find((c) => c.name === target);
    const sc = synthetic.columns.find((c) => c.name === target);
    if (rc?.kind === 'categorical' && sc?.kind === 'categorical') {
      for (const level of rc.levels) {
        const r = rc.levels.indexOf(level);
        const s = sc.levels.indexOf(level);
        out.push({ group: `${target}=${level}`, steps, real: bands(real, steps, (i) => rc.codes[i] === r), synthetic: bands(synthetic, steps, (i) => s >= 0 && sc.codes[i] === s) });
      }
    }
  }
  return out;
}
