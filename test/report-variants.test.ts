/**
 * One generator configured several ways (e.g. the INN pertinence filter on and off): labels, and every part of
 * the report keeps the variants apart instead of averaging them.
 */
import { describe, expect, it } from 'vitest';
import { groupCells, labelCells, variantLabels } from '../src/report/aggregate.ts';
import type { CellResult } from '../src/report/cell.ts';
import { datasetCharts, generatorCharts } from '../src/report/charts/index.ts';
import type { ChartDef } from '../src/report/charts/common.ts';
import { checkRun, makeBaseline, runMetrics } from '../src/report/check.ts';
import { generatorsOf } from '../src/report/charts/common.ts';
import { htmlReport } from '../src/report/html.ts';
import { renderSvg } from '../src/report/render-chart.ts';
import { markdownReport } from '../src/report/markdown.ts';
import { buildReport } from '../src/report/report.ts';
import { attackTable, costTable, ledgerTable, utilityTable } from '../src/report/tables.ts';
import { fixtureCells, fixtureManifest, innCells, miaAuc, tstrAuc } from './report-fixtures.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
type Row = Record<string, unknown>;
const rows = (c: ChartDef) => (c.spec.data as { values: Row[] }).values;

/** Cells of `generator` with the given option sets (one cell each, distinct ids). */
function withOptions(generator: string, sets: Record<string, unknown>[]): CellResult[] {
  const base = fixtureCells({ generators: [generator], epsilons: [1], seeds: [0], nonPrivate: false })[0];
  return sets.map((options, i) => ({ ...base, spec: { ...base.spec, id: `${base.spec.id}-${i}`, options } }));
}
const labelsOf = (cells: CellResult[]) => {
  const m = variantLabels(cells);
  return cells.map((c) => m.get(c));
};

describe('variant labels', () => {
  it('name alone for a single variant; name + differing options otherwise', () => {
    expect(labelsOf(withOptions('inn', [{ epochs: 200, filter: true }]))).toEqual(['inn']);
    expect(labelsOf(withOptions('inn', [{ epochs: 200, filter: true }, { epochs: 200, filter: false }]))).toEqual(['inn (filter: true)', 'inn (filter: false)']);
    expect(labelsOf(withOptions('gan', [{ epochs: 5 }, { epochs: 50 }]))).toEqual(['gan (epochs: 5)', 'gan (epochs: 50)']);
  });

  it('descends into nested options, shows a whole value where a variant lacks the key, "defaults" when it sets none', () => {
    const nested = withOptions('inn', [
      { condition: { column: 'label', distribution: 'uniform' }, filter: true },
      { condition: { column: 'label' }, filter: true },
    ]);
    expect(labelsOf(nested)).toEqual(['inn (condition.distribution: uniform)', 'inn (defaults)']);
    const partial = withOptions('inn', [{ filter: true }, { filter: false }, { filter: true, condition: { column: 'income', distribution: { '>50K': 0.5 } } }]);
    expect(labelsOf(partial)).toEqual(['inn (filter: true)', 'inn (filter: false)', 'inn (filter: true, condition: {column: income, distribution: {>50K: 0.5}})']);
    expect(labelsOf(withOptions('gan', [{}, { hidden: [64, 64] }]))).toEqual(['gan (defaults)', 'gan (hidden: [64, 64])']);
  });

  it('labels never collide, even when values print alike', () => {
    const ls = labelsOf(withOptions('gan', [{ epochs: 5 }, { epochs: '5' }]));
    expect(new Set(ls).size).toBe(2);
  });

  it('labelCells adds the mechanism only when one generator runs under several', () => {
    const cells = innCells({ epsilons: [1], seeds: [0] });
    expect([...new Set(labelCells(cells).map((l) => l.generator))].sort()).toEqual(['inn (filter: false)', 'inn (filter: true)']);
  });
});

describe('two variants whose numbers differ stay apart', () => {
  // Variant 0 (filter on) has fixtureCells' generator-0 numbers, variant 1 (filter off) generator 1's.
  const cells = innCells({ dataset: 'adult', epsilons: [1, 10], seeds: [0, 1, 2] });
  const labelled = labelCells(cells);
  const on = labelled.filter((c) => c.generator === 'inn (filter: true)');
  const off = labelled.filter((c) => c.generator === 'inn (filter: false)');

  it('utility tables: each variant shows its own mean, not the average of both', () => {
    expect(on.length).toBe(9);
    expect(off.length).toBe(9);
    const row = (lcs: typeof on, label: string) => utilityTable('adult', label, lcs)!.rows.find((r) => r[0] === 'rf' && r[1] === 'TSTR' && r[2] === '10')!;
    const aucOn = mean([0, 1, 2].map((s) => tstrAuc(0, 10, s, 1)));
    const aucOff = mean([0, 1, 2].map((s) => tstrAuc(1, 10, s, 1)));
    expect(aucOn - aucOff).toBeCloseTo(0.03, 6);
    expect(row(on, 'inn (filter: true)')[4]).toMatch(new RegExp(`^${aucOn.toFixed(3)} ±`));
    expect(row(off, 'inn (filter: false)')[4]).toMatch(new RegExp(`^${aucOff.toFixed(3)} ±`));
  });

  it('charts: one series per variant in the utility and attack charts, one section of charts per variant', () => {
    const { charts } = datasetCharts('adult', labelled);
    const auc = charts.find((c) => c.id === 'utility-vs-epsilon--adult--auc')!;
    const m = (g: string) => rows(auc).find((r) => r.generator === g && r.epsilon === 10 && r.panel === 'logreg' && 'lo' in r)!.value as number;
    expect(m('inn (filter: true)')).toBeCloseTo(mean([0, 1, 2].map((s) => tstrAuc(0, 10, s, 0))), 4);
    expect(m('inn (filter: false)')).toBeCloseTo(mean([0, 1, 2].map((s) => tstrAuc(1, 10, s, 0))), 4);
    const att = attackTable('adult', labelled)!;
    const r = (g: string) => att.rows.find((x) => x[0] === g && x[1] === '1' && x[2] === 'closest-distance')![4];
    expect(r('inn (filter: false)')).toMatch(new RegExp(`^${mean([0, 1, 2].map((s) => miaAuc(1, 1, s))).toFixed(3)}`));
    expect(r('inn (filter: true)')).not.toBe(r('inn (filter: false)'));
    const ids = [...generatorCharts('adult', 'inn (filter: true)', on).charts, ...generatorCharts('adult', 'inn (filter: false)', off).charts].map((c) => c.id);
    expect(ids).toContain('losses--adult--inn-filter-true');
    expect(ids).toContain('losses--adult--inn-filter-false');
  });

  it('report.md and report.html: a section per variant, every chart id unique', () => {
    const model = buildReport(fixtureManifest('v', cells.map((c) => c.spec.id)), cells);
    const md = markdownReport(model);
    expect(md).toContain('### adult · inn (filter: true)');
    expect(md).toContain('### adult · inn (filter: false)');
    expect(md).toContain('finished cells: inn (filter: false), inn (filter: true).');
    const ids = model.charts.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const html = htmlReport(model, { vega: '', vegaLite: '', vegaEmbed: '' });
    expect(html).toContain('<h3>adult · inn (filter: false)</h3>');
  });

  it('ledger and cost tables say which variant each cell is (ids only carry an options hash)', () => {
    for (const t of [ledgerTable(cells), costTable(cells)]) {
      expect(t.columns.slice(0, 2)).toEqual(['cell', 'generator']);
      for (const [i, c] of cells.entries()) expect(t.rows[i].slice(0, 2)).toEqual([c.spec.id, c.spec.options.filter ? 'inn (filter: true)' : 'inn (filter: false)']);
    }
    expect(ledgerTable(fixtureCells()).columns[1]).toBe('target ε');
  });

  it('chart ids stay unique when labels slug alike', () => {
    const cs = withOptions('inn', [{ condition: { distribution: { '>50K': 0.5 } } }, { condition: { distribution: { '<=50K': 0.5 } } }]);
    const model = buildReport(fixtureManifest('s', cs.map((c) => c.spec.id)), cs);
    const losses = model.charts.filter((c) => c.family === 'losses').map((c) => c.id);
    expect(losses.length).toBe(2);
    expect(new Set(losses).size).toBe(2);
  });

  it('groupCells (and the regression gate) key each variant separately; a single variant keeps the bare name', () => {
    const groups = groupCells(cells);
    expect(groups.map((g) => `${g.generator}|${g.epsilon}`)).toEqual(['inn (filter: false)|1', 'inn (filter: false)|10', 'inn (filter: false)|null', 'inn (filter: true)|1', 'inn (filter: true)|10', 'inn (filter: true)|null']);
    expect(groups.every((g) => g.name === 'inn' && g.cells.length === 3)).toBe(true);
    const single = cells.filter((c) => c.spec.options.filter === true);
    const keys = [...runMetrics(single).keys()];
    expect(keys).toContain('adult|inn|dpsgd|10|utility|TSTR|baseline|rf|auc');
    expect([...runMetrics(cells).keys()]).toContain('adult|inn (filter: false)|dpsgd|10|utility|TSTR|baseline|rf|auc');

    // A regression of one variant is reported for that variant only (merged, it would be halved and unattributed).
    const baseline = makeBaseline(cells, 'h');
    const broken = structuredClone(cells);
    for (const c of broken) if (c.spec.options.filter === false && c.spec.epsilon === 10) for (const u of c.utility) if (u.auc !== null) u.auc -= 0.2;
    const regressed = checkRun(broken, baseline).filter((r) => r.status === 'regressed');
    expect(regressed.length).toBeGreaterThan(0);
    expect(regressed.every((r) => r.key.startsWith('adult|inn (filter: false)|dpsgd|10|'))).toBe(true);
  });
});

describe('long variant labels', () => {
  const long = { filter: true, condition: { column: 'income', distribution: { '>50K': 0.5, '<=50K': 0.5 } } };
  const cells = innCells({ dataset: 'adult', variants: [{ filter: true }, { filter: false }, long], epsilons: [1], seeds: [0] });

  it('print on several lines in headers, axes and legends instead of being cut off', async () => {
    const { charts } = datasetCharts('adult', labelCells(cells));
    for (const id of ['settings--adult', 'cost--adult', 'utility-vs-epsilon--adult--auc']) {
      const { svg, warnings } = await renderSvg(charts.find((c) => c.id === id)!.spec);
      expect(warnings, id).toEqual([]);
      // The long label's second line is its own tspan; no label is truncated with an ellipsis.
      expect(svg, id).toMatch(/<tspan[^>]*>\{column: income, distribution:<\/tspan>/);
      expect(svg, id).not.toContain('…');
    }
  });

  it('sort numbers by value', () => {
    const ls = labelCells(withOptions('gan', [{ epochs: 40 }, { epochs: 5 }, { epochs: 100 }]));
    expect(generatorsOf(ls)).toEqual(['gan (epochs: 5)', 'gan (epochs: 40)', 'gan (epochs: 100)']);
  });
});
