/**
 * Synthetic Ranking Agreement (Jordon et al. 2018, arXiv:1806.11345; dpsdgym metrics/sra.py): over k
 * models with real-data scores R and synthetic-data scores S,
 *   SRA = 1/(k(k−1)) · Σ_{i≠j} 1[(R_i − R_j)(S_i − S_j) ≥ 0]   (ties count as agreement).
 */
import type { MetricValue, ScoreKind, UtilityScore } from './types.ts';

/** SRA of paired score lists; null when fewer than two models have both scores. */
export function sra(real: ArrayLike<number | null>, synth: ArrayLike<number | null>): number | null {
  if (real.length !== synth.length) throw new RangeError(`sra: ${real.length} real scores but ${synth.length} synthetic`);
  const R: number[] = [];
  const S: number[] = [];
  for (let i = 0; i < real.length; i++) {
    const r = real[i];
    const s = synth[i];
    if (r !== null && s !== null && Number.isFinite(r) && Number.isFinite(s)) {
      R.push(r);
      S.push(s);
    }
  }
  const k = R.length;
  if (k < 2) return null;
  let agree = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j && (R[i] - R[j]) * (S[i] - S[j]) >= 0) agree++;
  return agree / (k * (k - 1));
}

/**
 * SRA from utility scores: the classifiers' TRTR ranking against their TSTR ranking, for one metric and
 * score kind. Variant e.g. "auc/baseline".
 */
export function sraFromScores(
  scores: UtilityScore[],
  metric: 'accuracy' | 'auc' | 'f1' | 'recall' = 'auc',
  kind: ScoreKind = 'baseline',
): MetricValue {
  const variant = `${metric}/${kind}`;
  const pick = (setting: string) => new Map(scores.filter((s) => s.setting === setting && s.kind === kind).map((s) => [s.classifier, s[metric]]));
  const real = pick('TRTR');
  const synth = pick('TSTR');
  const names = [...real.keys()].filter((c) => synth.has(c));
  if (names.length < 2) {
    return { name: 'sra', variant, value: null, reason: `SRA needs TRTR and TSTR ${kind} scores of at least two classifiers (have ${names.length})` };
  }
  const value = sra(names.map((c) => real.get(c)!), names.map((c) => synth.get(c)!));
  if (value === null) return { name: 'sra', variant, value, reason: `fewer than two classifiers have a defined ${metric} in both settings` };
  return { name: 'sra', variant, value };
}
