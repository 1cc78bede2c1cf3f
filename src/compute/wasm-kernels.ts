/**
 * Replacement `BatchMatMul`, `_FusedMatMul`, `OneHot`, `Tile`, `Identity`, `Slice`, `SplitV`,
 * `Concat`, `Sum` and `Mean` kernels for the tfjs wasm backend.
 *
 * Stock wasm multiplies transposed operands at 0.4–2.3 GFLOP/s (every backward pass has one) and its
 * `_FusedMatMul` is wrong for transposes + bias/activation, size-1 rank-1 bias and batched bias. Two
 * variants, both checked against the cpu backend in test/compute-kernels.test.ts:
 *  - native: OpenBLAS sgemm through our addon, reading/writing the wasm heap in place, epilogue fused;
 *  - fallback (addon absent): transposed operands materialised with the wasm Transpose kernel, then the
 *    stock (non-transposed, correct) matmul, then bias and activation as separate wasm kernels.
 * Stock wasm `OneHot` writes int32 bits whatever the dtype (float32 one-hots read as ~1e-45); ours
 * fills the output in JS for any dtype. Stock wasm `Tile` (behind tf.broadcastTo, hence every
 * reduction gradient) gathers element by element, ~10× slower than block copies: ours copies
 * contiguous runs and doubles them with copyWithin. Stock wasm `Identity` copies the data, and the
 * engine clones every tensor it saves for backprop (hundreds per training step): ours shares the
 * buffer by reference count, as the cpu backend does (kernels never write into their inputs).
 * Stock wasm `Slice` first copies the whole input out of the heap (readSync), so splitting a row into
 * k heads costs k full copies, and `Concat` copies row by row from JS: with the addon both become
 * strided memmoves in native code (without it the stock kernels serve). Stock `Sum`/`Mean` over the
 * batch axis (bias gradients, batch statistics) transpose the input first; with the addon, reductions
 * over leading axes are one native column-sum pass (other axes: stock).
 */
import { tf } from './tf.ts';
import { ACT_CODE, ADAM_P, COPY_P, P, SUM_P, type NativeGemm } from './native.ts';

type TensorInfo = tf.TensorInfo;
type Attrs = Record<string, unknown>;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  wasm: { HEAPF32: Float32Array; HEAPU8: Uint8Array };
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs?: Attrs;
}

/** Custom kernel (ours, not tfjs'): fused Adam step, see src/compute/adam.ts. */
export const ADAM_KERNEL = 'DpsbAdam';

const KERNELS = ['BatchMatMul', '_FusedMatMul', 'OneHot', 'Tile', 'Identity', 'Slice', 'SplitV', 'Concat', 'Sum', 'Mean'] as const;
const stock = new Map<string, tf.KernelConfig>();

export type WasmMatMulMode = 'native' | 'fallback' | 'stock';
let installed: WasmMatMulMode = 'stock';

/** Which matmul kernels are registered for wasm now. */
export function wasmMatMulMode(): WasmMatMulMode {
  return installed;
}

/** Registers our kernels for the wasm backend (idempotent; `addon` null → the pure-wasm fallback). */
export function installWasmKernels(addon: NativeGemm | null): WasmMatMulMode {
  saveStock();
  const mode: WasmMatMulMode = addon ? 'native' : 'fallback';
  for (const name of KERNELS) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  if (addon) {
    const params = new Float64Array(P.COUNT);
    register('BatchMatMul', (args) => nativeMatMul(addon, params, args, false));
    register('_FusedMatMul', (args) => nativeMatMul(addon, params, args, true));
  } else {
    register('BatchMatMul', (args) => fallbackMatMul(args, false));
    register('_FusedMatMul', (args) => fallbackMatMul(args, true));
  }
  register('OneHot', oneHot);
  register('Tile', tile);
  register('Identity', identity);
  if (addon) {
    const cp = new Float64Array(COPY_P.COUNT);
    register('Slice', (args) => slice(addon, cp, args));
    register('SplitV', (args) => splitV(addon, cp, args) as unknown as TensorInfo);
    register('Concat', (args) => concat(addon, cp, args));
    const sp = new Float64Array(SUM_P.COUNT);
    register('Sum', (args) => leadingSum(addon, sp, args, 'Sum'));
    register('Mean', (args) => leadingSum(addon, sp, args, 'Mean'));
  } else {
    for (const name of ['Slice', 'SplitV', 'Concat', 'Sum', 'Mean']) tf.registerKernel(stock.get(name)!);
  }
  if (tf.getKernel(ADAM_KERNEL, 'wasm')) tf.unregisterKernel(ADAM_KERNEL, 'wasm');
  if (addon) {
    const params = new Float64Array(ADAM_P.COUNT);
    register(ADAM_KERNEL, (args) => nativeAdam(addon, params, args) as unknown as TensorInfo);
  }
  installed = mode;
  return mode;
}

/** Puts the stock wasm kernels back (tests compare against them; nothing else needs this). */
export function restoreStockWasmKernels(): void {
  for (const name of KERNELS) {
    const cfg = stock.get(name);
    if (!cfg) continue;
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(cfg);
  }
  if (tf.getKernel(ADAM_KERNEL, 'wasm')) tf.unregisterKernel(ADAM_KERNEL, 'wasm');
  installed = 'stock';
}

function saveStock(): void {
  for (const name of KERNELS) {
    if (stock.has(name)) continue;
    const cfg = tf.getKernel(name, 'wasm');
    if (!cfg) throw new Error(`wasm backend has no ${name} kernel to replace (is @tensorflow/tfjs-backend-wasm loaded?)`);
    stock.set(name, cfg);
  }
}

function register(kernelName: string, fn: (args: KernelArgs) => TensorInfo): void {
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
}

// ---------------------------------------------------------------------------------------------------
// Shapes

interface MatMulPlan {
  m: number;
  n: number;
  k: number;
  outBatch: number[];
  outShape: number[];
  batch: number;
}

function plan(a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean): MatMulPlan {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`matMul on wasm needs float32 operands, got ${a.dtype} × ${b.dtype}`);
  }
  const ar = a.shape.length;
  const br = b.shape.length;
  if (ar < 2 || br < 2) throw new Error(`matMul needs rank ≥ 2 operands, got shapes [${a.shape}] and [${b.shape}]`);
  const m = ta ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = ta ? a.shape[ar - 2] : a.shape[ar - 1];
  const kb = tb ? b.shape[br - 1] : b.shape[br - 2];
  const n = tb ? b.shape[br - 2] : b.shape[br - 1];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${ta} and transposeB=${tb} must match.`,
    );
  }
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { m, n, k, outBatch, outShape: [...outBatch, m, n], batch: tf.util.sizeFromShape(outBatch) };
}

/**
 * For an operand whose leading (batch) dims broadcast against `outBatch`: a constant stride over the
 * flat output batch when one exists (all-ones → 0, equal → `matSize`), else per-output-batch offsets.
 */
type Layout = { stride: number } | { offsets: Int32Array };

function batchLayout(opBatch: number[], outBatch: number[], matSize: number): Layout {
  const total = tf.util.sizeFromShape(outBatch);
  const opSize = tf.util.sizeFromShape(opBatch);
  if (opSize === 1) return { stride: 0 };
  if (opSize === total) return { stride: matSize };
  const rank = outBatch.length;
  const padded = new Array(rank - opBatch.length).fill(1).concat(opBatch);
  const offsets = new Int32Array(total);
  const idx = new Array(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rem % outBatch[d];
      rem = Math.floor(rem / outBatch[d]);
    }
    let op = 0;
    for (let d = 0; d < rank; d++) op = op * padded[d] + (padded[d] === 1 ? 0 : idx[d]);
    offsets[flat] = op * matSize;
  }
  return { offsets };
}

/** Row/column strides of a bias-like tensor broadcast over the output's last two dims. */
function epilogueLayout(t: TensorInfo, outShape: number[]) {
  const rank = outShape.length;
  let shape = t.shape;
  if (shape.length > rank) {
    // The fused op hands the kernel a 3-D output but the bias of the original rank: fold its batch dims.
    const lead = shape.slice(0, shape.length - rank + 1);
    shape = [tf.util.sizeFromShape(lead), ...shape.slice(shape.length - rank + 1)];
  }
  const s = new Array(rank - shape.length).fill(1).concat(shape) as number[];
  tf.broadcast_util.assertAndGetBroadcastShape(outShape, s);
  const rows = s[rank - 2];
  const cols = s[rank - 1];
  return {
    sm: rows === 1 ? 0 : cols,
    sn: cols === 1 ? 0 : 1,
    batch: batchLayout(s.slice(0, rank - 2), outShape.slice(0, rank - 2), rows * cols),
  };
}

// ---------------------------------------------------------------------------------------------------
// Native (OpenBLAS) variant

function floatOffset(backend: WasmBackend, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('matMul input is not resident on the wasm backend');
  if (d.memoryOffset % 4 !== 0) throw new Error('matMul input is not 4-byte aligned on the wasm heap');
  return d.memoryOffset / 4;
}

function nativeMatMul(addon: NativeGemm, p: Float64Array, args: KernelArgs, fused: boolean): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  const pl = plan(a, b, ta, tb);
  const bias = fused ? inputs.bias : undefined;
  const preluW = fused ? inputs.preluActivationWeights : undefined;
  const activation = fused ? String(attrs.activation ?? 'linear') : 'linear';
  const act = ACT_CODE[activation];
  if (act === undefined) throw new Error(`_FusedMatMul: unsupported activation '${activation}'`);
  if (activation === 'prelu' && !preluW) throw new Error('_FusedMatMul: prelu activation needs preluActivationWeights');
  for (const t of [bias, preluW]) {
    if (t && t.dtype !== 'float32') throw new Error(`_FusedMatMul: bias/prelu weights must be float32, got ${t.dtype}`);
  }

  const out = backend.makeOutput(pl.outShape, 'float32');
  if (pl.batch === 0 || pl.m === 0 || pl.n === 0) return out;

  const aLay = batchLayout(a.shape.slice(0, -2), pl.outBatch, pl.m * pl.k);
  const bLay = batchLayout(b.shape.slice(0, -2), pl.outBatch, pl.k * pl.n);
  const biasLay = bias ? epilogueLayout(bias, pl.outShape) : null;
  const preluLay = preluW ? epilogueLayout(preluW, pl.outShape) : null;

  // Offsets are read after makeOutput: allocating may grow (and so replace) the wasm heap.
  const heap = backend.wasm.HEAPF32;
  const aOff = floatOffset(backend, a);
  const bOff = floatOffset(backend, b);
  const cOff = floatOffset(backend, out);
  const biasOff = bias ? floatOffset(backend, bias) : -1;
  const preluOff = preluW ? floatOffset(backend, preluW) : -1;

  p[P.M] = pl.m;
  p[P.N] = pl.n;
  p[P.K] = pl.k;
  p[P.TRANS_A] = ta ? 1 : 0;
  p[P.TRANS_B] = tb ? 1 : 0;
  p[P.ACT] = act;
  p[P.ALPHA] = Number(attrs.leakyreluAlpha ?? 0.2);
  p[P.BIAS_SM] = biasLay?.sm ?? 0;
  p[P.BIAS_SN] = biasLay?.sn ?? 0;
  p[P.PRELU_SM] = preluLay?.sm ?? 0;
  p[P.PRELU_SN] = preluLay?.sn ?? 0;

  const lays: (Layout | undefined)[] = [aLay, bLay, biasLay?.batch, preluLay?.batch];
  if (lays.every((l) => l === undefined || 'stride' in l)) {
    const stride = (l: Layout | undefined) => (l && 'stride' in l ? l.stride : 0);
    p[P.BATCH] = pl.batch;
    p[P.A_OFF] = aOff;
    p[P.A_SB] = stride(aLay);
    p[P.B_OFF] = bOff;
    p[P.B_SB] = stride(bLay);
    p[P.C_OFF] = cOff;
    p[P.BIAS_OFF] = biasOff;
    p[P.BIAS_SB] = stride(biasLay?.batch);
    p[P.PRELU_OFF] = preluOff;
    p[P.PRELU_SB] = stride(preluLay?.batch);
    addon.gemm(heap, p);
    return out;
  }
  // Irregular batch broadcasting (e.g. [2,1,…] × [1,3,…]): one call per output matrix.
  const at = (l: Layout | undefined, i: number) => (!l ? 0 : 'stride' in l ? l.stride * i : l.offsets[i]);
  p[P.BATCH] = 1;
  p[P.A_SB] = p[P.B_SB] = p[P.BIAS_SB] = p[P.PRELU_SB] = 0;
  for (let i = 0; i < pl.batch; i++) {
    p[P.A_OFF] = aOff + at(aLay, i);
    p[P.B_OFF] = bOff + at(bLay, i);
    p[P.C_OFF] = cOff + i * pl.m * pl.n;
    p[P.BIAS_OFF] = bias ? biasOff + at(biasLay?.batch, i) : -1;
    p[P.PRELU_OFF] = preluW ? preluOff + at(preluLay?.batch, i) : -1;
    addon.gemm(heap, p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Pure-wasm fallback

function run(kernelName: string, backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
  const cfg = kernelName === 'BatchMatMul' ? stock.get(kernelName) : tf.getKernel(kernelName, 'wasm');
  if (!cfg) throw new Error(`wasm backend has no ${kernelName} kernel`);
  return cfg.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** Swaps the last two dims with the wasm Transpose kernel (a fresh tensor the caller disposes). */
function transposeLast2(backend: WasmBackend, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return run('Transpose', backend, { x: t }, { perm });
}

/** Tiles an operand's batch dims up to the output's (stock wasm only broadcasts a batch of 1). */
function tileBatch(backend: WasmBackend, t: TensorInfo, outBatch: number[]): TensorInfo | null {
  const opBatch = t.shape.slice(0, -2);
  const opSize = tf.util.sizeFromShape(opBatch);
  if (opSize === 1 || opSize === tf.util.sizeFromShape(outBatch)) return null;
  const rank = outBatch.length + 2;
  const shape = new Array(rank - t.shape.length).fill(1).concat(t.shape) as number[];
  const reps = shape.map((d, i) => (i < outBatch.length && d === 1 ? outBatch[i] : 1));
  const reshaped = { ...t, shape };
  return run('Tile', backend, { x: reshaped }, { reps });
}

const ACT_KERNEL: Record<string, string> = {
  relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu',
};

function fallbackMatMul(args: KernelArgs, fused: boolean): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  let a = inputs.a as TensorInfo;
  let b = inputs.b as TensorInfo;
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  const pl = plan(a, b, ta, tb);
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temps.push(t), t);
  try {
    if (ta) a = keep(transposeLast2(backend, a));
    if (tb) b = keep(transposeLast2(backend, b));
    const at = tileBatch(backend, a, pl.outBatch);
    if (at) a = keep(at);
    const bt = tileBatch(backend, b, pl.outBatch);
    if (bt) b = keep(bt);
    let out = run('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
    out = { ...out, shape: pl.outShape };
    if (!fused) return out;
    const bias = inputs.bias;
    if (bias) {
      const withBias = run('Add', backend, { a: out, b: bias });
      backend.disposeData(out.dataId);
      out = withBias;
    }
    const activation = String(attrs.activation ?? 'linear');
    if (activation !== 'linear') {
      const kernel = ACT_KERNEL[activation];
      if (!kernel) throw new Error(`_FusedMatMul: unsupported activation '${activation}'`);
      const actInputs: Record<string, TensorInfo> = { x: out };
      if (activation === 'prelu') {
        if (!inputs.preluActivationWeights) throw new Error('_FusedMatMul: prelu activation needs preluActivationWeights');
        actInputs.alpha = inputs.preluActivationWeights;
      }
      const activated = run(kernel, backend, actInputs, { alpha: Number(attrs.leakyreluAlpha ?? 0.2) });
      backend.disposeData(out.dataId);
      out = activated;
    }
    return out;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

// ---------------------------------------------------------------------------------------------------
// OneHot

function oneHot(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const indices = inputs.indices as TensorInfo;
  const depth = Number(attrs.depth);
  const dtype = (attrs.dtype ?? 'int32') as tf.DataType;
  const onValue = Number(attrs.onValue ?? 1);
  const offValue = Number(attrs.offValue ?? 0);
  const out = backend.makeOutput([...indices.shape, depth], dtype);
  // Views taken after makeOutput, which may grow the heap.
  const idx = backend.typedArrayFromHeap(indices);
  const o = backend.typedArrayFromHeap(out);
  o.fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (v >= 0 && v < depth) o[i * depth + v] = onValue;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Tile

type Typed = Float32Array | Int32Array | Uint8Array;

/** Repeats `out[dst, dst+len)` until it fills `times·len` elements (doubling copies). */
function repeatRun(out: Typed, dst: number, len: number, times: number): void {
  const total = len * times;
  let filled = len;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(dst + filled, dst, dst + n);
    filled += n;
  }
}

function tile(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x as TensorInfo;
  const reps = ((args.attrs ?? {}).reps as number[]) ?? [];
  if (x.dtype === 'string') throw new Error('Tile on wasm does not support string tensors');
  if (reps.length !== x.shape.length) throw new Error(`Tile: reps [${reps}] must have one entry per dim of [${x.shape}]`);
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const xStride = tf.util.computeStrides(x.shape).concat(1);
  const oStride = tf.util.computeStrides(outShape).concat(1);
  // Copies x's sub-block at `dim` into out, then repeats it reps[dim] times along `dim`.
  const rec = (dim: number, s: number, o: number): void => {
    const d = x.shape[dim];
    if (dim === rank - 1) {
      dst.set(src.subarray(s, s + d), o);
    } else {
      for (let i = 0; i < d; i++) rec(dim + 1, s + i * xStride[dim], o + i * oStride[dim]);
    }
    repeatRun(dst, o, d * oStride[dim], reps[dim]);
  };
  rec(0, 0, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Identity

function identity(args: KernelArgs): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === 'string') return stock.get('Identity')!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

// ---------------------------------------------------------------------------------------------------
// Fused Adam (custom kernel: inputs x, m, v, g; outputs new x, m, v)

function nativeAdam(addon: NativeGemm, p: Float64Array, args: KernelArgs): TensorInfo[] {
  const { inputs, backend } = args;
  const a = args.attrs ?? {};
  const names = ['x', 'm', 'v', 'g'] as const;
  const ins = names.map((n) => inputs[n] as TensorInfo);
  const size = tf.util.sizeFromShape(ins[0].shape);
  for (const [i, t] of ins.entries()) {
    if (t.dtype !== 'float32') throw new Error(`${ADAM_KERNEL}: ${names[i]} must be float32`);
    if (tf.util.sizeFromShape(t.shape) !== size) throw new Error(`${ADAM_KERNEL}: ${names[i]} has shape [${t.shape}], expected [${ins[0].shape}]`);
  }
  const outs = [0, 1, 2].map(() => backend.makeOutput(ins[0].shape, 'float32'));
  if (size === 0) return outs;
  p[ADAM_P.N] = size;
  p[ADAM_P.X] = floatOffset(backend, ins[0]);
  p[ADAM_P.M] = floatOffset(backend, ins[1]);
  p[ADAM_P.V] = floatOffset(backend, ins[2]);
  p[ADAM_P.G] = floatOffset(backend, ins[3]);
  p[ADAM_P.X_OUT] = floatOffset(backend, outs[0]);
  p[ADAM_P.M_OUT] = floatOffset(backend, outs[1]);
  p[ADAM_P.V_OUT] = floatOffset(backend, outs[2]);
  p[ADAM_P.LR] = Number(a.learningRate);
  p[ADAM_P.BETA1] = Number(a.beta1);
  p[ADAM_P.BETA2] = Number(a.beta2);
  p[ADAM_P.EPS] = Number(a.epsilon);
  p[ADAM_P.C1] = Number(a.c1);
  p[ADAM_P.C2] = Number(a.c2);
  p[ADAM_P.WD] = Number(a.weightDecay ?? 0);
  addon.adam(backend.wasm.HEAPF32, p);
  return outs;
}

// ---------------------------------------------------------------------------------------------------
// Slice / SplitV / Concat (native strided copies)

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

function runStock(name: string, args: KernelArgs): TensorInfo {
  return stock.get(name)!.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

function copyRows(addon: NativeGemm, p: Float64Array, backend: WasmBackend, rows: number, len: number, src: number, srcStride: number, dst: number, dstStride: number): void {
  p[COPY_P.ROWS] = rows;
  p[COPY_P.LEN] = len;
  p[COPY_P.SRC] = src;
  p[COPY_P.SRC_STRIDE] = srcStride;
  p[COPY_P.DST] = dst;
  p[COPY_P.DST_STRIDE] = dstStride;
  addon.copyRows(backend.wasm.HEAPU8, p);
}

function byteOffset(backend: WasmBackend, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor is not resident on the wasm backend');
  return d.memoryOffset;
}

function slice(addon: NativeGemm, p: Float64Array, args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const x = inputs.x as TensorInfo;
  const bpe = BYTES[x.dtype];
  if (!bpe) return runStock('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return out;
  const rank = x.shape.length;
  const src = byteOffset(backend, x);
  const dst = byteOffset(backend, out);
  const strides = tf.util.computeStrides(x.shape);
  if (rank <= 1 || tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const start = rank === 0 ? 0 : tf.slice_util.computeFlatOffset(begin, strides);
    copyRows(addon, p, backend, 1, total * bpe, src + start * bpe, 0, dst, 0);
    return out;
  }
  // Outer dims walked in JS; the last two dims are one strided copy.
  const rowLen = size[rank - 1];
  const rows = size[rank - 2];
  let o = 0;
  const rec = (dim: number, off: number): void => {
    if (dim === rank - 2) {
      const s0 = off + begin[dim] * strides[dim] + begin[rank - 1];
      copyRows(addon, p, backend, rows, rowLen * bpe, src + s0 * bpe, strides[dim] * bpe, dst + o * bpe, rowLen * bpe);
      o += rows * rowLen;
      return;
    }
    for (let i = 0; i < size[dim]; i++) rec(dim + 1, off + (begin[dim] + i) * strides[dim]);
  };
  rec(0, 0);
  return out;
}

function splitV(addon: NativeGemm, p: Float64Array, args: KernelArgs): TensorInfo[] {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const x = inputs.x as TensorInfo;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const part = slice(addon, p, { inputs: { x }, backend, attrs: { begin: begin.slice(), size } });
    begin[axis] += s;
    return part;
  });
}

function concat(addon: NativeGemm, p: Float64Array, args: KernelArgs): TensorInfo {
  const { backend } = args;
  const all = Object.values(args.inputs) as TensorInfo[];
  const bpe = BYTES[all[0].dtype];
  if (!bpe) return runStock('Concat', args);
  const axis = tf.util.parseAxisParam((args.attrs ?? {}).axis as number, all[0].shape)[0];
  tf.backend_util.assertParamsConsistent(all.map((t) => t.shape), axis);
  const outShape = tf.backend_util.computeOutShape(all.map((t) => t.shape), axis);
  const parts = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (parts.length === 1) return identity({ inputs: { x: { ...parts[0], shape: outShape } }, backend });
  const out = backend.makeOutput(outShape, all[0].dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const rows = tf.util.sizeFromShape(parts[0].shape.slice(0, axis));
  const inner = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const outRow = inner.reduce((a, b) => a + b, 0) * bpe;
  const dst = byteOffset(backend, out);
  let col = 0;
  parts.forEach((t, i) => {
    copyRows(addon, p, backend, rows, inner[i] * bpe, byteOffset(backend, t), inner[i] * bpe, dst + col, outRow);
    col += inner[i] * bpe;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Sum / Mean over leading axes (native column sums)

function leadingSum(addon: NativeGemm, p: Float64Array, args: KernelArgs, kind: 'Sum' | 'Mean'): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const x = inputs.x as TensorInfo;
  const rank = x.shape.length;
  const axes = rank === 0 ? [] : tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return runStock(kind, args);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
  const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const out = backend.makeOutput(outShape, 'float32');
  if (cols === 0) return out;
  p[SUM_P.ROWS] = rows;
  p[SUM_P.COLS] = cols;
  p[SUM_P.SRC] = floatOffset(backend, x);
  p[SUM_P.DST] = floatOffset(backend, out);
  // Mean of zero rows is NaN, as in tfjs.
  p[SUM_P.SCALE] = kind === 'Mean' ? 1 / rows : 1;
  addon.colSum(backend.wasm.HEAPF32, p);
  return out;
}
