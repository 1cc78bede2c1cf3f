/**
 * Binary classification scores for the positive class (label 1): accuracy, ROC AUC (rank formula, ties
 * averaged — the Mann–Whitney statistic, equal to scikit-learn's roc_auc_score), F1, recall.
 * Every undefined score is null with a reason, never NaN.
 */

export interface BinaryScores {
  accuracy: number | null;
  auc: number | null;
  f1: number | null;
  recall: number | null;
  reason?: string;
}

/** Area under the ROC curve from scores: P(score⁺ > score⁻) + ½·P(tie). Null when one class is absent. */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number | null {
  const n = y.length;
  if (score.length !== n) throw new RangeError(`rocAuc: ${n} labels but ${score.length} scores`);
  let npos = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(score[i])) throw new RangeError(`rocAuc: score ${i} is ${score[i]}`);
    if (y[i]) npos++;
  }
  const nneg = n - npos;
  if (npos === 0 || nneg === 0) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a] - score[b]);
  // Sum of (1-based, tie-averaged) ranks of the positives.
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && score[order[j]] === score[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (y[order[k]]) rankSum += avgRank;
    i = j;
  }
  return (rankSum - (npos * (npos + 1)) / 2) / (npos * nneg);
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function confusion(y: ArrayLike<number>, pred: ArrayLike<number>): Confusion {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    if (pred[i]) y[i] ? c.tp++ : c.fp++;
    else y[i] ? c.fn++ : c.tn++;
  }
  return c;
}

/** Hard labels from P(y=1): 1 iff p > ½ (scikit-learn's argmax picks class 0 on an exact tie). */
export function threshold(proba: ArrayLike<number>, cut = 0.5): Uint8Array {
  const out = new Uint8Array(proba.length);
  for (let i = 0; i < proba.length; i++) out[i] = proba[i] > cut ? 1 : 0;
  return out;
}

/** All four scores from labels and P(y=1); `rankable=false` (e.g. one-class training set) nulls the AUC. */
export function binaryScores(
  y: ArrayLike<number>,
  proba: ArrayLike<number>,
  opts: { rankable?: boolean; rankReason?: string } = {},
): BinaryScores {
  const n = y.length;
  const reasons: string[] = [];
  if (n === 0) return { accuracy: null, auc: null, f1: null, recall: null, reason: 'empty test set' };
  const pred = threshold(proba);
  const c = confusion(y, pred);
  const accuracy = (c.tp + c.tn) / n;
  let auc: number | null = null;
  if (opts.rankable === false) reasons.push(`AUC undefined: ${opts.rankReason ?? 'the classifier cannot rank'}`);
  else {
    auc = rocAuc(y, proba);
    if (auc === null) reasons.push(`AUC undefined: the test set has only class ${c.tp + c.fn > 0 ? 1 : 0}`);
  }
  let recall: number | null = null;
  if (c.tp + c.fn > 0) recall = c.tp / (c.tp + c.fn);
  else reasons.push('recall undefined: no positive rows in the test set');
  let f1: number | null = null;
  if (2 * c.tp + c.fp + c.fn > 0) f1 = (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
  else reasons.push('F1 undefined: no positive rows in the test set and none predicted');
  const out: BinaryScores = { accuracy, auc, f1, recall };
  if (reasons.length) out.reason = reasons.join('; ');
  return out;
}
