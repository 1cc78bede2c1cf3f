/**
 * Small networks that DP-SGD can train: dense layers, layer norm, elementwise affine, dropout, activations —
 * each layer with parameters knows how to give per-example gradient norms without a per-example loop
 * ("ghost norms", see dpsgd.ts). BatchNorm exists for non-private use only (it mixes examples).
 *
 *   const d = new DenseNet('disc', 14, [
 *     { type: 'dense', units: 256, activation: 'leakyRelu' }, { type: 'dropout', rate: 0.5 },
 *     { type: 'dense', units: 1 },
 *   ], rng.fork('disc-init'));
 *   const logits = d.apply(x);                 // inference (no dropout)
 *   const logits = d.apply(x, ctx);            // training: ctx carries dropout Rng and, in a DP step, probes
 *
 * Other architectures (coupling subnets, VAE encoders) can be built from the layer classes directly; any
 * module exposing `variables` and `paramLayers` can be passed to dpGradients/plainGradients.
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';

export type Activation = 'linear' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'elu' | 'softplus';

export type LayerSpec =
  | { type: 'dense'; units: number; activation?: Activation; /** leakyRelu slope (default 0.2) */ leak?: number; bias?: boolean }
  | { type: 'layerNorm'; epsilon?: number; affine?: boolean }
  | { type: 'affine' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation'; activation: Activation; leak?: number }
  | { type: 'batchNorm'; momentum?: number; epsilon?: number };

/** Error for layers that cannot be trained with DP-SGD (they mix examples of a batch). */
export class DpUnsupportedLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DpUnsupportedLayerError';
  }
}

/** A layer with parameters whose per-example gradients the ghost-norm step knows how to form. */
export interface ParamLayer {
  /** 'dense': z = x·W + b (per-example grad of W is xᵢgᵢᵀ); 'affine': y = γ⊙x + β (grad of γ is xᵢ⊙gᵢ). */
  readonly kind: 'dense' | 'affine';
  readonly name: string;
  readonly outDim: number;
  /** [W, b?] for dense, [γ, β] for affine. */
  readonly variables: tf.Variable[];
  readonly hasBias: boolean;
}

/** Anything DP-SGD can train: its trainable variables all live in `paramLayers`. */
export interface DpModule {
  readonly variables: tf.Variable[];
  readonly paramLayers: ParamLayer[];
  /** Names of layers that mix examples across the batch (BatchNorm); DP-SGD refuses such modules. */
  readonly exampleMixingLayers: string[];
}

interface GhostState {
  probes: Map<ParamLayer, tf.Tensor2D>;
  /** Layer inputs (dense) or normalised inputs (affine), kept past the gradient scope. */
  inputs: Map<ParamLayer, tf.Tensor2D>;
}

/**
 * What a forward pass needs besides the input: training mode (dropout), the Rng for dropout masks, and —
 * inside a DP step — the zero probes added to each parameter layer's output.
 */
export class ForwardContext {
  readonly training: boolean;
  readonly rng?: Rng;
  /** @internal set by dpGradients */
  ghost?: GhostState;

  constructor(o: { training: boolean; rng?: Rng }) {
    this.training = o.training;
    this.rng = o.rng;
  }

  /** @internal Adds the layer's probe to `out` and records `input` (dense) / x̂ (affine). */
  probe(layer: ParamLayer, input: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
    const g = this.ghost;
    if (!g) return out;
    const p = g.probes.get(layer);
    if (!p) throw new DpUnsupportedLayerError(`DP-SGD: layer "${layer.name}" belongs to no module passed to dpGradients`);
    if (g.inputs.has(layer)) {
      throw new DpUnsupportedLayerError(
        `DP-SGD: layer "${layer.name}" was applied twice in one forward pass; ghost norms need each parameter layer used once per step`,
      );
    }
    if (out.shape[0] !== p.shape[0]) {
      throw new DpUnsupportedLayerError(`DP-SGD: layer "${layer.name}" saw ${out.shape[0]} rows but the step has ${p.shape[0]}; layers must keep one row per example`);
    }
    g.inputs.set(layer, tf.keep(tf.clone(input)));
    return tf.add(out, p);
  }
}

let variableCounter = 0;
function uniqueName(base: string): string {
  variableCounter += 1;
  return `${base}#${variableCounter}`;
}

function uniformTensor(shape: number[], bound: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (2 * rng.uniform() - 1) * bound;
  return tf.tensor(v, shape, 'float32');
}

export function activate(x: tf.Tensor2D, activation: Activation = 'linear', leak = 0.2): tf.Tensor2D {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, leak);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
    default:
      throw new RangeError(`unknown activation "${activation as string}"`);
  }
}

/** Fully connected layer z = x·W + b, then an activation. */
export class Dense implements ParamLayer {
  readonly kind = 'dense' as const;
  readonly name: string;
  readonly inDim: number;
  readonly outDim: number;
  readonly W: tf.Variable;
  readonly b?: tf.Variable;
  readonly activation: Activation;
  readonly leak: number;
  readonly hasBias: boolean;

  constructor(name: string, inDim: number, units: number, rng: Rng, o: { activation?: Activation; leak?: number; bias?: boolean } = {}) {
    if (!(Number.isInteger(inDim) && inDim >= 1 && Number.isInteger(units) && units >= 1)) {
      throw new RangeError(`Dense "${name}": input and output widths must be positive integers, got ${inDim}→${units}`);
    }
    this.name = name;
    this.inDim = inDim;
    this.outDim = units;
    this.activation = o.activation ?? 'linear';
    this.leak = o.leak ?? 0.2;
    this.hasBias = o.bias ?? true;
    // PyTorch nn.Linear default init: U(±1/√fan_in) for weight and bias (what the reference GANs train from).
    const bound = 1 / Math.sqrt(inDim);
    this.W = tf.variable(uniformTensor([inDim, units], bound, rng), true, uniqueName(`${name}/W`));
    if (this.hasBias) this.b = tf.variable(uniformTensor([units], bound, rng), true, uniqueName(`${name}/b`));
  }

  get variables(): tf.Variable[] {
    return this.b ? [this.W, this.b] : [this.W];
  }

  /** Pre-activation (with the DP probe when in a DP step). */
  linear(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    let z = tf.matMul(x, this.W) as tf.Tensor2D;
    if (this.b) z = tf.add(z, this.b);
    return ctx ? ctx.probe(this, x, z) : z;
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    return activate(this.linear(x, ctx), this.activation, this.leak);
  }
}

/** Elementwise affine y = γ⊙x + β (LayerNorm's parameters; also an ActNorm-style scale/shift). */
export class Affine implements ParamLayer {
  readonly kind = 'affine' as const;
  readonly name: string;
  readonly outDim: number;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly hasBias = true;

  constructor(name: string, dim: number) {
    this.name = name;
    this.outDim = dim;
    this.gamma = tf.variable(tf.ones([dim]), true, uniqueName(`${name}/gamma`));
    this.beta = tf.variable(tf.zeros([dim]), true, uniqueName(`${name}/beta`));
  }

  get variables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    const y = tf.add(tf.mul(x, this.gamma), this.beta) as tf.Tensor2D;
    return ctx ? ctx.probe(this, x, y) : y;
  }
}

/** Layer normalisation over features (per example, so DP-compatible), optional affine. */
export class LayerNorm {
  readonly name: string;
  readonly epsilon: number;
  readonly affine?: Affine;

  constructor(name: string, dim: number, o: { epsilon?: number; affine?: boolean } = {}) {
    this.name = name;
    this.epsilon = o.epsilon ?? 1e-5; // torch.nn.LayerNorm default eps
    if (o.affine ?? true) this.affine = new Affine(`${name}/affine`, dim);
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, 1, true);
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon))) as tf.Tensor2D;
    return this.affine ? this.affine.apply(xhat, ctx) : xhat;
  }
}

/** Inverted dropout with masks from the context's Rng (reproducible). Identity outside training. */
export class Dropout {
  readonly rate: number;
  constructor(rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    if (!ctx?.training || this.rate === 0) return x;
    if (!ctx.rng) throw new RangeError('Dropout in training needs ForwardContext.rng');
    const n = x.size;
    const m = new Float32Array(n);
    const keep = 1 - this.rate;
    for (let i = 0; i < n; i++) m[i] = ctx.rng.uniform() < keep ? 1 / keep : 0;
    return tf.mul(x, tf.tensor(m, x.shape, 'float32'));
  }
}

/** Batch normalisation (training: batch statistics; inference: running averages). Not allowed under DP-SGD. */
export class BatchNorm {
  readonly name: string;
  readonly momentum: number;
  readonly epsilon: number;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  private runningMean: tf.Tensor1D;
  private runningVar: tf.Tensor1D;

  constructor(name: string, dim: number, o: { momentum?: number; epsilon?: number } = {}) {
    this.name = name;
    this.momentum = o.momentum ?? 0.1; // torch.nn.BatchNorm1d defaults
    this.epsilon = o.epsilon ?? 1e-5;
    this.gamma = tf.variable(tf.ones([dim]), true, uniqueName(`${name}/gamma`));
    this.beta = tf.variable(tf.zeros([dim]), true, uniqueName(`${name}/beta`));
    this.runningMean = tf.keep(tf.zeros([dim]));
    this.runningVar = tf.keep(tf.ones([dim]));
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    if (ctx?.ghost) {
      throw new DpUnsupportedLayerError(
        `DP-SGD: BatchNorm layer "${this.name}" mixes the examples of a batch, so per-example gradients and clipping are undefined; use layerNorm instead`,
      );
    }
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (ctx?.training) {
      const m = tf.moments(x, 0);
      mean = m.mean;
      variance = m.variance;
      const n = x.shape[0];
      const unbiased = tf.mul(variance, n > 1 ? n / (n - 1) : 1);
      const nm = tf.keep(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)) as tf.Tensor1D);
      const nv = tf.keep(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)) as tf.Tensor1D);
      this.runningMean.dispose();
      this.runningVar.dispose();
      this.runningMean = nm;
      this.runningVar = nv;
    } else {
      mean = this.runningMean;
      variance = this.runningVar;
    }
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(xhat, this.gamma), this.beta) as tf.Tensor2D;
  }

  dispose(): void {
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}

class ActivationLayer {
  readonly activation: Activation;
  readonly leak: number;
  constructor(activation: Activation, leak: number) {
    this.activation = activation;
    this.leak = leak;
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return activate(x, this.activation, this.leak);
  }
}

type AnyLayer = Dense | LayerNorm | Affine | Dropout | BatchNorm | ActivationLayer;

/** A sequential stack of layers built from specs (the common DP-trainable network). */
export class DenseNet implements DpModule {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly layers: AnyLayer[] = [];
  readonly paramLayers: ParamLayer[] = [];
  readonly exampleMixingLayers: string[] = [];

  constructor(name: string, inputDim: number, specs: LayerSpec[], rng: Rng) {
    this.name = name;
    this.inputDim = inputDim;
    let dim = inputDim;
    specs.forEach((s, i) => {
      const lname = `${name}/${i}:${s.type}`;
      switch (s.type) {
        case 'dense': {
          const d = new Dense(lname, dim, s.units, rng.fork(`init-${i}`), s);
          this.layers.push(d);
          this.paramLayers.push(d);
          dim = s.units;
          break;
        }
        case 'layerNorm': {
          const l = new LayerNorm(lname, dim, s);
          this.layers.push(l);
          if (l.affine) this.paramLayers.push(l.affine);
          break;
        }
        case 'affine': {
          const a = new Affine(lname, dim);
          this.layers.push(a);
          this.paramLayers.push(a);
          break;
        }
        case 'dropout':
          this.layers.push(new Dropout(s.rate));
          break;
        case 'activation':
          this.layers.push(new ActivationLayer(s.activation, s.leak ?? 0.2));
          break;
        case 'batchNorm':
          this.layers.push(new BatchNorm(lname, dim, s));
          this.exampleMixingLayers.push(lname);
          break;
        default:
          throw new RangeError(`DenseNet "${name}": unknown layer type "${(s as { type: string }).type}" at index ${i}`);
      }
    });
    this.outputDim = dim;
  }

  get variables(): tf.Variable[] {
    const v: tf.Variable[] = [];
    for (const l of this.layers) {
      if (l instanceof Dense || l instanceof Affine) v.push(...l.variables);
      else if (l instanceof LayerNorm && l.affine) v.push(...l.affine.variables);
      else if (l instanceof BatchNorm) v.push(l.gamma, l.beta);
    }
    return v;
  }

  apply(x: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor2D {
    if (x.shape[1] !== this.inputDim) throw new RangeError(`DenseNet "${this.name}": expected ${this.inputDim} input columns, got ${x.shape[1]}`);
    let h = x;
    for (const l of this.layers) h = l.apply(h, ctx);
    return h;
  }

  /** Number of trainable scalars. */
  get parameterCount(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    for (const l of this.layers) if (l instanceof BatchNorm) l.dispose();
  }
}

/** A context for a training forward pass (dropout on), with its own dropout stream. */
export function trainingContext(rng: Rng): ForwardContext {
  return new ForwardContext({ training: true, rng });
}

