/**
 * Per-row losses (shape [rows]) — the form DP-SGD's per-example clipping needs; take the mean yourself
 * for a plain step. Logits may be [rows] or [rows, 1].
 */
import { tf } from '../compute/tf.ts';

function flat(x: tf.Tensor): tf.Tensor1D {
  return (x.rank === 1 ? x : tf.reshape(x, [-1])) as tf.Tensor1D;
}

/**
 * Binary cross-entropy on logits, −[y·log σ(z) + (1−y)·log(1−σ(z))] = softplus(z) − y·z, computed without
 * forming σ(z) (stable for large |z|). `labels` is a constant (0 or 1) or a tensor of per-row targets in [0, 1].
 */
export function bceWithLogits(logits: tf.Tensor, labels: number | tf.Tensor): tf.Tensor1D {
  const z = flat(logits);
  const y = typeof labels === 'number' ? labels : flat(labels);
  if (typeof y === 'number') return (y === 0 ? tf.softplus(z) : tf.sub(tf.softplus(z), tf.mul(z, y))) as tf.Tensor1D;
  return tf.sub(tf.softplus(z), tf.mul(z, y)) as tf.Tensor1D;
}

/** Non-saturating generator loss −log σ(z) = softplus(−z) (Goodfellow et al. 2014, §3). */
export function nonSaturatingLoss(logits: tf.Tensor): tf.Tensor1D {
  return tf.softplus(tf.neg(flat(logits))) as tf.Tensor1D;
}

/** Wasserstein critic rows: −z for real rows (sign +1), +z for generated rows (sign −1). */
export function wassersteinRows(scores: tf.Tensor, sign: 1 | -1): tf.Tensor1D {
  const z = flat(scores);
  return (sign === 1 ? tf.neg(z) : z) as tf.Tensor1D;
}
