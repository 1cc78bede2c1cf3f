/**
 * The report model: which charts and tables appear in which section, built from the run manifest and the
 * stored cells. report.md and report.html render the same model, so they never disagree.
 */
import type { CellResult } from './cell.ts';
import { compareLabels, labelCells } from './aggregate.ts';
import { datasetCharts, generatorCharts, type ChartDef, type SkippedChart } from './charts/index.ts';
import { slug } from './charts/common.ts';
import { dpGapTable, dpLedgerTable } from './charts/dp-classifiers.ts';
import { readExtras } from './extras.ts';
import { isInn, pertinenceTable } from './inn-fit.ts';
import { attackTable, costTable, environmentTable, fidelityTables, ledgerTable, perColumnTables, utilityTable, type EnvironmentInfo, type TableModel } from './tables.ts';

export interface RunInfo extends EnvironmentInfo {
  /** Planned cell ids, in plan order. */
  cells: string[];
}

export interface ReportSection {
  id: string;
  title: string;
  level: 2 | 3;
  text: string[];
  charts: ChartDef[];
  tables: TableModel[];
  children: ReportSection[];
}

export interface ReportModel {
  run: RunInfo;
  summary: string;
  sections: ReportSection[];
  /** Every chart of every section, in report order. */
  charts: ChartDef[];
  skipped: SkippedChart[];
  failed: { id: string; error: string }[];
  missing: string[];
}

const FAMILY_TITLE: Record<string, string> = {
  'utility-vs-epsilon': 'utility vs ε',
  'attacks-vs-epsilon': 'attack success vs ε',
  'risk-utility': 'risk–utility map',
  settings: 'TRTR vs TSTR vs TSTS',
  audit: 'empirical ε audit',
  cost: 'runtime and memory',
  marginals: 'marginals',
  correlation: 'correlation difference',
  losses: 'training losses',
  series: 'series bands',
  'dp-classifiers': 'DP classifiers vs ε',
  pertinence: 'pertinence scores',
  autocorrelation: 'autocorrelation',
};

/** Skipped charts, one row per dataset × chart family × reason, listing the generators concerned. */
function skippedTable(skipped: SkippedChart[]): TableModel {
  const groups = new Map<string, { dataset: string; family: string; reason: string; generators: string[]; titles: string[] }>();
  for (const k of skipped) {
    const key = `${k.dataset}|${k.family}|${k.reason}`;
    const g = groups.get(key) ?? { dataset: k.dataset, family: k.family, reason: k.reason, generators: [], titles: [] };
    if (k.generator) g.generators.push(k.generator);
    g.titles.push(k.title);
    groups.set(key, g);
  }
  return {
    title: 'Charts not drawn (their data is absent)',
    columns: ['dataset', 'chart', 'generators', 'reason'],
    rows: [...groups.values()].map((g) => [g.dataset, g.generators.length || g.titles.length === 1 ? FAMILY_TITLE[g.family] ?? g.family : `${FAMILY_TITLE[g.family] ?? g.family} (${g.titles.length} charts)`, g.generators.join(', ') || 'all', g.reason]),
  };
}

const section = (id: string, title: string, level: 2 | 3, rest: Partial<ReportSection> = {}): ReportSection => ({ id, title, level, text: [], charts: [], tables: [], children: [], ...rest });

export function buildReport(run: RunInfo, allCells: CellResult[]): ReportModel {
  const order = new Map(run.cells.map((id, i) => [id, i]));
  const cells = [...allCells].sort((a, b) => (order.get(a.spec.id) ?? 1e9) - (order.get(b.spec.id) ?? 1e9) || a.spec.id.localeCompare(b.spec.id));
  const stored = new Set(cells.map((c) => c.spec.id));
  const missing = run.cells.filter((id) => !stored.has(id));
  const failed = cells.filter((c) => c.status === 'failed').map((c) => ({ id: c.spec.id, error: c.error ?? 'unknown error' }));
  const ok = cells.filter((c) => c.status === 'ok');
  const labelled = labelCells(ok);
  const summary = `${ok.length} of ${run.cells.length} cells finished${failed.length ? `, ${failed.length} failed` : ''}${missing.length ? `, ${missing.length} not run yet` : ''}.`;

  const sections: ReportSection[] = [];
  const skipped: SkippedChart[] = [];
  const datasets = [...new Set(labelled.map((c) => c.dataset))];
  for (const ds of datasets) {
    const dcells = labelled.filter((c) => c.dataset === ds);
    const overview = datasetCharts(ds, dcells);
    // Series bands and autocorrelation only concern series data, the pertinence filter only INN generators:
    // their absence is news only there.
    const isSeries = dcells.some((c) => readExtras(c.cell.extras).series || c.cell.fit?.autocorrelation);
    const innLabels = new Set(dcells.filter((c) => isInn(c.cell.spec.generator)).map((c) => c.generator));
    const newsworthy = (k: SkippedChart) => {
      if (k.family === 'series') return isSeries;
      if (k.family === 'pertinence') return !!k.generator && innLabels.has(k.generator);
      if (k.family === 'autocorrelation') return isSeries && (k.generator ? innLabels.has(k.generator) : innLabels.size > 0);
      return true;
    };
    skipped.push(...overview.skipped.filter(newsworthy));
    const tables = [...fidelityTables(ds, dcells), ...perColumnTables(ds, dcells), attackTable(ds, dcells), pertinenceTable(ds, dcells), dpGapTable(ds, dcells)].filter((t): t is TableModel => t !== null);
    const s = section(slug('dataset', ds), `Dataset ${ds}`, 2, { charts: overview.charts, tables });
    const gens = [...new Set(dcells.map((c) => c.generator))].sort(compareLabels);
    s.text.push(`${dcells.length} finished cells: ${gens.join(', ')}.`);
    for (const g of gens) {
      const gcells = dcells.filter((c) => c.generator === g);
      const charts = generatorCharts(ds, g, gcells);
      skipped.push(...charts.skipped.filter(newsworthy));
      const ut = utilityTable(ds, g, gcells);
      s.children.push(section(slug('gen', ds, g), `${ds} · ${g}`, 3, { charts: charts.charts, tables: ut ? [ut] : [], text: ut ? [] : ['No utility scores stored for this generator.'] }));
    }
    sections.push(s);
  }
  if (!datasets.length) sections.push(section('results', 'Results', 2, { text: ['No finished cells yet.'] }));
  const dpLedgers = dpLedgerTable(ok);
  sections.push(section('ledger', 'Privacy ledger', 2, ok.length ? { tables: [ledgerTable(ok), ...(dpLedgers ? [dpLedgers] : [])] } : { text: ['No finished cells.'] }));
  sections.push(section('cost', 'Cost', 2, ok.length ? { tables: [costTable(ok)] } : { text: ['No finished cells.'] }));
  sections.push(section('environment', 'Environment', 2, { tables: [environmentTable(run)] }));

  const status = section('status', 'Not drawn, failed, not run', 2);
  if (skipped.length) status.tables.push(skippedTable(skipped));
  if (failed.length) status.tables.push({ title: 'Failed cells', columns: ['cell', 'error'], rows: failed.map((f) => [f.id, f.error]) });
  if (missing.length) status.tables.push({ title: 'Not run yet', note: 'Planned cells with no stored result (a partial or interrupted run); `bench run` on the same config resumes them.', columns: ['cell'], rows: missing.map((m) => [m]) });
  if (!status.tables.length) status.text.push('Every planned cell finished and every chart had data.');
  sections.push(status);

  const charts = sections.flatMap((s) => [...s.charts, ...s.children.flatMap((c) => c.charts)]);
  // Chart ids name files and section ids anchors: labels that slug alike (`>50K` and `<=50K` both give `50k`)
  // must not overwrite each other.
  const unique = (items: { id: string }[]) => {
    const ids = new Set<string>();
    for (const it of items) {
      let id = it.id;
      for (let i = 2; ids.has(id); i++) id = `${it.id}-${i}`;
      ids.add(id);
      it.id = id;
    }
  };
  unique(charts);
  unique(sections.flatMap((s) => [s, ...s.children]));
  return { run, summary, sections, charts, skipped, failed, missing };
}
