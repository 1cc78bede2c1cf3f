/**
 * INN artefacts in the report: the pertinence table, accepted vs rejected score histograms, autocorrelation by
 * lag — on constructed fit reports with known numbers — and the GAN-family loss curves.
 */
import { describe, expect, it } from 'vitest';
import { labelCells, type LabelledCell } from '../src/report/aggregate.ts';
import type { CellResult } from '../src/report/cell.ts';
import type { ChartDef } from '../src/report/charts/common.ts';
import { autocorrelationChart, pertinenceChart } from '../src/report/charts/inn.ts';
import { lossChart } from '../src/report/charts/training.ts';
import { htmlReport } from '../src/report/html.ts';
import { pertinenceTable, readAutocorrelation, readPertinence, rebin } from '../src/report/inn-fit.ts';
import { markdownReport } from '../src/report/markdown.ts';
import { renderSvg } from '../src/report/render-chart.ts';
import { buildReport } from '../src/report/report.ts';
import { fixtureCells, fixtureManifest, innAcReal, innAcSynthetic, innCells, innEdges, innLags, innPertinence } from './report-fixtures.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
type Row = Record<string, unknown>;
const rows = (c: ChartDef) => (c.spec.data as { values: Row[] }).values;
const subtitle = (c: ChartDef) => ((c.spec.title as { subtitle: string[] }).subtitle ?? []).join(' ');
const ON = 'inn (filter: true)';
const OFF = 'inn (filter: false)';
const only = (cells: LabelledCell[], g: string) => cells.filter((c) => c.generator === g);

describe('reading fit.pertinence and fit.autocorrelation', () => {
  it('keeps well-formed reports and treats malformed parts as absent', () => {
    const p = innPertinence(0, null, 0, true);
    expect(readPertinence({ seconds: 1, pertinence: p })!.histogram!.inside).toEqual(p.histogram.inside);
    const bad = { ...p, histogram: { ...p.histogram, inside: p.histogram.inside.slice(1) } };
    expect(readPertinence({ seconds: 1, pertinence: bad })!.histogram).toBeNull();
    expect(readPertinence({ seconds: 1, pertinence: { filter: 'yes' } })).toBeNull();
    expect(readPertinence({ seconds: 1 })).toBeNull();
    expect(readAutocorrelation({ seconds: 1, autocorrelation: { lags: [1, 2], real: [0.5, 0.2] } })).toEqual({ lags: [1, 2], real: [0.5, 0.2] });
    expect(readAutocorrelation({ seconds: 1, autocorrelation: { lags: [1, 2], real: [0.5] } })).toBeNull();
  });

  it('rebin: identity on equal edges, splits a bin by overlap, conserves counts inside the range', () => {
    expect(rebin([0, 1, 2], [3, 5], [0, 1, 2])).toEqual([3, 5]);
    expect(rebin([0, 2], [4], [0, 1, 2])).toEqual([2, 2]);
    const r = rebin([0, 0.3, 0.6, 0.9], [3, 6, 9], [0, 0.45, 0.9]);
    expect(r[0]).toBeCloseTo(3 + 3, 12);
    expect(r[1]).toBeCloseTo(3 + 9, 12);
  });
});

describe('pertinence table', () => {
  const cells = labelCells(innCells({ epsilons: [1], seeds: [0, 1, 2] }));
  const t = pertinenceTable('ecg5000', cells)!;
  const col = (name: string) => t.columns.indexOf(name);
  const row = (g: string, eps: string) => t.rows.find((r) => r[0] === g && r[1] === eps)!;

  it('one row per variant × ε with filter, margin, source and acceptance (mean ± std over seeds)', () => {
    expect(t.rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([`${OFF} 1`, `${OFF} non-private`, `${ON} 1`, `${ON} non-private`]);
    const r = row(ON, 'non-private');
    expect(r[col('filter')]).toBe('on');
    expect(row(OFF, '1')[col('filter')]).toBe('off');
    const ps = [0, 1, 2].map((s) => innPertinence(0, null, s, true));
    const acc = ps.map((p) => p.passed / p.draws);
    const sd = Math.sqrt(acc.reduce((a, x) => a + (x - mean(acc)) ** 2, 0) / 2);
    expect(r[col('acceptance')]).toBe(`${(100 * mean(acc)).toFixed(1)} % ± ${(100 * sd).toFixed(1)} %`);
    // Margins shift with the seed's edges: -0.5, -0.4, -0.3.
    expect(r[col('margin')]).toBe('-0.4 ± 0.1');
    expect(r[col('margin source')]).toBe('quantile 0.95 of 400 training scores');
    expect(row(ON, '1')[col('margin')]).toBe('0.5 ± 0');
  });

  it('per-level acceptance, medians inside / outside / real, draws and filled', () => {
    const r = row(OFF, 'non-private');
    expect(r[col('acceptance per condition level')]).toBe('1: 81.0 % ± 1.0 %, 2: 42.0 % ± 0.0 %');
    expect(r[col('median inside')]).toBe(`${(-0.5 + 0.01 - 0.1).toPrecision(2)} ± 0.01`);
    expect(r[col('median outside')]).toBe('0.82 ± 0.02');
    expect(r[col('median real')]).toBe('-0.59 ± 0.01');
    expect(row(OFF, '1')[col('median real')]).toBe('—');
    const ps = [0, 1, 2].map((s) => innPertinence(1, null, s, false));
    expect(r[col('draws / inside / returned')]).toBe(`${Math.round(mean(ps.map((p) => p.draws)))} / ${Math.round(mean(ps.map((p) => p.passed)))} / ${Math.round(mean(ps.map((p) => p.returned)))}`);
    expect(r[col('filled')]).toBe('—');
    expect(row(ON, 'non-private')[col('filled')]).toBe('1');
    expect(t.note).toContain('nats per encoded dimension');
  });

  it('is absent without fit.pertinence', () => {
    expect(pertinenceTable('adult', labelCells(fixtureCells()))).toBeNull();
  });
});

describe('pertinence histogram chart', () => {
  const cells = labelCells(innCells({ epsilons: [1], seeds: [0, 1] }));

  it('accepted and rejected records as shares of all draws, seeds summed on common edges', () => {
    const c = pertinenceChart('ecg5000', ON, only(cells, ON)).charts[0];
    expect(c.id).toBe('pertinence--ecg5000--inn-filter-true');
    const bars = (eps: string) => rows(c).filter((r) => r.eps === eps && 'share' in r);
    for (const eps of ['ε=1', 'non-private']) expect(sum(bars(eps).map((r) => r.share as number))).toBeCloseTo(1, 3);
    // ε=1: both seeds share the DP edges, so bins add up exactly.
    const ps = [0, 1].map((s) => innPertinence(0, 1, s, true));
    const total = sum(ps.map((p) => p.draws));
    const first = bars('ε=1').find((r) => r.who === 'inside margin (kept)' && r.x0 === innEdges(1, 0)[0])!;
    expect(first.share).toBeCloseTo((10 + 11) / total, 4);
    const rejected = sum(bars('ε=1').filter((r) => r.who === 'outside margin (rejected)').map((r) => r.share as number));
    expect(rejected).toBeCloseTo(1 - sum(ps.map((p) => p.passed)) / total, 3);
    // Non-private: each seed has its own edges (shifted by 0.1), the union is re-binned into 30 bins.
    const np = bars('non-private');
    expect(Math.min(...np.map((r) => r.x0 as number))).toBeCloseTo(-2, 9);
    expect(Math.max(...np.map((r) => r.x1 as number))).toBeCloseTo(1.1, 9);
  });

  it('draws the margin and, without DP, the real scores; the subtitle says when the filter was off', () => {
    const c = pertinenceChart('ecg5000', OFF, only(cells, OFF)).charts[0];
    const margins = rows(c).filter((r) => 'margin' in r);
    expect(margins.find((r) => r.eps === 'non-private')!.margin).toBeCloseTo(mean([innEdges(null, 0)[15], innEdges(null, 1)[15]]), 6);
    expect(rows(c).some((r) => r.eps === 'non-private' && 'realShare' in r)).toBe(true);
    expect(rows(c).some((r) => r.eps === 'ε=1' && 'realShare' in r)).toBe(false);
    expect(subtitle(c)).toContain('Filter off');
    const dpOnly = pertinenceChart('ecg5000', ON, only(cells, ON).filter((x) => x.epsilon !== null)).charts[0];
    expect(subtitle(dpOnly)).toContain('real training scores not stored');
    expect(subtitle(dpOnly)).not.toContain('Filter off');
  });

  it('skips with a reason when fit.pertinence is absent or unusable', () => {
    const none = pertinenceChart('adult', 'dpgan', labelCells(fixtureCells({ generators: ['dpgan'] })));
    expect(none.charts).toEqual([]);
    expect(none.skipped[0].reason).toMatch(/no pertinence filter data/);
    const broken = only(cells, ON).map((lc) => ({ ...lc, cell: { ...lc.cell, fit: { ...lc.cell.fit!, pertinence: { ...(lc.cell.fit!.pertinence as object), histogram: { edges: [0] } } } } }));
    expect(pertinenceChart('ecg5000', ON, broken).skipped[0].reason).toMatch(/no usable histogram/);
  });
});

describe('autocorrelation chart', () => {
  const cells = labelCells(innCells({ epsilons: [1], seeds: [0, 1] }));

  it('synthetic autocorrelation per variant and ε (mean over seeds) with the real line in every panel', () => {
    const c = autocorrelationChart('ecg5000', cells).charts[0];
    const at = (g: string, eps: string, lag: number) => rows(c).find((r) => r.generator === g && r.eps === eps && r.lag === lag)!.value as number;
    expect(at(OFF, 'ε=1', 5)).toBeCloseTo(mean([0, 1].map((s) => innAcSynthetic(1, s, 5))), 4);
    expect(at(ON, 'non-private', 40)).toBeCloseTo(mean([0, 1].map((s) => innAcSynthetic(0, s, 40))), 4);
    // DP cells store no real side: the real line comes from the non-private cells, in both panels.
    expect(at('real data', 'ε=1', 10)).toBeCloseTo(innAcReal(10), 4);
    expect(at('real data', 'non-private', 10)).toBeCloseTo(innAcReal(10), 4);
    expect(rows(c).filter((r) => r.generator === 'real data').length).toBe(2 * innLags.length);
  });

  it('skips with a reason when absent, and names generators that lack it', () => {
    const s = autocorrelationChart('adult', labelCells(fixtureCells()));
    expect(s.charts).toEqual([]);
    expect(s.skipped[0].reason).toMatch(/no cell reported fit\.autocorrelation/);
    const mixed = [...cells, ...labelCells(fixtureCells({ datasets: ['ecg5000'], generators: ['timegan'], epsilons: [1], seeds: [0] }))];
    const m = autocorrelationChart('ecg5000', mixed);
    expect(m.charts.length).toBe(1);
    expect(m.skipped.map((k) => k.generator)).toEqual(['timegan']);
  });
});

describe('in the report', () => {
  const cells = innCells({ epsilons: [1], seeds: [0, 1] });
  const other = fixtureCells({ datasets: ['ecg5000'], generators: ['timegan'], epsilons: [1], seeds: [0] });
  const model = buildReport(fixtureManifest('inn', [...cells, ...other].map((c) => c.spec.id)), [...cells, ...other]);

  it('Markdown and HTML carry the pertinence table and the INN charts', () => {
    const md = markdownReport(model);
    expect(md).toContain('**ecg5000: INN pertinence filter**');
    expect(md).toContain('| generator | ε | filter | score | margin | margin source | acceptance | acceptance per condition level |');
    expect(md).toContain('](charts/pertinence--ecg5000--inn-filter-true.png)');
    expect(md).toContain('](charts/autocorrelation--ecg5000.png)');
    const html = htmlReport(model, { vega: '', vegaLite: '', vegaEmbed: '' });
    expect(html).toContain('<h4>ecg5000: INN pertinence filter</h4>');
    expect(html).toContain('data-chart="pertinence--ecg5000--inn-filter-false"');
  });

  it('lists a missing pertinence histogram only for INN generators', () => {
    const rowsOf = (m: typeof model) => m.sections.find((s) => s.id === 'status')!.tables[0]?.rows ?? [];
    expect(rowsOf(model).some((r) => r[1].startsWith('pertinence'))).toBe(false);
    const bare: CellResult[] = cells.map((c) => (c.spec.options.filter === false ? { ...c, fit: { ...c.fit!, pertinence: undefined } } : c));
    const m = buildReport(fixtureManifest('inn', bare.map((c) => c.spec.id)), bare);
    expect(rowsOf(m)).toContainEqual(['ecg5000', 'pertinence scores', OFF, 'the generator reported no pertinence filter data (fit.pertinence)']);
  });

  it('the INN charts compile and render without a vega warning', async () => {
    for (const c of model.charts.filter((x) => ['pertinence', 'autocorrelation'].includes(x.family)).slice(0, 3)) {
      const { svg, warnings } = await renderSvg(c.spec);
      expect(warnings).toEqual([]);
      expect(svg).toContain('<path');
    }
  });
});

describe('GAN-family loss curves', () => {
  // Curve names as src/generators/gan.ts, critics*.ts, ctgan.ts and tvae.ts record them.
  const curves: Record<string, Record<string, number[]>> = {
    dpgan: { discriminator: [1.4, 1.39, 1.38], generator: [0.7, 0.72, 0.71] },
    pategan: { teacher: [0.2, 0.3], student: [0.6, 0.5], votedReal: [0, 1], epsilon: [2.1, 6.2], generator: [0.9, 0.8] },
    ctgan: { discriminator: [-0.01, 0.04], gradientPenalty: [6.5, 6.0], generator: [0.73, 0.7], conditionCrossEntropy: [0.75, 0.72] },
    tvae: { loss: [39.9, 33.3, 22.9] },
  };
  const cellsOf = (g: string, losses: Record<string, number[]> | undefined) =>
    labelCells(fixtureCells({ generators: [g], epsilons: [1, 10], seeds: [0] }).map((c) => ({ ...c, fit: { ...c.fit!, losses: c.spec.epsilon === 1 && g === 'pategan' ? {} : losses, steps: 0, stopped: 'budget' } })));

  it('every curve is drawn in its own row with its own y scale; non-loss curves are titled as what they are', () => {
    for (const [g, losses] of Object.entries(curves)) {
      const c = lossChart('adult', g, cellsOf(g, losses)).charts[0];
      const names = [...new Set(rows(c).map((r) => r.loss))];
      expect(names.length).toBe(Object.keys(losses).length);
      expect((c.spec.facet as { row: { field: string } }).row.field).toBe('loss');
      expect((c.spec.resolve as { scale: { y: string } }).scale.y).toBe('independent');
      for (const [name, values] of Object.entries(losses)) {
        const title = name === 'epsilon' ? 'ε spent so far' : name === 'votedReal' ? 'share voted real' : name;
        const drawn = rows(c).filter((r) => r.loss === title && r.eps === 'ε=10').map((r) => r.value);
        expect(drawn).toEqual(values);
      }
    }
  });

  it('names the ε whose cells trained nothing instead of dropping them silently', () => {
    const c = lossChart('adult', 'pategan', cellsOf('pategan', curves.pategan)).charts[0];
    expect(rows(c).some((r) => r.eps === 'ε=1')).toBe(false);
    expect(subtitle(c)).toContain('No curves for ε=1 (1 of 1 seeds; stopped: budget, 0 steps)');
  });

  it('renders without a vega warning', async () => {
    const { warnings } = await renderSvg(lossChart('adult', 'pategan', cellsOf('pategan', curves.pategan)).charts[0].spec);
    expect(warnings).toEqual([]);
  });
});
