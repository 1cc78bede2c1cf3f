/**
 * Gradients for every differentiable kernel the harness uses, registered at import (by tf.ts).
 *
 * Why our own: tfjs-core's Node bundle registers no gradients at all (only the @tensorflow/tfjs union
 * package does), and the stock ones break under nested tf.grad, which WGAN-GP's penalty needs: Tanh,
 * Sigmoid and Exp differentiate a *saved clone* of their output (so the second derivative silently
 * misses the y→x path) and LeakyRelu/Elu/Relu6/Max/… create comparison or EluGrad nodes that have no
 * gradient. Rules followed here:
 *  - gradients are written in differentiable ops and recompute from inputs (no saved outputs);
 *  - comparison/rounding kernels get zero gradients so masks built from x can sit on a tape;
 *  - only standard tfjs ops are used, so every backend (cpu, wasm, node) serves them. Gather's
 *    gradient uses one-hot × matMul where a backend lacks UnsortedSegmentSum (wasm).
 * Checked against finite differences (first and second order) in test/compute-gradients.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;
type Attrs = tf.NamedAttrMap;
type Grads = Record<string, () => T>;

function reg(
  kernelName: string,
  inputsToSave: string[],
  gradFunc: (dy: T, saved: T[], attrs: Attrs) => Grads,
): void {
  tf.registerGradient({ kernelName, inputsToSave, gradFunc: gradFunc as tf.GradConfig['gradFunc'] });
}

function regAll(kernelName: string, gradFunc: (dy: T | T[], saved: T[], attrs: Attrs) => Grads): void {
  tf.registerGradient({ kernelName, saveAllInputs: true, gradFunc: gradFunc as tf.GradConfig['gradFunc'] });
}

/** Sums a broadcast gradient back to the shape of the input it came from. */
function reduceTo(dx: T, shape: number[]): T {
  const axes = tf.broadcast_util.getReductionAxes(shape, dx.shape);
  const r = axes.length > 0 ? tf.sum(dx, axes) : dx;
  return tf.reshape(r, shape);
}

const f32 = (t: T): T => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
const zerosOf = (t: T): T => tf.zeros(t.shape, 'float32');
const mask = (b: T): T => tf.cast(b, 'float32');

/** dy for a reduction, reshaped with kept dims and broadcast back to x. */
function expandReduced(dy: T, x: T, axisAttr: unknown): T {
  const axes = tf.util.parseAxisParam(axisAttr as number | number[], x.shape);
  const kept = tf.backend_util.expandShapeToKeepDim(dy.shape.length === x.shape.length ? dy.shape.filter((_, i) => !axes.includes(i)) : dy.shape, axes);
  return tf.broadcastTo(tf.reshape(dy, kept), x.shape);
}

function registerUnary(): void {
  const u = (name: string, f: (dy: T, x: T, attrs: Attrs) => T) =>
    reg(name, ['x'], (dy, [x], attrs) => ({ x: () => f(dy, x, attrs) }));
  u('Abs', (dy, x) => tf.mul(dy, tf.sign(f32(x))));
  u('Neg', (dy) => tf.neg(dy));
  u('Exp', (dy, x) => tf.mul(dy, tf.exp(x)));
  u('Expm1', (dy, x) => tf.mul(dy, tf.exp(x)));
  u('Log', (dy, x) => tf.div(dy, f32(x)));
  u('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1)));
  u('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.sqrt(f32(x)), 2)));
  u('Rsqrt', (dy, x) => tf.mul(dy, tf.mul(tf.pow(f32(x), -1.5), -0.5)));
  u('Square', (dy, x) => tf.mul(dy, tf.mul(f32(x), 2)));
  u('Reciprocal', (dy, x) => tf.neg(tf.div(dy, tf.square(x))));
  u('Tanh', (dy, x) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))));
  u('Sigmoid', (dy, x) => {
    const s = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
  });
  u('Softplus', (dy, x) => tf.mul(dy, tf.sigmoid(x)));
  u('Erf', (dy, x) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI))));
  u('Sin', (dy, x) => tf.mul(dy, tf.cos(f32(x))));
  u('Cos', (dy, x) => tf.neg(tf.mul(dy, tf.sin(f32(x)))));
  u('Tan', (dy, x) => tf.div(dy, tf.square(tf.cos(x))));
  u('Asin', (dy, x) => tf.div(dy, tf.sqrt(tf.sub(1, tf.square(f32(x))))));
  u('Acos', (dy, x) => tf.neg(tf.div(dy, tf.sqrt(tf.sub(1, tf.square(f32(x)))))));
  u('Atan', (dy, x) => tf.div(dy, tf.add(1, tf.square(f32(x)))));
  u('Sinh', (dy, x) => tf.mul(dy, tf.cosh(x)));
  u('Cosh', (dy, x) => tf.mul(dy, tf.sinh(x)));
  u('Asinh', (dy, x) => tf.div(dy, tf.sqrt(tf.add(1, tf.square(f32(x))))));
  u('Acosh', (dy, x) => tf.div(dy, tf.sqrt(tf.sub(tf.square(f32(x)), 1))));
  u('Atanh', (dy, x) => tf.div(dy, tf.sub(1, tf.square(f32(x)))));
  u('Relu', (dy, x) => tf.mul(dy, tf.step(f32(x))));
  // Same mask as stock (1 on (0, 6]); built from LessEqual/Step, both with zero gradients below.
  u('Relu6', (dy, x) => tf.mul(dy, tf.mul(mask(tf.lessEqual(x, 6)), tf.step(x))));
  u('LeakyRelu', (dy, x, attrs) => {
    const alpha = Number(attrs.alpha);
    return tf.mul(dy, tf.add(tf.mul(tf.step(x), 1 - alpha), alpha));
  });
  // elu'(x) = 1 for x > 0, exp(x) otherwise = exp(min(x, 0)); differentiable again (stock: EluGrad).
  u('Elu', (dy, x) => tf.mul(dy, tf.exp(tf.minimum(x, 0))));
  u('Selu', (dy, x) => {
    // Constants of tf.selu (backend_util SELU_SCALE / SELU_SCALEALPHA).
    const scale = tf.backend_util.SELU_SCALE;
    const scaleAlpha = tf.backend_util.SELU_SCALEALPHA;
    const pos = tf.step(x);
    const neg = tf.mul(tf.sub(1, pos), tf.mul(tf.exp(tf.minimum(x, 0)), scaleAlpha));
    return tf.mul(dy, tf.add(tf.mul(pos, scale), neg));
  });
  u('ClipByValue', (dy, x, attrs) => {
    const inside = tf.logicalAnd(tf.greaterEqual(x, Number(attrs.clipValueMin)), tf.lessEqual(x, Number(attrs.clipValueMax)));
    return tf.mul(dy, mask(inside));
  });
  u('Cast', (dy) => tf.clone(dy));
  u('Identity', (dy) => tf.clone(dy));
  // Piecewise-constant or non-numeric outputs: zero gradient (lets masks built from x sit on a tape).
  for (const name of ['Step', 'Sign', 'Floor', 'Ceil', 'Round', 'IsNan', 'IsInf', 'IsFinite', 'OnesLike', 'ZerosLike', 'LogicalNot', 'ArgMax', 'ArgMin']) {
    u(name, (_dy, x) => zerosOf(x));
  }
  reg('OneHot', ['indices'], (_dy, [indices]) => ({ indices: () => zerosOf(indices) }));
}

function registerBinary(): void {
  const b = (name: string, f: (dy: T, a: T, b: T) => [T, T]) =>
    reg(name, ['a', 'b'], (dy, [a, bb]) => ({
      a: () => reduceTo(f(dy, a, bb)[0], a.shape),
      b: () => reduceTo(f(dy, a, bb)[1], bb.shape),
    }));
  // Each closure computes only its own side: the other is not needed when only one input is on the tape.
  reg('Add', ['a', 'b'], (dy, [a, bb]) => ({ a: () => reduceTo(dy, a.shape), b: () => reduceTo(dy, bb.shape) }));
  reg('Sub', ['a', 'b'], (dy, [a, bb]) => ({ a: () => reduceTo(dy, a.shape), b: () => reduceTo(tf.neg(dy), bb.shape) }));
  reg('Multiply', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.mul(dy, f32(bb)), a.shape),
    b: () => reduceTo(tf.mul(dy, f32(a)), bb.shape),
  }));
  reg('RealDiv', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.div(dy, f32(bb)), a.shape),
    b: () => reduceTo(tf.neg(tf.div(tf.mul(dy, f32(a)), tf.square(f32(bb)))), bb.shape),
  }));
  reg('Maximum', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.mul(dy, mask(tf.greaterEqual(a, bb))), a.shape),
    b: () => reduceTo(tf.mul(dy, mask(tf.less(a, bb))), bb.shape),
  }));
  reg('Minimum', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.mul(dy, mask(tf.lessEqual(a, bb))), a.shape),
    b: () => reduceTo(tf.mul(dy, mask(tf.greater(a, bb))), bb.shape),
  }));
  reg('SquaredDifference', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.mul(dy, tf.mul(tf.sub(a, bb), 2)), a.shape),
    b: () => reduceTo(tf.mul(dy, tf.mul(tf.sub(bb, a), 2)), bb.shape),
  }));
  reg('Pow', ['a', 'b'], (dy, [a, bb]) => ({
    a: () => reduceTo(tf.mul(dy, tf.mul(f32(bb), tf.pow(f32(a), tf.sub(f32(bb), 1)))), a.shape),
    b: () => {
      // d/db a^b = a^b log a, taken as 0 where a ≤ 0 (log guarded so no NaN reaches a later gradient).
      const pos = tf.greater(a, 0);
      const safeLog = tf.mul(tf.log(tf.where(pos, f32(a), tf.onesLike(f32(a)))), mask(pos));
      return reduceTo(tf.mul(dy, tf.mul(tf.pow(f32(a), f32(bb)), safeLog)), bb.shape);
    },
  }));
  b('Atan2', (dy, a, bb) => {
    const d = tf.add(tf.square(a), tf.square(bb));
    return [tf.div(tf.mul(dy, bb), d), tf.neg(tf.div(tf.mul(dy, a), d))];
  });
  b('Mod', (dy, a, bb) => [dy, tf.mul(dy, tf.neg(tf.floor(tf.div(a, bb))))]);
  for (const name of ['FloorDiv', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor']) {
    reg(name, ['a', 'b'], (_dy, [a, bb]) => ({ a: () => zerosOf(a), b: () => zerosOf(bb) }));
  }
  reg('Select', ['condition'], (dy, [condition]) => ({
    condition: () => zerosOf(condition),
    t: () => tf.mul(dy, mask(condition)),
    e: () => tf.mul(dy, mask(tf.logicalNot(condition))),
  }));
  reg('Prelu', ['x', 'alpha'], (dy, [x, alpha]) => ({
    x: () => {
      const pos = tf.step(x);
      return tf.mul(dy, tf.add(pos, tf.mul(tf.sub(1, pos), alpha)));
    },
    alpha: () => reduceTo(tf.mul(dy, tf.mul(x, tf.sub(1, tf.step(x)))), alpha.shape),
  }));
  regAll('AddN', (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy as T)])));
}

function registerReductions(): void {
  reg('Sum', ['x'], (dy, [x], attrs) => ({ x: () => expandReduced(dy, x, attrs.axis) }));
  reg('Mean', ['x'], (dy, [x], attrs) => ({
    x: () => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return tf.div(expandReduced(dy, x, attrs.axis), count);
    },
  }));
  const minMax = (name: string, op: (x: T, axes: number[], keep: boolean) => T) =>
    reg(name, ['x'], (dy, [x], attrs) => ({
      x: () => {
        // Max names its axes `reductionIndices`, Min names them `axis`.
        const axes = tf.util.parseAxisParam((attrs.reductionIndices ?? attrs.axis) as number | number[], x.shape);
        const y = op(x, axes, true);
        return tf.mul(expandReduced(dy, x, axes), mask(tf.equal(x, y)));
      },
    }));
  minMax('Max', tf.max);
  minMax('Min', tf.min);
  reg('Softmax', ['logits'], (dy, [logits], attrs) => ({
    logits: () => {
      const dim = Number(attrs.dim);
      const y = tf.softmax(logits, dim);
      return tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true)));
    },
  }));
  reg('LogSoftmax', ['logits'], (dy, [logits], attrs) => ({
    logits: () => {
      const axis = Number(attrs.axis);
      return tf.sub(dy, tf.mul(tf.sum(dy, axis, true), tf.softmax(logits, axis)));
    },
  }));
  reg('Cumsum', ['x'], (dy, [x], attrs) => ({
    x: () => {
      const axes = tf.util.parseAxisParam(attrs.axis as number, x.shape);
      return tf.cumsum(dy, axes[0], Boolean(attrs.exclusive), !attrs.reverse);
    },
  }));
}

function registerMatMul(): void {
  reg('BatchMatMul', ['a', 'b'], (dy, [a, b], attrs) => {
    const ta = Boolean(attrs.transposeA);
    const tb = Boolean(attrs.transposeB);
    return {
      a: () => {
        const d = !ta && !tb ? tf.matMul(dy, b, false, true)
          : !ta && tb ? tf.matMul(dy, b, false, false)
          : ta && !tb ? tf.matMul(b, dy, false, true)
          : tf.matMul(b, dy, true, true);
        return reduceTo(d, a.shape);
      },
      b: () => {
        const d = !ta && !tb ? tf.matMul(a, dy, true, false)
          : !ta && tb ? tf.matMul(dy, a, true, false)
          : ta && !tb ? tf.matMul(a, dy, false, false)
          : tf.matMul(dy, a, true, true);
        return reduceTo(d, b.shape);
      },
    };
  });
}

function registerShape(): void {
  reg('Reshape', ['x'], (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }));
  reg('ExpandDims', ['input'], (dy, [input]) => ({ input: () => tf.reshape(dy, input.shape) }));
  reg('Transpose', [], (dy, _s, attrs) => {
    const perm = attrs.perm as number[];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return { x: () => tf.transpose(dy, inv) };
  });
  reg('BroadcastTo', ['x'], (dy, [x]) => ({ x: () => reduceTo(dy, x.shape) }));
  reg('Tile', ['x'], (dy, [x], attrs) => ({
    x: () => {
      // dy viewed as [r0, x0, r1, x1, …]: summing the r axes adds up every tile.
      const reps = attrs.reps as number[];
      const split = x.shape.flatMap((d, i) => [reps[i], d]);
      const axes = reps.map((_, i) => 2 * i);
      return tf.reshape(tf.sum(tf.reshape(dy, split), axes), x.shape);
    },
  }));
  regAll('Concat', (dy, saved, attrs) => {
    const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
    const parts = tf.split(dy as T, saved.map((t) => t.shape[axis]), axis);
    return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
  });
  regAll('Pack', (dy, _saved, attrs) => {
    const parts = tf.unstack(dy as T, Number(attrs.axis));
    return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
  });
  reg('Unpack', ['value'], (dy, [value], attrs) => ({
    value: () => {
      const axis = Number(attrs.axis);
      const sliceShape = value.shape.filter((_, i) => i !== axis);
      const dys = (dy as unknown as (T | null)[]).map((d) => d ?? tf.zeros(sliceShape));
      return tf.stack(dys, axis);
    },
  }));
  reg('SplitV', ['x'], (dy, [x], attrs) => ({
    x: () => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis);
      const dys = (dy as unknown as (T | null)[]).map((d, i) => {
        if (d) return d;
        const shape = x.shape.slice();
        shape[axis] = sizes[i];
        return tf.zeros(shape);
      });
      return tf.concat(dys, axis);
    },
  }));
  reg('Slice', ['x'], (dy, [x], attrs) => ({
    x: () => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      return tf.pad(dy, begin.map((b, i) => [b, x.shape[i] - b - size[i]] as [number, number]));
    },
  }));
  reg('PadV2', ['x'], (dy, [x], attrs) => ({
    x: () => tf.slice(dy, (attrs.paddings as [number, number][]).map((p) => p[0]), x.shape),
  }));
  reg('Reverse', [], (dy, _s, attrs) => ({ x: () => tf.reverse(dy, attrs.dims as number[]) }));
  reg('GatherV2', ['x', 'indices'], (dy, [x, indices], attrs) => ({
    x: () => gatherGrad(dy, x, indices, attrs),
    indices: () => zerosOf(indices),
  }));
  reg('UnsortedSegmentSum', ['segmentIds'], (dy, [segmentIds]) => ({
    x: () => {
      const valid = mask(tf.greaterEqual(segmentIds, 0));
      const g = tf.gather(dy, tf.maximum(segmentIds, 0), 0);
      const m = tf.reshape(valid, [...valid.shape, ...new Array(g.rank - valid.rank).fill(1)]);
      return tf.mul(g, m);
    },
    segmentIds: () => zerosOf(segmentIds),
  }));
}

/** Scatter-add of dy into x's shape along `axis` (batchDims = 0). */
function gatherGrad(dy: T, x: T, indices: T, attrs: Attrs): T {
  if (Number(attrs.batchDims ?? 0) !== 0) throw new Error('gradient of gather with batchDims > 0 is not supported');
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const pre = x.shape.slice(0, axis);
  const post = x.shape.slice(axis + 1);
  const P = tf.util.sizeFromShape(pre);
  const Q = tf.util.sizeFromShape(post);
  const A = x.shape[axis];
  const I = indices.size;
  const flatIdx = tf.reshape(indices, [I]);
  const rows = tf.reshape(tf.transpose(tf.reshape(dy, [P, I, Q]), [1, 0, 2]), [I, P * Q]);
  // wasm has no UnsortedSegmentSum kernel: one-hot(indices)ᵀ · rows is the same sum, via BLAS.
  const scattered = tf.getKernel('UnsortedSegmentSum', tf.getBackend())
    ? tf.unsortedSegmentSum(rows, flatIdx as tf.Tensor1D, A)
    : tf.matMul(tf.oneHot(flatIdx as tf.Tensor1D, A, 1, 0, 'float32'), rows, true, false);
  return tf.reshape(tf.transpose(tf.reshape(scattered, [A, P, Q]), [1, 0, 2]), x.shape);
}

let registered = false;

/** Registers all gradients once (tf.ts calls this at import; later calls are no-ops). */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  registerUnary();
  registerBinary();
  registerReductions();
  registerMatMul();
  registerShape();
}

