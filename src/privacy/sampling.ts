/**
 * Batch sampling for DP-SGD. The accountants assume Poisson sampling: each of the n rows joins a batch
 * independently with probability q, so batch sizes vary (expected q·n) and may be 0 — the step still runs
 * (noise only) and is counted. Fixed-size batches (exactly B rows without replacement) are an explicit
 * option that must be accounted with `sampling: 'fixed'` (RDP, replace-one adjacency, sensitivity 2C).
 */
import type { Rng } from '../compute/rng.ts';
import type { Sampling } from './rdp.ts';

/** Indices of a Poisson sample of 0..n−1 at rate q (geometric skips: O(q·n) draws), ascending. */
export function poissonSample(n: number, q: number, rng: Rng): Int32Array {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`poissonSample: q must be in [0, 1], got ${q}`);
  if (q === 0 || n === 0) return new Int32Array(0);
  if (q === 1) return Int32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const logq = Math.log1p(-q);
  let i = -1;
  for (;;) {
    let u = rng.uniform();
    while (u === 0) u = rng.uniform();
    i += 1 + Math.floor(Math.log(u) / logq);
    if (i >= n) break;
    out.push(i);
  }
  return Int32Array.from(out);
}

/** Exactly `size` distinct indices of 0..n−1 uniformly without replacement (Floyd's algorithm), ascending. */
export function fixedSizeSample(n: number, size: number, rng: Rng): Int32Array {
  if (!(Number.isInteger(size) && size >= 0 && size <= n)) throw new RangeError(`fixedSizeSample: size must be in [0, ${n}], got ${size}`);
  const chosen = new Set<number>();
  for (let j = n - size; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

export interface BatchSamplerOptions {
  /** Number of real rows. */
  n: number;
  /** Expected (poisson) or exact (fixed) batch size; q = batchSize / n. */
  batchSize: number;
  sampling?: Sampling;
}

/** Draws DP-SGD batches and knows the numbers the accountant and the gradient normaliser need. */
export class BatchSampler {
  readonly n: number;
  readonly batchSize: number;
  readonly sampling: Sampling;

  constructor(o: BatchSamplerOptions) {
    if (!(Number.isInteger(o.n) && o.n >= 1)) throw new RangeError(`BatchSampler: n must be a positive integer, got ${o.n}`);
    if (!(o.batchSize > 0 && o.batchSize <= o.n)) throw new RangeError(`BatchSampler: batch size must be in (0, n=${o.n}], got ${o.batchSize}`);
    this.n = o.n;
    this.batchSize = o.batchSize;
    this.sampling = o.sampling ?? 'poisson';
    if (this.sampling === 'fixed' && !Number.isInteger(o.batchSize)) throw new RangeError('BatchSampler: fixed batches need an integer size');
  }

  /** Sampling rate q for the accountant. */
  get q(): number {
    return this.batchSize / this.n;
  }

  /** Divide the noisy clipped sum by this (Opacus: the expected batch size, not the drawn one). */
  get expectedBatchSize(): number {
    return this.batchSize;
  }

  /** Steps per epoch in the usual sense (n / B, at least 1). */
  get stepsPerEpoch(): number {
    return Math.max(1, Math.round(this.n / this.batchSize));
  }

  sample(rng: Rng): Int32Array {
    return this.sampling === 'fixed' ? fixedSizeSample(this.n, this.batchSize, rng) : poissonSample(this.n, this.q, rng);
  }
}
