/**
 * `independent`: per-column marginal histograms, columns sampled independently (keeps every marginal,
 * breaks every dependence). With mechanism `laplace` each histogram is released with Laplace noise:
 * adding or removing one record changes one count per column by 1 (L1 sensitivity 1), the budget is split
 * evenly over the d columns (basic composition), so each count gets Lap(d/ε). Negative noisy counts are
 * clamped to 0 (post-processing). Bins and levels come from public metadata only, never from the data.
 */
import { z } from 'zod';
import type { Rng } from '../../compute/rng.ts';
import { Table, type Column, type ColumnSchema } from '../../data/table.ts';
import { parseOptions } from '../options.ts';
import type { FitOptions, FitReport, Generator, GeneratorInfo } from '../types.ts';

const optionsSchema = z.strictObject({
  bins: z.number().int().min(2).max(1000).default(20).describe('Histogram bins per numeric column (integer columns: at most one per integer).'),
});

interface Marginal {
  name: string;
  kind: 'numeric' | 'categorical';
  integer: boolean;
  /** Bin edges (numeric) — bins.length + 1 values. */
  edges: number[];
  levels: string[];
  /** Released (possibly noisy, clamped) weights per bin/level. */
  weights: Float64Array;
}

export class IndependentGenerator implements Generator {
  readonly name = 'independent';
  marginals: Marginal[] = [];
  private meta: Table['meta'] = {};

  constructor(private readonly bins: number) {}

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const dp = opts.privacy.mechanism === 'laplace';
    if (opts.privacy.mechanism !== 'none' && !dp) {
      throw new Error(`independent: mechanism "${opts.privacy.mechanism}" is not supported (use none or laplace)`);
    }
    const schema = new Map((train.meta.schema ?? []).map((s): [string, ColumnSchema] => [s.name, s]));
    const d = train.ncols;
    const epsColumn = dp ? opts.privacy.epsilon / d : Infinity;
    const scale = dp ? 1 / epsColumn : 0;
    this.marginals = train.columns.map((c) => {
      const m = this.binning(c, schema.get(c.name), dp);
      const counts = histogram(c, m);
      for (let k = 0; k < counts.length; k++) {
        const noisy = dp ? counts[k] + opts.rng.laplace(scale) : counts[k];
        m.weights[k] = Math.max(0, noisy);
      }
      if (dp) {
        opts.ledger.spend({
          what: `marginal histogram: ${c.name}`,
          mechanism: 'laplace',
          epsilon: epsColumn,
          delta: 0,
          accountant: 'basic',
          params: { scale, sensitivity: 1, bins: counts.length },
        });
      }
      return m;
    });
    this.meta = train.meta;
    return {
      seconds: (performance.now() - t0) / 1000,
      epsilon: dp ? opts.privacy.epsilon : undefined,
      accountant: dp ? 'basic composition over columns' : undefined,
      laplaceScale: dp ? scale : undefined,
    };
  }

  private binning(c: Column, s: ColumnSchema | undefined, dp: boolean): Marginal {
    if (c.kind === 'categorical') {
      if (dp && !s?.levels) {
        throw new Error(`independent: column "${c.name}" has no declared levels; under DP the level set must be public metadata`);
      }
      const levels = [...(s?.levels ?? c.levels)];
      for (const l of c.levels) if (!levels.includes(l)) levels.push(l);
      return { name: c.name, kind: 'categorical', integer: false, edges: [], levels, weights: new Float64Array(levels.length) };
    }
    let lo = s?.min;
    let hi = s?.max;
    if (lo === undefined || hi === undefined) {
      if (dp) throw new Error(`independent: numeric column "${c.name}" has no declared min/max; under DP the bounds must be public metadata`);
      lo = Infinity;
      hi = -Infinity;
      for (const v of c.values) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    let nb = this.bins;
    if (c.integer) nb = Math.max(1, Math.min(nb, Math.floor(hi) - Math.ceil(lo) + 1));
    const edges: number[] = [];
    for (let k = 0; k <= nb; k++) edges.push(lo + ((hi - lo) * k) / nb);
    return { name: c.name, kind: 'numeric', integer: c.integer, edges, levels: [], weights: new Float64Array(nb) };
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    const cols: Column[] = this.marginals.map((m) => {
      const cdf = cumulative(m.weights);
      const draw = () => (cdf[cdf.length - 1] > 0 ? searchCdf(cdf, rng.uniform() * cdf[cdf.length - 1]) : rng.int(cdf.length));
      if (m.kind === 'categorical') {
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = draw();
        return { kind: 'categorical', name: m.name, codes, levels: [...m.levels] };
      }
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = draw();
        const lo = m.edges[k];
        const hi = m.edges[k + 1];
        let v = lo + rng.uniform() * (hi - lo);
        if (m.integer) v = Math.min(Math.max(Math.round(v), Math.ceil(m.edges[0])), Math.floor(m.edges[m.edges.length - 1]));
        values[i] = v;
      }
      return { kind: 'numeric', name: m.name, values, integer: m.integer };
    });
    return new Table(cols, this.meta);
  }
}

/** Counts per bin/level; numeric values outside the declared range fall into the edge bins. */
export function histogram(c: Column, m: Marginal): Float64Array {
  const counts = new Float64Array(m.weights.length);
  if (c.kind === 'categorical') {
    const map = c.levels.map((l) => m.levels.indexOf(l));
    for (const code of c.codes) counts[map[code]] += 1;
    return counts;
  }
  const nb = counts.length;
  const lo = m.edges[0];
  const width = (m.edges[nb] - lo) / nb;
  for (const v of c.values) {
    let k = width > 0 ? Math.floor((v - lo) / width) : 0;
    if (k < 0) k = 0;
    if (k >= nb) k = nb - 1;
    counts[k] += 1;
  }
  return counts;
}

function cumulative(w: Float64Array): Float64Array {
  const c = new Float64Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) c[i] = s += w[i];
  return c;
}

function searchCdf(cdf: Float64Array, r: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export const independentInfo: GeneratorInfo = {
  name: 'independent',
  description: 'Per-column marginal histograms sampled independently; with mechanism laplace, noisy histograms (ε split over columns).',
  mechanisms: ['none', 'laplace'],
  create: (options) => {
    const o = parseOptions('independent', optionsSchema, options);
    return new IndependentGenerator(o.bins);
  },
};
