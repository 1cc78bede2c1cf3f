/**
 * CTGAN's mode-specific normalisation (Xu et al. 2019 §4.2; defaults.md §2.1 — ctgan/data_transformer.py
 * → RDT ClusterBasedNormalizer, rdt/transformers/numerical.py:524-629):
 *   - each continuous column gets a Bayesian GMM (gmm.ts: ≤ 10 modes, DP weight prior 0.001); modes with
 *     weight ≤ 0.005 are dropped;
 *   - a value x becomes α = (x − μ_k)/(4σ_k) clipped to ±0.99 plus the one-hot of mode k, where k is DRAWN
 *     from the posterior over the kept modes (+1e-6, renormalised), not the argmax;
 *   - the inverse clips α to ±1 and returns α·4σ_k + μ_k — exact for every value whose |α| < 0.99;
 *   - discrete columns are one-hot.
 *
 * `ModeSpecificEncoder` lays a table out as [α of every continuous column][mode one-hots][category
 * one-hots] (grouped so a network head applies one tanh to all α's) and decodes generated rows: the mode
 * and category are read from (sampled) one-hots, integer columns are rounded and values clipped to the
 * declared bounds (metrics.md: an unrounded, unclipped CTGAN sample is trivially detectable).
 *
 * Fitting reads the data unless the caller passes ready-made normalisers (DP code fits them on noisy
 * histograms, or uses fixed modes from public bounds: `ModeNormalizer.fromWeighted` / `ModeNormalizer.fixed`).
 */
import type { Rng } from '../../compute/rng.ts';
import { type Column, type ColumnSchema, Table } from '../table.ts';
import { type BgmModel, distinctCounts, fitBayesianGmm, predictProba } from './gmm.ts';

/** α = (x − μ)/(STD_MULTIPLIER·σ): a value lies in ±1 with 99.99% probability (RDT STD_MULTIPLIER = 4). */
const STD_MULTIPLIER = 4;

export interface ModeOptions {
  /** Most modes per column (ctgan max_clusters=min(n, 10); defaults.md §2.1). */
  maxModes?: number;
  /** Modes with weight ≤ threshold are dropped (ctgan weight_threshold=0.005). */
  weightThreshold?: number;
  /** Dirichlet-process concentration (RDT weight_concentration_prior=0.001). */
  weightConcentrationPrior?: number;
  tol?: number;
  maxIter?: number;
}

export class ModeNormalizer {
  /** Means and standard deviations of the kept modes. */
  readonly means: Float64Array;
  readonly stds: Float64Array;
  /** Mixture weights of the kept modes (renormalised). */
  readonly weights: Float64Array;
  /** Full posterior (BGM fits) — predict_proba uses every component, then keeps the valid ones. */
  private readonly model?: BgmModel;
  private readonly valid: Int32Array;
  /** How the modes were obtained (for reports). */
  readonly source: 'data' | 'weighted' | 'fixed';
  readonly iterations: number;

  private constructor(o: { means: Float64Array; stds: Float64Array; weights: Float64Array; model?: BgmModel; valid: Int32Array; source: ModeNormalizer['source']; iterations: number }) {
    this.means = o.means;
    this.stds = o.stds;
    this.weights = o.weights;
    this.model = o.model;
    this.valid = o.valid;
    this.source = o.source;
    this.iterations = o.iterations;
  }

  get modes(): number {
    return this.means.length;
  }

  /** Fit on the values themselves (exact: the BGM runs on distinct values weighted by their counts). */
  static fit(values: ArrayLike<number>, rng: Rng, o: ModeOptions = {}): ModeNormalizer {
    const d = distinctCounts(values);
    return ModeNormalizer.fromModel(d.values, d.counts, values.length, rng, o, 'data');
  }

  /** Fit on weighted points (e.g. the cells of a noisy histogram); `n` = total weight. */
  static fromWeighted(points: ArrayLike<number>, weights: ArrayLike<number>, rng: Rng, o: ModeOptions = {}): ModeNormalizer {
    let n = 0;
    for (let i = 0; i < weights.length; i++) n += weights[i];
    return ModeNormalizer.fromModel(Float64Array.from(points), Float64Array.from(weights), Math.max(1, Math.round(n)), rng, o, 'weighted');
  }

  private static fromModel(x: Float64Array, w: Float64Array, n: number, rng: Rng, o: ModeOptions, source: 'data' | 'weighted'): ModeNormalizer {
    const K = Math.max(1, Math.min(n, o.maxModes ?? 10));
    const model = fitBayesianGmm(x, rng, {
      weights: w,
      components: K,
      weightConcentrationPrior: o.weightConcentrationPrior ?? 0.001,
      tol: o.tol,
      maxIter: o.maxIter,
    });
    const thr = o.weightThreshold ?? 0.005;
    let valid = Int32Array.from(Array.from(model.weights.keys()).filter((k) => model.weights[k] > thr));
    if (valid.length === 0) {
      // Every weight under the threshold cannot happen for K ≤ 10 (weights sum to 1), but keep the heaviest.
      let best = 0;
      for (let k = 1; k < K; k++) if (model.weights[k] > model.weights[best]) best = k;
      valid = Int32Array.of(best);
    }
    return new ModeNormalizer({
      means: Float64Array.from(valid, (k) => model.means[k]),
      stds: Float64Array.from(valid, (k) => Math.sqrt(model.variances[k])),
      weights: normalise(Float64Array.from(valid, (k) => model.weights[k])),
      model,
      valid,
      source,
      iterations: model.iterations,
    });
  }

  /**
   * Data-independent modes from public bounds: `modes` equal-width intervals of [min, max], each a Gaussian
   * at its centre with σ = width/2 (so ±4σ covers the two neighbouring intervals), equal weights.
   */
  static fixed(min: number, max: number, modes: number): ModeNormalizer {
    if (!(Number.isFinite(min) && Number.isFinite(max) && max >= min)) throw new RangeError(`fixed modes need finite bounds min ≤ max, got [${min}, ${max}]`);
    const K = Math.max(1, Math.floor(modes));
    const width = max > min ? (max - min) / K : 1;
    return new ModeNormalizer({
      means: Float64Array.from({ length: K }, (_, k) => min + (k + 0.5) * width),
      stds: new Float64Array(K).fill(width / 2),
      weights: new Float64Array(K).fill(1 / K),
      valid: Int32Array.from({ length: K }, (_, k) => k),
      source: 'fixed',
      iterations: 0,
    });
  }

  /** Posterior over the kept modes, row-major [n, modes] (without the 1e-6 smoothing). */
  posterior(values: ArrayLike<number>): Float64Array {
    const n = values.length;
    const M = this.modes;
    const out = new Float64Array(n * M);
    if (this.model) {
      const K = this.model.means.length;
      const R = predictProba(this.model, values);
      for (let i = 0; i < n; i++) for (let j = 0; j < M; j++) out[i * M + j] = R[i * K + this.valid[j]];
      return out;
    }
    const lw = Float64Array.from(this.weights, (w, k) => Math.log(w) - Math.log(this.stds[k]));
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < M; k++) {
        const z = (values[i] - this.means[k]) / this.stds[k];
        const v = lw[k] - 0.5 * z * z;
        out[i * M + k] = v;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let k = 0; k < M; k++) s += out[i * M + k] = Math.exp(out[i * M + k] - mx);
      for (let k = 0; k < M; k++) out[i * M + k] /= s;
    }
    return out;
  }

  /** x → (α, mode): mode drawn from the posterior + 1e-6 (RDT), α clipped to ±0.99. */
  transform(values: ArrayLike<number>, rng: Rng): { alpha: Float64Array; mode: Int32Array } {
    const n = values.length;
    const M = this.modes;
    const P = this.posterior(values);
    const alpha = new Float64Array(n);
    const mode = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (!Number.isFinite(x)) throw new RangeError(`mode-specific normalisation: value ${i} is not finite (${x})`);
      const o = i * M;
      let total = 0;
      for (let k = 0; k < M; k++) total += P[o + k] + 1e-6;
      let r = rng.uniform() * total;
      let k = M - 1;
      for (let j = 0; j < M; j++) {
        r -= P[o + j] + 1e-6;
        if (r < 0) {
          k = j;
          break;
        }
      }
      mode[i] = k;
      const a = (x - this.means[k]) / (STD_MULTIPLIER * this.stds[k]);
      alpha[i] = a > 0.99 ? 0.99 : a < -0.99 ? -0.99 : a;
    }
    return { alpha, mode };
  }

  /** (α, mode) → x = clip(α, ±1)·4σ_k + μ_k. */
  inverseOne(alpha: number, mode: number): number {
    const a = alpha > 1 ? 1 : alpha < -1 ? -1 : alpha;
    return a * STD_MULTIPLIER * this.stds[mode] + this.means[mode];
  }

  inverse(alpha: ArrayLike<number>, mode: ArrayLike<number>): Float64Array {
    const out = new Float64Array(alpha.length);
    for (let i = 0; i < alpha.length; i++) out[i] = this.inverseOne(alpha[i], mode[i]);
    return out;
  }
}

function normalise(w: Float64Array): Float64Array {
  let s = 0;
  for (const v of w) s += v;
  for (let i = 0; i < w.length; i++) w[i] = s > 0 ? w[i] / s : 1 / w.length;
  return w;
}

export interface ContinuousLayout {
  kind: 'continuous';
  name: string;
  normalizer: ModeNormalizer;
  integer: boolean;
  /** Clip range of decoded values (declared bounds; else the fitted data's range when not private). */
  min?: number;
  max?: number;
  alphaOffset: number;
  modeOffset: number;
}

export interface DiscreteLayout {
  kind: 'discrete';
  name: string;
  levels: string[];
  offset: number;
}

export type ColumnLayout = ContinuousLayout | DiscreteLayout;

/** A span of the encoded row and the activation a generator head applies to it. */
export type EncodedSpan = { kind: 'numeric'; offset: number; activation: 'tanh' } | { kind: 'categorical'; offset: number; width: number };

export interface EncoderFitOptions extends ModeOptions {
  /** Ready-made normalisers by column name (DP fits); columns not listed are fitted on the data. */
  normalizers?: Map<string, ModeNormalizer>;
  /** Refuse to read anything from the data: every continuous column needs a normaliser and declared bounds, every categorical declared levels. */
  requirePublic?: boolean;
  /** Who is asking (error messages). */
  owner?: string;
}

export class ModeSpecificEncoder {
  readonly columns: ColumnLayout[];
  readonly dim: number;
  readonly spans: EncodedSpan[];
  /** Number of continuous columns (the leading α block). */
  readonly continuous: number;

  private constructor(columns: ColumnLayout[], dim: number) {
    this.columns = columns;
    this.dim = dim;
    this.continuous = columns.filter((c) => c.kind === 'continuous').length;
    const spans: EncodedSpan[] = [];
    for (const c of columns) if (c.kind === 'continuous') spans.push({ kind: 'numeric', offset: c.alphaOffset, activation: 'tanh' });
    for (const c of columns) if (c.kind === 'continuous') spans.push({ kind: 'categorical', offset: c.modeOffset, width: c.normalizer.modes });
    for (const c of columns) if (c.kind === 'discrete') spans.push({ kind: 'categorical', offset: c.offset, width: c.levels.length });
    this.spans = spans;
  }

  get discrete(): DiscreteLayout[] {
    return this.columns.filter((c): c is DiscreteLayout => c.kind === 'discrete');
  }

  static fit(table: Table, rng: Rng, o: EncoderFitOptions = {}): ModeSpecificEncoder {
    const owner = o.owner ?? 'mode-specific encoder';
    const schema = new Map<string, ColumnSchema>((table.meta.schema ?? []).map((s) => [s.name, s]));
    const cont: { c: Column & { kind: 'numeric' }; norm: ModeNormalizer; min?: number; max?: number }[] = [];
    const disc: { name: string; levels: string[] }[] = [];
    for (const c of table.columns) {
      const s = schema.get(c.name);
      if (c.kind === 'numeric') {
        let min = s?.min;
        let max = s?.max;
        let norm = o.normalizers?.get(c.name);
        if (o.requirePublic) {
          if (min === undefined || max === undefined) {
            throw new Error(
              `${owner}: numeric column "${c.name}" has no declared min/max; under DP the bounds must be public metadata ` +
                `(declare columns.${c.name}.min/max in the dataset config) — they are never read from the data`,
            );
          }
          if (!norm) throw new Error(`${owner}: no private mode fit for numeric column "${c.name}"`);
        } else {
          for (let i = 0; i < c.values.length; i++) {
            if (!Number.isFinite(c.values[i])) throw new Error(`${owner}: numeric column "${c.name}" has a missing or non-finite value at row ${i + 1}`);
          }
          if (min === undefined || max === undefined) {
            let lo = Infinity;
            let hi = -Infinity;
            for (const v of c.values) {
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            min ??= lo;
            max ??= hi;
          }
          norm ??= ModeNormalizer.fit(c.values, rng.fork(`gmm/${c.name}`), o);
        }
        cont.push({ c, norm, min, max });
      } else {
        const declared = s?.levels;
        if (o.requirePublic) {
          if (!declared) throw new Error(`${owner}: categorical column "${c.name}" has no declared levels; under DP the level set must be public metadata (declare columns.${c.name}.levels)`);
          const unknown = c.levels.filter((l) => !declared.includes(l));
          if (unknown.length > 0) throw new Error(`${owner}: column "${c.name}" has levels not in its declared list: ${unknown.slice(0, 5).join(', ')}`);
        }
        const levels = [...(declared ?? [])];
        for (const l of c.levels) if (!levels.includes(l)) levels.push(l);
        disc.push({ name: c.name, levels });
      }
    }
    const columns: ColumnLayout[] = [];
    let off = cont.length;
    const modeOffsets = cont.map((x) => {
      const at = off;
      off += x.norm.modes;
      return at;
    });
    let j = 0;
    let k = 0;
    const discOffsets = disc.map((x) => {
      const at = off;
      off += x.levels.length;
      return at;
    });
    // Keep the table's column order in `columns` (decoding rebuilds the table in that order).
    for (const c of table.columns) {
      if (c.kind === 'numeric') {
        const x = cont[j];
        columns.push({ kind: 'continuous', name: c.name, normalizer: x.norm, integer: c.integer, min: x.min, max: x.max, alphaOffset: j, modeOffset: modeOffsets[j] });
        j++;
      } else {
        columns.push({ kind: 'discrete', name: c.name, levels: disc[k].levels, offset: discOffsets[k] });
        k++;
      }
    }
    return new ModeSpecificEncoder(columns, off);
  }

  /** Rows → row-major [rows, dim] (modes drawn from each value's posterior with `rng`). */
  encode(table: Table, rng: Rng): Float32Array {
    const n = table.nrows;
    const d = this.dim;
    const X = new Float32Array(n * d);
    for (const c of this.columns) {
      const col = table.column(c.name);
      if (c.kind === 'continuous') {
        if (col.kind !== 'numeric') throw new Error(`mode-specific encoder: column "${c.name}" was numeric when fitted`);
        const { alpha, mode } = c.normalizer.transform(col.values, rng.fork(`modes/${c.name}`));
        for (let i = 0; i < n; i++) {
          X[i * d + c.alphaOffset] = alpha[i];
          X[i * d + c.modeOffset + mode[i]] = 1;
        }
      } else {
        if (col.kind !== 'categorical') throw new Error(`mode-specific encoder: column "${c.name}" was categorical when fitted`);
        const map = col.levels.map((l) => c.levels.indexOf(l));
        for (let i = 0; i < n; i++) {
          const k = map[col.codes[i]];
          if (k >= 0) X[i * d + c.offset + k] = 1;
        }
      }
    }
    return X;
  }

  /** Category codes (into this encoder's level order) of every discrete column of `table`. */
  discreteCodes(table: Table): Int32Array[] {
    return this.discrete.map((c) => {
      const col = table.categorical(c.name);
      const map = col.levels.map((l) => c.levels.indexOf(l));
      return Int32Array.from(col.codes, (code) => map[code]);
    });
  }

  /**
   * Generated rows → Table. Each one-hot block is read by argmax, or — `sample: rng` — drawn with the
   * block's values as probabilities (CTGAN's Gumbel-max decoding is such a draw). `alphaNoise` adds
   * N(0, σ_j²) to α_j before the inverse (TVAE's decoder σ; indexed like the α block). Integer columns are rounded, values clipped.
   */
  decode(X: Float32Array | Float64Array, rows: number, o: { sample?: Rng; alphaNoise?: { sigmas: ArrayLike<number>; rng: Rng } } = {}): Table {
    const d = this.dim;
    if (X.length !== rows * d) throw new RangeError(`mode-specific decoder: expected ${rows}×${d} values, got ${X.length}`);
    const pick = (o2: number, width: number): number => {
      if (o.sample) {
        let total = 0;
        for (let k = 0; k < width; k++) total += Math.max(0, X[o2 + k]);
        if (total > 0) {
          let r = o.sample.uniform() * total;
          for (let k = 0; k < width; k++) {
            r -= Math.max(0, X[o2 + k]);
            if (r < 0) return k;
          }
          return width - 1;
        }
      }
      let best = 0;
      for (let k = 1; k < width; k++) if (X[o2 + k] > X[o2 + best]) best = k;
      return best;
    };
    const columns: Column[] = this.columns.map((c) => {
      if (c.kind === 'continuous') {
        const values = new Float64Array(rows);
        const M = c.normalizer.modes;
        const sigma = o.alphaNoise ? o.alphaNoise.sigmas[c.alphaOffset] : 0;
        for (let i = 0; i < rows; i++) {
          let a = X[i * d + c.alphaOffset];
          if (sigma > 0) a += sigma * o.alphaNoise!.rng.normal();
          let v = c.normalizer.inverseOne(a, pick(i * d + c.modeOffset, M));
          if (c.integer) v = Math.round(v);
          if (c.min !== undefined && v < c.min) v = c.min;
          if (c.max !== undefined && v > c.max) v = c.max;
          values[i] = v;
        }
        return { kind: 'numeric', name: c.name, values, integer: c.integer };
      }
      const codes = new Int32Array(rows);
      for (let i = 0; i < rows; i++) codes[i] = pick(i * d + c.offset, c.levels.length);
      return { kind: 'categorical', name: c.name, codes, levels: [...c.levels] };
    });
    return new Table(columns);
  }
}
