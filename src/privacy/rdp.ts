/**
 * Rényi-DP of the subsampled Gaussian mechanism and the RDP → (ε, δ) conversion.
 *
 * - Poisson subsampling at rate q with noise multiplier σ (add/remove-one adjacency): Mironov, Talwar &
 *   Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" — the closed sum for integer
 *   orders and the two-sided erfc series for fractional orders (the analysis Opacus' `compute_rdp` and TF
 *   Privacy implement; written here from the paper).
 * - Fixed-size batches (sampling without replacement, replace-one adjacency, sensitivity 2C): Wang, Balle &
 *   Kasiviswanathan 2019 Thm 9, integer orders only.
 * - Conversion: Balle et al. 2020 (Hypothesis testing interpretations and Rényi DP, Thm 21), as Opacus'
 *   `get_privacy_spent`: ε = RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1), minimised over α.
 */
import { logAdd, logErfc, logSub } from './numeric.ts';

/** Opacus' DEFAULT_ALPHAS: 1.1…10.9 step 0.1 and 12…63 (opacus/accountants/rdp.py). */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

/** Integer orders 2…256 for fixed-size batches (the WBK bound is stated for integer α). */
export const INTEGER_ORDERS: readonly number[] = Object.freeze(Array.from({ length: 255 }, (_, i) => i + 2));

export type Sampling = 'poisson' | 'fixed';

function checkArgs(q: number, sigma: number, order: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`RDP: sampling rate q must be in [0, 1], got ${q}`);
  if (!(sigma >= 0)) throw new RangeError(`RDP: noise multiplier σ must be ≥ 0, got ${sigma}`);
  if (!(order > 1)) throw new RangeError(`RDP: order α must be > 1, got ${order}`);
}

/** log A_α for integer α: log Σ_i C(α,i) qⁱ(1−q)^{α−i} exp((i²−i)/(2σ²)). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let logBinom = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * lq + (alpha - i) * l1q + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/**
 * log A_α for fractional α (MTZ 2019 §3.3): A = Σ_i C(α,i)[qⁱ(1−q)^{α−i} e^{(i²−i)/2σ²} ½erfc((i−z₀)/√2σ)
 * + q^{α−i}(1−q)ⁱ e^{((α−i)²−(α−i))/2σ²} ½erfc((z₀−(α−i))/√2σ)], z₀ = σ² log(1/q − 1) + ½; the
 * generalised binomial coefficients change sign, so positive and negative parts are summed apart.
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  const s2 = sigma * sigma;
  const z0 = s2 * Math.log(1 / q - 1) + 0.5;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let pos0 = -Infinity;
  let neg0 = -Infinity;
  let pos1 = -Infinity;
  let neg1 = -Infinity;
  let coef = 1; // C(α, i), generalised; tracked as a double (it shrinks like i^{-α-1})
  let logAbsCoef = 0;
  for (let i = 0; i < 10000; i++) {
    if (i > 0) {
      const ratio = (alpha - i + 1) / i;
      coef *= ratio;
      logAbsCoef += Math.log(Math.abs(ratio));
    }
    const j = alpha - i;
    const t0 = logAbsCoef + i * lq + j * l1q;
    const t1 = logAbsCoef + j * lq + i * l1q;
    const e0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const e1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const s0 = t0 + (i * i - i) / (2 * s2) + e0;
    const s1 = t1 + (j * j - j) / (2 * s2) + e1;
    if (coef > 0) {
      pos0 = logAdd(pos0, s0);
      pos1 = logAdd(pos1, s1);
    } else {
      neg0 = logAdd(neg0, s0);
      neg1 = logAdd(neg1, s1);
    }
    // Terms decay geometrically once i passes α; stop when they no longer move the sum in double precision.
    if (i > alpha && Math.max(s0, s1) < Math.max(pos0, pos1) - 40) break;
  }
  return logAdd(logSub(pos0, neg0), logSub(pos1, neg1));
}

/** RDP ε(α) of one step of the Poisson-subsampled Gaussian (noise multiplier σ, rate q). */
export function rdpPoissonGaussian(q: number, sigma: number, order: number): number {
  checkArgs(q, sigma, order);
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return order / (2 * sigma * sigma);
  if (order === Infinity) return Infinity;
  const logA = Number.isInteger(order) ? logAInt(q, sigma, order) : logAFrac(q, sigma, order);
  return logA / (order - 1);
}

/**
 * RDP ε(α) of one step of DP-SGD with fixed-size batches drawn without replacement (rate γ = B/n) under
 * replace-one adjacency: the base Gaussian has sensitivity 2C, i.e. ε_base(j) = 2j/σ²; Wang, Balle &
 * Kasiviswanathan 2019, Thm 9 (with ε(∞) = ∞ for the Gaussian, so every min{2, ·} term is 2).
 */
export function rdpFixedSizeGaussian(gamma: number, sigma: number, order: number): number {
  checkArgs(gamma, sigma, order);
  if (!Number.isInteger(order)) throw new RangeError(`RDP (fixed-size batches): order must be an integer ≥ 2, got ${order}`);
  if (gamma === 0) return 0;
  if (sigma === 0) return Infinity;
  const base = (j: number) => (2 * j) / (sigma * sigma);
  if (gamma === 1) return base(order);
  const lg = Math.log(gamma);
  // j = 2 term: γ² C(α,2) min{4(e^{ε(2)} − 1), 2 e^{ε(2)}}
  const e2 = base(2);
  const logTerm2 = Math.min(Math.log(4) + Math.log(Math.expm1(e2)), Math.log(2) + e2);
  let logSum = 0; // log 1
  let logBinom = Math.log((order * (order - 1)) / 2);
  logSum = logAdd(logSum, 2 * lg + logBinom + logTerm2);
  for (let j = 3; j <= order; j++) {
    logBinom += Math.log((order - j + 1) / j);
    logSum = logAdd(logSum, j * lg + logBinom + (j - 1) * base(j) + Math.log(2));
  }
  return Math.min(logSum / (order - 1), base(order));
}

/** RDP per step for the given sampling scheme. */
export function rdpStep(q: number, sigma: number, order: number, sampling: Sampling = 'poisson'): number {
  return sampling === 'fixed' ? rdpFixedSizeGaussian(q, sigma, order) : rdpPoissonGaussian(q, sigma, order);
}

/** RDP curve of `steps` compositions (RDP adds up over steps). */
export function rdpCurve(
  q: number,
  sigma: number,
  steps: number,
  orders: readonly number[] = DEFAULT_ORDERS,
  sampling: Sampling = 'poisson',
): Float64Array {
  const out = new Float64Array(orders.length);
  for (let i = 0; i < orders.length; i++) out[i] = steps === 0 ? 0 : steps * rdpStep(q, sigma, orders[i], sampling);
  return out;
}

export interface RdpEpsilon {
  epsilon: number;
  /** The order α at which the minimum is reached. */
  order: number;
}

/** Balle et al. 2020 conversion of an RDP curve to ε at δ, minimised over orders. */
export function rdpToEpsilon(orders: readonly number[], rdp: ArrayLike<number>, delta: number): RdpEpsilon {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`RDP: δ must be in (0, 1), got ${delta}`);
  let best = Infinity;
  let bestOrder = NaN;
  const logDelta = Math.log(delta);
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    if (!Number.isFinite(r)) continue;
    const eps = r + Math.log((a - 1) / a) - (logDelta + Math.log(a)) / (a - 1);
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

/** The inverse: smallest δ at which the RDP curve gives ε (same conversion, solved for δ). */
export function rdpToDelta(orders: readonly number[], rdp: ArrayLike<number>, epsilon: number): { delta: number; order: number } {
  let best = Infinity;
  let bestOrder = NaN;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    if (!Number.isFinite(r)) continue;
    const logDelta = (a - 1) * (r - epsilon + Math.log((a - 1) / a)) - Math.log(a);
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(1, Math.exp(best)), order: bestOrder };
}

/** The smallest ε any RDP curve can give at δ with these orders (the conversion's floor as RDP → 0). */
export function rdpEpsilonFloor(delta: number, orders: readonly number[] = DEFAULT_ORDERS): RdpEpsilon {
  return rdpToEpsilon(orders, new Float64Array(orders.length), delta);
}

/** RDP of the Gaussian mechanism with noise multiplier σ (std / ℓ2-sensitivity): α/(2σ²). */
export function rdpGaussian(sigma: number, order: number): number {
  return order / (2 * sigma * sigma);
}

/**
 * RDP of the Laplace mechanism with scale b = (Laplace scale / ℓ1-sensitivity) (Mironov 2017, Prop. 6):
 * ε(α) = 1/(α−1) log( α/(2α−1) e^{(α−1)/b} + (α−1)/(2α−1) e^{−α/b} ); never more than its pure ε = 1/b.
 */
export function rdpLaplace(b: number, order: number): number {
  const a = order;
  const v = logAdd(Math.log(a / (2 * a - 1)) + (a - 1) / b, Math.log((a - 1) / (2 * a - 1)) - a / b) / (a - 1);
  return Math.min(v, 1 / b);
}
