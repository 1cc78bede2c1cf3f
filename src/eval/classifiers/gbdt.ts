/**
 * Gradient boosting for log-loss (scikit-learn GradientBoostingClassifier: 100 trees of depth 3,
 * learning rate 0.1, Friedman-MSE splits on the residuals y − p, log-odds prior as the initial score,
 * leaves set by one Newton step Σr / Σp(1−p)).
 */
import type { Rng } from '../../compute/rng.ts';
import type { BinnedMatrix } from './binning.ts';
import { growTree } from './grow.ts';
import { defaultTreeParams, type Tree } from './tree.ts';
import { ConstantModel, checkRows, singleClass, type Classifier, type Model } from './types.ts';

export interface GbdtOptions {
  estimators: number;
  learningRate: number;
  maxDepth: number;
}

class GbdtModel implements Model<'binned'> {
  constructor(
    readonly init: number,
    readonly trees: Tree[],
    readonly lr: number,
  ) {}

  raw(X: BinnedMatrix): Float64Array {
    const out = new Float64Array(X.n).fill(this.init);
    for (const t of this.trees) t.addPredictions(X, out, this.lr);
    return out;
  }

  predictProba(X: BinnedMatrix): Float64Array {
    const f = this.raw(X);
    for (let i = 0; i < f.length; i++) f[i] = 1 / (1 + Math.exp(-f[i]));
    return f;
  }
}

export class GradientBoosting implements Classifier<'binned'> {
  readonly name = 'gbdt';
  readonly input = 'binned' as const;
  readonly opts: GbdtOptions;

  constructor(opts: Partial<GbdtOptions> = {}) {
    this.opts = { estimators: 100, learningRate: 0.1, maxDepth: 3, ...opts };
  }

  fit(X: BinnedMatrix, y: Uint8Array, _rng: Rng): Model<'binned'> {
    checkRows(X, y, this.name);
    const one = singleClass(y);
    if (one !== null) return new ConstantModel(one);
    const { n } = X;
    const { estimators, learningRate: lr, maxDepth } = this.opts;
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    const init = Math.log(pos / (n - pos));
    const F = new Float64Array(n).fill(init);
    const r = new Float64Array(n);
    const w = new Float64Array(n).fill(1);
    const params = { ...defaultTreeParams(X.d), criterion: 'friedman' as const, maxDepth };
    const trees: Tree[] = [];
    const leafValue = (rows: Int32Array, start: number, end: number): number => {
      let num = 0;
      let den = 0;
      for (let k = start; k < end; k++) {
        const i = rows[k];
        num += r[i];
        const p = y[i] - r[i];
        den += p * (1 - p);
      }
      const v = Math.abs(den) < 1e-150 ? 0 : num / den;
      // In-sample scores move with the leaf (the residuals of this round are already fixed in r).
      for (let k = start; k < end; k++) F[rows[k]] += lr * v;
      return v;
    };
    const all = new Int32Array(n);
    for (let m = 0; m < estimators; m++) {
      for (let i = 0; i < n; i++) {
        r[i] = y[i] - 1 / (1 + Math.exp(-F[i]));
        all[i] = i;
      }
      trees.push(growTree({ X, w, t: r, rows: all, params, leafValue }));
    }
    return new GbdtModel(init, trees, lr);
  }
}
