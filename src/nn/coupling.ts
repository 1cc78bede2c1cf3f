/**
 * Affine coupling block, GLOW style as FrEIA's `GLOWCouplingBlock` (coupling_layers.py; defaults.md §2.5):
 * the input is split into x₁ (⌈d/2⌉ dims) and x₂; one subnet per half predicts [s, t] for the other half:
 *
 *   y₁ = x₁⊙exp(ŝ₂) + t₂,  [s₂, t₂] = net₂([x₂, c])
 *   y₂ = x₂⊙exp(ŝ₁) + t₁,  [s₁, t₁] = net₁([y₁, c])        log|det J| = Σŝ₂ + Σŝ₁
 *
 * with the soft clamp ŝ = clamp·0.636·atan(s/clamp) (FrEIA's GLOW block `log_e`, clamp = 2: every scale
 * lies in exp(±clamp)). `c` is an optional condition (conditional INN, Ardizzone et al. 2019): it is
 * concatenated to each subnet input. The inverse runs the two halves in reverse order with the same subnets.
 *
 * Subnets are DenseNets (src/privacy/dpnet.ts), each applied once per forward pass and row-wise, so
 * DP-SGD's ghost norms apply to the log-likelihood loss unchanged. Their last layer starts at zero
 * (Glow §3.3: each coupling starts as the identity).
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { type Activation, type Dense, DenseNet, type DpModule, type ForwardContext } from '../privacy/dpnet.ts';
import { mlpSpecs } from './mlp.ts';

/** FrEIA soft clamp of the log-scale: clamp·0.636·atan(s/clamp) ∈ (−clamp, clamp) (0.636 ≈ 2/π). */
export function softClamp(s: tf.Tensor2D, clamp: number): tf.Tensor2D {
  if (!(clamp > 0)) return s;
  return tf.mul(tf.atan(tf.div(s, clamp)), clamp * 0.636) as tf.Tensor2D;
}

export interface CouplingSpec {
  dim: number;
  /** Width of the condition vector (0 = unconditional). */
  condDim?: number;
  /** Hidden widths of each subnet (FrEIA quickstart: one layer of 512). */
  hidden: number[];
  activation?: Activation;
  /** Soft clamp of the log-scale (FrEIA default 2.0). */
  clamp?: number;
}

export class AffineCoupling {
  readonly name: string;
  readonly dim: number;
  readonly d1: number;
  readonly d2: number;
  readonly condDim: number;
  readonly clamp: number;
  /** net2: [x₂, c] → [s, t] for x₁; net1: [y₁, c] → [s, t] for x₂. */
  readonly net1: DenseNet;
  readonly net2: DenseNet;

  constructor(name: string, spec: CouplingSpec, rng: Rng) {
    if (!(Number.isInteger(spec.dim) && spec.dim >= 2)) throw new RangeError(`AffineCoupling "${name}": needs at least 2 dimensions, got ${spec.dim}`);
    this.name = name;
    this.dim = spec.dim;
    this.d1 = Math.ceil(spec.dim / 2);
    this.d2 = spec.dim - this.d1;
    this.condDim = spec.condDim ?? 0;
    this.clamp = spec.clamp ?? 2;
    const act = spec.activation ?? 'relu';
    this.net1 = new DenseNet(`${name}/net1`, this.d1 + this.condDim, mlpSpecs(spec.hidden, 2 * this.d2, { activation: act }), rng.fork('net1'));
    this.net2 = new DenseNet(`${name}/net2`, this.d2 + this.condDim, mlpSpecs(spec.hidden, 2 * this.d1, { activation: act }), rng.fork('net2'));
    for (const net of [this.net1, this.net2]) {
      const last = net.paramLayers[net.paramLayers.length - 1] as Dense;
      tf.tidy(() => {
        last.W.assign(tf.zerosLike(last.W));
        last.b?.assign(tf.zerosLike(last.b));
      });
    }
  }

  get modules(): DpModule[] {
    return [this.net1, this.net2];
  }

  get variables(): tf.Variable[] {
    return [...this.net1.variables, ...this.net2.variables];
  }

  private withCond(h: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    if (this.condDim === 0) return h;
    if (!c || c.shape[1] !== this.condDim) throw new RangeError(`AffineCoupling "${this.name}": expected a condition with ${this.condDim} columns`);
    return tf.concat([h, c], 1) as tf.Tensor2D;
  }

  /** Clamped log-scale and shift for a half of width w from a subnet output [rows, 2w]. */
  private coeffs(a: tf.Tensor2D, w: number): { s: tf.Tensor2D; t: tf.Tensor2D } {
    const rows = a.shape[0];
    return { s: softClamp(tf.slice(a, [0, 0], [rows, w]), this.clamp), t: tf.slice(a, [0, w], [rows, w]) };
  }

  forward(x: tf.Tensor2D, c?: tf.Tensor2D, ctx?: ForwardContext): { y: tf.Tensor2D; logdet: tf.Tensor1D } {
    const rows = x.shape[0];
    const x1 = tf.slice(x, [0, 0], [rows, this.d1]);
    const x2 = tf.slice(x, [0, this.d1], [rows, this.d2]);
    const a2 = this.coeffs(this.net2.apply(this.withCond(x2, c), ctx), this.d1);
    const y1 = tf.add(tf.mul(x1, tf.exp(a2.s)), a2.t) as tf.Tensor2D;
    const a1 = this.coeffs(this.net1.apply(this.withCond(y1, c), ctx), this.d2);
    const y2 = tf.add(tf.mul(x2, tf.exp(a1.s)), a1.t) as tf.Tensor2D;
    const logdet = tf.add(tf.sum(a2.s, 1), tf.sum(a1.s, 1)) as tf.Tensor1D;
    return { y: tf.concat([y1, y2], 1) as tf.Tensor2D, logdet };
  }

  inverse(y: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    const rows = y.shape[0];
    const y1 = tf.slice(y, [0, 0], [rows, this.d1]);
    const y2 = tf.slice(y, [0, this.d1], [rows, this.d2]);
    const a1 = this.coeffs(this.net1.apply(this.withCond(y1, c)), this.d2);
    const x2 = tf.mul(tf.sub(y2, a1.t), tf.exp(tf.neg(a1.s))) as tf.Tensor2D;
    const a2 = this.coeffs(this.net2.apply(this.withCond(x2, c)), this.d1);
    const x1 = tf.mul(tf.sub(y1, a2.t), tf.exp(tf.neg(a2.s))) as tf.Tensor2D;
    return tf.concat([x1, x2], 1) as tf.Tensor2D;
  }

  dispose(): void {
    this.net1.dispose();
    this.net2.dispose();
  }
}
