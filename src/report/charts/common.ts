/** Shared pieces of the chart spec builders: the chart record, ids, colours, the base Vega-Lite config. */
import type { LabelledCell } from '../aggregate.ts';
import { compareLabels, epsOrder, epsShort } from '../aggregate.ts';

/** A Vega-Lite spec as plain JSON (the builders assemble objects; vega-lite validates when compiling). */
export type VlSpec = Record<string, unknown>;

export interface ChartDef {
  /** File stem under charts/ (unique in a report). */
  id: string;
  family: string;
  title: string;
  /** One or two sentences saying what the chart shows and how to read it. */
  caption: string;
  dataset: string;
  generator?: string;
  spec: VlSpec;
}

export interface SkippedChart {
  family: string;
  title: string;
  dataset: string;
  generator?: string;
  reason: string;
}

export interface ChartSet {
  charts: ChartDef[];
  skipped: SkippedChart[];
}

export const emptySet = (): ChartSet => ({ charts: [], skipped: [] });

export function slug(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    // Capped so long variant labels still give sane file names (report.ts de-duplicates ids).
    .map((p) => p.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, ''))
    .join('--');
}

/** Tableau 10: distinguishable, colour-blind-friendlier than the d3 category defaults. */
export const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const REAL = 'real data (TRTR)';
export const REAL_COLOUR = '#333333';

/** Generator-variant labels longer than this print on several lines in legends, headers and axes. */
export const LABEL_WIDTH = 32;

/**
 * A vega `labelExpr` that prints each long label (a generator variant such as `inn (filter: true, condition:
 * {...})`) on several lines; undefined when every label is short. Truncating instead could make two
 * variants that share a long prefix look the same.
 */
export function labelLinesExpr(labels: string[], width = LABEL_WIDTH): string | undefined {
  const long = [...new Set(labels)].filter((l) => l.length > width);
  if (!long.length) return undefined;
  return long.reduceRight((rest, l) => `datum.value === ${JSON.stringify(l)} ? ${JSON.stringify(wrap(l, width))} : ${rest}`, 'datum.value');
}

/** Widest line of the labels as labelLinesExpr prints them (characters). */
export const labelLinesWidth = (labels: string[], width = LABEL_WIDTH) => Math.max(0, ...labels.flatMap((l) => (l.length > width ? wrap(l, width) : [l]).map((x) => x.length)));

/** Colour encoding of generator series, stable across a dataset's charts (same generator, same colour). */
export function generatorColour(generators: string[], withReal = false, title = 'generator'): VlSpec {
  const domain = [...generators, ...(withReal ? [REAL] : [])];
  const range = [...generators.map((_, i) => palette[i % palette.length]), ...(withReal ? [REAL_COLOUR] : [])];
  const labelExpr = labelLinesExpr(generators);
  return { field: 'generator', type: 'nominal', title, scale: { domain, range }, ...(labelExpr ? { legend: { labelExpr, labelLimit: 0 } } : {}) };
}

export function generatorsOf(cells: LabelledCell[]): string[] {
  return [...new Set(cells.map((c) => c.generator))].sort(compareLabels);
}

/** ε labels of the cells, private ascending then non-private (for ordinal axes and facets). */
export function epsLabels(cells: LabelledCell[]): string[] {
  return [...new Map(cells.map((c) => [epsShort(c.epsilon), epsOrder(c.epsilon)])).entries()].sort((a, b) => a[1] - b[1]).map(([l]) => l);
}

/** Log-scale ε axis; widened around a single value so the scale is not degenerate. */
export function epsAxis(values: number[]): VlSpec {
  const vs = [...new Set(values)].sort((a, b) => a - b);
  const scale: VlSpec = { type: 'log' };
  if (vs.length === 1) scale.domain = [vs[0] / 2, vs[0] * 2];
  return { field: 'epsilon', type: 'quantitative', title: 'privacy budget ε (log scale)', scale, axis: { values: vs, format: '~g', grid: false } };
}

const BLUES = ['#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** Colour per ε label: light to dark blue as ε grows, grey for non-private. */
export function epsColour(labels: string[], title = 'ε'): VlSpec {
  const priv = labels.filter((l) => l !== 'non-private');
  const range = labels.map((l) => {
    if (l === 'non-private') return '#9e9e9e';
    const i = priv.indexOf(l);
    return BLUES[priv.length === 1 ? 3 : Math.round((i * (BLUES.length - 1)) / (priv.length - 1))] ?? BLUES[BLUES.length - 1];
  });
  return { type: 'nominal', title, sort: labels, scale: { domain: labels, range } };
}

export const baseConfig: VlSpec = {
  // The PNG renderer is given DejaVu Sans; browsers fall back to their sans-serif.
  font: 'DejaVu Sans, Verdana, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 220 },
  header: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 13, subtitleFontSize: 10, anchor: 'start', subtitleColor: '#555' },
};

/** Greedy word wrap (vega titles do not wrap by themselves; long subtitles would widen the chart). */
export function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Facet/panel label of an ε ("ε=0.1", "non-private"). */
export const epsPanel = (label: string) => (label === 'non-private' ? label : `ε=${label}`);

/** Top-level spec with title, data and the shared config. */
export function topLevel(title: string, subtitle: string | undefined, values: object[], body: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // Titles carry variant labels (`inn (filter: true, condition: {...})`): long ones wrap like subtitles.
    title: subtitle ? { text: title.length > 90 ? wrap(title, 80) : title, subtitle: wrap(subtitle) } : title.length > 90 ? { text: wrap(title, 80) } : title,
    data: { values },
    ...body,
    config: baseConfig,
  };
}

export const filterRole = (role: string) => ({ filter: `datum.role === '${role}'` });

/** Mean of values per key; keys kept in first-seen order. */
export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

export const round = (x: number, d = 5) => Number(x.toPrecision(d));

/** Rows of a "value vs ε" panel chart; `panel` is the facet value (classifier, attack measure, ...). */
export interface EpsPanelRows {
  seeds: { generator: string; epsilon: number; panel: string; value: number }[];
  means: { generator: string; epsilon: number; panel: string; value: number; lo: number; hi: number; n: number }[];
  /** Horizontal references drawn in the generator's colour (non-private cells, real data). */
  refs: { generator: string; panel: string; ref: string; value: number }[];
  /** Horizontal references drawn in grey (e.g. 0.5 = no attack signal). */
  guides?: { panel: string; ref: string; value: number }[];
}

/**
 * Facetted value-vs-ε chart body: mean line, ±1 std bars, seed dots and dashed references. Each role has
 * its own y field (rows of other roles are dropped as invalid), so no filter transforms are needed:
 * vega-lite's optimiser warns on facets of ≥ 3 filtered layers.
 */
export function epsPanelChart(rows: EpsPanelRows, o: { panelTitle: string | null; panels: string[]; yTitle: string; colour: VlSpec; dash: { domain: string[]; range: number[][] } }): { values: object[]; body: VlSpec } {
  const values: object[] = [
    ...rows.seeds.map((r) => ({ generator: r.generator, epsilon: r.epsilon, panel: r.panel, seedValue: r.value })),
    ...rows.means,
    ...rows.refs.map((r) => ({ generator: r.generator, panel: r.panel, ref: r.ref, refValue: r.value })),
    ...(rows.guides ?? []).map((r) => ({ panel: r.panel, ref: r.ref, guideValue: r.value })),
  ];
  const x = epsAxis([...rows.seeds, ...rows.means].map((r) => r.epsilon));
  const y = (field: string) => ({ field, type: 'quantitative', title: o.yTitle, scale: { zero: false } });
  const dash = { field: 'ref', type: 'nominal', title: 'reference', scale: o.dash };
  const fmt = { format: '.3f' };
  const layer = [
    ...(rows.guides?.length ? [{ mark: { type: 'rule', color: '#888', invalid: 'filter' }, encoding: { y: y('guideValue'), strokeDash: dash } }] : []),
    { mark: { type: 'rule', strokeWidth: 1.5, invalid: 'filter' }, encoding: { y: y('refValue'), color: o.colour, strokeDash: dash, tooltip: [{ field: 'generator' }, { field: 'ref' }, { field: 'refValue', title: 'value', ...fmt }] } },
    { mark: { type: 'rule', strokeWidth: 1.5, invalid: 'filter' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: o.colour } },
    {
      mark: { type: 'line', point: true, invalid: 'filter' },
      encoding: { x, y: y('value'), color: o.colour, tooltip: [{ field: 'generator' }, { field: 'epsilon', title: 'ε' }, { field: 'value', title: 'mean', ...fmt }, { field: 'lo', title: '− 1 std', ...fmt }, { field: 'hi', title: '+ 1 std', ...fmt }, { field: 'n', title: 'seeds' }] },
    },
    { mark: { type: 'point', size: 18, opacity: 0.45, filled: true, invalid: 'filter' }, encoding: { x, y: y('seedValue'), color: o.colour } },
  ];
  return {
    values,
    body: { facet: { column: { field: 'panel', type: 'nominal', title: o.panelTitle, sort: o.panels } }, spec: { width: 240, height: 190, layer } },
  };
}
