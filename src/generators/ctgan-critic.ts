/**
 * CTGAN's own (non-private) critic: PacGAN discriminator trained with WGAN-GP on training-by-sampling
 * batches (defaults.md §2.1, ctgan.py:22-57, 387-461):
 *   - D sees `pac` rows at once: the batch [B, d+c] is reshaped (no copy) to [B/pac, pac·(d+c)];
 *     layers Linear → LeakyReLU(0.2) → Dropout(0.5), final Linear → 1;
 *   - per step: cond c1 by training-by-sampling, fake = G(z ⊕ c1) ⊕ c1, real rows drawn among the rows
 *     having the conditioned categories in a shuffled order (c2 = c1[perm]), real = row ⊕ c2;
 *   - loss_D = −(mean D(real) − mean D(fake)) + 10·mean((‖∇D(x̂)‖₂ − 1)²), x̂ interpolating real and fake
 *     with one α per pac group, the norm over the packed vector; one Adam step.
 * It implements the `Critic` contract of critics.ts, so ctgan.ts runs one loop whatever the mechanism.
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { createOptimizer, mlpSpecs, type OptimizerSpec } from '../nn/index.ts';
import { Dense, DenseNet } from '../privacy/dpnet.ts';
import type { Ledger } from '../privacy/ledger.ts';
import { appendCond, type CondDraw, type CondSampler, type RowsByCategory } from './condvec.ts';
import type { Critic } from './critics.ts';
import type { FitReport } from './types.ts';

export interface PacCriticData {
  /** Row-major [n, dData] encoded real rows. */
  real: Float32Array;
  n: number;
  dData: number;
  cond: CondSampler;
  rows: RowsByCategory;
  /** Activated generator rows [rows, dData] for the given conditions (computed outside any tape). */
  generate(c: CondDraw): tf.Tensor2D;
}

export interface PacCriticOptions {
  hidden: number[];
  pac: number;
  leak: number;
  dropout: number;
  /** Gradient-penalty weight λ (ctgan.py:35: lambda_=10). */
  lambda: number;
  batchSize: number;
  optimizer: OptimizerSpec;
}

export class PacCritic implements Critic {
  readonly net: DenseNet;
  readonly loss = 'wgan' as const;
  private readonly opt: tf.Optimizer;
  private readonly data: PacCriticData;
  private readonly o: PacCriticOptions;
  private readonly rng: Rng;
  private readonly width: number;
  private readonly layers: Dense[];
  private sums = { d: 0, pen: 0, count: 0 };
  steps = 0;

  constructor(data: PacCriticData, o: PacCriticOptions, rng: Rng) {
    if (!(Number.isInteger(o.pac) && o.pac >= 1)) throw new RangeError(`ctgan: pac must be a positive integer, got ${o.pac}`);
    if (o.batchSize % o.pac !== 0) throw new RangeError(`ctgan: batch_size (${o.batchSize}) must be a multiple of pac (${o.pac})`);
    this.data = data;
    this.o = o;
    this.rng = rng;
    this.width = data.dData + data.cond.dim;
    // Dropout is applied in `forward` (masks from one 32-bit draw per element), so the net holds the dense layers only.
    this.net = new DenseNet('ctgan-discriminator', this.width * o.pac, mlpSpecs(o.hidden, 1, { activation: 'leakyRelu', leak: o.leak }), rng.fork('init'));
    this.layers = this.net.layers as Dense[];
    this.opt = createOptimizer(o.optimizer);
  }

  /** Linear → LeakyReLU → Dropout per hidden layer, final Linear (ctgan.py:22-33); bias fused into the GEMM. */
  private forward(x: tf.Tensor2D, rng: Rng): tf.Tensor2D {
    let h = x;
    const L = this.layers.length;
    for (let i = 0; i < L; i++) {
      const l = this.layers[i];
      h = tf.fused.matMul({ a: h, b: l.W as tf.Tensor2D, bias: l.b }) as tf.Tensor2D;
      if (i + 1 < L) {
        h = tf.leakyRelu(h, this.o.leak) as tf.Tensor2D;
        if (this.o.dropout > 0) h = tf.mul(h, dropoutMask(h.shape[0], h.shape[1], this.o.dropout, rng));
      }
    }
    return h;
  }

  private pack(x: tf.Tensor2D): tf.Tensor2D {
    return tf.reshape(x, [x.shape[0] / this.o.pac, this.width * this.o.pac]) as tf.Tensor2D;
  }

  /** Critic scores of generated rows [rows, d+c] in train mode (dropout on, as the reference's G step). */
  score(x: tf.Tensor2D): tf.Tensor2D {
    if (x.shape[0] % this.o.pac !== 0) throw new RangeError(`ctgan: the critic scores groups of pac=${this.o.pac} rows, got ${x.shape[0]}`);
    return this.forward(this.pack(x), this.rng.fork(`g-dropout-${this.steps}`));
  }

  /** Real rows for conditions c[perm]: for each, a row having the conditioned category, with the cond appended. */
  private realBatch(c: CondDraw, perm: Int32Array): tf.Tensor2D {
    const { real, dData, cond, rows, n } = this.data;
    const B = perm.length;
    const w = this.width;
    const out = new Float32Array(B * w);
    const r = this.rng.fork(`real-${this.steps}`);
    for (let i = 0; i < B; i++) {
      const p = perm[i];
      const row = rows.sample(c.col[p], c.cat[p], r, n);
      out.set(real.subarray(row * dData, row * dData + dData), i * w);
      out.set(c.cond.subarray(p * cond.dim, (p + 1) * cond.dim), i * w + dData);
    }
    return tf.tensor2d(out, [B, w]);
  }

  update(): boolean {
    const B = this.o.batchSize;
    const rng = this.rng.fork(`step-${this.steps}`);
    const c1 = this.data.cond.sampleTraining(B, rng.fork('cond'));
    const perm = rng.fork('perm').permutation(B);
    const fake = tf.tidy(() => appendCond(this.data.generate(c1), c1, this.data.cond.dim));
    const real = this.realBatch(c1, perm);
    const groups = B / this.o.pac;
    const alpha = tf.tensor2d(Float32Array.from({ length: groups }, () => rng.uniform()), [groups, 1]);
    const drop = rng.fork('dropout');
    let penalty = 0;
    const loss = this.opt.minimize(
      () => {
        const fp = this.pack(fake);
        const rp = this.pack(real);
        // Real and fake packed rows in one pass (one GEMM of 2·B/pac rows instead of two).
        const both = this.forward(tf.concat([fp, rp], 0) as tf.Tensor2D, drop);
        const [yFake, yReal] = tf.split(both, 2, 0);
        const xhat = tf.add(tf.mul(rp, alpha), tf.mul(fp, tf.sub(1, alpha))) as tf.Tensor2D;
        const [g] = tf.grads((u: tf.Tensor) => tf.sum(this.forward(u as tf.Tensor2D, drop)))([xhat]);
        const norm = tf.sqrt(tf.sum(tf.square(g), 1));
        const pen = tf.mul(tf.mean(tf.square(tf.sub(norm, 1))), this.o.lambda);
        penalty = (pen.dataSync() as Float32Array)[0];
        return tf.add(tf.sub(tf.mean(yFake), tf.mean(yReal)), pen) as tf.Scalar;
      },
      true,
      this.net.variables,
    );
    const value = loss ? (loss.dataSync() as Float32Array)[0] : NaN;
    loss?.dispose();
    tf.dispose([fake, real, alpha]);
    this.sums.d += value - penalty;
    this.sums.pen += penalty;
    this.sums.count += 1;
    this.steps += 1;
    return true;
  }

  drainLosses(): Record<string, number> {
    const c = this.sums.count;
    const out: Record<string, number> = c > 0 ? { discriminator: this.sums.d / c, gradientPenalty: this.sums.pen / c } : {};
    this.sums = { d: 0, pen: 0, count: 0 };
    return out;
  }

  finish(_ledger: Ledger): Partial<FitReport> {
    return { steps: this.steps, pac: this.o.pac };
  }

  dispose(): void {
    this.net.dispose();
    this.opt.dispose();
  }
}

/**
 * Inverted-dropout mask [rows, cols]: 0 with probability `rate`, else 1/(1 − rate). One 32-bit draw per
 * element (rate 0.5: one bit per element) — the generic Dropout layer spends two draws on a 53-bit double.
 */
export function dropoutMask(rows: number, cols: number, rate: number, rng: Rng): tf.Tensor2D {
  const n = rows * cols;
  const m = new Float32Array(n);
  const keep = 1 / (1 - rate);
  if (rate === 0.5) {
    for (let i = 0; i < n; i += 32) {
      const bits = rng.nextUint32();
      const end = Math.min(32, n - i);
      for (let b = 0; b < end; b++) m[i + b] = (bits >>> b) & 1 ? keep : 0;
    }
  } else {
    const thr = (1 - rate) * 4294967296;
    for (let i = 0; i < n; i++) m[i] = rng.nextUint32() < thr ? keep : 0;
  }
  return tf.tensor2d(m, [rows, cols]);
}
