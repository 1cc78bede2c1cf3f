/**
 * Decision trees on Uint8-binned features (binning.ts): parameters, the flat tree representation with
 * its prediction, and rpart-style pruning. Growing lives in grow.ts.
 */
import { MISSING_BIN, type BinnedMatrix } from './binning.ts';

export type Criterion = 'gini' | 'mse' | 'friedman';

export interface TreeParams {
  /** gini: target in {0,1}; mse / friedman: real-valued target (friedman = scikit-learn's GBDT default). */
  criterion: Criterion;
  /** Root has depth 0; Infinity grows until pure or unsplittable. */
  maxDepth: number;
  /** Smallest node (rows) that may be split. scikit-learn: min_samples_split=2. */
  minSamplesSplit: number;
  /** Smallest child (rows). scikit-learn: min_samples_leaf=1. */
  minSamplesLeaf: number;
  /** Features drawn per node (RandomForest: √d); the search goes on past them until a valid split exists. */
  maxFeatures: number;
  /** scikit-learn semantics: a split needs (N_t/N)·(impurity decrease) ≥ this. */
  minImpurityDecrease: number;
  /** Gini only: a node whose misclassification weight min(S, W−S) is ≤ this is not split (rpart's cp test). */
  minNodeRisk?: number;
  /** Nodes with at least this many rows keep a dense histogram (default 1024; a tuning and testing knob). */
  denseMin?: number;
}

export const defaultTreeParams = (d: number): TreeParams => ({
  criterion: 'gini',
  maxDepth: Infinity,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: d,
  minImpurityDecrease: 0,
});

/** Flat tree: node k is a leaf when feature[k] < 0. */
export class Tree {
  constructor(
    readonly feature: Int32Array,
    /** Threshold bin (numeric: bin ≤ t goes left) or word offset into `cats` (categorical). */
    readonly split: Int32Array,
    readonly left: Int32Array,
    readonly right: Int32Array,
    readonly value: Float64Array,
    /** bit 0: categorical split; bit 1: missing goes left. */
    readonly flags: Uint8Array,
    /** 8 words (256 bits) per categorical split: bins going left. */
    readonly cats: Uint32Array,
    /** Training weight reaching each node (internal nodes too). */
    readonly weight: Float64Array,
  ) {}

  get nodeCount(): number {
    return this.feature.length;
  }

  /** Leaves reachable from the root (pruning leaves detached nodes in the arrays). */
  get leafCount(): number {
    let k = 0;
    const stack = [0];
    while (stack.length) {
      const node = stack.pop()!;
      if (this.feature[node] < 0) k++;
      else stack.push(this.left[node], this.right[node]);
    }
    return k;
  }

  /** Leaf reached by row i of X. */
  leaf(X: BinnedMatrix, i: number): number {
    const { bins, d } = X;
    const base = i * d;
    let node = 0;
    for (;;) {
      const f = this.feature[node];
      if (f < 0) return node;
      const b = bins[base + f];
      const fl = this.flags[node];
      let goLeft: boolean;
      if (fl & 1) goLeft = ((this.cats[this.split[node] + (b >>> 5)] >>> (b & 31)) & 1) === 1;
      else if (b === MISSING_BIN) goLeft = (fl & 2) !== 0;
      else goLeft = b <= this.split[node];
      node = goLeft ? this.left[node] : this.right[node];
    }
  }

  /** out[i] += scale · value(leaf of row i). */
  addPredictions(X: BinnedMatrix, out: Float64Array, scale = 1): Float64Array {
    for (let i = 0; i < X.n; i++) out[i] += scale * this.value[this.leaf(X, i)];
    return out;
  }

  predict(X: BinnedMatrix): Float64Array {
    return this.addPredictions(X, new Float64Array(X.n));
  }
}

/**
 * rpart-style cost-complexity pruning of a Gini tree with misclassification risk: bottom-up, a subtree
 * collapses into a leaf when it removes less than `alpha` misclassified weight per extra leaf.
 * Returns a pruned copy (collapsed nodes become leaves holding their class share).
 */
export function pruneTree(tree: Tree, alpha: number): Tree {
  const feature = Int32Array.from(tree.feature);
  const risk = (k: number) => tree.weight[k] * Math.min(tree.value[k], 1 - tree.value[k]);
  // Returns [subtree risk, leaves].
  const visit = (k: number): [number, number] => {
    if (feature[k] < 0) return [risk(k), 1];
    const [rl, ll] = visit(tree.left[k]);
    const [rr, lr] = visit(tree.right[k]);
    const leaves = ll + lr;
    const g = (risk(k) - (rl + rr)) / (leaves - 1);
    if (g <= alpha) {
      feature[k] = -1;
      return [risk(k), 1];
    }
    return [rl + rr, leaves];
  };
  visit(0);
  return new Tree(feature, tree.split, tree.left, tree.right, tree.value, tree.flags, tree.cats, tree.weight);
}
