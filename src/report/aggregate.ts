/**
 * Aggregation of stored cells for reports: group by (dataset, generator, mechanism, ε) and summarise
 * each metric over seeds (mean, std, n). Nulls are skipped and counted, never turned into NaN.
 */
import type { CellResult } from './cell.ts';

export interface Summary {
  mean: number | null;
  std: number | null;
  /** Seeds with a value. */
  n: number;
  /** Seeds where the value was null (with the first reason seen). */
  missing: number;
  reason?: string;
}

export function summarise(values: (number | null | undefined)[], reasons: (string | undefined)[] = []): Summary {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const missing = values.length - xs.length;
  if (xs.length === 0) return { mean: null, std: null, n: 0, missing, reason: reasons.find(Boolean) };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, n: xs.length, missing, reason: missing ? reasons.find(Boolean) : undefined };
}

export interface Group {
  key: string;
  dataset: string;
  generator: string;
  mechanism: string;
  epsilon: number | null;
  cells: CellResult[];
}

export function groupCells(cells: CellResult[]): Group[] {
  const groups = new Map<string, Group>();
  for (const c of cells) {
    const s = c.spec;
    const key = `${s.dataset}|${s.generator}|${s.mechanism}|${s.epsilon}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, dataset: s.dataset, generator: s.generator, mechanism: s.mechanism, epsilon: s.epsilon, cells: [] };
      groups.set(key, g);
    }
    g.cells.push(c);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      a.generator.localeCompare(b.generator) ||
      a.mechanism.localeCompare(b.mechanism) ||
      (a.epsilon ?? Infinity) - (b.epsilon ?? Infinity),
  );
}

export function fmt(s: Summary, digits = 3): string {
  if (s.mean === null) return s.reason ? `— (${s.reason})` : '—';
  return s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.std!.toFixed(digits)}` : s.mean.toFixed(digits);
}

export function epsLabel(e: number | null): string {
  return e === null ? 'non-private' : `ε=${e}`;
}
