/**
 * Table builders shared by report.md and report.html: a neutral model (header groups, columns, string
 * rows) that each output format renders. Numbers are mean ± std over seeds; a missing value is "—" with
 * its reason in the table note.
 */
import type { ScoreKind, Setting, UtilityScore } from '../eval/types.ts';
import type { CellResult } from './cell.ts';
import { compareLabels, epsOrder, fmt, summarise, variantLabels, type LabelledCell } from './aggregate.ts';
import { isPerColumnMetric, metricRows, UTILITY_METRICS } from './records.ts';

export interface TableModel {
  title: string;
  note?: string;
  /** Optional header row above the columns: labels spanning consecutive columns. */
  groups?: { label: string; span: number }[];
  columns: string[];
  rows: string[][];
}

/** Collects the distinct reasons behind "—" cells of one table. */
class Reasons {
  private seen = new Set<string>();
  value(values: (number | null | undefined)[], reasons: (string | undefined)[], digits = 3): string {
    const s = summarise(values, reasons);
    if (s.reason) this.seen.add(s.reason);
    if (s.mean === null) return '—';
    const text = fmt({ ...s, reason: undefined }, digits);
    return s.missing ? `${text} (${s.n} of ${s.n + s.missing})` : text;
  }
  note(): string | undefined {
    return this.seen.size ? `Missing values: ${[...this.seen].join('; ')}.` : undefined;
  }
}

const byEps = (a: LabelledCell, b: LabelledCell) => epsOrder(a.epsilon) - epsOrder(b.epsilon);
const epsCell = (e: number | null) => (e === null ? 'non-private' : String(e));

function groupMap<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    (m.get(k) ?? m.set(k, []).get(k)!).push(it);
  }
  return m;
}

const SETTINGS: Setting[] = ['TRTR', 'TSTR', 'TSTS'];
const KIND_HEADER: Record<ScoreKind, string> = { baseline: 'baseline', cv: 'cross validation' };
const METRIC_HEADER = { accuracy: 'accuracy', auc: 'AUC', f1: 'F1', recall: 'recall' } as const;

/**
 * The thesis' Table 1 layout for one generator: rows classifier × setting × ε, columns accuracy/AUC/F1/
 * recall under "baseline" and "cross validation". TRTR does not depend on ε, so it is one row per classifier.
 */
export function utilityTable(dataset: string, generator: string, cells: LabelledCell[]): TableModel | null {
  const scores = cells.flatMap((lc) => lc.cell.utility.map((u) => ({ lc, u })));
  if (!scores.length) return null;
  const kinds = (['baseline', 'cv'] as ScoreKind[]).filter((k) => scores.some((s) => s.u.kind === k));
  const classifiers = [...new Set(scores.map((s) => s.u.classifier))].sort();
  const reasons = new Reasons();
  const rows: string[][] = [];
  const eps = [...new Map([...cells].sort(byEps).map((c) => [String(c.epsilon), c.epsilon])).values()];
  for (const clf of classifiers)
    for (const setting of SETTINGS) {
      const epsRows = setting === 'TRTR' ? [undefined] : eps;
      for (const e of epsRows) {
        const sel = scores.filter((s) => s.u.classifier === clf && s.u.setting === setting && (e === undefined || s.lc.epsilon === e));
        if (!sel.length) continue;
        const row = [clf, setting, e === undefined ? '—' : epsCell(e)];
        for (const kind of kinds) {
          const us: UtilityScore[] = sel.filter((s) => s.u.kind === kind).map((s) => s.u);
          for (const m of UTILITY_METRICS) row.push(us.length ? reasons.value(us.map((u) => u[m]), us.map((u) => u.reason)) : '');
        }
        row.push(String(new Set(sel.map((s) => s.lc.cell.spec.id)).size));
        rows.push(row);
      }
    }
  return {
    title: `${dataset} · ${generator}: utility (thesis Table 1 layout)`,
    note: [`Mean ± std over seeds; "n of m": seeds with a value.`, reasons.note()].filter(Boolean).join(' '),
    groups: [{ label: '', span: 3 }, ...kinds.map((k) => ({ label: KIND_HEADER[k], span: 4 })), { label: '', span: 1 }],
    columns: ['classifier', 'setting', 'ε', ...kinds.flatMap(() => UTILITY_METRICS.map((m) => METRIC_HEADER[m])), 'cells'],
    rows,
  };
}

/** Whole-table metric families, each its own table (rows generator × ε, a column per metric variant). */
const METRIC_FAMILIES: { title: string; test: (name: string) => boolean; note: string }[] = [
  { title: 'pMSE', test: (n) => /^pmse/i.test(n), note: 'pMSE: propensity mean squared error per propensity model (0 = indistinguishable); pmse_ratio: pMSE over its null expectation (≈ 1 = as good as chance).' },
  { title: 'SRA', test: (n) => /^sra/i.test(n), note: 'SRA: share of classifier pairs ranked the same on synthetic and real data (1 = same ranking), per score and scoring scheme.' },
  { title: 'other fidelity metrics', test: () => true, note: '' },
];

/**
 * Whole-table metrics per generator × ε: pMSE, SRA, and the rest (means over columns, correlation
 * differences, ...). A metric stored only as nulls still gets its column, with the reason in the note.
 */
export function fidelityTables(dataset: string, cells: LabelledCell[]): TableModel[] {
  const stored = cells.flatMap((lc) => lc.cell.metrics);
  const variants = groupMap(stored, (m) => m.name);
  const names = [...variants.keys()].filter((n) => !isPerColumnMetric(n, new Set(variants.get(n)!.map((m) => m.variant ?? ''))));
  const used = new Set<string>();
  const out: TableModel[] = [];
  for (const fam of METRIC_FAMILIES) {
    const mine = names.filter((n) => !used.has(n) && fam.test(n));
    mine.forEach((n) => used.add(n));
    const keys = [...new Set(stored.filter((m) => mine.includes(m.name)).map((m) => `${m.name}|${m.variant ?? ''}`))].sort();
    if (!keys.length) continue;
    const reasons = new Reasons();
    const rows: string[][] = [];
    for (const [, g] of groupMap([...cells].sort(byEps), (c) => `${c.generator}|${c.epsilon}`)) {
      const row = [g[0].generator, epsCell(g[0].epsilon)];
      for (const k of keys) {
        const vals = g.map((lc) => lc.cell.metrics.find((m) => `${m.name}|${m.variant ?? ''}` === k));
        row.push(reasons.value(vals.map((v) => v?.value ?? null), vals.map((v) => v?.reason), 4));
      }
      rows.push(row);
    }
    rows.sort((a, b) => compareLabels(a[0], b[0]));
    out.push({
      title: `${dataset}: ${fam.title} per ε`,
      note: ['Mean ± std over seeds.', fam.note, reasons.note()].filter(Boolean).join(' '),
      columns: ['generator', 'ε', ...keys.map((k) => (k.split('|')[1] ? `${k.split('|')[0]} (${k.split('|')[1]})` : k.split('|')[0]))],
      rows,
    });
  }
  return out;
}

export const MAX_TABLE_COLUMNS = 12;

/** Per-column metrics (TVD, KS, ...): one table per metric, rows generator × ε, columns the data columns. */
export function perColumnTables(dataset: string, cells: LabelledCell[]): TableModel[] {
  const rows = metricRows(cells);
  const out: TableModel[] = [];
  for (const [name, rs] of groupMap(rows, (r) => r.name)) {
    const cols = [...new Set(rs.map((r) => r.variant))];
    if (!isPerColumnMetric(name, new Set(cols))) continue;
    const shown = cols.length <= MAX_TABLE_COLUMNS ? cols : [];
    const table: string[][] = [];
    for (const [, g] of groupMap(rs, (r) => `${r.generator}|${r.epsilon}`)) {
      const perSeedMean = [...groupMap(g, (r) => String(r.seed)).values()].map((s) => s.reduce((a, r) => a + r.value, 0) / s.length);
      const perSeedMax = [...groupMap(g, (r) => String(r.seed)).values()].map((s) => Math.max(...s.map((r) => r.value)));
      const row = [g[0].generator, epsCell(g[0].epsilon), fmt(summarise(perSeedMean), 4), fmt(summarise(perSeedMax), 4)];
      for (const c of shown) row.push(fmt(summarise(g.filter((r) => r.variant === c).map((r) => r.value)), 4));
      table.push(row);
    }
    table.sort((a, b) => compareLabels(a[0], b[0]) || epsOrder(a[1] === 'non-private' ? null : Number(a[1])) - epsOrder(b[1] === 'non-private' ? null : Number(b[1])));
    out.push({
      title: `${dataset}: ${name} per column`,
      note: `Mean ± std over seeds.${shown.length ? '' : ` ${cols.length} columns: only the mean and the worst column are shown.`}`,
      columns: ['generator', 'ε', 'mean over columns', 'worst column', ...shown],
      rows: table,
    });
  }
  return out;
}

/** Attack results per generator × ε × attack. */
export function attackTable(dataset: string, cells: LabelledCell[]): TableModel | null {
  const names = [...new Set(cells.flatMap((c) => c.cell.attacks.map((a) => a.attack)))].sort();
  if (!names.length) return null;
  const reasons = new Reasons();
  const rows: string[][] = [];
  for (const [, g] of groupMap([...cells].sort(byEps), (c) => `${c.generator}|${c.epsilon}`))
    for (const name of names) {
      const vals = g.map((c) => c.cell.attacks.find((a) => a.attack === name));
      if (!vals.some(Boolean)) continue;
      const f = (k: 'value' | 'auc' | 'tprAt1' | 'tprAt10' | 'advantage' | 'epsilonLower') => reasons.value(vals.map((v) => (v?.[k] as number | null | undefined) ?? null), vals.map((v) => v?.reason));
      rows.push([g[0].generator, epsCell(g[0].epsilon), name, f('value'), f('auc'), f('tprAt1'), f('tprAt10'), f('advantage'), f('epsilonLower')]);
    }
  rows.sort((a, b) => compareLabels(a[0], b[0]));
  return {
    title: `${dataset}: privacy attacks`,
    note: ['Mean ± std over seeds. value: the attack’s headline number (DCR share for dcr attacks); empirical ε ≥: Clopper–Pearson 95% lower bound, compare with the nominal ε.', reasons.note()].filter(Boolean).join(' '),
    columns: ['generator', 'nominal ε', 'attack', 'value', 'AUC', 'TPR@1% FPR', 'TPR@10% FPR', 'advantage', 'empirical ε ≥'],
    rows,
  };
}

/** Entries grouped by kind ("marginal histogram: age" → "marginal histogram"), with count and Σε. */
export function ledgerSummary(entries: { what: string; mechanism: string; epsilon: number; delta: number }[]): string {
  const groups = new Map<string, { n: number; eps: number; mechanism: string }>();
  for (const e of entries) {
    const kind = `${e.what.split(':')[0]}|${e.mechanism}`;
    const g = groups.get(kind) ?? { n: 0, eps: 0, mechanism: e.mechanism };
    g.n++;
    g.eps += e.epsilon;
    groups.set(kind, g);
  }
  return [...groups.entries()]
    .map(([k, g]) => `${g.n > 1 ? `${g.n} × ` : ''}${k.split('|')[0]} (${g.mechanism}${g.mechanism === 'public' ? '' : `, Σε=${g.eps.toPrecision(3)}`})`)
    .join('; ');
}

/**
 * Cell ids carry a hash of the options (`inn-3fa2b1`), which does not say which variant a cell is: with
 * several variants of a generator, per-cell tables get a column with the variant label after the id.
 */
function withVariantColumn(cells: CellResult[], table: TableModel): TableModel {
  const labels = variantLabels(cells);
  if (cells.every((c) => labels.get(c) === c.spec.generator)) return table;
  return { ...table, columns: [table.columns[0], 'generator', ...table.columns.slice(1)], rows: table.rows.map((r, i) => [r[0], labels.get(cells[i])!, ...r.slice(1)]) };
}

/** Per cell: target vs spent ε and δ, and what the budget paid for. */
export function ledgerTable(cells: CellResult[]): TableModel {
  return withVariantColumn(cells, ledgerRows(cells));
}

function ledgerRows(cells: CellResult[]): TableModel {
  const rows = cells.map((c) => {
    const priv = c.spec.epsilon !== null;
    const l = c.ledger;
    const within = !priv || !l ? '' : l.spent.epsilon <= c.spec.epsilon! * (1 + 1e-9) && l.spent.delta <= c.spec.delta * (1 + 1e-9) ? 'yes' : 'NO';
    return [
      c.spec.id,
      priv ? String(c.spec.epsilon) : 'non-private',
      priv && l ? l.spent.epsilon.toPrecision(4) : '—',
      priv ? c.spec.delta.toExponential(1) : '—',
      priv && l ? l.spent.delta.toExponential(2) : '—',
      within,
      l ? ledgerSummary(l.entries) : 'no ledger stored',
    ];
  });
  return {
    title: 'Privacy ledger',
    note: 'Spent = basic composition over the ledger entries (each entry may itself come from a tighter accountant, e.g. PLD over all DP-SGD steps).',
    columns: ['cell', 'target ε', 'spent ε', 'target δ', 'spent δ', 'within budget', 'paid for'],
    rows,
  };
}

export function costTable(cells: CellResult[]): TableModel {
  return withVariantColumn(cells, {
    title: 'Cost',
    note: 'Peak RSS is the maximum resident memory of the process that ran the cell.',
    columns: ['cell', 'fit s', 'sample s', 'eval s', 'peak RSS MB', 'backend', 'rows train / test / synthetic'],
    rows: cells.map((c) => [
      c.spec.id,
      c.cost.fitSeconds.toFixed(2),
      c.cost.sampleSeconds.toFixed(2),
      c.cost.evalSeconds.toFixed(2),
      String(c.cost.peakRssMB),
      c.cost.backend,
      c.rows ? `${c.rows.train} / ${c.rows.test} / ${c.rows.synthetic}` : '',
    ]),
  });
}

export interface EnvironmentInfo {
  name: string;
  configHash: string;
  configFile?: string;
  gitCommit: string | null;
  package?: { name: string; version: string };
  backend: { name: string; reason?: string[] } | null;
  versions?: Record<string, string>;
  startedAt: string;
  endedAt: string | null;
}

export function environmentTable(run: EnvironmentInfo): TableModel {
  const rows: string[][] = [
    ['run', run.name],
    ['config hash', run.configHash],
    ...(run.configFile ? [['config file', run.configFile]] : []),
    ['git commit', run.gitCommit ?? 'unknown'],
    ...(run.package ? [['package', `${run.package.name} ${run.package.version}`]] : []),
    ['backend', run.backend ? `${run.backend.name}${run.backend.reason?.length ? ` (${run.backend.reason.join('; ')})` : ''}` : 'unknown'],
    ['started', run.startedAt],
    ['ended', run.endedAt ?? 'not finished'],
    ...Object.entries(run.versions ?? {}).map(([k, v]) => [k, v]),
  ];
  return { title: 'Environment', columns: ['item', 'value'], rows };
}
