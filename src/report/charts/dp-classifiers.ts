/**
 * DP classifiers (issue 12): each metric of `dp-logreg@ε`, `dp-gnb@ε`, ... against the classifier's own ε, with
 * its non-private counterpart (logreg, gnb) as a dashed horizontal line in the same colour — the thesis seed's
 * "DP models stay competitive" comparison — plus the gap table and the classifiers' own ledgers.
 * Rows come from non-private cells only (e.g. the `identity` generator), where the classifier's ε is the only
 * privacy in play; in private cells a DP classifier is one more TSTR classifier (the utility-vs-ε charts).
 */
import { stat, type LabelledCell } from '../aggregate.ts';
import type { CellResult } from '../cell.ts';
import { KIND_TITLE, METRIC_TITLE, preferredKind, utilityRows, UTILITY_METRICS, type UtilityRow } from '../records.ts';
import type { TableModel } from '../tables.ts';
import { emptySet, epsPanelChart, generatorColour, groupBy, round, slug, topLevel, type ChartSet } from './common.ts';

/** Non-private counterparts (mirrors DP_REFERENCE in src/eval/classifiers/index.ts; the report imports no eval code). */
const REFERENCE: Record<string, string> = { 'dp-logreg': 'logreg', 'dp-gnb': 'gnb', 'dp-logreg-op': 'logreg' };
const referenceOf = (model: string) => REFERENCE[model] ?? model.replace(/^dp-/, '').replace(/-op$/, '');

/** `dp-logreg@0.5` → {model: 'dp-logreg', epsilon: 0.5}; other names → null. */
export function parseDpName(name: string): { model: string; epsilon: number } | null {
  const m = /^(dp-[a-z0-9-]+)@(.+)$/.exec(name);
  if (!m) return null;
  const epsilon = Number(m[2]);
  return epsilon > 0 && Number.isFinite(epsilon) ? { model: m[1], epsilon } : null;
}

interface DpRows {
  setting: string;
  kind: string;
  dp: (UtilityRow & { model: string; classifierEpsilon: number })[];
  refs: UtilityRow[];
}

/**
 * DP classifier rows per setting from non-private cells, with the reference classifiers' rows of the same
 * cells. TRTR does not depend on the generator, so it is taken from one generator only.
 */
function dpRows(cells: LabelledCell[]): DpRows[] {
  const nonPrivate = cells.filter((c) => c.epsilon === null);
  const all = utilityRows(nonPrivate);
  const withDp = all.filter((r) => parseDpName(r.classifier));
  const kind = preferredKind(withDp);
  if (!kind) return [];
  const out: DpRows[] = [];
  for (const setting of ['TRTR', 'TSTR', 'TSTS']) {
    let rows = all.filter((r) => r.kind === kind && r.setting === setting);
    const gens = [...new Set(rows.filter((r) => parseDpName(r.classifier)).map((r) => r.generator))].sort();
    if (!gens.length) continue;
    const groups = setting === 'TRTR' ? [gens[0]] : gens;
    for (const g of groups) {
      rows = all.filter((r) => r.kind === kind && r.setting === setting && r.generator === g);
      const dp = rows.flatMap((r) => {
        const p = parseDpName(r.classifier);
        return p ? [{ ...r, model: p.model, classifierEpsilon: p.epsilon }] : [];
      });
      const refNames = new Set(dp.map((r) => referenceOf(r.model)));
      out.push({ setting: setting === 'TRTR' || groups.length === 1 ? setting : `${setting} · ${g}`, kind, dp, refs: rows.filter((r) => refNames.has(r.classifier)) });
    }
  }
  return out;
}

export function dpClassifierCharts(dataset: string, cells: LabelledCell[]): ChartSet {
  const set = emptySet();
  for (const part of dpRows(cells)) {
    const models = [...new Set(part.dp.map((r) => r.model))].sort();
    const rowsOut = { seeds: [] as { generator: string; epsilon: number; panel: string; value: number }[], means: [] as { generator: string; epsilon: number; panel: string; value: number; lo: number; hi: number; n: number }[], refs: [] as { generator: string; panel: string; ref: string; value: number }[] };
    for (const r of part.dp) rowsOut.seeds.push({ generator: r.model, epsilon: r.classifierEpsilon, panel: METRIC_TITLE[r.metric], value: r.value });
    for (const [, g] of groupBy(part.dp, (r) => `${r.model}|${r.classifierEpsilon}|${r.metric}`)) {
      const s = stat(g.map((r) => r.value))!;
      rowsOut.means.push({ generator: g[0].model, epsilon: g[0].classifierEpsilon, panel: METRIC_TITLE[g[0].metric], value: round(s.mean), lo: round(s.mean - s.std), hi: round(s.mean + s.std), n: s.n });
    }
    // One dashed line per non-private model, in the colour of the first DP model it is the counterpart of
    // (dp-logreg and dp-logreg-op share logreg's line); the dash pattern names it in the legend.
    const refLabels: string[] = [];
    for (const model of models) {
      const ref = referenceOf(model);
      const label = `${ref} (non-private)`;
      if (refLabels.includes(label)) continue;
      refLabels.push(label);
      for (const [, g] of groupBy(part.refs.filter((r) => r.classifier === ref), (r) => r.metric)) {
        rowsOut.refs.push({ generator: model, panel: METRIC_TITLE[g[0].metric], ref: label, value: round(stat(g.map((r) => r.value))!.mean) });
      }
    }
    const panels = UTILITY_METRICS.filter((m) => part.dp.some((r) => r.metric === m)).map((m) => METRIC_TITLE[m]);
    const { values, body } = epsPanelChart(rowsOut, {
      panelTitle: null,
      panels,
      yTitle: 'score',
      colour: generatorColour(models, false, 'DP classifier'),
      dash: { domain: refLabels, range: DASHES.slice(0, refLabels.length) },
    });
    const title = `${dataset}: DP classifiers vs their ε (${part.setting})`;
    const refText = models.map((m) => `${m} → ${referenceOf(m)}`).join(', ');
    set.charts.push({
      id: slug('dp-classifiers', dataset, part.setting),
      family: 'dp-classifiers',
      title,
      caption: `Accuracy, ROC AUC, F1 and recall of the differentially private classifiers as their own privacy budget grows (${part.setting}, ${KIND_TITLE[part.kind as 'baseline' | 'cv']} scores); dashed lines are the non-private counterparts (${refText}).`,
      dataset,
      spec: topLevel(title, `Line: mean over seeds; bar: ±1 std; dots: seeds; dashed: the same model without privacy (${refText}).`, values, body),
    });
  }
  return set;
}

const DASHES = [[6, 4], [2, 2], [8, 3, 2, 3], [1, 3], [10, 2]];
const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

/** Mean (± std over seeds) of each DP classifier per ε and its gap to the non-private counterpart. */
export function dpGapTable(dataset: string, cells: LabelledCell[]): TableModel | null {
  const parts = dpRows(cells);
  if (!parts.length) return null;
  const rows: string[][] = [];
  for (const part of parts) {
    const refMean = (name: string, metric: string) => stat(part.refs.filter((r) => r.classifier === name && r.metric === metric).map((r) => r.value))?.mean ?? null;
    const keys = [...groupBy(part.dp, (r) => `${r.model}|${r.classifierEpsilon}`).values()].sort((a, b) => a[0].model.localeCompare(b[0].model) || a[0].classifierEpsilon - b[0].classifierEpsilon);
    for (const g of keys) {
      const { model, classifierEpsilon } = g[0];
      const ref = referenceOf(model);
      const row = [part.setting, model, String(classifierEpsilon)];
      for (const metric of UTILITY_METRICS) {
        const s = stat(g.filter((r) => r.metric === metric).map((r) => r.value));
        const base = refMean(ref, metric);
        row.push(s ? (s.n > 1 ? `${f3(s.mean)} ± ${f3(s.std)}` : f3(s.mean)) : '—');
        row.push(s && base !== null ? signed(s.mean - base) : '—');
      }
      row.push(String(stat(g.filter((r) => r.metric === 'accuracy').map((r) => r.value))?.n ?? 0));
      rows.push(row);
    }
  }
  const columns = ['setting', 'DP classifier', 'ε'];
  for (const m of UTILITY_METRICS) columns.push(METRIC_TITLE[m], `Δ ${METRIC_TITLE[m]}`);
  columns.push('seeds');
  return {
    title: `${dataset}: DP classifiers vs their non-private counterparts`,
    note: 'Mean ± std over seeds; Δ = DP mean − non-private mean (dp-logreg and dp-logreg-op vs logreg, dp-gnb vs gnb). Each DP fit spends its own budget ε (privacy.delta for δ).',
    columns,
    rows,
  };
}

interface StoredDpLedger {
  classifier: string;
  fits: number;
  budget: { epsilon: number; delta: number };
  maxSpent: number;
  entries: { what: string; mechanism: string; epsilon: number; delta: number; accountant?: string; params?: Record<string, unknown> }[];
}

function readDpLedgers(c: CellResult): StoredDpLedger[] {
  const v = c.extras?.dpClassifiers;
  return Array.isArray(v) ? (v as StoredDpLedger[]).filter((l) => l && typeof l.classifier === 'string' && Array.isArray(l.entries)) : [];
}

/** The DP classifiers' own ledgers: one row per cell × classifier, entries of its first fit. */
export function dpLedgerTable(cells: CellResult[]): TableModel | null {
  const rows: string[][] = [];
  for (const c of cells) {
    for (const l of readDpLedgers(c)) {
      const within = l.maxSpent <= l.budget.epsilon * (1 + 1e-9) ? 'yes' : 'NO';
      const paid = l.entries
        .map((e) => {
          const p = e.params ?? {};
          const detail = ['sigma', 'scale', 'steps', 'q'].filter((k) => typeof p[k] === 'number').map((k) => `${k}=${Number(p[k]).toPrecision(3)}`);
          return `${e.what} (${e.mechanism}${e.accountant ? `/${e.accountant}` : ''}, ε=${e.epsilon.toPrecision(4)}${e.delta ? `, δ=${e.delta.toExponential(1)}` : ''}${detail.length ? `; ${detail.join(', ')}` : ''})`;
        })
        .join('; ');
      rows.push([c.spec.id, l.classifier, String(l.budget.epsilon), l.maxSpent.toPrecision(4), String(l.fits), within, paid]);
    }
  }
  if (!rows.length) return null;
  return {
    title: 'DP classifiers: their own ledgers',
    note: 'Every fit of a DP classifier has its own ledger with the classifier\'s budget (separate from the generator\'s); "spent ε" is the largest over the cell\'s fits (holdout fit or CV folds).',
    columns: ['cell', 'classifier', 'budget ε', 'spent ε', 'fits', 'within budget', 'paid for (first fit)'],
    rows,
  };
}
