/**
 * ActNorm (Kingma & Dhariwal 2018, Glow §3.1): a per-dimension affine y = x⊙exp(log s) + t with
 * log|det J| = Σ log s per row. Its parameters live in a bias-free `Dense(1 → 2d)` applied to a column of
 * ones, so that [log s, t] is a *per-row layer output*: DP-SGD's ghost norms then see every parameter
 * inside a dense layer (per-example gradient of W is 1·gᵢᵀ, norm ‖gᵢ‖), including the log-det's
 * dependence on log s — an elementwise `Affine` could not carry the Σ log|γ| term, which does not flow
 * through its output.
 *
 * Initialisation: identity (log s = 0, t = 0), or from data statistics (`initFromStats`; Glow's
 * data-dependent init — it reads real rows, so private training must not use it unless it pays for it).
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { Dense, type DpModule, type ForwardContext, type ParamLayer } from '../privacy/dpnet.ts';

export class ActNorm implements DpModule {
  readonly name: string;
  readonly dim: number;
  /** W: [1, 2d] = [log s | t]. */
  readonly dense: Dense;
  readonly exampleMixingLayers: string[] = [];

  constructor(name: string, dim: number, rng: Rng) {
    this.name = name;
    this.dim = dim;
    this.dense = new Dense(`${name}/params`, 1, 2 * dim, rng, { bias: false });
    this.setIdentity();
  }

  get variables(): tf.Variable[] {
    return this.dense.variables;
  }

  get paramLayers(): ParamLayer[] {
    return [this.dense];
  }

  /** log s = 0, t = 0: a data-independent start. */
  setIdentity(): void {
    tf.tidy(() => this.dense.W.assign(tf.zeros([1, 2 * this.dim])));
  }

  /** Glow's data-dependent init: outputs of the given rows get zero mean and unit variance per dimension. */
  initFromStats(mean: ArrayLike<number>, std: ArrayLike<number>): void {
    const d = this.dim;
    const w = new Float32Array(2 * d);
    for (let j = 0; j < d; j++) {
      const ls = -Math.log(Math.max(std[j], 1e-6));
      w[j] = ls;
      w[d + j] = -mean[j] * Math.exp(ls);
    }
    tf.tidy(() => this.dense.W.assign(tf.tensor2d(w, [1, 2 * d])));
  }

  /** y = x⊙exp(log s) + t and log|det| per row. */
  forward(x: tf.Tensor2D, ctx?: ForwardContext): { y: tf.Tensor2D; logdet: tf.Tensor1D } {
    const rows = x.shape[0];
    const d = this.dim;
    const p = this.dense.linear(tf.ones([rows, 1]), ctx);
    const logs = tf.slice(p, [0, 0], [rows, d]);
    const t = tf.slice(p, [0, d], [rows, d]);
    return { y: tf.add(tf.mul(x, tf.exp(logs)), t) as tf.Tensor2D, logdet: tf.sum(logs, 1) as tf.Tensor1D };
  }

  inverse(y: tf.Tensor2D): tf.Tensor2D {
    const d = this.dim;
    const logs = tf.slice(this.dense.W, [0, 0], [1, d]);
    const t = tf.slice(this.dense.W, [0, d], [1, d]);
    return tf.mul(tf.sub(y, t), tf.exp(tf.neg(logs))) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
