/**
 * What the CTGAN family learns from the real rows *before* training — the GMM modes of each continuous
 * column and the category frequencies of the conditional vector — and how it is paid for (DESIGN.md §3:
 * "either costs budget or comes from public metadata"; defaults.md §2.4: smartnoise reads both from the
 * raw data for free, we do not):
 *
 *   - no privacy: exact (BGM on the data, exact counts), as the reference;
 *   - DP, `preprocessing: noisy` (default): a Laplace histogram per column over its declared bounds /
 *     levels, ε_pre = `preprocessor_eps` share of the cell's ε split evenly over the released histograms,
 *     each recorded in the ledger; the BGM is fitted on the noisy histogram (cells under 2·scale set to 0:
 *     post-processing) and the counts feed the conditional vector;
 *   - DP, `preprocessing: fixed`: modes placed on the declared bounds (no data) and uniform frequencies —
 *     free, data-independent;
 *   - DP, `preprocessing: public`: the user declares the modes and frequencies public (e.g. published
 *     census marginals); they are computed exactly and the ledger records a public entry naming them.
 */
import type { Rng } from '../compute/rng.ts';
import type { Table } from '../data/table.ts';
import { ModeNormalizer, ModeSpecificEncoder, type ModeOptions } from '../data/transform/mode-specific.ts';
import type { Ledger } from '../privacy/ledger.ts';
import { noisyHistogram } from '../privacy/primitives.ts';
import { CondSampler, type CondColumn } from './condvec.ts';

export type Preprocessing = 'noisy' | 'fixed' | 'public';

export interface PrepOptions extends ModeOptions {
  /** Private cell (anything but mechanism none). */
  private: boolean;
  preprocessing: Preprocessing;
  /** Share of the cell's ε spent on the noisy histograms (smartnoise charged 10% for frequencies: defaults.md §2.4). */
  epsilonFraction: number;
  /** Cells of the noisy histogram of a continuous column (integer columns with a narrower range get one cell per value). */
  bins: number;
  /** Build the conditional vector (CTGAN) or not (TVAE). */
  conditional: boolean;
  logFrequency: boolean;
  owner: string;
}

export interface Prepared {
  encoder: ModeSpecificEncoder;
  cond?: CondSampler;
  /** Category codes of each discrete column per real row (encoder level order). */
  codes: Int32Array[];
  /** What was released about the data before training (for the fit report). */
  summary: Record<string, number | string>;
}

function condColumns(enc: ModeSpecificEncoder): CondColumn[] {
  let off = 0;
  return enc.discrete.map((c) => {
    const col = { name: c.name, levels: c.levels, condOffset: off, dataOffset: c.offset };
    off += c.levels.length;
    return col;
  });
}

/** Category counts of each discrete column (encoder level order). */
function exactCounts(enc: ModeSpecificEncoder, codes: Int32Array[]): Float64Array[] {
  return enc.discrete.map((c, j) => {
    const h = new Float64Array(c.levels.length);
    for (const k of codes[j]) if (k >= 0) h[k] += 1;
    return h;
  });
}

/** Cells of a continuous column's histogram over its declared range: representative points per cell. */
function histogramCells(min: number, max: number, integer: boolean, bins: number): { edges: (v: number) => number; cells: number; points: Float64Array; perCell: number } {
  if (integer && max - min + 1 <= bins) {
    const cells = Math.round(max - min) + 1;
    return { cells, perCell: 1, points: Float64Array.from({ length: cells }, (_, i) => min + i), edges: (v) => Math.round(Math.min(max, Math.max(min, v)) - min) };
  }
  const cells = bins;
  const h = max > min ? (max - min) / cells : 1;
  const S = 4; // points spread inside each cell, so a one-cell mode keeps the cell's width as its spread
  const points = new Float64Array(cells * S);
  for (let c = 0; c < cells; c++) for (let s = 0; s < S; s++) points[c * S + s] = min + h * (c + (s + 0.5) / S);
  return { cells, perCell: S, points, edges: (v) => Math.min(cells - 1, Math.max(0, Math.floor((v - min) / h))) };
}

export function prepareCtgan(train: Table, rng: Rng, ledger: Ledger, o: PrepOptions): Prepared {
  const summary: Record<string, number | string> = {};
  if (!o.private) {
    const t0 = performance.now();
    const encoder = ModeSpecificEncoder.fit(train, rng.fork('modes'), { ...o, owner: o.owner });
    summary.gmmFitSeconds = (performance.now() - t0) / 1000;
    summary.preprocessing = 'exact (non-private)';
    const codes = encoder.discreteCodes(train);
    const cond = o.conditional ? new CondSampler(condColumns(encoder), exactCounts(encoder, codes), { logFrequency: o.logFrequency }) : undefined;
    return { encoder, cond, codes, summary };
  }

  const schema = new Map((train.meta.schema ?? []).map((s) => [s.name, s]));
  const numeric = train.columns.filter((c) => c.kind === 'numeric');
  if (o.preprocessing === 'public') {
    ledger.public(`${o.owner}: GMM modes of ${numeric.length} continuous column(s)${o.conditional ? ' and category frequencies' : ''} declared public (option preprocessing: public)`);
    const encoder = ModeSpecificEncoder.fit(train, rng.fork('modes'), { ...o, owner: o.owner });
    const codes = encoder.discreteCodes(train);
    const cond = o.conditional ? new CondSampler(condColumns(encoder), exactCounts(encoder, codes), { logFrequency: o.logFrequency }) : undefined;
    summary.preprocessing = 'public (declared)';
    return { encoder, cond, codes, summary };
  }

  // Bounds and levels are required before anything is released.
  for (const c of numeric) {
    const s = schema.get(c.name);
    if (s?.min === undefined || s?.max === undefined) {
      throw new Error(
        `${o.owner}: numeric column "${c.name}" has no declared min/max; under DP the bounds must be public metadata ` +
          `(declare columns.${c.name}.min/max in the dataset config) — they are never read from the data`,
      );
    }
  }
  const normalizers = new Map<string, ModeNormalizer>();
  const releases = (o.preprocessing === 'noisy' ? numeric.length : 0) + (o.conditional && o.preprocessing === 'noisy' ? train.columns.length - numeric.length : 0);
  const epsPre = ledger.budget.epsilon * o.epsilonFraction;
  const epsEach = releases > 0 ? epsPre / releases : 0;
  if (releases > 0 && !(epsEach > 0 && Number.isFinite(epsEach))) {
    throw new Error(`${o.owner}: preprocessor_eps must leave a positive ε for each of the ${releases} noisy histograms`);
  }
  summary.preprocessing = o.preprocessing;
  if (releases > 0) {
    summary.preprocessingEpsilon = epsPre;
    summary.histogramEpsilon = epsEach;
    summary.histograms = releases;
  }
  const maxModes = o.maxModes ?? 10;
  for (const c of numeric) {
    const s = schema.get(c.name)!;
    const min = s.min!;
    const max = s.max!;
    if (o.preprocessing === 'fixed') {
      normalizers.set(c.name, ModeNormalizer.fixed(min, max, maxModes));
      continue;
    }
    const cells = histogramCells(min, max, c.integer, o.bins);
    const counts = new Float64Array(cells.cells);
    for (const v of c.values) counts[cells.edges(v)] += 1;
    const noisy = noisyHistogram(counts, { mechanism: 'laplace', epsilon: epsEach }, rng.fork(`hist/${c.name}`), ledger, `${o.owner} preprocessing: histogram of "${c.name}" (${cells.cells} cells over declared bounds) for its GMM modes`);
    const thr = 2 / epsEach; // post-processing: drop cells that are mostly noise
    const w = new Float64Array(cells.points.length);
    let total = 0;
    for (let i = 0; i < cells.cells; i++) {
      const v = noisy[i] >= thr ? noisy[i] : 0;
      for (let k = 0; k < cells.perCell; k++) w[i * cells.perCell + k] = v / cells.perCell;
      total += v;
    }
    normalizers.set(c.name, total > 0 ? ModeNormalizer.fromWeighted(cells.points, w, rng.fork(`gmm/${c.name}`), o) : ModeNormalizer.fixed(min, max, maxModes));
  }
  const encoder = ModeSpecificEncoder.fit(train, rng.fork('modes'), { ...o, requirePublic: true, normalizers, owner: o.owner });
  const codes = encoder.discreteCodes(train);
  let cond: CondSampler | undefined;
  if (o.conditional) {
    let counts: Float64Array[];
    if (o.preprocessing === 'noisy') {
      counts = exactCounts(encoder, codes).map((h, j) =>
        noisyHistogram(h, { mechanism: 'laplace', epsilon: epsEach }, rng.fork(`freq/${j}`), ledger, `${o.owner} preprocessing: category counts of "${encoder.discrete[j].name}" for the conditional vector`, { clamp: true }),
      );
    } else {
      counts = encoder.discrete.map((c) => new Float64Array(c.levels.length).fill(1));
    }
    cond = new CondSampler(condColumns(encoder), counts, { logFrequency: o.logFrequency });
  }
  return { encoder, cond, codes, summary };
}
