/**
 * Scoring a membership (or any binary) attack from its scores: ROC curve, AUC, TPR at a fixed FPR,
 * advantage max(TPR − FPR), and the empirical ε lower bound used in DP auditing.
 *
 * Convention: a higher score means "member"; the attack predicts member when score ≥ t.
 *
 * Empirical ε (Jagielski et al. 2020; Nasr et al. 2021; sides as TAPAS attack_summary.py:172-262): for a
 * threshold flagging TP of n₁ members and FP of n₀ non-members, Clopper–Pearson bounds (each at α/2,
 * so jointly ≥ 95%) give
 *   ε ≥ log((TPR_lo − δ) / FPR_hi)        and   ε ≥ log((1 − FPR_hi − δ) / (1 − TPR_lo)).
 * `epsilonLower` is the statistically valid version: the threshold and side are chosen on one half of the
 * scores (even positions) and the bound is computed on the other half (odd positions), so choosing the
 * best of thousands of thresholds does not inflate it — a correct ε-DP mechanism stays below ε (tested on
 * planted audits). `epsilonLowerMax` is the max over every threshold on all scores, as the metric is
 * usually quoted (TAPAS); it is optimistic by that selection and can exceed ε for a correct mechanism.
 * Records of one training run are not independent trials, so for population MIAs both are heuristics;
 * the planted audits in audit.ts use independent trials.
 */
import { clopperPearsonLower, clopperPearsonUpper } from './beta.ts';

export interface RocPoint {
  fpr: number;
  tpr: number;
}

export interface RocSummary {
  auc: number;
  tprAt1: number;
  tprAt10: number;
  advantage: number;
  /** Held-out-threshold bound (valid at 95% for independent trials). */
  epsilonLower: number;
  /** Where `epsilonLower` was measured: side, threshold, counts on the evaluation half. */
  epsilonAt?: EpsilonAt;
  /** Max over all thresholds on all scores (TAPAS-style; optimistic). */
  epsilonLowerMax: number;
  members: number;
  nonMembers: number;
}

export interface EpsilonAt {
  side: 'tpr/fpr' | '(1-fpr)/(1-tpr)';
  /** Flag as member when score ≥ threshold. */
  threshold: number;
  tp: number;
  fp: number;
  members: number;
  nonMembers: number;
}

/**
 * Cumulative (FP, TP) counts at every distinct threshold, from the strictest ("flag nothing",
 * threshold +∞) to "flag everything"; `threshold[i]` flags scores ≥ it.
 */
export function rocCounts(member: ArrayLike<number>, nonMember: ArrayLike<number>): { fp: Int32Array; tp: Int32Array; threshold: Float64Array } {
  const n1 = member.length;
  const n0 = nonMember.length;
  const n = n1 + n0;
  const scores = new Float64Array(n);
  for (let i = 0; i < n1; i++) scores[i] = member[i];
  for (let i = 0; i < n0; i++) scores[n1 + i] = nonMember[i];
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`attack scores contain NaN (index ${i}): the attack produced an undefined score`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const fp: number[] = [0];
  const tp: number[] = [0];
  const threshold: number[] = [Infinity];
  let cf = 0;
  let ct = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    if (i < n1) ct++;
    else cf++;
    // Close a threshold only after the last of a run of equal scores (ties move together).
    if (r === n - 1 || scores[order[r + 1]] !== scores[i]) {
      fp.push(cf);
      tp.push(ct);
      threshold.push(scores[i]);
    }
  }
  return { fp: Int32Array.from(fp), tp: Int32Array.from(tp), threshold: Float64Array.from(threshold) };
}

/** ROC curve points (FPR, TPR), starting at (0, 0) and ending at (1, 1). */
export function rocCurve(member: ArrayLike<number>, nonMember: ArrayLike<number>): RocPoint[] {
  const { fp, tp } = rocCounts(member, nonMember);
  const out: RocPoint[] = [];
  for (let i = 0; i < fp.length; i++) out.push({ fpr: fp[i] / nonMember.length, tpr: tp[i] / member.length });
  return out;
}

export interface SummaryOptions {
  /** δ of the mechanism being audited (subtracted from TPR in the bound). Default 0. */
  delta?: number;
  /** Two-sided Clopper–Pearson level; each bound uses alpha/2. Default 0.05 (95%). */
  alpha?: number;
}

export function summarizeRoc(member: ArrayLike<number>, nonMember: ArrayLike<number>, opts: SummaryOptions = {}): RocSummary {
  const n1 = member.length;
  const n0 = nonMember.length;
  if (n1 === 0 || n0 === 0) {
    throw new Error(`attack needs members and non-members to score (got ${n1} members, ${n0} non-members)`);
  }
  const { fp, tp } = rocCounts(member, nonMember);
  let auc = 0;
  let advantage = 0;
  let tprAt1 = 0;
  let tprAt10 = 0;
  for (let i = 0; i < fp.length; i++) {
    const fpr = fp[i] / n0;
    const tpr = tp[i] / n1;
    if (i > 0) auc += ((fp[i] - fp[i - 1]) / n0) * ((tp[i] + tp[i - 1]) / (2 * n1)); // trapezoids: ties count ½
    if (tpr - fpr > advantage) advantage = tpr - fpr;
    // Step ROC, no interpolation: the best TPR actually reachable with FPR at most the target.
    if (fpr <= 0.01 + 1e-12 && tpr > tprAt1) tprAt1 = tpr;
    if (fpr <= 0.1 + 1e-12 && tpr > tprAt10) tprAt10 = tpr;
  }
  const all = empiricalEpsilon(fp, tp, n0, n1, opts);
  const held = heldOutEpsilon(member, nonMember, opts);
  return { auc, tprAt1, tprAt10, advantage, epsilonLower: held.epsilon, epsilonAt: held.at, epsilonLowerMax: all.epsilon, members: n1, nonMembers: n0 };
}

/**
 * ε lower bound with the threshold chosen on even positions and measured on odd positions (each side's
 * scores split in order; callers pass scores in an order unrelated to their value). 0 when either side
 * has fewer than 2 scores or the selection half shows nothing significant.
 */
export function heldOutEpsilon(member: ArrayLike<number>, nonMember: ArrayLike<number>, opts: SummaryOptions = {}): { epsilon: number; at?: EpsilonAt } {
  if (member.length < 2 || nonMember.length < 2) return { epsilon: 0 };
  const half = (x: ArrayLike<number>, r: 0 | 1) => Float64Array.from({ length: (x.length + 1 - r) >> 1 }, (_, i) => x[2 * i + r]);
  const selM = half(member, 0);
  const selN = half(nonMember, 0);
  const evM = half(member, 1);
  const evN = half(nonMember, 1);
  const sel = rocCounts(selM, selN);
  const pick = empiricalEpsilon(sel.fp, sel.tp, selN.length, selM.length, opts);
  if (pick.side === undefined || pick.index === undefined) return { epsilon: 0 };
  const t = sel.threshold[pick.index];
  let tp = 0;
  let fp = 0;
  for (const v of evM) if (v >= t) tp++;
  for (const v of evN) if (v >= t) fp++;
  const e = boundAt(pick.side === 'tpr/fpr' ? 0 : 1, tp, fp, evM.length, evN.length, opts.delta ?? 0, opts.alpha ?? 0.05);
  const at: EpsilonAt = { side: pick.side, threshold: t, tp, fp, members: evM.length, nonMembers: evN.length };
  return { epsilon: Math.max(0, e), at };
}

/** The Clopper–Pearson ε bound of one threshold and side (−∞ when the bound is vacuous). */
function boundAt(side: 0 | 1, tp: number, fp: number, n1: number, n0: number, delta: number, alpha: number): number {
  const tl = clopperPearsonLower(tp, n1, alpha);
  const fh = clopperPearsonUpper(fp, n0, alpha);
  const num = side === 0 ? tl - delta : 1 - fh - delta;
  const den = side === 0 ? fh : 1 - tl;
  if (num <= 0 || den <= 0) return -Infinity;
  return Math.log(num / den);
}

/**
 * Max over thresholds of the Clopper–Pearson ε lower bound. Only the upper-left staircase of the ROC can
 * attain the max (for a fixed FP more TP is better on both sides), and a threshold is bounded above by
 * its point estimate, so the exact (beta-quantile) bounds are computed best-first and the scan stops
 * once no remaining point estimate can beat the best bound found.
 */
export function empiricalEpsilon(
  fp: ArrayLike<number>,
  tp: ArrayLike<number>,
  n0: number,
  n1: number,
  opts: SummaryOptions = {},
): { epsilon: number; index?: number; side?: EpsilonAt['side'] } {
  const delta = opts.delta ?? 0;
  const alpha = opts.alpha ?? 0.05;
  type Cand = { i: number; tp: number; fp: number; side: 0 | 1; ub: number };
  const cands: Cand[] = [];
  for (let i = 0; i < fp.length; i++) {
    // Keep the point with the largest TP for each FP (counts are cumulative, so the last one).
    if (i + 1 < fp.length && fp[i + 1] === fp[i]) continue;
    const tpr = tp[i] / n1;
    const fpr = fp[i] / n0;
    if (tp[i] > 0) cands.push({ i, tp: tp[i], fp: fp[i], side: 0, ub: bound(tpr - delta, fpr) });
    if (fp[i] < n0) cands.push({ i, tp: tp[i], fp: fp[i], side: 1, ub: bound(1 - fpr - delta, 1 - tpr) });
  }
  cands.sort((a, b) => b.ub - a.ub);
  const lo = new Map<number, number>();
  const hi = new Map<number, number>();
  const tprLo = (k: number) => {
    let v = lo.get(k);
    if (v === undefined) lo.set(k, (v = clopperPearsonLower(k, n1, alpha)));
    return v;
  };
  const fprHi = (k: number) => {
    let v = hi.get(k);
    if (v === undefined) hi.set(k, (v = clopperPearsonUpper(k, n0, alpha)));
    return v;
  };
  let best = 0;
  let side: EpsilonAt['side'] | undefined;
  let index: number | undefined;
  for (const c of cands) {
    if (!(c.ub > best)) break;
    const tl = tprLo(c.tp);
    const fh = fprHi(c.fp);
    const num = c.side === 0 ? tl - delta : 1 - fh - delta;
    const den = c.side === 0 ? fh : 1 - tl;
    if (num <= 0 || den <= 0) continue;
    const e = Math.log(num / den);
    if (e > best) {
      best = e;
      index = c.i;
      side = c.side === 0 ? 'tpr/fpr' : '(1-fpr)/(1-tpr)';
    }
  }
  return { epsilon: best, index, side };
}

/** log(num/den) as an upper bound for sorting: +∞ when den is 0, −∞ when num ≤ 0. */
function bound(num: number, den: number): number {
  if (!(num > 0)) return -Infinity;
  return den <= 0 ? Infinity : Math.log(num / den);
}
