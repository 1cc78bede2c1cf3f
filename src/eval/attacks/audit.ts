/**
 * DP audits with a planted example (Jagielski et al. 2020; Nasr et al. 2021): run the mechanism many
 * times, each time on a dataset that does or does not contain one planted record (a fair coin, balanced
 * over trials), score each output with an attack, and turn the member/non-member scores into an empirical
 * ε lower bound (Clopper–Pearson 95%, roc.ts). Here trials are independent runs, so the bound is a valid
 * statistical lower bound on the mechanism's ε (up to the max over thresholds): a correct ε-DP mechanism
 * must not exceed its nominal ε, and a broken one shows up above it.
 *
 * eval never imports a generator: `auditGenerator` takes the fit-and-sample step as a callback.
 */
import type { Rng } from '../../compute/rng.ts';
import { Table } from '../../data/table.ts';
import { nearest } from './nn.ts';
import { summarizeRoc, type RocSummary } from './roc.ts';
import { MixedSpace, type DistanceKind } from './space.ts';

export interface AuditResult extends RocSummary {
  trials: number;
  /** ε the mechanism claims, copied through for comparison. */
  nominalEpsilon?: number;
  /** True when the empirical lower bound exceeds the nominal ε: the mechanism is not ε-DP as claimed. */
  violates?: boolean;
}

export interface PlantedOptions {
  trials: number;
  /** One run of mechanism + attack: with the planted record (`member`) or without; returns the attack score (higher = "in"). */
  run: (member: boolean, rng: Rng) => number | Promise<number>;
  rng: Rng;
  nominalEpsilon?: number;
  delta?: number;
  alpha?: number;
}

/** Balanced planted audit: half the trials with the record, half without, in a seeded random order. */
export async function auditPlanted(opts: PlantedOptions): Promise<AuditResult> {
  const { trials, rng } = opts;
  if (!(Number.isInteger(trials) && trials >= 2)) throw new Error(`audit: trials must be an integer ≥ 2, got ${trials}`);
  const order = rng.fork('order').permutation(trials);
  const inScores: number[] = [];
  const outScores: number[] = [];
  for (let t = 0; t < trials; t++) {
    const member = order[t] < trials / 2;
    const s = await opts.run(member, rng.fork(`trial/${t}`));
    if (Number.isNaN(s)) throw new Error(`audit: trial ${t} returned score ${s}`);
    (member ? inScores : outScores).push(s);
  }
  const summary = summarizeRoc(inScores, outScores, { delta: opts.delta, alpha: opts.alpha });
  const result: AuditResult = { ...summary, trials };
  if (opts.nominalEpsilon !== undefined) {
    result.nominalEpsilon = opts.nominalEpsilon;
    result.violates = summary.epsilonLower > opts.nominalEpsilon;
  }
  return result;
}

export interface GeneratorAuditOptions {
  /** Training rows without the planted record. */
  base: Table;
  /** The planted record (a one-row table with the same columns). */
  canary: Table;
  /** Fit the generator on `train` and return its synthetic sample (e.g. fit(train, {privacy, ...}) then sample(n)). */
  fitSample: (train: Table, rng: Rng) => Promise<Table>;
  trials: number;
  rng: Rng;
  distance?: DistanceKind;
  nominalEpsilon?: number;
  delta?: number;
}

/**
 * Planted audit of a generator: score = minus the distance from the canary to its closest synthetic
 * record (the closest-distance attack on one known target).
 */
export async function auditGenerator(opts: GeneratorAuditOptions): Promise<AuditResult> {
  if (opts.canary.nrows !== 1) throw new Error(`audit: the canary must be exactly one row, got ${opts.canary.nrows}`);
  const space = MixedSpace.fit(Table.concat([opts.base, opts.canary]), opts.distance ?? 'gower');
  const enc = space.encode(opts.canary, 'canary');
  const withCanary = Table.concat([opts.base, opts.canary]);
  return auditPlanted({
    trials: opts.trials,
    rng: opts.rng,
    nominalEpsilon: opts.nominalEpsilon,
    delta: opts.delta,
    run: async (member, rng) => {
      const synthetic = await opts.fitSample(member ? withCanary : opts.base, rng);
      return -nearest(space, enc, space.encode(synthetic, 'synthetic')).dist[0];
    },
  });
}
