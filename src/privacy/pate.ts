/**
 * PATE (Papernot et al. 2017, 2018) as PATE-GAN uses it (Jordon et al. 2019):
 * - k teachers on *disjoint* partitions of the real rows (`partition`);
 * - noisy aggregation of their votes: Laplace noisy-max with scale 1/λ on every class count (LNMax), or
 *   Gaussian GNMax with std σ;
 * - the data-dependent moments accountant of PATE-GAN (metrics.md "Accounting (PATE)"), falling back to the
 *   data-independent bound where the data-dependent one is invalid, with EVERY query counted;
 * - data-independent accountants (LNMax moments; GNMax RDP) for comparison.
 *
 * Audit (defaults.md §2.2; Ganev et al. 2024): the four accountant bugs found in public PATE-GANs are
 * avoided here — noise scale is 1/λ (not λ), the exponent is 2λ·l (not 2λ·l + 1), the bound keeps its log,
 * and queries voted "real" are accounted like all others. The data-dependent ε is itself a function of the
 * data (as in PATE-GAN); the data-independent value is reported next to it.
 */
import type { Rng } from '../compute/rng.ts';
import { logAdd } from './numeric.ts';
import { analyticGaussianSigma, gaussianDelta } from './primitives.ts';
import { DEFAULT_ORDERS, rdpToEpsilon } from './rdp.ts';

/** Split row indices 0..n−1 into k disjoint parts covering all rows (shuffled; sizes differ by ≤ 1). */
export function partition(n: number, k: number, rng: Rng): Int32Array[] {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`partition: n must be a non-negative integer, got ${n}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`partition: the number of teachers k must be a positive integer, got ${k}`);
  if (k > n) throw new RangeError(`partition: cannot split ${n} rows among ${k} teachers (each needs at least one row)`);
  const perm = rng.permutation(n);
  const parts: Int32Array[] = [];
  const base = Math.floor(n / k);
  const extra = n % k;
  let off = 0;
  for (let t = 0; t < k; t++) {
    const size = base + (t < extra ? 1 : 0); // like np.array_split
    parts.push(perm.slice(off, off + size).sort());
    off += size;
  }
  return parts;
}

/** LNMax: argmax of counts + Laplace(1/λ) noise on each count (ties → lowest class). */
export function laplaceNoisyMax(counts: ArrayLike<number>, lambda: number, rng: Rng): number {
  if (!(lambda > 0)) throw new RangeError(`PATE: λ must be positive, got ${lambda}`);
  let best = -Infinity;
  let arg = 0;
  for (let c = 0; c < counts.length; c++) {
    const v = counts[c] + rng.laplace(1 / lambda);
    if (v > best) {
      best = v;
      arg = c;
    }
  }
  return arg;
}

/** GNMax: argmax of counts + N(0, σ²) noise on each count. */
export function gaussianNoisyMax(counts: ArrayLike<number>, sigma: number, rng: Rng): number {
  if (!(sigma > 0)) throw new RangeError(`PATE: GNMax σ must be positive, got ${sigma}`);
  let best = -Infinity;
  let arg = 0;
  for (let c = 0; c < counts.length; c++) {
    const v = counts[c] + sigma * rng.normal();
    if (v > best) {
      best = v;
      arg = c;
    }
  }
  return arg;
}

/** q = (2 + λΔ) / (4 e^{λΔ}): bound on P(noisy answer ≠ plurality) for LNMax with vote gap Δ. */
export function pateFlipBound(gap: number, lambda: number): number {
  const x = lambda * Math.abs(gap);
  return (2 + x) / (4 * Math.exp(x));
}

/** Whether the data-dependent bound applies: q < (e^{2λ} − 1)/(e^{4λ} − 1) (Papernot et al. 2017, Thm 3). */
export function pateBoundValid(q: number, lambda: number): boolean {
  return q < Math.expm1(2 * lambda) / Math.expm1(4 * lambda);
}

/** Data-independent moment bound of one (2λ, 0)-DP query: 2λ² l (l + 1). */
export function pateDataIndependentMoment(lambda: number, l: number): number {
  return 2 * lambda * lambda * l * (l + 1);
}

/**
 * Moment α(l) of one query with vote gap Δ: min(2λ²l(l+1), log((1−q)·((1−q)/(1−q e^{2λ}))^l + q e^{2λl}))
 * when the bound is valid, else 2λ²l(l+1). Evaluated in log space (l up to ~100 overflows otherwise).
 */
export function pateQueryMoment(gap: number, lambda: number, l: number): number {
  const indep = pateDataIndependentMoment(lambda, l);
  const q = pateFlipBound(gap, lambda);
  if (!pateBoundValid(q, lambda)) return indep;
  const log1q = Math.log1p(-q);
  const ratio = log1q - Math.log1p(-q * Math.exp(2 * lambda));
  const dep = logAdd(log1q + l * ratio, Math.log(q) + 2 * lambda * l);
  return Math.min(indep, dep);
}

/** ε = min_l (α(l) + log(1/δ)) / l over moments l = 1..L. */
function momentsToEpsilon(alpha: Float64Array, delta: number): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`PATE: δ must be in (0, 1), got ${delta}`);
  let best = Infinity;
  let order = 1;
  for (let i = 0; i < alpha.length; i++) {
    const l = i + 1;
    const e = (alpha[i] + Math.log(1 / delta)) / l;
    if (e < best) {
      best = e;
      order = l;
    }
  }
  return { epsilon: best, order };
}

export interface PateSpent {
  epsilon: number;
  delta: number;
  /** Moment order l at the minimum. */
  order: number;
  queries: number;
  accountant: 'pate-moments' | 'pate-independent' | 'gnmax-rdp';
}

/** Binary or multi-class vote counts of one query → vote gap between the top two classes. */
export function voteGap(counts: ArrayLike<number>): number {
  let a = -Infinity;
  let b = -Infinity;
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    if (v > a) {
      b = a;
      a = v;
    } else if (v > b) b = v;
  }
  return counts.length < 2 ? a : a - b;
}

/** The data-dependent moments accountant of PATE-GAN (Laplace noise scale 1/λ, L moments; default L=20). */
export class PateMomentsAccountant {
  readonly lambda: number;
  readonly moments: number;
  readonly alpha: Float64Array;
  private count = 0;
  private fallbacks = 0;

  constructor(o: { lambda: number; moments?: number }) {
    if (!(o.lambda > 0)) throw new RangeError(`PATE: λ must be positive, got ${o.lambda}`);
    this.lambda = o.lambda;
    this.moments = o.moments ?? 20; // pate_gan.py: L = 20 moments (defaults.md §2.2)
    if (!(Number.isInteger(this.moments) && this.moments >= 1)) throw new RangeError(`PATE: moments must be a positive integer, got ${o.moments}`);
    this.alpha = new Float64Array(this.moments);
  }

  /** Account one query with vote gap Δ = |n₀ − n₁| (for more classes: top-two gap). */
  addGap(gap: number): void {
    if (!(gap >= 0)) throw new RangeError(`PATE: vote gap must be ≥ 0, got ${gap}`);
    if (!pateBoundValid(pateFlipBound(gap, this.lambda), this.lambda)) this.fallbacks++;
    for (let i = 0; i < this.moments; i++) this.alpha[i] += pateQueryMoment(gap, this.lambda, i + 1);
    this.count++;
  }

  /** Account one query from its vote counts. */
  addVotes(counts: ArrayLike<number>): void {
    this.addGap(voteGap(counts));
  }

  get queries(): number {
    return this.count;
  }

  /** Queries where the data-dependent bound was invalid and the data-independent one was used. */
  get fallbackQueries(): number {
    return this.fallbacks;
  }

  spent(delta: number): PateSpent {
    if (this.count === 0) return { epsilon: 0, delta, order: 1, queries: 0, accountant: 'pate-moments' };
    return { ...momentsToEpsilon(this.alpha, delta), delta, queries: this.count, accountant: 'pate-moments' };
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  clone(): PateMomentsAccountant {
    const c = new PateMomentsAccountant({ lambda: this.lambda, moments: this.moments });
    c.alpha.set(this.alpha);
    c.count = this.count;
    c.fallbacks = this.fallbacks;
    return c;
  }
}

/** Data-independent LNMax accountant: every query costs 2λ²l(l+1); also the pure-DP bound 2λ·queries. */
export function pateDataIndependentEpsilon(queries: number, lambda: number, delta: number, moments = 20): PateSpent & { pureEpsilon: number } {
  const alpha = new Float64Array(moments);
  for (let i = 0; i < moments; i++) alpha[i] = queries * pateDataIndependentMoment(lambda, i + 1);
  const r = queries === 0 ? { epsilon: 0, order: 1 } : momentsToEpsilon(alpha, delta);
  return { ...r, delta, queries, accountant: 'pate-independent', pureEpsilon: 2 * lambda * queries };
}

/**
 * The largest Laplace λ whose data-independent bound lets `queries` votes fit in (ε, δ): PATE's analogue of
 * calibrating σ for DP-SGD. The data-dependent accountant can only report less, so a run that plans this
 * many queries never stops early for budget. ε_indep(λ) increases with λ; bisection on log λ.
 */
export function calibratePateLambda(queries: number, epsilon: number, delta: number, moments = 20): number {
  if (!(queries >= 1)) throw new RangeError(`PATE: λ calibration needs at least one planned query, got ${queries}`);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`PATE: λ calibration needs a finite ε > 0, got ${epsilon}`);
  const fits = (lambda: number) => pateDataIndependentEpsilon(queries, lambda, delta, moments).epsilon <= epsilon;
  let lo = Math.log(1e-9);
  let hi = Math.log(1e3);
  if (!fits(Math.exp(lo))) {
    throw new RangeError(`PATE: ε=${epsilon} at δ=${delta} is below the accountant's floor log(1/δ)/${moments}; raise moments or ε`);
  }
  if (fits(Math.exp(hi))) return Math.exp(hi);
  for (let i = 0; i < 100 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (fits(Math.exp(mid))) lo = mid;
    else hi = mid;
  }
  return Math.exp(lo);
}

/** GNMax data-independent RDP (Papernot et al. 2018): one vote moved changes two counts → α/σ² per query. */
export function gnmaxEpsilon(queries: number, sigma: number, delta: number, orders: readonly number[] = DEFAULT_ORDERS): PateSpent {
  if (!(sigma > 0)) throw new RangeError(`PATE: GNMax σ must be positive, got ${sigma}`);
  const rdp = orders.map((a) => (queries * a) / (sigma * sigma));
  const r = queries === 0 ? { epsilon: 0, order: orders[0] } : rdpToEpsilon(orders, rdp, delta);
  return { epsilon: r.epsilon, order: r.order, delta, queries, accountant: 'gnmax-rdp' };
}

/**
 * Noisy binary labels for a batch of queries (PATE-GAN's student labels): votes1[i] of k teachers say
 * "real" (1) for sample i. Every query is accounted BEFORE the label is drawn — including those voted real.
 */
export function noisyTeacherLabels(votes1: ArrayLike<number>, k: number, lambda: number, rng: Rng, accountant: PateMomentsAccountant): Uint8Array {
  if (accountant.lambda !== lambda) throw new RangeError(`PATE: accountant λ=${accountant.lambda} differs from the aggregation λ=${lambda}`);
  return binaryVotes(votes1, k, (counts) => {
    accountant.addGap(Math.abs(counts[1] - counts[0]));
    return laplaceNoisyMax(counts, lambda, rng);
  });
}

/** Two-class noisy aggregation of each query's vote count; `label` accounts the query, then draws its label. */
function binaryVotes(votes1: ArrayLike<number>, k: number, label: (counts: number[]) => number): Uint8Array {
  const out = new Uint8Array(votes1.length);
  const counts = [0, 0];
  for (let i = 0; i < votes1.length; i++) {
    const n1 = votes1[i];
    if (!(Number.isInteger(n1) && n1 >= 0 && n1 <= k)) throw new RangeError(`PATE: vote count ${n1} at query ${i} is not in [0, ${k}]`);
    counts[0] = k - n1;
    counts[1] = n1;
    out[i] = label(counts);
  }
  return out;
}

/**
 * Two-class GNMax composed exactly: the label of a query is the sign of n₁ − n₀ plus N(0, 2σ²) (σ on each
 * count), and one changed partition moves n₁ − n₀ by ≤ 2 — a Gaussian mechanism with noise multiplier σ/√2.
 * `queries` of them (adaptively chosen) compose to one Gaussian mechanism with multiplier σ/√(2·queries)
 * (Dong, Roth & Su 2019, GDP), whose (ε, δ) is exact (Balle & Wang 2018): tighter than the RDP bound.
 */
export function gnmaxBinaryEpsilon(queries: number, sigma: number, delta: number): number {
  if (!(sigma > 0)) throw new RangeError(`PATE: GNMax σ must be positive, got ${sigma}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`PATE: δ must be in (0, 1), got ${delta}`);
  if (queries === 0) return 0;
  const z = sigma / Math.sqrt(2 * queries);
  if (gaussianDelta(z, 0) <= delta) return 0;
  // δ(ε) decreases in ε: bracket, then bisect in log ε.
  let lo = Math.log(1e-9);
  let hi = 0;
  while (gaussianDelta(z, Math.exp(hi)) > delta) hi += 1;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(z, Math.exp(mid)) > delta) lo = mid;
    else hi = mid;
  }
  return Math.exp(hi);
}

/** The per-count σ of two-class GNMax that lets `queries` labels fit exactly in (ε, δ) (gnmaxBinaryEpsilon). */
export function calibrateGnmaxSigma(queries: number, epsilon: number, delta: number): number {
  if (!(queries >= 1)) throw new RangeError(`PATE: σ calibration needs at least one planned query, got ${queries}`);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`PATE: σ calibration needs a finite ε > 0, got ${epsilon}`);
  // Rounded up by a hair: the planned queries must fit, not exceed ε by a rounding error at the last one.
  return analyticGaussianSigma(epsilon, delta) * Math.sqrt(2 * queries) * (1 + 1e-9);
}

/** Query counter for GNMax aggregation; ε by the data-independent RDP bound (gnmaxEpsilon). */
export class GnmaxAccountant {
  readonly sigma: number;
  private count = 0;

  constructor(o: { sigma: number }) {
    if (!(o.sigma > 0)) throw new RangeError(`PATE: GNMax σ must be positive, got ${o.sigma}`);
    this.sigma = o.sigma;
  }

  addQuery(n = 1): void {
    this.count += n;
  }

  get queries(): number {
    return this.count;
  }

  spent(delta: number): PateSpent {
    return gnmaxEpsilon(this.count, this.sigma, delta);
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }
}

/** GNMax variant of noisyTeacherLabels: N(0, σ²) on each count; every query counted before its label is drawn. */
export function noisyTeacherLabelsGnmax(votes1: ArrayLike<number>, k: number, sigma: number, rng: Rng, accountant: GnmaxAccountant): Uint8Array {
  if (accountant.sigma !== sigma) throw new RangeError(`PATE: accountant σ=${accountant.sigma} differs from the aggregation σ=${sigma}`);
  return binaryVotes(votes1, k, (counts) => {
    accountant.addQuery();
    return gaussianNoisyMax(counts, sigma, rng);
  });
}

/**
 * How a PATE critic turns teacher votes into released labels, with its accountant: every query is counted
 * before its label is drawn, and `epsilonWith` tells (releasing nothing) what answering a batch would cost.
 */
export interface BinaryVoteAggregator {
  readonly mechanism: 'lnmax' | 'gnmax';
  readonly queries: number;
  epsilon(delta: number): number;
  /** ε after also answering queries with these "real" vote counts (out of k); nothing is released. */
  epsilonWith(votes1: ArrayLike<number>, k: number, delta: number): number;
  /** Account each query, then draw its noisy label (1 = "real" / "yes"). */
  labels(votes1: ArrayLike<number>, k: number, rng: Rng): Uint8Array;
}

/** Laplace noisy-max (scale 1/λ) with PATE-GAN's data-dependent moments accountant (the paper's choice). */
export class LnmaxAggregator implements BinaryVoteAggregator {
  readonly mechanism = 'lnmax';
  readonly accountant: PateMomentsAccountant;
  constructor(readonly lambda: number, moments: number) {
    this.accountant = new PateMomentsAccountant({ lambda, moments });
  }
  get queries(): number {
    return this.accountant.queries;
  }
  epsilon(delta: number): number {
    return this.accountant.epsilon(delta);
  }
  epsilonWith(votes1: ArrayLike<number>, k: number, delta: number): number {
    const trial = this.accountant.clone();
    for (let i = 0; i < votes1.length; i++) trial.addGap(Math.abs(2 * votes1[i] - k));
    return trial.epsilon(delta);
  }
  labels(votes1: ArrayLike<number>, k: number, rng: Rng): Uint8Array {
    return noisyTeacherLabels(votes1, k, this.lambda, rng, this.accountant);
  }
}

/** Two-class GNMax (σ per count) composed exactly as one Gaussian mechanism (gnmaxBinaryEpsilon): data-independent. */
export class GnmaxAggregator implements BinaryVoteAggregator {
  readonly mechanism = 'gnmax';
  readonly accountant: GnmaxAccountant;
  constructor(readonly sigma: number) {
    this.accountant = new GnmaxAccountant({ sigma });
  }
  get queries(): number {
    return this.accountant.queries;
  }
  epsilon(delta: number): number {
    return gnmaxBinaryEpsilon(this.queries, this.sigma, delta);
  }
  epsilonWith(votes1: ArrayLike<number>, _k: number, delta: number): number {
    return gnmaxBinaryEpsilon(this.queries + votes1.length, this.sigma, delta);
  }
  labels(votes1: ArrayLike<number>, k: number, rng: Rng): Uint8Array {
    return noisyTeacherLabelsGnmax(votes1, k, this.sigma, rng, this.accountant);
  }
  /**
   * The noisy "real" vote share of each query, (n₁ + N(0, σ²/2))/k, unclipped. GNMax's label is exactly whether
   * this exceeds ½ (noise σ on both counts: n₁ + N₁ > n₀ + N₀ ⟺ n₁ + (N₁ − N₀)/2 > k/2), so releasing the share is
   * the same Gaussian mechanism — the same privacy cost — with the vote margin kept instead of thrown away.
   */
  /**
   * Bounded real-valued votes: each teacher's vote v ∈ [−1, 1], `sums` their totals per query. Released:
   * (Σv + N(0, 2σ²))/k. One changed partition moves Σv by ≤ 2 — the Gaussian mechanism of the two-class GNMax
   * label (whose votes are ±1), at the same cost; the student then learns the teachers' mean, not their majority.
   */
  means(sums: ArrayLike<number>, k: number, rng: Rng): Float32Array {
    const out = new Float32Array(sums.length);
    const sd = this.sigma * Math.SQRT2;
    for (let i = 0; i < sums.length; i++) {
      const v = sums[i];
      if (!(Math.abs(v) <= k * (1 + 1e-6))) throw new RangeError(`PATE: vote total ${v} at query ${i} is not in [−${k}, ${k}]`);
      this.accountant.addQuery();
      out[i] = (v + sd * rng.normal()) / k;
    }
    return out;
  }

  shares(votes1: ArrayLike<number>, k: number, rng: Rng): Float32Array {
    const out = new Float32Array(votes1.length);
    const sd = this.sigma / Math.SQRT2;
    for (let i = 0; i < votes1.length; i++) {
      const n1 = votes1[i];
      if (!(Number.isInteger(n1) && n1 >= 0 && n1 <= k)) throw new RangeError(`PATE: vote count ${n1} at query ${i} is not in [0, ${k}]`);
      this.accountant.addQuery();
      out[i] = (n1 + sd * rng.normal()) / k;
    }
    return out;
  }
}
