/**
 * Scoring a membership (or any binary) attack from its scores: ROC curve, AUC, TPR at a fixed FPR,
 * advantage max(TPR − FPR), and the empirical ε lower bound used in DP auditing.
 *
 * Convention: a higher score means "member"; the attack predicts member when score ≥ t.
 *
 * Empirical ε (Jagielski et al. 2020; Nasr et al. 2021; sides as TAPAS attack_summary.py:172-262): for
 * every threshold with TP of n₁ members and FP of n₀ non-members flagged, Clopper–Pearson 95% bounds give
 *   ε ≥ log((TPR_lo − δ) / FPR_hi)        and   ε ≥ log((1 − FPR_hi − δ) / (1 − TPR_lo)),
 * and the bound reported is the max over thresholds and both sides (0 when nothing is significant).
 * Caveats, stated in the report: the max over thresholds is taken on the same scores (a selection
 * effect TAPAS shares), and records of one training run are not independent trials — for population
 * MIAs this is a heuristic; the planted audits in audit.ts use independent trials.
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
  epsilonLower: number;
  /** Threshold side and counts that gave `epsilonLower` (for the report). */
  epsilonAt?: { side: 'tpr/fpr' | '(1-fpr)/(1-tpr)'; tp: number; fp: number };
  members: number;
  nonMembers: number;
}

/** Cumulative (FP, TP) counts at every distinct threshold, from the strictest to "flag everything". */
export function rocCounts(member: ArrayLike<number>, nonMember: ArrayLike<number>): { fp: Int32Array; tp: Int32Array } {
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
    }
  }
  return { fp: Int32Array.from(fp), tp: Int32Array.from(tp) };
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
  const eps = empiricalEpsilon(fp, tp, n0, n1, opts);
  return { auc, tprAt1, tprAt10, advantage, epsilonLower: eps.epsilon, epsilonAt: eps.at, members: n1, nonMembers: n0 };
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
): { epsilon: number; at?: RocSummary['epsilonAt'] } {
  const delta = opts.delta ?? 0;
  const alpha = opts.alpha ?? 0.05;
  type Cand = { tp: number; fp: number; side: 0 | 1; ub: number };
  const cands: Cand[] = [];
  for (let i = 0; i < fp.length; i++) {
    // Keep the point with the largest TP for each FP (counts are cumulative, so the last one).
    if (i + 1 < fp.length && fp[i + 1] === fp[i]) continue;
    const tpr = tp[i] / n1;
    const fpr = fp[i] / n0;
    if (tp[i] > 0) cands.push({ tp: tp[i], fp: fp[i], side: 0, ub: bound(tpr - delta, fpr) });
    if (fp[i] < n0) cands.push({ tp: tp[i], fp: fp[i], side: 1, ub: bound(1 - fpr - delta, 1 - tpr) });
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
  let at: RocSummary['epsilonAt'];
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
      at = { side: c.side === 0 ? 'tpr/fpr' : '(1-fpr)/(1-tpr)', tp: c.tp, fp: c.fp };
    }
  }
  return { epsilon: best, at };
}

/** log(num/den) as an upper bound for sorting: +∞ when den is 0, −∞ when num ≤ 0. */
function bound(num: number, den: number): number {
  if (!(num > 0)) return -Infinity;
  return den <= 0 ? Infinity : Math.log(num / den);
}
