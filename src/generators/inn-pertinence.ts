/**
 * Bookkeeping of INN-SDG's pertinence filter (Schwab): each generated record is scored by the network's
 * forward pass and kept only inside the margin. This module holds the small, aggregated report the
 * FitReport carries (`fit.pertinence`): the margin and where it came from, acceptance counts, summaries and
 * a fixed-edge histogram of accepted vs rejected scores (and, without DP, of the real training scores).
 * No rows, only aggregates. Also: mean autocorrelation of fixed-length series (real vs synthetic).
 */
import type { Table } from '../data/table.ts';

export type ScoreKind = 'nll' | 'reconstruction';

export interface ScoreSummary {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Quantiles at 5, 25, 50, 75, 95 %. */
  q05: number;
  q25: number;
  q50: number;
  q75: number;
  q95: number;
}

/** Linear-interpolation quantile of sorted values (numpy's default "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function summarize(values: ArrayLike<number>): ScoreSummary | null {
  const n = values.length;
  if (n === 0) return null;
  const s = Float64Array.from(values).sort();
  let mean = 0;
  for (let i = 0; i < n; i++) mean += s[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (s[i] - mean) ** 2;
  const r = (x: number) => Number(x.toPrecision(6));
  return {
    n,
    mean: r(mean),
    std: r(Math.sqrt(ss / n)),
    min: r(s[0]),
    max: r(s[n - 1]),
    q05: r(quantileSorted(s, 0.05)),
    q25: r(quantileSorted(s, 0.25)),
    q50: r(quantileSorted(s, 0.5)),
    q75: r(quantileSorted(s, 0.75)),
    q95: r(quantileSorted(s, 0.95)),
  };
}

/** Equal-width bin counts over fixed edges; values outside fall in the end bins. */
export function histogram(values: ArrayLike<number>, edges: number[]): number[] {
  const bins = edges.length - 1;
  const out = new Array<number>(bins).fill(0);
  const lo = edges[0];
  const w = (edges[bins] - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let b = w > 0 ? Math.floor((v - lo) / w) : 0;
    if (b < 0) b = 0;
    if (b >= bins) b = bins - 1;
    out[b]++;
  }
  return out;
}

export function equalEdges(lo: number, hi: number, bins: number): number[] {
  if (!(hi > lo)) hi = lo + 1;
  return Array.from({ length: bins + 1 }, (_, i) => Number((lo + ((hi - lo) * i) / bins).toPrecision(6)));
}

export interface PertinenceReport {
  filter: boolean;
  score: ScoreKind;
  /** Unit of the scores. */
  unit: string;
  /** Keep a record when score ≤ margin (null: no margin, e.g. filter off under DP). */
  margin: number | null;
  marginSource: string;
  /** Real training scores (omitted under DP: aggregates of real rows are a release). */
  real?: ScoreSummary | null;
  /**
   * Over all sample() calls: generated records drawn and scored, those inside the margin, those returned
   * (with the filter on: inside, up to the requested count; off: all finite ones), those with a non-finite value.
   */
  draws: number;
  passed: number;
  returned: number;
  rejectedNonFinite: number;
  /** passed / draws — the filter's acceptance rate (with the filter off: the share that *would* pass). */
  acceptanceRate: number | null;
  /** Score summaries of generated rows inside vs outside the margin. */
  inside: ScoreSummary | null;
  outside: ScoreSummary | null;
  histogram: { edges: number[]; inside: number[]; outside: number[]; real?: number[] };
  /** Acceptance per condition level (conditional INN). */
  byCondition?: Record<string, { draws: number; passed: number; acceptanceRate: number }>;
  /** Rejected records returned to fill a shortfall (on_shortfall: best). */
  filled?: number;
  /** Rows returned by the last sample() call and draws it took. */
  lastCall?: { requested: number; returned: number; draws: number };
}

/** Accumulates generated-row scores across sample() calls and writes the report object in place. */
export class PertinenceTracker {
  readonly report: PertinenceReport;
  private inside: number[] = [];
  private outside: number[] = [];

  constructor(report: PertinenceReport) {
    this.report = report;
  }

  /** Record one batch: scores of its finite rows and whether each is inside the margin. */
  add(scores: ArrayLike<number>, inside: ArrayLike<boolean>, returned: number, drawn: number, nonFinite: number, level?: string): void {
    let passed = 0;
    for (let i = 0; i < scores.length; i++) {
      if (inside[i]) passed++;
      (inside[i] ? this.inside : this.outside).push(scores[i]);
    }
    const r = this.report;
    r.draws += drawn;
    r.passed += passed;
    r.returned += returned;
    r.rejectedNonFinite += nonFinite;
    if (level !== undefined) {
      r.byCondition ??= {};
      const e = (r.byCondition[level] ??= { draws: 0, passed: 0, acceptanceRate: 0 });
      e.draws += drawn;
      e.passed += passed;
      e.acceptanceRate = Number((e.passed / e.draws).toPrecision(6));
    }
  }

  /** Refresh summaries and histogram (after a sample() call). */
  flush(): void {
    const r = this.report;
    r.acceptanceRate = r.draws > 0 ? Number((r.passed / r.draws).toPrecision(6)) : null;
    r.inside = summarize(this.inside);
    r.outside = summarize(this.outside);
    r.histogram.inside = histogram(this.inside, r.histogram.edges);
    r.histogram.outside = histogram(this.outside, r.histogram.edges);
  }
}

/** Series columns `<prefix>0..<prefix>L−1` (L ≥ 8) among the numeric columns, in step order; null if none. */
export function detectSeries(t: Table): { prefix: string; columns: string[] } | null {
  const groups = new Map<string, Map<number, string>>();
  for (const c of t.columns) {
    if (c.kind !== 'numeric') continue;
    const m = /^(.*?)(\d+)$/.exec(c.name);
    if (!m) continue;
    const g = groups.get(m[1]) ?? new Map<number, string>();
    g.set(Number(m[2]), c.name);
    groups.set(m[1], g);
  }
  let best: { prefix: string; columns: string[] } | null = null;
  for (const [prefix, g] of groups) {
    const L = g.size;
    if (L < 8) continue;
    const cols: string[] = [];
    for (let i = 0; i < L; i++) {
      const name = g.get(i);
      if (!name) break;
      cols.push(name);
    }
    if (cols.length === L && (!best || L > best.columns.length)) best = { prefix, columns: cols };
  }
  return best;
}

/**
 * Mean over rows of each series' sample autocorrelation at lags 1..maxLag (each series centred on its own
 * mean; the usual biased estimator r_k = Σ(x_t − x̄)(x_{t+k} − x̄) / Σ(x_t − x̄)²). Rows with zero variance are skipped.
 */
export function meanAutocorrelation(t: Table, columns: string[], maxLag: number): number[] {
  const L = columns.length;
  const K = Math.min(maxLag, L - 1);
  const vals = columns.map((c) => t.numeric(c).values);
  const acc = new Float64Array(K);
  const x = new Float64Array(L);
  let rows = 0;
  for (let i = 0; i < t.nrows; i++) {
    let m = 0;
    for (let s = 0; s < L; s++) {
      x[s] = vals[s][i];
      m += x[s];
    }
    m /= L;
    let den = 0;
    for (let s = 0; s < L; s++) {
      x[s] -= m;
      den += x[s] * x[s];
    }
    if (!(den > 0) || !Number.isFinite(den)) continue;
    for (let k = 1; k <= K; k++) {
      let num = 0;
      for (let s = 0; s + k < L; s++) num += x[s] * x[s + k];
      acc[k - 1] += num / den;
    }
    rows++;
  }
  return Array.from(acc, (v) => (rows > 0 ? Number((v / rows).toPrecision(5)) : 0));
}
