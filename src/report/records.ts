/**
 * Long-format rows extracted from labelled cells (one number per row, nulls dropped): the shape chart
 * and table builders aggregate from.
 */
import type { Setting, ScoreKind } from '../eval/types.ts';
import type { LabelledCell } from './aggregate.ts';

export const UTILITY_METRICS = ['accuracy', 'auc', 'f1', 'recall'] as const;
export type UtilityMetric = (typeof UTILITY_METRICS)[number];
export const METRIC_TITLE: Record<UtilityMetric, string> = { accuracy: 'accuracy', auc: 'ROC AUC', f1: 'F1', recall: 'recall' };

export interface UtilityRow {
  generator: string;
  epsilon: number | null;
  seed: number;
  setting: Setting;
  kind: ScoreKind;
  classifier: string;
  metric: UtilityMetric;
  value: number;
}

export function utilityRows(cells: LabelledCell[]): UtilityRow[] {
  const out: UtilityRow[] = [];
  for (const lc of cells)
    for (const u of lc.cell.utility)
      for (const metric of UTILITY_METRICS) {
        const value = u[metric];
        if (typeof value === 'number' && Number.isFinite(value))
          out.push({ generator: lc.generator, epsilon: lc.epsilon, seed: lc.seed, setting: u.setting, kind: u.kind, classifier: u.classifier, metric, value });
      }
  return out;
}

/** The score kind charts use: the holdout ("baseline") scores when present, else cross-validation. */
export function preferredKind(rows: UtilityRow[]): ScoreKind | null {
  if (rows.some((r) => r.kind === 'baseline')) return 'baseline';
  return rows.length ? 'cv' : null;
}

export const KIND_TITLE: Record<ScoreKind, string> = { baseline: 'holdout split', cv: 'cross-validation' };

export interface AttackRow {
  generator: string;
  epsilon: number | null;
  seed: number;
  attack: string;
  /** "value" (the attack's headline number, e.g. DCR share), "auc", "advantage", "epsilonLower". */
  measure: string;
  value: number;
}

const ATTACK_MEASURES = ['value', 'auc', 'advantage', 'epsilonLower', 'tprAt1', 'tprAt10'] as const;

export function attackRows(cells: LabelledCell[]): AttackRow[] {
  const out: AttackRow[] = [];
  for (const lc of cells)
    for (const a of lc.cell.attacks)
      for (const measure of ATTACK_MEASURES) {
        const value = a[measure];
        if (typeof value === 'number' && Number.isFinite(value)) out.push({ generator: lc.generator, epsilon: lc.epsilon, seed: lc.seed, attack: a.attack, measure, value });
      }
  return out;
}

/** Attack names whose headline value is a DCR share (distance to closest record, train vs holdout). */
export const isDcr = (attack: string) => /dcr/i.test(attack);

export interface MetricRow {
  generator: string;
  epsilon: number | null;
  seed: number;
  name: string;
  variant: string;
  value: number;
}

export function metricRows(cells: LabelledCell[]): MetricRow[] {
  const out: MetricRow[] = [];
  for (const lc of cells)
    for (const m of lc.cell.metrics)
      if (typeof m.value === 'number' && Number.isFinite(m.value))
        out.push({ generator: lc.generator, epsilon: lc.epsilon, seed: lc.seed, name: m.name, variant: m.variant ?? '', value: m.value });
  return out;
}

/**
 * Whether a metric is reported per column (its variant names a column), so tables pivot it by column.
 * MetricValue has no explicit flag, so known per-column metric names mark it (src/eval/fidelity.ts emits
 * tvd/ks/kl per column; sra has many variants that are not columns, so a variant count cannot tell).
 */
export function isPerColumnMetric(name: string, variants: Set<string>): boolean {
  return /^(tvd|ks|kl|wasserstein|jsd|js|hellinger)$/i.test(name) && !(variants.size === 1 && variants.has(''));
}
