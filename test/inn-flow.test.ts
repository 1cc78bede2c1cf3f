import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { softClamp } from '../src/nn/coupling.ts';
import { InvertibleFlow } from '../src/nn/flow.ts';
import { permutationMatrix, randomOrthogonal } from '../src/nn/mixing.ts';

/** Replace every trainable variable by N(0, scale²) draws so no coupling is the identity. */
function randomize(flow: InvertibleFlow, rng: Rng, scale = 0.15): void {
  for (const v of flow.variables) {
    const buf = new Float32Array(v.size);
    rng.fillNormal(buf, 0, scale);
    tf.tidy(() => v.assign(tf.tensor(buf, v.shape)));
  }
}

function randn(rows: number, cols: number, rng: Rng, std = 1): tf.Tensor2D {
  const b = new Float32Array(rows * cols);
  rng.fillNormal(b, 0, std);
  return tf.tensor2d(b, [rows, cols]);
}

function oneHotRows(codes: number[], k: number): tf.Tensor2D {
  const b = new Float32Array(codes.length * k);
  codes.forEach((c, i) => (b[i * k + c] = 1));
  return tf.tensor2d(b, [codes.length, k]);
}

/** log|det A| of a row-major d×d matrix by LU with partial pivoting (float64). */
function logAbsDet(A: Float64Array, d: number): number {
  const M = Float64Array.from(A);
  let s = 0;
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(M[i * d + k]) > Math.abs(M[p * d + k])) p = i;
    if (p !== k) for (let j = 0; j < d; j++) [M[k * d + j], M[p * d + j]] = [M[p * d + j], M[k * d + j]];
    const piv = M[k * d + k];
    s += Math.log(Math.abs(piv));
    for (let i = k + 1; i < d; i++) {
      const f = M[i * d + k] / piv;
      for (let j = k; j < d; j++) M[i * d + j] -= f * M[k * d + j];
    }
  }
  return s;
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('invertible flow', () => {
  it('inverse(forward(x)) = x to 1e-4 (orthogonal and permutation mixing, conditional, ActNorm)', () => {
    const rng = new Rng(3);
    for (const mixing of ['orthogonal', 'permutation'] as const) {
      for (const condDim of [0, 3]) {
        const flow = new InvertibleFlow(`t-${mixing}-${condDim}`, { dim: 7, condDim, blocks: 4, hidden: [16], mixing }, rng.fork(`${mixing}${condDim}`));
        randomize(flow, rng.fork(`w${mixing}${condDim}`));
        const x = randn(50, 7, rng, 1.5);
        const c = condDim ? oneHotRows(Array.from({ length: 50 }, (_, i) => i % 3), 3) : undefined;
        const { z } = flow.forward(x, c);
        const back = flow.inverse(z, c);
        expect(maxAbsDiff(back, x)).toBeLessThan(1e-4);
        // and the other way round: forward(inverse(z)) = z
        const z0 = randn(50, 7, rng);
        expect(maxAbsDiff(flow.forward(flow.inverse(z0, c), c).z, z0)).toBeLessThan(1e-4);
        flow.dispose();
      }
    }
  });

  it('log|det J| equals the log-det of a finite-difference Jacobian', () => {
    const rng = new Rng(11);
    const d = 5;
    const flow = new InvertibleFlow('jac', { dim: d, condDim: 2, blocks: 3, hidden: [12], mixing: 'orthogonal' }, rng.fork('init'));
    randomize(flow, rng.fork('w'), 0.25);
    const points = 3;
    const x = randn(points, d, rng);
    const c = oneHotRows([0, 1, 1], 2);
    const analytic = flow.forward(x, c).logdet.dataSync();
    const X = x.arraySync();
    // Central differences at h and h/2, Richardson-extrapolated (error O(h⁴)).
    const jac = (h: number) => {
      const rows: number[][] = [];
      const conds: number[][] = [];
      const cc = c.arraySync();
      for (let p = 0; p < points; p++) {
        for (let j = 0; j < d; j++) {
          for (const sgn of [1, -1]) {
            const r = [...X[p]];
            r[j] += sgn * h;
            rows.push(r);
            conds.push(cc[p]);
          }
        }
      }
      const z = flow.forward(tf.tensor2d(rows), tf.tensor2d(conds)).z.arraySync();
      return Array.from({ length: points }, (_, p) => {
        const J = new Float64Array(d * d); // J[i][j] = ∂z_i/∂x_j
        for (let j = 0; j < d; j++) {
          const plus = z[(p * d + j) * 2];
          const minus = z[(p * d + j) * 2 + 1];
          for (let i = 0; i < d; i++) J[i * d + j] = (plus[i] - minus[i]) / (2 * h);
        }
        return J;
      });
    };
    const J1 = jac(2e-2);
    const J2 = jac(1e-2);
    for (let p = 0; p < points; p++) {
      const J = J1[p].map((v, k) => (4 * J2[p][k] - v) / 3);
      const numeric = logAbsDet(J, d);
      expect(Math.abs(numeric - analytic[p])).toBeLessThan(5e-3);
      expect(Math.abs(analytic[p])).toBeGreaterThan(0.1); // a non-trivial Jacobian
    }
    flow.dispose();
  });

  it('soft clamp keeps log-scales within ±clamp and is ≈ 0.636·s near 0', () => {
    const s = tf.tensor2d([[-1e4, -3, -1e-3, 0, 1e-3, 3, 1e4]]);
    const v = softClamp(s, 2).dataSync();
    for (const x of v) expect(Math.abs(x)).toBeLessThan(2);
    expect(v[0]).toBeCloseTo(-2 * 0.636 * (Math.PI / 2), 3);
    expect(v[2]).toBeCloseTo(-0.636e-3, 6);
    expect(v[5]).toBeCloseTo(2 * 0.636 * Math.atan(1.5), 5);
  });

  it('mixing matrices are orthogonal (Pᵀ is the inverse) and permutations permute', () => {
    const d = 9;
    const Q = randomOrthogonal(d, new Rng(5));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += Q[k * d + i] * Q[k * d + j];
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    const perm = [2, 0, 1];
    const P = permutationMatrix(perm);
    const x = [10, 20, 30];
    const y = [0, 1, 2].map((j) => x.reduce((s, xi, i) => s + xi * P[i * 3 + j], 0));
    expect(y).toEqual([30, 10, 20]);
  });

  it('nll is (½‖z‖² − log|det|)/d per row', () => {
    const rng = new Rng(2);
    const flow = new InvertibleFlow('nll', { dim: 4, blocks: 2, hidden: [8] }, rng);
    randomize(flow, rng.fork('w'));
    const x = randn(6, 4, rng);
    const { z, logdet } = flow.forward(x);
    const zz = z.arraySync();
    const ld = logdet.dataSync();
    const nll = flow.nll(x).dataSync();
    for (let i = 0; i < 6; i++) {
      const expected = (0.5 * zz[i].reduce((s, v) => s + v * v, 0) - ld[i]) / 4;
      expect(nll[i]).toBeCloseTo(expected, 5);
    }
    flow.dispose();
  });

  it('data init gives ActNorm outputs zero mean and unit variance on the init batch', () => {
    const rng = new Rng(8);
    const flow = new InvertibleFlow('init', { dim: 3, blocks: 1, hidden: [4] }, rng);
    const x = tf.add(tf.mul(randn(400, 3, rng), tf.tensor1d([5, 0.1, 2])), tf.tensor1d([10, -3, 0])) as tf.Tensor2D;
    flow.initFromData(x);
    const y = flow.blocks[0].actnorm!.forward(x).y;
    const { mean, variance } = tf.moments(y, 0);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    flow.dispose();
  });
});
