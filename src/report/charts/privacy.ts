/**
 * Privacy charts: attack success vs ε (thesis Fig. 2, DCR share vs ε), the empirical-ε audit, and the
 * risk–utility map (Duncan et al.: one point per generator × ε, utility against disclosure risk).
 */
import { epsShort, stat, type LabelledCell } from '../aggregate.ts';
import { attackRows, isDcr, KIND_TITLE, METRIC_TITLE, preferredKind, utilityRows, type AttackRow } from '../records.ts';
import { emptySet, epsAxis, epsPanelChart, filterRole, generatorColour, generatorsOf, groupBy, REAL, round, slug, topLevel, type ChartSet, type EpsPanelRows } from './common.ts';

function measureLabel(r: AttackRow): string {
  if (r.measure === 'auc') return `${r.attack}: AUC`;
  return isDcr(r.attack) ? `${r.attack}: share closer to train` : `${r.attack}: value`;
}

/** DCR share and attack AUCs vs ε, one panel per measure; 0.5 is "no membership signal" for both. */
export function attackVsEpsilon(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset}: attack success vs ε`;
  const rows = attackRows(cells).filter((r) => r.measure === 'value' || r.measure === 'auc');
  const priv = rows.filter((r) => r.epsilon !== null);
  if (!priv.length) {
    set.skipped.push({ family: 'attacks-vs-epsilon', title, dataset, reason: rows.length ? 'attack results only for non-private cells' : 'no attack results stored (evaluation.attacks empty or not run)' });
    return set;
  }
  const rowsOut: EpsPanelRows = { seeds: [], means: [], refs: [], guides: [] };
  for (const r of priv) rowsOut.seeds.push({ generator: r.generator, epsilon: r.epsilon!, panel: measureLabel(r), value: r.value });
  for (const [, g] of groupBy(priv, (r) => `${r.generator}|${r.epsilon}|${measureLabel(r)}`)) {
    const s = stat(g.map((r) => r.value))!;
    rowsOut.means.push({ generator: g[0].generator, epsilon: g[0].epsilon!, panel: measureLabel(g[0]), value: round(s.mean), lo: round(s.mean - s.std), hi: round(s.mean + s.std), n: s.n });
  }
  const measures = [...new Set(priv.map(measureLabel))].sort();
  for (const [, g] of groupBy(rows.filter((r) => r.epsilon === null), (r) => `${r.generator}|${measureLabel(r)}`)) {
    if (!measures.includes(measureLabel(g[0]))) continue;
    rowsOut.refs.push({ ref: 'non-private', generator: g[0].generator, panel: measureLabel(g[0]), value: round(stat(g.map((r) => r.value))!.mean) });
  }
  for (const m of measures) rowsOut.guides!.push({ ref: 'no signal (0.5)', panel: m, value: 0.5 });
  const { values, body } = epsPanelChart(rowsOut, {
    panelTitle: null,
    panels: measures,
    yTitle: 'attack success',
    colour: generatorColour(generatorsOf(cells)),
    dash: { domain: ['non-private', 'no signal (0.5)'], range: [[6, 4], [2, 2]] },
  });
  const spec = topLevel(title, 'DCR share: fraction of synthetic records closer to a training record than to a holdout record. AUC: membership-inference ROC AUC. 0.5 = no signal.', values, body);
  set.charts.push({
    id: slug('attacks-vs-epsilon', dataset),
    family: 'attacks-vs-epsilon',
    title,
    caption: 'Membership-inference success against each generator as the privacy budget grows: values near 0.5 mean an attacker cannot tell training records from holdout records.',
    dataset,
    spec,
  });
  return set;
}

/** Empirical ε lower bounds from attacks against the nominal ε (a correct DP implementation stays below y = x). */
export function auditChart(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset}: empirical ε lower bound vs nominal ε`;
  const rows = attackRows(cells).filter((r) => r.measure === 'epsilonLower' && r.epsilon !== null);
  if (!rows.length) {
    set.skipped.push({ family: 'audit', title, dataset, reason: 'no empirical ε lower bounds stored for private cells' });
    return set;
  }
  const values: object[] = [];
  for (const [, g] of groupBy(rows, (r) => `${r.generator}|${r.epsilon}|${r.attack}`)) {
    const s = stat(g.map((r) => r.value))!;
    values.push({ role: 'point', generator: g[0].generator, epsilon: g[0].epsilon, attack: g[0].attack, value: round(s.mean), max: round(s.max), n: s.n });
  }
  const eps = [...new Set(rows.map((r) => r.epsilon!))].sort((a, b) => a - b);
  const lo = eps[0] / (eps.length === 1 ? 2 : 1);
  const hi = eps[eps.length - 1] * (eps.length === 1 ? 2 : 1);
  // y = x sampled along the log axis so it draws as the bound it is.
  for (let i = 0; i <= 24; i++) values.push({ role: 'diagonal', epsilon: lo * (hi / lo) ** (i / 24), value: lo * (hi / lo) ** (i / 24) });
  const x = epsAxis(eps);
  const colour = generatorColour(generatorsOf(cells));
  const spec = topLevel(title, 'Max over thresholds of the Clopper–Pearson 95% lower bound; points above the dashed y = x line would contradict the claimed ε.', values, {
    width: 320,
    height: 240,
    layer: [
      { transform: [filterRole('diagonal')], mark: { type: 'line', color: '#888', strokeDash: [4, 4] }, encoding: { x, y: { field: 'value', type: 'quantitative' } } },
      {
        transform: [filterRole('point')],
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'empirical ε lower bound' },
          color: colour,
          shape: { field: 'attack', type: 'nominal', title: 'attack' },
          tooltip: [{ field: 'generator' }, { field: 'attack' }, { field: 'epsilon', title: 'nominal ε' }, { field: 'value', format: '.3f', title: 'mean bound' }, { field: 'max', format: '.3f' }],
        },
      },
    ],
  });
  set.charts.push({ id: slug('audit', dataset), family: 'audit', title, caption: 'How much privacy loss the attacks can demonstrate (a lower bound) compared with what the accountant claims (the nominal ε).', dataset, spec });
  return set;
}

/** Utility (TSTR AUC, mean over classifiers) against disclosure risk (strongest MIA AUC, else DCR share). */
export function riskUtilityMap(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const title = `${dataset}: risk–utility map`;
  const urows = utilityRows(cells);
  const kind = preferredKind(urows.filter((r) => r.setting === 'TSTR'));
  const arows = attackRows(cells);
  const useAuc = arows.some((r) => r.measure === 'auc');
  const riskRows = arows.filter((r) => (useAuc ? r.measure === 'auc' : r.measure === 'value' && isDcr(r.attack)));
  if (!kind || !riskRows.length) {
    set.skipped.push({ family: 'risk-utility', title, dataset, reason: !kind ? 'no TSTR utility scores stored' : 'no attack AUC or DCR share stored' });
    return set;
  }
  const umetric = urows.some((r) => r.kind === kind && r.setting === 'TSTR' && r.metric === 'auc') ? 'auc' : 'accuracy';
  // Per cell: utility averaged over classifiers, risk = the strongest attack.
  const perCell: { generator: string; epsilon: number | null; u: number; r: number }[] = [];
  for (const lc of cells) {
    const us = utilityRows([lc]).filter((r) => r.setting === 'TSTR' && r.kind === kind && r.metric === umetric).map((r) => r.value);
    const rs = attackRows([lc]).filter((r) => (useAuc ? r.measure === 'auc' : r.measure === 'value' && isDcr(r.attack))).map((r) => r.value);
    if (us.length && rs.length) perCell.push({ generator: lc.generator, epsilon: lc.epsilon, u: stat(us)!.mean, r: Math.max(...rs) });
  }
  if (!perCell.length) {
    set.skipped.push({ family: 'risk-utility', title, dataset, reason: 'no cell has both TSTR utility and an attack result' });
    return set;
  }
  const values: object[] = [];
  for (const [, g] of groupBy(perCell, (p) => `${p.generator}|${p.epsilon}`)) {
    const u = stat(g.map((p) => p.u))!;
    const r = stat(g.map((p) => p.r))!;
    values.push({ role: 'point', generator: g[0].generator, eps: g[0].epsilon === null ? '∞' : epsShort(g[0].epsilon), privacy: g[0].epsilon === null ? 'non-private' : 'private', utility: round(u.mean), risk: round(r.mean), n: u.n });
  }
  const trtr = stat(urows.filter((r) => r.setting === 'TRTR' && r.kind === kind && r.metric === umetric).map((r) => r.value));
  if (trtr) values.push({ role: 'real', utility: round(trtr.mean) });
  values.push({ role: 'chance', risk: 0.5 });
  const riskTitle = useAuc ? 'risk: strongest membership-inference AUC' : 'risk: DCR share (closer to train)';
  const x = { field: 'risk', type: 'quantitative', title: riskTitle, scale: { zero: false, padding: 16 }, axis: { tickCount: 6 } };
  const y = { field: 'utility', type: 'quantitative', title: `utility: TSTR ${METRIC_TITLE[umetric]}`, scale: { zero: false } };
  const colour = generatorColour(generatorsOf(cells));
  const spec = topLevel(title, `One point per generator × ε (label: ε, ∞ = non-private; mean over seeds; ${KIND_TITLE[kind]} scores). Utility is the mean over classifiers. Up = more useful, left = less disclosive; the dotted line is the real-data utility (TRTR), the grey line 0.5 = no attack signal.`, values, {
    width: 380,
    height: 300,
    layer: [
      { transform: [filterRole('chance')], mark: { type: 'rule', color: '#aaa' }, encoding: { x } },
      ...(trtr ? [{ transform: [filterRole('real')], mark: { type: 'rule', color: '#333', strokeDash: [2, 2] }, encoding: { y } }] : []),
      {
        transform: [filterRole('point')],
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y,
          color: colour,
          shape: { field: 'privacy', type: 'nominal', title: 'cell', scale: { domain: ['private', 'non-private'], range: ['circle', 'diamond'] } },
          tooltip: [{ field: 'generator' }, { field: 'eps', title: 'ε' }, { field: 'utility', format: '.3f' }, { field: 'risk', format: '.3f' }, { field: 'n', title: 'seeds' }],
        },
      },
      { transform: [filterRole('point')], mark: { type: 'text', dx: 7, align: 'left', fontSize: 9 }, encoding: { x, y, text: { field: 'eps' }, color: colour } },
    ],
  });
  set.charts.push({
    id: slug('risk-utility', dataset),
    family: 'risk-utility',
    title,
    caption: `The risk–utility map (Duncan et al.): each generator × ε is a point; the best trade-offs lie towards the top left. ${trtr ? `Real-data utility: ${REAL} = ${trtr.mean.toFixed(3)}.` : ''}`.trim(),
    dataset,
    spec,
  });
  return set;
}
