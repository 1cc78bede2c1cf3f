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
  /** Variant label (see variantLabels): the generator name unless the run configures it several ways. */
  generator: string;
  /** The generator name as configured (spec.generator). */
  name: string;
  options: Record<string, unknown>;
  mechanism: string;
  epsilon: number | null;
  cells: CellResult[];
}

/**
 * Cells grouped by (dataset, generator variant, mechanism, ε). Variants of one generator (same name,
 * different options) are separate groups; with a single variant the label is the bare name, so keys built
 * from groups (the regression gate's) are unchanged for such runs.
 */
export function groupCells(cells: CellResult[]): Group[] {
  const labels = variantLabels(cells);
  const groups = new Map<string, Group>();
  for (const c of cells) {
    const s = c.spec;
    const label = labels.get(c)!;
    const key = `${s.dataset}|${label}|${s.mechanism}|${s.epsilon}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, dataset: s.dataset, generator: label, name: s.generator, options: s.options ?? {}, mechanism: s.mechanism, epsilon: s.epsilon, cells: [] };
      groups.set(key, g);
    }
    g.cells.push(c);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      compareLabels(a.generator, b.generator) ||
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

/** Order of generator labels: alphabetical, numbers by value (`gan (epochs: 5)` before `gan (epochs: 40)`). */
export const compareLabels = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

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

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Compact YAML-like rendering of an option value: `0.5`, `label`, `[64, 64]`, `{column: income}`. */
export function formatOption(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatOption).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${formatOption(x)}`).join(', ')}}`;
  return typeof v === 'string' ? v : String(v);
}

/**
 * Paths (key lists) at which option sets differ. Keys keep their first-seen (config) order; a key whose value
 * is an object in every variant is descended into, so `{condition: {column: a, distribution: uniform}}` vs
 * `{condition: {column: a}}` differs at `condition.distribution` only.
 */
function differingPaths(variants: Record<string, unknown>[], prefix: string[] = []): string[][] {
  const keys = [...new Set(variants.flatMap((o) => Object.keys(o)))];
  const out: string[][] = [];
  for (const k of keys) {
    const vals = variants.map((o) => o[k]);
    if (new Set(vals.map((v) => (v === undefined ? '\u0000absent' : stableJson(v)))).size === 1) continue;
    if (vals.every(isPlainObject)) out.push(...differingPaths(vals as Record<string, unknown>[], [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

function optionAt(o: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = o;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

/**
 * Label of each cell's generator variant: the generator name when the cells configure it one way only, else
 * the name plus the options that differ between its variants, e.g. `inn (filter: false)`,
 * `gan (epochs: 50)`; a variant that sets none of the differing options is `name (defaults)`.
 */
export function variantLabels(cells: CellResult[]): Map<CellResult, string> {
  const variants = new Map<string, Map<string, Record<string, unknown>>>();
  for (const c of cells) {
    const byJson = variants.get(c.spec.generator) ?? variants.set(c.spec.generator, new Map()).get(c.spec.generator)!;
    const o = c.spec.options ?? {};
    byJson.set(stableJson(o), o);
  }
  const labelOf = new Map<string, string>(); // generator + options json → label
  for (const [name, byJson] of variants) {
    if (byJson.size === 1) {
      labelOf.set(`${name}\u0000${[...byJson.keys()][0]}`, name);
      continue;
    }
    const paths = differingPaths([...byJson.values()]);
    const used = new Set<string>();
    for (const [json, o] of byJson) {
      const parts = paths.flatMap((p) => {
        const v = optionAt(o, p);
        return v === undefined ? [] : [`${p.join('.')}: ${formatOption(v)}`];
      });
      let label = `${name} (${parts.length ? parts.join(', ') : 'defaults'})`;
      // Distinct option sets can only print alike when values differ in type alone ("1" vs 1).
      for (let i = 2; used.has(label); i++) label = `${name} (${parts.join(', ')} #${i})`;
      used.add(label);
      labelOf.set(`${name}\u0000${json}`, label);
    }
  }
  return new Map(cells.map((c) => [c, labelOf.get(`${c.spec.generator}\u0000${stableJson(c.spec.options ?? {})}`)!]));
}

/**
 * Series labels for cells: the variant label (variantLabels), plus the mechanism when one generator runs
 * under several private mechanisms.
 */
export function labelCells(cells: CellResult[]): LabelledCell[] {
  const labels = variantLabels(cells);
  const mechs = new Map<string, Set<string>>();
  for (const c of cells) {
    if (c.spec.mechanism === 'none') continue;
    const g = c.spec.generator;
    (mechs.get(g) ?? mechs.set(g, new Set()).get(g)!).add(c.spec.mechanism);
  }
  return cells.map((c) => {
    let label = labels.get(c)!;
    if ((mechs.get(c.spec.generator)?.size ?? 0) > 1 && c.spec.mechanism !== 'none') label += ` + ${c.spec.mechanism}`;
    return { cell: c, dataset: c.spec.dataset, generator: label, epsilon: c.spec.epsilon, seed: c.spec.seed };
  });
}
