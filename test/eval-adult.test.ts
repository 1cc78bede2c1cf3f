/**
 * Accuracy bars on the shared Adult copy: train on adult-train, score on adult-test, against
 * scikit-learn 1.2 with the same preprocessing (reference/metrics.md, "Classifier anchors").
 * LogReg and GaussianNB are deterministic → ±0.005; the tree ensembles (histogram trees on bins,
 * categorical columns as codes) → ±0.01 accuracy and AUC.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import { Preprocessor, fitOnTable } from '../src/eval/classifiers/index.ts';
import { binaryScores } from '../src/eval/metrics.ts';

const anchors: Record<string, { acc: number; auc: number; tol: number }> = {
  logreg: { acc: 0.853, auc: 0.905, tol: 0.005 },
  gnb: { acc: 0.553, auc: 0.764, tol: 0.005 },
  rf: { acc: 0.85, auc: 0.9, tol: 0.01 },
  adaboost: { acc: 0.86, auc: 0.914, tol: 0.01 },
  bagging: { acc: 0.842, auc: 0.877, tol: 0.01 },
  gbdt: { acc: 0.871, auc: 0.921, tol: 0.01 },
};

describe('classifiers on Adult (train → test) match scikit-learn 1.2', () => {
  const train = loadDataset('adult');
  const test = loadDataset('adult-test');
  const pre = new Preprocessor(train);
  const y = train.binaryTarget();
  const yt = test.binaryTarget();

  it('uses the 108-feature preprocessing (6 standardized numerics + one-hot with "?" as a level)', () => {
    const D = pre.dense(train);
    expect(D.d).toBe(108);
    let mean = 0;
    let sq = 0;
    for (let i = 0; i < D.n; i++) mean += D.X[i * D.d];
    mean /= D.n;
    for (let i = 0; i < D.n; i++) sq += (D.X[i * D.d] - mean) ** 2;
    expect(mean).toBeCloseTo(0, 9);
    expect(Math.sqrt(sq / D.n)).toBeCloseTo(1, 9); // population std
  });

  for (const [name, a] of Object.entries(anchors)) {
    it(`${name}: accuracy ${a.acc} / AUC ${a.auc} ± ${a.tol}`, () => {
      const m = fitOnTable(name, pre, y, new Rng(0));
      const s = binaryScores(yt, m.predictProba(test));
      expect(Math.abs(s.accuracy! - a.acc)).toBeLessThanOrEqual(a.tol);
      expect(Math.abs(s.auc! - a.auc)).toBeLessThanOrEqual(a.tol);
    });
  }
});
