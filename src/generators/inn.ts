/**
 * `inn` — INN-SDG (Schwab, "Invertible Neural Network for Data Privacy Mitigation: Synthetic Time-Series
 * Data Generation"): an invertible network (affine coupling blocks, src/nn/flow.ts) trained by maximum
 * likelihood, optionally as an invertible autoencoder with an artificial bottleneck; new rows come from the
 * reverse pass on latent draws (truncated to the bottleneck / temperature / truncation), and each generated
 * record is validated by the same network's forward pass — its *pertinence score* (negative log-likelihood,
 * or reconstruction error through the bottleneck) — and discarded when outside the margin.
 *
 *   inn    = mechanism none
 *   dp-inn = inn + dpsgd: DP-SGD (ghost norms) on the flow; fixed ActNorm init instead of the data init;
 *            encoding from declared bounds/levels; the quantile margin is a DP quantile (exponential
 *            mechanism) paid from the ledger; an empirical condition distribution is a paid noisy histogram;
 *            σ calibrated from what is left after those shares; training stops before the budget is exceeded.
 *
 * Report: FitReport carries losses, the DP entries and a `pertinence` object (acceptance, accepted vs
 * rejected score summaries and histogram) which `sample()` keeps up to date (the runner stores the report
 * object after sampling), plus `autocorrelation` for fixed-length series.
 */
import { z } from 'zod';
import { backendInfo } from '../compute/backend.ts';
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { Table } from '../data/table.ts';
import { InvertibleFlow } from '../nn/flow.ts';
import { createOptimizer, step } from '../nn/optim.ts';
import { DpsgdBudget } from '../privacy/budget.ts';
import { calibrateSigma } from '../privacy/calibrate.ts';
import type { Activation, ForwardContext } from '../privacy/dpnet.ts';
import { DpSgd, plainGradients } from '../privacy/dpsgd.ts';
import { seededGaussian } from '../privacy/noise.ts';
import { dpQuantile, noisyFrequencies } from '../privacy/primitives.ts';
import { InnEncoding } from './inn-encoding.ts';
import {
  detectSeries,
  equalEdges,
  histogram,
  meanAutocorrelation,
  PertinenceTracker,
  quantileSorted,
  summarize,
  type PertinenceReport,
  type ScoreKind,
} from './inn-pertinence.ts';
import { generatorFamily } from './options.ts';
import type { FitOptions, FitReport, Generator } from './types.ts';

const int = z.number().int();
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export const innOptionsSchema = z.strictObject({
  // ---- network (FrEIA conventions, defaults.md §2.5) ----
  blocks: int.positive().default(8).describe('Coupling blocks (ActNorm → mixing → GLOW affine coupling); FrEIA quickstart uses 8.'),
  hidden: z.array(int.positive()).min(1).default([256]).describe('Hidden widths of each coupling subnet (FrEIA quickstart: [512]; 256 keeps CPU runs short).'),
  activation: z.enum(['relu', 'leakyRelu', 'tanh', 'elu']).default('relu').describe('Subnet activation (FrEIA quickstart: ReLU).'),
  clamp: z.number().positive().default(2).describe('Soft clamp of the coupling log-scales, clamp·0.636·atan(s/clamp) (FrEIA clamp=2.0).'),
  mixing: z.enum(['orthogonal', 'permutation']).default('orthogonal').describe('Fixed mixing between blocks: random orthogonal (FrEIA permute_soft=True, quickstart) or random permutation.'),
  actnorm_init: z.enum(['data', 'fixed']).optional().describe('ActNorm init: "data" (Glow, reads real rows; default without DP) or "fixed" (identity; the only choice under DP).'),
  // ---- training ----
  epochs: z.number().positive().default(100).describe('Passes over the training rows (steps = epochs·n/batch_size).'),
  batch_size: int.min(2).default(128).describe('Rows per step (expected size under Poisson sampling with DP).'),
  lr: z.number().positive().default(1e-3).describe('Adam learning rate (FrEIA quickstart 1e-3).'),
  weight_decay: z.number().min(0).default(0).describe('Adam L2 weight decay.'),
  grad_clip: z
    .number()
    .positive()
    .nullable()
    .default(10)
    .describe('Without DP: clip the global gradient norm to this (flows spike without it); null = off. DP-SGD clips per example instead.'),
  dequantize: z.boolean().default(true).describe('Uniform dequantisation of integer columns and one-hot blocks in training.'),
  bottleneck: z
    .strictObject({
      k: int.positive().describe('Latent dimensions that carry the data; the rest are pushed to zero.'),
      weight: z.number().min(0).default(1).describe('Weight of the bottleneck term relative to the NLL.'),
      loss: z
        .enum(['reconstruction', 'tail'])
        .optional()
        .describe('"reconstruction": ‖x − f⁻¹([z₁..k, 0])‖²/d (non-private default); "tail": ‖z_{k+1..d}‖²/d (forward only; the DP default).'),
    })
    .optional()
    .describe('Invertible-autoencoder mode with an artificial bottleneck.'),
  // ---- sampling ----
  temperature: z.number().positive().default(1).describe('Latent draws z ~ N(0, T²).'),
  truncation: z.number().positive().optional().describe('Truncate latent draws at |z| ≤ t (coordinate-wise resampling).'),
  filter: z.boolean().default(true).describe('Pertinence filter: keep a generated record only if its score is inside the margin.'),
  score: z.enum(['nll', 'reconstruction']).default('nll').describe('Pertinence score: per-dimension NLL (nats) or reconstruction MSE through the bottleneck.'),
  margin: z
    .union([
      z.strictObject({ quantile: z.number().gt(0).lte(1).describe('Quantile of the real training scores (a DP quantile under DP).') }),
      z.strictObject({ value: z.number().describe('Absolute margin on the score (public; costs nothing).') }),
    ])
    .default({ quantile: 0.95 })
    .describe('Accept score ≤ margin.'),
  margin_epsilon_fraction: z.number().gt(0).lt(1).default(0.1).describe('dp-inn: share of ε paid for the DP quantile margin.'),
  margin_bounds: z
    .tuple([z.number(), z.number()])
    .optional()
    .describe('dp-inn: public range of the score for the DP quantile and the histogram (default nll [−10, 10], reconstruction [0, 4]).'),
  on_shortfall: z
    .enum(['error', 'best'])
    .default('error')
    .describe('When fewer than n records pass after max_draws: fail with a message, or fill with the best-scoring rejected ones (counted in pertinence.filled).'),
  max_draws: z.number().min(1).default(20).describe('Give up (clear error) after max(max_draws·n, 1000) generated records (per condition level) if fewer than n passed.'),
  score_rows: int.positive().default(5000).describe('Real training rows scored for the quantile margin and the report (a random subset when more).'),
  condition: z
    .strictObject({
      column: z.string().describe('Categorical column the couplings are conditioned on (target or a sensitive attribute).'),
      distribution: z
        .union([z.enum(['empirical', 'uniform']), z.record(z.string(), z.number().min(0))])
        .default('empirical')
        .describe('Label distribution of generated rows: training frequencies (paid noisy histogram under DP), uniform, or {level: weight}.'),
    })
    .optional()
    .describe('Conditional INN.'),
  condition_epsilon_fraction: z.number().gt(0).lt(1).default(0.05).describe('dp-inn: share of ε for the noisy condition histogram (empirical distribution only).'),
  // ---- dpsgd ----
  sigma: z.number().positive().optional().describe('dpsgd noise multiplier; omitted = calibrated from the ε left for training.'),
  max_grad_norm: z.number().positive().default(1).describe('dpsgd per-example clipping norm C (Opacus/smartnoise default 1.0).'),
});

export type InnOptions = z.infer<typeof innOptionsSchema>;

export class InnGenerator implements Generator {
  readonly name = 'inn';
  readonly options: InnOptions;
  private flow?: InvertibleFlow;
  private enc?: InnEncoding;
  private meta: Table['meta'] = {};
  private margin: number | null = null;
  private condProbs?: Float64Array;
  private report?: FitReport;
  private tracker?: PertinenceTracker;
  private series?: { prefix: string; columns: string[] } | null;
  private bottleneckK = 0;

  constructor(options: InnOptions) {
    this.options = options;
  }

  get network(): InvertibleFlow | undefined {
    return this.flow;
  }

  get encoding(): InnEncoding | undefined {
    return this.enc;
  }

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const mech = opts.privacy.mechanism;
    if (mech !== 'none' && mech !== 'dpsgd') throw new Error(`inn: privacy mechanism "${mech}" is not supported (use none, or dpsgd via dp-inn)`);
    const dp = mech === 'dpsgd';
    const owner = dp ? 'dp-inn' : 'inn';
    if (train.nrows < 2) throw new Error(`${owner}: the training table needs at least 2 rows`);
    const remaining = opts.ledger.remaining();
    if (dp && !Number.isFinite(remaining.epsilon)) throw new Error('dp-inn: needs a finite privacy budget ε (privacy.epsilon)');
    const actInit = o.actnorm_init ?? (dp ? 'fixed' : 'data');
    if (dp && actInit === 'data') {
      throw new Error('dp-inn: actnorm_init "data" reads the real rows outside DP-SGD (Glow\'s data-dependent init); use actnorm_init: fixed');
    }
    const bLoss = o.bottleneck ? (o.bottleneck.loss ?? (dp ? 'tail' : 'reconstruction')) : undefined;
    if (dp && bLoss === 'reconstruction') {
      throw new Error(
        'dp-inn: bottleneck.loss "reconstruction" runs the inverse pass through the same subnets inside the per-row loss, so each ' +
          'dense layer is applied twice per example and ghost-norm clipping (src/privacy/dpsgd.ts) cannot form per-example norms; ' +
          'the per-example loop would cost one backward pass per row. Use bottleneck.loss: tail (‖z_{k+1..d}‖², forward only)',
      );
    }
    if (o.score === 'reconstruction' && !o.bottleneck) throw new Error(`${owner}: score "reconstruction" needs a bottleneck (bottleneck: {k: ...})`);
    this.dispose();
    this.meta = train.meta;
    const rng = opts.rng;

    // ---- encoding (public schema under DP) ----
    const enc = InnEncoding.fit(train, { dp, owner, condition: o.condition?.column, dequantize: o.dequantize });
    this.enc = enc;
    if (dp) opts.ledger.public('inn encoding: declared column bounds and levels (schema)');
    const d = enc.d;
    if (o.bottleneck && !(o.bottleneck.k < d)) throw new Error(`${owner}: bottleneck.k (${o.bottleneck.k}) must be smaller than the encoded width ${d}`);
    this.bottleneckK = o.bottleneck?.k ?? 0;
    const n = train.nrows;
    const X = enc.encode(train);
    const condCodes = enc.condition ? enc.conditionCodes(train) : undefined;
    const K = enc.condition?.levels.length ?? 0;
    const C = condCodes ? enc.conditionOneHot(condCodes) : undefined;

    // ---- budget shares ----
    const marginQuantile = 'quantile' in o.margin ? o.margin.quantile : undefined;
    const payMargin = dp && o.filter && marginQuantile !== undefined;
    const payCondition = dp && !!o.condition && o.condition.distribution === 'empirical';
    const epsMargin = payMargin ? o.margin_epsilon_fraction * remaining.epsilon : 0;
    const epsCondition = payCondition ? o.condition_epsilon_fraction * remaining.epsilon : 0;
    const epsTrain = remaining.epsilon - epsMargin - epsCondition;

    // ---- condition distribution ----
    if (enc.condition) this.condProbs = this.conditionDistribution(enc, condCodes!, dp, epsCondition, rng, opts, owner);

    // ---- network ----
    const flow = new InvertibleFlow(
      'inn',
      { dim: d, condDim: K, blocks: o.blocks, hidden: o.hidden, activation: o.activation as Activation, clamp: o.clamp, mixing: o.mixing },
      rng.fork('init'),
    );
    this.flow = flow;
    if (actInit === 'data') {
      const m = Math.min(n, 1024);
      const idx = rng.fork('actnorm-init').permutation(n).subarray(0, m);
      tf.tidy(() => flow.initFromData(tf.tensor2d(enc.dequantized(X, idx, rng.fork('actnorm-deq')), [m, d]), C ? gatherRows(C, K, idx) : undefined));
    }

    // ---- training ----
    const B = Math.min(o.batch_size, dp ? n - 1 : n);
    const plannedSteps = Math.max(1, Math.round((o.epochs * n) / B));
    const stepsPerEpoch = Math.max(1, Math.round(n / B));
    const opt = createOptimizer({ name: 'adam', learningRate: o.lr, weightDecay: o.weight_decay });
    const losses: Record<string, number[]> = { nll: [] };
    if (o.bottleneck) losses.bottleneck = [];
    const trainRng = rng.fork('train');
    let dpState: { sgd: DpSgd; budget: DpsgdBudget; clipped: number } | undefined;
    if (dp) {
      const q = B / n;
      if (!(epsTrain > 0)) throw new Error(`dp-inn: no ε left for training after the margin and condition shares (ε=${remaining.epsilon})`);
      const sigma = o.sigma ?? calibrateSigma({ q, epsilon: epsTrain, delta: remaining.delta, steps: plannedSteps, accountant: opts.privacy.accountant }).sigma;
      dpState = {
        sgd: new DpSgd({ n, batchSize: B, clipNorm: o.max_grad_norm, noiseMultiplier: sigma, noise: seededGaussian(rng.fork('dp-noise')) }),
        budget: new DpsgdBudget({ q, sigma, epsilon: epsTrain, delta: remaining.delta, accountant: opts.privacy.accountant, plannedSteps }),
        clipped: 0,
      };
    }
    let stopped = 'epochs';
    let steps = 0;
    let sumNll = 0;
    let sumB = 0;
    let rowsSeen = 0;
    let gradNormSum = 0;
    let epochSteps = 0;
    const gradNorms: number[] = [];
    let perm: Int32Array | null = null;
    let cursor = 0;
    const lossRows = (x: tf.Tensor2D, c: tf.Tensor2D | undefined, ctx: ForwardContext) => {
      const { z, logdet } = flow.forward(x, c, ctx);
      const nll = tf.div(tf.sub(tf.mul(tf.sum(tf.square(z), 1), 0.5), logdet), d) as tf.Tensor1D;
      if (!o.bottleneck) return { total: nll, nll };
      const k = o.bottleneck.k;
      const rows = x.shape[0];
      let extra: tf.Tensor1D;
      if (bLoss === 'tail') {
        extra = tf.div(tf.sum(tf.square(tf.slice(z, [0, k], [rows, d - k])), 1), d) as tf.Tensor1D;
      } else {
        const zt = tf.concat([tf.slice(z, [0, 0], [rows, k]), tf.zeros([rows, d - k])], 1) as tf.Tensor2D;
        extra = tf.div(tf.sum(tf.square(tf.sub(x, flow.inverse(zt, c))), 1), d) as tf.Tensor1D;
      }
      return { total: tf.add(nll, tf.mul(extra, o.bottleneck.weight)) as tf.Tensor1D, nll, extra };
    };
    try {
      while (steps < plannedSteps) {
        let idx: Int32Array;
        if (dpState) {
          if (!dpState.budget.canStep()) {
            stopped = 'budget';
            break;
          }
          idx = dpState.sgd.sampleBatch(trainRng);
        } else {
          if (!perm || cursor + B > n) {
            perm = trainRng.permutation(n);
            cursor = 0;
          }
          idx = perm.subarray(cursor, cursor + B);
          cursor += B;
        }
        const rows = idx.length;
        const xb = rows > 0 ? tf.tensor2d(enc.dequantized(X, idx, trainRng), [rows, d]) : undefined;
        const cb = rows > 0 && C ? gatherRows(C, K, idx) : undefined;
        let parts = { nll: 0, extra: 0 };
        const lossFn = (ctx: ForwardContext) => {
          const r = lossRows(xb!, cb, ctx);
          // Monitoring values ride along (not differentiated: read after the step).
          parts = { nll: tf.sum(r.nll).dataSync()[0], extra: r.extra ? tf.sum(r.extra).dataSync()[0] : 0 };
          return r.total;
        };
        let grads: tf.NamedTensorMap;
        if (dpState) {
          dpState.budget.step(); // counted before anything is released
          const r = dpState.sgd.gradients(flow.modules, rows, lossFn, { rng: trainRng.fork(`dropout-${steps}`) });
          grads = r.grads;
          dpState.clipped += r.clippedFraction;
        } else {
          grads = plainGradients(flow.modules, rows, lossFn, { normaliser: rows }).grads;
          if (o.grad_clip !== null) gradNormSum += clipGlobalNorm(grads, o.grad_clip);
        }
        if (!Number.isFinite(parts.nll)) {
          tf.dispose(Object.values(grads));
          tf.dispose([xb, cb].filter((t): t is tf.Tensor2D => !!t));
          throw new Error(`${owner}: training diverged (non-finite loss at step ${steps + 1}); lower lr or clamp, or use fewer blocks`);
        }
        step(opt, grads);
        tf.dispose([xb, cb].filter((t): t is tf.Tensor2D => !!t));
        sumNll += parts.nll;
        sumB += parts.extra;
        rowsSeen += rows;
        steps++;
        epochSteps++;
        if (steps % stepsPerEpoch === 0 || steps === plannedSteps) {
          losses.nll.push(rowsSeen > 0 ? sumNll / rowsSeen : NaN);
          if (losses.bottleneck) losses.bottleneck.push(rowsSeen > 0 ? sumB / rowsSeen : NaN);
          if (!dpState && o.grad_clip !== null) gradNorms.push(gradNormSum / Math.max(1, epochSteps));
          sumNll = sumB = rowsSeen = gradNormSum = epochSteps = 0;
          opts.progress?.(steps, plannedSteps, `step ${steps} nll ${losses.nll[losses.nll.length - 1].toFixed(3)}`);
          await new Promise((res) => setImmediate(res));
        }
      }
      if (rowsSeen > 0) {
        losses.nll.push(sumNll / rowsSeen);
        if (losses.bottleneck) losses.bottleneck.push(sumB / rowsSeen);
      }
    } finally {
      opt.dispose();
    }
    if (losses.nll.some((v) => !Number.isFinite(v))) losses.nll = losses.nll.filter(Number.isFinite);

    const report: FitReport = {
      epochs: (steps * B) / n,
      steps,
      losses,
      stopped,
      seconds: 0,
      backend: backendInfo()?.name ?? tf.getBackend(),
      dimensions: { encoded: d, condition: K, parameters: flow.parameterCount, bottleneck: this.bottleneckK || null },
      ...(gradNorms.length ? { gradNorm: gradNorms.map((v) => Number(v.toPrecision(4))) } : {}),
    };
    if (dpState) {
      const { budget, sgd } = dpState;
      const entry = budget.entry('training: INN DP-SGD', { clipNorm: sgd.clipNorm, batchSize: B });
      opts.ledger.spend(entry);
      Object.assign(report, {
        ...budget.reportFields(entry, { clipNorm: sgd.clipNorm, clippedFraction: steps > 0 ? dpState.clipped / steps : 0 }),
        epsilonShares: { training: epsTrain, margin: epsMargin, condition: epsCondition },
      });
    }

    // ---- pertinence margin ----
    const scoreKind: ScoreKind = o.score;
    const m = Math.min(n, o.score_rows);
    const sIdx = m < n ? rng.fork('score-rows').permutation(n).subarray(0, m) : Int32Array.from({ length: n }, (_, i) => i);
    const realScores = this.scoreRows(gatherFlat(X, d, sIdx), m, condCodes ? Int32Array.from(sIdx, (i) => condCodes[i]) : undefined);
    const finiteReal = Float64Array.from(realScores.filter(Number.isFinite)).sort();
    const defaultBounds: [number, number] = scoreKind === 'nll' ? [-10, 10] : [0, 4];
    let marginSource: string;
    this.margin = null;
    if ('value' in o.margin) {
      this.margin = o.margin.value;
      marginSource = 'value (configured)';
    } else if (dp) {
      if (o.filter) {
        const [lo, hi] = o.margin_bounds ?? defaultBounds;
        this.margin = dpQuantile(finiteReal, o.margin.quantile, { lower: lo, upper: hi, epsilon: epsMargin }, rng.fork('margin'), opts.ledger, `inn pertinence margin: DP quantile ${o.margin.quantile} of training ${scoreKind} scores`);
        marginSource = `DP quantile ${o.margin.quantile} of ${m} training scores (exponential mechanism, ε=${epsMargin.toPrecision(3)}, bounds [${lo}, ${hi}])`;
      } else {
        marginSource = 'none (filter off; the DP quantile is not paid)';
      }
    } else {
      this.margin = finiteReal.length > 0 ? quantileSorted(finiteReal, o.margin.quantile) : null;
      marginSource = `quantile ${o.margin.quantile} of ${m} training scores`;
    }
    let edges: number[];
    if (dp || finiteReal.length === 0) {
      const [lo, hi] = o.margin_bounds ?? defaultBounds;
      edges = equalEdges(lo, hi, 30);
    } else {
      const lo = quantileSorted(finiteReal, 0.005);
      const hi = quantileSorted(finiteReal, 0.995);
      const pad = 0.5 * (hi - lo || 1);
      edges = equalEdges(lo - pad, hi + pad, 30);
    }
    const pert: PertinenceReport = {
      filter: o.filter,
      score: scoreKind,
      unit: scoreKind === 'nll' ? 'nats per encoded dimension' : 'mean squared error per encoded dimension',
      margin: this.margin,
      marginSource,
      ...(dp ? {} : { real: summarize(finiteReal) }),
      draws: 0,
      passed: 0,
      returned: 0,
      rejectedNonFinite: 0,
      acceptanceRate: null,
      inside: null,
      outside: null,
      histogram: { edges, inside: [], outside: [], ...(dp ? {} : { real: histogram(finiteReal, edges) }) },
    };
    report.pertinence = pert;
    this.tracker = new PertinenceTracker(pert);

    // ---- series: autocorrelation (real side only without DP) ----
    this.series = detectSeries(train);
    if (this.series) {
      const lags = Math.min(40, this.series.columns.length - 1);
      report.autocorrelation = {
        prefix: this.series.prefix,
        lags: Array.from({ length: lags }, (_, i) => i + 1),
        ...(dp ? {} : { real: meanAutocorrelation(train, this.series.columns, lags) }),
      };
    }
    if (enc.condition) {
      report.condition = {
        column: enc.condition.name,
        levels: enc.condition.levels,
        distribution: Array.from(this.condProbs!, (p) => Number(p.toPrecision(4))),
        source: typeof o.condition!.distribution === 'string' ? (o.condition!.distribution === 'empirical' && dp ? 'empirical (noisy histogram)' : o.condition!.distribution) : 'configured',
      };
    }
    report.seconds = (performance.now() - t0) / 1000;
    this.report = report;
    return report;
  }

  /** Probabilities of the condition levels for sampling. */
  private conditionDistribution(enc: InnEncoding, codes: Int32Array, dp: boolean, eps: number, rng: Rng, opts: FitOptions, owner: string): Float64Array {
    const levels = enc.condition!.levels;
    const spec = this.options.condition!.distribution;
    const p = new Float64Array(levels.length);
    if (spec === 'uniform') {
      p.fill(1 / levels.length);
      return p;
    }
    if (spec === 'empirical') {
      const counts = new Float64Array(levels.length);
      for (const c of codes) if (c >= 0) counts[c]++;
      if (dp) return noisyFrequencies(counts, { mechanism: 'laplace', epsilon: eps }, rng.fork('condition-hist'), opts.ledger, `inn condition: frequencies of ${enc.condition!.name}`);
      const total = counts.reduce((a, b) => a + b, 0);
      for (let i = 0; i < p.length; i++) p[i] = counts[i] / total;
      return p;
    }
    const unknown = Object.keys(spec).filter((k) => !levels.includes(k));
    if (unknown.length > 0) throw new Error(`${owner}: condition.distribution names unknown level(s) ${unknown.join(', ')} of "${enc.condition!.name}" (levels: ${levels.join(', ')})`);
    let total = 0;
    levels.forEach((l, i) => {
      p[i] = spec[l] ?? 0;
      total += p[i];
    });
    if (!(total > 0)) throw new Error(`${owner}: condition.distribution must give some level a positive weight`);
    for (let i = 0; i < p.length; i++) p[i] /= total;
    return p;
  }

  /**
   * Pertinence scores of deterministically encoded rows (row-major [rows, d]): per-dimension NLL in nats
   * (½‖z‖²/d − log|det|/d + ½log 2π), or the reconstruction MSE through the bottleneck.
   */
  scoreRows(X: Float32Array, rows: number, condCodes?: ArrayLike<number>): Float64Array {
    const flow = this.flow;
    const enc = this.enc;
    if (!flow || !enc) throw new Error('inn: scoreRows() called before fit()');
    const d = enc.d;
    const K = enc.condition?.levels.length ?? 0;
    const out = new Float64Array(rows);
    const chunk = 4096;
    for (let s = 0; s < rows; s += chunk) {
      const r = Math.min(chunk, rows - s);
      const v = tf.tidy(() => {
        const x = tf.tensor2d(X.subarray(s * d, (s + r) * d), [r, d]);
        const c = K > 0 ? tf.tensor2d(enc.conditionOneHot(Array.from(condCodes!).slice(s, s + r)), [r, K]) : undefined;
        const { z, logdet } = flow.forward(x, c);
        if (this.options.score === 'nll') return tf.add(tf.div(tf.sub(tf.mul(tf.sum(tf.square(z), 1), 0.5), logdet), d), HALF_LOG_2PI);
        const k = this.bottleneckK;
        const zt = tf.concat([tf.slice(z, [0, 0], [r, k]), tf.zeros([r, d - k])], 1) as tf.Tensor2D;
        return tf.div(tf.sum(tf.square(tf.sub(x, flow.inverse(zt, c))), 1), d);
      });
      out.set(v.dataSync() as Float32Array, s);
      v.dispose();
    }
    return out;
  }

  /** Latent draws: N(0, T²) (optionally truncated at |z| ≤ t), the tail beyond the bottleneck set to 0. */
  latent(rows: number, rng: Rng): Float32Array {
    const d = this.enc!.d;
    const { temperature: T, truncation: t } = this.options;
    const k = this.bottleneckK || d;
    const z = new Float32Array(rows * d);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < k; j++) {
        let v = rng.normal();
        if (t !== undefined) while (Math.abs(v) > t) v = rng.normal();
        z[i * d + j] = v * T;
      }
    }
    return z;
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    const enc = this.enc;
    const flow = this.flow;
    const tracker = this.tracker;
    if (!enc || !flow || !tracker) throw new Error('inn: sample() called before fit()');
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`inn: sample(n) needs a non-negative integer, got ${n}`);
    const o = this.options;
    // Quotas per condition level (largest remainder), so the requested label distribution holds after filtering.
    const groups: { code: number; quota: number }[] = [];
    if (enc.condition) {
      const p = this.condProbs!;
      const raw = Array.from(p, (v) => v * n);
      const q = raw.map(Math.floor);
      let left = n - q.reduce((a, b) => a + b, 0);
      const order = raw.map((v, i) => [v - Math.floor(v), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      for (const [, i] of order) {
        if (left <= 0) break;
        if (p[i] > 0) {
          q[i]++;
          left--;
        }
      }
      q.forEach((quota, code) => quota > 0 && groups.push({ code, quota }));
    } else {
      groups.push({ code: -1, quota: n });
    }
    const parts: Table[] = [];
    let drawsThisCall = 0;
    for (const g of groups) {
      const got = await this.generateGroup(g.code, g.quota, rng.fork(`group-${g.code}`));
      parts.push(got.table);
      drawsThisCall += got.draws;
    }
    tracker.flush();
    const report = tracker.report;
    const nonEmpty = parts.filter((t) => t.nrows > 0);
    let out = nonEmpty.length === 0 ? parts[0] : nonEmpty.length === 1 ? nonEmpty[0] : Table.concat(nonEmpty);
    if (groups.length > 1) out = out.take(rng.fork('shuffle').permutation(out.nrows));
    report.lastCall = { requested: n, returned: out.nrows, draws: drawsThisCall };
    if (this.series && this.report) {
      const ac = this.report.autocorrelation as { lags: number[]; synthetic?: number[]; syntheticRows?: number };
      if (!ac.syntheticRows || out.nrows >= ac.syntheticRows) {
        ac.synthetic = meanAutocorrelation(out, this.series.columns, ac.lags.length);
        ac.syntheticRows = out.nrows;
      }
    }
    return out.withMeta(this.meta);
  }

  /** Draw records of one condition level (code −1: unconditional) until `quota` pass the filter. */
  private async generateGroup(code: number, quota: number, rng: Rng): Promise<{ table: Table; draws: number }> {
    const enc = this.enc!;
    const flow = this.flow!;
    const o = this.options;
    const d = enc.d;
    const K = enc.condition?.levels.length ?? 0;
    const level = code >= 0 ? enc.condition!.levels[code] : undefined;
    // A floor of 1000 draws so a rare condition level (quota 2) gets a fair number of tries.
    const maxDraws = Math.max(1000, Math.ceil(o.max_draws * quota));
    const kept: Table[] = [];
    let accepted = 0;
    let draws = 0;
    let rate = 1;
    const filterOn = o.filter && this.margin !== null;
    // on_shortfall "best": the lowest-scoring rejected records, kept to fill a shortfall (pruned to `quota`).
    let pool: { table: Table; scores: number[] } | null = null;
    while (accepted < quota) {
      if (draws >= maxDraws && o.on_shortfall === 'best' && pool && pool.table.nrows >= quota - accepted) {
        const best = bestRows(pool.scores, quota - accepted);
        kept.push(pool.table.take(best));
        this.tracker!.report.filled = (this.tracker!.report.filled ?? 0) + best.length;
        accepted += best.length;
        break;
      }
      if (draws >= maxDraws) {
        const pct = draws > 0 ? ((100 * accepted) / draws).toFixed(2) : '0';
        throw new Error(
          `inn: the pertinence filter accepted ${accepted} of ${draws} generated records (${pct} %)${level !== undefined ? ` for ${enc.condition!.name}=${level}` : ''}, ` +
            `fewer than the ${quota} requested, after max(max_draws=${o.max_draws}×n, 1000) draws; widen the margin ` +
            `(${'quantile' in o.margin ? `margin.quantile ${o.margin.quantile} → higher` : `margin.value ${o.margin.value} → higher`}), ` +
            'raise max_draws, lower the temperature, train longer, or set on_shortfall: best',
        );
      }
      const need = quota - accepted;
      // With the filter on, over-draw by the acceptance rate seen so far; off, draw exactly what is missing.
      const rows = filterOn ? Math.min(4096, maxDraws - draws, Math.max(16, Math.ceil((need / Math.max(rate, 0.02)) * 1.1))) : Math.min(4096, need);
      const z = this.latent(rows, rng);
      const codes = code >= 0 ? new Int32Array(rows).fill(code) : undefined;
      const xs = tf.tidy(() => {
        const c = K > 0 ? tf.tensor2d(enc.conditionOneHot(codes!), [rows, K]) : undefined;
        return flow.inverse(tf.tensor2d(z, [rows, d]), c);
      });
      const X = xs.dataSync() as Float32Array;
      xs.dispose();
      // Non-finite outputs are always rejected (a record with NaN is no record).
      const finite: number[] = [];
      for (let i = 0; i < rows; i++) {
        let ok = true;
        for (let j = 0; j < d && ok; j++) ok = Number.isFinite(X[i * d + j]);
        if (ok) finite.push(i);
      }
      const Xf = gatherFlat(X, d, finite);
      const decoded = enc.decode(Xf, finite.length, codes ? new Int32Array(finite.length).fill(code) : undefined, this.meta);
      // Score the *decoded* record (argmax, rounding, clipping), re-encoded at interval midpoints: what is released is what is validated.
      const scores = finite.length > 0 ? this.scoreRows(enc.encode(decoded), finite.length, codes ? new Int32Array(finite.length).fill(code) : undefined) : new Float64Array(0);
      // Inside the margin: a finite score ≤ margin (no margin: every finite score).
      const inside = Array.from(scores, (s) => Number.isFinite(s) && (this.margin === null || s <= this.margin));
      const keep: number[] = [];
      for (let i = 0; i < finite.length && accepted + keep.length < quota; i++) if (!filterOn || inside[i]) keep.push(i);
      const scored = Array.from(scores.keys()).filter((i) => Number.isFinite(scores[i]));
      this.tracker!.add(scored.map((i) => scores[i]), scored.map((i) => inside[i]), keep.length, rows, rows - scored.length, level);
      kept.push(decoded.take(keep));
      if (filterOn && o.on_shortfall === 'best') {
        const rej = scored.filter((i) => !inside[i]);
        const chunk = { table: decoded.take(rej), scores: rej.map((i) => scores[i]) };
        pool = pool ? { table: Table.concat([pool.table, chunk.table]), scores: [...pool.scores, ...chunk.scores] } : chunk;
        if (pool.scores.length > 2 * quota) {
          const best = bestRows(pool.scores, quota);
          pool = { table: pool.table.take(best), scores: Array.from(best, (i) => pool!.scores[i]) };
        }
      }
      accepted += keep.length;
      draws += rows;
      rate = Math.max(0.02, accepted / draws);
      await new Promise((res) => setImmediate(res));
    }
    const nonEmpty = kept.filter((t) => t.nrows > 0);
    const table = nonEmpty.length === 0 ? (kept[0] ?? enc.decode(new Float32Array(0), 0, code >= 0 ? new Int32Array(0) : undefined, this.meta)) : nonEmpty.length === 1 ? nonEmpty[0] : Table.concat(nonEmpty);
    return { table, draws };
  }

  dispose(): void {
    this.flow?.dispose();
    this.flow = undefined;
  }
}

/** Indices of the `k` smallest scores. */
function bestRows(scores: number[], k: number): Int32Array {
  const order = Int32Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  return order.subarray(0, Math.min(k, order.length));
}

/** Scale gradients in place so their global L2 norm is at most `max`; returns the norm before clipping. */
function clipGlobalNorm(grads: tf.NamedTensorMap, max: number): number {
  const keys = Object.keys(grads);
  const norm = Math.sqrt(tf.tidy(() => tf.addN(keys.map((k) => tf.sum(tf.square(grads[k])))).dataSync()[0]));
  if (norm > max && Number.isFinite(norm)) {
    const f = max / norm;
    for (const k of keys) {
      const old = grads[k];
      grads[k] = tf.mul(old, f);
      old.dispose();
    }
  }
  return norm;
}

function gatherRows(M: Float32Array, w: number, idx: ArrayLike<number>): tf.Tensor2D {
  return tf.tensor2d(gatherFlat(M, w, idx), [idx.length, w]);
}

function gatherFlat(M: Float32Array, w: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * w);
  for (let i = 0; i < idx.length; i++) out.set(M.subarray(idx[i] * w, idx[i] * w + w), i * w);
  return out;
}

export const [innInfo, dpInnInfo] = generatorFamily(
  innOptionsSchema,
  (o) => new InnGenerator(o),
  {
    name: 'inn',
    description: 'INN-SDG: affine-coupling invertible network (maximum likelihood, optional bottleneck), reverse-pass sampling, pertinence filter by the forward pass; privacy via dpsgd.',
    mechanisms: ['none', 'dpsgd'],
  },
  [
    {
      name: 'dp-inn',
      description: 'inn + DP-SGD (ghost-norm clipping, σ calibrated from ε), fixed ActNorm init, DP-quantile pertinence margin paid in the ledger.',
      mechanism: 'dpsgd',
    },
  ],
);
