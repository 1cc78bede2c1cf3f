/**
 * report.md: the stored numbers as Markdown tables (for papers and PRs). Utility per generator × ε ×
 * setting × classifier (mean ± std over seeds), other metrics, attacks, the privacy ledger and cost.
 * Partial runs render what exists and list what is missing.
 */
import type { CellResult } from './cell.ts';
import { epsLabel, fmt, groupCells, summarise } from './aggregate.ts';

export interface RunInfo {
  name: string;
  configHash: string;
  gitCommit: string | null;
  backend: { name: string } | null;
  cells: string[];
  startedAt: string;
  endedAt: string | null;
}

function table(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** Entries grouped by kind ("marginal histogram: age" → "marginal histogram"), with count and Σε. */
function ledgerSummary(entries: { what: string; mechanism: string; epsilon: number; delta: number }[]): string {
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

export function renderMarkdown(run: RunInfo, cells: CellResult[]): string {
  const out: string[] = [];
  out.push(`# ${run.name}`, '');
  out.push(`Config hash \`${run.configHash}\` · commit \`${run.gitCommit?.slice(0, 10) ?? 'unknown'}\` · backend ${run.backend?.name ?? 'unknown'} · started ${run.startedAt}${run.endedAt ? ` · ended ${run.endedAt}` : ''}`, '');
  const order = new Map(run.cells.map((id, i) => [id, i]));
  cells = [...cells].sort((a, b) => (order.get(a.spec.id) ?? 1e9) - (order.get(b.spec.id) ?? 1e9));
  const stored = new Set(cells.map((c) => c.spec.id));
  const missing = run.cells.filter((id) => !stored.has(id));
  const failed = cells.filter((c) => c.status === 'failed');
  const ok = cells.filter((c) => c.status === 'ok');
  out.push(`${ok.length} of ${run.cells.length} cells finished${failed.length ? `, ${failed.length} failed` : ''}${missing.length ? `, ${missing.length} not run yet` : ''}.`, '');
  const groups = groupCells(ok);

  out.push('## Utility', '');
  const urows: string[][] = [];
  for (const g of groups) {
    const keys = new Map<string, { setting: string; kind: string; classifier: string }>();
    for (const c of g.cells) for (const u of c.utility) keys.set(`${u.setting}|${u.kind}|${u.classifier}`, u);
    for (const [k, u] of [...keys.entries()].sort()) {
      const pick = (m: 'accuracy' | 'auc' | 'f1' | 'recall') => {
        const rows = g.cells.map((c) => c.utility.find((x) => `${x.setting}|${x.kind}|${x.classifier}` === k));
        return fmt(summarise(rows.map((r) => r?.[m] ?? null), rows.map((r) => r?.reason)));
      };
      urows.push([g.dataset, g.generator, g.mechanism, epsLabel(g.epsilon), u.setting, u.kind, u.classifier, pick('accuracy'), pick('auc'), pick('f1'), pick('recall'), String(g.cells.length)]);
    }
  }
  out.push(urows.length ? table(['dataset', 'generator', 'mechanism', 'ε', 'setting', 'scores', 'classifier', 'accuracy', 'AUC', 'F1', 'recall', 'seeds'], urows) : '_No utility scores stored._', '');

  const mrows: string[][] = [];
  for (const g of groups) {
    const names = new Map<string, true>();
    for (const c of g.cells) for (const m of c.metrics) names.set(`${m.name}|${m.variant ?? ''}`, true);
    for (const k of [...names.keys()].sort()) {
      const vals = g.cells.map((c) => c.metrics.find((m) => `${m.name}|${m.variant ?? ''}` === k));
      const [name, variant] = k.split('|');
      mrows.push([g.dataset, g.generator, epsLabel(g.epsilon), name, variant || '', fmt(summarise(vals.map((v) => v?.value ?? null), vals.map((v) => v?.reason)), 4)]);
    }
  }
  if (mrows.length) out.push('## Fidelity and other metrics', '', table(['dataset', 'generator', 'ε', 'metric', 'variant', 'value'], mrows), '');

  const arows: string[][] = [];
  for (const g of groups) {
    const names = [...new Set(g.cells.flatMap((c) => c.attacks.map((a) => a.attack)))].sort();
    for (const name of names) {
      const vals = g.cells.map((c) => c.attacks.find((a) => a.attack === name));
      const s = (f: 'auc' | 'advantage' | 'epsilonLower' | 'value') => fmt(summarise(vals.map((v) => (v?.[f] as number | null) ?? null), vals.map((v) => v?.reason)));
      arows.push([g.dataset, g.generator, epsLabel(g.epsilon), name, s('value'), s('auc'), s('advantage'), s('epsilonLower')]);
    }
  }
  if (arows.length) out.push('## Privacy attacks', '', table(['dataset', 'generator', 'nominal ε', 'attack', 'value', 'AUC', 'advantage', 'empirical ε ≥'], arows), '');

  out.push('## Privacy ledger', '');
  const lrows = ok.map((c) => {
    const priv = c.spec.epsilon !== null;
    return [
      c.spec.id,
      priv ? String(c.spec.epsilon) : 'non-private',
      priv && c.ledger ? c.ledger.spent.epsilon.toPrecision(4) : '—',
      priv && c.ledger ? c.ledger.spent.delta.toExponential(2) : '—',
      c.ledger ? ledgerSummary(c.ledger.entries) : '',
    ];
  });
  out.push(lrows.length ? table(['cell', 'target ε', 'spent ε', 'spent δ', 'entries'], lrows) : '_No finished cells._', '');

  out.push('## Cost', '');
  out.push(
    table(
      ['cell', 'fit s', 'sample s', 'eval s', 'peak RSS MB', 'backend'],
      ok.map((c) => [c.spec.id, c.cost.fitSeconds.toFixed(2), c.cost.sampleSeconds.toFixed(2), c.cost.evalSeconds.toFixed(2), String(c.cost.peakRssMB), c.cost.backend]),
    ),
    '',
  );
  if (failed.length) out.push('## Failed cells', '', ...failed.map((c) => `- \`${c.spec.id}\`: ${c.error}`), '');
  if (missing.length) out.push('## Not run yet', '', ...missing.map((id) => `- \`${id}\``), '');
  return out.join('\n');
}
