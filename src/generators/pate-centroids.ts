/**
 * Nearest-centroid PATE teachers: teacher t scores a row by how much closer its features lie to the mean of
 * t's own partition than to the mean of the current generated rows,
 *
 *     s_t(x) = (φ̄_t − μ_g)·φ(x) − (‖φ̄_t‖² − ‖μ_g‖²)/2,
 *
 * the linear classifier that a heavily regularised logistic regression of "partition vs generated" tends to,
 * computed exactly instead of trained. The partition means are fixed (teacher t depends on its own rows only);
 * μ_g is refreshed from generated rows (public) before each round of votes. Many tiny partitions are then cheap:
 * one [k, D] matrix and one matrix product per batch of queries.
 */
import { tf } from '../compute/tf.ts';

/** Largest teacher matrix (floats) held in memory: 512 MiB. */
const MAX_FLOATS = 2 ** 27;

export class CentroidTeachers {
  readonly members: number;
  /** [k, D] partition means of the teachers' features. */
  private readonly means: tf.Tensor2D;
  /** [k] ‖φ̄_t‖². */
  private readonly norms: tf.Tensor1D;
  private genMean?: tf.Tensor1D;
  private genNorm = 0;

  /**
   * `featuresOf(idx)`: the teacher features [idx.length, D] of real rows idx (read in chunks, so the [n, D] matrix
   * is never held at once); `partitions`: disjoint row indices per teacher.
   */
  constructor(featuresOf: (idx: Int32Array) => tf.Tensor2D, n: number, partitions: Int32Array[]) {
    this.members = partitions.length;
    const owner = new Int32Array(n).fill(-1);
    partitions.forEach((part, t) => part.forEach((r) => (owner[r] = t)));
    let M: Float32Array | undefined;
    let D = 0;
    const chunk = 4096;
    for (let start = 0; start < n; start += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, n - start) }, (_, i) => start + i);
      const f = featuresOf(idx);
      D = f.shape[1];
      if (!M && this.members * D > MAX_FLOATS) {
        f.dispose();
        throw new RangeError(
          `pategan: ${this.members} centroid teachers × ${D} features need ${((this.members * D * 4) / 2 ** 30).toFixed(1)} GiB; ` +
            `raise teacher_rows (rows per teacher) so that fewer teachers hold the data`,
        );
      }
      M ??= new Float32Array(this.members * D);
      const X = f.dataSync() as Float32Array;
      f.dispose();
      for (let i = 0; i < idx.length; i++) {
        const t = owner[idx[i]];
        if (t < 0) continue;
        const o = t * D;
        for (let j = 0; j < D; j++) M[o + j] += X[i * D + j];
      }
    }
    partitions.forEach((part, t) => {
      for (let j = 0; j < D; j++) M![t * D + j] /= part.length;
    });
    this.means = tf.tensor2d(M!, [this.members, D]);
    this.norms = tf.tidy(() => tf.sum(tf.square(this.means), 1)) as tf.Tensor1D;
  }

  /** Refresh the generated-rows mean from the features [m, D] of a fresh generated batch. */
  setGenerated(features: tf.Tensor2D): void {
    this.genMean?.dispose();
    this.genMean = tf.tidy(() => tf.mean(features, 0)) as tf.Tensor1D;
    this.genNorm = tf.tidy(() => tf.sum(tf.square(this.genMean!)).dataSync()[0]);
  }

  /** Scores [k, m] of rows with features [m, D]. */
  scores(features: tf.Tensor2D): tf.Tensor2D {
    if (!this.genMean) throw new Error('CentroidTeachers: setGenerated() before scoring');
    return tf.tidy(() => {
      const W = tf.sub(this.means, tf.reshape(this.genMean!, [1, -1])); // [k, D]
      const b = tf.mul(tf.sub(this.norms, this.genNorm), -0.5); // [k]
      return tf.add(tf.matMul(W, features, false, true), tf.reshape(b, [-1, 1])) as tf.Tensor2D;
    });
  }

  /** Score differences [k, m] between rows with features f2 and f1 ([m, D] each): linear, so one product. */
  scoreDifferences(f1: tf.Tensor2D, f2: tf.Tensor2D): tf.Tensor2D {
    if (!this.genMean) throw new Error('CentroidTeachers: setGenerated() before scoring');
    return tf.tidy(() => tf.matMul(tf.sub(this.means, tf.reshape(this.genMean!, [1, -1])), tf.sub(f2, f1), false, true) as tf.Tensor2D);
  }

  /** The teachers' mean score weights (for inspection): mean_t φ̄_t − μ_g. */
  meanWeights(): Float32Array {
    return tf.tidy(() => tf.sub(tf.mean(this.means, 0), this.genMean!).dataSync() as Float32Array);
  }

  dispose(): void {
    tf.dispose([this.means, this.norms, ...(this.genMean ? [this.genMean] : [])]);
  }
}
