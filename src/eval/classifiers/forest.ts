/**
 * Bootstrap ensembles of fully grown Gini trees: RandomForest (√d features per node) and Bagging (all
 * features). Bootstrap counts enter as row weights, as scikit-learn passes them to its trees; the
 * ensemble probability is the mean of the trees' leaf class shares (scikit-learn predict_proba).
 */
import type { Rng } from '../../compute/rng.ts';
import type { BinnedMatrix } from './binning.ts';
import { growTree } from './grow.ts';
import { defaultTreeParams, type Tree } from './tree.ts';
import { ConstantModel, checkRows, singleClass, type Classifier, type Model } from './types.ts';

export interface ForestOptions {
  trees: number;
  /** 'sqrt' = ⌊√d⌋ (scikit-learn RandomForestClassifier default), 'all' = Bagging. */
  maxFeatures: 'sqrt' | 'all' | number;
  maxDepth?: number;
  minSamplesLeaf?: number;
}

class ForestModel implements Model<'binned'> {
  constructor(readonly trees: Tree[]) {}
  predictProba(X: BinnedMatrix): Float64Array {
    const out = new Float64Array(X.n);
    for (const t of this.trees) t.addPredictions(X, out);
    const T = this.trees.length;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i] / T);
    return out;
  }
}

export class TreeEnsemble implements Classifier<'binned'> {
  readonly input = 'binned' as const;
  constructor(
    readonly name: string,
    readonly opts: ForestOptions,
  ) {
    if (!(Number.isInteger(opts.trees) && opts.trees >= 1)) throw new RangeError(`${name}: trees must be a positive integer`);
  }

  fit(X: BinnedMatrix, y: Uint8Array, rng: Rng): Model<'binned'> {
    checkRows(X, y, this.name);
    const one = singleClass(y);
    if (one !== null) return new ConstantModel(one);
    const { n, d } = X;
    const mf = this.opts.maxFeatures;
    const maxFeatures = mf === 'all' ? d : mf === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(d))) : Math.max(1, Math.min(d, mf));
    const params = {
      ...defaultTreeParams(d),
      maxFeatures,
      maxDepth: this.opts.maxDepth ?? Infinity,
      minSamplesLeaf: this.opts.minSamplesLeaf ?? 1,
    };
    const t = Float64Array.from(y);
    const trees: Tree[] = [];
    const counts = new Float64Array(n);
    for (let k = 0; k < this.opts.trees; k++) {
      const r = rng.fork(`tree-${k}`);
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[r.int(n)]++;
      let m = 0;
      for (let i = 0; i < n; i++) if (counts[i] > 0) m++;
      const rows = new Int32Array(m);
      m = 0;
      for (let i = 0; i < n; i++) if (counts[i] > 0) rows[m++] = i;
      trees.push(growTree({ X, w: counts, t, rows, params, rng: r }));
    }
    return new ForestModel(trees);
  }
}

/** scikit-learn RandomForestClassifier(n_estimators=100): bootstrap, max_features='sqrt', full depth. */
export const randomForest = (trees = 100) => new TreeEnsemble('rf', { trees, maxFeatures: 'sqrt' });
/** scikit-learn BaggingClassifier(DecisionTreeClassifier(), n_estimators=10): bootstrap, all features. */
export const bagging = (trees = 10) => new TreeEnsemble('bagging', { trees, maxFeatures: 'all' });
