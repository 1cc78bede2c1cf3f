/**
 * Gradients registered by src/compute/gradients.ts against central finite differences: first order
 * for every op family models use, and second order (nested tf.grad) for each activation — the
 * stock tfjs versions are silently wrong (Tanh, Sigmoid, Exp) or throw (LeakyRelu, Elu) there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/compute/tf.ts';
import { initBackend } from '../src/compute/backend.ts';
import { loadNativeGemm } from '../src/compute/native.ts';
import { Rng } from '../src/compute/rng.ts';

type Fn = (x: tf.Tensor) => tf.Tensor;

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Points away from the kinks of relu-like functions (finite differences straddle no kink). */
function points(rng: Rng, n: number, scale = 1.5): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    while (Math.abs(v) < 0.15 || Math.abs(v - 6) < 0.15) v = rng.normal() * scale;
    out[i] = v;
  }
  return out;
}

const scalarOf = (t: tf.Tensor) => (t.dataSync() as Float32Array)[0];

/** Central differences of a scalar function of x, one coordinate at a time (float64 bookkeeping). */
function finiteDiff(f: (x: tf.Tensor) => number, x: Float32Array, shape: number[], eps: number): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = Float32Array.from(x);
    const m = Float32Array.from(x);
    p[i] += eps;
    m[i] -= eps;
    g[i] = (f(tf.tensor(p, shape)) - f(tf.tensor(m, shape))) / (Number(p[i]) - Number(m[i]));
  }
  return g;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(err < tol)) throw new Error(`${what}: element ${i}: autodiff ${got[i]} vs finite difference ${want[i]}`);
  }
}

/** First order: tf.grad(sum(w ⊙ f(x))) vs finite differences (w breaks symmetric cancellations). */
function checkFirst(name: string, f: Fn, x: Float32Array, shape: number[], tol = 2e-3): void {
  tf.tidy(() => {
    const outShape = f(tf.tensor(x, shape)).shape;
    const w = tf.tensor(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => 1 + 0.37 * (i % 5)), outShape);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t), w));
    const auto = tf.grad(loss)(tf.tensor(x, shape)).dataSync();
    const fd = finiteDiff((t) => tf.tidy(() => scalarOf(loss(t))), x, shape, 1e-2);
    expectClose(auto, fd, tol, name);
  });
}

/** Second order: ∇ₓ (v · ∇ₓ sum f(x)) by nested tf.grad vs finite differences of the first gradient. */
function checkSecond(name: string, f: Fn, x: Float32Array, shape: number[], tol = 3e-3): void {
  tf.tidy(() => {
    const v = tf.tensor(Float32Array.from({ length: x.length }, (_, i) => 1 + i), shape);
    const g1 = tf.grad((t: tf.Tensor) => tf.sum(f(t)));
    const dirGrad = (t: tf.Tensor) => tf.sum(tf.mul(g1(t), v));
    const auto = tf.grad(dirGrad)(tf.tensor(x, shape)).dataSync();
    const fd = finiteDiff((t) => tf.tidy(() => scalarOf(dirGrad(t))), x, shape, 1e-2);
    expectClose(auto, fd, tol, `${name} (second order)`);
  });
}

const ACTIVATIONS: Record<string, Fn> = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  exp: (x) => tf.exp(tf.mul(x, 0.5)),
  leakyRelu: (x) => tf.leakyRelu(x, 0.2),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  relu: (x) => tf.mul(tf.relu(x), x),
  relu6: (x) => tf.mul(tf.relu6(tf.mul(x, 4)), x),
  prelu: (x) => tf.mul(tf.prelu(x, tf.scalar(0.3)), x),
  softmax: (x) => tf.mul(tf.softmax(tf.reshape(x, [2, 3]), -1), tf.reshape(x, [2, 3])),
  square: (x) => tf.mul(tf.square(x), x),
  sqrt: (x) => tf.sqrt(tf.add(tf.square(x), 1)),
  log: (x) => tf.log(tf.add(tf.square(x), 1)),
  abs: (x) => tf.mul(tf.abs(x), x),
  // tf.logSoftmax is a customGrad op and NOT twice differentiable; this form is (see README).
  'log-softmax as x − logSumExp(x)': (x) => { const r = tf.reshape(x, [2, 3]); return tf.sub(r, tf.logSumExp(r, 1, true)); },
  logSigmoid: (x) => tf.logSigmoid(x),
  'sigmoid cross-entropy': (x) => tf.losses.sigmoidCrossEntropy(tf.tensor1d([1, 0, 1, 0, 1, 1]), x, undefined, 0, tf.Reduction.NONE),
};

describe('second derivatives of activations (nested tf.grad) — cpu', () => {
  const rng = new Rng('grad2');
  for (const [name, f] of Object.entries(ACTIVATIONS)) {
    it(name, async () => {
      await initBackend('cpu');
      checkSecond(name, f, points(rng, 6), [6]);
    });
  }
  it('closed forms: tanh″ = −2 tanh (1 − tanh²), sigmoid″ = s(1−s)(1−2s), elu″ = eˣ (x<0)', async () => {
    await initBackend('cpu');
    const xs = [-1.2, -0.4, 0.3, 0.9, 1.7];
    const second = (f: Fn) => tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(f(y)))(x)))(tf.tensor1d(xs)).dataSync()));
    const t = (x: number) => Math.tanh(x);
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    expectClose(second((x) => tf.tanh(x)), xs.map((x) => -2 * t(x) * (1 - t(x) ** 2)), 1e-5, 'tanh″');
    expectClose(second((x) => tf.sigmoid(x)), xs.map((x) => s(x) * (1 - s(x)) * (1 - 2 * s(x))), 1e-5, 'sigmoid″');
    expectClose(second((x) => tf.exp(x)), xs.map(Math.exp), 1e-5, 'exp″');
    expectClose(second((x) => tf.elu(x)), xs.map((x) => (x < 0 ? Math.exp(x) : 0)), 1e-5, 'elu″');
    expectClose(second((x) => tf.leakyRelu(x, 0.2)), xs.map(() => 0), 1e-6, 'leakyRelu″');
  });
});

describe('first-order gradients vs finite differences — cpu', () => {
  const rng = new Rng('grad1');
  const x6 = () => points(rng, 6);
  const c = (vals: number[], shape: number[]) => tf.tensor(vals, shape);
  const ops: Record<string, [Fn, number[]]> = {
    'add/sub/mul/div with broadcasting': [(x) => tf.div(tf.mul(tf.sub(tf.add(x, c([1, 2, 3], [3])), 0.5), c([2, 3], [2, 1])), tf.add(tf.square(x), 1)), [2, 3]],
    'maximum/minimum': [(x) => tf.add(tf.maximum(x, tf.mul(x, -0.5)), tf.minimum(x, c([0.1, -0.2, 0.3], [3]))), [2, 3]],
    'pow (both inputs)': [(x) => tf.pow(tf.add(tf.abs(x), 0.5), tf.add(tf.mul(x, 0.1), 1.5)), [6]],
    'squaredDifference': [(x) => tf.squaredDifference(x, tf.reverse(x, 0)), [6]],
    'sum/mean over axes, keepDims': [(x) => tf.add(tf.mul(tf.sum(x, 1, true), x), tf.mean(tf.square(x), 0)), [2, 3]],
    'max/min reductions': [(x) => tf.add(tf.mul(tf.max(x, 1, true), 2), tf.min(x, 0, true)), [2, 3]],
    'logSoftmax': [(x) => tf.logSoftmax(x), [2, 3]],
    'logSumExp': [(x) => tf.logSumExp(x, 1), [2, 3]],
    'concat/slice/pad': [(x) => tf.pad(tf.slice(tf.concat([x, tf.square(x)], 1), [0, 1], [2, 4]), [[1, 0], [0, 2]]), [2, 3]],
    'stack/unstack/split': [(x) => { const [a, b] = tf.split(x, [1, 2], 1); const u = tf.unstack(b, 1); return tf.stack([tf.mul(u[0], u[1]), tf.squeeze(a, [1])], 1); }, [2, 3]],
    'tile/broadcastTo/transpose/expandDims': [(x) => tf.add(tf.tile(tf.transpose(x), [2, 1]), tf.broadcastTo(tf.expandDims(tf.sum(x, 1), 0), [6, 2])), [2, 3]],
    'where/clipByValue/abs': [(x) => tf.where(tf.greater(x, 0), tf.clipByValue(tf.mul(x, 3), -2, 2), tf.abs(tf.mul(x, x))), [6]],
    'cumsum (forward and reverse)': [(x) => tf.add(tf.cumsum(x, 1), tf.mul(tf.cumsum(x, 1, true, true), 2)), [2, 3]],
    'gather rows (axis 0) and columns (axis 1)': [(x) => tf.add(tf.gather(x, tf.tensor1d([1, 0, 1], 'int32'), 0), tf.sum(tf.transpose(tf.gather(x, tf.tensor1d([2, 2], 'int32'), 1)))), [2, 3]],
    'batched matMul with broadcast batch': [(x) => tf.matMul(tf.reshape(x, [1, 2, 3]), c([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 3]), false, true), [2, 3]],
    'fused matMul + bias + relu': [(x) => tf.fused.matMul({ a: x as tf.Tensor2D, b: c([1, -2, 3, -1, 2, 1], [3, 2]) as tf.Tensor2D, bias: c([0.1, -0.3], [2]), activation: 'relu' }), [2, 3]],
    'sqrt/rsqrt/log1p/reciprocal/erf': [(x) => tf.addN([tf.sqrt(tf.add(tf.square(x), 1)), tf.rsqrt(tf.add(tf.square(x), 2)), tf.log1p(tf.square(x)), tf.reciprocal(tf.add(tf.square(x), 1)), tf.erf(x)]), [6]],
    'sin/cos/atan/expm1': [(x) => tf.addN([tf.sin(x), tf.cos(x), tf.atan(x), tf.expm1(tf.mul(x, 0.5))]), [6]],
    'norm and moments': [(x) => { const { mean, variance } = tf.moments(x, 1); return tf.add(tf.mul(tf.norm(x), mean), variance); }, [2, 3]],
    'dropout-style mask multiply and cast': [(x) => tf.mul(x, tf.cast(tf.greater(c([1, 0, 1, 1, 0, 1], [6]), 0.5), 'float32')), [6]],
  };
  for (const [name, [f, shape]] of Object.entries(ops)) {
    it(name, async () => {
      await initBackend('cpu');
      checkFirst(name, f, x6(), shape);
    });
  }
});

const native = loadNativeGemm();

describe('WGAN-GP gradient penalty on every backend', () => {
  // Penalty (‖∇ₓ D(x)‖ − 1)², D = Linear ∘ LeakyReLU ∘ Linear; gradient w.r.t. the first weight matrix.
  const rng = new Rng('wgan-gp');
  const xv = points(rng, 8);
  const w1v = points(rng, 12, 0.7);
  const b1v = points(rng, 3, 0.3);
  const w2v = points(rng, 3, 0.7);
  const penalty = (w1: tf.Tensor) => {
    const x = tf.tensor(xv, [2, 4]);
    const w2 = tf.tensor(w2v, [3, 1]);
    const b1 = tf.tensor(b1v, [3]);
    const D = (xx: tf.Tensor) => {
      const h = tf.leakyRelu(tf.fused.matMul({ a: xx as tf.Tensor2D, b: w1 as tf.Tensor2D, bias: b1 }), 0.2);
      return tf.sum(tf.matMul(tf.tanh(h), w2));
    };
    const g = tf.grad(D)(x);
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
    return tf.sum(tf.square(tf.sub(norms, 1)));
  };
  const variants: [string, () => Promise<void>][] = [
    ['cpu', async () => void (await initBackend('cpu'))],
    ['wasm fallback', async () => void (await initBackend('wasm', { nativeAddon: false }))],
  ];
  if (native.ok) variants.push(['wasm-blas', async () => void (await initBackend('wasm-blas'))]);
  for (const [name, setup] of variants) {
    it(name, async () => {
      await setup();
      tf.tidy(() => {
        const auto = tf.grad(penalty)(tf.tensor(w1v, [4, 3])).dataSync();
        const fd = finiteDiff((t) => tf.tidy(() => scalarOf(penalty(t))), w1v, [4, 3], 1e-2);
        expectClose(auto, fd, 3e-3, `gradient penalty on ${name}`);
      });
    });
  }
  for (const [name, setup] of variants.slice(1)) {
    it(`gather gradient on ${name} (no UnsortedSegmentSum: one-hot × matMul path) matches cpu`, async () => {
      const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, tf.tensor1d([3, 0, 3, 1], 'int32')), tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]])));
      const x = () => tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
      await initBackend('cpu');
      const ref = tf.tidy(() => Array.from(tf.grad(f)(x()).dataSync()));
      await setup();
      expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
      const got = tf.tidy(() => Array.from(tf.grad(f)(x()).dataSync()));
      expect(ref).toEqual([3, 4, 7, 8, 0, 0, 6, 8]);
      expectClose(got, ref, 1e-6, 'gather gradient');
    });
  }
});
