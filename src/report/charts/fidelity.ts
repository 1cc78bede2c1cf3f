/** Fidelity charts per generator: per-column marginals (real vs synthetic) and the correlation-difference heatmap. */
import { epsOrder, epsShort, type LabelledCell } from '../aggregate.ts';
import { readExtras, type Marginal } from '../extras.ts';
import { emptySet, epsColour, epsPanel, groupBy, round, slug, topLevel, type ChartSet } from './common.ts';

export const MAX_MARGINAL_COLUMNS = 12;

function binLabels(m: Marginal): string[] {
  if (m.kind === 'categorical') return m.levels.map(String);
  const f = (x: number) => String(Number(x.toPrecision(3)));
  return m.real.map((_, i) => `${f(m.edges[i])}–${f(m.edges[i + 1])}`);
}

function mean(arrays: number[][]): number[] {
  return arrays[0].map((_, i) => arrays.reduce((s, a) => s + a[i], 0) / arrays.length);
}

/** Cells of one generator grouped by ε label, private ascending then non-private. */
function byEpsilon(cells: LabelledCell[]): [string, LabelledCell[]][] {
  return [...groupBy([...cells].sort((a, b) => epsOrder(a.epsilon) - epsOrder(b.epsilon)), (c) => epsShort(c.epsilon)).entries()];
}

export function marginalsChart(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset} · ${generator}: marginals, real vs synthetic`;
  const withM = cells.filter((c) => readExtras(c.cell.extras).marginals);
  if (!withM.length) {
    set.skipped.push({ family: 'marginals', title, dataset, generator, reason: 'cells carry no extras.marginals' });
    return set;
  }
  const first = readExtras(withM[0].cell.extras).marginals!;
  const columns = first.slice(0, MAX_MARGINAL_COLUMNS);
  const values: object[] = [];
  for (const m of columns) {
    const labels = binLabels(m);
    m.real.forEach((p, i) => values.push({ column: m.column, bin: labels[i], idx: i, series: 'real', p: round(p, 4) }));
  }
  const epsSeries: string[] = [];
  for (const [eps, group] of byEpsilon(withM)) {
    epsSeries.push(eps);
    for (const m of columns) {
      // Seeds agree on bins (fixed from the real data); average their synthetic proportions.
      const same = group.map((c) => readExtras(c.cell.extras).marginals!.find((x) => x.column === m.column && x.real.length === m.real.length)).filter((x): x is Marginal => !!x);
      if (!same.length) continue;
      const labels = binLabels(m);
      mean(same.map((x) => x.synthetic)).forEach((p, i) => values.push({ column: m.column, bin: labels[i], idx: i, series: eps, p: round(p, 4), seeds: same.length }));
    }
  }
  const x = { field: 'bin', type: 'ordinal', title: null, sort: { field: 'idx', op: 'min' }, axis: { labelAngle: -45, labelLimit: 70, labelOverlap: 'greedy', labelFontSize: 8 } };
  const y = { field: 'p', type: 'quantitative', title: 'proportion' };
  const colour = { field: 'series', ...epsColour(epsSeries, 'synthetic at ε') };
  const omitted = first.length - columns.length;
  const spec = topLevel(title, `Grey bars: real training data; lines: synthetic data per ε (mean over seeds).${omitted ? ` First ${columns.length} of ${first.length} columns.` : ''}`, values, {
    facet: { field: 'column', type: 'nominal', title: null, sort: columns.map((m) => m.column) },
    columns: 4,
    spec: {
      width: 170,
      height: 110,
      layer: [
        { transform: [{ filter: "datum.series === 'real'" }], mark: { type: 'bar', color: '#bbb' }, encoding: { x, y, tooltip: [{ field: 'bin' }, { field: 'p', format: '.3f', title: 'real' }] } },
        {
          transform: [{ filter: "datum.series !== 'real'" }],
          mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.2 },
          encoding: { x, y, color: colour, tooltip: [{ field: 'series' }, { field: 'bin' }, { field: 'p', format: '.3f' }] },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  });
  set.charts.push({
    id: slug('marginals', dataset, generator),
    family: 'marginals',
    title,
    caption: `Per-column distributions of the real training data (bars) and of ${generator}'s synthetic data at each ε (lines).${omitted ? ` ${omitted} more columns are not drawn.` : ''}`,
    dataset,
    generator,
    spec,
  });
  return set;
}

/** Heatmap cell size: matrices of 4 to 30 columns all come out 100–300 px wide. */
const cellSize = (n: number) => Math.max(8, Math.min(26, Math.floor(300 / n)));

export function correlationChart(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset} · ${generator}: correlation difference (synthetic − real)`;
  const withC = cells.filter((c) => readExtras(c.cell.extras).correlation);
  if (!withC.length) {
    set.skipped.push({ family: 'correlation', title, dataset, generator, reason: 'cells carry no extras.correlation' });
    return set;
  }
  const ref = readExtras(withC[0].cell.extras).correlation!;
  const values: object[] = [];
  const panels: string[] = [];
  for (const [eps, group] of byEpsilon(withC)) {
    const cs = group.map((c) => readExtras(c.cell.extras).correlation!).filter((c) => c.columns.join('\u0000') === ref.columns.join('\u0000'));
    if (!cs.length) continue;
    panels.push(epsPanel(eps));
    const n = ref.columns.length;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const diff = cs.reduce((s, c) => s + c.synthetic[i][j] - c.real[i][j], 0) / cs.length;
        values.push({ eps: epsPanel(eps), a: ref.columns[i], b: ref.columns[j], diff: round(diff, 3), real: round(cs[0].real[i][j], 3) });
      }
  }
  const axis = { labelFontSize: 8, labelLimit: 90 };
  const spec = topLevel(title, `Association matrices (${ref.method}) of synthetic minus real data, mean over seeds; white = preserved, red/blue = over/under-stated.`, values, {
    facet: { field: 'eps', type: 'nominal', title: null, sort: panels },
    columns: Math.min(panels.length, 4),
    spec: {
      width: { step: cellSize(ref.columns.length) },
      height: { step: cellSize(ref.columns.length) },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'a', type: 'nominal', title: null, sort: ref.columns, axis: { ...axis, labelAngle: -60 } },
        y: { field: 'b', type: 'nominal', title: null, sort: ref.columns, axis },
        color: { field: 'diff', type: 'quantitative', title: 'synthetic − real', scale: { scheme: 'redblue', reverse: true, domain: [-1, 1], clamp: true } },
        tooltip: [{ field: 'a' }, { field: 'b' }, { field: 'diff', format: '.3f' }, { field: 'real', format: '.3f' }],
      },
    },
  });
  set.charts.push({
    id: slug('correlation', dataset, generator),
    family: 'correlation',
    title,
    caption: `How far ${generator}'s synthetic data moves each pairwise association away from the real data's, per ε.`,
    dataset,
    generator,
    spec,
  });
  return set;
}
