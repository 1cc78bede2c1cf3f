/**
 * Statistical fidelity of a synthetic table to the real one, column by column and pair by pair
 * (SDMetrics conventions, reported as distances: 0 = identical):
 * - tvd: total variation distance ½Σ|p−q| of a categorical column's level frequencies (levels matched by name);
 * - ks: two-sample Kolmogorov–Smirnov statistic sup|F_real − F_syn| of a numeric column;
 * - kl: KL(real ‖ synthetic) of a column's distribution — categorical levels, or numeric values binned
 *   at the real column's deciles — with Jeffreys (+½) smoothing so empty synthetic cells stay finite;
 * - corr_diff: mean |A_real − A_syn| over all column pairs of an association matrix mixing Pearson r
 *   (numeric–numeric), Cramér's V (categorical–categorical) and the correlation ratio η (numeric–categorical).
 */
import type { Column, Table } from '../data/table.ts';
import { checkFinite } from './align.ts';
import type { MetricValue } from './types.ts';

export interface FidelityOptions {
  /** Columns to compare (default: all columns of the real table). */
  columns?: string[];
  /** Bins for numeric KL (quantiles of the real column). */
  klBins?: number;
  /** Emit per-column values too (default true); the means are always emitted. */
  perColumn?: boolean;
}

export function evaluateFidelity(real: Table, synth: Table, opts: FidelityOptions = {}): MetricValue[] {
  const names = opts.columns ?? real.names;
  for (const c of names) if (!synth.has(c)) throw new Error(`fidelity: the synthetic table has no column "${c}"`);
  if (real.nrows === 0 || synth.nrows === 0) throw new Error('fidelity: real and synthetic tables must both have rows');
  checkFinite(synth.select(names), 'fidelity: the synthetic table');
  const perColumn = opts.perColumn ?? true;
  const out: MetricValue[] = [];
  const tvds: number[] = [];
  const kss: number[] = [];
  const kls: number[] = [];
  for (const name of names) {
    const a = real.column(name);
    const b = synth.column(name);
    if (a.kind !== b.kind) throw new Error(`fidelity: column "${name}" is ${a.kind} in the real table but ${b.kind} in the synthetic one`);
    if (a.kind === 'categorical' && b.kind === 'categorical') {
      const { p, q } = alignedFrequencies(a.codes, a.levels, b.codes, b.levels);
      const t = tvd(p, q);
      tvds.push(t);
      const k = klSmoothed(p, q, a.codes.length, b.codes.length);
      kls.push(k);
      if (perColumn) out.push({ name: 'tvd', variant: name, value: t }, { name: 'kl', variant: name, value: k });
    } else if (a.kind === 'numeric' && b.kind === 'numeric') {
      const s = ks(a.values, b.values);
      kss.push(s);
      const k = numericKl(a.values, b.values, opts.klBins ?? 10);
      kls.push(k);
      if (perColumn) out.push({ name: 'ks', variant: name, value: s }, { name: 'kl', variant: name, value: k });
    }
  }
  const meanOf = (v: number[], metric: string, what: string): MetricValue =>
    v.length ? { name: metric, value: v.reduce((s, x) => s + x, 0) / v.length } : { name: metric, value: null, reason: `no ${what} columns` };
  out.push(meanOf(tvds, 'tvd_mean', 'categorical'), meanOf(kss, 'ks_mean', 'numeric'), meanOf(kls, 'kl_mean', ''));
  out.push(...correlationDifference(real, synth, names));
  return out;
}

/** Frequencies of two categorical columns over the union of their levels (matched by name). */
export function alignedFrequencies(ca: Int32Array, la: string[], cb: Int32Array, lb: string[]): { p: Float64Array; q: Float64Array; levels: string[] } {
  const levels = [...la];
  const pos = new Map(levels.map((l, i) => [l, i]));
  const mapB = lb.map((l) => {
    let k = pos.get(l);
    if (k === undefined) {
      k = levels.length;
      levels.push(l);
      pos.set(l, k);
    }
    return k;
  });
  const p = new Float64Array(levels.length);
  const q = new Float64Array(levels.length);
  for (let i = 0; i < ca.length; i++) p[ca[i]] += 1 / ca.length;
  for (let i = 0; i < cb.length; i++) q[mapB[cb[i]]] += 1 / cb.length;
  return { p, q, levels };
}

export function tvd(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return Math.min(1, s / 2);
}

/** Two-sample KS statistic: largest gap between the empirical CDFs (evaluated at every observed value). */
export function ks(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** KL(p‖q) in nats from frequencies of samples of sizes n and m, with +½ pseudo-counts per cell. */
export function klSmoothed(p: Float64Array, q: Float64Array, n: number, m: number): number {
  const L = p.length;
  let s = 0;
  for (let k = 0; k < L; k++) {
    const pk = (p[k] * n + 0.5) / (n + 0.5 * L);
    const qk = (q[k] * m + 0.5) / (m + 0.5 * L);
    s += pk * Math.log(pk / qk);
  }
  return Math.max(0, s);
}

function numericKl(a: Float64Array, b: Float64Array, bins: number): number {
  const sorted = Float64Array.from(a).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.floor((k * sorted.length) / bins)];
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  const binOf = (v: number) => {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < edges[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const p = new Float64Array(edges.length + 1);
  const q = new Float64Array(edges.length + 1);
  for (const v of a) p[binOf(v)] += 1 / a.length;
  for (const v of b) q[binOf(v)] += 1 / b.length;
  return klSmoothed(p, q, a.length, b.length);
}

/**
 * Association between two columns in [−1, 1] (Pearson) or [0, 1] (V, η); null when undefined (a
 * constant column).
 */
export function association(a: Column, b: Column): number | null {
  if (a.kind === 'numeric' && b.kind === 'numeric') return pearson(a.values, b.values);
  if (a.kind === 'categorical' && b.kind === 'categorical') return cramersV(a.codes, a.levels.length, b.codes, b.levels.length);
  const [num, cat] = a.kind === 'numeric' ? [a, b as Extract<Column, { kind: 'categorical' }>] : [b as Extract<Column, { kind: 'numeric' }>, a];
  if (num.kind !== 'numeric' || cat.kind !== 'categorical') return null;
  return correlationRatio(num.values, cat.codes, cat.levels.length);
}

export function pearson(x: Float64Array, y: Float64Array): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Cramér's V = √(χ²/(n·(min(r, c) − 1))) over the levels that occur. */
export function cramersV(a: Int32Array, la: number, b: Int32Array, lb: number): number | null {
  const n = a.length;
  const tab = new Float64Array(la * lb);
  const ra = new Float64Array(la);
  const rb = new Float64Array(lb);
  for (let i = 0; i < n; i++) {
    tab[a[i] * lb + b[i]]++;
    ra[a[i]]++;
    rb[b[i]]++;
  }
  const r = ra.filter((v) => v > 0).length;
  const c = rb.filter((v) => v > 0).length;
  if (r < 2 || c < 2) return null;
  let chi2 = 0;
  for (let i = 0; i < la; i++) {
    if (ra[i] === 0) continue;
    for (let j = 0; j < lb; j++) {
      if (rb[j] === 0) continue;
      const e = (ra[i] * rb[j]) / n;
      const o = tab[i * lb + j];
      chi2 += ((o - e) * (o - e)) / e;
    }
  }
  return Math.min(1, Math.sqrt(chi2 / (n * (Math.min(r, c) - 1))));
}

/** Correlation ratio η = √(between-group SS / total SS) of a numeric column grouped by a categorical one. */
export function correlationRatio(x: Float64Array, g: Int32Array, levels: number): number | null {
  const n = x.length;
  const sum = new Float64Array(levels);
  const cnt = new Float64Array(levels);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sum[g[i]] += x[i];
    cnt[g[i]]++;
    total += x[i];
  }
  const mean = total / n;
  let ssb = 0;
  for (let k = 0; k < levels; k++) if (cnt[k] > 0) ssb += cnt[k] * (sum[k] / cnt[k] - mean) ** 2;
  let sst = 0;
  for (let i = 0; i < n; i++) sst += (x[i] - mean) ** 2;
  if (!(sst > 0)) return null;
  return Math.min(1, Math.sqrt(ssb / sst));
}

function correlationDifference(real: Table, synth: Table, names: string[]): MetricValue[] {
  const diffs: number[] = [];
  const undefinedPairs: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const ar = association(real.column(names[i]), real.column(names[j]));
      const as = association(synth.column(names[i]), synth.column(names[j]));
      if (ar === null && as === null) continue;
      // An association that cannot be computed (constant column) counts as none.
      if (ar === null || as === null) undefinedPairs.push(`${names[i]}×${names[j]}`);
      diffs.push(Math.abs((ar ?? 0) - (as ?? 0)));
    }
  }
  if (diffs.length === 0) return [{ name: 'corr_diff', value: null, reason: 'fewer than two columns with a defined association' }];
  const mean: MetricValue = { name: 'corr_diff', value: diffs.reduce((s, v) => s + v, 0) / diffs.length };
  const max: MetricValue = { name: 'corr_diff_max', value: Math.max(...diffs) };
  if (undefinedPairs.length) {
    const why = `association undefined (constant column) in ${undefinedPairs.length} pair(s), counted as 0: ${undefinedPairs.slice(0, 5).join(', ')}${undefinedPairs.length > 5 ? ', …' : ''}`;
    mean.reason = why;
    max.reason = why;
  }
  return [mean, max];
}
