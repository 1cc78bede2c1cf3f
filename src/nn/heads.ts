/**
 * Output heads for mixed-type tables: a generator's last layer emits one logit per encoded column and
 * the head turns each span into the value type it encodes — sigmoid (min-max to [0, 1]) or tanh
 * ([−1, 1]) for numerics, softmax or Gumbel-softmax over each one-hot block. The layout is plain data
 * (offsets and widths), so any encoder (min-max/one-hot, CTGAN's mode-specific normalisation, …) can use it.
 *
 *   const head = new MixedHead([{ kind: 'numeric', offset: 0, activation: 'sigmoid' },
 *                               { kind: 'categorical', offset: 1, width: 3 }]);
 *   const x = head.apply(logits, { categorical: 'gumbel', tau: 0.2, rng });   // training
 *   const codes = head.sampleCategories(probs, rng);                          // decoding
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';

/** Identity forward, zero gradient backward (tfjs-core has no stopGradient op). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;

export type NumericActivation = 'sigmoid' | 'tanh' | 'linear';

export type OutputSpan =
  | { kind: 'numeric'; offset: number; activation: NumericActivation }
  | { kind: 'categorical'; offset: number; width: number };

export interface HeadOptions {
  /** How one-hot blocks are produced: plain softmax, or Gumbel-softmax (needs `rng`). Default softmax. */
  categorical?: 'softmax' | 'gumbel';
  /** Gumbel-softmax temperature (CTGAN uses 0.2: defaults.md §2.1). */
  tau?: number;
  /** Straight-through hard one-hot in the forward pass, soft gradient backward. */
  hard?: boolean;
  /** Gumbel noise stream (reproducible draws); required for 'gumbel'. */
  rng?: Rng;
}

/** Consecutive spans of the same kind/activation merged, so the head costs a few slices, not one per column. */
type Block =
  | { kind: 'numeric'; offset: number; width: number; activation: NumericActivation }
  | { kind: 'categorical'; offset: number; width: number };

export class MixedHead {
  readonly spans: readonly OutputSpan[];
  readonly dim: number;
  private readonly blocks: Block[];

  constructor(spans: OutputSpan[]) {
    const sorted = [...spans].sort((a, b) => a.offset - b.offset);
    let expect = 0;
    for (const s of sorted) {
      const w = s.kind === 'numeric' ? 1 : s.width;
      if (s.offset !== expect) throw new RangeError(`MixedHead: spans must tile the output without gaps or overlaps (expected offset ${expect}, got ${s.offset})`);
      if (!(Number.isInteger(w) && w >= 1)) throw new RangeError(`MixedHead: categorical span at ${s.offset} needs a positive integer width`);
      expect += w;
    }
    this.spans = sorted;
    this.dim = expect;
    this.blocks = [];
    for (const s of sorted) {
      const last = this.blocks[this.blocks.length - 1];
      if (s.kind === 'numeric' && last?.kind === 'numeric' && last.activation === s.activation) last.width += 1;
      else if (s.kind === 'numeric') this.blocks.push({ kind: 'numeric', offset: s.offset, width: 1, activation: s.activation });
      else this.blocks.push({ kind: 'categorical', offset: s.offset, width: s.width });
    }
  }

  get categoricalSpans(): { offset: number; width: number }[] {
    return this.spans.filter((s): s is Extract<OutputSpan, { kind: 'categorical' }> => s.kind === 'categorical');
  }

  /** Logits [rows, dim] → encoded values [rows, dim]. */
  apply(logits: tf.Tensor2D, o: HeadOptions = {}): tf.Tensor2D {
    if (logits.shape[1] !== this.dim) throw new RangeError(`MixedHead: expected ${this.dim} logits per row, got ${logits.shape[1]}`);
    const mode = o.categorical ?? 'softmax';
    const tau = o.tau ?? 1;
    if (!(tau > 0)) throw new RangeError(`MixedHead: Gumbel-softmax temperature must be positive, got ${tau}`);
    if (mode === 'gumbel' && !o.rng) throw new RangeError('MixedHead: Gumbel-softmax needs an Rng for its noise');
    const rows = logits.shape[0];
    const parts: tf.Tensor2D[] = [];
    for (const b of this.blocks) {
      const x = this.blocks.length === 1 ? logits : (tf.slice(logits, [0, b.offset], [rows, b.width]) as tf.Tensor2D);
      if (b.kind === 'numeric') {
        parts.push(b.activation === 'sigmoid' ? tf.sigmoid(x) : b.activation === 'tanh' ? tf.tanh(x) : x);
        continue;
      }
      let z = x;
      if (mode === 'gumbel') {
        const g = new Float32Array(rows * b.width);
        for (let i = 0; i < g.length; i++) g[i] = o.rng!.gumbel();
        z = tf.div(tf.add(x, tf.tensor2d(g, [rows, b.width])), tau) as tf.Tensor2D;
      } else if (tau !== 1) {
        z = tf.div(x, tau) as tf.Tensor2D;
      }
      let y = tf.softmax(z) as tf.Tensor2D;
      if (o.hard) {
        const hardY = tf.cast(tf.oneHot(tf.argMax(y, 1), b.width), 'float32') as tf.Tensor2D;
        y = tf.add(stopGradient(tf.sub(hardY, y)), y) as tf.Tensor2D;
      }
      parts.push(y);
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
  }

  /**
   * Decoding: for each one-hot block of a row-major [rows, dim] matrix of probabilities, draw a category
   * with those probabilities (not the argmax — argmax of a soft output collapses rare classes) and write
   * the block back as an exact one-hot. Numeric entries are left untouched.
   */
  sampleCategories(X: Float32Array | Float64Array, rows: number, rng: Rng): void {
    const d = this.dim;
    if (X.length !== rows * d) throw new RangeError(`MixedHead.sampleCategories: expected ${rows}×${d} values, got ${X.length}`);
    for (const s of this.categoricalSpans) {
      for (let i = 0; i < rows; i++) {
        const o = i * d + s.offset;
        let total = 0;
        for (let k = 0; k < s.width; k++) total += Math.max(0, X[o + k]);
        let pick = s.width - 1;
        if (total > 0) {
          let r = rng.uniform() * total;
          for (let k = 0; k < s.width; k++) {
            r -= Math.max(0, X[o + k]);
            if (r < 0) {
              pick = k;
              break;
            }
          }
        } else {
          pick = rng.int(s.width);
        }
        for (let k = 0; k < s.width; k++) X[o + k] = k === pick ? 1 : 0;
      }
    }
  }
}
