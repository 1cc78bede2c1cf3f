/**
 * The privacy plug-ins of adversarially trained generators. A *critic* is whatever the generator is
 * trained against, together with the only code that sees real rows:
 *
 *   - `DiscriminatorCritic` — a discriminator trained on real vs generated batches. Without privacy its
 *     gradient is the plain mean; with `dpsgd` the real rows are Poisson-sampled, their per-example
 *     gradients clipped to C and the sum noised (src/privacy/dpsgd.ts), generated rows enter unclipped
 *     (they are post-processing of earlier private releases), and every step is counted by the budget
 *     before it runs (src/privacy/budget.ts).
 *   - `PateCritic` (critics-pate.ts) — PATE-GAN's teachers + student.
 *
 * The generator's loop (gan.ts, later ctgan.ts) is the same for all: `critic.update()` until it returns
 * false or the planned rounds are done, a generator step against `critic.score(x)`, then `critic.finish()`.
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { clipWeights, createOptimizer, mlpSpecs, step, type OptimizerSpec } from '../nn/index.ts';
import { bceWithLogits } from '../nn/losses.ts';
import type { AccountantKind } from '../privacy/accountant.ts';
import { DpsgdBudget } from '../privacy/budget.ts';
import { calibrateSigma } from '../privacy/calibrate.ts';
import { DenseNet, type Activation, type ForwardContext } from '../privacy/dpnet.ts';
import { DpSgd, plainGradients } from '../privacy/dpsgd.ts';
import type { Ledger } from '../privacy/ledger.ts';
import { seededGaussian } from '../privacy/noise.ts';
import type { FitReport } from './types.ts';

/** What a critic gets from the generator side: the encoded real rows and a way to draw generated rows. */
export interface CriticData {
  /** Row-major [n, d] encoded real rows. */
  real: Float32Array;
  n: number;
  d: number;
  /** Generated rows [rows, d] as the generator emits them in training (no gradient to the generator). */
  generate(rows: number): tf.Tensor2D;
  /**
   * Optional: real rows `idx` as the critic sees them, [idx.length, d] (default: copies of `real`'s rows).
   * Lets a generator attach per-draw inputs to each real row (CTGAN's conditional vector); the result may
   * depend on row idx[i] only, so DP-SGD's per-example clipping still covers everything a row contributes.
   */
  gather?(idx: ArrayLike<number>): tf.Tensor2D;
  /**
   * Optional: rows drawn from a public, data-independent reference distribution over the encoded domain
   * (e.g. uniform levels and values within the declared bounds). PATE teachers may mix them into their
   * "fake" class; they reveal nothing about the real rows.
   */
  reference?(rows: number): tf.Tensor2D;
  /**
   * Optional: copies of generated rows [rows, d] (row-major), each with one non-target column redrawn from the
   * public reference distribution (PATE pair queries: "is the changed row more realistic?"). Reads no real data.
   */
  perturb?(x: Float32Array, rows: number, rng: Rng): Float32Array;
  /** Optional: offset and width of the target column's one-hot block in the encoded row. */
  targetSpan?: { offset: number; width: number };
  /**
   * Optional: what the discriminator / student sees of a row — a fixed, data-independent map applied row by
   * row (e.g. the row crossed with its label, `crossWithLabel`), so per-example clipping still covers a row.
   * Default: the row itself.
   */
  view?: { dim: number; apply(x: tf.Tensor2D): tf.Tensor2D };
}

/**
 * Row ⊗ label one-hot: [rows, d] and [rows, w] → [rows, d·w], block c = x·label_c. A linear layer on it is one
 * linear model per class, so a discriminator judges each class's rows on their own (the conditional GAN's
 * "does x fit y?" without having to learn the interaction).
 */
export function crossWithLabel(x: tf.Tensor2D, label: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const w = label.shape[1];
    const parts: tf.Tensor2D[] = [];
    for (let c = 0; c < w; c++) parts.push(tf.mul(x, tf.slice(label, [0, c], [-1, 1])) as tf.Tensor2D);
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}

/** The discriminator's view of rows (CriticData.view, or the rows themselves). */
export function viewRows(data: CriticData, x: tf.Tensor2D): tf.Tensor2D {
  return data.view ? data.view.apply(x) : x;
}

export interface Critic {
  /** The network the generator is trained against. */
  readonly net: DenseNet;
  readonly loss: 'bce' | 'wgan';
  /** Critic logits of rows (what the generator's loss is computed from). */
  score(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional post-processing quality signal of the latest round (higher = better), computed only from
   * released quantities; the generator keeps the weights of the round where its running mean peaked.
   */
  signal?(): number | undefined;
  /** Why the last update() returned false (default 'budget'). */
  readonly stopReason?: string;
  /** One round of critic training; false (releasing nothing) when the budget does not allow it. */
  update(): boolean;
  /** Mean losses of the rounds since the last call (for per-epoch curves). */
  drainLosses(): Record<string, number>;
  /** Records the spend in the ledger and returns the report fields of this mechanism. */
  finish(ledger: Ledger): Partial<FitReport>;
  dispose(): void;
}

export interface DiscriminatorOptions {
  hidden: number[];
  activation: Activation;
  dropout: number;
  loss: 'bce' | 'wgan';
  /** WGAN weight clipping bound (Arjovsky et al. 2017: 0.01). */
  weightClip: number;
  optimizer: OptimizerSpec;
  batchSize: number;
}

export interface DpsgdSettings {
  /** Per-example clipping norm C (a constant, never derived from data). */
  clipNorm: number;
  /**
   * Clip generated rows' per-example gradients too (Opacus/smartnoise behaviour: both halves of a D step go
   * through the private optimizer). Not needed for privacy — generated rows are post-processing — but it
   * keeps real and generated rows on the same scale (≤ C each) so the noised sum is not dominated by fakes.
   */
  clipGenerated: boolean;
  /** Noise multiplier; undefined = calibrate from the target ε for the planned steps. */
  sigma?: number;
  plannedSteps: number;
  epsilon: number;
  delta: number;
  accountant: AccountantKind;
}

/** Copy rows `idx` of a row-major matrix into a new tensor. */
export function gatherRows(X: Float32Array, d: number, idx: ArrayLike<number>): tf.Tensor2D {
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(X.subarray(idx[i] * d, idx[i] * d + d), i * d);
  return tf.tensor2d(out, [idx.length, d]);
}

export class DiscriminatorCritic implements Critic {
  readonly net: DenseNet;
  readonly loss: 'bce' | 'wgan';
  private readonly opt: tf.Optimizer;
  private readonly o: DiscriminatorOptions;
  private readonly data: CriticData;
  private readonly rng: Rng;
  private readonly dp?: { sgd: DpSgd; budget: DpsgdBudget; clipped: number; clipGenerated: boolean };
  private sums = { d: 0, count: 0 };
  private perm: Int32Array | null = null;
  private cursor = 0;
  steps = 0;
  /** Real row indices of the last step (tests check clipping against them). */
  lastBatch: Int32Array = new Int32Array(0);

  constructor(data: CriticData, o: DiscriminatorOptions, rng: Rng, dp?: DpsgdSettings) {
    this.data = data;
    this.o = o;
    this.rng = rng;
    this.loss = o.loss;
    this.net = new DenseNet('discriminator', data.view?.dim ?? data.d, mlpSpecs(o.hidden, 1, { activation: o.activation, dropout: o.dropout }), rng.fork('init'));
    this.opt = createOptimizer(o.optimizer);
    if (dp) {
      if (!(o.batchSize < data.n)) throw new RangeError(`dpsgd: batch_size (${o.batchSize}) must be smaller than the number of training rows (${data.n})`);
      const q = o.batchSize / data.n;
      const sigma =
        dp.sigma ??
        calibrateSigma({ q, epsilon: dp.epsilon, delta: dp.delta, steps: Math.max(1, dp.plannedSteps), accountant: dp.accountant }).sigma;
      const sgd = new DpSgd({ n: data.n, batchSize: o.batchSize, clipNorm: dp.clipNorm, noiseMultiplier: sigma, noise: seededGaussian(rng.fork('dp-noise')) });
      const budget = new DpsgdBudget({ q, sigma, epsilon: dp.epsilon, delta: dp.delta, accountant: dp.accountant, plannedSteps: dp.plannedSteps });
      this.dp = { sgd, budget, clipped: 0, clipGenerated: dp.clipGenerated };
    }
  }

  get sigma(): number | undefined {
    return this.dp?.sgd.noiseMultiplier;
  }

  score(x: tf.Tensor2D): tf.Tensor2D {
    return this.net.apply(viewRows(this.data, x));
  }

  /** Without privacy: epochs of shuffled batches (every row once per epoch). */
  private nextPlainBatch(): Int32Array {
    const { n } = this.data;
    const B = Math.min(this.o.batchSize, n);
    if (!this.perm || this.cursor + B > n) {
      this.perm = this.rng.permutation(n);
      this.cursor = 0;
    }
    const idx = this.perm.subarray(this.cursor, this.cursor + B);
    this.cursor += B;
    return idx;
  }

  update(): boolean {
    if (this.dp && !this.dp.budget.canStep()) return false;
    const B = this.o.batchSize;
    const idx = this.dp ? this.dp.sgd.sampleBatch(this.rng) : this.nextPlainBatch();
    this.lastBatch = Int32Array.from(idx);
    const real = this.data.gather ? this.data.gather(idx) : gatherRows(this.data.real, this.data.d, idx);
    const fake = this.data.generate(B);
    const nReal = idx.length;
    const rows = nReal + B;
    const x = tf.tidy(() => viewRows(this.data, tf.concat([real, fake], 0) as tf.Tensor2D));
    const wgan = this.loss === 'wgan';
    const sign = tf.tensor1d(Float32Array.from({ length: rows }, (_, i) => (i < nReal ? 1 : 0)));
    // Per-row losses: real rows first (the private ones under DP-SGD), then generated rows.
    const lossFn = (ctx: ForwardContext) => {
      const z = tf.reshape(this.net.apply(x, ctx), [rows]) as tf.Tensor1D;
      if (wgan) return tf.mul(z, tf.sub(1, tf.mul(sign, 2))) as tf.Tensor1D; // −D(real), +D(fake)
      return bceWithLogits(z, sign);
    };
    const dropoutRng = this.o.dropout > 0 ? this.rng.fork(`dropout-${this.steps}`) : undefined;
    let grads: tf.NamedTensorMap;
    let lossSum: number;
    if (this.dp) {
      this.dp.budget.step(); // counted before anything is released
      const r = this.dp.sgd.gradients(this.net, rows, lossFn, { privateRows: this.dp.clipGenerated ? rows : nReal, rng: dropoutRng });
      grads = r.grads;
      lossSum = r.lossSum;
      this.dp.clipped += r.clippedFraction;
    } else {
      const r = plainGradients(this.net, rows, lossFn, { normaliser: B, rng: dropoutRng });
      grads = r.grads;
      lossSum = r.lossSum;
    }
    step(this.opt, grads);
    if (wgan) clipWeights(this.net.variables, this.o.weightClip);
    // Loss curve: the mean per-row loss of this step (the two halves summed, as D's usual objective).
    this.sums.d += lossSum / B;
    this.sums.count += 1;
    tf.dispose([real, fake, x, sign]);
    this.steps += 1;
    return true;
  }

  drainLosses(): Record<string, number> {
    const c = this.sums.count;
    const out: Record<string, number> = c > 0 ? { discriminator: this.sums.d / c } : {};
    this.sums = { d: 0, count: 0 };
    return out;
  }

  finish(ledger: Ledger): Partial<FitReport> {
    if (!this.dp) return { steps: this.steps };
    const { budget, sgd } = this.dp;
    const entry = budget.entry('training: discriminator DP-SGD', { clipNorm: sgd.clipNorm, batchSize: this.o.batchSize });
    ledger.spend(entry);
    return { steps: this.steps, ...budget.reportFields(entry, { clipNorm: sgd.clipNorm, clippedFraction: this.steps > 0 ? this.dp.clipped / this.steps : 0 }) };
  }

  dispose(): void {
    this.net.dispose();
    this.opt.dispose();
  }
}
