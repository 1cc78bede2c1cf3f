import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import { stratifiedSplit } from '../src/data/split.ts';
import { Table, type Column } from '../src/data/table.ts';
import { evaluateSynthetic } from '../src/eval/evaluate.ts';
import type { UtilityScore } from '../src/eval/types.ts';
import { numericColumn } from '../src/data/table.ts';
import { evaluateUtility, splitSynthetic, syntheticSizes } from '../src/eval/utility.ts';

const german = loadDataset('german-credit');
const split = stratifiedSplit(german.binaryTarget(), 0.3, new Rng(1));
const realTrain = german.take(split.train);
const realTest = german.take(split.test);

function shuffleColumns(t: Table, rng: Rng): Table {
  const cols: Column[] = t.columns.map((c) => {
    const p = rng.fork(c.name).permutation(t.nrows);
    return c.kind === 'numeric' ? { ...c, values: Float64Array.from(p, (i) => c.values[i]) } : { ...c, codes: Int32Array.from(p, (i) => c.codes[i]) };
  });
  return new Table(cols, t.meta);
}

const finiteOrNull = (s: UtilityScore) =>
  [s.accuracy, s.auc, s.f1, s.recall, ...(s.std ? Object.values(s.std) : [])].every((v) => v === null || (Number.isFinite(v) && v >= 0 && v <= 1));

describe('evaluateUtility', () => {
  it('scores every classifier in TRTR/TSTR/TSTS × baseline/cv, deterministically', () => {
    const synth = shuffleColumns(realTrain, new Rng(2));
    const synthTest = shuffleColumns(realTest, new Rng(3));
    const a = evaluateUtility({ realTrain, realTest, synthTrain: synth, synthTest, cv: { folds: 3, repeats: 1 }, rng: new Rng(9) });
    expect(a).toHaveLength(3 * 2 * 6);
    for (const s of a) {
      expect(finiteOrNull(s)).toBe(true);
      expect(s.accuracy).not.toBeNull();
      expect(s.auc).not.toBeNull();
      if (s.kind === 'cv') expect(s.std).toBeDefined();
    }
    // Same seed → same scores (RF is the randomised one); another seed → different RF scores.
    const strip = (xs: UtilityScore[]) => xs.map(({ fitSeconds: _f, ...r }) => r);
    const rf = (seed: number) =>
      strip(evaluateUtility({ realTrain, realTest, synthTrain: synth, classifiers: ['rf'], settings: ['TRTR'], kinds: ['baseline'], rng: new Rng(seed) }));
    expect(rf(9)).toEqual(rf(9));
    expect(rf(9)).not.toEqual(rf(10));
    // Shuffled columns carry no signal: TSTR AUC near chance, below TRTR for every classifier.
    const auc = (setting: string, c: string) => a.find((s) => s.setting === setting && s.kind === 'baseline' && s.classifier === c)!.auc!;
    for (const c of ['logreg', 'gbdt', 'rf']) {
      expect(auc('TRTR', c)).toBeGreaterThan(0.7);
      expect(auc('TSTR', c)).toBeLessThan(0.62);
    }
  });

  it('TSTR on a copy of the real training data equals TRTR (deterministic classifiers)', () => {
    const res = evaluateUtility({ realTrain, realTest, synthTrain: realTrain, classifiers: ['logreg', 'gnb'], settings: ['TRTR', 'TSTR'], kinds: ['baseline'], rng: new Rng(0) });
    const pick = (set: string) => res.filter((s) => s.setting === set).map(({ fitSeconds: _f, setting: _s, ...r }) => r);
    expect(pick('TSTR')).toEqual(pick('TRTR'));
  });

  it('a collapsed generator (one class only) gives defined scores with reasons, never NaN', () => {
    const neg = realTrain.take(Int32Array.from([...realTrain.binaryTarget().keys()].filter((i) => realTrain.binaryTarget()[i] === 0)));
    const res = evaluateUtility({ realTrain, realTest, synthTrain: neg, cv: { folds: 3, repeats: 1 }, classifiers: ['logreg', 'rf'], rng: new Rng(0) });
    expect(res).toHaveLength(3 * 2 * 2);
    for (const s of res) {
      expect(finiteOrNull(s)).toBe(true);
      if (s.setting === 'TRTR') continue;
      expect(s.auc).toBeNull();
      expect(s.reason).toMatch(/only class 0|AUC undefined/);
      expect(s.accuracy).not.toBeNull();
    }
    const tsts = res.find((s) => s.setting === 'TSTS' && s.kind === 'baseline')!;
    expect(tsts.accuracy).toBe(1); // constant "negative" on an all-negative synthetic test set
    expect(tsts.recall).toBeNull();
  });

  it('TSTS uses a disjoint synthetic test set; sizes subsample the synthetic tables', () => {
    const synth = realTrain;
    const res = evaluateUtility({
      realTrain, realTest, synthTrain: synth, settings: ['TSTS'], kinds: ['baseline'], classifiers: ['logreg'],
      sizes: { synthTrain: 500 }, rng: new Rng(4),
    });
    expect(res).toHaveLength(1);
    expect(res[0].auc).not.toBeNull();
    // Without a synthetic test table, one is split off: disjoint rows, the real test share, both classes.
    const withId = new Table([...synth.columns, numericColumn('row', Array.from({ length: synth.nrows }, (_, i) => i))], synth.meta);
    const parts = splitSynthetic(withId, 0.3, new Rng(5));
    const ids = (t: Table) => new Set(t.numeric('row').values);
    const tr = ids(parts.train);
    expect([...ids(parts.test)].some((i) => tr.has(i))).toBe(false);
    expect(parts.train.nrows + parts.test.nrows).toBe(synth.nrows);
    expect(parts.test.nrows).toBe(210);
    expect(syntheticSizes(700, 300)).toEqual({ synthTrain: 700, synthTest: 300 });
    expect(syntheticSizes(700, 300, { synthTrain: 1000 })).toEqual({ synthTrain: 1000, synthTest: 300 });
    expect(() => evaluateUtility({ realTrain, realTest, synthTrain: synth, sizes: { synthTrain: 5000 }, settings: ['TSTR'], rng: new Rng(0) })).toThrow(/only 700 synthetic rows/);
  });

  it('reports clear errors for missing inputs', () => {
    expect(() => evaluateUtility({ realTrain, realTest, settings: ['TSTR'], rng: new Rng(0) })).toThrow(/need a synthetic training table/);
    expect(() => evaluateUtility({ realTrain, realTest, classifiers: ['svm'], settings: ['TRTR'], rng: new Rng(0) })).toThrow(/unknown classifier "svm"/);
    const numeric = realTrain.columns.find((c) => c.kind === 'numeric')!;
    const withNaN = new Table(realTrain.columns.map((c) => (c === numeric ? { ...c, values: Float64Array.from(c.values, (v, i) => (i === 3 ? NaN : v)) } : c)), realTrain.meta);
    expect(() => evaluateUtility({ realTrain, realTest, synthTrain: withNaN, settings: ['TSTR'], rng: new Rng(0) })).toThrow(new RegExp(`synthetic train table: column "${numeric.name}" has 1 non-finite`));
    const noCol = realTrain.select(realTrain.names.slice(1));
    expect(() => evaluateUtility({ realTrain, realTest, synthTrain: noCol, settings: ['TSTR'], rng: new Rng(0) })).toThrow(new RegExp(`no column "${realTrain.names[0]}"`));
  });
});

describe('evaluateSynthetic', () => {
  it('adds SRA, pMSE and fidelity to the utility scores', () => {
    const synth = shuffleColumns(realTrain, new Rng(5));
    const { utility, metrics } = evaluateSynthetic({
      realTrain, realTest, synthTrain: synth, settings: ['TRTR', 'TSTR'], kinds: ['baseline'],
      classifiers: ['logreg', 'gnb', 'gbdt'], pmse: { permutations: 2 }, rng: new Rng(6),
    });
    expect(utility).toHaveLength(6);
    const names = new Set(metrics.map((m) => m.name));
    for (const n of ['sra', 'pmse', 'pmse_ratio', 'tvd', 'ks', 'kl', 'tvd_mean', 'ks_mean', 'kl_mean', 'corr_diff']) expect(names.has(n)).toBe(true);
    for (const m of metrics) expect(m.value === null ? typeof m.reason : Number.isFinite(m.value)).toBe(m.value === null ? 'string' : true);
    // Shuffling keeps marginals: per-column TVD/KS are 0; dependence is gone: corr_diff > 0.
    expect(metrics.find((m) => m.name === 'tvd_mean')!.value).toBeCloseTo(0, 12);
    expect(metrics.find((m) => m.name === 'ks_mean')!.value).toBeCloseTo(0, 12);
    expect(metrics.find((m) => m.name === 'corr_diff')!.value!).toBeGreaterThan(0.02);
    expect(() => evaluateSynthetic({ realTrain, realTest, metrics: ['bleu'], rng: new Rng(0) })).toThrow(/unknown metric "bleu"/);
  });
});
