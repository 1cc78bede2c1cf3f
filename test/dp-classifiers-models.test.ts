/**
 * DP classifiers (issue 12): dp-logreg (DP-SGD), dp-logreg-op (objective perturbation), dp-gnb (noisy
 * sufficient statistics). Checked: the DP-SGD step equals the project's dpGradients; noise scales equal the
 * calibrated ones (statistical tests, fixed seeds); ledgers reach the target ε and never pass it; features
 * come from declared public metadata only (refusal when undeclared); at ε = 1000 on Adult the DP models are
 * within 0.01 accuracy of the non-private ones.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { loadDataset } from '../src/data/registry.ts';
import { Table, type ColumnSchema } from '../src/data/table.ts';
import { DpGaussianNB, releaseGnbStatistics, DP_GNB_DEFAULTS } from '../src/eval/classifiers/dp-gnb.ts';
import { augmentedRows, clippedGradientSum, DpLogisticRegression, ObjectivePerturbationLR, objPertParameters, privateGradient } from '../src/eval/classifiers/dp-logreg.ts';
import { expandClassifiers, fitOnTable, isClassifierName, parseDpClassifier, Preprocessor } from '../src/eval/classifiers/index.ts';
import { MissingPublicBoundsError, PublicEncoder } from '../src/eval/classifiers/public-features.ts';
import { binaryScores } from '../src/eval/metrics.ts';
import { calibrateSigma } from '../src/privacy/calibrate.ts';
import { DenseNet } from '../src/privacy/dpnet.ts';
import { dpGradients } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { seededGaussian } from '../src/privacy/noise.ts';
import { analyticGaussianSigma } from '../src/privacy/primitives.ts';

const SCHEMA: ColumnSchema[] = [
  { name: 'age', type: 'numeric', min: 0, max: 100 },
  { name: 'income', type: 'numeric', min: 0, max: 1000 },
  { name: 'colour', type: 'categorical', levels: ['red', 'green', 'blue'] },
  { name: 'y', type: 'categorical', levels: ['no', 'yes'] },
];

/** A small table with a signal in every column (schema as declared unless replaced). */
function smallTable(n: number, seed: number, schema: ColumnSchema[] = SCHEMA): Table {
  const rng = new Rng(seed);
  const age = new Float64Array(n);
  const income = new Float64Array(n);
  const colour = new Int32Array(n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.uniform() < 0.4 ? 1 : 0;
    age[i] = Math.round(30 + 20 * y[i] + 10 * rng.normal());
    income[i] = 200 + 300 * y[i] + 100 * rng.normal();
    colour[i] = rng.uniform() < 0.5 + 0.3 * y[i] ? 0 : 1 + rng.int(2);
  }
  return new Table(
    [
      { kind: 'numeric', name: 'age', values: age, integer: true },
      { kind: 'numeric', name: 'income', values: income, integer: false },
      { kind: 'categorical', name: 'colour', codes: colour, levels: ['red', 'green', 'blue'] },
      { kind: 'categorical', name: 'y', codes: y, levels: ['no', 'yes'] },
    ],
    { target: 'y', positive: 'yes', schema },
  );
}

function sampleStats(xs: number[]): { mean: number; sd: number; mad: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  const mad = xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
  return { mean, sd, mad };
}

describe('public features', () => {
  it('scale numerics by their declared bounds, clip outside them, one-hot over declared levels only', () => {
    const t = smallTable(50, 1);
    const enc = PublicEncoder.fromSchema(t);
    expect(enc.names).toEqual(['age', 'income', 'colour=red', 'colour=green', 'colour=blue']);
    const M = enc.transform(t);
    expect(M.columns).toBe(3);
    expect(Array.from(M.numeric)).toEqual([0, 1]);
    const ages = t.column('age');
    for (let i = 0; i < M.n; i++) {
      const a = (ages as { values: Float64Array }).values[i];
      expect(M.X[i * M.d]).toBeCloseTo(Math.min(1, Math.max(0, a / 100)), 12);
      for (let j = 0; j < M.d; j++) expect(M.X[i * M.d + j]).toBeGreaterThanOrEqual(0), expect(M.X[i * M.d + j]).toBeLessThanOrEqual(1);
    }
    // Out-of-bounds values clip; a level outside the declared ones encodes as zeros.
    const odd = new Table(
      [
        { kind: 'numeric', name: 'age', values: Float64Array.from([-5, 250]), integer: true },
        { kind: 'numeric', name: 'income', values: Float64Array.from([500, 500]), integer: false },
        { kind: 'categorical', name: 'colour', codes: Int32Array.from([0, 1]), levels: ['purple', 'blue'] },
        { kind: 'categorical', name: 'y', codes: Int32Array.from([0, 1]), levels: ['no', 'yes'] },
      ],
      t.meta,
    );
    const O = enc.transform(odd);
    expect(Array.from(O.X)).toEqual([0, 0.5, 0, 0, 0, 1, 0.5, 0, 0, 1]);
  });

  it('depend on the schema only, never on the training rows', () => {
    const a = smallTable(40, 2);
    const b = smallTable(60, 3);
    const test = smallTable(30, 4);
    expect(Array.from(PublicEncoder.fromSchema(a).transform(test).X)).toEqual(Array.from(PublicEncoder.fromSchema(b).transform(test).X));
  });

  it('refuse a column without declared bounds or levels, naming it', () => {
    const noBounds = smallTable(20, 5, SCHEMA.map((s) => (s.name === 'income' ? { name: 'income', type: 'numeric' } : s)));
    expect(() => PublicEncoder.fromSchema(noBounds)).toThrow(MissingPublicBoundsError);
    expect(() => PublicEncoder.fromSchema(noBounds)).toThrow(/"income".*min < max/);
    const noLevels = smallTable(20, 5, SCHEMA.filter((s) => s.name !== 'colour'));
    expect(() => PublicEncoder.fromSchema(noLevels, 'dp-gnb@1')).toThrow(/dp-gnb@1: categorical column "colour" has no declared public levels/);
    // Through the registry, a DP fit refuses before spending anything.
    const seen: string[] = [];
    expect(() => fitOnTable('dp-logreg@1', new Preprocessor(noBounds), noBounds.binaryTarget(), new Rng(0), { dp: { onLedger: (n) => seen.push(n) } })).toThrow(/"income"/);
    expect(seen).toEqual([]);
  });
});

describe('dp-logreg (DP-SGD)', () => {
  it('its step equals the project DP-SGD step (dpGradients on a one-unit dense net), clipping included', () => {
    const t = smallTable(24, 6);
    const X = PublicEncoder.fromSchema(t).transform(t);
    const y = t.binaryTarget();
    const rng = new Rng(7);
    const net = new DenseNet('lr', X.d, [{ type: 'dense', units: 1 }], rng.fork('init'));
    const [W, b] = net.variables;
    const w = Float64Array.from([...(W.dataSync() as Float32Array), ...(b.dataSync() as Float32Array)].map((v) => v * 3));
    W.assign(tf.tensor2d(Float32Array.from(w.subarray(0, X.d)), [X.d, 1]));
    b.assign(tf.tensor1d(Float32Array.from([w[X.d]])));
    const batch = Int32Array.from({ length: X.n }, (_, i) => i);
    for (const C of [0.2, 1, 100]) {
      const mine = new Float64Array(X.d + 1);
      const clipped = clippedGradientSum(augmentedRows(X), y, batch, w, C, mine);
      const xs = tf.tensor2d(Float32Array.from(X.X), [X.n, X.d]);
      const ys = tf.tensor1d(Float32Array.from(y));
      const r = dpGradients(net, X.n, (ctx) => {
        const z = tf.reshape(net.apply(xs, ctx), [X.n]);
        return tf.add(tf.relu(z), tf.sub(tf.log1p(tf.exp(tf.neg(tf.abs(z)))), tf.mul(z, ys))) as tf.Tensor1D;
      }, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: 8, noise: seededGaussian(rng) });
      const theirs = [...(r.grads[W.name].dataSync() as Float32Array), ...(r.grads[b.name].dataSync() as Float32Array)];
      for (let j = 0; j < theirs.length; j++) expect(Math.abs(mine[j] / 8 - theirs[j])).toBeLessThan(2e-6);
      expect(clipped / X.n).toBeCloseTo(r.clippedFraction, 9);
      if (C === 0.2) expect(clipped).toBeGreaterThan(0);
      if (C === 100) expect(clipped).toBe(0);
      tf.dispose([xs, ys, ...Object.values(r.grads)]);
    }
    net.variables.forEach((v) => v.dispose());
  });

  it('adds N(0, (σC/B)²) per coordinate with σ from calibrateSigma (statistical test on empty batches)', () => {
    const t = smallTable(400, 8);
    const X = PublicEncoder.fromSchema(t).transform(t);
    const y = t.binaryTarget();
    const ledger = new Ledger({ epsilon: 0.7, delta: 1e-5 });
    const clf = new DpLogisticRegression({ ledger, accountant: 'rdp' }, { epochs: 3, batchSize: 50, clipNorm: 0.8 });
    clf.fit(X, y, new Rng(9));
    const info = clf.lastFit!;
    const expected = calibrateSigma({ q: 50 / 400, steps: 3 * 8, epsilon: 0.7, delta: 1e-5, accountant: 'rdp' }).sigma;
    expect(info.sigma).toBe(expected);
    expect(info.steps).toBe(24);
    expect(ledger.entries[0].params!.sigma).toBe(expected);
    // The same noise path as fit(): an empty batch leaves pure noise / B.
    const rows = augmentedRows(X);
    const noise = seededGaussian(new Rng(10));
    const g = new Float64Array(X.d + 1);
    const scratch = new Float64Array(X.d + 1);
    const draws: number[] = [];
    for (let k = 0; k < 4000; k++) {
      privateGradient(rows, y, new Int32Array(0), new Float64Array(X.d + 1), { clipNorm: 0.8, sigma: info.sigma, expectedBatchSize: 50, noise }, g, scratch);
      draws.push(...g);
    }
    const s = sampleStats(draws);
    const target = (info.sigma * 0.8) / 50;
    // 24 000 draws: the sample sd is within ±1.5 % of the truth with overwhelming probability (sd of the ratio ≈ 0.46 %).
    expect(Math.abs(s.sd / target - 1)).toBeLessThan(0.015);
    expect(Math.abs(s.mean)).toBeLessThan((4 * target) / Math.sqrt(draws.length));
  });

  it('spends exactly its calibrated ε (never more), and only what the ledger has left', () => {
    const t = smallTable(300, 11);
    const X = PublicEncoder.fromSchema(t).transform(t);
    const y = t.binaryTarget();
    for (const [eps, acc] of [[0.3, 'pld'], [2, 'rdp'], [8, 'pld']] as const) {
      const ledger = new Ledger({ epsilon: eps, delta: 1e-5 });
      new DpLogisticRegression({ ledger, accountant: acc }, { epochs: 4, batchSize: 30 }).fit(X, y, new Rng(1));
      const spent = ledger.spent().epsilon;
      expect(spent).toBeLessThanOrEqual(eps);
      expect(spent).toBeGreaterThan(eps * (1 - 2e-4));
      expect(ledger.entries).toHaveLength(1);
      expect(ledger.entries[0]).toMatchObject({ mechanism: 'dpsgd', accountant: acc, delta: 1e-5 });
    }
    const shared = new Ledger({ epsilon: 1, delta: 1e-5 });
    shared.spend({ what: 'earlier release', mechanism: 'laplace', epsilon: 0.4, delta: 0 });
    new DpLogisticRegression({ ledger: shared, accountant: 'rdp' }, { epochs: 2, batchSize: 30 }).fit(X, y, new Rng(2));
    expect(shared.spent().epsilon).toBeLessThanOrEqual(1);
    expect(shared.entries[1].epsilon).toBeGreaterThan(0.6 * (1 - 2e-4));
  });
});

describe('dp-logreg-op (objective perturbation)', () => {
  it('follows Chaudhuri et al. 2011 Alg. 2 for ε′ and Δ, draws ‖b‖ ~ Gamma(d, 2/ε′), spends ε with δ = 0', () => {
    // Large n: the whole ε minus the curvature term goes to the noise; tiny n: Δ > 0 and ε′ = ε/2.
    const big = objPertParameters(10000, 1, 1e-3);
    expect(big.extraRidge).toBe(0);
    expect(big.epsPrime).toBeCloseTo(1 - Math.log(1 + 2 * 0.025 + 0.025 ** 2), 12);
    const small = objPertParameters(10, 0.1, 1e-3);
    expect(small.epsPrime).toBe(0.05);
    expect(small.extraRidge).toBeCloseTo(0.25 / (10 * (Math.exp(0.025) - 1)) - 1e-3, 12);
    const t = smallTable(200, 12);
    const X = PublicEncoder.fromSchema(t).transform(t);
    const y = t.binaryTarget();
    const norms: number[] = [];
    let epsPrime = 0;
    for (let k = 0; k < 400; k++) {
      const ledger = new Ledger({ epsilon: 2, delta: 1e-5 });
      const clf = new ObjectivePerturbationLR({ ledger });
      if (k < 3) clf.fit(X, y, new Rng(k));
      else {
        // Only the noise draw matters here: fit on 2 rows keeps the loop cheap (ε′ computed for that n).
        clf.fit({ ...X, n: 2, X: X.X.subarray(0, 2 * X.d) }, y.subarray(0, 2), new Rng(k));
      }
      expect(ledger.spent()).toEqual({ epsilon: 2, delta: 0 });
      if (k >= 3) {
        norms.push(clf.lastFit!.noiseNorm);
        epsPrime = clf.lastFit!.epsPrime;
      }
    }
    // Gamma(shape D, scale 2/ε′): mean 2D/ε′, sd √D·2/ε′.
    const D = X.d + 1;
    const s = sampleStats(norms);
    const mean = (2 * D) / epsPrime;
    expect(Math.abs(s.mean - mean)).toBeLessThan((4 * Math.sqrt(D) * 2) / epsPrime / Math.sqrt(norms.length));
    expect(Math.abs(s.sd / ((Math.sqrt(D) * 2) / epsPrime) - 1)).toBeLessThan(0.15);
  });
});

describe('dp-gnb (noisy sufficient statistics)', () => {
  const t = smallTable(300, 13);
  const X = PublicEncoder.fromSchema(t).transform(t);
  const y = t.binaryTarget();
  const truth = { counts: [0, 0], sums: [new Float64Array(X.d), new Float64Array(X.d)] };
  for (let i = 0; i < X.n; i++) {
    truth.counts[y[i]]++;
    for (let j = 0; j < X.d; j++) truth.sums[y[i]][j] += X.X[i * X.d + j];
  }

  it('Laplace noise with the calibrated scales: counts 1/ε₁, sums m/ε₂, squares Σ max(μ̃,1−μ̃)²/ε₃', () => {
    const eps = 1.2;
    const c: number[] = [];
    const sNum: number[] = [];
    for (let k = 0; k < 3000; k++) {
      const ledger = new Ledger({ epsilon: eps, delta: 1e-5 });
      const r = releaseGnbStatistics(X, y, DP_GNB_DEFAULTS, new Rng(`gnb-${k}`), ledger);
      expect(r.scales.counts).toBeCloseTo(1 / (eps / 3), 12);
      expect(r.scales.sums).toBeCloseTo(3 / (eps / 3), 12);
      for (const cls of [0, 1] as const) {
        const l1 = Array.from(X.numeric).reduce((a, j) => a + Math.max(r.means[cls][j], 1 - r.means[cls][j]) ** 2, 0);
        expect(r.scales.squares[cls]).toBeCloseTo(l1 / (eps / 3), 12);
      }
      c.push(r.counts[0] - truth.counts[0], r.counts[1] - truth.counts[1]);
      // Numeric sums are not rounded: their noise is observable (indicator sums are rounded counts).
      for (const j of X.numeric) sNum.push(r.sums[0][j] - truth.sums[0][j], r.sums[1][j] - truth.sums[1][j]);
    }
    // Laplace(b): E|X| = b and sd = b√2; 6000 / 12000 draws give both within a few percent.
    const sc = sampleStats(c);
    expect(Math.abs(sc.mad / (3 / eps) - 1)).toBeLessThan(0.05);
    expect(Math.abs(sc.sd / ((3 / eps) * Math.SQRT2) - 1)).toBeLessThan(0.06);
    const ss = sampleStats(sNum);
    expect(Math.abs(ss.mad / (9 / eps) - 1)).toBeLessThan(0.04);
  });

  it('Gaussian noise: analytic σ for (ε/3, δ/3) at ℓ2-sensitivity √m', () => {
    const draws: number[] = [];
    let sigma = 0;
    for (let k = 0; k < 3000; k++) {
      const ledger = new Ledger({ epsilon: 2, delta: 1e-5 });
      const r = releaseGnbStatistics(X, y, { ...DP_GNB_DEFAULTS, noise: 'gaussian' }, new Rng(`g-${k}`), ledger);
      sigma = r.scales.sums;
      for (const j of X.numeric) draws.push(r.sums[0][j] - truth.sums[0][j], r.sums[1][j] - truth.sums[1][j]);
      expect(ledger.spent().delta).toBeCloseTo(1e-5, 18);
    }
    expect(sigma).toBeCloseTo(analyticGaussianSigma(2 / 3, 1e-5 / 3, Math.sqrt(3)), 10);
    expect(Math.abs(sampleStats(draws).sd / sigma - 1)).toBeLessThan(0.03);
  });

  it('its ledger entries add up to exactly ε, and refuse a budget already spent', () => {
    for (const eps of [0.1, 1, 7.3]) {
      const ledger = new Ledger({ epsilon: eps, delta: 1e-5 });
      new DpGaussianNB({ ledger }).fit(X, y, new Rng(1));
      expect(ledger.entries.map((e) => e.what)).toEqual(['dp-gnb: class counts', 'dp-gnb: per-class sums of 5 features', 'dp-gnb: per-class centred sums of squares of 2 numeric features']);
      // Never past ε (beyond float rounding of the sum), and all of it spent.
      expect(Math.abs(ledger.spent().epsilon - eps)).toBeLessThan(1e-12);
      expect(ledger.entries.reduce((a, e) => a + e.epsilon, 0)).toBeLessThanOrEqual(eps * (1 + 1e-12));
    }
    const gone = new Ledger({ epsilon: 1, delta: 1e-5 });
    gone.spend({ what: 'all of it', mechanism: 'laplace', epsilon: 1, delta: 0 });
    expect(() => new DpGaussianNB({ ledger: gone }).fit(X, y, new Rng(1))).toThrow(/finite positive ε/);
  });
});

describe('registry names and budgets', () => {
  it('parse name@ε, expand bare names per evaluation.classifier_epsilon, refuse "cell" in a non-private cell', () => {
    expect(parseDpClassifier('dp-logreg@0.5')).toEqual({ base: 'dp-logreg', epsilon: 0.5 });
    expect(parseDpClassifier('dp-gnb')).toEqual({ base: 'dp-gnb', epsilon: null });
    expect(parseDpClassifier('logreg')).toBeNull();
    expect(() => parseDpClassifier('dp-gnb@-1')).toThrow(/positive number/);
    expect(isClassifierName('dp-logreg-op@3')).toBe(true);
    expect(isClassifierName('dp-tree@1')).toBe(false);
    expect(expandClassifiers(['logreg', 'dp-logreg', 'dp-gnb@2'], [0.1, 1], null)).toEqual({ classifiers: ['logreg', 'dp-logreg@0.1', 'dp-logreg@1', 'dp-gnb@2'], epsilon: undefined });
    expect(expandClassifiers(['dp-gnb'], 1, 3)).toEqual({ classifiers: ['dp-gnb@1'], epsilon: undefined });
    expect(expandClassifiers(['dp-gnb'], 'cell', 3)).toEqual({ classifiers: ['dp-gnb'], epsilon: 3 });
    expect(() => expandClassifiers(['dp-gnb'], 'cell', null)).toThrow(/classifier_epsilon is "cell".*non-private/);
  });

  it('fitOnTable trains a DP classifier at its budget and reports its ledger', () => {
    const t = smallTable(200, 14);
    const pre = new Preprocessor(t);
    const ledgers: { name: string; spent: number; budget: number }[] = [];
    const ctx = { dp: { epsilon: 2, delta: 1e-6, onLedger: (name: string, l: { spent: { epsilon: number }; budget: { epsilon: number } }) => ledgers.push({ name, spent: l.spent.epsilon, budget: l.budget.epsilon }) } };
    for (const name of ['dp-gnb@0.5', 'dp-gnb', 'dp-logreg@1', 'dp-logreg-op@1']) {
      const m = fitOnTable(name, pre, t.binaryTarget(), new Rng(0), ctx);
      const p = m.predictProba(t);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(m.constant).toBe(false);
    }
    expect(ledgers.map((l) => [l.name, l.budget])).toEqual([['dp-gnb@0.5', 0.5], ['dp-gnb', 2], ['dp-logreg@1', 1], ['dp-logreg-op@1', 1]]);
    for (const l of ledgers) expect(l.spent).toBeLessThanOrEqual(l.budget), expect(l.spent).toBeGreaterThan(l.budget * 0.999);
    expect(() => fitOnTable('dp-gnb', pre, t.binaryTarget(), new Rng(0))).toThrow(/needs a budget: write dp-gnb@<ε>/);
  });
});

describe('at ε = 1000 on Adult the DP models approach the non-private ones', () => {
  const train = loadDataset('adult');
  const test = loadDataset('adult-test');
  const y = train.binaryTarget();
  const yt = test.binaryTarget();
  const pre = new Preprocessor(train);
  const score = (p: Float64Array) => binaryScores(yt, p);
  const Xp = pre.publicDense(train);
  const Xt = pre.publicDense(test);

  it('dp-logreg (DP-SGD, RDP accountant) within 0.01 accuracy and AUC of logreg', () => {
    const base = score(fitOnTable('logreg', pre, y, new Rng(0)).predictProba(test));
    const ledger = new Ledger({ epsilon: 1000, delta: 1e-5 });
    const dp = score(new DpLogisticRegression({ ledger, accountant: 'rdp' }).fit(Xp, y, new Rng(1)).predictProba(Xt));
    expect(Math.abs(dp.accuracy! - base.accuracy!)).toBeLessThan(0.01);
    expect(Math.abs(dp.auc! - base.auc!)).toBeLessThan(0.01);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1000);
  });

  it('dp-gnb (var_smoothing floor) within 0.01 accuracy and AUC of gnb', () => {
    const base = score(fitOnTable('gnb', pre, y, new Rng(0)).predictProba(test));
    for (const seed of [1, 2]) {
      const dp = score(new DpGaussianNB({ ledger: new Ledger({ epsilon: 1000, delta: 1e-5 }) }, { varianceFloor: 'sklearn' }).fit(Xp, y, new Rng(seed)).predictProba(Xt));
      expect(Math.abs(dp.accuracy! - base.accuracy!)).toBeLessThan(0.01);
      expect(Math.abs(dp.auc! - base.auc!)).toBeLessThan(0.01);
    }
  });
});
