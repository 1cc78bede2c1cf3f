/**
 * Density-ratio membership inference (DOMIAS, van Breugel et al. 2023): score(x) = log p_syn(x) −
 * log p_ref(x). A generator that overfits puts extra synthetic density on its training records, above what
 * the population (reference) density explains.
 *
 * Threat model: the attacker holds the synthetic data, a reference sample of real records from the same
 * population (not in training) and the candidate record. Default reference = the holdout; because the
 * holdout rows are also the non-members being scored, their reference density is taken leave-one-out
 * (a point never counts its own kernel), otherwise non-members would look denser than members by
 * construction. Pass `options.reference` for a separate reference sample.
 *
 * Space: Gaussian KDEs need a Euclidean space, so this attack always uses standardized numerics and one-hot
 * categoricals (Featurizer, statistics from the reference), projected on the top `pcaDims` principal
 * components of reference ∪ synthetic (default 8: a KDE in Adult's 108 one-hot dimensions is all bandwidth
 * and no signal). Each KDE has a full bandwidth matrix (factor² × its own data covariance, Scott's factor by
 * default) — the scipy.stats.gaussian_kde estimator DOMIAS uses (kde.ts matches it to 1e−12 in tests).
 * Cost: exact KDE sums are O(targets × centres), so by default 5000 members and 5000 non-members are
 * scored (`maxTargets`, seeded subsample; 0 = all).
 */
import { Featurizer } from '../../data/transform/featurize.ts';
import type { AttackResult } from '../types.ts';
import type { AttackContext } from './context.ts';
import { GaussianKde } from './kde.ts';
import { covariance, symmetricEigen } from './linalg.ts';
import { elapsed, membershipResult } from './result.ts';

export function domias(ctx: AttackContext): AttackResult {
  const t0 = performance.now();
  const opts = ctx.options.domias ?? {};
  const pcaDims = opts.pcaDims ?? 8;
  const pcaRows = opts.pcaRows ?? 8000;
  const bandwidth = opts.bandwidth ?? 'scott';
  const maxTargets = opts.maxTargets ?? 5000;
  if (!(Number.isInteger(maxTargets) && maxTargets >= 0)) throw new Error(`attacks: domias.maxTargets must be a non-negative integer, got ${maxTargets}`);
  if (!(Number.isInteger(pcaDims) && pcaDims >= 1)) throw new Error(`attacks: domias.pcaDims must be a positive integer, got ${pcaDims}`);
  if (bandwidth !== 'scott' && bandwidth !== 'silverman') throw new Error(`attacks: domias.bandwidth must be "scott" or "silverman", got "${bandwidth}"`);
  const separate = ctx.options.reference !== undefined;
  const reference = ctx.options.reference ?? ctx.holdout;
  if (reference.nrows < 2) throw new Error('attacks: domias needs a reference sample of at least 2 rows');

  // Targets: all members and non-members, or a seeded subsample of each (same size on both sides).
  let members = ctx.members;
  let nonMembers = ctx.nonMembers;
  let nonMemberRows = ctx.nonMemberRows;
  if (maxTargets > 0 && members.nrows > maxTargets) {
    const r = ctx.rng.fork('domias-targets');
    members = members.take(r.permutation(members.nrows).subarray(0, maxTargets));
    const pick = r.permutation(nonMembers.nrows).subarray(0, maxTargets);
    nonMembers = nonMembers.take(pick);
    nonMemberRows = Int32Array.from(pick, (i) => ctx.nonMemberRows[i]);
  }

  const f = Featurizer.fit(reference, { scale: 'standard', includeTarget: true });
  const ref = f.transform(reference);
  const syn = f.transform(ctx.synthetic);
  const mem = f.transform(members);
  const non = f.transform(nonMembers);
  const d = f.d;

  // PCA basis from a seeded subsample of reference ∪ synthetic (both in the attacker's hands).
  const rng = ctx.rng.fork('domias-pca');
  const pool = ref.n + syn.n;
  const take = Math.min(pool, pcaRows);
  const pick = rng.permutation(pool).subarray(0, take);
  const P = new Float64Array(take * d);
  for (let r = 0; r < take; r++) {
    const i = pick[r];
    const src = i < ref.n ? ref.X.subarray(i * d, (i + 1) * d) : syn.X.subarray((i - ref.n) * d, (i - ref.n + 1) * d);
    P.set(src, r * d);
  }
  const { mean, cov } = covariance(P, take, d);
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  let k = 0;
  while (k < Math.min(pcaDims, d) && values[k] > 1e-9 * Math.max(values[0], 1e-300)) k++;
  if (k === 0) {
    return {
      attack: 'domias',
      auc: null,
      tprAt1: null,
      tprAt10: null,
      advantage: null,
      epsilonLower: null,
      nominalEpsilon: ctx.nominalEpsilon,
      reason: 'every column is constant in reference ∪ synthetic: no density to compare',
      seconds: elapsed(t0),
    };
  }
  let kept = 0;
  for (let j = 0; j < k; j++) kept += values[j];
  const project = (X: Float64Array, n: number) => {
    const Y = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += (X[i * d + t] - mean[t]) * vectors[t * d + j];
        Y[i * k + j] = s;
      }
    }
    return Y;
  };
  const Yref = project(ref.X, ref.n);
  const Ysyn = project(syn.X, syn.n);
  const Ymem = project(mem.X, mem.n);
  const Ynon = project(non.X, non.n);

  const kdeSyn = new GaussianKde(Ysyn, syn.n, k, bandwidth);
  const kdeRef = new GaussianKde(Yref, ref.n, k, bandwidth);
  // Leave-one-out on the reference side for non-members that are reference rows.
  const skip = separate ? undefined : nonMemberRows;
  const sm = kdeSyn.logDensity(Ymem, mem.n);
  const rm = kdeRef.logDensity(Ymem, mem.n);
  const sn = kdeSyn.logDensity(Ynon, non.n);
  const rn = kdeRef.logDensity(Ynon, non.n, skip);
  const scoreM = new Float64Array(mem.n);
  const scoreN = new Float64Array(non.n);
  for (let i = 0; i < mem.n; i++) scoreM[i] = sm[i] - rm[i];
  for (let i = 0; i < non.n; i++) scoreN[i] = sn[i] - rn[i];
  return membershipResult('domias', ctx, scoreM, scoreN, elapsed(t0), {
    pcaDims: k,
    explainedVariance: total > 0 ? kept / total : null,
    bandwidth,
    reference: separate ? 'given' : 'holdout (leave-one-out)',
    targetsSubsampled: members.nrows < ctx.members.nrows,
  });
}
