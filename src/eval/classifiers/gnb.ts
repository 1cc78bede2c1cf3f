/**
 * Gaussian naive Bayes (scikit-learn GaussianNB): per-class means and population variances, every
 * variance increased by var_smoothing·max_j Var(X_j) with var_smoothing = 1e-9, class priors from the
 * training frequencies. P(y=1) is computed as scikit-learn does, exp(jll₁ − logsumexp(jll)), so its
 * saturation to exactly 0/1 (and hence the AUC ties) is the same.
 */
import type { Rng } from '../../compute/rng.ts';
import { ConstantModel, checkRows, singleClass, type Classifier, type DenseMatrix, type Model } from './types.ts';

class GnbModel implements Model<'dense'> {
  constructor(
    readonly mean: Float64Array[],
    readonly variance: Float64Array[],
    readonly logPrior: number[],
  ) {}

  jll(X: DenseMatrix, c: number): Float64Array {
    const { n, d } = X;
    const mu = this.mean[c];
    const v = this.variance[c];
    let constant = this.logPrior[c];
    for (let j = 0; j < d; j++) constant -= 0.5 * Math.log(2 * Math.PI * v[j]);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const base = i * d;
      for (let j = 0; j < d; j++) {
        const z = X.X[base + j] - mu[j];
        s += (z * z) / v[j];
      }
      out[i] = constant - 0.5 * s;
    }
    return out;
  }

  predictProba(X: DenseMatrix): Float64Array {
    if (X.d !== this.mean[0].length) throw new RangeError(`gnb: fitted on ${this.mean[0].length} features, got ${X.d}`);
    const j0 = this.jll(X, 0);
    const j1 = this.jll(X, 1);
    const out = new Float64Array(X.n);
    for (let i = 0; i < X.n; i++) {
      const mx = Math.max(j0[i], j1[i]);
      const lse = mx + Math.log(Math.exp(j0[i] - mx) + Math.exp(j1[i] - mx));
      out[i] = Math.exp(j1[i] - lse);
    }
    return out;
  }
}

export class GaussianNB implements Classifier<'dense'> {
  readonly name = 'gnb';
  readonly input = 'dense' as const;

  // scikit-learn GaussianNB(var_smoothing=1e-9).
  constructor(readonly varSmoothing = 1e-9) {}

  fit(X: DenseMatrix, y: Uint8Array, _rng?: Rng): Model<'dense'> {
    checkRows(X, y, this.name);
    const one = singleClass(y);
    if (one !== null) return new ConstantModel(one);
    const { n, d } = X;
    const count = [0, 0];
    const mean = [new Float64Array(d), new Float64Array(d)];
    const variance = [new Float64Array(d), new Float64Array(d)];
    const allMean = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      count[c]++;
      const base = i * d;
      for (let j = 0; j < d; j++) {
        mean[c][j] += X.X[base + j];
        allMean[j] += X.X[base + j];
      }
    }
    for (let j = 0; j < d; j++) {
      mean[0][j] /= count[0];
      mean[1][j] /= count[1];
      allMean[j] /= n;
    }
    const allVar = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      const base = i * d;
      for (let j = 0; j < d; j++) {
        const x = X.X[base + j];
        const z = x - mean[c][j];
        variance[c][j] += z * z;
        const za = x - allMean[j];
        allVar[j] += za * za;
      }
    }
    let maxVar = 0;
    for (let j = 0; j < d; j++) maxVar = Math.max(maxVar, allVar[j] / n);
    const eps = this.varSmoothing * maxVar;
    for (const c of [0, 1]) for (let j = 0; j < d; j++) variance[c][j] = variance[c][j] / count[c] + eps;
    if (!(eps > 0)) {
      // Every feature constant: no evidence beyond the priors.
      for (const c of [0, 1]) variance[c].fill(1);
    }
    return new GnbModel(mean, variance, [Math.log(count[0] / n), Math.log(count[1] / n)]);
  }
}
