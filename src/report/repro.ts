/**
 * Paper reproductions: an experiment names published numbers ("theirs", with a citation and a tolerance)
 * and qualitative claims (relations between two of our numbers, e.g. "TSTR AUC at ε=100 > at ε=0.1"),
 * each pointing at a metric of the stored cells. Comparing never hides a difference: every row says
 * whether it is within tolerance, and rows whose source setup differs from ours are marked as context.
 */
import { z } from 'zod';
import type { CellResult } from './cell.ts';
import { summarise } from './aggregate.ts';

const selector = z.strictObject({
  dataset: z.string().optional(),
  generator: z.string(),
  /** Only cells whose generator options include these values (to tell variants of one generator apart). */
  options: z.record(z.string(), z.unknown()).optional(),
  /** null = the non-private cell; omitted = any. */
  epsilon: z.number().nullable().optional(),
  /** Utility: setting/kind/classifier ("mean" = average over the classifiers present) and metric. */
  setting: z.enum(['TRTR', 'TSTR', 'TSTS']).optional(),
  kind: z.enum(['baseline', 'cv']).default('baseline'),
  classifier: z.string().default('mean'),
  metric: z.string().describe('accuracy | auc | f1 | recall, a metric name (pmse, sra…), or an attack field'),
  /** For non-utility metrics: the metric variant (e.g. logistic) or the attack name. */
  variant: z.string().optional(),
  attack: z.string().optional(),
});

export type MetricSelector = z.infer<typeof selector>;

export const experimentSchema = z.strictObject({
  title: z.string(),
  source: z.string().describe('Citation of the reproduced table or figure.'),
  config: z.string().describe('Config file, relative to the experiment folder.'),
  notes: z.string().optional(),
  compare: z
    .array(
      z.strictObject({
        label: z.string(),
        ours: selector,
        theirs: z.number(),
        tolerance: z.number().nonnegative(),
        source: z.string().optional(),
        /** The source's setup differs (dataset, protocol): shown for context, not judged. */
        context: z.boolean().default(false),
      }),
    )
    .default([]),
  claims: z
    .array(
      z.strictObject({
        label: z.string(),
        left: selector,
        op: z.enum(['>', '<', '>=', '<=']),
        right: z.union([selector, z.number()]),
        /** Added to the right side, e.g. -0.05 for "TSTR within 5 points of TRTR" (left >= right - 0.05). */
        offset: z.number().default(0),
        source: z.string().optional(),
      }),
    )
    .default([]),
});

export type Experiment = z.infer<typeof experimentSchema>;

/** Mean (over seeds) of the selected number, or null with a reason. */
export function selectMetric(cells: CellResult[], s: MetricSelector): { value: number | null; n: number; reason?: string } {
  const chosen = cells.filter(
    (c) =>
      c.status === 'ok' &&
      c.spec.generator === s.generator &&
      (s.dataset === undefined || c.spec.dataset === s.dataset) &&
      (s.epsilon === undefined || c.spec.epsilon === s.epsilon) &&
      Object.entries(s.options ?? {}).every(([k, v]) => JSON.stringify(c.spec.options?.[k]) === JSON.stringify(v)),
  );
  if (chosen.length === 0) return { value: null, n: 0, reason: `no finished cell for ${s.generator}${s.epsilon !== undefined ? ` at ε=${s.epsilon}` : ''}` };
  const perCell = chosen.map((c): number | null => {
    if (s.setting) {
      const rows = c.utility.filter((u) => u.setting === s.setting && u.kind === s.kind && (s.classifier === 'mean' || u.classifier === s.classifier));
      const vals = rows.map((u) => u[s.metric as 'accuracy' | 'auc' | 'f1' | 'recall']).filter((v): v is number => typeof v === 'number');
      return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
    }
    if (s.attack) {
      const a = c.attacks.find((x) => x.attack === s.attack);
      const v = a?.[s.metric];
      return typeof v === 'number' ? v : null;
    }
    const m = c.metrics.find((x) => x.name === s.metric && (s.variant === undefined || x.variant === s.variant));
    return m?.value ?? null;
  });
  const sum = summarise(perCell);
  return { value: sum.mean, n: sum.n, reason: sum.mean === null ? 'the selected metric is absent or undefined in every cell' : undefined };
}

export interface ReproRow {
  label: string;
  ours: number | null;
  theirs: number | null;
  delta: number | null;
  tolerance: number | null;
  verdict: 'within tolerance' | 'DIFFERS' | 'context' | 'holds' | 'FAILS' | 'missing';
  note?: string;
}

export function compareExperiment(exp: Experiment, cells: CellResult[]): ReproRow[] {
  const rows: ReproRow[] = [];
  for (const c of exp.compare) {
    const ours = selectMetric(cells, c.ours);
    if (ours.value === null) {
      rows.push({ label: c.label, ours: null, theirs: c.theirs, delta: null, tolerance: c.tolerance, verdict: 'missing', note: ours.reason });
      continue;
    }
    const delta = ours.value - c.theirs;
    const verdict = c.context ? 'context' : Math.abs(delta) <= c.tolerance ? 'within tolerance' : 'DIFFERS';
    rows.push({ label: c.label, ours: ours.value, theirs: c.theirs, delta, tolerance: c.tolerance, verdict, note: c.source });
  }
  for (const cl of exp.claims) {
    const l = selectMetric(cells, cl.left);
    const sel = typeof cl.right === 'number' ? { value: cl.right, n: 1 } : selectMetric(cells, cl.right);
    const r = { ...sel, value: sel.value === null ? null : sel.value + cl.offset };
    if (l.value === null || r.value === null) {
      rows.push({ label: cl.label, ours: l.value, theirs: r.value, delta: null, tolerance: null, verdict: 'missing', note: l.reason ?? (r as { reason?: string }).reason });
      continue;
    }
    const ok = cl.op === '>' ? l.value > r.value : cl.op === '<' ? l.value < r.value : cl.op === '>=' ? l.value >= r.value : l.value <= r.value;
    rows.push({ label: `${cl.label} (${cl.op}${cl.offset ? ` other side ${cl.offset > 0 ? '+' : ''}${cl.offset}` : ''})`, ours: l.value, theirs: r.value, delta: l.value - r.value, tolerance: null, verdict: ok ? 'holds' : 'FAILS', note: cl.source });
  }
  return rows;
}

export function formatRepro(exp: Experiment, rows: ReproRow[]): string {
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  const lines = [`# ${exp.title}`, `source: ${exp.source}`, ''];
  lines.push('| result | ours | theirs / other side | Δ | tolerance | verdict |', '|---|---|---|---|---|---|');
  for (const r of rows) {
    lines.push(`| ${r.label} | ${f(r.ours)} | ${f(r.theirs)} | ${r.delta === null ? '—' : (r.delta >= 0 ? '+' : '') + r.delta.toFixed(3)} | ${r.tolerance === null ? '' : `±${r.tolerance}`} | ${r.verdict}${r.note && r.verdict === 'missing' ? ` (${r.note})` : ''} |`);
  }
  const bad = rows.filter((r) => r.verdict === 'DIFFERS' || r.verdict === 'FAILS').length;
  const missing = rows.filter((r) => r.verdict === 'missing').length;
  lines.push('', `${rows.length} rows: ${bad} differ or fail, ${missing} missing${exp.notes ? `\n\n${exp.notes}` : ''}`);
  return lines.join('\n');
}
