/**
 * The INN generator's extra fit artefacts as the report reads them: `fit.pertinence` (the pertinence filter:
 * margin, acceptance, accepted vs rejected score summaries and histogram) and `fit.autocorrelation` (mean
 * autocorrelation of series, real vs synthetic). Stored cells are JSON, so each is validated on read and a
 * malformed one is treated as absent. Also the pertinence table of a dataset.
 */
import type { PertinenceReport, ScoreSummary } from '../generators/inn-pertinence.ts';
import type { FitReport } from '../generators/types.ts';
import { compareLabels, epsOrder, stat, type LabelledCell } from './aggregate.ts';
import type { TableModel } from './tables.ts';

/** fit.autocorrelation as src/generators/inn.ts writes it (real omitted under DP; synthetic after sample()). */
export interface AutocorrelationReport {
  prefix?: string;
  lags: number[];
  real?: number[];
  synthetic?: number[];
  syntheticRows?: number;
}

export interface PertinenceHistogram {
  edges: number[];
  inside: number[];
  outside: number[];
  real?: number[];
}

/** A validated fit.pertinence; `histogram` is null when its edges and counts do not fit together. */
export type Pertinence = Omit<PertinenceReport, 'histogram'> & { histogram: PertinenceHistogram | null };

const isNums = (x: unknown, len?: number): x is number[] =>
  Array.isArray(x) && (len === undefined || x.length === len) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function readSummary(x: unknown): ScoreSummary | null {
  if (!x || typeof x !== 'object') return null;
  const o = x as Record<string, unknown>;
  return num(o.n) !== null && num(o.q50) !== null ? (o as unknown as ScoreSummary) : null;
}

function readHistogram(x: unknown): PertinenceHistogram | null {
  if (!x || typeof x !== 'object') return null;
  const h = x as Record<string, unknown>;
  if (!isNums(h.edges) || h.edges.length < 2) return null;
  const bins = h.edges.length - 1;
  if (!isNums(h.inside, bins) || !isNums(h.outside, bins)) return null;
  for (let i = 0; i < bins; i++) if (!(h.edges[i + 1] > h.edges[i])) return null;
  return { edges: h.edges, inside: h.inside, outside: h.outside, ...(isNums(h.real, bins) ? { real: h.real } : {}) };
}

export function readPertinence(fit: FitReport | undefined): Pertinence | null {
  const p = fit?.pertinence as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object' || typeof p.filter !== 'boolean' || num(p.draws) === null) return null;
  const byCondition: Pertinence['byCondition'] = {};
  if (p.byCondition && typeof p.byCondition === 'object')
    for (const [level, v] of Object.entries(p.byCondition as Record<string, Record<string, unknown>>)) {
      const draws = num(v?.draws);
      const passed = num(v?.passed);
      if (draws !== null && passed !== null && draws > 0) byCondition[level] = { draws, passed, acceptanceRate: passed / draws };
    }
  return {
    filter: p.filter,
    score: p.score === 'reconstruction' ? 'reconstruction' : 'nll',
    unit: typeof p.unit === 'string' ? p.unit : '',
    margin: num(p.margin),
    marginSource: typeof p.marginSource === 'string' ? p.marginSource : 'unknown',
    ...(p.real !== undefined ? { real: readSummary(p.real) } : {}),
    draws: num(p.draws)!,
    passed: num(p.passed) ?? 0,
    returned: num(p.returned) ?? 0,
    rejectedNonFinite: num(p.rejectedNonFinite) ?? 0,
    acceptanceRate: num(p.acceptanceRate),
    inside: readSummary(p.inside),
    outside: readSummary(p.outside),
    histogram: readHistogram(p.histogram),
    ...(Object.keys(byCondition).length ? { byCondition } : {}),
    ...(num(p.filled) !== null ? { filled: num(p.filled)! } : {}),
  };
}

export function readAutocorrelation(fit: FitReport | undefined): AutocorrelationReport | null {
  const a = fit?.autocorrelation as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object' || !isNums(a.lags) || a.lags.length === 0) return null;
  const n = a.lags.length;
  const real = isNums(a.real, n) ? a.real : undefined;
  const synthetic = isNums(a.synthetic, n) ? a.synthetic : undefined;
  if (!real && !synthetic) return null;
  return { lags: a.lags, ...(typeof a.prefix === 'string' ? { prefix: a.prefix } : {}), ...(real ? { real } : {}), ...(synthetic ? { synthetic } : {}) };
}

/** INN generators (inn, and its DP alias dp-inn): the only ones whose missing pertinence data is news. */
export const isInn = (generator: string) => /(^|-)inn$/.test(generator);

/**
 * Counts over `edges` moved onto `target` edges, each source bin spread uniformly over its width (exact when
 * the edges are the same). Seeds fix their own histogram edges from their real scores, so seeds are summed
 * on common edges.
 */
export function rebin(edges: number[], counts: number[], target: number[]): number[] {
  const out = new Array<number>(target.length - 1).fill(0);
  for (let i = 0; i < counts.length; i++) {
    const a = edges[i];
    const b = edges[i + 1];
    const c = counts[i];
    if (!c) continue;
    for (let j = 0; j < out.length; j++) {
      const lo = Math.max(a, target[j]);
      const hi = Math.min(b, target[j + 1]);
      if (hi > lo) out[j] += (c * (hi - lo)) / (b - a);
    }
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
/** 4 significant digits; exponent notation for huge or tiny scores (a diverged record scores 1e13). */
const p4 = (x: number) => (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3) ? x.toExponential(2) : Number(x.toPrecision(4)).toString());

/** "m ± s" of finite values (one value: just m), with the formatter f; "—" when none. */
function meanStd(values: (number | null | undefined)[], f: (x: number) => string): string {
  const s = stat(values.filter((v): v is number => typeof v === 'number'));
  if (!s) return '—';
  return s.n > 1 ? `${f(s.mean)} ± ${f(s.std)}` : f(s.mean);
}

/**
 * Per generator variant × ε: the filter setting, the margin and where it came from, the acceptance rate
 * (overall and per condition level), median scores of generated records inside vs outside the margin (and
 * of real training records when stored), draws, and rejected records used to fill a shortfall.
 */
export function pertinenceTable(dataset: string, cells: LabelledCell[]): TableModel | null {
  const withP = cells.map((lc) => ({ lc, p: readPertinence(lc.cell.fit) })).filter((x): x is { lc: LabelledCell; p: Pertinence } => x.p !== null);
  if (!withP.length) return null;
  const groups = new Map<string, typeof withP>();
  for (const x of [...withP].sort((a, b) => compareLabels(a.lc.generator, b.lc.generator) || epsOrder(a.lc.epsilon) - epsOrder(b.lc.epsilon))) {
    const k = `${x.lc.generator}|${x.lc.epsilon}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(x);
  }
  const hasLevels = withP.some((x) => x.p.byCondition);
  const hasReal = withP.some((x) => x.p.real);
  const nonFinite = withP.some((x) => x.p.rejectedNonFinite > 0);
  const rows: string[][] = [];
  for (const g of groups.values()) {
    const ps = g.map((x) => x.p);
    const filters = [...new Set(ps.map((p) => (p.filter ? 'on' : 'off')))];
    const row = [
      g[0].lc.generator,
      g[0].lc.epsilon === null ? 'non-private' : String(g[0].lc.epsilon),
      filters.join('/'),
      [...new Set(ps.map((p) => p.score))].join('/'),
      meanStd(ps.map((p) => p.margin), p4),
      [...new Set(ps.map((p) => p.marginSource))].join('; '),
      meanStd(ps.map((p) => (p.draws > 0 ? p.passed / p.draws : null)), pct),
    ];
    if (hasLevels) {
      const levels = [...new Set(ps.flatMap((p) => Object.keys(p.byCondition ?? {})))];
      row.push(levels.map((l) => `${l}: ${meanStd(ps.map((p) => p.byCondition?.[l]?.acceptanceRate), pct)}`).join(', ') || '—');
    }
    row.push(meanStd(ps.map((p) => p.inside?.q50), p4), meanStd(ps.map((p) => p.outside?.q50), p4));
    if (hasReal) row.push(meanStd(ps.map((p) => p.real?.q50), p4));
    const avg = (f: (p: Pertinence) => number) => Math.round(ps.reduce((s, p) => s + f(p), 0) / ps.length);
    row.push(`${avg((p) => p.draws)} / ${avg((p) => p.passed)} / ${avg((p) => p.returned)}`);
    if (nonFinite) row.push(String(avg((p) => p.rejectedNonFinite)));
    row.push(ps.some((p) => p.filter) ? String(avg((p) => p.filled ?? 0)) : '—');
    row.push(String(ps.length));
    rows.push(row);
  }
  const units = [...new Set(withP.map((x) => `${x.p.score}: ${x.p.unit}`))].join('; ');
  return {
    title: `${dataset}: INN pertinence filter`,
    note: [
      `Each generated record is scored by the network's forward pass (${units}; lower = more typical of the training data) and kept only when its score is ≤ the margin.`,
      'Acceptance: share of scored draws inside the margin — with the filter off nothing is discarded and it is the share that would have passed.',
      'Medians of generated records inside vs outside the margin' + (hasReal ? ' and of real training records (not stored under DP)' : '') + '; mean ± std over seeds.',
      'Draws / inside / returned and filled (rejected records returned to make up a shortfall, on_shortfall: best): mean per cell over all sample() calls.',
    ].join(' '),
    columns: [
      'generator',
      'ε',
      'filter',
      'score',
      'margin',
      'margin source',
      'acceptance',
      ...(hasLevels ? ['acceptance per condition level'] : []),
      'median inside',
      'median outside',
      ...(hasReal ? ['median real'] : []),
      'draws / inside / returned',
      ...(nonFinite ? ['non-finite'] : []),
      'filled',
      'seeds',
    ],
    rows,
  };
}
