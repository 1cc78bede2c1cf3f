/**
 * One call for the runner and the CLI: utility scores plus the metric families a config asks for
 * (sra, pmse, fidelity). Attacks live in src/eval/attacks and are called separately.
 */
import type { Rng } from '../compute/rng.ts';
import type { Table } from '../data/table.ts';
import { evaluateFidelity } from './fidelity.ts';
import { pmseMetrics, type PropensityModel } from './pmse.ts';
import { sraFromScores } from './sra.ts';
import type { MetricValue, ScoreKind, Setting, UtilityScore } from './types.ts';
import { evaluateUtility, type UtilityInput } from './utility.ts';

export const METRIC_NAMES = ['accuracy', 'auc', 'f1', 'recall', 'sra', 'pmse', 'fidelity'] as const;
const SCORE_METRICS = ['accuracy', 'auc', 'f1', 'recall'] as const;

export interface EvaluateOptions extends UtilityInput {
  /** Which families to compute (default: all of METRIC_NAMES). Utility runs when any score metric or sra is asked. */
  metrics?: readonly string[];
  pmse?: { models?: (PropensityModel | 'logistic-interactions')[]; permutations?: number; cp?: number; minBucket?: number; maxDepth?: number };
}

export interface EvaluationResult {
  utility: UtilityScore[];
  metrics: MetricValue[];
}

export function evaluateSynthetic(opts: EvaluateOptions): EvaluationResult {
  const metrics = opts.metrics ?? METRIC_NAMES;
  for (const m of metrics) {
    if (!(METRIC_NAMES as readonly string[]).includes(m)) throw new Error(`evaluation.metrics: unknown metric "${m}" (known: ${METRIC_NAMES.join(', ')})`);
  }
  const wantSra = metrics.includes('sra');
  const wantScores = SCORE_METRICS.filter((m) => metrics.includes(m));
  let settings: readonly Setting[] | undefined = opts.settings;
  if (wantSra && settings) settings = [...new Set<Setting>([...settings, 'TRTR', 'TSTR'])];
  let utility: UtilityScore[] = [];
  if (wantScores.length || wantSra) utility = evaluateUtility({ ...opts, settings, rng: opts.rng.fork('utility') });
  const out: MetricValue[] = [];
  if (wantSra) {
    const kinds = [...new Set(utility.map((u) => u.kind))] as ScoreKind[];
    for (const kind of kinds) for (const m of wantScores.length ? wantScores : SCORE_METRICS) out.push(sraFromScores(utility, m, kind));
  }
  const synth = opts.synthTrain;
  if ((metrics.includes('pmse') || metrics.includes('fidelity')) && !synth) {
    throw new Error('evaluation: pmse and fidelity need a synthetic table');
  }
  if (metrics.includes('pmse')) out.push(...pmseMetrics(opts.realTrain, synth!, { ...opts.pmse, rng: opts.rng.fork('pmse') }));
  if (metrics.includes('fidelity')) out.push(...evaluateFidelity(opts.realTrain, synth! as Table));
  return { utility, metrics: out };
}
