/** Our Adam: tf-ops path equals tf.train.adam; fused native wasm kernel equals the tf-ops path. */
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/compute/tf.ts';
import { Adam } from '../src/compute/adam.ts';
import { initBackend } from '../src/compute/backend.ts';
import { loadNativeGemm } from '../src/compute/native.ts';
import { Rng } from '../src/compute/rng.ts';

const native = loadNativeGemm();

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Least squares ‖XW − Y‖² trained for `steps` steps; returns the final weights. */
function train(opt: tf.Optimizer, steps: number, tag: string): number[] {
  const rng = new Rng('adam-problem');
  const X = tf.tensor2d(rng.fillNormal(new Float32Array(40 * 6)) as Float32Array, [40, 6]);
  const Y = tf.tensor2d(rng.fillNormal(new Float32Array(40 * 3)) as Float32Array, [40, 3]);
  const W = tf.tidy(() => tf.variable(tf.tensor2d(rng.fillNormal(new Float32Array(6 * 3)) as Float32Array, [6, 3]), true, `W-${tag}`));
  const b = tf.tidy(() => tf.variable(tf.zeros([3]), true, `b-${tag}`));
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, W), b), Y))) as tf.Scalar);
  }
  const out = [...W.dataSync(), ...b.dataSync()];
  tf.dispose([X, Y, W, b]);
  opt.dispose();
  return out;
}

const close = (a: number[], b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol));
};

describe('Adam', () => {
  it('tf-ops path matches tf.train.adam (same ε) step for step', async () => {
    await initBackend('cpu');
    const ours = train(new Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-8 }), 7, 'ours');
    const stock = train(tf.train.adam(0.05, 0.5, 0.9, 1e-8), 7, 'stock');
    close(ours, stock, 1e-5);
  });

  it('weight decay adds λx to the gradient (PyTorch semantics): first step with zero loss gradient moves x by lr·sign(x)', async () => {
    await initBackend('cpu');
    const x = tf.variable(tf.tensor1d([2, -3, 0.5]), true, 'wd-x');
    const opt = new Adam({ learningRate: 0.1, weightDecay: 1e-2 });
    opt.applyGradients({ 'wd-x': tf.zeros([3]) });
    close(Array.from(x.dataSync()), [1.9, -2.9, 0.4], 1e-5);
    tf.dispose(x);
    opt.dispose();
  });

  it(`fused native wasm kernel matches the tf-ops path, with weight decay${native.ok ? '' : ` (SKIPPED: ${native.ok ? '' : native.reason})`}`, async (ctx) => {
    if (!native.ok) return ctx.skip();
    await initBackend('cpu');
    const ref = train(new Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, weightDecay: 1e-3 }), 7, 'ref');
    await initBackend('wasm-blas');
    expect(tf.getKernel('DpsbAdam', 'wasm')).toBeDefined();
    const got = train(new Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, weightDecay: 1e-3 }), 7, 'fused');
    // A second run leaves no more tensors behind than the first (no per-step leak in the kernel path).
    const before = tf.memory().numTensors;
    train(new Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, weightDecay: 1e-3 }), 7, 'fused2');
    expect(tf.memory().numTensors).toBe(before);
    close(got, ref, 1e-5);
  });

  it('the wasm fallback (no addon) uses the tf-ops path and agrees too', async () => {
    await initBackend('cpu');
    const ref = train(new Adam({ learningRate: 0.05 }), 4, 'ref2');
    await initBackend('wasm', { nativeAddon: false });
    expect(tf.getKernel('DpsbAdam', 'wasm')).toBeUndefined();
    close(train(new Adam({ learningRate: 0.05 }), 4, 'fb'), ref, 1e-5);
  });

  it('getWeights/setWeights restore the moments and step count', async () => {
    await initBackend('cpu');
    const x = tf.variable(tf.tensor1d([1, 2]), true, 'sw-x');
    const a = new Adam({ learningRate: 0.1 });
    a.applyGradients({ 'sw-x': tf.tensor1d([0.5, -1]) });
    const w = await a.getWeights();
    const b = new Adam({ learningRate: 0.1 });
    await b.setWeights(w);
    const y = tf.variable(tf.tensor1d(Array.from(x.dataSync())), true, 'sw-y');
    a.applyGradients({ 'sw-x': tf.tensor1d([0.25, 0.3]) });
    // b knows the moments under the name 'sw-x'; apply the same gradient to x's copy via that name.
    const snapshot = Array.from(x.dataSync());
    x.assign(y);
    b.applyGradients({ 'sw-x': tf.tensor1d([0.25, 0.3]) });
    close(Array.from(x.dataSync()), snapshot, 1e-6);
    expect(b.iterations).toBe(2);
  });

  it('rejects invalid hyper-parameters with the offending key', () => {
    expect(() => new Adam({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new Adam({ learningRate: 0.1, beta1: 1 })).toThrow(/beta1/);
    expect(() => new Adam({ learningRate: 0.1, weightDecay: Number.NaN })).toThrow(/weightDecay/);
  });
});
