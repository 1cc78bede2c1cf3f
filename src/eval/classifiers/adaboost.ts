/**
 * AdaBoost on decision stumps (scikit-learn AdaBoostClassifier(n_estimators=50, learning_rate=1)).
 * scikit-learn 1.2 — the version of the accuracy anchors — defaults to SAMME.R (real-valued stump
 * outputs ½·log(p₁/p₀)); discrete SAMME (the default from 1.6 on) is available as an option.
 */
import type { Rng } from '../../compute/rng.ts';
import type { BinnedMatrix } from './binning.ts';
import { growTree } from './grow.ts';
import { defaultTreeParams, type Tree } from './tree.ts';
import { ConstantModel, checkRows, singleClass, type Classifier, type Model } from './types.ts';

export interface AdaBoostOptions {
  estimators: number;
  learningRate: number;
  algorithm: 'SAMME' | 'SAMME.R';
  /** Depth of the weak learners (1 = stumps). */
  maxDepth: number;
}

// numpy float64 eps: scikit-learn clips stump probabilities to [eps, 1] before the log (SAMME.R).
const EPS = 2.220446049250313e-16;

class AdaModel implements Model<'binned'> {
  constructor(
    readonly trees: Tree[],
    readonly alphas: number[],
    readonly algorithm: 'SAMME' | 'SAMME.R',
  ) {}

  /** scikit-learn decision_function for two classes. */
  decision(X: BinnedMatrix): Float64Array {
    const out = new Float64Array(X.n);
    const T = this.trees.length;
    if (this.algorithm === 'SAMME.R') {
      for (const tree of this.trees) {
        for (let i = 0; i < X.n; i++) {
          const p = tree.value[tree.leaf(X, i)];
          out[i] += Math.log(Math.max(p, EPS)) - Math.log(Math.max(1 - p, EPS));
        }
      }
      // Σ_m ½·log(p₁/p₀) for class 1 minus the same for class 0, over the (unit) estimator weights.
      for (let i = 0; i < X.n; i++) out[i] /= T;
    } else {
      let total = 0;
      this.trees.forEach((tree, m) => {
        const a = this.alphas[m];
        total += a;
        for (let i = 0; i < X.n; i++) out[i] += tree.value[tree.leaf(X, i)] > 0.5 ? a : -a;
      });
      for (let i = 0; i < X.n; i++) out[i] /= total;
    }
    return out;
  }

  predictProba(X: BinnedMatrix): Float64Array {
    // Two-class softmax of [−f, f]/2 = sigmoid(f).
    const f = this.decision(X);
    for (let i = 0; i < f.length; i++) f[i] = 1 / (1 + Math.exp(-f[i]));
    return f;
  }
}

export class AdaBoost implements Classifier<'binned'> {
  readonly name = 'adaboost';
  readonly input = 'binned' as const;
  readonly opts: AdaBoostOptions;

  constructor(opts: Partial<AdaBoostOptions> = {}) {
    this.opts = { estimators: 50, learningRate: 1, algorithm: 'SAMME.R', maxDepth: 1, ...opts };
  }

  fit(X: BinnedMatrix, y: Uint8Array, _rng: Rng): Model<'binned'> {
    checkRows(X, y, this.name);
    const one = singleClass(y);
    if (one !== null) return new ConstantModel(one);
    const { n } = X;
    const { estimators, learningRate: lr, algorithm } = this.opts;
    const w = new Float64Array(n).fill(1 / n);
    const t = Float64Array.from(y);
    const params = { ...defaultTreeParams(X.d), maxDepth: this.opts.maxDepth };
    const trees: Tree[] = [];
    const alphas: number[] = [];
    const rows = new Int32Array(n);
    for (let m = 0; m < estimators; m++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (w[i] > 0) rows[k++] = i;
      const tree = growTree({ X, w, t, rows: rows.slice(0, k), params });
      // Weighted training error of the stump's hard predictions.
      const p = new Float64Array(n);
      let err = 0;
      let W = 0;
      for (let i = 0; i < n; i++) {
        p[i] = tree.value[tree.leaf(X, i)];
        W += w[i];
        if ((p[i] > 0.5 ? 1 : 0) !== y[i]) err += w[i];
      }
      err /= W;
      trees.push(tree);
      if (err <= 0) {
        // Perfect fit: scikit-learn keeps this estimator with weight 1 and stops.
        alphas.push(1);
        break;
      }
      if (algorithm === 'SAMME.R') {
        alphas.push(1);
        // w ← w · exp(−lr·½·log(p_true / p_other)).
        for (let i = 0; i < n; i++) {
          const p1 = Math.max(p[i], EPS);
          const p0 = Math.max(1 - p[i], EPS);
          const logRatio = y[i] ? Math.log(p1) - Math.log(p0) : Math.log(p0) - Math.log(p1);
          w[i] *= Math.exp(-lr * 0.5 * logRatio);
        }
      } else {
        if (err >= 0.5) {
          // No better than chance for two classes: scikit-learn drops it and stops.
          trees.pop();
          if (trees.length === 0) return new ConstantModel(y.reduce((s, v) => s + v, 0) * 2 > n ? 1 : 0);
          break;
        }
        const alpha = lr * Math.log((1 - err) / err);
        alphas.push(alpha);
        for (let i = 0; i < n; i++) if ((p[i] > 0.5 ? 1 : 0) !== y[i]) w[i] *= Math.exp(alpha);
      }
      let sum = 0;
      for (let i = 0; i < n; i++) sum += w[i];
      if (!(sum > 0) || !Number.isFinite(sum)) break;
      for (let i = 0; i < n; i++) w[i] /= sum;
    }
    return new AdaModel(trees, alphas, algorithm);
  }
}
