/** Chart spec builders on constructed cells: the numbers drawn are the known ones, absent data is skipped. */
import { describe, expect, it } from 'vitest';
import { labelCells, type LabelledCell } from '../src/report/aggregate.ts';
import { datasetCharts, generatorCharts } from '../src/report/charts/index.ts';
import { downsample } from '../src/report/charts/training.ts';
import type { ChartDef } from '../src/report/charts/common.ts';
import { dcrShare, fixtureCells, miaAuc, trtrAuc, tstrAuc } from './report-fixtures.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
type Row = Record<string, unknown>;
const rows = (c: ChartDef) => (c.spec.data as { values: Row[] }).values;
const chart = (charts: ChartDef[], id: string) => {
  const c = charts.find((x) => x.id === id);
  if (!c) throw new Error(`no chart ${id} in ${charts.map((x) => x.id).join(', ')}`);
  return c;
};
const adult = () => labelCells(fixtureCells());

describe('utility vs ε', () => {
  const { charts } = datasetCharts('adult', adult());

  it('draws one chart per classifier metric, with per-seed means and std of the known TSTR scores', () => {
    for (const m of ['accuracy', 'auc', 'f1', 'recall']) chart(charts, `utility-vs-epsilon--adult--${m}`);
    const c = chart(charts, 'utility-vs-epsilon--adult--auc');
    // dpgan is generator 0, rf classifier 1; seeds 0..2.
    const expected = [0, 1, 2].map((s) => tstrAuc(0, 1, s, 1));
    const m = rows(c).find((r) => r.generator === 'dpgan' && r.epsilon === 1 && r.panel === 'rf' && 'lo' in r)!;
    expect(m.value).toBeCloseTo(mean(expected), 4);
    expect(m.hi as number).toBeCloseTo(mean(expected) + std(expected), 4);
    expect(m.n).toBe(3);
    expect(rows(c).filter((r) => r.generator === 'dpgan' && r.epsilon === 1 && r.panel === 'rf' && 'seedValue' in r).map((r) => r.seedValue)).toEqual(expected);
  });

  it('puts ε on a log axis and the non-private and real-data (TRTR) scores as references', () => {
    const c = chart(charts, 'utility-vs-epsilon--adult--auc');
    const layers = ((c.spec.spec as Row).layer as { encoding: Row }[]).filter((l) => l.encoding.x);
    for (const l of layers) expect((l.encoding.x as { scale: { type: string } }).scale.type).toBe('log');
    const refs = rows(c).filter((r) => 'refValue' in r && r.panel === 'logreg');
    const real = refs.find((r) => r.ref === 'real data (TRTR)')!;
    expect(real.refValue).toBeCloseTo(mean([0, 1, 2].map((s) => trtrAuc(s, 0))), 4);
    const np = refs.find((r) => r.ref === 'non-private' && r.generator === 'pategan')!;
    expect(np.refValue).toBeCloseTo(mean([0, 1, 2].map((s) => tstrAuc(1, null, s, 0))), 4);
    // Non-private cells never appear at a finite ε.
    expect(rows(c).some((r) => 'epsilon' in r && r.epsilon === null)).toBe(false);
  });

  it('skips the chart with a reason when no TSTR score is stored, and when only non-private cells exist', () => {
    const none = datasetCharts('adult', labelCells(fixtureCells({ utility: false })));
    expect(none.charts.some((c) => c.family === 'utility-vs-epsilon' || c.family === 'settings' || c.family === 'risk-utility')).toBe(false);
    expect(none.skipped.find((s) => s.family === 'utility-vs-epsilon')!.reason).toMatch(/no TSTR utility scores/);
    const np = datasetCharts('adult', labelCells(fixtureCells({ epsilons: [] })));
    expect(np.charts.some((c) => c.family === 'utility-vs-epsilon')).toBe(false);
    expect(np.skipped.filter((s) => s.family === 'utility-vs-epsilon')[0].reason).toMatch(/only non-private/);
  });
});

describe('privacy charts', () => {
  const { charts } = datasetCharts('adult', adult());

  it('plots DCR share and attack AUC vs ε with the 0.5 no-signal guide', () => {
    const c = chart(charts, 'attacks-vs-epsilon--adult');
    const panels = (c.spec.facet as { column: { sort: string[] } }).column.sort;
    expect(panels).toEqual(['closest-distance: AUC', 'dcr-share: share closer to train']);
    const dcr = rows(c).find((r) => r.panel === 'dcr-share: share closer to train' && r.generator === 'independent' && r.epsilon === 10 && 'lo' in r)!;
    expect(dcr.value).toBeCloseTo(mean([0, 1, 2].map((s) => dcrShare(2, 10, s))), 4);
    expect(rows(c).filter((r) => 'guideValue' in r).map((r) => r.guideValue)).toEqual([0.5, 0.5]);
  });

  it('risk–utility map: one point per generator × ε, utility = TSTR AUC over classifiers, risk = strongest MIA AUC', () => {
    const c = chart(charts, 'risk-utility--adult');
    const points = rows(c).filter((r) => r.role === 'point');
    expect(points.length).toBe(3 * 4); // 3 generators × (3 ε + non-private)
    const p = points.find((r) => r.generator === 'pategan' && r.eps === '0.1')!;
    const u = mean([0, 1, 2].map((s) => mean([0, 1].map((ci) => tstrAuc(1, 0.1, s, ci)))));
    expect(p.utility).toBeCloseTo(u, 4);
    expect(p.risk).toBeCloseTo(mean([0, 1, 2].map((s) => miaAuc(1, 0.1, s))), 4);
    expect(points.find((r) => r.generator === 'pategan' && r.privacy === 'non-private')!.eps).toBe('∞');
  });

  it('falls back to the DCR share as risk when no attack has an AUC, and skips without attacks', () => {
    const cells = fixtureCells().map((c) => ({ ...c, attacks: c.attacks.filter((a) => a.attack === 'dcr-share') }));
    const c = chart(datasetCharts('adult', labelCells(cells)).charts, 'risk-utility--adult');
    const p = rows(c).find((r) => r.role === 'point' && r.generator === 'dpgan' && r.eps === '1')!;
    expect(p.risk).toBeCloseTo(mean([0, 1, 2].map((s) => dcrShare(0, 1, s))), 4);
    expect(JSON.stringify(c.spec)).toContain('DCR share');
    const none = datasetCharts('adult', labelCells(fixtureCells({ attacks: false })));
    expect(none.charts.some((x) => ['attacks-vs-epsilon', 'risk-utility', 'audit'].includes(x.family))).toBe(false);
    expect(none.skipped.map((s) => s.family).filter((f) => f !== 'autocorrelation').sort()).toEqual(['attacks-vs-epsilon', 'audit', 'risk-utility']);
  });

  it('audit chart compares empirical ε lower bounds with the nominal ε', () => {
    const c = chart(charts, 'audit--adult');
    const pts = rows(c).filter((r) => r.role === 'point');
    expect(pts.find((r) => r.generator === 'dpgan' && r.epsilon === 10)!.value).toBeCloseTo(1.2, 6);
    const diag = rows(c).filter((r) => r.role === 'diagonal');
    for (const d of diag) expect(d.value).toBeCloseTo(d.epsilon as number, 9);
  });
});

describe('settings and cost', () => {
  it('TRTR/TSTR/TSTS bars use AUC and the known means', () => {
    const c = chart(datasetCharts('adult', adult()).charts, 'settings--adult');
    const r = rows(c).find((x) => x.generator === 'dpgan' && x.eps === '10' && x.setting === 'TSTS' && x.classifier === 'logreg')!;
    expect(r.value).toBeCloseTo(mean([0, 1, 2].map((s) => tstrAuc(0, 10, s, 0) + 0.05)), 4);
    expect(JSON.stringify(c.spec)).toContain('ROC AUC');
  });

  it('runtime and memory per generator and ε', () => {
    const c = chart(datasetCharts('adult', adult()).charts, 'cost--adult');
    const r = rows(c).find((x) => x.generator === 'pategan' && x.eps === '10')!;
    expect(r.seconds).toBeCloseTo(2 + 0.1 + 0.05, 6);
    expect(r.rss).toBe(250);
    expect((c.spec.hconcat as unknown[]).length).toBe(2);
  });
});

describe('per-generator charts', () => {
  const dpgan = adult().filter((c) => c.generator === 'dpgan');

  it('marginals: real proportions once, synthetic averaged over seeds per ε', () => {
    const c = chart(generatorCharts('adult', 'dpgan', dpgan).charts, 'marginals--adult--dpgan');
    const real = rows(c).filter((r) => r.series === 'real' && r.column === 'workclass').map((r) => r.p);
    expect(real).toEqual([0.7, 0.15, 0.1, 0.05]);
    const syn = rows(c).filter((r) => r.series === '1' && r.column === 'workclass');
    expect(syn.map((r) => r.bin)).toEqual(['Private', 'Self-emp', 'Gov', '?']);
    expect(syn[0].p).toBeCloseTo(0.5 * 0.7 + 0.5 * 0.25, 3);
    const ageBins = rows(c).filter((r) => r.series === 'real' && r.column === 'age').map((r) => r.bin);
    expect(ageBins[0]).toBe('17–24.3');
  });

  it('correlation heatmap shows synthetic − real per ε', () => {
    const c = chart(generatorCharts('adult', 'dpgan', dpgan).charts, 'correlation--adult--dpgan');
    const cell = rows(c).find((r) => r.eps === 'ε=10' && r.a === 'age' && r.b === 'workclass')!;
    // real 0.3; synthetic 0.3·w + 0.005·seed with w = 10/11, averaged over seeds 0..2.
    expect(cell.diff).toBeCloseTo(0.3 * (10 / 11) + 0.005 - 0.3, 3);
    expect(rows(c).filter((r) => r.a === r.b).every((r) => r.diff === 0)).toBe(true);
  });

  it('loss curves are averaged down to at most 100 points and absent losses skip the chart', () => {
    const c = chart(generatorCharts('adult', 'dpgan', dpgan).charts, 'losses--adult--dpgan');
    const curve = rows(c).filter((r) => r.eps === 'ε=1' && r.seed === 0 && r.loss === 'generator');
    expect(curve.length).toBe(100);
    const ind = generatorCharts('adult', 'independent', adult().filter((x) => x.generator === 'independent'));
    expect(ind.skipped.find((s) => s.family === 'losses')!.reason).toMatch(/no loss curves/);
    // Non-finite losses are dropped, then 5 points fall into chunks of 2.5: {1,2} and {3,4,6}.
    const d = downsample([1, 2, 3, 4, Number.NaN, 6], 2);
    expect(d.map((p) => p.step)).toEqual([2, 6]);
    expect(d[0].value).toBeCloseTo(1.5, 12);
    expect(d[1].value).toBeCloseTo(13 / 3, 12);
  });

  it('series bands only for series data; tabular data skips them with a reason', () => {
    const ecg = labelCells(fixtureCells({ datasets: ['ecg5000'], generators: ['timegan'], epsilons: [1], seeds: [0] }));
    const c = chart(generatorCharts('ecg5000', 'timegan', ecg).charts, 'series--ecg5000--timegan');
    const r = rows(c).find((x) => x.eps === 'ε=1' && x.group === 'all' && x.who === 'synthetic' && x.t === 6)!;
    expect(r.mean).toBeCloseTo(Math.round(Math.sin(1.5) * 1e4) / 1e4 * 0.5, 3);
    expect((c.spec.facet as Row).row).toBeDefined();
    const tab = generatorCharts('adult', 'dpgan', dpgan);
    expect(tab.skipped.find((s) => s.family === 'series')!.reason).toMatch(/extras\.series/);
  });

  it('cells without extras skip marginals and correlation instead of drawing empty charts', () => {
    const bare = labelCells(fixtureCells({ extras: false, generators: ['dpgan'] }));
    const g = generatorCharts('adult', 'dpgan', bare);
    expect(g.charts.map((c) => c.family)).toEqual(['losses']);
    expect(g.skipped.map((s) => s.family).sort()).toEqual(['correlation', 'marginals', 'pertinence', 'series']);
  });
});

describe('labels', () => {
  it('qualifies a generator by its differing options and by mechanism only when needed', () => {
    const base = fixtureCells({ generators: ['independent'], epsilons: [1], seeds: [0], nonPrivate: false })[0];
    const a = { ...base, spec: { ...base.spec, id: 'a', options: { bins: 10, smoothing: 1 } } };
    const b = { ...base, spec: { ...base.spec, id: 'b', options: { bins: 20, smoothing: 1 } } };
    const c = { ...base, spec: { ...base.spec, id: 'c', options: { bins: 20, smoothing: 1 }, mechanism: 'gaussian' } };
    const labels = labelCells([a, b, c]).map((l: LabelledCell) => l.generator);
    expect(labels).toEqual(['independent (bins: 10) + laplace', 'independent (bins: 20) + laplace', 'independent (bins: 20) + gaussian']);
    expect(labelCells([a]).map((l) => l.generator)).toEqual(['independent']);
  });
});
