import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { categoricalFromStrings, numericColumn, Table } from '../src/data/table.ts';
import { foldPlan } from '../src/eval/cv.ts';
import { alignedFrequencies, cramersV, correlationRatio, evaluateFidelity, klSmoothed, ks, pearson, tvd } from '../src/eval/fidelity.ts';
import { binaryScores, rocAuc } from '../src/eval/metrics.ts';
import { designMatrix, pmse } from '../src/eval/pmse.ts';
import { sra, sraFromScores } from '../src/eval/sra.ts';
import type { UtilityScore } from '../src/eval/types.ts';

/** AUC by brute force over all (positive, negative) pairs, ties counting ½. */
function pairAuc(y: number[], s: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    if (!y[i]) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j]) continue;
      den++;
      num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

describe('ROC AUC (rank formula)', () => {
  it('matches hand-computed values, with and without ties', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    // Positives {0.5, 0.9}, negatives {0.5, 0.2}: ½ + 1 + 1 + 1 over 4 pairs.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    // All scores tied: 0.5.
    expect(rocAuc([0, 1, 1, 0, 1], [3, 3, 3, 3, 3])).toBe(0.5);
  });

  it('equals the pairwise definition on data with many ties', () => {
    const rng = new Rng(7);
    const y: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < 400; i++) {
      const yi = rng.bernoulli(0.3) ? 1 : 0;
      y.push(yi);
      s.push(Math.round((rng.normal() + yi) * 2) / 2); // coarse grid → ties
    }
    expect(rocAuc(y, s)).toBeCloseTo(pairAuc(y, s), 12);
  });

  it('is null when the labels have one class', () => {
    expect(rocAuc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNull();
  });
});

describe('accuracy, F1, recall', () => {
  it('match a hand-computed confusion matrix (tie at ½ predicts class 0)', () => {
    // preds [1,0,1,0,1,0]: tp 2, fp 1, fn 2 (the last row has p = ½ → 0), tn 1.
    const s = binaryScores([1, 1, 0, 0, 1, 1], [0.9, 0.2, 0.6, 0.1, 0.7, 0.5]);
    expect(s.accuracy).toBeCloseTo(3 / 6, 12);
    expect(s.recall).toBeCloseTo(2 / 4, 12);
    expect(s.f1).toBeCloseTo((2 * 2) / (2 * 2 + 1 + 2), 12);
    expect(s.reason).toBeUndefined();
  });

  it('give null with a reason, never NaN, when the test set lacks positives', () => {
    const s = binaryScores([0, 0, 0], [0.1, 0.2, 0.3]);
    expect(s.accuracy).toBe(1);
    expect(s.auc).toBeNull();
    expect(s.recall).toBeNull();
    expect(s.f1).toBeNull();
    expect(s.reason).toMatch(/AUC undefined.*only class 0/);
    expect(s.reason).toMatch(/recall undefined/);
  });

  it('null the AUC of an unrankable (constant) model', () => {
    const s = binaryScores([0, 1, 1], [1, 1, 1], { rankable: false, rankReason: 'the training set has only class 1' });
    expect(s.auc).toBeNull();
    expect(s.reason).toContain('only class 1');
    expect(s.recall).toBe(1);
  });
});

describe('SRA', () => {
  it('is 1 for the same ranking, 0 for the reversed one, 4/6 for one swapped pair', () => {
    expect(sra([0.9, 0.8, 0.7], [0.6, 0.5, 0.4])).toBe(1);
    expect(sra([0.9, 0.8, 0.7], [0.4, 0.5, 0.6])).toBe(0);
    expect(sra([3, 2, 1], [2, 3, 1])).toBeCloseTo(4 / 6, 12);
  });

  it('counts ties as agreement and skips models without a score', () => {
    expect(sra([1, 1, 2], [1, 2, 3])).toBe(1);
    expect(sra([3, 2, null, 1], [2, 3, 0.5, 1])).toBeCloseTo(4 / 6, 12);
    expect(sra([1, null], [1, 2])).toBeNull();
  });

  it('ranks classifiers by TRTR against TSTR from utility scores', () => {
    const mk = (setting: 'TRTR' | 'TSTR', classifier: string, auc: number | null): UtilityScore => ({
      setting, kind: 'baseline', classifier, accuracy: 0.5, auc, f1: 0.5, recall: 0.5, fitSeconds: 0,
    });
    const scores = [mk('TRTR', 'a', 0.9), mk('TRTR', 'b', 0.8), mk('TRTR', 'c', 0.7), mk('TSTR', 'a', 0.7), mk('TSTR', 'b', 0.8), mk('TSTR', 'c', 0.6)];
    const v = sraFromScores(scores, 'auc', 'baseline');
    expect(v).toMatchObject({ name: 'sra', variant: 'auc/baseline' });
    expect(v.value).toBeCloseTo(4 / 6, 12);
    const none = sraFromScores(scores.slice(0, 3), 'auc', 'baseline');
    expect(none.value).toBeNull();
    expect(none.reason).toMatch(/at least two/);
  });
});

describe('fidelity formulas', () => {
  it('TVD over levels matched by name', () => {
    const { p, q } = alignedFrequencies(Int32Array.from([0, 1]), ['a', 'b'], Int32Array.from([0, 0, 0, 1]), ['b', 'a']);
    // real: a ½, b ½; synthetic: b ¾, a ¼.
    expect(tvd(p, q)).toBeCloseTo(0.25, 12);
  });

  it('KS statistic', () => {
    expect(ks(Float64Array.from([1, 2, 3, 4]), Float64Array.from([3, 4, 5, 6]))).toBeCloseTo(0.5, 12);
    expect(ks(Float64Array.from([1, 2, 2, 3]), Float64Array.from([3, 2, 1, 2]))).toBe(0);
    expect(ks(Float64Array.from([0, 0]), Float64Array.from([1, 1, 1]))).toBe(1);
  });

  it('smoothed KL', () => {
    // p = (1, 0) from n = 2, q = (½, ½) from m = 2; +½ pseudo-counts: p' = (2.5/3, 0.5/3), q' = (1.5/3, 1.5/3).
    const v = klSmoothed(Float64Array.from([1, 0]), Float64Array.from([0.5, 0.5]), 2, 2);
    const pp = [2.5 / 3, 0.5 / 3];
    const qq = [0.5, 0.5];
    expect(v).toBeCloseTo(pp[0] * Math.log(pp[0] / qq[0]) + pp[1] * Math.log(pp[1] / qq[1]), 12);
  });

  it('associations: Pearson, Cramér V, correlation ratio', () => {
    expect(pearson(Float64Array.from([1, 2, 3]), Float64Array.from([2, 4, 6]))).toBeCloseTo(1, 12);
    expect(pearson(Float64Array.from([1, 2, 3]), Float64Array.from([3, 2, 1]))).toBeCloseTo(-1, 12);
    expect(pearson(Float64Array.from([1, 1, 1]), Float64Array.from([1, 2, 3]))).toBeNull();
    expect(cramersV(Int32Array.from([0, 0, 1, 1]), 2, Int32Array.from([1, 1, 0, 0]), 2)).toBeCloseTo(1, 12);
    expect(cramersV(Int32Array.from([0, 0, 1, 1]), 2, Int32Array.from([0, 1, 0, 1]), 2)).toBeCloseTo(0, 12);
    expect(correlationRatio(Float64Array.from([1, 1, 3, 3]), Int32Array.from([0, 0, 1, 1]), 2)).toBeCloseTo(1, 12);
    expect(correlationRatio(Float64Array.from([1, 3, 1, 3]), Int32Array.from([0, 0, 1, 1]), 2)).toBeCloseTo(0, 12);
  });

  it('evaluateFidelity: zero distances for a copy, defined values for a constant synthetic column', () => {
    const real = new Table([numericColumn('x', [1, 2, 3, 4]), numericColumn('z', [2, 1, 4, 3]), categoricalFromStrings('c', ['a', 'b', 'a', 'b'])]);
    const same = evaluateFidelity(real, real);
    for (const m of same) expect(m.value).toBeCloseTo(0, 12);
    const flat = new Table([numericColumn('x', [5, 5, 5, 5]), numericColumn('z', [2, 1, 4, 3]), categoricalFromStrings('c', ['a', 'a', 'a', 'a'])]);
    const res = evaluateFidelity(real, flat);
    for (const m of res) {
      expect(m.value === null || Number.isFinite(m.value)).toBe(true);
    }
    const byName = (n: string, v?: string) => res.find((m) => m.name === n && m.variant === v)!;
    expect(byName('tvd', 'c').value).toBeCloseTo(0.5, 12);
    expect(byName('ks', 'x').value).toBe(1);
    expect(byName('corr_diff').reason).toMatch(/constant column/);
  });
});

describe('pMSE formulas', () => {
  const real = new Table([categoricalFromStrings('c', ['a', 'a', 'a', 'a', 'b', 'b']), numericColumn('x', [1, 2, 3, 4, 5, 6])]);

  it('logistic: pMSE 0 for an identical copy, null expectation (k−1)(1−c)²c/N', () => {
    const r = pmse(real, real, { model: 'logistic' });
    expect(r.pmse).toBeLessThan(1e-12);
    expect(r.km1).toBe(2); // one dummy + one numeric
    const c = 0.5;
    expect(r.expected).toBeCloseTo((2 * (1 - c) ** 2 * c) / 12, 15);
  });

  it('CART: a column that separates the two sets perfectly gives the maximum c(1−c)', () => {
    const n = 40;
    const mk = (lvl: string) => new Table([categoricalFromStrings('c', Array(n).fill(lvl), ['r', 's']), numericColumn('x', Array.from({ length: n }, (_, i) => i))]);
    const r = pmse(mk('r'), mk('s'), { model: 'cart', permutations: 5, rng: new Rng(1) });
    expect(r.pmse).toBeCloseTo(0.25, 12);
    expect(r.ratio === null || r.ratio > 1).toBe(true);
  });

  it('design matrix counts interaction terms that occur', () => {
    const t = new Table([categoricalFromStrings('a', ['p', 'q', 'r', 'p']), categoricalFromStrings('b', ['u', 'v', 'v', 'u']), numericColumn('x', [1, 2, 3, 5])]);
    const main = designMatrix(t, false);
    expect(main.km1).toBe(2 + 1 + 1); // a: 2 dummies, b: 1 dummy, x
    const inter = designMatrix(t, true);
    // a×b: (q,v),(r,v) occur with non-reference levels; a×x: 2; b×x: 1.
    expect(inter.km1).toBe(4 + 2 + 2 + 1);
  });
});

describe('cross-validation folds', () => {
  it('are stratified, disjoint and cover every row once per repeat', () => {
    const y = new Uint8Array(53);
    for (let i = 0; i < 17; i++) y[i * 3] = 1;
    const plan = foldPlan(y, { folds: 5, repeats: 2 }, new Rng(3));
    expect(plan.note).toBeUndefined();
    for (const rep of plan.tests) {
      const seen = new Uint8Array(y.length);
      for (const f of rep) {
        let pos = 0;
        for (const i of f) {
          seen[i]++;
          pos += y[i];
        }
        expect(pos === 3 || pos === 4).toBe(true);
      }
      expect([...seen].every((v) => v === 1)).toBe(true);
    }
    expect([...plan.tests[0][0]]).not.toEqual([...plan.tests[1][0]]);
  });

  it('fall back to plain k-fold (with a note) when a class is smaller than the fold count', () => {
    const y = new Uint8Array(20);
    y[0] = y[1] = 1;
    const plan = foldPlan(y, { folds: 5, repeats: 1 }, new Rng(3));
    expect(plan.note).toMatch(/only 2 row/);
    expect(plan.tests[0].reduce((s, f) => s + f.length, 0)).toBe(20);
  });
});
