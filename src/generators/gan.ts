/**
 * `gan` — the MLP GAN for mixed tables, with privacy plugged in (DESIGN.md §3):
 *   gan      = mechanism none : discriminator on real vs generated batches;
 *   dpgan    = gan + dpsgd    : the same discriminator trained with DP-SGD (only real rows clipped/noised);
 *   pategan  = gan + pate     : Jordon et al. 2019 Alg. 1 — teachers on disjoint partitions, a student trained
 *                               on noisy teacher answers about generated rows, the generator against the student
 *                               (defaults: pair queries, bounded score votes, one centroid teacher per row;
 *                               critics-pate.ts says why — the paper's choices leave Adult near chance).
 * One training loop for all three: the mechanism only chooses the critic (critics.ts, critics-pate.ts).
 *
 * Encoding: numerics min-max scaled with declared (public) bounds, categoricals one-hot (encoding.ts);
 * the generator's head applies sigmoid to numerics and softmax/Gumbel-softmax per one-hot block. Sampling
 * draws each categorical from the generated probabilities, rounds integer columns and clips to the bounds.
 *
 * Conditional on the target (default): the label is drawn from its frequencies (Laplace-noised and paid under
 * DP) and fed to the generator, and the discriminator sees each row crossed with its label. Measured on Adult
 * (logistic-regression TSTR AUC on adult-test, seeds 1/4/6): the unconditional 8-epoch gan scored .49–.85
 * and invented 2–50 % positives; conditional + label-cross at 20 epochs .82–.83 with the true 24 %. dpgan
 * with smartnoise-like settings (batch 128, d→2d/3→d/3 discriminator) stayed near .5 even at ε = 100: the
 * noise norm (σC/B·√params) swamped the clipped signal; batch 1024 and a [64] discriminator give .73–.81 at
 * every ε from 0.1 to 100. The label inputs of the generator start at zero: untrained it ignores the label
 * (random label weights alone scored TSTR AUC .29–.76 over seeds, which looked like — or inverted — utility),
 * and its sampling weights are a bias-corrected average of the iterates (EMA).
 */
import { z } from 'zod';
import { backendInfo } from '../compute/backend.ts';
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import type { Table } from '../data/table.ts';
import type { MixedHead } from '../nn/heads.ts';
import { createOptimizer, mlpSpecs, step } from '../nn/index.ts';
import { DenseNet, type Activation } from '../privacy/dpnet.ts';
import { noisyFrequencies } from '../privacy/primitives.ts';
import { crossWithLabel, DiscriminatorCritic, type Critic, type CriticData } from './critics.ts';
import { PateCritic } from './critics-pate.ts';
import { pateCriticOptions, pateOptionFields } from './pate-options.ts';
import { GanEncoding } from './encoding.ts';
import { generatorFamily } from './options.ts';
import type { FitOptions, FitReport, Generator, Mechanism } from './types.ts';

const int = z.number().int();
const activation = z.enum(['relu', 'leakyRelu', 'tanh', 'elu']);

export const ganOptionsSchema = z.strictObject({
  // ---- shared ----
  epochs: z.number().positive().optional().describe(
    'gan/dpgan: passes over the real rows (discriminator steps = epochs·n/batch_size). Default 20 for gan, 10 for dpgan (fewer ' +
      'steps → less noise per step for the same ε). smartnoise trains 1000 epochs at batch 64 (defaults.md §2.3); the defaults ' +
      'here fit ≈1 min per Adult cell on 2 cores.',
  ),
  batch_size: int.min(2).optional().describe(
    'Rows per discriminator batch (expected size under Poisson sampling). Default 128 for gan; 1024 for dpgan — the noise per ' +
      'coordinate of the averaged gradient is σC/B, so DP-SGD wants large batches (Ponomareva et al. 2023, "How to DP-fy ML" §5). ' +
      'smartnoise 64, synthcity 200.',
  ),
  latent_dim: int.positive().default(64).describe('Latent noise width (smartnoise dpgan/pategan latent_dim=64).'),
  generator_dims: z.array(int.positive()).default([128, 128]).describe('Hidden widths of the generator MLP.'),
  generator_activation: activation.default('relu'),
  generator_layer_norm: z.boolean().default(true).describe('Layer norm before each generator activation (smartnoise dpgan generator uses LayerNorm).'),
  discriminator_dims: z
    .array(int.positive())
    .optional()
    .describe(
      'Hidden widths of the discriminator / PATE student. Default [⌈2d/3⌉, ⌈d/3⌉] as smartnoise (d→2d/3→d/3→1); dpgan [64]: ' +
        'the noise norm grows with √(parameters), so a private discriminator is kept small; pategan with student_input = teacher: [] (linear).',
    ),
  discriminator_activation: activation.default('leakyRelu').describe('smartnoise: LeakyReLU(0.2).'),
  discriminator_dropout: z.number().min(0).lt(1).default(0),
  generator_lr: z.number().positive().default(1e-3).describe('Adam lr of the generator (synthcity lr=1e-3; smartnoise 1e-4 over 1000 epochs).'),
  discriminator_lr: z.number().positive().default(1e-3).describe('Adam lr of the discriminator / student (synthcity 1e-3; smartnoise dpgan 4e-4).'),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.5, 0.999]).describe('Adam betas (synthcity (0.5, 0.999)).'),
  loss: z.enum(['bce', 'wgan']).default('bce').describe('bce (smartnoise dpgan) or wgan with weight clipping (original PATE-GAN student).'),
  weight_clip: z.number().positive().default(0.01).describe('WGAN weight clipping bound (original PATE-GAN ±0.01).'),
  categorical: z.enum(['softmax', 'gumbel']).default('gumbel').describe('Head of one-hot blocks in training.'),
  tau: z.number().positive().default(0.2).describe('Gumbel-softmax temperature (CTGAN 0.2).'),
  numeric: z.enum(['sigmoid', 'tanh']).default('sigmoid').describe('Numeric head: sigmoid on [0,1] min-max (original PATE-GAN) or tanh on [−1,1].'),
  discriminator_steps: int.positive().default(1).describe('Discriminator steps per generator step (gan/dpgan).'),
  generator_ema: z.number().min(0).lt(1).default(0.99).describe(
    'Exponential moving average of the generator weights used for sampling (0 = last iterate); damps GAN oscillation.',
  ),
  generator_steps: int.positive().default(1).describe('gan/dpgan: generator steps per discriminator round.'),
  conditional: z.enum(['target', 'none']).default('target').describe(
    'target: a conditional GAN on the target column (Mirza & Osindero 2014; DP-CGAN, Torkzadehmahani et al. 2019) — the label is ' +
      'drawn from its (noisy, under DP) frequencies and fed to the generator, which produces the other columns; none: the ' +
      'unconditional generator of the original PATE-GAN / smartnoise (it must invent the label too and often collapses it).',
  ),
  discriminator_view: z.enum(['label-cross', 'row']).default('label-cross').describe(
    'What the discriminator / PATE student sees: label-cross = the row crossed with the target one-hot (one first-layer model ' +
      'per class: it judges whether the columns fit the label); row = the encoded row (smartnoise, original PATE-GAN).',
  ),
  label_epsilon_share: z.number().gt(0).lt(1).default(0.05).describe(
    'Under DP with conditional = target: share of the cell\'s ε spent on the Laplace-noised target frequencies (smartnoise charged 10% for frequencies).',
  ),
  // ---- dpsgd ----
  sigma: z.number().positive().optional().describe('dpsgd noise multiplier; omitted = calibrated from the target ε for the planned steps.'),
  clip_generated: z.boolean().default(true).describe('dpsgd: clip generated rows too (Opacus semantics; balances real vs generated; not needed for privacy).'),
  max_grad_norm: z.number().positive().default(1).describe('dpsgd per-example clipping norm C (smartnoise 1.0; a constant, never set from data).'),
  // ---- pate ---- (shared with ctgan: critics-pate.ts says why each default matters)
  // gan's PATE defaults (critics-pate.ts header: why, and what each was measured to do on Adult): exact
  // nearest-centroid teachers, one per row; pair queries; every teacher votes its clipped score difference and the
  // noisy mean is released (Gaussian, σ calibrated for iterations × query_batch queries); a linear student on the
  // teachers' features (with 16 hat functions per numeric) regresses it. ctgan keeps the paper-like shared defaults.
  ...pateOptionFields({
    teacherWarmup: 300,
    iterations: 400,
    teacherRows: 1,
    lambda: 0.05,
    teacherSteps: 5,
    teacherLr: 0.02,
    referenceShare: 0,
    voteThreshold: 'median',
    studentInput: 'teacher',
    generatorSteps: 1,
    queries: 'pairs',
    aggregator: 'gnmax',
    labels: 'scores',
    voteScale: 2,
    teacher: 'centroid',
    teacherKnots: 16,
    queryBatch: 256,
    queryScreen: 1,
    studentSteps: 50,
    studentLr: 0.01,
    replay: 2,
  }),
  keep_best: z.boolean().default(false).describe(
    'pategan: sample from the generator of the round where the share of its queries voted "real" peaked (released labels only). ' +
      'Off by default: with median votes that share is ≈ ½ by construction and says nothing.',
  ),
});

export type GanOptions = z.infer<typeof ganOptionsSchema>;

export class GanGenerator implements Generator {
  readonly name = 'gan';
  readonly options: GanOptions;
  private encoding?: GanEncoding;
  private generator?: DenseNet;
  private meta: Table['meta'] = {};
  /** Conditional generator: the target's one-hot block and the label frequencies drawn from. */
  private label?: { span: { offset: number; width: number }; probs: Float64Array };

  constructor(options: GanOptions) {
    this.options = options;
  }

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const mech: Mechanism = opts.privacy.mechanism;
    if (mech !== 'none' && mech !== 'dpsgd' && mech !== 'pate') {
      throw new Error(`gan: privacy mechanism "${mech}" is not supported (use none, dpsgd or pate)`);
    }
    const dp = mech !== 'none';
    if (train.nrows < 2) throw new Error('gan: the training table needs at least 2 rows');
    this.dispose();
    this.meta = train.meta;
    const enc = GanEncoding.fit(train, { numeric: o.numeric, requirePublicSchema: dp, owner: `gan (${mech})` });
    this.encoding = enc;
    if (dp) opts.ledger.public('gan encoding: declared column bounds and levels (schema)');
    const real = enc.encode(train);
    const n = train.nrows;
    const d = enc.d;
    const rng = opts.rng;
    const label = this.fitLabel(enc, real, n, train.meta.target, opts);

    const G = new DenseNet('generator', o.latent_dim + (label?.span.width ?? 0), mlpSpecs(o.generator_dims, d, { activation: o.generator_activation as Activation, layerNorm: o.generator_layer_norm }), rng.fork('generator-init'));
    this.generator = G;
    if (label) zeroLabelInputs(G, o.latent_dim, label.span.width);
    const optG = createOptimizer({ name: 'adam', learningRate: o.generator_lr, betas: o.betas });
    const latentRng = rng.fork('latent');
    const headRng = rng.fork('head');
    const headOpts = { categorical: o.categorical, tau: o.tau, rng: headRng } as const;
    const labelRng = rng.fork('labels');
    const forwardG = (rows: number) => this.forward(rows, latentRng, labelRng, headOpts);
    const refRng = rng.fork('reference');
    const targetSpan = enc.targetSpan(train.meta.target);
    const data: CriticData = {
      real,
      n,
      d,
      generate: (rows) => tf.tidy(() => forwardG(rows)),
      reference: (rows) => tf.tensor2d(enc.uniformRows(rows, refRng), [rows, d]),
      targetSpan,
      perturb: (x, rows, r) => enc.perturbRows(x, rows, r, targetSpan?.offset),
      view:
        o.discriminator_view === 'label-cross' && targetSpan
          ? { dim: d * targetSpan.width, apply: (x) => crossWithLabel(x, tf.slice(x, [0, targetSpan.offset], [-1, targetSpan.width]) as tf.Tensor2D) }
          : undefined,
    };

    const remaining = opts.ledger.remaining();
    const dpsgd = mech === 'dpsgd';
    const batchSize = o.batch_size ?? (dpsgd ? 1024 : 128);
    const epochs = o.epochs ?? (dpsgd ? 10 : 20);
    const discriminator = {
      // A PATE student on the teachers' inputs is linear by default: the same form as the (logistic) teachers.
      hidden: o.discriminator_dims ?? (dpsgd ? [64] : mech === 'pate' && o.student_input === 'teacher' ? [] : [Math.ceil((2 * d) / 3), Math.ceil(d / 3)]),
      activation: o.discriminator_activation as Activation,
      dropout: o.discriminator_dropout,
      loss: o.loss,
      weightClip: o.weight_clip,
      optimizer: { name: 'adam' as const, learningRate: mech === 'pate' ? (o.student_lr ?? o.discriminator_lr) : o.discriminator_lr, betas: o.betas },
      batchSize: Math.min(batchSize, dpsgd ? n - 1 : n),
    };
    let critic: Critic;
    let rounds: number;
    let roundsPerEpoch: number;
    let dSteps = 1;
    let gSteps = 1;
    if (mech === 'pate') {
      critic = new PateCritic(
        data,
        pateCriticOptions(o, { n, student: discriminator, targetSpan: data.targetSpan, numericOffsets: enc.numericColumns(), numericRange: [o.numeric === 'tanh' ? -1 : 0, 1], ...remaining }),
        rng.fork('critic'),
      );
      rounds = o.iterations;
      roundsPerEpoch = Math.max(1, Math.ceil(rounds / 200));
      gSteps = o.pate_generator_steps;
    } else {
      const B = discriminator.batchSize;
      roundsPerEpoch = Math.max(1, Math.round(n / B / o.discriminator_steps));
      rounds = Math.max(1, Math.round(epochs * roundsPerEpoch));
      dSteps = o.discriminator_steps;
      gSteps = o.generator_steps;
      const dpSettings =
        mech === 'dpsgd'
          ? {
              clipNorm: o.max_grad_norm,
              clipGenerated: o.clip_generated,
              sigma: o.sigma,
              plannedSteps: rounds * dSteps,
              epsilon: remaining.epsilon,
              delta: remaining.delta,
              accountant: opts.privacy.accountant,
            }
          : undefined;
      critic = new DiscriminatorCritic(data, discriminator, rng.fork('critic'), dpSettings);
    }

    // Shadow weights (EMA) for sampling: the last iterate of a GAN oscillates; its average does much less.
    // Bias-corrected like Adam's moments (weight of step t ∝ β^(T−t), normalised over the steps taken): a run the
    // budget stops after 100 steps would otherwise sample from weights that are still 37 % the random init.
    const ema = o.generator_ema > 0 ? G.variables.map((v) => tf.variable(v.clone(), false)) : [];
    let emaMass = 0;
    const updateEma = () => {
      emaMass = o.generator_ema * emaMass + (1 - o.generator_ema);
      const a = (1 - o.generator_ema) / emaMass;
      ema.forEach((e, i) => {
        const next = tf.tidy(() => tf.add(tf.mul(e, 1 - a), tf.mul(G.variables[i], a)));
        e.assign(next);
        next.dispose();
      });
    };
    const losses: Record<string, number[]> = {};
    let gSum = 0;
    let gCount = 0;
    const record = () => {
      for (const [k, v] of Object.entries(critic.drainLosses())) (losses[k] ??= []).push(v);
      if (gCount > 0) (losses.generator ??= []).push(gSum / gCount);
      gSum = 0;
      gCount = 0;
    };
    // pategan: the share of generated queries the teachers voted "real" (released, so free to use) tracks
    // how convincing the generator is; keep the weights where its running mean peaked (post-processing).
    let smoothed: number | undefined;
    let best: { score: number; weights: tf.Tensor[]; round: number } | undefined;
    let stopped = 'epochs';
    let done = 0;
    const B = discriminator.batchSize;
    try {
      outer: for (let r = 0; r < rounds; r++) {
        for (let s = 0; s < dSteps; s++) {
          if (!critic.update()) {
            stopped = critic.stopReason ?? 'budget';
            break outer;
          }
        }
        for (let s = 0; s < gSteps; s++) {
          const { value, grads } = tf.variableGrads(() => {
            const score = tf.reshape(critic.score(forwardG(B)), [-1]);
            // Non-saturating −log σ(D(G(z))) (Goodfellow et al. 2014), or −D(G(z)) for WGAN.
            return (critic.loss === 'wgan' ? tf.neg(tf.mean(score)) : tf.mean(tf.softplus(tf.neg(score)))) as tf.Scalar;
          }, G.variables);
          gSum += (value.dataSync() as Float32Array)[0];
          gCount += 1;
          value.dispose();
          step(optG, grads);
          updateEma();
        }
        done = r + 1;
        const sig = critic.signal?.();
        if (sig !== undefined && o.keep_best) {
          smoothed = smoothed === undefined ? sig : 0.7 * smoothed + 0.3 * sig;
          if (best === undefined || smoothed > best.score) {
            const weights = (ema.length > 0 ? ema : G.variables).map((v) => tf.keep(v.clone()));
            if (best) tf.dispose(best.weights);
            best = { score: smoothed, weights, round: done };
          }
        }
        if (done % roundsPerEpoch === 0) {
          record();
          opts.progress?.(done, rounds, `${critic.constructor === PateCritic ? 'iteration' : 'step'} ${done}`);
          await new Promise((res) => setImmediate(res));
        }
      }
      if (gCount > 0) record();
      const mechReport = critic.finish(opts.ledger);
      const epochs = mech === 'pate' ? undefined : (done * dSteps) / Math.max(1, n / B);
      return {
        epochs,
        iterations: done,
        ...mechReport,
        losses,
        stopped,
        ...(best ? { keptRound: best.round } : {}),
        seconds: (performance.now() - t0) / 1000,
        backend: backendInfo()?.name ?? tf.getBackend(),
        dimensions: { encoded: d, latent: o.latent_dim },
        conditional: label ? train.meta.target : 'none',
      };
    } finally {
      ema.forEach((e, i) => G.variables[i].assign(e));
      if (best) {
        best.weights.forEach((w, i) => G.variables[i].assign(w));
        tf.dispose(best.weights);
      }
      tf.dispose(ema);
      critic.dispose();
      optG.dispose();
    }
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    const enc = this.encoding;
    const G = this.generator;
    if (!enc || !G) throw new Error('gan: sample() called before fit()');
    const chunk = 4096;
    const out = new Float32Array(n * enc.d);
    const zRng = rng.fork('latent');
    const labelRng = rng.fork('labels');
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const part = tf.tidy(() => this.forward(rows, zRng, labelRng, { categorical: 'softmax' }));
      out.set(part.dataSync() as Float32Array, start * enc.d);
      part.dispose();
      await new Promise((res) => setImmediate(res));
    }
    return enc.decode(out, n, rng.fork('decode'), this.meta);
  }

  /**
   * Target frequencies for the conditional generator: exact without privacy, Laplace-noised (paid in the
   * ledger, add/remove sensitivity 1) under DP. Undefined when unconditional or the target is not categorical.
   */
  private fitLabel(enc: GanEncoding, real: Float32Array, n: number, target: string | undefined, opts: FitOptions): GanGenerator['label'] {
    this.label = undefined;
    const span = this.options.conditional === 'target' ? enc.targetSpan(target) : undefined;
    if (!span) return undefined;
    const counts = new Float64Array(span.width);
    for (let i = 0; i < n; i++) for (let k = 0; k < span.width; k++) counts[k] += real[i * enc.d + span.offset + k];
    let probs: Float64Array;
    if (opts.privacy.mechanism === 'none') {
      probs = counts.map((c) => c / n);
    } else {
      const epsilon = this.options.label_epsilon_share * opts.ledger.remaining().epsilon;
      probs = noisyFrequencies(counts, { mechanism: 'laplace', epsilon }, opts.rng.fork('label-noise'), opts.ledger, `target frequencies: ${target}`);
    }
    this.label = { span, probs };
    return this.label;
  }

  /** Generator rows [rows, d] through the head; with a conditional target the label block is the drawn label. */
  private forward(rows: number, zRng: Rng, labelRng: Rng, head: Parameters<MixedHead['apply']>[1]): tf.Tensor2D {
    const G = this.generator!;
    const enc = this.encoding!;
    const z = latent(rows, this.options.latent_dim, zRng);
    const label = this.label;
    if (!label) return enc.head.apply(G.apply(z), head);
    const { offset, width } = label.span;
    const Y = new Float32Array(rows * width);
    for (let i = 0; i < rows; i++) Y[i * width + labelRng.categorical(label.probs)] = 1;
    const y = tf.tensor2d(Y, [rows, width]);
    const x = enc.head.apply(G.apply(tf.concat([z, y], 1) as tf.Tensor2D), head);
    const d = enc.d;
    const parts = [...(offset > 0 ? [tf.slice(x, [0, 0], [rows, offset])] : []), y, ...(offset + width < d ? [tf.slice(x, [0, offset + width], [rows, d - offset - width])] : [])];
    return tf.concat(parts, 1) as tf.Tensor2D;
  }

  dispose(): void {
    this.label = undefined;
    this.generator?.dispose();
    this.generator = undefined;
  }
}

/**
 * Zero the first-layer weights of the label inputs: an untrained conditional generator then ignores the label.
 * With random weights its columns already depended on the label by chance — untrained, TSTR AUC .29–.76 over
 * seeds on Adult — so a run that learned nothing (budget spent before training) looked informative or inverted.
 * Training moves these weights as any other (the gradient reaches them through the hidden units).
 */
function zeroLabelInputs(G: DenseNet, latentDim: number, width: number): void {
  const W = G.paramLayers[0].variables[0];
  const [rows, cols] = W.shape as [number, number];
  const w = Float32Array.from(W.dataSync() as Float32Array);
  w.fill(0, latentDim * cols, (latentDim + width) * cols);
  const next = tf.tensor2d(w, [rows, cols]);
  W.assign(next);
  next.dispose();
}

function latent(rows: number, dim: number, rng: Rng): tf.Tensor2D {
  const z = new Float32Array(rows * dim);
  rng.fillNormal(z);
  return tf.tensor2d(z, [rows, dim]);
}

export const [ganInfo, dpganInfo, pateganInfo] = generatorFamily(
  ganOptionsSchema,
  (o) => new GanGenerator(o),
  {
    name: 'gan',
    description: 'MLP GAN for mixed tables (min-max/one-hot encoding, sigmoid + Gumbel-softmax heads); privacy via dpsgd or pate.',
    mechanisms: ['none', 'dpsgd', 'pate'],
  },
  [
    {
      name: 'dpgan',
      description: 'gan + DP-SGD on the discriminator (real rows Poisson-sampled, clipped and noised; σ calibrated from ε).',
      mechanism: 'dpsgd',
    },
    {
      name: 'pategan',
      description: 'gan + PATE (Jordon et al. 2019): teachers on disjoint partitions answer pair queries about generated rows; the student learns their noisy (Gaussian, calibrated) mean vote.',
      mechanism: 'pate',
    },
  ],
);
