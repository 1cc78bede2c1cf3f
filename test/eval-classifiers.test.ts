import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { categoricalFromStrings, numericColumn, Table } from '../src/data/table.ts';
import { AdaBoost } from '../src/eval/classifiers/adaboost.ts';
import { Binner, MISSING_BIN, quantileEdges, type BinnedMatrix } from '../src/eval/classifiers/binning.ts';
import { bagging, randomForest } from '../src/eval/classifiers/forest.ts';
import { GradientBoosting } from '../src/eval/classifiers/gbdt.ts';
import { GaussianNB } from '../src/eval/classifiers/gnb.ts';
import { CLASSIFIER_NAMES, createClassifier, fitOnTable, Preprocessor } from '../src/eval/classifiers/index.ts';
import { LogisticRegression, LogRegModel } from '../src/eval/classifiers/logreg.ts';
import { growTree } from '../src/eval/classifiers/grow.ts';
import { defaultTreeParams, pruneTree } from '../src/eval/classifiers/tree.ts';
import type { DenseMatrix } from '../src/eval/classifiers/types.ts';
import { rocAuc } from '../src/eval/metrics.ts';

function linearData(n: number, d: number, seed: number): { X: DenseMatrix; y: Uint8Array } {
  const rng = new Rng(seed);
  const X = new Float64Array(n * d);
  const y = new Uint8Array(n);
  const w = Array.from({ length: d }, (_, j) => (j % 2 ? -1 : 1) * (0.5 + j * 0.3));
  for (let i = 0; i < n; i++) {
    let z = -0.3;
    for (let j = 0; j < d; j++) {
      X[i * d + j] = rng.normal();
      z += w[j] * X[i * d + j];
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: { X, n, d }, y };
}

/** Gradient of C·Σ logloss + ½‖w‖² (intercept unpenalised). */
function gradient(M: DenseMatrix, y: Uint8Array, w: Float64Array, C: number): Float64Array {
  const { X, n, d } = M;
  const g = new Float64Array(d + 1);
  for (let i = 0; i < n; i++) {
    let z = w[d];
    for (let j = 0; j < d; j++) z += X[i * d + j] * w[j];
    const r = C * (1 / (1 + Math.exp(-z)) - y[i]);
    for (let j = 0; j < d; j++) g[j] += r * X[i * d + j];
    g[d] += r;
  }
  for (let j = 0; j < d; j++) g[j] += w[j];
  return g;
}

describe('logistic regression', () => {
  it('reaches the optimum of scikit-learn\'s objective (zero gradient), Newton and L-BFGS agree', () => {
    const { X, y } = linearData(400, 6, 1);
    const newton = new LogisticRegression().fit(X, y) as LogRegModel;
    const g = gradient(X, y, newton.w, 1);
    for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-4);
    const lbfgs = new LogisticRegression({ newtonMaxDim: 0, tol: 1e-8 }).fit(X, y) as LogRegModel;
    for (let j = 0; j < newton.w.length; j++) expect(lbfgs.w[j]).toBeCloseTo(newton.w[j], 4);
    // C scales the data term: a tiny C shrinks the coefficients toward 0 but not the intercept.
    const shrunk = new LogisticRegression({ C: 1e-6 }).fit(X, y) as LogRegModel;
    for (let j = 0; j < 6; j++) expect(Math.abs(shrunk.w[j])).toBeLessThan(1e-3);
  });
});

describe('Gaussian naive Bayes', () => {
  it('matches a hand computation with var_smoothing', () => {
    // One feature: class 0 at {0, 2}, class 1 at {4, 6, 8}.
    const X = { X: Float64Array.from([0, 2, 4, 6, 8]), n: 5, d: 1 };
    const y = Uint8Array.from([0, 0, 1, 1, 1]);
    const m = new GaussianNB().fit(X, y);
    const eps = 1e-9 * 8; // population variance of {0,2,4,6,8} = 8
    const v0 = 1 + eps;
    const v1 = 8 / 3 + eps;
    const x = 3;
    const j0 = Math.log(2 / 5) - 0.5 * Math.log(2 * Math.PI * v0) - ((x - 1) ** 2) / (2 * v0);
    const j1 = Math.log(3 / 5) - 0.5 * Math.log(2 * Math.PI * v1) - ((x - 6) ** 2) / (2 * v1);
    const p = m.predictProba({ X: Float64Array.from([x]), n: 1, d: 1 });
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(j0 - j1)), 12);
  });
});

function binTable(t: Table): BinnedMatrix {
  return Binner.fit(t).transform(t);
}

describe('binning', () => {
  it('cuts between distinct values when there are few, at quantiles when there are many', () => {
    expect([...quantileEdges(Float64Array.from([3, 1, 2, 2, 1]), 255)]).toEqual([1.5, 2.5]);
    const many = Float64Array.from({ length: 10000 }, (_, i) => i);
    const e = quantileEdges(many, 10);
    expect(e.length).toBe(9);
    expect(e[0]).toBeCloseTo(1000.5, 9);
  });

  it('maps categorical levels by name across separately parsed tables; unseen levels → missing bin', () => {
    const a = new Table([categoricalFromStrings('c', ['x', 'y', 'z'])]);
    const b = new Table([categoricalFromStrings('c', ['z', 'w', 'x'])]);
    const binner = Binner.fit(a);
    const A = binner.transform(a);
    const B = binner.transform(b);
    expect([...A.bins]).toEqual([0, 1, 2]);
    expect([...B.bins]).toEqual([2, MISSING_BIN, 0]);
  });
});

describe('histogram trees', () => {
  it('split a categorical column by a level subset in one step', () => {
    const lv = ['a', 'b', 'c', 'd', 'e'];
    const vals = Array.from({ length: 200 }, (_, i) => lv[i % 5]);
    const t = new Table([categoricalFromStrings('c', vals)]);
    const y = Float64Array.from(vals, (v) => (v === 'b' || v === 'd' ? 1 : 0));
    const X = binTable(t);
    const rows = Int32Array.from({ length: 200 }, (_, i) => i);
    const tree = growTree({ X, w: new Float64Array(200).fill(1), t: y, rows, params: { ...defaultTreeParams(1), maxDepth: 1 } });
    expect(tree.leafCount).toBe(2);
    const p = tree.predict(X);
    for (let i = 0; i < 200; i++) expect(p[i]).toBe(y[i]);
  });

  it('histogram subtraction gives the same tree as direct accumulation', () => {
    const rng = new Rng(5);
    const n = 3000;
    const x1 = Array.from({ length: n }, () => Math.round(rng.normal() * 20));
    const x2 = Array.from({ length: n }, () => rng.uniform());
    const c = Array.from({ length: n }, () => ['p', 'q', 'r', 's'][rng.int(4)]);
    const t = new Table([numericColumn('x1', x1), numericColumn('x2', x2), categoricalFromStrings('c', c)]);
    const y = Float64Array.from({ length: n }, (_, i) => (x1[i] + (c[i] === 'q' ? 15 : 0) + rng.normal() * 10 > 5 ? 1 : 0));
    const X = binTable(t);
    const w = Float64Array.from({ length: n }, () => rng.int(3)); // bootstrap-like integer weights, some 0
    const base = Int32Array.from([...Array(n).keys()].filter((i) => w[i] > 0));
    const grow = (denseMin: number) => growTree({ X, w, t: y, rows: base.slice(), params: { ...defaultTreeParams(3), denseMin } });
    const a = grow(16);
    const b = grow(Infinity);
    expect(a.nodeCount).toBeGreaterThan(50);
    expect([...a.feature]).toEqual([...b.feature]);
    expect([...a.split]).toEqual([...b.split]);
    expect([...a.value]).toEqual([...b.value]);
  });

  it('full trees fit their (distinct) training rows; pruning removes weak subtrees', () => {
    const { X: D, y } = linearData(500, 3, 2);
    const t = new Table([0, 1, 2].map((j) => numericColumn(`x${j}`, Array.from({ length: 500 }, (_, i) => D.X[i * 3 + j]))));
    const X = Binner.fit(t, { maxBins: 255 }).transform(t);
    const rows = Int32Array.from({ length: 500 }, (_, i) => i);
    const full = growTree({ X, w: new Float64Array(500).fill(1), t: Float64Array.from(y), rows, params: defaultTreeParams(3) });
    const p = full.predict(X);
    let correct = 0;
    for (let i = 0; i < 500; i++) correct += (p[i] > 0.5 ? 1 : 0) === y[i] ? 1 : 0;
    expect(correct).toBeGreaterThan(480); // only rows sharing all three bins can disagree
    const pruned = pruneTree(full, 5);
    expect(pruned.leafCount).toBeLessThan(full.leafCount / 3);
  });
});

describe('ensembles', () => {
  const { X: D, y } = linearData(1500, 4, 3);
  const t = new Table([0, 1, 2, 3].map((j) => numericColumn(`x${j}`, Array.from({ length: 1500 }, (_, i) => D.X[i * 4 + j]))));
  const X = binTable(t);
  const ytrain = y;

  it('are deterministic given the seed and differ across seeds', () => {
    const a = randomForest(10).fit(X, ytrain, new Rng(1)).predictProba(X);
    const b = randomForest(10).fit(X, ytrain, new Rng(1)).predictProba(X);
    const c = randomForest(10).fit(X, ytrain, new Rng(2)).predictProba(X);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('learn the signal (in-sample AUC well above chance) — RF, Bagging, AdaBoost (both algorithms), GBDT', () => {
    const models = [randomForest(20), bagging(5), new AdaBoost(), new AdaBoost({ algorithm: 'SAMME' }), new GradientBoosting({ estimators: 30 })];
    for (const m of models) {
      const p = m.fit(X, ytrain, new Rng(4)).predictProba(X);
      for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
      expect(rocAuc(ytrain, p)!).toBeGreaterThan(0.8);
    }
  });

  it('GBDT training log-loss falls as trees are added', () => {
    const loss = (k: number) => {
      const p = new GradientBoosting({ estimators: k }).fit(X, ytrain, new Rng(0)).predictProba(X);
      let s = 0;
      for (let i = 0; i < p.length; i++) s -= ytrain[i] ? Math.log(p[i]) : Math.log(1 - p[i]);
      return s / p.length;
    };
    const l1 = loss(1);
    const l10 = loss(10);
    const l50 = loss(50);
    expect(l10).toBeLessThan(l1);
    expect(l50).toBeLessThan(l10);
  });
});

describe('single-class training data', () => {
  it('every classifier returns a constant model instead of failing', () => {
    const t = new Table([numericColumn('x', [1, 2, 3, 4, 5, 6]), categoricalFromStrings('c', ['a', 'b', 'a', 'b', 'a', 'b']), categoricalFromStrings('y', ['no', 'no', 'no', 'no', 'no', 'no'], ['no', 'yes'])], { target: 'y', positive: 'yes' });
    const pre = new Preprocessor(t);
    const y = t.binaryTarget();
    for (const name of CLASSIFIER_NAMES) {
      const m = fitOnTable(name, pre, y, new Rng(0));
      expect(m.constant).toBe(true);
      expect([...m.predictProba(t)]).toEqual([0, 0, 0, 0, 0, 0]);
    }
    expect(() => createClassifier('svm')).toThrow(/unknown classifier "svm"/);
  });
});
