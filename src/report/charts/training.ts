/** Per-generator training charts: loss curves from FitReport.losses, and real vs synthetic series bands. */
import { epsOrder, epsShort, type LabelledCell } from '../aggregate.ts';
import { readExtras, type SeriesBands } from '../extras.ts';
import { emptySet, epsPanel, groupBy, round, slug, topLevel, type ChartSet } from './common.ts';

/** Points per curve kept in the chart: long runs are averaged down in equal chunks. */
export const MAX_CURVE_POINTS = 100;

export function downsample(values: number[], max = MAX_CURVE_POINTS): { step: number; value: number }[] {
  const finite = values.map((v, i) => ({ step: i + 1, value: v })).filter((p) => typeof p.value === 'number' && Number.isFinite(p.value));
  if (finite.length <= max) return finite;
  const out: { step: number; value: number }[] = [];
  const chunk = finite.length / max;
  for (let k = 0; k < max; k++) {
    const part = finite.slice(Math.floor(k * chunk), Math.floor((k + 1) * chunk));
    if (!part.length) continue;
    out.push({ step: part[part.length - 1].step, value: part.reduce((s, p) => s + p.value, 0) / part.length });
  }
  return out;
}

function sortedEps(cells: LabelledCell[]): string[] {
  return [...new Set([...cells].sort((a, b) => epsOrder(a.epsilon) - epsOrder(b.epsilon)).map((c) => epsPanel(epsShort(c.epsilon))))];
}

/** Curves in fit.losses that are not losses (PATE's running ε, its share of "real" votes), titled as what they are. */
const CURVE_TITLE: Record<string, string> = { epsilon: 'ε spent so far', votedReal: 'share voted real' };

/**
 * Loss curves per ε (columns) and per curve name (rows). Each row has its own y scale: a GAN's curves live
 * on different scales (CTGAN's gradient penalty ≈ 6 vs a WGAN critic ≈ 0; PATE's running ε grows to the
 * budget), and one shared axis flattens all but the largest.
 */
export function lossChart(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset} · ${generator}: training losses`;
  const hasCurve = (c: LabelledCell) => !!c.cell.fit?.losses && Object.values(c.cell.fit.losses).some((v) => Array.isArray(v) && v.some(Number.isFinite));
  const withL = cells.filter(hasCurve);
  if (!withL.length) {
    set.skipped.push({ family: 'losses', title, dataset, generator, reason: 'the generator reported no loss curves (fit.losses)' });
    return set;
  }
  const values: object[] = [];
  const names: string[] = [];
  for (const lc of withL)
    for (const [name, curve] of Object.entries(lc.cell.fit!.losses!)) {
      if (!Array.isArray(curve)) continue;
      const points = downsample(curve);
      if (!points.length) continue;
      const loss = CURVE_TITLE[name] ?? name;
      if (!names.includes(loss)) names.push(loss);
      for (const p of points) values.push({ eps: epsPanel(epsShort(lc.epsilon)), seed: lc.seed, loss, step: p.step, value: round(p.value) });
    }
  // Cells that trained nothing (e.g. PATE stopped by its budget before the first round) are named, not dropped silently.
  const empty = cells.filter((c) => !hasCurve(c));
  const emptyNote = empty.length
    ? ` No curves for ${[...groupBy(empty, (c) => epsPanel(epsShort(c.epsilon))).entries()].map(([eps, cs]) => `${eps} (${cs.length} of ${cells.filter((c) => epsPanel(epsShort(c.epsilon)) === eps).length} seeds${cs[0].cell.fit?.stopped ? `; stopped: ${cs[0].cell.fit.stopped}` : ''}${typeof cs[0].cell.fit?.steps === 'number' ? `, ${cs[0].cell.fit.steps} steps` : ''})`).join(', ')}.`
    : '';
  const panels = sortedEps(withL);
  const spec = topLevel(title, `One line per seed, per epoch/iteration as recorded (long runs averaged down to ≤ 100 points); each row has its own y scale.${emptyNote}`, values, {
    facet: { column: { field: 'eps', type: 'nominal', title: null, sort: panels }, row: { field: 'loss', type: 'nominal', title: null, sort: names, header: { labelOrient: 'top', labelAnchor: 'start', labelAngle: 0, labelAlign: 'left', labelLimit: 0, labelFontWeight: 'bold', labelPadding: 2 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: names.length > 3 ? 90 : 120,
      mark: { type: 'line', strokeWidth: 1.2, opacity: 0.85 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'epoch / iteration' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { tickCount: 4 } },
        color: { field: 'loss', type: 'nominal', title: null, sort: names, legend: null },
        detail: { field: 'seed', type: 'nominal' },
        tooltip: [{ field: 'loss' }, { field: 'eps', title: 'ε' }, { field: 'seed' }, { field: 'step' }, { field: 'value', format: '.4g' }],
      },
    },
  });
  set.charts.push({ id: slug('losses', dataset, generator), family: 'losses', title, caption: `Training curves of ${generator} (${names.join(', ')}) at each ε, one line per seed.${emptyNote}`, dataset, generator, spec });
  return set;
}

export function seriesChart(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset} · ${generator}: series, real vs synthetic`;
  const withS = cells.filter((c) => readExtras(c.cell.extras).series);
  if (!withS.length) {
    set.skipped.push({ family: 'series', title, dataset, generator, reason: 'cells carry no extras.series' });
    return set;
  }
  const values: object[] = [];
  const groups = new Set<string>();
  for (const [eps, cs] of groupBy(withS, (c) => epsPanel(epsShort(c.epsilon)))) {
    const bands = cs.map((c) => readExtras(c.cell.extras).series!);
    for (const b0 of bands[0]) {
      // Average the bands of all seeds for this group (same steps).
      const same = bands.map((bs) => bs.find((b) => b.group === b0.group && b.steps.length === b0.steps.length)).filter((b): b is SeriesBands => !!b);
      groups.add(b0.group);
      for (const who of ['real', 'synthetic'] as const)
        b0.steps.forEach((_, i) => {
          const m = same.reduce((s, b) => s + b[who].mean[i], 0) / same.length;
          const sd = same.reduce((s, b) => s + b[who].std[i], 0) / same.length;
          values.push({ eps, group: b0.group, t: i, step: b0.steps[i], who, mean: round(m, 4), lo: round(m - sd, 4), hi: round(m + sd, 4) });
        });
    }
  }
  const colour = { field: 'who', type: 'nominal', title: null, scale: { domain: ['real', 'synthetic'], range: ['#555555', '#e15759'] } };
  const x = { field: 't', type: 'quantitative', title: 'time step' };
  const facet: Record<string, unknown> = { column: { field: 'eps', type: 'nominal', title: null, sort: sortedEps(withS) } };
  if (groups.size > 1) facet.row = { field: 'group', type: 'nominal', title: null, sort: [...groups] };
  const spec = topLevel(title, 'Per time step: mean (line) ± 1 std (band) over series, real vs synthetic, mean over seeds.', values, {
    facet,
    spec: {
      width: 200,
      height: 110,
      layer: [
        { mark: { type: 'area', opacity: 0.22 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'value' }, y2: { field: 'hi' }, color: colour } },
        { mark: { type: 'line', strokeWidth: 1.3 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: colour, tooltip: [{ field: 'who' }, { field: 'step' }, { field: 'mean', format: '.3f' }] } },
      ],
    },
  });
  set.charts.push({ id: slug('series', dataset, generator), family: 'series', title, caption: `Real vs ${generator}-generated series: per-step mean and spread, per ε${groups.size > 1 ? ' and class' : ''}.`, dataset, generator, spec });
  return set;
}
