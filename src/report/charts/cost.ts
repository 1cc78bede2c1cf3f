/** Runtime (fit + sample) and peak memory per generator and ε. */
import { epsShort, stat, type LabelledCell } from '../aggregate.ts';
import { emptySet, epsColour, epsLabels, generatorsOf, groupBy, LABEL_WIDTH, labelLinesExpr, round, slug, topLevel, wrap, type ChartSet } from './common.ts';

export function costChart(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset}: runtime and peak memory`;
  if (!cells.length) {
    set.skipped.push({ family: 'cost', title, dataset, reason: 'no finished cells' });
    return set;
  }
  const values: object[] = [];
  for (const [, g] of groupBy(cells, (c) => `${c.generator}|${c.epsilon}`)) {
    const run = stat(g.map((c) => c.cell.cost.fitSeconds + c.cell.cost.sampleSeconds))!;
    const ev = stat(g.map((c) => c.cell.cost.evalSeconds))!;
    const mem = stat(g.map((c) => c.cell.cost.peakRssMB))!;
    values.push({ generator: g[0].generator, eps: epsShort(g[0].epsilon), seconds: round(run.mean, 4), evalSeconds: round(ev.mean, 4), rss: round(mem.max, 4), n: run.n });
  }
  const eps = epsLabels(cells);
  const gens = generatorsOf(cells);
  const labelExpr = labelLinesExpr(gens);
  // Horizontal bars: generator labels (possibly long variant labels, on several lines) read across.
  const lines = Math.max(1, ...gens.map((g) => (g.length > LABEL_WIDTH ? wrap(g, LABEL_WIDTH).length : 1)));
  const y = (labels: boolean) => ({ field: 'generator', type: 'nominal', title: null, sort: gens, axis: labels ? { labelLimit: 0, ...(labelExpr ? { labelExpr } : {}) } : null });
  const yOffset = { field: 'eps', type: 'nominal', sort: eps };
  const colour = { field: 'eps', ...epsColour(eps) };
  const tooltip = [{ field: 'generator' }, { field: 'eps', title: 'ε' }, { field: 'seconds', format: '.3g', title: 'fit + sample s' }, { field: 'evalSeconds', format: '.3g', title: 'eval s' }, { field: 'rss', title: 'peak RSS MB' }, { field: 'n', title: 'seeds' }];
  const step = Math.max(9, Math.ceil((lines * 13 + 6) / eps.length));
  const panel = (field: string, t: string, labels: boolean) => ({ height: { step }, width: 200, mark: { type: 'bar' }, encoding: { y: y(labels), yOffset, x: { field, type: 'quantitative', title: t }, color: colour, tooltip } });
  const spec = topLevel(title, 'Mean fit + sample time over seeds (evaluation excluded); peak resident memory of the process that ran the cell (max over seeds).', values, {
    hconcat: [panel('seconds', 'fit + sample seconds', true), panel('rss', 'peak RSS (MB)', false)],
  });
  set.charts.push({ id: slug('cost', dataset), family: 'cost', title, caption: 'What each generator costs to train and sample, per ε, and the peak memory it needed.', dataset, spec });
  return set;
}
