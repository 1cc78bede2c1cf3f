/**
 * Adam (Kingma & Ba 2015) with optional L2 weight decay added to the gradient (PyTorch `Adam`'s
 * `weight_decay`, used by CTGAN: defaults.md §2.1, ctgan.py:364,371). Drop-in for tf.train.adam in
 * model code: `minimize`/`applyGradients` come from tf.Optimizer.
 *
 * On the wasm backend with the native addon, each variable is updated by one fused kernel
 * (x, m, v in one pass) instead of ~13 elementwise kernels; elsewhere the same formula runs as tf ops.
 * Default ε is 1e-8 (PyTorch's) rather than tfjs' backend epsilon (1e-7), so results track references.
 */
import { tf } from './tf.ts';
import { ADAM_KERNEL } from './wasm-kernels.ts';

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 penalty coefficient added to each gradient before the moments (PyTorch semantics). */
  weightDecay?: number;
}

export class Adam extends tf.Optimizer {
  static get className(): string {
    return 'DpsbAdam';
  }

  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private step = 0;

  constructor(opts: AdamOptions) {
    super();
    const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = opts;
    for (const [k, v, lo, hi] of [['learningRate', learningRate, 0, Infinity], ['beta1', beta1, 0, 1], ['beta2', beta2, 0, 1], ['epsilon', epsilon, 0, Infinity], ['weightDecay', weightDecay, 0, Infinity]] as const) {
      if (!Number.isFinite(v) || v < lo || v > hi || (k.startsWith('beta') && v === 1)) {
        throw new Error(`Adam: ${k} must be a finite number in [${lo}, ${hi}${k.startsWith('beta') ? ')' : ']'}, got ${v}`);
      }
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    this.step += 1;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    const fused = tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
    for (const [name, g] of entries) {
      if (g == null) continue;
      const x = tf.engine().registeredVariables[name];
      if (!x) throw new Error(`Adam: no variable named '${name}' is registered`);
      let st = this.moments.get(name);
      if (!st) {
        st = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(x), false), v: tf.variable(tf.zerosLike(x), false) }));
        this.moments.set(name, st);
      }
      const { m, v } = st;
      const [xn, mn, vn] = tf.tidy(() => {
        if (fused) {
          return tf.engine().runKernel(ADAM_KERNEL, { x, m, v, g }, {
            learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
            c1, c2, weightDecay: this.weightDecay,
          }) as tf.Tensor[];
        }
        const gd = this.weightDecay > 0 ? tf.add(g, tf.mul(x, this.weightDecay)) : g;
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(gd, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gd), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(c2)), this.epsilon);
        const xNew = tf.sub(x, tf.mul(tf.div(mNew, denom), this.learningRate / c1));
        return [xNew, mNew, vNew];
      });
      x.assign(xn);
      m.assign(mn);
      v.assign(vn);
      tf.dispose([xn, mn, vn]);
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, { m, v }] of this.moments) out.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.step = this.iterations;
    for (const { name, tensor } of rest) {
      const slot = name.endsWith('/m') ? 'm' : name.endsWith('/v') ? 'v' : null;
      if (!slot) throw new Error(`Adam.setWeights: unexpected weight '${name}'`);
      const varName = name.slice(0, -2);
      let st = this.moments.get(varName);
      if (!st) {
        st = { m: tf.variable(tf.zerosLike(tensor), false), v: tf.variable(tf.zerosLike(tensor), false) };
        this.moments.set(varName, st);
      }
      st[slot].assign(tensor);
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }
}

/** `adam({ learningRate: 2e-4, beta1: 0.5, beta2: 0.9, weightDecay: 1e-6 })` */
export function adam(opts: AdamOptions): Adam {
  return new Adam(opts);
}
