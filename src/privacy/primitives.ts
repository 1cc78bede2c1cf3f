/**
 * Small DP releases the baselines and preprocessing need, each recording its ledger entry before returning:
 * noisy counts and histograms (Laplace or Gaussian), and a DP quantile (exponential mechanism).
 * Adjacency: add/remove one row, so a count or a histogram has ℓ1 = ℓ2 sensitivity 1.
 * Noise comes from the Rng passed in (seeded, reproducible).
 */
import type { Rng } from '../compute/rng.ts';
import type { Ledger } from './ledger.ts';
import { bracketRoot, logNormalTail, logSub } from './numeric.ts';

export type NoiseSpec =
  | { mechanism: 'laplace'; epsilon: number }
  /** Gaussian calibrated by the analytic Gaussian mechanism (Balle & Wang 2018) to (ε, δ). */
  | { mechanism: 'gaussian'; epsilon: number; delta: number };

/** δ(ε) of the Gaussian mechanism with std σ and ℓ2-sensitivity Δ (Balle & Wang 2018, Thm 8). */
export function gaussianDelta(sigma: number, epsilon: number, sensitivity = 1): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  // Φ(a − b) − e^ε Φ(−a − b) in log space: at large ε, e^ε overflows while Φ(−a − b) underflows.
  const l1 = logNormalTail(b - a);
  const l2 = epsilon + logNormalTail(a + b);
  return l2 >= l1 ? 0 : Math.exp(logSub(l1, l2));
}

/** Smallest σ with δ(ε) ≤ target for the Gaussian mechanism (analytic calibration, valid for any ε > 0). */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity = 1): number {
  if (!(epsilon > 0)) throw new RangeError(`Gaussian mechanism: ε must be positive, got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`Gaussian mechanism: δ must be in (0, 1), got ${delta}`);
  // δ decreases in σ: bracket in log σ, keep the side with δ ≤ target.
  const f = (ls: number) => Math.log(Math.max(1e-300, gaussianDelta(Math.exp(ls) * sensitivity, epsilon, sensitivity))) - Math.log(delta);
  let a = Math.log(1e-3);
  let b = Math.log(10);
  while (f(b) > 0) b += Math.LN2 * 4;
  while (f(a) < 0) a -= Math.LN2 * 4;
  return Math.exp(bracketRoot(f, a, b, { xtol: 1e-12, keep: 'negative' }).x) * sensitivity;
}

function checkEpsilon(e: number, what: string): void {
  if (!(e > 0 && Number.isFinite(e))) throw new RangeError(`${what}: ε must be positive and finite, got ${e}`);
}

/**
 * Noisy histogram (or a single count when `counts` has one cell). Laplace scale 1/ε, or Gaussian σ from
 * (ε, δ). Records one ledger entry. `clamp` rounds negative noisy counts up to 0 (post-processing).
 */
export function noisyHistogram(
  counts: ArrayLike<number>,
  spec: NoiseSpec,
  rng: Rng,
  ledger: Ledger,
  what: string,
  o: { clamp?: boolean } = {},
): Float64Array {
  checkEpsilon(spec.epsilon, `noisy histogram "${what}"`);
  const out = new Float64Array(counts.length);
  if (spec.mechanism === 'laplace') {
    const b = 1 / spec.epsilon;
    ledger.spend({ what, mechanism: 'laplace', epsilon: spec.epsilon, delta: 0, params: { scale: b, cells: counts.length }, release: { type: 'laplace', noiseMultiplier: b } });
    for (let i = 0; i < counts.length; i++) out[i] = counts[i] + rng.laplace(b);
  } else {
    const sigma = analyticGaussianSigma(spec.epsilon, spec.delta);
    ledger.spend({
      what,
      mechanism: 'gaussian',
      epsilon: spec.epsilon,
      delta: spec.delta,
      params: { sigma, cells: counts.length },
      release: { type: 'gaussian', noiseMultiplier: sigma },
    });
    for (let i = 0; i < counts.length; i++) out[i] = counts[i] + sigma * rng.normal();
  }
  if (o.clamp) for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
  return out;
}

/** One noisy count (sensitivity 1). */
export function noisyCount(count: number, spec: NoiseSpec, rng: Rng, ledger: Ledger, what: string): number {
  return noisyHistogram([count], spec, rng, ledger, what)[0];
}

/** Noisy histogram normalised to probabilities (negative cells clamped; uniform if everything vanished). */
export function noisyFrequencies(counts: ArrayLike<number>, spec: NoiseSpec, rng: Rng, ledger: Ledger, what: string): Float64Array {
  const h = noisyHistogram(counts, spec, rng, ledger, what, { clamp: true });
  let s = 0;
  for (let i = 0; i < h.length; i++) s += h[i];
  for (let i = 0; i < h.length; i++) h[i] = s > 0 ? h[i] / s : 1 / h.length;
  return h;
}

/**
 * DP quantile by the exponential mechanism (Smith 2011): values clipped to the public range [lower, upper],
 * sorted; an interval between consecutive values is drawn with probability ∝ length·exp(−ε|i − p·n|/2)
 * (utility sensitivity 1), then a point uniformly inside it. Records one ledger entry (pure ε).
 */
export function dpQuantile(
  values: ArrayLike<number>,
  p: number,
  o: { lower: number; upper: number; epsilon: number },
  rng: Rng,
  ledger: Ledger,
  what: string,
): number {
  checkEpsilon(o.epsilon, `DP quantile "${what}"`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`DP quantile "${what}": p must be in [0, 1], got ${p}`);
  if (!(Number.isFinite(o.lower) && Number.isFinite(o.upper) && o.lower < o.upper)) {
    throw new RangeError(`DP quantile "${what}": needs public bounds lower < upper, got [${o.lower}, ${o.upper}]`);
  }
  ledger.spend({ what, mechanism: 'exponential', epsilon: o.epsilon, delta: 0, params: { p, lower: o.lower, upper: o.upper } });
  const n = values.length;
  const xs = new Float64Array(n + 2);
  xs[0] = o.lower;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new RangeError(`DP quantile "${what}": value ${i} is NaN`);
    xs[i + 1] = Math.min(o.upper, Math.max(o.lower, v));
  }
  xs[n + 1] = o.upper;
  xs.subarray(1, n + 1).sort();
  const target = p * n;
  // Interval i = [xs[i], xs[i+1]] holds the points with rank i; Gumbel-max over log weights.
  let best = -Infinity;
  let arg = 0;
  for (let i = 0; i <= n; i++) {
    const len = xs[i + 1] - xs[i];
    if (len <= 0) continue;
    const score = Math.log(len) - (o.epsilon * Math.abs(i - target)) / 2 + rng.gumbel();
    if (score > best) {
      best = score;
      arg = i;
    }
  }
  return xs[arg] + rng.uniform() * (xs[arg + 1] - xs[arg]);
}
