/**
 * `tvae` — Xu et al. 2019 TVAE (defaults.md §2.1, ctgan/synthesizers/tvae.py:29-121), privacy plugged in:
 *   tvae    = mechanism none : Adam (lr 1e-3, weight decay l2scale 1e-5) on shuffled batches of 500;
 *   dp-tvae = tvae + dpsgd   : every parameter of the encoder AND the decoder sees real rows, so both are
 *                              trained with DP-SGD (per-example clipping by ghost norms over the two modules,
 *                              Gaussian noise, Poisson batches, σ calibrated from the ε left after the noisy
 *                              mode histograms; training stops before the budget is exceeded).
 *
 * Model: encoder d → 128 → 128 (ReLU) → μ, log σ² (latent 128); decoder 128 → 128 → 128 (ReLU) → d, and a
 * learned output σ per continuous column (init 0.1, clamped to [0.01, 1] after every step). Per row:
 *   loss = 2·[Σ_α ((α − tanh(r))²/(2σ²) + log σ) + Σ_spans CE(span)] + KL(q(z|x) ‖ N(0, I)),
 * with z = μ + exp(½ log σ²)·ε, ε drawn from the seeded Rng. The σ vector is a bias-free dense layer applied
 * to a column of ones, so the ghost-norm machinery clips its per-example gradient like any other weight.
 *
 * Sampling (as the reference): z ~ N(0, I) → decoder → tanh; α gets N(0, σ²) noise before the inverse, modes
 * and categories by argmax (`decode: sample` draws them from the softmax instead); integer columns rounded,
 * values clipped to the declared bounds.
 */
import { z } from 'zod';
import { backendInfo } from '../compute/backend.ts';
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import type { Table } from '../data/table.ts';
import type { ModeSpecificEncoder } from '../data/transform/mode-specific.ts';
import { createOptimizer } from '../nn/optim.ts';
import { DpsgdBudget } from '../privacy/budget.ts';
import { calibrateSigma } from '../privacy/calibrate.ts';
import { Dense, type DpModule, type ForwardContext, type ParamLayer } from '../privacy/dpnet.ts';
import { DpSgd, plainGradients, type RowLossFn } from '../privacy/dpsgd.ts';
import { seededGaussian } from '../privacy/noise.ts';
import { prepareCtgan } from './ctgan-prep.ts';
import { fillNormal32 } from './ctgan.ts';
import { generatorFamily } from './options.ts';
import type { FitOptions, FitReport, Generator, Mechanism } from './types.ts';

const int = z.number().int();

export const tvaeOptionsSchema = z.strictObject({
  epochs: z.number().positive().default(300).describe('Passes over the real rows (TVAE default 300: defaults.md §2.1).'),
  batch_size: int.min(2).default(500).describe('Rows per step (TVAE 500; expected size under DP-SGD Poisson sampling).'),
  embedding_dim: int.positive().default(128).describe('Latent width (TVAE embedding_dim=128).'),
  compress_dims: z.array(int.positive()).default([128, 128]).describe('Encoder hidden widths (TVAE (128, 128)).'),
  decompress_dims: z.array(int.positive()).default([128, 128]).describe('Decoder hidden widths (TVAE (128, 128)).'),
  l2scale: z.number().min(0).default(1e-5).describe('Adam weight decay (TVAE l2scale=1e-5).'),
  learning_rate: z.number().positive().default(1e-3).describe('Adam lr (torch default 1e-3, as TVAE).'),
  loss_factor: z.number().positive().default(2).describe('Weight of the reconstruction term (TVAE loss_factor=2).'),
  sigma_init: z.number().positive().default(0.1).describe('Initial output σ per continuous column (TVAE 0.1).'),
  decode: z.enum(['argmax', 'sample']).default('argmax').describe('Modes/categories at sampling: argmax (reference) or drawn from the softmax.'),
  max_modes: int.positive().default(10),
  weight_threshold: z.number().min(0).lt(1).default(0.005),
  // ---- privacy ----
  preprocessing: z.enum(['noisy', 'fixed', 'public']).default('noisy').describe('DP only: GMM modes from a noisy histogram (paid), the declared bounds (free) or declared public.'),
  preprocessor_eps: z.number().gt(0).lt(1).default(0.1).describe('DP only: share of ε spent on the noisy histograms.'),
  histogram_bins: int.min(2).default(64),
  sigma: z.number().positive().optional().describe('dpsgd noise multiplier; omitted = calibrated from the remaining ε for the planned steps.'),
  max_grad_norm: z.number().positive().default(1).describe('dpsgd per-example clipping norm C.'),
});

export type TvaeOptions = z.infer<typeof tvaeOptionsSchema>;

/** A DpModule made of explicit dense layers (the VAE's parts are not one sequential stack). */
class Layers implements DpModule {
  readonly paramLayers: ParamLayer[];
  readonly exampleMixingLayers: string[] = [];
  constructor(readonly dense: Dense[]) {
    this.paramLayers = dense;
  }
  get variables(): tf.Variable[] {
    return this.dense.flatMap((d) => d.variables);
  }
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function mlp(name: string, inDim: number, dims: number[], rng: Rng): Dense[] {
  let d = inDim;
  return dims.map((h, i) => {
    const l = new Dense(`${name}/${i}`, d, h, rng.fork(`${name}-${i}`), { activation: 'relu' });
    d = h;
    return l;
  });
}

/**
 * The VAE: encoder (ReLU MLP → μ, log σ²), decoder (ReLU MLP → d logits) and the output σ per continuous
 * column; two DpModules (encoder, decoder) for DP-SGD. `rowLoss` is the per-row TVAE loss.
 */
export class TvaeNet {
  readonly encBody: Dense[];
  readonly fcMu: Dense;
  readonly fcLv: Dense;
  readonly decBody: Dense[];
  readonly decOut: Dense;
  readonly sigma: Dense;
  readonly modules: [Layers, Layers];
  private readonly d: number;
  private readonly nAlpha: number;
  private readonly widths: number[];
  private readonly factor: number;

  constructor(enc: Pick<ModeSpecificEncoder, 'dim' | 'continuous' | 'spans'>, o: Pick<TvaeOptions, 'embedding_dim' | 'compress_dims' | 'decompress_dims' | 'sigma_init' | 'loss_factor'>, init: Rng) {
    const d = enc.dim;
    const L = o.embedding_dim;
    this.d = d;
    this.nAlpha = enc.continuous;
    this.widths = enc.spans.filter((s): s is Extract<typeof s, { kind: 'categorical' }> => s.kind === 'categorical').map((s) => s.width);
    this.factor = o.loss_factor;
    this.encBody = mlp('tvae-encoder', d, o.compress_dims, init);
    const hEnc = o.compress_dims.length ? o.compress_dims[o.compress_dims.length - 1] : d;
    this.fcMu = new Dense('tvae-encoder/mu', hEnc, L, init.fork('mu'));
    this.fcLv = new Dense('tvae-encoder/logvar', hEnc, L, init.fork('logvar'));
    this.decBody = mlp('tvae-decoder', L, o.decompress_dims, init);
    const hDec = o.decompress_dims.length ? o.decompress_dims[o.decompress_dims.length - 1] : L;
    this.decOut = new Dense('tvae-decoder/out', hDec, d, init.fork('out'));
    // σ as a bias-free dense layer on a constant 1: its per-example gradient is ghost-norm clippable.
    this.sigma = new Dense('tvae-decoder/sigma', 1, Math.max(1, this.nAlpha), init.fork('sigma'), { bias: false });
    tf.tidy(() => this.sigma.W.assign(tf.fill([1, Math.max(1, this.nAlpha)], o.sigma_init)));
    this.modules = [new Layers([...this.encBody, this.fcMu, this.fcLv]), new Layers([...this.decBody, this.decOut, this.sigma])];
  }

  /** Per-row loss of the rows x [rows, d], given the reparameterisation noise ε [rows, L] and a column of ones. */
  rowLoss(x: tf.Tensor2D, eps: tf.Tensor2D, ones: tf.Tensor2D): RowLossFn {
    const { d, nAlpha, widths } = this;
    const rows = x.shape[0];
    return (ctx?: ForwardContext) => {
      let h = x;
      for (const l of this.encBody) h = l.apply(h, ctx);
      const mu = this.fcMu.apply(h, ctx);
      const lv = this.fcLv.apply(h, ctx);
      const zz = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), eps)) as tf.Tensor2D;
      let g = zz;
      for (const l of this.decBody) g = l.apply(g, ctx);
      const rec = this.decOut.apply(g, ctx);
      const parts: tf.Tensor1D[] = [];
      if (nAlpha > 0) {
        const s = this.sigma.apply(ones, ctx); // [rows, nAlpha], identical rows
        const diff = tf.sub(tf.slice(x, [0, 0], [rows, nAlpha]), tf.tanh(tf.slice(rec, [0, 0], [rows, nAlpha])));
        parts.push(tf.sum(tf.add(tf.div(tf.square(diff), tf.mul(tf.square(s), 2)), tf.log(s)), 1) as tf.Tensor1D);
      }
      if (widths.length > 0) {
        const catX = tf.slice(x, [0, nAlpha], [rows, d - nAlpha]);
        const catR = tf.slice(rec, [0, nAlpha], [rows, d - nAlpha]);
        const rs = widths.length === 1 ? [catR] : tf.split(catR, widths, 1);
        const lp = tf.concat(rs.map((r) => tf.logSoftmax(r)), 1);
        parts.push(tf.neg(tf.sum(tf.mul(catX, lp), 1)) as tf.Tensor1D);
      }
      const recon = parts.length === 1 ? parts[0] : (tf.add(parts[0], parts[1]) as tf.Tensor1D);
      const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(1, lv), tf.square(mu)), tf.exp(lv)), 1), -0.5);
      return tf.add(tf.mul(recon, this.factor), kl) as tf.Tensor1D;
    };
  }

  dispose(): void {
    this.modules[0].dispose();
    this.modules[1].dispose();
  }
}

export class TvaeGenerator implements Generator {
  readonly name = 'tvae';
  readonly options: TvaeOptions;
  private encoder?: ModeSpecificEncoder;
  private decoder?: { body: Dense[]; out: Dense; sigma: Dense };
  private meta: Table['meta'] = {};

  constructor(options: TvaeOptions) {
    this.options = options;
  }

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const mech: Mechanism = opts.privacy.mechanism;
    if (mech !== 'none' && mech !== 'dpsgd') throw new Error(`tvae: privacy mechanism "${mech}" is not supported (use none or dpsgd)`);
    const dp = mech === 'dpsgd';
    const n = train.nrows;
    if (n < 2) throw new Error('tvae: the training table needs at least 2 rows');
    this.dispose();
    this.meta = train.meta;
    const rng = opts.rng;
    const prep = prepareCtgan(train, rng.fork('prep'), opts.ledger, {
      private: dp,
      preprocessing: o.preprocessing,
      epsilonFraction: o.preprocessor_eps,
      bins: o.histogram_bins,
      conditional: false,
      logFrequency: false,
      maxModes: o.max_modes,
      weightThreshold: o.weight_threshold,
      owner: `tvae (${mech})`,
    });
    const enc = prep.encoder;
    this.encoder = enc;
    const X = enc.encode(train, rng.fork('encode'));
    const d = enc.dim;

    const net = new TvaeNet(enc, o, rng.fork('init'));
    const sigma = net.sigma;
    this.decoder = { body: net.decBody, out: net.decOut, sigma };
    const modules = net.modules;
    const encoderModule = modules[0];
    const opt = createOptimizer({ name: 'adam', learningRate: o.learning_rate, weightDecay: o.l2scale });
    const L = o.embedding_dim;
    const eRng = rng.fork('reparameterisation');
    const clampSigma = () => {
      const c = tf.clipByValue(sigma.W, 0.01, 1); // tvae.py: sigma.data.clamp_(0.01, 1.0)
      sigma.W.assign(c);
      c.dispose();
    };
    /** The batch's rows and the step's constants (disposed with `dispose`). */
    const batch = (idx: ArrayLike<number>) => {
      const rows = idx.length;
      const out = new Float32Array(rows * d);
      for (let i = 0; i < rows; i++) out.set(X.subarray(idx[i] * d, idx[i] * d + d), i * d);
      const x = tf.tensor2d(out, [rows, d]);
      const eps = tf.tensor2d(fillNormal32(new Float32Array(rows * L), eRng), [rows, L]);
      const ones = tf.ones([rows, 1]) as tf.Tensor2D;
      return { loss: net.rowLoss(x, eps, ones), dispose: () => tf.dispose([x, eps, ones]) };
    };

    const losses: number[] = [];
    let stopped = 'epochs';
    let steps = 0;
    let report: Partial<FitReport> = {};
    const tTrain = performance.now();
    let epochsDone = 0;
    try {
      if (!dp) {
        const B = Math.min(o.batch_size, n);
        const perEpoch = Math.ceil(n / B); // DataLoader(shuffle=True, drop_last=False)
        const totalEpochs = Math.ceil(o.epochs);
        const bRng = rng.fork('batches');
        for (let e = 0; e < totalEpochs; e++) {
          const perm = bRng.permutation(n);
          const stepsThis = e + 1 === totalEpochs && o.epochs % 1 !== 0 ? Math.max(1, Math.round((o.epochs % 1) * perEpoch)) : perEpoch;
          let sum = 0;
          for (let s = 0; s < stepsThis; s++) {
            const idx = perm.subarray(s * B, Math.min(n, (s + 1) * B));
            const b = batch(idx);
            const { grads, lossSum } = plainGradients(modules, idx.length, b.loss, { normaliser: idx.length });
            opt.applyGradients(grads);
            tf.dispose(Object.values(grads));
            b.dispose();
            clampSigma();
            sum += lossSum / idx.length;
            steps++;
          }
          losses.push(sum / stepsThis);
          epochsDone = e + (stepsThis / perEpoch);
          opts.progress?.(e + 1, totalEpochs, `epoch ${e + 1}`);
          await new Promise((res) => setImmediate(res));
        }
      } else {
        const B = Math.min(o.batch_size, n - 1);
        const q = B / n;
        const perEpoch = Math.max(1, Math.round(n / B));
        const planned = Math.max(1, Math.round(o.epochs * perEpoch));
        const remaining = opts.ledger.remaining();
        const s = o.sigma ?? calibrateSigma({ q, steps: planned, epsilon: remaining.epsilon, delta: remaining.delta, accountant: opts.privacy.accountant }).sigma;
        const sgd = new DpSgd({ n, batchSize: B, clipNorm: o.max_grad_norm, noiseMultiplier: s, noise: seededGaussian(rng.fork('dp-noise')) });
        const budget = new DpsgdBudget({ q, sigma: s, epsilon: remaining.epsilon, delta: remaining.delta, accountant: opts.privacy.accountant, plannedSteps: planned });
        const bRng = rng.fork('batches');
        let sum = 0;
        let count = 0;
        let clipped = 0;
        while (steps < planned) {
          if (!budget.canStep()) {
            stopped = 'budget';
            break;
          }
          budget.step(); // counted before anything is released
          const idx = sgd.sampleBatch(bRng);
          const b = batch(idx);
          const r = sgd.gradients(modules, idx.length, b.loss);
          opt.applyGradients(r.grads);
          tf.dispose(Object.values(r.grads));
          b.dispose();
          clampSigma();
          clipped += r.clippedFraction;
          sum += idx.length > 0 ? r.lossSum / idx.length : 0;
          count++;
          steps++;
          if (steps % perEpoch === 0) {
            losses.push(sum / Math.max(1, count));
            sum = 0;
            count = 0;
            opts.progress?.(steps / perEpoch, planned / perEpoch, `epoch ${steps / perEpoch}`);
            await new Promise((res) => setImmediate(res));
          }
        }
        if (count > 0) losses.push(sum / count);
        epochsDone = steps / perEpoch;
        const entry = budget.entry('training: TVAE encoder + decoder DP-SGD', { clipNorm: o.max_grad_norm, batchSize: B });
        opts.ledger.spend(entry);
        const spent = opts.ledger.spent();
        // The cell's ε and δ (training plus the noisy histograms), the training entry's alongside.
        report = {
          ...budget.reportFields(entry, { clipNorm: o.max_grad_norm, clippedFraction: steps > 0 ? clipped / steps : 0 }),
          epsilon: spent.epsilon,
          trainingEpsilon: entry.epsilon,
          delta: spent.delta,
        };
      }
    } finally {
      opt.dispose();
      encoderModule.dispose();
    }
    const trainSeconds = (performance.now() - tTrain) / 1000;
    return {
      ...report,
      epochs: epochsDone,
      steps,
      ...prep.summary,
      modes: Object.fromEntries(enc.columns.flatMap((c) => (c.kind === 'continuous' ? [[c.name, c.normalizer.modes]] : []))),
      losses: { loss: losses },
      stopped,
      epochSeconds: trainSeconds / Math.max(1e-9, epochsDone),
      seconds: (performance.now() - t0) / 1000,
      backend: backendInfo()?.name ?? tf.getBackend(),
      dimensions: { encoded: d, latent: L },
    };
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    const enc = this.encoder;
    const dec = this.decoder;
    if (!enc || !dec) throw new Error('tvae: sample() called before fit()');
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`tvae: number of rows must be a non-negative integer, got ${n}`);
    const d = enc.dim;
    const L = this.options.embedding_dim;
    const out = new Float32Array(n * d);
    const zRng = rng.fork('latent');
    const chunk = 4096;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const part = tf.tidy(() => {
        let h = tf.tensor2d(fillNormal32(new Float32Array(rows * L), zRng), [rows, L]) as tf.Tensor2D;
        for (const l of dec.body) h = l.apply(h);
        const rec = dec.out.apply(h);
        // α through tanh; spans as softmax probabilities (argmax decoding is unchanged by the softmax).
        const parts: tf.Tensor2D[] = [];
        if (enc.continuous > 0) parts.push(tf.tanh(tf.slice(rec, [0, 0], [rows, enc.continuous])) as tf.Tensor2D);
        const widths = enc.spans.filter((s): s is Extract<typeof s, { kind: 'categorical' }> => s.kind === 'categorical').map((s) => s.width);
        if (widths.length > 0) {
          const cat = tf.slice(rec, [0, enc.continuous], [rows, d - enc.continuous]);
          const rs = widths.length === 1 ? [cat] : tf.split(cat, widths, 1);
          for (const r of rs) parts.push(tf.softmax(r) as tf.Tensor2D);
        }
        return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
      });
      out.set(part.dataSync() as Float32Array, start * d);
      part.dispose();
      await new Promise((res) => setImmediate(res));
    }
    const sigmas = dec.sigma.W.dataSync() as Float32Array;
    const t = enc.decode(out, n, {
      sample: this.options.decode === 'sample' ? rng.fork('decode') : undefined,
      alphaNoise: { sigmas: Float32Array.from(sigmas), rng: rng.fork('alpha-noise') },
    });
    return t.withMeta(this.meta);
  }

  dispose(): void {
    if (this.decoder) {
      for (const l of [...this.decoder.body, this.decoder.out, this.decoder.sigma]) for (const v of l.variables) v.dispose();
    }
    this.decoder = undefined;
  }
}

export const [tvaeInfo, dpTvaeInfo] = generatorFamily(
  tvaeOptionsSchema,
  (o) => new TvaeGenerator(o),
  {
    name: 'tvae',
    description: 'TVAE (Xu et al. 2019): VAE over the mode-specific encoding, Gaussian α likelihood with learned σ, softmax spans; privacy via dpsgd.',
    mechanisms: ['none', 'dpsgd'],
  },
  [
    {
      name: 'dp-tvae',
      description: 'tvae + DP-SGD on encoder and decoder (ghost-norm per-example clipping), noisy histograms for the GMM modes.',
      mechanism: 'dpsgd',
    },
  ],
);
