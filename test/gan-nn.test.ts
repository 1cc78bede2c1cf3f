import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { Ensemble } from '../src/nn/ensemble.ts';
import { MixedHead, stopGradient } from '../src/nn/heads.ts';
import { bceWithLogits, nonSaturatingLoss } from '../src/nn/losses.ts';

const spans = [
  { kind: 'numeric' as const, offset: 0, activation: 'sigmoid' as const },
  { kind: 'categorical' as const, offset: 1, width: 3 },
  { kind: 'numeric' as const, offset: 4, activation: 'tanh' as const },
  { kind: 'categorical' as const, offset: 5, width: 2 },
];

describe('MixedHead', () => {
  it('maps numerics into their range and every one-hot block onto the simplex', () => {
    const head = new MixedHead(spans);
    const logits = tf.tensor2d(new Rng(1).fillNormal(new Float32Array(50 * 7), 0, 2) as Float32Array, [50, 7]);
    for (const mode of ['softmax', 'gumbel'] as const) {
      const y = head.apply(logits, { categorical: mode, tau: 0.5, rng: new Rng(2) }).arraySync();
      for (const r of y) {
        expect(r[0]).toBeGreaterThan(0);
        expect(r[0]).toBeLessThan(1);
        expect(Math.abs(r[4])).toBeLessThan(1);
        expect(r[1] + r[2] + r[3]).toBeCloseTo(1, 5);
        expect(r[5] + r[6]).toBeCloseTo(1, 5);
      }
    }
  });

  it('rejects spans with gaps', () => {
    expect(() => new MixedHead([{ kind: 'numeric', offset: 0, activation: 'sigmoid' }, { kind: 'categorical', offset: 2, width: 2 }])).toThrow(/gaps/);
  });

  it('Gumbel noise is reproducible and hard mode gives exact one-hot rows with soft gradients', () => {
    const head = new MixedHead([{ kind: 'categorical', offset: 0, width: 4 }]);
    const x = tf.tensor2d([[0.1, 0.5, -0.2, 0.3]]);
    const a = head.apply(x, { categorical: 'gumbel', tau: 0.2, rng: new Rng(5) }).dataSync();
    const b = head.apply(x, { categorical: 'gumbel', tau: 0.2, rng: new Rng(5) }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const hard = head.apply(x, { categorical: 'gumbel', tau: 0.2, hard: true, rng: new Rng(5) }).dataSync();
    expect(Array.from(hard).sort()).toEqual([0, 0, 0, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(head.apply(v as tf.Tensor2D, { hard: true }), tf.tensor2d([[1, 2, 3, 4]]))))(x);
    expect(Math.max(...Array.from(g.dataSync()).map(Math.abs))).toBeGreaterThan(0);
  });

  it('sampleCategories draws categories with the generated probabilities (not the argmax)', () => {
    const head = new MixedHead([{ kind: 'categorical', offset: 0, width: 2 }, { kind: 'numeric', offset: 2, activation: 'sigmoid' }]);
    const rows = 20000;
    const X = new Float32Array(rows * 3);
    for (let i = 0; i < rows; i++) X.set([0.7, 0.3, 0.42], i * 3);
    head.sampleCategories(X, rows, new Rng(3));
    let ones = 0;
    for (let i = 0; i < rows; i++) {
      expect(X[i * 3] + X[i * 3 + 1]).toBe(1);
      expect(X[i * 3 + 2]).toBeCloseTo(0.42, 6);
      ones += X[i * 3 + 1];
    }
    // Binomial(20000, 0.3): sd ≈ 0.0032.
    expect(Math.abs(ones / rows - 0.3)).toBeLessThan(0.015);
  });
});

describe('Ensemble', () => {
  it('applyShared equals apply on the same rows tiled per member', () => {
    const e = new Ensemble('e', { members: 3, inputDim: 4, hidden: [5], outputDim: 2 }, new Rng(1));
    const x = tf.tensor2d(new Rng(2).fillNormal(new Float32Array(6 * 4)) as Float32Array, [6, 4]);
    const a = e.applyShared(x).arraySync();
    const b = e.apply(tf.tile(tf.expandDims(x, 0), [3, 1, 1]) as tf.Tensor3D).arraySync();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 6; j++) for (let c = 0; c < 2; c++) expect(a[i][j][c]).toBeCloseTo(b[i][j][c], 5);
  });

  it("a member's gradient depends only on the rows given to that member", () => {
    const e = new Ensemble('e', { members: 4, inputDim: 3, hidden: [4], outputDim: 1 }, new Rng(7));
    const r = new Rng(8);
    const X1 = r.fillNormal(new Float32Array(4 * 5 * 3)) as Float32Array;
    const X2 = Float32Array.from(X1);
    for (let j = 2 * 5 * 3; j < 3 * 5 * 3; j++) X2[j] += 1; // change member 2's rows only
    const grads = (X: Float32Array) =>
      tf.variableGrads(() => tf.sum(tf.square(e.apply(tf.tensor3d(X, [4, 5, 3])))) as tf.Scalar, e.variables).grads;
    const g1 = grads(X1);
    const g2 = grads(X2);
    for (const v of e.variables) {
      const a = g1[v.name].dataSync();
      const b = g2[v.name].dataSync();
      const per = v.size / 4;
      for (let m = 0; m < 4; m++) {
        const same = Array.from(a.slice(m * per, (m + 1) * per)).every((x, j) => x === b[m * per + j]);
        expect(same).toBe(m !== 2);
      }
    }
  });

  it("'shared' init gives every member the same start, 'uniform' distinct ones", () => {
    const s = new Ensemble('s', { members: 3, inputDim: 3, hidden: [2], outputDim: 1, init: 'shared' }, new Rng(1));
    expect(Array.from(s.memberWeights(0)[0])).toEqual(Array.from(s.memberWeights(2)[0]));
    const u = new Ensemble('u', { members: 3, inputDim: 3, hidden: [2], outputDim: 1 }, new Rng(1));
    expect(Array.from(u.memberWeights(0)[0])).not.toEqual(Array.from(u.memberWeights(2)[0]));
  });
});

describe('losses and stopGradient', () => {
  it('bceWithLogits matches the textbook formula and stays finite for large logits', () => {
    const z = tf.tensor1d([-50, -1, 0, 2, 60]);
    const y = tf.tensor1d([0, 1, 1, 0, 1]);
    const got = bceWithLogits(z, y).dataSync();
    const zs = [-50, -1, 0, 2, 60];
    const ys = [0, 1, 1, 0, 1];
    zs.forEach((v, i) => {
      const p = 1 / (1 + Math.exp(-v));
      const ref = -(ys[i] * Math.log(Math.max(p, 1e-300)) + (1 - ys[i]) * Math.log(Math.max(1 - p, 1e-300)));
      expect(got[i]).toBeCloseTo(ref, 4);
    });
    expect(nonSaturatingLoss(tf.tensor1d([0])).dataSync()[0]).toBeCloseTo(Math.log(2), 6);
  });

  it('stopGradient passes values and blocks gradients', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(x), x), 0)))(tf.tensor1d([3]));
    expect(g.dataSync()[0]).toBeCloseTo(3, 6); // d/dx [c·x] with c = 3 held constant
  });
});
