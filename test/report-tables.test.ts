/** Table builders, report.md, report.html assembly and the extras helpers, on constructed data. */
import { describe, expect, it } from 'vitest';
import { labelCells } from '../src/report/aggregate.ts';
import { computeCorrelation, computeMarginals, computeSeriesBands, readExtras } from '../src/report/extras.ts';
import { htmlReport, htmlTable } from '../src/report/html.ts';
import { markdownReport, markdownTable } from '../src/report/markdown.ts';
import { buildReport } from '../src/report/report.ts';
import { attackTable, fidelityTables, ledgerTable, perColumnTables, utilityTable } from '../src/report/tables.ts';
import { Table } from '../src/data/table.ts';
import { fixtureCells, fixtureManifest, miaAuc, pmse, tstrAuc } from './report-fixtures.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
const pm = (xs: number[], d = 3) => `${mean(xs).toFixed(d)} ± ${std(xs).toFixed(d)}`;
const noBundles = { vega: '/*vega*/', vegaLite: '/*vl*/', vegaEmbed: '/*embed*/' };

describe('thesis Table 1 layout', () => {
  const cells = labelCells(fixtureCells()).filter((c) => c.generator === 'dpgan');
  const t = utilityTable('adult', 'dpgan', cells)!;

  it('has setting × ε rows per classifier under "baseline" and "cross validation" column groups', () => {
    expect(t.groups!.map((g) => g.label)).toEqual(['', 'baseline', 'cross validation', '']);
    expect(t.columns).toEqual(['classifier', 'setting', 'ε', 'accuracy', 'AUC', 'F1', 'recall', 'accuracy', 'AUC', 'F1', 'recall', 'cells']);
    // Per classifier: one TRTR row, then TSTR and TSTS at 0.1, 1, 10 and non-private.
    expect(t.rows.length).toBe(2 * (1 + 2 * 4));
    expect(t.rows.slice(0, 9).map((r) => `${r[1]} ${r[2]}`)).toEqual(['TRTR —', 'TSTR 0.1', 'TSTR 1', 'TSTR 10', 'TSTR non-private', 'TSTS 0.1', 'TSTS 1', 'TSTS 10', 'TSTS non-private']);
  });

  it('shows mean ± std over seeds of the stored scores', () => {
    const row = t.rows.find((r) => r[0] === 'rf' && r[1] === 'TSTR' && r[2] === '1')!;
    const auc = [0, 1, 2].map((s) => tstrAuc(0, 1, s, 1));
    expect(row[4]).toBe(pm(auc));
    expect(row[8]).toBe(pm(auc.map((a) => a + 0.005)));
    expect(row[11]).toBe('3');
  });

  it('counts seeds with a value and explains the missing one in the note', () => {
    const row = t.rows.find((r) => r[0] === 'logreg' && r[1] === 'TSTR' && r[2] === '0.1')!;
    expect(row[5]).toBe(`${pm([1, 2].map((s) => tstrAuc(0, 0.1, s, 0) - 0.2))} (2 of 3)`);
    expect(t.note).toContain('F1 undefined: no positive predictions');
  });

  it('is absent when no utility is stored', () => {
    expect(utilityTable('adult', 'dpgan', labelCells(fixtureCells({ utility: false })))).toBeNull();
  });
});

describe('other tables', () => {
  const cells = labelCells(fixtureCells());

  it('fidelity: pMSE per propensity model and SRA per generator × ε; per-column TVD goes to its own table', () => {
    const [p, sra, ...rest] = fidelityTables('adult', cells);
    expect(rest).toEqual([]);
    expect(p.columns).toEqual(['generator', 'ε', 'pmse (cart)', 'pmse (logistic)']);
    const row = p.rows.find((r) => r[0] === 'pategan' && r[1] === '10')!;
    expect(row[3]).toBe(pm([0, 1, 2].map((s) => pmse(1, 10, s)), 4));
    expect(sra.columns).toEqual(['generator', 'ε', 'sra']);
    expect(sra.rows.find((r) => r[0] === 'dpgan' && r[1] === '1')![2]).toBe('0.5000 ± 0.0000');
    const [tvd] = perColumnTables('adult', cells);
    expect(tvd.title).toContain('tvd');
    expect(tvd.columns).toEqual(['generator', 'ε', 'mean over columns', 'worst column', 'age', 'workclass', 'hours', 'income']);
    const r = tvd.rows.find((x) => x[0] === 'dpgan' && x[1] === '1')!;
    expect(r[3]).toBe((0.15 + 0.03).toFixed(4) + ' ± 0.0000');
  });

  it('fidelity: a metric stored only as nulls keeps its column with the reason; many SRA variants stay whole-table', () => {
    const cs = fixtureCells({ generators: ['dpgan'], epsilons: [1], seeds: [0], nonPrivate: false }).map((c) => ({
      ...c,
      metrics: [
        ...['accuracy/baseline', 'auc/baseline', 'f1/baseline', 'recall/baseline', 'accuracy/cv', 'auc/cv', 'f1/cv'].map((v) => ({ name: 'sra', variant: v, value: 1 })),
        { name: 'tvd_mean', value: null, reason: 'no categorical columns' },
        { name: 'tvd', variant: 'age', value: 0.1 },
      ],
    }));
    const [sra, other] = fidelityTables('adult', labelCells(cs));
    expect(sra.columns.length).toBe(2 + 7);
    expect(other.columns).toEqual(['generator', 'ε', 'tvd_mean']);
    expect(other.rows[0][2]).toBe('—');
    expect(other.note).toContain('no categorical columns');
    expect(perColumnTables('adult', labelCells(cs))[0].columns.slice(4)).toEqual(['age']);
  });

  it('attacks: value, AUC, advantage and the empirical ε bound with the nominal ε', () => {
    const t = attackTable('adult', cells)!;
    const r = t.rows.find((x) => x[0] === 'independent' && x[1] === '1' && x[2] === 'closest-distance')!;
    expect(r[4]).toBe(pm([0, 1, 2].map((s) => miaAuc(2, 1, s))));
    expect(r[8]).toBe('0.300 ± 0.000');
    const dcr = t.rows.find((x) => x[2] === 'dcr-share')!;
    expect(dcr[4]).toBe('—');
    expect(t.note).toContain('DCR share has no ROC');
  });

  it('ledger: target vs spent, and flags a cell that spent more than its target', () => {
    const cs = fixtureCells({ generators: ['dpgan'], epsilons: [1], seeds: [0], nonPrivate: false });
    const over = structuredClone(cs[0]);
    over.spec.id = 'over';
    over.ledger!.spent.epsilon = 1.5;
    const t = ledgerTable([cs[0], over]);
    expect(t.rows[0].slice(1, 6)).toEqual(['1', '0.9800', '1.0e-5', '5.00e-6', 'yes']);
    expect(t.rows[1][5]).toBe('NO');
    expect(t.rows[0][6]).toBe('declared domain (public); training (dpsgd, Σε=0.980)');
  });
});

describe('report.md and report.html', () => {
  const cells = fixtureCells({ seeds: [0, 1] });
  const planned = [...cells.map((c) => c.spec.id), 'adult__ctgan__dpsgd__eps1__s0'];
  const failed = { ...cells[0], spec: { ...cells[0].spec, id: 'adult__broken__s0' }, status: 'failed' as const, error: 'Ledger: budget exceeded' };
  const model = buildReport(fixtureManifest('t', [...planned, failed.spec.id]), [...cells, failed]);

  it('lists finished, failed and missing cells', () => {
    expect(model.summary).toBe(`${cells.length} of ${planned.length + 1} cells finished, 1 failed, 1 not run yet.`);
    expect(model.missing).toEqual(['adult__ctgan__dpsgd__eps1__s0']);
  });

  it('Markdown: a heading per dataset and generator, every chart linked as PNG, the same tables, missing cells', () => {
    const md = markdownReport(model);
    expect(md).toContain('## Dataset adult');
    expect(md).toContain('### adult · pategan');
    for (const c of model.charts) expect(md).toContain(`](charts/${c.id}.png)`);
    expect(md).toContain('| classifier | setting | ε | baseline accuracy | baseline AUC |');
    expect(md).toMatch(/Not run yet[\s\S]*\| adult__ctgan__dpsgd__eps1__s0 \|/);
    expect(md).toContain('Ledger: budget exceeded');
    expect(md).toContain('| adult | training losses | independent | the generator reported no loss curves (fit.losses) |');
    // Tabular data: no "series bands missing" noise.
    expect(md).not.toContain('series bands');
  });

  it('HTML: self-contained (no external script or stylesheet), a TOC entry per section, a container per chart', () => {
    const html = htmlReport(model, noBundles);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('/*vega*/');
    for (const s of model.sections) expect(html).toContain(`<a href="#${s.id}">`);
    for (const c of model.charts) expect(html).toContain(`data-chart="${c.id}"`);
    const specs = JSON.parse(html.match(/<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/)![1]);
    expect(Object.keys(specs).length).toBe(model.charts.length);
    expect(html).toContain('adult__ctgan__dpsgd__eps1__s0');
  });

  it('escapes text and keeps "</script>" in data from closing the spec block', () => {
    const evil = fixtureCells({ generators: ['x</script><b>'], epsilons: [1], seeds: [0] });
    const html = htmlReport(buildReport(fixtureManifest('<t>', evil.map((c) => c.spec.id)), evil), noBundles);
    expect(html).not.toContain('x</script><b>');
    expect(html).toContain('<h1>&lt;t&gt;</h1>');
    const block = html.match(/<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/)![1];
    expect(JSON.stringify(JSON.parse(block))).toContain('x</script><b>');
  });

  it('lists series bands as not drawn only for series datasets, one row per chart family and reason', () => {
    const ecg = fixtureCells({ datasets: ['ecg5000'], generators: ['timegan', 'rnn'], epsilons: [1], seeds: [0] }).map((c) =>
      c.spec.generator === 'rnn' ? { ...c, extras: { ...c.extras, series: undefined } } : c,
    );
    const m = buildReport(fixtureManifest('s', ecg.map((c) => c.spec.id)), ecg);
    const t = m.sections.find((s) => s.id === 'status')!.tables[0];
    expect(t.rows).toEqual([['ecg5000', 'series bands', 'rnn', 'cells carry no extras.series']]);
  });

  it('renders table header groups in both formats', () => {
    const t = { title: 't', groups: [{ label: '', span: 1 }, { label: 'baseline', span: 2 }], columns: ['c', 'acc', 'auc'], rows: [['a', '0.5', '—']] };
    expect(markdownTable(t).split('\n')[0]).toBe('| c | baseline acc | baseline auc |');
    expect(htmlTable(t)).toContain('<th colspan="2" class="group">baseline</th>');
    expect(htmlTable(t)).toContain('<td class="num">0.5</td>');
  });
});

describe('extras', () => {
  const real = new Table(
    [
      { kind: 'numeric', name: 'x', values: Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), integer: false },
      { kind: 'numeric', name: 'y', values: Float64Array.from([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]), integer: false },
      { kind: 'categorical', name: 'c', codes: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), levels: ['a', 'b'] },
      { kind: 'categorical', name: 'label', codes: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), levels: ['0', '1'] },
    ],
    { target: 'label' },
  );
  const syn = new Table(
    [
      { kind: 'numeric', name: 'x', values: Float64Array.from([-5, 0, 0, 0, 0, 0, 0, 0, 9, 20]), integer: false },
      { kind: 'numeric', name: 'y', values: Float64Array.from([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]), integer: false },
      { kind: 'categorical', name: 'c', codes: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]), levels: ['a', 'b', 'z'] },
      { kind: 'categorical', name: 'label', codes: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), levels: ['0', '1'] },
    ],
    { target: 'label' },
  );

  it('marginals share bins fixed from the real data; out-of-range synthetic values land in the end bins', () => {
    const [x, , c] = computeMarginals(real, syn, { bins: 3 });
    expect(x.kind === 'numeric' && x.edges).toEqual([0, 3, 6, 9]);
    expect(x.real).toEqual([0.3, 0.3, 0.4]);
    expect(x.synthetic).toEqual([0.8, 0, 0.2]);
    expect(c.kind === 'categorical' && c.levels).toEqual(['a', 'b', 'z']);
    expect(c.real).toEqual([0.5, 0.5, 0]);
    expect(c.synthetic).toEqual([0.4, 0.3, 0.3]);
  });

  it('associations: Pearson r, Cramér’s V and the correlation ratio on known cases', () => {
    const corr = computeCorrelation(real, real);
    const i = (n: string) => corr.columns.indexOf(n);
    expect(corr.real[i('x')][i('y')]).toBeCloseTo(1, 12);
    expect(corr.real[i('c')][i('label')]).toBeCloseTo(1, 12);
    // η of x given c: between-group variance 62.5 of total 82.5.
    expect(corr.real[i('x')][i('c')]).toBeCloseTo(Math.sqrt(62.5 / 82.5), 12);
    expect(corr.synthetic).toEqual(corr.real);
  });

  it('series bands: per-step mean and std, overall and per target level', () => {
    const bands = computeSeriesBands(real, syn, { byTarget: true });
    expect(bands.map((b) => b.group)).toEqual(['all', 'label=0', 'label=1']);
    expect(bands[0].steps).toEqual(['x', 'y']);
    expect(bands[0].real.mean).toEqual([4.5, 9]);
    expect(bands[0].real.std[0]).toBeCloseTo(std([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 12);
    expect(bands[2].synthetic.mean[1]).toBe(2);
    expect(bands[1].real.n).toBe(5);
  });

  it('readExtras keeps well-formed artefacts and drops malformed ones', () => {
    const good = computeMarginals(real, syn);
    const e = readExtras({ marginals: [...good, { column: 'bad', kind: 'numeric', edges: [0], real: [1], synthetic: [1] }], correlation: { columns: ['a'], real: [[1]], synthetic: [[1]] }, series: 'nope' });
    expect(e.marginals!.map((m) => m.column)).toEqual(good.map((m) => m.column));
    expect(e.correlation).toBeUndefined();
    expect(e.series).toBeUndefined();
    expect(readExtras(undefined)).toEqual({});
  });
});
