/**
 * Our wasm matmul kernels (native OpenBLAS and the pure-wasm fallback) against the cpu backend's
 * unfused ops: every transpose combination, batching and batch broadcasting, every fused activation
 * and bias shape — including the cases stock wasm `_FusedMatMul` gets wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../src/compute/tf.ts';
import { initBackend } from '../src/compute/backend.ts';
import { ADAM_P, COPY_P, loadNativeGemm, P, SUM_P } from '../src/compute/native.ts';
import { installWasmKernels, restoreStockWasmKernels, wasmMatMulMode } from '../src/compute/wasm-kernels.ts';
import { Rng } from '../src/compute/rng.ts';

const native = loadNativeGemm();
const nativeSkip = native.ok ? '' : ` (SKIPPED: ${native.reason})`;

type Arr = { shape: number[]; data: Float32Array };

function rand(rng: Rng, shape: number[]): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return { shape, data };
}

const T = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');

function activate(x: tf.Tensor, act: string, prelu?: tf.Tensor, alpha = 0.2): tf.Tensor {
  switch (act) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'elu': return tf.elu(x);
    case 'prelu': return tf.prelu(x, prelu!);
    case 'sigmoid': return tf.sigmoid(x);
    case 'leakyrelu': return tf.leakyRelu(x, alpha);
    default: throw new Error(act);
  }
}

interface Case {
  name: string;
  a: Arr;
  b: Arr;
  ta: boolean;
  tb: boolean;
  bias?: Arr;
  act?: string;
  prelu?: Arr;
  /** Call the _FusedMatMul kernel directly with these (un-flattened) shapes instead of the op. */
  raw?: boolean;
}

/** Reference on cpu with separate ops (matMul + add + activation), read back as plain arrays. */
async function reference(c: Case): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    // The cpu kernel only broadcasts a batch of 1: give it fully broadcast operands.
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(c.a.shape.slice(0, -2), c.b.shape.slice(0, -2));
    const full = (x: Arr) => tf.broadcastTo(T(x), [...outBatch, ...x.shape.slice(-2)]);
    let y = tf.matMul(full(c.a), full(c.b), c.ta, c.tb);
    if (c.bias) y = tf.add(y, T(c.bias));
    y = activate(y, c.act ?? 'linear', c.prelu ? T(c.prelu) : undefined);
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

function onWasm(c: Case): { shape: number[]; data: Float32Array } {
  return tf.tidy(() => {
    let y: tf.Tensor;
    if (c.raw) {
      y = tf.engine().runKernel('_FusedMatMul', {
        a: T(c.a), b: T(c.b), bias: c.bias ? T(c.bias) : undefined, preluActivationWeights: c.prelu ? T(c.prelu) : undefined,
      } as unknown as tf.NamedTensorMap, { transposeA: c.ta, transposeB: c.tb, activation: c.act ?? 'linear', leakyreluAlpha: 0.2 }) as tf.Tensor;
    } else if (c.bias || c.act) {
      y = tf.fused.matMul({
        a: T(c.a), b: T(c.b), transposeA: c.ta, transposeB: c.tb,
        bias: c.bias ? T(c.bias) : undefined,
        activation: (c.act ?? 'linear') as tf.fused.Activation,
        preluActivationWeights: c.prelu ? T(c.prelu) : undefined,
        leakyreluAlpha: 0.2,
      });
    } else {
      y = tf.matMul(T(c.a), T(c.b), c.ta, c.tb);
    }
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

function operand(rng: Rng, batch: number[], rows: number, cols: number, transposed: boolean): Arr {
  return rand(rng, [...batch, ...(transposed ? [cols, rows] : [rows, cols])]);
}

function cases(): Case[] {
  const rng = new Rng('compute-kernels');
  const out: Case[] = [];
  const [m, k, n] = [7, 5, 6];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const tag = `ta=${ta} tb=${tb}`;
      const a2 = operand(rng, [], m, k, ta);
      const b2 = operand(rng, [], k, n, tb);
      out.push({ name: `2-D ${tag}`, a: a2, b: b2, ta, tb });
      out.push({ name: `batched [3] ${tag}`, a: operand(rng, [3], m, k, ta), b: operand(rng, [3], k, n, tb), ta, tb });
      out.push({ name: `broadcast [3]×[] ${tag}`, a: operand(rng, [3], m, k, ta), b: operand(rng, [], k, n, tb), ta, tb });
      out.push({ name: `broadcast [1]×[4] ${tag}`, a: operand(rng, [1], m, k, ta), b: operand(rng, [4], k, n, tb), ta, tb });
      out.push({ name: `broadcast [2,1]×[1,3] ${tag}`, a: operand(rng, [2, 1], m, k, ta), b: operand(rng, [1, 3], k, n, tb), ta, tb });
      // Stock wasm _FusedMatMul is wrong for transposes + bias/relu: every combination here.
      for (const act of ['linear', 'relu', 'relu6', 'elu', 'prelu', 'sigmoid', 'leakyrelu']) {
        out.push({
          name: `fused ${act} bias[n] ${tag}`, a: a2, b: b2, ta, tb, act,
          bias: rand(rng, [n]), prelu: act === 'prelu' ? rand(rng, [n]) : undefined,
        });
      }
      out.push({ name: `fused relu bias[1] ${tag}`, a: a2, b: b2, ta, tb, act: 'relu', bias: rand(rng, [1]) });
      out.push({ name: `fused linear bias[m,n] ${tag}`, a: a2, b: b2, ta, tb, act: 'linear', bias: rand(rng, [m, n]) });
      out.push({ name: `fused linear bias[m,1] ${tag}`, a: a2, b: b2, ta, tb, act: 'linear', bias: rand(rng, [m, 1]) });
      out.push({ name: `fused prelu weights[m,n] ${tag}`, a: a2, b: b2, ta, tb, act: 'prelu', bias: rand(rng, [n]), prelu: rand(rng, [m, n]) });
      out.push({ name: `fused no-bias sigmoid ${tag}`, a: a2, b: b2, ta, tb, act: 'sigmoid' });
      const a3 = operand(rng, [3], m, k, ta);
      const b3 = operand(rng, [3], k, n, tb);
      out.push({ name: `fused batched bias[3,1,n] ${tag}`, a: a3, b: b3, ta, tb, act: 'relu', bias: rand(rng, [3, 1, n]) });
      out.push({ name: `fused batched bias[3,m,n] ${tag}`, a: a3, b: b3, ta, tb, act: 'elu', bias: rand(rng, [3, m, n]) });
      out.push({ name: `fused batched bias[n] ${tag}`, a: a3, b: b3, ta, tb, act: 'leakyrelu', bias: rand(rng, [n]) });
      out.push({
        name: `raw kernel irregular batch + bias[2,1,1,n] ${tag}`, raw: true, ta, tb, act: 'relu',
        a: operand(rng, [2, 1], m, k, ta), b: operand(rng, [1, 3], k, n, tb), bias: rand(rng, [2, 1, 1, n]),
      });
    }
  }
  out.push({ name: 'k = 0 gives zeros + bias', a: rand(rng, [4, 0]), b: rand(rng, [0, 3]), ta: false, tb: false, act: 'linear', bias: rand(rng, [3]) });
  out.push({ name: 'larger 2-D 130×257×65', a: rand(rng, [130, 257]), b: rand(rng, [65, 257]), ta: false, tb: true, act: 'relu', bias: rand(rng, [65]) });
  return out;
}

const CASES = cases();
const refs = new Map<string, { shape: number[]; data: Float32Array }>();

beforeAll(async () => {
  for (const c of CASES) refs.set(c.name, await reference(c));
  await initBackend('wasm', { nativeAddon: false });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

function checkAll(): void {
  for (const c of CASES) {
    const ref = refs.get(c.name)!;
    const got = onWasm(c);
    expect(got.shape, c.name).toEqual(ref.shape);
    expect(maxRelErr(got.data, ref.data), c.name).toBeLessThan(1e-4);
  }
}

describe('wasm matmul kernels vs cpu', () => {
  it(`native OpenBLAS kernels${nativeSkip}`, async (ctx) => {
    if (!native.ok) return ctx.skip();
    await tf.setBackend('wasm');
    installWasmKernels(native.addon);
    expect(wasmMatMulMode()).toBe('native');
    checkAll();
  });

  it('pure-wasm fallback kernels (addon absent)', async () => {
    await tf.setBackend('wasm');
    installWasmKernels(null);
    expect(wasmMatMulMode()).toBe('fallback');
    checkAll();
  });

  it('stock wasm kernels really are wrong in some of these cases (why we replace them)', async () => {
    await tf.setBackend('wasm');
    restoreStockWasmKernels();
    const wrong = CASES.filter((c) => {
      try {
        const got = onWasm(c);
        const ref = refs.get(c.name)!;
        return got.data.length !== ref.data.length || !(maxRelErr(got.data, ref.data) < 1e-4);
      } catch {
        return true;
      }
    }).map((c) => c.name);
    installWasmKernels(native.ok ? native.addon : null);
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.some((n) => n.startsWith('fused'))).toBe(true);
  });

  it('kernels neither leak tensors nor wasm heap data', async () => {
    await tf.setBackend('wasm');
    for (const addon of native.ok ? [native.addon, null] : [null]) {
      installWasmKernels(addon);
      const before = tf.memory().numTensors;
      const dataIds = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
      checkAll();
      expect(tf.memory().numTensors).toBe(before);
      expect((tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds()).toBe(dataIds);
    }
  });

  it('matmul gradients (transposed products) on wasm match cpu', async () => {
    const rng = new Rng('kernel-grad');
    const x = rand(rng, [9, 4]);
    const w = rand(rng, [4, 3]);
    const bias = rand(rng, [3]);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: 'linear' })));
    const grads = () => tf.tidy(() => tf.grads(f)([T(x), T(w), T(bias)]).map((g) => g.dataSync() as Float32Array));
    await tf.setBackend('cpu');
    const ref = grads();
    await tf.setBackend('wasm');
    for (const addon of native.ok ? [native.addon, null] : [null]) {
      installWasmKernels(addon);
      const got = grads();
      got.forEach((g, i) => expect(maxRelErr(g, ref[i])).toBeLessThan(1e-4));
    }
  });
});

describe('wasm OneHot', () => {
  it('honours dtype and on/off values (stock wasm writes int32 bits into float32 outputs)', async () => {
    await initBackend('wasm', { nativeAddon: false });
    const got = tf.tidy(() => {
      const f = tf.oneHot(tf.tensor2d([[2, 0], [5, 1]], [2, 2], 'int32'), 3, 0.9, -1, 'float32');
      const i = tf.oneHot(tf.tensor1d([1, -1], 'int32'), 2);
      return { f: Array.from(f.dataSync()), fShape: f.shape, fType: f.dtype, i: Array.from(i.dataSync()), iType: i.dtype };
    });
    expect(got.fShape).toEqual([2, 2, 3]);
    expect(got.fType).toBe('float32');
    expect(got.f.map((v) => Math.round(v * 10) / 10)).toEqual([-1, -1, 0.9, 0.9, -1, -1, -1, -1, -1, -1, 0.9, -1]);
    expect(got.iType).toBe('int32');
    expect(got.i).toEqual([0, 1, 0, 0]);
  });
});

describe('wasm Tile (behind tf.broadcastTo)', () => {
  it('matches cpu for ranks 1–4, every dtype, and broadcastTo shapes', async () => {
    const rng = new Rng('tile');
    const cases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
      { shape: [3], reps: [4], dtype: 'float32' },
      { shape: [1, 5], reps: [7, 1], dtype: 'float32' },
      { shape: [4, 1], reps: [1, 6], dtype: 'int32' },
      { shape: [2, 3], reps: [3, 2], dtype: 'bool' },
      { shape: [2, 1, 3], reps: [2, 4, 1], dtype: 'float32' },
      { shape: [1, 2, 1, 3], reps: [2, 1, 3, 2], dtype: 'int32' },
      { shape: [2, 3], reps: [1, 1], dtype: 'float32' },
    ];
    const make = (c: (typeof cases)[number], vals: number[]) => tf.tensor(vals, c.shape, c.dtype);
    const valsOf = cases.map((c) => Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, () => (c.dtype === 'bool' ? rng.int(2) : rng.int(100) - 50)));
    await tf.setBackend('cpu');
    const ref = cases.map((c, i) => tf.tidy(() => Array.from(tf.tile(make(c, valsOf[i]), c.reps).dataSync())));
    const refB = tf.tidy(() => Array.from(tf.broadcastTo(tf.tensor2d([[1], [2]]), [2, 2, 3]).dataSync()));
    await initBackend('wasm', { nativeAddon: false });
    cases.forEach((c, i) => {
      const got = tf.tidy(() => Array.from(tf.tile(make(c, valsOf[i]), c.reps).dataSync()));
      expect(got, JSON.stringify(c)).toEqual(ref[i]);
    });
    expect(tf.tidy(() => Array.from(tf.broadcastTo(tf.tensor2d([[1], [2]]), [2, 2, 3]).dataSync()))).toEqual(refB);
  });
});

describe('wasm Slice / SplitV / Concat', () => {
  it('match cpu for ranks 1–4, int32/bool/float32, contiguous and strided slices', async () => {
    const rng = new Rng('slice');
    type Dt = 'float32' | 'int32' | 'bool';
    const mk = (shape: number[], dtype: Dt) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return { shape, dtype, vals: Array.from({ length: n }, () => (dtype === 'bool' ? rng.int(2) : rng.int(200) - 100)) };
    };
    const ops: ((t: (x: ReturnType<typeof mk>) => tf.Tensor) => tf.Tensor | tf.Tensor[])[] = [];
    const a = mk([7], 'float32');
    const b = mk([5, 9], 'int32');
    const c = mk([3, 4, 6], 'float32');
    const d = mk([2, 3, 4, 5], 'bool');
    ops.push((t) => tf.slice(t(a), [2], [4]));
    ops.push((t) => tf.slice(t(b), [1, 0], [3, 9]));
    ops.push((t) => tf.slice(t(b), [1, 2], [3, 5]));
    ops.push((t) => tf.slice(t(c), [1, 1, 2], [2, 3, 3]));
    ops.push((t) => tf.slice(t(d), [1, 0, 1, 2], [1, 3, 2, 3]));
    ops.push((t) => tf.split(t(b), [2, 3, 4], 1));
    ops.push((t) => tf.split(t(c), [1, 2], 0));
    ops.push((t) => tf.split(t(c), 2, 2));
    ops.push((t) => tf.concat([t(b), tf.slice(t(b), [0, 0], [5, 2]), t(b)], 1));
    ops.push((t) => tf.concat([t(c), t(c)], 0));
    ops.push((t) => tf.concat([t(d), t(d)], 3));
    ops.push((t) => tf.concat([tf.slice(t(b), [0, 0], [5, 0]), t(b)], 1));
    const run = () => ops.map((op) => tf.tidy(() => {
      const r = op((x) => tf.tensor(x.vals, x.shape, x.dtype));
      return (Array.isArray(r) ? r : [r]).map((y) => ({ shape: y.shape, dtype: y.dtype, vals: Array.from(y.dataSync()) }));
    }));
    await tf.setBackend('cpu');
    const ref = run();
    for (const addon of native.ok ? [native.addon, null] : [null]) {
      await tf.setBackend('wasm');
      installWasmKernels(addon);
      expect(run()).toEqual(ref);
    }
  });
});

describe('wasm Sum / Mean', () => {
  it('match cpu over leading, trailing and mixed axes, with keepDims and int32', async () => {
    const rng = new Rng('reduce');
    const x3 = Array.from({ length: 4 * 5 * 6 }, () => rng.normal());
    const i2 = Array.from({ length: 7 * 3 }, () => rng.int(100));
    const run = () => tf.tidy(() => {
      const x = tf.tensor3d(x3, [4, 5, 6]);
      const xi = tf.tensor2d(i2, [7, 3], 'int32');
      const r = [
        tf.sum(x, 0), tf.mean(x, 0), tf.sum(x, [0, 1]), tf.mean(x, [1, 0], true), tf.sum(x, 2), tf.mean(x, [0, 2]),
        tf.sum(x), tf.mean(tf.reshape(x, [120, 1]), 0), tf.sum(xi, 0), tf.mean(tf.reshape(x, [20, 6]), 0, true),
      ];
      return r.map((t) => ({ shape: t.shape, dtype: t.dtype, vals: Array.from(t.dataSync()).map((v) => Math.round(v * 1e4) / 1e4) }));
    });
    await tf.setBackend('cpu');
    const ref = run();
    for (const addon of native.ok ? [native.addon, null] : [null]) {
      await tf.setBackend('wasm');
      installWasmKernels(addon);
      expect(run()).toEqual(ref);
    }
  });
});

describe('native addon guards', () => {
  it(`every heap kernel rejects a wrong heap type, a short params array and missing arguments${nativeSkip}`, (ctx) => {
    if (!native.ok) return ctx.skip();
    const a = native.addon as unknown as Record<string, (...args: unknown[]) => void>;
    const kernels: [string, () => Float32Array | Uint8Array, RegExp][] = [
      ['gemm', () => new Float32Array(8), /gemm\(heap: Float32Array/],
      ['adam', () => new Float32Array(8), /adam\(heap: Float32Array/],
      ['colSum', () => new Float32Array(8), /colSum\(heap: Float32Array/],
      ['copyRows', () => new Uint8Array(8), /copyRows\(heap: Uint8Array/],
    ];
    for (const [name, heap, usage] of kernels) {
      expect(() => a[name](new Float64Array(8), new Float64Array(64))).toThrow(usage); // heap of the wrong type
      expect(() => a[name](heap(), new Float64Array(2))).toThrow(usage); // too few params
      expect(() => a[name](heap())).toThrow(usage);
      expect(() => a[name](heap(), new Float32Array(64))).toThrow(usage); // params not Float64
    }
  });

  it(`rejects offsets outside the heap and malformed params${nativeSkip}`, (ctx) => {
    if (!native.ok) return ctx.skip();
    const heap = new Float32Array(64);
    const p = new Float64Array(P.COUNT);
    const base = () => {
      p.fill(0);
      p[P.BATCH] = 1; p[P.M] = 2; p[P.N] = 2; p[P.K] = 2;
      p[P.A_OFF] = 0; p[P.B_OFF] = 4; p[P.C_OFF] = 8; p[P.BIAS_OFF] = -1; p[P.PRELU_OFF] = -1;
    };
    base();
    heap.set([1, 2, 3, 4, 5, 6, 7, 8]);
    native.addon.gemm(heap, p);
    expect(Array.from(heap.subarray(8, 12))).toEqual([19, 22, 43, 50]);
    base(); p[P.C_OFF] = 62;
    expect(() => native.addon.gemm(heap, p)).toThrow(/output lies outside/);
    base(); p[P.A_OFF] = -3;
    expect(() => native.addon.gemm(heap, p)).toThrow(/operand A/);
    base(); p[P.BATCH] = 20; p[P.B_SB] = 4;
    expect(() => native.addon.gemm(heap, p)).toThrow(/outside the wasm heap/);
    base(); p[P.BIAS_OFF] = 62; p[P.BIAS_SM] = 2; p[P.BIAS_SN] = 1;
    expect(() => native.addon.gemm(heap, p)).toThrow(/bias lies outside/);
    base(); p[P.M] = 1.5;
    expect(() => native.addon.gemm(heap, p)).toThrow(/non-negative int32/);
    base(); p[P.ACT] = 99;
    expect(() => native.addon.gemm(heap, p)).toThrow(/unknown activation/);
    expect(() => native.addon.gemm(new Float64Array(4) as unknown as Float32Array, p)).toThrow(/Float32Array/);
    const bytes = new Uint8Array(32);
    const cp = new Float64Array(COPY_P.COUNT);
    cp.set([2, 4, 0, 8, 24, 4]);
    bytes.set([1, 2, 3, 4, 9, 9, 9, 9, 5, 6, 7, 8]);
    native.addon.copyRows(bytes, cp);
    expect(Array.from(bytes.subarray(24, 32))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    cp.set([2, 4, 0, 8, 26, 4]);
    expect(() => native.addon.copyRows(bytes, cp)).toThrow(/outside the wasm heap/);
    cp.set([2, 4, 0.5, 8, 0, 4]);
    expect(() => native.addon.copyRows(bytes, cp)).toThrow(/non-negative integers/);
    const sp = new Float64Array(SUM_P.COUNT);
    sp.set([3, 2, 0, 6, 0.5]);
    heap.set([1, 2, 3, 4, 5, 6]);
    native.addon.colSum(heap, sp);
    expect(Array.from(heap.subarray(6, 8))).toEqual([4.5, 6]);
    sp.set([40, 2, 0, 6, 1]);
    expect(() => native.addon.colSum(heap, sp)).toThrow(/outside the wasm heap/);
    const ap = new Float64Array(ADAM_P.COUNT);
    ap[ADAM_P.N] = 10;
    ap[ADAM_P.X_OUT] = 60;
    expect(() => native.addon.adam(heap, ap)).toThrow(/outside the wasm heap/);
  });
});
