/**
 * report.md: the report model as Markdown (for papers and PRs): the same tables as report.html, with each
 * chart linked as charts/<id>.png. Partial runs render what exists and list what is missing.
 */
import type { CellResult } from './cell.ts';
import { buildReport, type ReportModel, type ReportSection, type RunInfo } from './report.ts';
import type { TableModel } from './tables.ts';

export type { RunInfo } from './report.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: TableModel): string {
  // Markdown has one header row: group labels are folded into the column names ("baseline accuracy").
  let cols = t.columns;
  if (t.groups) {
    const labels = t.groups.flatMap((g) => Array<string>(g.span).fill(g.label));
    cols = cols.map((c, i) => (labels[i] ? `${labels[i]} ${c}` : c));
  }
  const lines = [`| ${cols.map(cell).join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
  return lines.join('\n');
}

function renderSection(s: ReportSection, out: string[], chartExt: string): void {
  out.push(`${'#'.repeat(s.level)} ${s.title}`, '');
  for (const p of s.text) out.push(p, '');
  for (const c of s.charts) out.push(`![${c.title}](charts/${c.id}.${chartExt})`, '', `_${c.caption}_`, '');
  for (const t of s.tables) {
    out.push(`**${t.title}**`, '', t.rows.length ? markdownTable(t) : '_No rows._', '');
    if (t.note) out.push(`_${t.note}_`, '');
  }
  for (const c of s.children) renderSection(c, out, chartExt);
}

export function markdownReport(model: ReportModel, opts: { chartExt?: 'png' | 'svg' } = {}): string {
  const r = model.run;
  const out: string[] = [`# ${r.name}`, ''];
  out.push(`Config hash \`${r.configHash}\` · commit \`${r.gitCommit?.slice(0, 10) ?? 'unknown'}\` · backend ${r.backend?.name ?? 'unknown'} · started ${r.startedAt}${r.endedAt ? ` · ended ${r.endedAt}` : ''}`, '');
  out.push(model.summary, '');
  for (const s of model.sections) renderSection(s, out, opts.chartExt ?? 'png');
  return out.join('\n');
}

export function renderMarkdown(run: RunInfo, cells: CellResult[]): string {
  return markdownReport(buildReport(run, cells));
}
