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

/** Basic statistics of finite values (null mean when there are none). */
export interface Stat {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

export function stat(values: number[]): Stat | null {
  const xs = values.filter((v) => Number.isFinite(v));
  if (!xs.length) return null;
  const s = summarise(xs);
  return { mean: s.mean!, std: s.std!, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Sort key of a target ε: private budgets ascending, non-private last. */
export function epsOrder(e: number | null): number {
  return e === null ? Infinity : e;
}

/** Short ε label for axes and legends ("0.1", "non-private"). */
export function epsShort(e: number | null): string {
  return e === null ? 'non-private' : String(e);
}

/** A finished cell with the labels reports group it by. */
export interface LabelledCell {
  cell: CellResult;
  dataset: string;
  /** Generator name, qualified by options/mechanism only when the run has several of them. */
  generator: string;
  epsilon: number | null;
  seed: number;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function optionsLabel(o: Record<string, unknown>, keys: string[]): string {
  const parts = keys.filter((k) => k in o).map((k) => `${k}=${typeof o[k] === 'object' ? stableJson(o[k]) : String(o[k])}`);
  return parts.length ? parts.join(', ') : 'defaults';
}

/**
 * Series labels for cells: the generator name, plus the options that differ when one generator is configured
 * several ways, plus the mechanism when one generator runs under several private mechanisms.
 */
export function labelCells(cells: CellResult[]): LabelledCell[] {
  const opts = new Map<string, Map<string, Record<string, unknown>>>();
  const mechs = new Map<string, Set<string>>();
  for (const c of cells) {
    const g = c.spec.generator;
    if (!opts.has(g)) opts.set(g, new Map());
    opts.get(g)!.set(stableJson(c.spec.options ?? {}), c.spec.options ?? {});
    if (c.spec.mechanism !== 'none') {
      if (!mechs.has(g)) mechs.set(g, new Set());
      mechs.get(g)!.add(c.spec.mechanism);
    }
  }
  return cells.map((c) => {
    const g = c.spec.generator;
    let label = g;
    const variants = [...opts.get(g)!.values()];
    if (variants.length > 1) {
      const keys = [...new Set(variants.flatMap((o) => Object.keys(o)))].filter((k) => new Set(variants.map((o) => stableJson(o[k]))).size > 1).sort();
      label += ` (${optionsLabel(c.spec.options ?? {}, keys)})`;
    }
    if ((mechs.get(g)?.size ?? 0) > 1 && c.spec.mechanism !== 'none') label += ` + ${c.spec.mechanism}`;
    return { cell: c, dataset: c.spec.dataset, generator: label, epsilon: c.spec.epsilon, seed: c.spec.seed };
  });
}
