/**
 * Differentially private Gaussian naive Bayes from noisy sufficient statistics (in the spirit of
 * diffprivlib's GaussianNB, Vaidya et al. 2013), on the public [0, 1] features of PublicEncoder:
 *
 *  1. class counts n_c — a histogram (each row in one class): sensitivity 1;
 *  2. per-class feature sums S_c — the rows of class c alone (parallel composition over classes); one row
 *     adds x with ‖x‖₁ ≤ m (m input columns: each numeric adds ≤ 1, each one-hot block exactly one 1) and
 *     ‖x‖₂ ≤ √m, so the whole vector is one release (diffprivlib splits ε over the d features instead: with
 *     one-hot blocks that is d/m times more noise);
 *  3. per-class centred sums of squares Q_cj = Σ (x_ij − μ̃_cj)² of the numeric features around the released
 *     means μ̃ (public by then): one row adds ≤ max(μ̃, 1 − μ̃)² per feature. One-hot indicators need no
 *     query: their variance is μ(1 − μ).
 *
 * Budget split (default ⅓ each, as diffprivlib; `split` changes it; the share of step 3 goes to step 2 when
 * there are no numeric features), noise Laplace (pure ε; default) or Gaussian (analytic calibration, δ split
 * the same way). Each statistic is one ledger entry; the entries sum to the fit's budget exactly.
 * Post-processing (free): counts ≥ 1; indicator sums rounded to whole counts; means clamped to [0, 1]; variances
 * clamped to [floor, ¼] (¼ is the largest variance of a [0, 1] feature) plus var_smoothing (scikit-learn adds
 * var_smoothing × the largest data variance, which is 1 after the non-private pipeline's standardisation; taking
 * it from the data would leak). The default floor is the noise level of each estimate, the same for both classes;
 * without it (`varianceFloor: 'sklearn'`) a level absent from a class gets variance ≈ 1e-9, which is what
 * makes the non-private GaussianNB so poor on one-hot data (Adult accuracy 0.553) and is the limit as ε → ∞.
 */
import type { Rng } from '../../compute/rng.ts';
import type { Ledger } from '../../privacy/ledger.ts';
import { analyticGaussianSigma } from '../../privacy/primitives.ts';
import type { DpFitPrivacy } from './dp-logreg.ts';
import type { PublicMatrix } from './public-features.ts';
import { checkRows, type DenseMatrix, type Model } from './types.ts';

export interface DpGnbOptions {
  noise: 'laplace' | 'gaussian';
  /** Budget shares of [class counts, feature sums, sums of squares], normalised to 1. */
  split: [number, number, number];
  varSmoothing: number;
  /**
   * 'noise' (default): variances never below the noise level of their estimate (std of μ̃ for indicators, of the
   * variance for numerics) — a post-processing choice that keeps rare levels from dominating at small ε.
   * 'sklearn': only var_smoothing, as scikit-learn — the non-private model's (degenerate) behaviour as ε → ∞.
   */
  varianceFloor: 'noise' | 'sklearn';
}

export const DP_GNB_DEFAULTS: DpGnbOptions = { noise: 'laplace', split: [1, 1, 1], varSmoothing: 1e-9, varianceFloor: 'noise' };

/** The noisy statistics and the noise scale each was released with (std for Gaussian, b for Laplace). */
export interface GnbRelease {
  counts: [number, number];
  sums: [Float64Array, Float64Array];
  /** Centred sums of squares of the numeric features (indexed like X.numeric). */
  squares: [Float64Array, Float64Array];
  means: [Float64Array, Float64Array];
  scales: { counts: number; sums: number; squares: [number, number] };
  epsilon: { counts: number; sums: number; squares: number };
}

function shares(split: [number, number, number], hasNumeric: boolean): [number, number, number] {
  const s = hasNumeric ? [...split] : [split[0], split[1] + split[2], 0];
  if (!s.every((v) => v >= 0) || !(s[0] > 0 && s[1] > 0)) throw new RangeError(`dp-gnb: split must give the counts and the sums a positive share, got [${split.join(', ')}]`);
  const tot = s[0] + s[1] + s[2];
  return [s[0] / tot, s[1] / tot, s[2] / tot];
}

/** Noise scale and ledger entry for one release of ℓ1-sensitivity l1 (ℓ2: l2) at (ε, δ). */
function mechanism(kind: DpGnbOptions['noise'], epsilon: number, delta: number, l1: number, l2: number): { scale: number; draw: (rng: Rng) => number } {
  if (kind === 'laplace') {
    const b = l1 / epsilon;
    return { scale: b, draw: (rng) => rng.laplace(b) };
  }
  const s = analyticGaussianSigma(epsilon, delta, l2);
  return { scale: s, draw: (rng) => s * rng.normal() };
}

/**
 * Release the three statistics of X (features in [0, 1]) and y under the ledger's remaining budget,
 * recording one entry per statistic.
 */
export function releaseGnbStatistics(X: PublicMatrix, y: Uint8Array, opts: DpGnbOptions, rng: Rng, ledger: Ledger): GnbRelease {
  checkRows(X, y, 'dp-gnb');
  const { epsilon, delta } = ledger.remaining();
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`dp-gnb: needs a finite positive ε to spend, the ledger has ${epsilon} left`);
  if (opts.noise === 'gaussian' && !(delta > 0)) throw new RangeError('dp-gnb: Gaussian noise needs δ > 0 (privacy.delta)');
  const { n, d } = X;
  const k = X.numeric.length;
  const [a0, a1, a2] = shares(opts.split, k > 0);
  const eps = { counts: epsilon * a0, sums: epsilon * a1, squares: 0 };
  // The last share is what is left, so the entries add up to ε exactly (no rounding past the budget).
  if (k > 0) eps.squares = epsilon - eps.counts - eps.sums;
  else eps.sums = epsilon - eps.counts;
  const del = opts.noise === 'gaussian' ? { counts: delta * a0, sums: delta * a1, squares: delta * a2 } : { counts: 0, sums: 0, squares: 0 };

  // 1. Class counts.
  const trueCounts = [0, 0];
  for (let i = 0; i < n; i++) trueCounts[y[i]]++;
  const mc = mechanism(opts.noise, eps.counts, del.counts, 1, 1);
  ledger.spend({ what: 'dp-gnb: class counts', mechanism: opts.noise, epsilon: eps.counts, delta: del.counts, params: { scale: mc.scale, sensitivity: 1, cells: 2 } });
  const r1 = rng.fork('counts');
  const counts: [number, number] = [trueCounts[0] + mc.draw(r1), trueCounts[1] + mc.draw(r1)];

  // 2. Per-class feature sums.
  const sums: [Float64Array, Float64Array] = [new Float64Array(d), new Float64Array(d)];
  for (let i = 0; i < n; i++) {
    const s = sums[y[i]];
    const base = i * d;
    for (let j = 0; j < d; j++) s[j] += X.X[base + j];
  }
  const m = X.columns;
  const ms = mechanism(opts.noise, eps.sums, del.sums, m, Math.sqrt(m));
  ledger.spend({ what: `dp-gnb: per-class sums of ${d} features`, mechanism: opts.noise, epsilon: eps.sums, delta: del.sums, params: { scale: ms.scale, sensitivity: m, features: d } });
  const r2 = rng.fork('sums');
  for (const s of sums) {
    for (let j = 0; j < d; j++) {
      s[j] += ms.draw(r2);
      // Sums of indicators are counts: round (post-processing), so a level absent from a class reads 0 at large ε.
      if (X.oneHot[j]) s[j] = Math.max(0, Math.round(s[j]));
    }
  }
  const nc = [Math.max(1, counts[0]), Math.max(1, counts[1])];
  const means: [Float64Array, Float64Array] = [new Float64Array(d), new Float64Array(d)];
  for (const c of [0, 1]) for (let j = 0; j < d; j++) means[c][j] = Math.min(1, Math.max(0, sums[c][j] / nc[c]));

  // 3. Centred sums of squares of the numeric features (around the released means).
  const squares: [Float64Array, Float64Array] = [new Float64Array(k), new Float64Array(k)];
  const sqScales: [number, number] = [0, 0];
  if (k > 0) {
    for (let i = 0; i < n; i++) {
      const c = y[i];
      const q = squares[c];
      const mu = means[c];
      const base = i * d;
      for (let t = 0; t < k; t++) {
        const j = X.numeric[t];
        const z = X.X[base + j] - mu[j];
        q[t] += z * z;
      }
    }
    const r3 = rng.fork('squares');
    for (const c of [0, 1] as const) {
      // One row of class c adds ≤ max(μ̃, 1 − μ̃)² to each feature's sum: ℓ1 is the sum, ℓ2 the root of squares.
      let l1 = 0;
      let l2 = 0;
      for (let t = 0; t < k; t++) {
        const mu = means[c][X.numeric[t]];
        const s = Math.max(mu, 1 - mu) ** 2;
        l1 += s;
        l2 += s * s;
      }
      const mq = mechanism(opts.noise, eps.squares, del.squares, l1, Math.sqrt(l2));
      sqScales[c] = mq.scale;
      for (let t = 0; t < k; t++) squares[c][t] += mq.draw(r3);
    }
    ledger.spend({
      what: `dp-gnb: per-class centred sums of squares of ${k} numeric features`,
      mechanism: opts.noise,
      epsilon: eps.squares,
      delta: del.squares,
      params: { scale0: sqScales[0], scale1: sqScales[1], features: k },
    });
  }
  return { counts, sums, squares, means, scales: { counts: mc.scale, sums: ms.scale, squares: sqScales }, epsilon: eps };
}

class DpGnbModel implements Model<'dense'> {
  constructor(
    readonly mean: [Float64Array, Float64Array],
    readonly variance: [Float64Array, Float64Array],
    readonly logPrior: [number, number],
  ) {}

  predictProba(X: DenseMatrix): Float64Array {
    const d = this.mean[0].length;
    if (X.d !== d) throw new RangeError(`dp-gnb: fitted on ${d} features, got ${X.d}`);
    const out = new Float64Array(X.n);
    const consts = [0, 1].map((c) => {
      let k = this.logPrior[c];
      for (let j = 0; j < d; j++) k -= 0.5 * Math.log(2 * Math.PI * this.variance[c][j]);
      return k;
    });
    for (let i = 0; i < X.n; i++) {
      const jll = [consts[0], consts[1]];
      const base = i * d;
      for (const c of [0, 1]) {
        const mu = this.mean[c];
        const v = this.variance[c];
        let s = 0;
        for (let j = 0; j < d; j++) {
          const z = X.X[base + j] - mu[j];
          s += (z * z) / v[j];
        }
        jll[c] -= 0.5 * s;
      }
      // exp(jll₁ − logsumexp), as the non-private GaussianNB.
      const mx = Math.max(jll[0], jll[1]);
      out[i] = Math.exp(jll[1] - (mx + Math.log(Math.exp(jll[0] - mx) + Math.exp(jll[1] - mx))));
    }
    return out;
  }
}

export class DpGaussianNB {
  readonly name = 'dp-gnb';
  readonly opts: DpGnbOptions;
  lastRelease?: GnbRelease;

  constructor(
    readonly privacy: DpFitPrivacy,
    opts: Partial<DpGnbOptions> = {},
  ) {
    this.opts = { ...DP_GNB_DEFAULTS, ...opts };
  }

  fit(X: PublicMatrix, y: Uint8Array, rng: Rng): Model<'dense'> {
    const r = releaseGnbStatistics(X, y, this.opts, rng, this.privacy.ledger);
    this.lastRelease = r;
    const { d } = X;
    const nc = [Math.max(1, r.counts[0]), Math.max(1, r.counts[1])];
    // Variance floors at the noise level of the estimate (std of μ̃ for one-hot, of the variance for numerics),
    // the same for both classes: a level absent from the data must not be penalised more in the smaller class.
    const sd = this.opts.noise === 'laplace' ? Math.SQRT2 : 1;
    const nMin = Math.min(nc[0], nc[1]);
    const noiseFloor = this.opts.varianceFloor === 'noise';
    const floorOneHot = noiseFloor ? (sd * r.scales.sums) / nMin : 0;
    const floorNumeric = noiseFloor ? (sd * Math.max(r.scales.squares[0], r.scales.squares[1])) / nMin : 0;
    const smoothing = this.opts.varSmoothing;
    const variance: [Float64Array, Float64Array] = [new Float64Array(d), new Float64Array(d)];
    for (const c of [0, 1] as const) {
      const mu = r.means[c];
      for (let j = 0; j < d; j++) variance[c][j] = X.oneHot[j] ? Math.max(floorOneHot, mu[j] * (1 - mu[j])) : 0;
      for (let t = 0; t < X.numeric.length; t++) variance[c][X.numeric[t]] = Math.min(0.25, Math.max(floorNumeric, r.squares[c][t] / nc[c]));
      for (let j = 0; j < d; j++) variance[c][j] += smoothing;
    }
    const tot = nc[0] + nc[1];
    return new DpGnbModel([r.means[0], r.means[1]], variance, [Math.log(nc[0] / tot), Math.log(nc[1] / tot)]);
  }
}
