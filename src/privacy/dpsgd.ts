/**
 * DP-SGD as one reusable step for any DpModule (DenseNet or hand-built from dpnet layers).
 *
 * Per step (Abadi et al. 2016; Opacus semantics): per-example gradients gᵢ of the per-row loss, clipped to
 * norm C (factor min(1, C/(‖gᵢ‖ + 1e-6)) as Opacus), summed, N(0, σ²C²) added per coordinate, divided by the
 * *expected* batch size (q·n, not the drawn one, so Poisson batch sizes do not leak).
 *
 * Per-example norms without a per-example loop ("ghost norms", Goodfellow 2015; Li et al. 2022): for a dense
 * layer z = a·W + b the per-example gradient of W is aᵢgᵢᵀ, so ‖∇Wᵢ‖² = ‖aᵢ‖²‖gᵢ‖² and ‖∇bᵢ‖² = ‖gᵢ‖²; for
 * an affine y = γ⊙x̂ + β, ‖∇γᵢ‖² = ‖x̂ᵢ⊙gᵢ‖². gᵢ = ∂ℓᵢ/∂zᵢ comes from ONE backward pass of Σℓᵢ to zero
 * probes added to every layer output (valid because no layer mixes rows). The clipped sum is then
 * Aᵀ·diag(c)·G (and cᵀG for biases) — two matmuls per layer, like a normal backward.
 *
 * Rows [0, privateRows) are real examples (clipped + noised); later rows (e.g. generated samples in a GAN
 * discriminator batch) enter unclipped. Default: every row private — Opacus' behaviour for a D step on a
 * mixed real+fake batch. The per-row loss must treat rows independently (no batch means inside; the
 * normaliser is applied here), and must not differentiate the network itself (no gradient penalty).
 */
import { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { type DpModule, DpUnsupportedLayerError, ForwardContext, type ParamLayer } from './dpnet.ts';
import type { GaussianSource } from './noise.ts';
import { BatchSampler } from './sampling.ts';
import type { Sampling } from './rdp.ts';

/** Per-row losses (shape [rows]) of a forward pass run with `ctx`. */
export type RowLossFn = (ctx: ForwardContext) => tf.Tensor1D;

export interface DpGradientOptions {
  /** Clipping norm C. */
  clipNorm: number;
  /** Noise multiplier σ (noise std σ·C on the summed clipped gradient). 0 = clipping only (not private). */
  noiseMultiplier: number;
  /** Normaliser: the expected batch size q·n (Opacus divides by it, not by the drawn size). */
  expectedBatchSize: number;
  noise: GaussianSource;
  /** Rows [0, privateRows) are clipped and noised; the rest enter unclipped. Default: all rows. */
  privateRows?: number;
  /** Dropout stream for this step. */
  rng?: Rng;
  /** Also return the per-row gradient norms before clipping. */
  returnNorms?: boolean;
}

export interface GradientResult {
  /** Variable name → gradient, ready for `optimizer.applyGradients`. Caller disposes (tf.dispose(Object.values(grads))). */
  grads: tf.NamedTensorMap;
  /** Σ of the per-row losses (for loss curves). */
  lossSum: number;
}

export interface DpGradientResult extends GradientResult {
  /** Fraction of private rows whose gradient was clipped. */
  clippedFraction: number;
  norms?: Float32Array;
}

function modulesOf(m: DpModule | DpModule[]): DpModule[] {
  return Array.isArray(m) ? m : [m];
}

function checkModules(mods: DpModule[]): { layers: ParamLayer[]; variables: tf.Variable[] } {
  const layers: ParamLayer[] = [];
  const variables: tf.Variable[] = [];
  for (const m of mods) {
    if (m.exampleMixingLayers.length > 0) {
      throw new DpUnsupportedLayerError(
        `DP-SGD: ${m.exampleMixingLayers.join(', ')} mix the examples of a batch (BatchNorm), so per-example gradients and clipping are undefined; ` +
          'use layerNorm in DP-trained networks',
      );
    }
    layers.push(...m.paramLayers);
    variables.push(...m.variables);
  }
  const owned = new Set(layers.flatMap((l) => l.variables));
  for (const v of variables) {
    if (!owned.has(v)) throw new DpUnsupportedLayerError(`DP-SGD: variable "${v.name}" is not part of a dense/affine layer; per-example gradients are unavailable for it`);
  }
  if (new Set(layers).size !== layers.length) throw new DpUnsupportedLayerError('DP-SGD: a layer appears in two modules passed to one step');
  return { layers, variables: [...owned] };
}

function checkLoss(loss: tf.Tensor, rows: number): void {
  if (loss.rank !== 1 || loss.shape[0] !== rows) {
    throw new RangeError(`DP-SGD: the loss function must return one loss per row (shape [${rows}]), got [${loss.shape.join(', ')}]`);
  }
}

/**
 * The private gradient for one step: per-example clipping of the row losses' gradients (ghost norms),
 * Gaussian noise, division by the expected batch size.
 */
export function dpGradients(modules: DpModule | DpModule[], rows: number, lossFn: RowLossFn, o: DpGradientOptions): DpGradientResult {
  const mods = modulesOf(modules);
  const { layers } = checkModules(mods);
  if (!(o.clipNorm > 0)) throw new RangeError(`DP-SGD: clipping norm C must be positive, got ${o.clipNorm}`);
  if (!(o.noiseMultiplier >= 0)) throw new RangeError(`DP-SGD: noise multiplier must be ≥ 0, got ${o.noiseMultiplier}`);
  if (!(o.expectedBatchSize > 0)) throw new RangeError(`DP-SGD: expected batch size must be positive, got ${o.expectedBatchSize}`);
  const privateRows = o.privateRows ?? rows;
  if (!(Number.isInteger(privateRows) && privateRows >= 0 && privateRows <= rows)) {
    throw new RangeError(`DP-SGD: privateRows must be an integer in [0, ${rows}], got ${privateRows}`);
  }
  const C = o.clipNorm;
  const B = o.expectedBatchSize;
  const noiseStd = (o.noiseMultiplier * C) / B;

  let lossSum = 0;
  let clippedFraction = 0;
  let norms: Float32Array | undefined;
  const grads: tf.NamedTensorMap = {};

  if (rows > 0) {
    // Layer inputs are tf.keep'd past the gradient scope; released in `finally` even if the forward throws.
    const inputs = new Map<ParamLayer, tf.Tensor2D>();
    let out: { result: tf.NamedTensorMap; value: tf.Scalar; norm: tf.Tensor; factor: tf.Tensor };
    try {
      out = tf.tidy(() => {
        const probes = new Map<ParamLayer, tf.Tensor2D>();
        for (const l of layers) probes.set(l, tf.zeros([rows, l.outDim]));
        const ctx = new ForwardContext({ training: true, rng: o.rng });
        ctx.ghost = { probes, inputs };
        const probeList = [...probes.values()];
        const f = () => {
          const loss = lossFn(ctx);
          checkLoss(loss, rows);
          let total: tf.Tensor = tf.sum(loss);
          // Probes of layers the forward did not use still need a path to the output for tf.grads.
          for (const [l, p] of probes) if (!ctx.ghost!.inputs.has(l)) total = tf.add(total, tf.mul(tf.sum(p), 0));
          return total as tf.Scalar;
        };
        const { value, grads: gs } = tf.valueAndGrads(f)(probeList);
        // Squared per-row norms, summed over layers.
        let sq: tf.Tensor1D = tf.zeros([rows]);
        const parts: { layer: ParamLayer; a?: tf.Tensor2D; g: tf.Tensor2D }[] = [];
        layers.forEach((layer, i) => {
          const g = gs[i] as tf.Tensor2D;
          const a = inputs.get(layer);
          parts.push({ layer, a, g });
          if (!a) return; // unused layer: zero gradient
          const gSq = tf.sum(tf.square(g), 1);
          if (layer.kind === 'dense') {
            sq = tf.add(sq, tf.mul(tf.sum(tf.square(a), 1), gSq));
          } else {
            sq = tf.add(sq, tf.sum(tf.square(tf.mul(a, g)), 1));
          }
          if (layer.hasBias) sq = tf.add(sq, gSq);
        });
        const norm = tf.sqrt(sq);
        let factor = tf.minimum(1, tf.div(C, tf.add(norm, 1e-6))) as tf.Tensor1D;
        if (privateRows < rows) {
          const isPrivate = tf.tensor1d(Float32Array.from({ length: rows }, (_, r) => (r < privateRows ? 1 : 0)));
          factor = tf.add(tf.mul(factor, isPrivate), tf.sub(1, isPrivate)) as tf.Tensor1D;
        }
        const w = tf.div(factor, B) as tf.Tensor1D;
        const wCol = tf.reshape(w, [rows, 1]) as tf.Tensor2D;
        const wRow = tf.reshape(w, [1, rows]) as tf.Tensor2D;
        // Row weights are applied as same-shape products: broadcasting a [rows, 1] column is a slow path on the
        // cpu backend, while the outer product w·1ᵀ is a cheap matmul. Column sums are wᵀ·G (a matmul too).
        const rowScaled = (g: tf.Tensor2D) => tf.mul(g, tf.matMul(wCol, tf.ones([1, g.shape[1]]))) as tf.Tensor2D;
        const colSum = (t: tf.Tensor2D) => tf.reshape(tf.matMul(wRow, t), [t.shape[1]]);
        const result: tf.NamedTensorMap = {};
        for (const { layer, a, g } of parts) {
          const vars = layer.variables;
          if (!a) {
            for (const v of vars) result[v.name] = tf.zerosLike(v);
            continue;
          }
          if (layer.kind === 'dense') {
            result[vars[0].name] = tf.matMul(a, rowScaled(g), true, false); // Aᵀ·diag(w)·G
            if (layer.hasBias) result[vars[1].name] = colSum(g);
          } else {
            result[vars[0].name] = colSum(tf.mul(a, g) as tf.Tensor2D);
            result[vars[1].name] = colSum(g);
          }
        }
        return { result, value, norm, factor };
      });
    } finally {
      tf.dispose([...inputs.values()]);
    }
    Object.assign(grads, out.result);
    lossSum = (out.value.dataSync() as Float32Array)[0];
    const nv = out.norm.dataSync() as Float32Array;
    let clipped = 0;
    for (let r = 0; r < privateRows; r++) if (nv[r] > C) clipped++;
    clippedFraction = privateRows > 0 ? clipped / privateRows : 0;
    if (o.returnNorms) norms = Float32Array.from(nv);
    tf.dispose([out.value, out.norm, out.factor]);
  } else {
    for (const l of layers) for (const v of l.variables) grads[v.name] = tf.zerosLike(v);
  }

  if (noiseStd > 0) {
    for (const l of layers) {
      for (const v of l.variables) {
        const buf = new Float32Array(v.size);
        o.noise.fill(buf, noiseStd);
        const old = grads[v.name];
        grads[v.name] = tf.tidy(() => tf.add(old, tf.tensor(buf, v.shape, 'float32')));
        old.dispose();
      }
    }
  }
  return { grads, lossSum, clippedFraction, norms };
}

/** The same network trained without privacy: gradient of Σ row losses / normaliser (default: rows). */
export function plainGradients(
  modules: DpModule | DpModule[],
  rows: number,
  lossFn: RowLossFn,
  o: { normaliser?: number; rng?: Rng } = {},
): GradientResult {
  const mods = modulesOf(modules);
  const variables = mods.flatMap((m) => m.variables);
  const ctx = new ForwardContext({ training: true, rng: o.rng });
  const norm = o.normaliser ?? rows;
  const { value, grads } = tf.variableGrads(() => {
    const loss = lossFn(ctx);
    checkLoss(loss, rows);
    return tf.div(tf.sum(loss), norm) as tf.Scalar;
  }, variables);
  const lossSum = (value.dataSync() as Float32Array)[0] * norm;
  value.dispose();
  return { grads, lossSum };
}

/**
 * Reference per-example gradients by an explicit loop (one backward per row; O(rows²) forward work).
 * For tests and for losses the ghost-norm path cannot handle. Returns each row's flattened gradient in
 * the order of the modules' variables. `seed` re-seeds dropout identically for every row.
 */
export function perExampleGradients(modules: DpModule | DpModule[], rows: number, lossFn: RowLossFn, o: { seed?: number; training?: boolean } = {}): Float32Array[] {
  const variables = modulesOf(modules).flatMap((m) => m.variables);
  const total = variables.reduce((a, v) => a + v.size, 0);
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Float32Array(total);
    tf.tidy(() => {
      const ctx = new ForwardContext({ training: o.training ?? false, rng: o.seed !== undefined ? new Rng(o.seed) : undefined });
      const { grads } = tf.variableGrads(() => tf.sum(tf.slice(lossFn(ctx), [r], [1])) as tf.Scalar, variables);
      let off = 0;
      for (const v of variables) {
        const g = grads[v.name];
        if (g) row.set(g.dataSync() as Float32Array, off);
        off += v.size;
      }
    });
    out.push(row);
  }
  return out;
}


export interface DpSgdOptions {
  /** Real rows available. */
  n: number;
  /** Expected (Poisson) or exact (fixed) batch size. */
  batchSize: number;
  sampling?: Sampling;
  clipNorm: number;
  noiseMultiplier: number;
  noise: GaussianSource;
}

/**
 * DP-SGD configured once per training run: draws batches, computes private gradients, and tells the
 * accountant (q, σ). Pair with DpsgdBudget to stop before the budget is exceeded.
 */
export class DpSgd {
  readonly sampler: BatchSampler;
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  readonly noise: GaussianSource;

  constructor(o: DpSgdOptions) {
    this.sampler = new BatchSampler({ n: o.n, batchSize: o.batchSize, sampling: o.sampling });
    if (!(o.clipNorm > 0)) throw new RangeError(`DpSgd: clipNorm must be positive, got ${o.clipNorm}`);
    if (!(o.noiseMultiplier >= 0)) throw new RangeError(`DpSgd: noiseMultiplier must be ≥ 0, got ${o.noiseMultiplier}`);
    this.clipNorm = o.clipNorm;
    this.noiseMultiplier = o.noiseMultiplier;
    this.noise = o.noise;
  }

  get q(): number {
    return this.sampler.q;
  }

  get sampling(): Sampling {
    return this.sampler.sampling;
  }

  /** Row indices of the next batch of real data. */
  sampleBatch(rng: Rng): Int32Array {
    return this.sampler.sample(rng);
  }

  /** Private gradient of the row losses; rows beyond `privateRows` (default: all) are not clipped. */
  gradients(modules: DpModule | DpModule[], rows: number, lossFn: RowLossFn, o: { privateRows?: number; rng?: Rng; returnNorms?: boolean } = {}): DpGradientResult {
    return dpGradients(modules, rows, lossFn, {
      clipNorm: this.clipNorm,
      noiseMultiplier: this.noiseMultiplier,
      expectedBatchSize: this.sampler.expectedBatchSize,
      noise: this.noise,
      ...o,
    });
  }
}
