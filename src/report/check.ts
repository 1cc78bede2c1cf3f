/**
 * Regression gate: compare a run's metrics with a committed baseline. Each baseline metric carries its
 * mean, seed spread and the direction that counts as better; a run regresses when its mean is worse than
 * the baseline by more than max(absolute tolerance, k × baseline std). Missing metrics are regressions too
 * (a metric that silently disappears is how a broken generator hides).
 */
import type { CellResult } from './cell.ts';
import { groupCells, summarise } from './aggregate.ts';

export type Direction = 'higher' | 'lower';

export interface BaselineMetric {
  key: string;
  mean: number;
  std: number;
  n: number;
  direction: Direction;
}

export interface Tolerance {
  /** Absolute slack. */
  abs: number;
  /** Multiples of the baseline's seed standard deviation. */
  spread: number;
}

export interface Baseline {
  configHash: string;
  created: string;
  tolerance: { default: Tolerance; [metricName: string]: Tolerance };
  metrics: BaselineMetric[];
}

export interface CheckRow {
  key: string;
  baseline: number;
  current: number | null;
  delta: number | null;
  allowed: number;
  status: 'ok' | 'regressed' | 'improved' | 'missing';
}

/** Direction of "better" for a metric name (utility up, distances/leakage down). */
export function direction(name: string): Direction {
  if (/^(accuracy|auc|f1|recall|sra)$/.test(name)) return 'higher';
  return 'lower';
}

/** Flatten a run into metric key → per-seed values. Keys: dataset|generator|mechanism|ε|family|…|metric. */
export function runMetrics(cells: CellResult[]): Map<string, { values: (number | null)[]; direction: Direction; name: string }> {
  const out = new Map<string, { values: (number | null)[]; direction: Direction; name: string }>();
  const add = (key: string, name: string, v: number | null) => {
    let e = out.get(key);
    if (!e) {
      e = { values: [], direction: direction(name), name };
      out.set(key, e);
    }
    e.values.push(v);
  };
  for (const g of groupCells(cells.filter((c) => c.status === 'ok'))) {
    const prefix = `${g.dataset}|${g.generator}|${g.mechanism}|${g.epsilon ?? 'nodp'}`;
    for (const c of g.cells) {
      for (const u of c.utility) {
        for (const m of ['accuracy', 'auc', 'f1', 'recall'] as const) add(`${prefix}|utility|${u.setting}|${u.kind}|${u.classifier}|${m}`, m, u[m]);
      }
      for (const m of c.metrics) add(`${prefix}|metric|${m.name}${m.variant ? `|${m.variant}` : ''}`, m.name, m.value);
      for (const a of c.attacks) add(`${prefix}|attack|${a.attack}|auc`, 'attack-auc', a.auc);
    }
  }
  return out;
}

export function makeBaseline(cells: CellResult[], configHash: string, tolerance: Baseline['tolerance'] = { default: { abs: 0.02, spread: 3 } }): Baseline {
  const metrics: BaselineMetric[] = [];
  for (const [key, e] of [...runMetrics(cells).entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const s = summarise(e.values);
    if (s.mean === null) continue; // undefined metrics (e.g. AUC of a one-class set) are not gated
    metrics.push({ key, mean: s.mean, std: s.std ?? 0, n: s.n, direction: e.direction });
  }
  return { configHash, created: new Date().toISOString(), tolerance, metrics };
}

export function checkRun(cells: CellResult[], baseline: Baseline): CheckRow[] {
  const current = runMetrics(cells);
  return baseline.metrics.map((b) => {
    const name = b.key.split('|').at(-1)!;
    const tol = baseline.tolerance[name] ?? baseline.tolerance.default;
    const allowed = Math.max(tol.abs, tol.spread * b.std);
    const e = current.get(b.key);
    const s = e ? summarise(e.values) : null;
    if (!s || s.mean === null) return { key: b.key, baseline: b.mean, current: null, delta: null, allowed, status: 'missing' };
    const delta = s.mean - b.mean;
    const worse = b.direction === 'higher' ? -delta : delta;
    const status = worse > allowed ? 'regressed' : worse < -allowed ? 'improved' : 'ok';
    return { key: b.key, baseline: b.mean, current: s.mean, delta, allowed, status };
  });
}

export function formatCheck(rows: CheckRow[], all = false): string {
  const shown = all ? rows : rows.filter((r) => r.status !== 'ok');
  const lines = shown.map(
    (r) =>
      `${r.status.padEnd(9)} ${r.key}  baseline ${r.baseline.toFixed(4)}  now ${r.current === null ? '—' : r.current.toFixed(4)}  Δ ${r.delta === null ? '—' : (r.delta >= 0 ? '+' : '') + r.delta.toFixed(4)}  (allowed ${r.allowed.toFixed(4)})`,
  );
  const count = (s: CheckRow['status']) => rows.filter((r) => r.status === s).length;
  lines.push(`${rows.length} metrics checked: ${count('ok')} ok, ${count('improved')} improved, ${count('regressed')} regressed, ${count('missing')} missing`);
  return lines.join('\n');
}
