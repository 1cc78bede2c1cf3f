/** Shapes an attack's ROC summary into the stored AttackResult (every number finite or null with a reason). */
import type { AttackResult } from '../types.ts';
import type { AttackContext } from './context.ts';
import { summarizeRoc } from './roc.ts';

/** Result of a membership classifier: higher score = "member". */
export function membershipResult(
  attack: string,
  ctx: AttackContext,
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
  seconds: number,
  extra: Record<string, unknown> = {},
): AttackResult {
  const s = summarizeRoc(memberScores, nonMemberScores, { delta: ctx.options.delta, alpha: ctx.options.alpha });
  return {
    attack,
    auc: s.auc,
    tprAt1: s.tprAt1,
    tprAt10: s.tprAt10,
    advantage: s.advantage,
    epsilonLower: s.epsilonLower,
    nominalEpsilon: ctx.nominalEpsilon,
    epsilonAt: s.epsilonAt ?? null,
    epsilonLowerMax: s.epsilonLowerMax,
    members: s.members,
    nonMembers: s.nonMembers,
    seconds,
    ...extra,
  };
}

export function elapsed(t0: number): number {
  return (performance.now() - t0) / 1000;
}
