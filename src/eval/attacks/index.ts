/**
 * Privacy attacks on one cell's synthetic data — the entry point the runner calls.
 *
 *   runAttacks({ train, holdout, synthetic, attacks: ['dcr-share', 'closest-distance', 'domias', 'tcap'],
 *                nominalEpsilon, rng, options }) → AttackResult[]
 *
 * Each attack file states its threat model. Shared pieces: space.ts (Gower / standardized-L2 record
 * space), nn.ts (exact nearest neighbours), kde.ts (Gaussian KDE), roc.ts (AUC, TPR@FPR, advantage,
 * Clopper–Pearson empirical ε), beta.ts (exact beta quantiles), audit.ts (planted-canary DP audits).
 */
import type { AttackResult } from '../types.ts';
import { AttackContext, type AttackInput } from './context.ts';
import { closestDistance } from './closest.ts';
import { dcrShare } from './dcr.ts';
import { domias } from './domias.ts';
import { tcap } from './tcap.ts';

export type { AttackInput, AttackOptions, DomiasOptions, TcapOptions } from './context.ts';
export { AttackContext } from './context.ts';

export const attacks: Record<string, (ctx: AttackContext) => AttackResult> = {
  'dcr-share': dcrShare,
  'closest-distance': closestDistance,
  domias,
  tcap,
};

export const attackNames = Object.keys(attacks);

/** Run the named attacks (in the order given) with one shared holdout split, space and neighbour cache. */
export function runAttacks(input: AttackInput): AttackResult[] {
  for (const name of input.attacks) {
    if (!(name in attacks)) throw new Error(`evaluation.attacks: unknown attack "${name}" (known: ${attackNames.join(', ')})`);
  }
  if (input.attacks.length === 0) return [];
  const ctx = new AttackContext(input);
  return input.attacks.map((name) => attacks[name](ctx));
}
