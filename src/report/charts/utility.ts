/**
 * Utility charts: classifier scores of TSTR vs ε per generator (thesis Fig. 1: "increasing the privacy
 * budget, the model performance increases"), and TRTR vs TSTR vs TSTS bars.
 */
import { epsShort, stat, type LabelledCell } from '../aggregate.ts';
import { KIND_TITLE, METRIC_TITLE, preferredKind, utilityRows, type UtilityMetric, type UtilityRow } from '../records.ts';
import { emptySet, epsLabels, epsPanelChart, generatorColour, generatorsOf, groupBy, labelLinesExpr, labelLinesWidth, REAL, round, slug, topLevel, type ChartSet, type EpsPanelRows } from './common.ts';

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

const SETTING_COLOURS = { domain: ['TRTR', 'TSTR', 'TSTS'], range: ['#333333', '#4e79a7', '#f28e2b'] };

/** One chart per classifier metric: TSTR score vs ε, a panel per classifier, seeds as dots, ±1 std as bars. */
export function utilityVsEpsilon(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const all = utilityRows(cells);
  const kind = preferredKind(all.filter((r) => r.setting === 'TSTR'));
  const title = 'Utility vs ε';
  if (!kind) {
    set.skipped.push({ family: 'utility-vs-epsilon', title, dataset, reason: 'no TSTR utility scores stored' });
    return set;
  }
  const gens = generatorsOf(cells);
  for (const metric of ['accuracy', 'auc', 'f1', 'recall'] as UtilityMetric[]) {
    const rows = all.filter((r) => r.kind === kind && r.metric === metric);
    const priv = rows.filter((r) => r.setting === 'TSTR' && r.epsilon !== null);
    const t = `${dataset}: ${METRIC_TITLE[metric]} (TSTR) vs ε`;
    if (!priv.length) {
      if (rows.some((r) => r.setting === 'TSTR'))
        set.skipped.push({ family: 'utility-vs-epsilon', title: t, dataset, reason: `no ${METRIC_TITLE[metric]} TSTR scores at a finite ε (only non-private cells)` });
      continue;
    }
    const rowsOut: EpsPanelRows = { seeds: [], means: [], refs: [] };
    for (const r of priv) rowsOut.seeds.push({ generator: r.generator, epsilon: r.epsilon!, panel: r.classifier, value: r.value });
    for (const [, g] of groupBy(priv, (r) => `${r.generator}|${r.epsilon}|${r.classifier}`)) {
      const s = stat(g.map((r) => r.value))!;
      rowsOut.means.push({ generator: g[0].generator, epsilon: g[0].epsilon!, panel: g[0].classifier, value: round(s.mean), lo: round(s.mean - s.std), hi: round(s.mean + s.std), n: s.n });
    }
    const refs = (rs: UtilityRow[], generator: (r: UtilityRow) => string, ref: string) => {
      for (const [, g] of groupBy(rs, (r) => `${generator(r)}|${r.classifier}`))
        rowsOut.refs.push({ ref, generator: generator(g[0]), panel: g[0].classifier, value: round(stat(g.map((r) => r.value))!.mean) });
    };
    refs(rows.filter((r) => r.setting === 'TSTR' && r.epsilon === null), (r) => r.generator, 'non-private');
    refs(rows.filter((r) => r.setting === 'TRTR'), () => REAL, REAL);
    const panels = [...new Set(priv.map((r) => r.classifier))].sort();
    const { values, body } = epsPanelChart(rowsOut, { panelTitle: 'classifier', panels, yTitle: METRIC_TITLE[metric], colour: generatorColour(gens, true), dash: { domain: ['non-private', REAL], range: [[6, 4], [2, 2]] } });
    const spec = topLevel(t, `Classifiers trained on synthetic data, tested on real (${KIND_TITLE[kind]} scores). Line: mean over seeds; bar: ±1 std; dots: seeds; dashed: non-private references.`, values, body);
    set.charts.push({
      id: slug('utility-vs-epsilon', dataset, metric),
      family: 'utility-vs-epsilon',
      title: t,
      caption: `${cap(METRIC_TITLE[metric])} of each classifier trained on synthetic data and tested on real data, as the privacy budget grows; dashed lines are the same generator without privacy and the real-data ceiling (TRTR).`,
      dataset,
      spec,
    });
  }
  return set;
}

/** TRTR vs TSTR vs TSTS bars per generator and ε (AUC when stored, else accuracy). */
export function settingBars(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  const all = utilityRows(cells);
  const kind = preferredKind(all);
  const title = `${dataset}: TRTR vs TSTR vs TSTS`;
  if (!kind) {
    set.skipped.push({ family: 'settings', title, dataset, reason: 'no utility scores stored' });
    return set;
  }
  const metric: UtilityMetric = all.some((r) => r.kind === kind && r.metric === 'auc') ? 'auc' : 'accuracy';
  const rows = all.filter((r) => r.kind === kind && r.metric === metric);
  const values: object[] = [];
  for (const [, g] of groupBy(rows, (r) => `${r.generator}|${r.epsilon}|${r.setting}|${r.classifier}`)) {
    const s = stat(g.map((r) => r.value))!;
    values.push({ generator: g[0].generator, eps: epsShort(g[0].epsilon), setting: g[0].setting, classifier: g[0].classifier, value: round(s.mean), lo: round(s.mean - s.std), hi: round(s.mean + s.std), n: s.n });
  }
  const settings = SETTING_COLOURS.domain.filter((s) => rows.some((r) => r.setting === s));
  const x = { field: 'eps', type: 'nominal', title: 'ε', sort: epsLabels(cells), axis: { labelAngle: 0 } };
  const xOffset = { field: 'setting', type: 'nominal', sort: settings };
  const gens = generatorsOf(cells);
  const labelExpr = labelLinesExpr(gens);
  // Panels at least as wide as their (wrapped) generator label, so neighbouring headers do not overprint.
  const step = Math.max(9, Math.ceil((labelLinesWidth(gens) * 6.5) / (epsLabels(cells).length * (settings.length + 1))));
  const spec = topLevel(title, `${METRIC_TITLE[metric]} (${KIND_TITLE[kind]} scores), mean over seeds with ±1 std. TRTR: real→real; TSTR: synthetic→real; TSTS: synthetic→synthetic.`, values, {
    facet: { column: { field: 'generator', type: 'nominal', title: 'generator', sort: gens, ...(labelExpr ? { header: { labelExpr } } : {}) }, row: { field: 'classifier', type: 'nominal', title: 'classifier' } },
    spec: {
      width: { step },
      height: 150,
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            x,
            xOffset,
            y: { field: 'value', type: 'quantitative', title: METRIC_TITLE[metric] },
            color: { field: 'setting', type: 'nominal', title: 'setting', scale: SETTING_COLOURS },
            tooltip: [{ field: 'generator' }, { field: 'eps', title: 'ε' }, { field: 'setting' }, { field: 'value', format: '.3f' }, { field: 'n', title: 'seeds' }],
          },
        },
        { mark: { type: 'rule', color: '#000', opacity: 0.6 }, encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      ],
    },
  });
  set.charts.push({
    id: slug('settings', dataset),
    family: 'settings',
    title,
    caption: `${cap(METRIC_TITLE[metric])} when training and testing on real (TRTR), synthetic→real (TSTR) and synthetic→synthetic (TSTS), per generator and ε. A TSTS far above TSTR means the synthetic data is self-consistent but unlike the real data.`,
    dataset,
    spec,
  });
  return set;
}
