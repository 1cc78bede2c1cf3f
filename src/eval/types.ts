/**
 * Result shapes produced by src/eval and stored in each cell's JSON. Every number is finite or null;
 * a null always comes with a reason (e.g. AUC undefined because the training set had one class).
 */

export type Setting = 'TRTR' | 'TSTR' | 'TSTS';
export type ScoreKind = 'baseline' | 'cv';

export interface UtilityScore {
  setting: Setting;
  /** "baseline" = one fixed train/test split; "cv" = repeated stratified k-fold, mean over folds. */
  kind: ScoreKind;
  classifier: string;
  accuracy: number | null;
  auc: number | null;
  f1: number | null;
  recall: number | null;
  /** Standard deviation over folds (cv only). */
  std?: { accuracy: number | null; auc: number | null; f1: number | null; recall: number | null };
  fitSeconds: number;
  /** Why a metric is null, if one is. */
  reason?: string;
}

/** A named scalar metric (pMSE, SRA, TVD, ...), with the model/variant that produced it. */
export interface MetricValue {
  name: string;
  value: number | null;
  /** e.g. propensity model "logistic" | "cart", or the column for per-column metrics. */
  variant?: string;
  reason?: string;
}

export interface AttackResult {
  attack: string;
  auc: number | null;
  tprAt1: number | null;
  tprAt10: number | null;
  advantage: number | null;
  /**
   * Empirical ε lower bound (Clopper–Pearson 95%, threshold chosen on a held-out half — see
   * src/eval/attacks/roc.ts) and the nominal ε of the cell, for comparison.
   */
  epsilonLower: number | null;
  /** Max over all thresholds on all scores (TAPAS-style; optimistic by selection). */
  epsilonLowerMax?: number | null;
  nominalEpsilon?: number | null;
  /** Members (attacked training rows) and non-members (holdout rows) scored. */
  members?: number;
  nonMembers?: number;
  /** Attack-specific headline value (e.g. DCR share). */
  value?: number | null;
  seconds: number;
  reason?: string;
  [key: string]: unknown;
}
