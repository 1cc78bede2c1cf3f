/**
 * Closest-distance membership inference (metrics.md): a candidate record's score is minus its distance
 * to the nearest synthetic record; members = the attacked training subset, non-members = the holdout.
 *
 * Threat model: the attacker holds the released synthetic data and the candidate record only — no model,
 * no reference data, no knowledge of the generator. Distances in the run's space (Gower or
 * standardized/one-hot L2, scaled on the real rows).
 */
import type { AttackResult } from '../types.ts';
import type { AttackContext } from './context.ts';
import { elapsed, membershipResult } from './result.ts';

export function closestDistance(ctx: AttackContext): AttackResult {
  const t0 = performance.now();
  const dm = ctx.nearest('members', 'synthetic').dist;
  const dn = ctx.nearest('nonMembers', 'synthetic').dist;
  const sm = dm.map((d) => -d);
  const sn = dn.map((d) => -d);
  return membershipResult('closest-distance', ctx, sm, sn, elapsed(t0), { distance: ctx.distance });
}
