/**
 * DCR share (the thesis' MIA figure; metrics.md "DCR share"): for each synthetic record, its distance to
 * the closest member (training) record vs to the closest holdout record; share = fraction closer to
 * training, ties counted ½. 0.5 = no memorisation signal; 1 = every synthetic record sits on a training row.
 *
 * Threat model: this is the data steward's check, not an adversary — it reads the synthetic data, the
 * attacked training subset and the holdout (equal sizes, so 0.5 is the null).
 * It classifies synthetic records, not candidate records, so the membership fields (AUC, TPR, advantage,
 * ε) are null; the closest-distance attack turns the same distances into a membership classifier.
 * Extras: a 95% normal-approximation interval of the share, the share of synthetic rows that are exact
 * copies of a training row, median DCRs to each side, and how many distinct real records are somebody's
 * nearest. When synthetic rows lie far from the data (e.g. uniform noise) a handful of outlying real
 * records are the nearest for thousands of synthetic rows, the share then hinges on which side those few
 * fell — the interval, which assumes independent rows, understates that; `distinctNearest` shows it.
 */
import type { AttackResult } from '../types.ts';
import type { AttackContext } from './context.ts';
import { elapsed } from './result.ts';

export function dcrShare(ctx: AttackContext): AttackResult {
  const t0 = performance.now();
  const nT = ctx.nearest('synthetic', 'members');
  const nH = ctx.nearest('synthetic', 'nonMembers');
  const dT = nT.dist;
  const dH = nH.dist;
  const n = dT.length;
  let closer = 0;
  let copies = 0;
  for (let i = 0; i < n; i++) {
    if (dT[i] < dH[i]) closer += 1;
    else if (dT[i] === dH[i]) closer += 0.5;
    if (dT[i] === 0) copies++;
  }
  const share = closer / n;
  const se = Math.sqrt((share * (1 - share)) / n);
  return {
    attack: 'dcr-share',
    value: share,
    auc: null,
    tprAt1: null,
    tprAt10: null,
    advantage: null,
    epsilonLower: null,
    nominalEpsilon: ctx.nominalEpsilon,
    reason: 'DCR share scores synthetic records, not candidates: membership metrics are reported by closest-distance',
    ci95: [Math.max(0, share - 1.96 * se), Math.min(1, share + 1.96 * se)],
    exactCopyShare: copies / n,
    dcrTrainMedian: median(dT),
    dcrHoldoutMedian: median(dH),
    distinctNearest: { train: new Set(nT.index).size, holdout: new Set(nH.index).size },
    distance: ctx.distance,
    synthetic: n,
    members: ctx.members.nrows,
    nonMembers: ctx.nonMembers.nrows,
    seconds: elapsed(t0),
  };
}

function median(x: Float64Array): number {
  const s = Float64Array.from(x).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
