/**
 * `ctgan` — Xu et al. 2019 (CTGAN), privacy plugged in (DESIGN.md §3; one training loop, never a copy per
 * variant):
 *   ctgan     = mechanism none : PacGAN critic (pac 10) with WGAN-GP on training-by-sampling batches
 *                                (ctgan-critic.ts) — the reference algorithm;
 *   dpctgan   = ctgan + dpsgd  : the critic is the shared DP-SGD discriminator (critics.ts; pac 1, BCE as
 *                                smartnoise's default "cross_entropy"): real rows Poisson-sampled, each with a
 *                                condition from its own categories, clipped and noised; σ calibrated from the ε
 *                                left after preprocessing; training stops before the budget is exceeded;
 *   patectgan = ctgan + pate   : the shared PATE critic (critics-pate.ts): teachers on disjoint partitions, each
 *                                its own parameters, a separate student on noisy votes (not smartnoise's single
 *                                module serving as student and every teacher: defaults.md §2.4).
 * Modes and category frequencies are exact without privacy, and paid for (noisy histograms) or declared
 * public under DP (ctgan-prep.ts).
 *
 * Generator (defaults.md §2.1, ctgan.py:65-98): z ~ N(0, 1)^128 ⊕ cond → Residual(256) → Residual(256) → Linear,
 * Residual = Linear → BatchNorm → ReLU concatenated with its input; tanh on α, Gumbel-softmax τ = 0.2 on every
 * one-hot span; loss −mean D(G(z ⊕ c) ⊕ c) + cross-entropy of the conditioned column. Adam lr 2e-4, betas
 * (0.5, 0.9), weight decay 1e-6 for both networks; batch 500; 300 epochs of max(n // 500, 1) steps.
 *
 * Sampling draws each category from the generator's softmax (the reference's Gumbel-max argmax is such a
 * draw), conditions from the original frequencies (each column's marginal is reproduced when the generator
 * respects its condition; `sample_cond: log-frequency` replays the training distribution), rounds integer
 * columns and clips to declared bounds. `sampleConditional` fixes a category through the conditional vector
 * (no rejection loop).
 */
import { z } from 'zod';
import { backendInfo } from '../compute/backend.ts';
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { Table } from '../data/table.ts';
import type { ModeSpecificEncoder } from '../data/transform/mode-specific.ts';
import { createOptimizer } from '../nn/optim.ts';
import { Dense } from '../privacy/dpnet.ts';
import { appendCond, type CondDraw, type CondSampler, RowsByCategory } from './condvec.ts';
import { PacCritic } from './ctgan-critic.ts';
import { prepareCtgan } from './ctgan-prep.ts';
import { DiscriminatorCritic, type Critic, type CriticData } from './critics.ts';
import { PateCritic } from './critics-pate.ts';
import { pateCriticOptions, pateOptionFields } from './pate-options.ts';
import { generatorFamily } from './options.ts';
import type { FitOptions, FitReport, Generator, Mechanism } from './types.ts';

const int = z.number().int();

export const ctganOptionsSchema = z.strictObject({
  epochs: z.number().positive().default(300).describe('Passes of max(n // batch_size, 1) steps (ctgan.py:387; CTGAN default 300: defaults.md §2.1).'),
  batch_size: int.min(2).default(500).describe('Rows per step (CTGAN 500, even and a multiple of pac).'),
  embedding_dim: int.positive().default(128).describe('Latent noise width (CTGAN embedding_dim=128).'),
  generator_dim: z.array(int.positive()).default([256, 256]).describe('Residual layer widths (CTGAN (256, 256)).'),
  discriminator_dim: z.array(int.positive()).default([256, 256]).describe('Critic hidden widths (CTGAN (256, 256)).'),
  generator_lr: z.number().positive().default(2e-4),
  generator_decay: z.number().min(0).default(1e-6).describe('Adam weight decay of the generator (CTGAN 1e-6).'),
  discriminator_lr: z.number().positive().default(2e-4),
  discriminator_decay: z.number().min(0).default(1e-6),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.5, 0.9]).describe('Adam betas (ctgan.py:364,371).'),
  discriminator_steps: int.positive().default(1).describe('Critic steps per generator step (CTGAN 1 "to match original CTGAN").'),
  log_frequency: z.boolean().default(true).describe('Training-by-sampling draws categories ∝ log(count + 1) (CTGAN default).'),
  pac: int.positive().optional().describe('Rows per critic input (PacGAN). Default 10 without privacy (CTGAN), 1 under dpsgd/pate (smartnoise).'),
  loss: z
    .enum(['wgan-gp', 'bce', 'wgan'])
    .optional()
    .describe('Critic loss. Default wgan-gp without privacy (CTGAN); bce under dpsgd/pate (smartnoise "cross_entropy"); wgan = weight clipping (DP-compatible).'),
  gradient_penalty: z.number().min(0).default(10).describe('WGAN-GP λ (ctgan.py:35 lambda_=10).'),
  tau: z.number().positive().default(0.2).describe('Gumbel-softmax temperature for every one-hot span (ctgan.py _apply_activate).'),
  leak: z.number().min(0).default(0.2).describe('Critic LeakyReLU slope (CTGAN 0.2).'),
  dropout: z.number().min(0).lt(1).default(0.5).describe('Critic dropout (CTGAN 0.5).'),
  weight_clip: z.number().positive().default(0.01).describe('loss wgan: critic weight clipping bound.'),
  sample_cond: z
    .enum(['frequency', 'log-frequency'])
    .default('frequency')
    .describe('Conditions at sampling time: original frequencies (reproduces marginals) or the training (log-)frequencies.'),
  max_modes: int.positive().default(10).describe('Most GMM modes per continuous column (CTGAN max_clusters 10).'),
  weight_threshold: z.number().min(0).lt(1).default(0.005).describe('Modes with weight ≤ this are dropped (CTGAN 0.005).'),
  // ---- privacy: preprocessing ----
  preprocessing: z
    .enum(['noisy', 'fixed', 'public'])
    .default('noisy')
    .describe('DP only: modes/frequencies from noisy histograms (paid), from the declared bounds (free, data-independent), or declared public.'),
  preprocessor_eps: z.number().gt(0).lt(1).default(0.1).describe('DP only: share of ε spent on the noisy histograms (smartnoise charged 10% for frequencies).'),
  histogram_bins: int.min(2).default(64).describe('DP only: histogram cells per continuous column over its declared bounds.'),
  // ---- dpsgd ----
  sigma: z.number().positive().optional().describe('dpsgd noise multiplier; omitted = calibrated from the ε left after preprocessing (smartnoise fixes σ=5).'),
  max_grad_norm: z.number().positive().default(1).describe('dpsgd per-example clipping norm C (smartnoise 1.0).'),
  clip_generated: z.boolean().default(true).describe('dpsgd: clip generated rows too (Opacus semantics).'),
  // ---- pate ---- (shared with gan: critics-pate.ts says why each default matters)
  ...pateOptionFields({ teacherWarmup: 100, iterations: 300 }),
});

export type CtganOptions = z.infer<typeof ctganOptionsSchema>;

/** CTGAN's generator: Residual blocks (Linear → BatchNorm → ReLU, output ⊕ input) and a final Linear. */
export class ResidualGenerator {
  readonly blocks: { fc: Dense; gamma: tf.Variable; beta: tf.Variable }[] = [];
  readonly out: Dense;
  readonly inputDim: number;

  constructor(inputDim: number, dims: number[], outDim: number, rng: Rng) {
    this.inputDim = inputDim;
    let dim = inputDim;
    dims.forEach((h, i) => {
      this.blocks.push({
        fc: new Dense(`generator/res${i}`, dim, h, rng.fork(`res${i}`)), // PyTorch Linear init
        gamma: tf.variable(tf.ones([h]), true, `generator/bn${i}/gamma#${++counter}`),
        beta: tf.variable(tf.zeros([h]), true, `generator/bn${i}/beta#${counter}`),
      });
      dim += h;
    });
    this.out = new Dense('generator/out', dim, outDim, rng.fork('out'));
  }

  get variables(): tf.Variable[] {
    return [...this.blocks.flatMap((b) => [...b.fc.variables, b.gamma, b.beta]), ...this.out.variables];
  }

  /**
   * Logits [rows, outDim]. BatchNorm1d with batch statistics (train mode — the reference also samples in train
   * mode, so running averages are never used), folded into one scale and shift per feature.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const b of this.blocks) {
      const zz = tf.fused.matMul({ a: h, b: b.fc.W as tf.Tensor2D, bias: b.fc.b });
      const { mean, variance } = tf.moments(zz, 0);
      const scale = tf.mul(b.gamma, tf.rsqrt(tf.add(variance, 1e-5))); // torch BatchNorm1d eps
      const y = tf.relu(tf.add(tf.mul(zz, scale), tf.sub(b.beta, tf.mul(mean, scale))));
      h = tf.concat([y, h], 1) as tf.Tensor2D;
    }
    return tf.fused.matMul({ a: h, b: this.out.W as tf.Tensor2D, bias: this.out.b }) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

let counter = 0;

/**
 * Output activations over the encoder's layout [α block][one-hot spans]: tanh on every α, softmax per span —
 * with Gumbel noise and temperature τ in training (ctgan.py _apply_activate: gumbel_softmax τ=0.2).
 */
export class CtganHead {
  readonly alphas: number;
  readonly widths: number[];
  readonly dim: number;

  constructor(encoder: ModeSpecificEncoder) {
    this.alphas = encoder.continuous;
    this.widths = encoder.spans.filter((s): s is Extract<typeof s, { kind: 'categorical' }> => s.kind === 'categorical').map((s) => s.width);
    this.dim = encoder.dim;
  }

  apply(logits: tf.Tensor2D, o: { gumbel?: Rng; tau?: number } = {}): tf.Tensor2D {
    const rows = logits.shape[0];
    const catDim = this.dim - this.alphas;
    const parts: tf.Tensor2D[] = [];
    if (this.alphas > 0) parts.push(tf.tanh(tf.slice(logits, [0, 0], [rows, this.alphas])) as tf.Tensor2D);
    if (catDim > 0) {
      let z = this.alphas > 0 ? (tf.slice(logits, [0, this.alphas], [rows, catDim]) as tf.Tensor2D) : logits;
      if (o.gumbel) {
        z = tf.div(tf.add(z, gumbelTensor(rows, catDim, o.gumbel)), o.tau ?? 1) as tf.Tensor2D;
      } else if (o.tau !== undefined && o.tau !== 1) z = tf.div(z, o.tau) as tf.Tensor2D;
      const spans = this.widths.length === 1 ? [z] : tf.split(z, this.widths, 1);
      for (const sp of spans) parts.push(tf.softmax(sp) as tf.Tensor2D);
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
  }
}

const U32 = 2.3283064365386963e-10; // 2^−32

/**
 * Uniforms strictly inside (0, 1) *as float32*: (k + ½)·2^−23 with a 23-bit k from one draw. Every value is
 * exactly representable, the largest is 1 − 2^−24 (a 32-bit (x + ½)·2^−32 rounds to 1.0 in float32 about
 * once in 2^25 draws, and −log(−log 1) = ∞ turns a Gumbel-softmax into NaN).
 */
export function fillUniform32(out: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = ((rng.nextUint32() >>> 9) + 0.5) * 1.1920928955078125e-7;
  return out;
}

/** Gumbel(0, 1) noise [rows, cols] = −log(−log u): uniforms from the Rng, the logs as two wasm kernels. */
export function gumbelTensor(rows: number, cols: number, rng: Rng): tf.Tensor2D {
  return tf.tidy(() => tf.neg(tf.log(tf.neg(tf.log(tf.tensor2d(fillUniform32(new Float32Array(rows * cols), rng), [rows, cols]))))) as tf.Tensor2D);
}

/** Standard normal draws (Box–Muller, both values used) from 32-bit uniforms. */
export function fillNormal32(out: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log((rng.nextUint32() + 0.5) * U32));
    const t = 2 * Math.PI * rng.nextUint32() * U32;
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** N(0, 1) tensor [rows, cols] by Box–Muller on uniforms from the Rng, computed by tensor kernels. */
export function normalTensor(rows: number, cols: number, rng: Rng): tf.Tensor2D {
  const n = rows * cols;
  const half = Math.ceil(n / 2);
  return tf.tidy(() => {
    const u = fillUniform32(new Float32Array(2 * half), rng);
    const u1 = tf.tensor1d(u.subarray(0, half));
    const u2 = tf.mul(tf.tensor1d(u.subarray(half)), 2 * Math.PI);
    const r = tf.sqrt(tf.mul(tf.log(u1), -2));
    const z = tf.concat([tf.mul(r, tf.cos(u2)), tf.mul(r, tf.sin(u2))]);
    return tf.reshape(n === 2 * half ? z : tf.slice(z, 0, n), [rows, cols]) as tf.Tensor2D;
  });
}

/** Cross-entropy of the conditioned column: −Σ cond ⊙ log softmax(span) / rows (ctgan.py _cond_loss). */
function condCrossEntropy(logits: tf.Tensor2D, cond: tf.Tensor2D, cs: CondSampler): tf.Scalar {
  const rows = logits.shape[0];
  const start = cs.columns[0].dataOffset;
  const block = tf.slice(logits, [0, start], [rows, cs.dim]) as tf.Tensor2D;
  const widths = cs.columns.map((c) => c.levels.length);
  const parts = widths.length === 1 ? [block] : tf.split(block, widths, 1);
  // tf.logSoftmax is a custom-gradient op: one node, no Max-gradient masks (first-order use only).
  const logp = parts.map((p) => tf.logSoftmax(p));
  const lp = logp.length === 1 ? logp[0] : tf.concat(logp, 1);
  return tf.div(tf.neg(tf.sum(tf.mul(cond, lp))), rows) as tf.Scalar;
}


export interface SampleCondition {
  column: string;
  value: string;
}

export class CtganGenerator implements Generator {
  readonly name = 'ctgan';
  readonly options: CtganOptions;
  private encoder?: ModeSpecificEncoder;
  private cond?: CondSampler;
  private head?: CtganHead;
  private G?: ResidualGenerator;
  private meta: Table['meta'] = {};
  private critic?: Critic;

  constructor(options: CtganOptions) {
    this.options = options;
  }

  /** Generator input z ⊕ cond for a draw. */
  private input(c: CondDraw | undefined, rows: number, rng: Rng): tf.Tensor2D {
    const zt = normalTensor(rows, this.options.embedding_dim, rng);
    if (!c || !this.cond || this.cond.dim === 0) return zt;
    return tf.concat([zt, tf.tensor2d(c.cond, [rows, this.cond.dim])], 1) as tf.Tensor2D;
  }

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const mech: Mechanism = opts.privacy.mechanism;
    if (mech !== 'none' && mech !== 'dpsgd' && mech !== 'pate') throw new Error(`ctgan: privacy mechanism "${mech}" is not supported (use none, dpsgd or pate)`);
    const dp = mech !== 'none';
    const n = train.nrows;
    if (n < 2) throw new Error('ctgan: the training table needs at least 2 rows');
    const pac = o.pac ?? (dp ? 1 : 10);
    const lossKind = o.loss ?? (dp ? 'bce' : 'wgan-gp');
    if (dp && pac !== 1) throw new Error(`ctgan (${mech}): pac must be 1 under ${mech} (DP batches are per-example); got pac=${pac}`);
    if (dp && lossKind === 'wgan-gp') throw new Error(`ctgan (${mech}): loss wgan-gp differentiates the critic per real row and cannot be clipped per example; use bce or wgan`);
    if (!dp && lossKind !== 'wgan-gp') throw new Error(`ctgan: loss "${lossKind}" is for the DP critics; the non-private critic is WGAN-GP (ctgan.py)`);
    if (o.batch_size % 2 !== 0) throw new Error(`ctgan: batch_size must be even (ctgan.py asserts it), got ${o.batch_size}`);
    if (!dp && o.batch_size % pac !== 0) throw new Error(`ctgan: batch_size (${o.batch_size}) must be a multiple of pac (${pac})`);
    this.dispose();
    this.meta = train.meta;
    const rng = opts.rng;

    const prep = prepareCtgan(train, rng.fork('prep'), opts.ledger, {
      private: dp,
      preprocessing: o.preprocessing,
      epsilonFraction: o.preprocessor_eps,
      bins: o.histogram_bins,
      conditional: true,
      logFrequency: o.log_frequency,
      maxModes: o.max_modes,
      weightThreshold: o.weight_threshold,
      owner: `ctgan (${mech})`,
    });
    const enc = prep.encoder;
    const cs = prep.cond!;
    this.encoder = enc;
    this.cond = cs;
    const real = enc.encode(train, rng.fork('encode'));
    const d = enc.dim;
    const head = new CtganHead(enc);
    this.head = head;
    const G = new ResidualGenerator(o.embedding_dim + cs.dim, o.generator_dim, d, rng.fork('generator-init'));
    this.G = G;
    const optG = createOptimizer({ name: 'adam', learningRate: o.generator_lr, betas: o.betas, weightDecay: o.generator_decay });
    const zRng = rng.fork('latent');
    const headRng = rng.fork('gumbel');
    const headOpts = { gumbel: headRng, tau: o.tau };
    const activated = (c: CondDraw, rows: number) => head.apply(G.apply(this.input(c, rows, zRng)), headOpts);

    const B = dp ? Math.min(o.batch_size, n - 1) : o.batch_size;
    const dOpt = { name: 'adam' as const, learningRate: o.discriminator_lr, betas: o.betas, weightDecay: o.discriminator_decay };
    const condRng = rng.fork('cond');
    const stepsPerEpoch = Math.max(Math.floor(n / o.batch_size), 1);
    let critic: Critic;
    let rounds: number;
    let roundsPerEpoch: number;
    if (!dp) {
      critic = new PacCritic(
        {
          real,
          n,
          dData: d,
          cond: cs,
          rows: new RowsByCategory(prep.codes, cs.columns.map((c) => c.levels.length)),
          generate: (c) => activated(c, c.col.length),
        },
        { hidden: o.discriminator_dim, pac, leak: o.leak, dropout: o.dropout, lambda: o.gradient_penalty, batchSize: B, optimizer: dOpt },
        rng.fork('critic'),
      );
      roundsPerEpoch = stepsPerEpoch;
      rounds = Math.max(1, Math.round(o.epochs * stepsPerEpoch));
    } else {
      // Real rows carry a condition drawn from their own categories; generated rows a condition drawn with the
      // (noisy) frequencies — the same distribution, so the critic cannot tell them apart by the condition alone.
      const gatherRng = rng.fork('gather');
      const width = d + cs.dim;
      const data: CriticData = {
        real,
        n,
        d: width,
        generate: (rows) =>
          tf.tidy(() => {
            const c = cs.sampleOriginal(rows, condRng);
            return appendCond(activated(c, rows), c, cs.dim);
          }),
        gather: (idx) => {
          const c = cs.ofRows(idx, prep.codes, gatherRng);
          const out = new Float32Array(idx.length * width);
          for (let i = 0; i < idx.length; i++) {
            out.set(real.subarray(idx[i] * d, idx[i] * d + d), i * width);
            out.set(c.cond.subarray(i * cs.dim, (i + 1) * cs.dim), i * width + d);
          }
          return tf.tensor2d(out, [idx.length, width]);
        },
      };
      const remaining = opts.ledger.remaining();
      const discriminator = {
        hidden: o.discriminator_dim,
        activation: 'leakyRelu' as const,
        dropout: o.dropout,
        loss: lossKind as 'bce' | 'wgan',
        weightClip: o.weight_clip,
        optimizer: dOpt,
        batchSize: B,
      };
      if (mech === 'dpsgd') {
        roundsPerEpoch = stepsPerEpoch;
        rounds = Math.max(1, Math.round(o.epochs * stepsPerEpoch));
        critic = new DiscriminatorCritic(data, discriminator, rng.fork('critic'), {
          clipNorm: o.max_grad_norm,
          clipGenerated: o.clip_generated,
          sigma: o.sigma,
          plannedSteps: rounds * o.discriminator_steps,
          epsilon: remaining.epsilon,
          delta: remaining.delta,
          accountant: opts.privacy.accountant,
        });
      } else {
        const schema = new Map((train.meta.schema ?? []).map((c) => [c.name, c]));
        const refRng = rng.fork('reference');
        // Public reference rows: uniform over the declared bounds and levels, encoded with the (released) modes.
        data.reference = (rows) => {
          const cols = train.columns.map((c) => {
            const lay = enc.columns.find((l) => l.name === c.name)!;
            if (c.kind === 'numeric') {
              const sc = schema.get(c.name)!;
              const values = Float64Array.from({ length: rows }, () => {
                const v = sc.min! + refRng.uniform() * (sc.max! - sc.min!);
                return c.integer ? Math.round(v) : v;
              });
              return { kind: 'numeric' as const, name: c.name, values, integer: c.integer };
            }
            const levels = lay.kind === 'discrete' ? lay.levels : [];
            return { kind: 'categorical' as const, name: c.name, levels, codes: Int32Array.from({ length: rows }, () => refRng.int(levels.length)) };
          });
          const t = new Table(cols, train.meta);
          const x = enc.encode(t, refRng.fork('encode'));
          const c = cs.ofRows(Int32Array.from({ length: rows }, (_, i) => i), enc.discreteCodes(t), refRng);
          const out = new Float32Array(rows * width);
          for (let i = 0; i < rows; i++) {
            out.set(x.subarray(i * d, (i + 1) * d), i * width);
            out.set(c.cond.subarray(i * cs.dim, (i + 1) * cs.dim), i * width + d);
          }
          return tf.tensor2d(out, [rows, width]);
        };
        const target = enc.discrete.find((c) => c.name === train.meta.target);
        if (target) data.targetSpan = { offset: target.offset, width: target.levels.length };
        critic = new PateCritic(
          data,
          pateCriticOptions(o, {
            n,
            student: { ...discriminator, optimizer: { ...dOpt, learningRate: o.student_lr ?? o.discriminator_lr } },
            targetSpan: data.targetSpan,
            numericOffsets: Array.from({ length: enc.continuous }, (_, i) => i),
            numericRange: [-1, 1], // mode-normalised values: the centred squares are then the plain squares
            ...remaining,
          }),
          rng.fork('critic'),
        );
        rounds = o.iterations;
        roundsPerEpoch = Math.max(1, Math.ceil(rounds / 200));
      }
    }

    this.critic = critic;
    const losses: Record<string, number[]> = {};
    let gSum = 0;
    let ceSum = 0;
    let gCount = 0;
    const record = () => {
      for (const [k, v] of Object.entries(critic.drainLosses())) (losses[k] ??= []).push(v);
      if (gCount > 0) {
        (losses.generator ??= []).push(gSum / gCount);
        (losses.conditionCrossEntropy ??= []).push(ceSum / gCount);
      }
      gSum = 0;
      ceSum = 0;
      gCount = 0;
    };
    const bce = critic.loss === 'bce';
    const gSteps = mech === 'pate' ? o.pate_generator_steps : 1;
    const gBatch = dp ? o.batch_size : B;
    let stopped = 'epochs';
    let done = 0;
    const tTrain = performance.now();
    try {
      outer: for (let r = 0; r < rounds; r++) {
        for (let s = 0; s < o.discriminator_steps; s++) {
          if (!critic.update()) {
            // The PATE critic may also stop for lack of signal (patience); it says why when it can.
            stopped = (critic as { stopReason?: string }).stopReason ?? 'budget';
            break outer;
          }
        }
        for (let gs = 0; gs < gSteps; gs++) {
          const c = cs.sampleTraining(gBatch, condRng);
          let ceValue = 0;
          const loss = optG.minimize(
            () => {
              const logits = G.apply(this.input(c, gBatch, zRng));
              const x = head.apply(logits, headOpts);
              const score = tf.reshape(critic.score(appendCond(x, c, cs.dim)), [-1]);
              // WGAN: −mean D(G(z)); BCE: non-saturating −log σ(D(G(z))) (smartnoise dpctgan label 1).
              const adv = bce ? tf.mean(tf.softplus(tf.neg(score))) : tf.neg(tf.mean(score));
              const ce = cs.dim > 0 ? condCrossEntropy(logits, tf.tensor2d(c.cond, [gBatch, cs.dim]), cs) : tf.scalar(0);
              ceValue = (ce.dataSync() as Float32Array)[0];
              return tf.add(adv, ce) as tf.Scalar;
            },
            true,
            G.variables,
          );
          const gValue = loss ? (loss.dataSync() as Float32Array)[0] : NaN;
          if (!Number.isFinite(gValue)) throw new Error(`ctgan: training diverged (non-finite generator loss at step ${r + 1}); lower generator_lr/discriminator_lr`);
          gSum += gValue;
          ceSum += ceValue;
          gCount += 1;
          loss?.dispose();
        }
        done = r + 1;
        if (done % roundsPerEpoch === 0) {
          record();
          opts.progress?.(done / roundsPerEpoch, rounds / roundsPerEpoch, dp && mech === 'pate' ? `iteration ${done}` : `epoch ${done / roundsPerEpoch}`);
          await new Promise((res) => setImmediate(res));
        }
      }
      if (gCount > 0) record();
      const trainSeconds = (performance.now() - tTrain) / 1000;
      const mechReport = critic.finish(opts.ledger);
      const epochs = mech === 'pate' ? undefined : (done * o.discriminator_steps) / stepsPerEpoch;
      const spent = opts.ledger.spent();
      return {
        ...mechReport,
        epochs,
        iterations: done,
        ...(dp ? { epsilon: spent.epsilon, trainingEpsilon: mechReport.epsilon, delta: spent.delta } : {}),
        ...prep.summary,
        modes: Object.fromEntries(enc.columns.flatMap((c) => (c.kind === 'continuous' ? [[c.name, c.normalizer.modes]] : []))),
        pac,
        loss: lossKind,
        losses,
        stopped,
        epochSeconds: mech === 'pate' ? undefined : trainSeconds / Math.max(1e-9, epochs ?? 1),
        seconds: (performance.now() - t0) / 1000,
        backend: backendInfo()?.name ?? tf.getBackend(),
        dimensions: { encoded: d, cond: cs.dim, latent: o.embedding_dim },
      };
    } finally {
      this.critic = undefined;
      critic.dispose();
      optG.dispose();
    }
  }

  /** The critic while `fit` runs (inspection, e.g. from a progress callback); undefined otherwise. */
  get trainingCritic(): Critic | undefined {
    return this.critic;
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    return this.generate(n, rng);
  }

  /** Rows with `column` = `value`: the conditional vector fixes the category (no rejection loop). */
  async sampleConditional(n: number, rng: Rng, condition: SampleCondition): Promise<Table> {
    return this.generate(n, rng, condition);
  }

  private async generate(n: number, rng: Rng, condition?: SampleCondition): Promise<Table> {
    const enc = this.encoder;
    const G = this.G;
    const cs = this.cond;
    const head = this.head;
    if (!enc || !G || !cs || !head) throw new Error('ctgan: sample() called before fit()');
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`ctgan: number of rows must be a non-negative integer, got ${n}`);
    const B = this.options.batch_size;
    const d = enc.dim;
    const out = new Float32Array(n * d);
    const zRng = rng.fork('latent');
    const cRng = rng.fork('cond');
    if (condition) cs.fixed(1, condition.column, condition.value); // validates column and level up front
    for (let start = 0; start < n; start += B) {
      // Whole batches, as the reference (batch statistics in BatchNorm), then truncated.
      const rows = Math.min(B, n - start);
      const c = condition ? cs.fixed(B, condition.column, condition.value) : this.options.sample_cond === 'frequency' ? cs.sampleOriginal(B, cRng) : cs.sampleTraining(B, cRng);
      const part = tf.tidy(() => head.apply(G.apply(this.input(c, B, zRng))));
      out.set((part.dataSync() as Float32Array).subarray(0, rows * d), start * d);
      part.dispose();
      await new Promise((res) => setImmediate(res));
    }
    let t = enc.decode(out, n, { sample: rng.fork('decode') });
    if (condition) t = forceLevel(t, condition);
    return t.withMeta(this.meta);
  }

  dispose(): void {
    this.G?.dispose();
    this.G = undefined;
  }
}

/** The conditioned column set to the requested level in every row (the generator was conditioned on it). */
function forceLevel(t: Table, c: SampleCondition): Table {
  const cols = t.columns.map((col) => {
    if (col.name !== c.column || col.kind !== 'categorical') return col;
    const k = col.levels.indexOf(c.value);
    return { ...col, codes: new Int32Array(col.codes.length).fill(k) };
  });
  return new Table(cols, t.meta);
}

export const [ctganInfo, dpctganInfo, patectganInfo] = generatorFamily(
  ctganOptionsSchema,
  (o) => new CtganGenerator(o),
  {
    name: 'ctgan',
    description: 'CTGAN (Xu et al. 2019): mode-specific normalisation, conditional vector + training-by-sampling, residual generator, PacGAN WGAN-GP critic; privacy via dpsgd or pate.',
    mechanisms: ['none', 'dpsgd', 'pate'],
  },
  [
    {
      name: 'dpctgan',
      description: 'ctgan + DP-SGD on the critic (pac 1, BCE; smartnoise DPCTGAN), noisy histograms for modes and frequencies.',
      mechanism: 'dpsgd',
    },
    {
      name: 'patectgan',
      description: 'ctgan + PATE (smartnoise PATECTGAN without its shared-module quirk): teachers on disjoint partitions, separate student.',
      mechanism: 'pate',
    },
  ],
);
