/**
 * INN-SDG charts: the pertinence filter's accepted vs rejected score histograms (per generator variant) and
 * the mean autocorrelation of series, real vs synthetic by lag (per dataset, one line per variant).
 */
import { epsOrder, epsShort, stat, type LabelledCell } from '../aggregate.ts';
import { readAutocorrelation, readPertinence, rebin, type Pertinence, type PertinenceHistogram } from '../inn-fit.ts';
import { emptySet, epsPanel, generatorsOf, groupBy, labelLinesExpr, palette, REAL_COLOUR, round, slug, topLevel, type ChartSet } from './common.ts';

const INSIDE = 'inside margin (kept)';
const OUTSIDE = 'outside margin (rejected)';
const REAL_SCORES = 'real training records';
const HIST_BINS = 30;

const sortedPanels = (cells: LabelledCell[]) => [...new Set([...cells].sort((a, b) => epsOrder(a.epsilon) - epsOrder(b.epsilon)).map((c) => epsPanel(epsShort(c.epsilon))))];

/** Common edges for histograms of several seeds: theirs when all agree, else equal bins over their union. */
function commonEdges(hs: PertinenceHistogram[]): number[] {
  const first = hs[0].edges;
  if (hs.every((h) => h.edges.length === first.length && h.edges.every((e, i) => e === first[i]))) return first;
  const lo = Math.min(...hs.map((h) => h.edges[0]));
  const hi = Math.max(...hs.map((h) => h.edges[h.edges.length - 1]));
  return Array.from({ length: HIST_BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / HIST_BINS);
}

/**
 * Histogram of generated records' pertinence scores per ε: stacked bars of records inside (kept) and outside
 * (rejected) the margin as shares of all scored draws, real training scores as a step line when stored, the
 * margin as a dashed rule. Seeds are summed (on common edges).
 */
export function pertinenceChart(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset} · ${generator}: pertinence scores, accepted vs rejected`;
  const withH = cells.map((lc) => ({ lc, p: readPertinence(lc.cell.fit) })).filter((x): x is { lc: LabelledCell; p: Pertinence & { histogram: PertinenceHistogram } } => !!x.p?.histogram && x.p.draws > 0);
  if (!withH.length) {
    const any = cells.some((lc) => readPertinence(lc.cell.fit));
    set.skipped.push({ family: 'pertinence', title, dataset, generator, reason: any ? 'fit.pertinence has no usable histogram (no records sampled?)' : 'the generator reported no pertinence filter data (fit.pertinence)' });
    return set;
  }
  const values: object[] = [];
  const who = new Set<string>();
  let hasReal = false;
  for (const [eps, xs] of groupBy(withH, (x) => epsPanel(epsShort(x.lc.epsilon)))) {
    const hs = xs.map((x) => x.p.histogram);
    const edges = commonEdges(hs);
    const sum = (pick: (h: PertinenceHistogram) => number[] | undefined) => {
      const acc = new Array<number>(edges.length - 1).fill(0);
      for (const h of hs) {
        const c = pick(h);
        if (c) rebin(h.edges, c, edges).forEach((v, i) => (acc[i] += v));
      }
      return acc;
    };
    const inside = sum((h) => h.inside);
    const outside = sum((h) => h.outside);
    const total = [...inside, ...outside].reduce((a, b) => a + b, 0);
    if (total > 0)
      edges.slice(0, -1).forEach((x0, i) => {
        for (const [label, counts] of [[INSIDE, inside], [OUTSIDE, outside]] as const) {
          if (!counts[i]) continue;
          who.add(label);
          values.push({ eps, who: label, x0: round(x0), x1: round(edges[i + 1]), share: round(counts[i] / total, 4) });
        }
      });
    const realHs = hs.filter((h) => h.real);
    if (realHs.length) {
      hasReal = true;
      const real = sum((h) => h.real);
      const n = real.reduce((a, b) => a + b, 0);
      if (n > 0) {
        // Step line: each bin's share from its left edge, closed at the last edge.
        edges.slice(0, -1).forEach((x0, i) => values.push({ eps, who: REAL_SCORES, x: round(x0), realShare: round(real[i] / n, 4) }));
        values.push({ eps, who: REAL_SCORES, x: round(edges[edges.length - 1]), realShare: round(real[real.length - 1] / n, 4) });
      }
    }
    const margins = stat(xs.map((x) => x.p.margin).filter((m): m is number => m !== null));
    if (margins) values.push({ eps, margin: round(margins.mean), marginSeeds: margins.n });
  }
  const ps = withH.map((x) => x.p);
  const unit = ps[0].unit || ps[0].score;
  const filterOff = ps.every((p) => !p.filter);
  const domain = [INSIDE, OUTSIDE, ...(hasReal ? [REAL_SCORES] : [])];
  const colour = { field: 'who', type: 'nominal', title: null, scale: { domain, range: ['#4e79a7', '#e15759', REAL_COLOUR].slice(0, domain.length) } };
  // Short axis title (a title wider than the panel pushes the chart off-centre); the unit is in the subtitle.
  const x = { field: 'x0', type: 'quantitative', bin: { binned: true }, title: ps[0].score === 'nll' ? 'score: negative log-likelihood' : 'score: reconstruction error' };
  const subtitle = [
    `Generated records by pertinence score (${unit}), as shares of all scored draws (seeds summed); dashed: the margin (records scoring above it are rejected);`,
    hasReal ? 'line: scores of real training records.' : 'real training scores not stored (DP).',
    'Scores beyond the axis fall in the end bins.',
    filterOff ? 'Filter off: nothing was discarded; red shows what the filter would have rejected.' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const spec = topLevel(title, subtitle, values, {
    facet: { column: { field: 'eps', type: 'nominal', title: null, sort: sortedPanels(withH.map((x) => x.lc)) } },
    spec: {
      width: 280,
      height: 150,
      layer: [
        {
          mark: { type: 'bar', invalid: 'filter', binSpacing: 0 },
          encoding: {
            x,
            x2: { field: 'x1' },
            y: { field: 'share', type: 'quantitative', title: 'share of draws', stack: 'zero' },
            color: colour,
            tooltip: [{ field: 'who', title: 'records' }, { field: 'x0', title: 'from', format: '.4g' }, { field: 'x1', title: 'to', format: '.4g' }, { field: 'share', format: '.3f' }],
          },
        },
        ...(hasReal ? [{ mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4, invalid: 'filter' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'realShare', type: 'quantitative' }, color: colour } }] : []),
        { mark: { type: 'rule', strokeDash: [5, 3], color: '#111', invalid: 'filter' }, encoding: { x: { field: 'margin', type: 'quantitative' }, tooltip: [{ field: 'margin', format: '.4g' }, { field: 'marginSeeds', title: 'seeds' }] } },
      ],
    },
  });
  const acc = stat(ps.map((p) => p.passed / p.draws));
  set.charts.push({
    id: slug('pertinence', dataset, generator),
    family: 'pertinence',
    title,
    caption: `Pertinence scores of records generated by ${generator}: inside the margin (kept) vs outside (${filterOff ? 'would be rejected; the filter was off' : 'rejected'}), per ε; ${acc ? `${(100 * acc.mean).toFixed(1)} % of draws inside the margin on average` : ''}.`,
    dataset,
    generator,
    spec,
  });
  return set;
}

/**
 * Mean autocorrelation of the series by lag, real vs each generator variant's synthetic series, per ε. Real
 * autocorrelation is a property of the training data (not stored under DP): the mean over the cells that
 * stored it is drawn in every panel.
 */
export function autocorrelationChart(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset}: autocorrelation, real vs synthetic`;
  const withA = cells.map((lc) => ({ lc, a: readAutocorrelation(lc.cell.fit) })).filter((x) => x.a !== null) as { lc: LabelledCell; a: NonNullable<ReturnType<typeof readAutocorrelation>> }[];
  const withSyn = withA.filter((x) => x.a.synthetic);
  if (!withSyn.length) {
    set.skipped.push({ family: 'autocorrelation', title, dataset, reason: withA.length ? 'fit.autocorrelation has no synthetic side (no records sampled?)' : 'no cell reported fit.autocorrelation' });
    return set;
  }
  for (const g of generatorsOf(cells).filter((g) => !withSyn.some((x) => x.lc.generator === g)))
    set.skipped.push({ family: 'autocorrelation', title: `${dataset} · ${g}: autocorrelation`, dataset, generator: g, reason: 'the generator reported no autocorrelation (fit.autocorrelation)' });
  const panels = sortedPanels(withSyn.map((x) => x.lc));
  const values: object[] = [];
  const mean = (arrs: number[][], i: number) => arrs.reduce((s, a) => s + a[i], 0) / arrs.length;
  for (const [, xs] of groupBy(withSyn, (x) => `${x.lc.generator}|${x.lc.epsilon}`)) {
    const lags = xs[0].a.lags;
    const same = xs.filter((x) => x.a.lags.length === lags.length).map((x) => x.a.synthetic!);
    lags.forEach((lag, i) => values.push({ eps: epsPanel(epsShort(xs[0].lc.epsilon)), generator: xs[0].lc.generator, lag, value: round(mean(same, i), 4), seeds: same.length }));
  }
  const reals = withA.filter((x) => x.a.real && x.a.lags.length === withSyn[0].a.lags.length).map((x) => x.a.real!);
  const REAL = 'real data';
  if (reals.length) for (const eps of panels) withSyn[0].a.lags.forEach((lag, i) => values.push({ eps, generator: REAL, lag, value: round(mean(reals, i), 4) }));
  // Colours follow the dataset's generator order, so a variant has the same colour as in the other charts.
  const all = generatorsOf(cells);
  const shown = all.filter((g) => withSyn.some((x) => x.lc.generator === g));
  const colour = {
    field: 'generator',
    type: 'nominal',
    title: null,
    scale: { domain: [...shown, ...(reals.length ? [REAL] : [])], range: [...shown.map((g) => palette[all.indexOf(g) % palette.length]), ...(reals.length ? [REAL_COLOUR] : [])] },
    ...(labelLinesExpr(shown) ? { legend: { labelExpr: labelLinesExpr(shown), labelLimit: 0 } } : {}),
  };
  const spec = topLevel(
    title,
    `Mean over series of the sample autocorrelation at each lag (each series centred on its own mean), synthetic per generator and ε (mean over seeds)${reals.length ? ', real training series in dark grey' : '; real autocorrelation not stored (DP cells only)'}.`,
    values,
    {
      facet: { column: { field: 'eps', type: 'nominal', title: null, sort: panels } },
      spec: {
        width: 260,
        height: 170,
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'lag', type: 'quantitative', title: 'lag (time steps)' },
          y: { field: 'value', type: 'quantitative', title: 'mean autocorrelation' },
          color: colour,
          strokeDash: { condition: { test: `datum.generator === '${REAL}'`, value: [5, 3] }, value: [1, 0] },
          tooltip: [{ field: 'generator' }, { field: 'eps', title: 'ε' }, { field: 'lag' }, { field: 'value', format: '.3f' }],
        },
      },
    },
  );
  set.charts.push({ id: slug('autocorrelation', dataset), family: 'autocorrelation', title, caption: `How far the synthetic series keep the real series' dependence between time steps: mean autocorrelation by lag, real vs each generator${panels.length > 1 ? ', per ε' : ''}.`, dataset, spec });
  return set;
}
