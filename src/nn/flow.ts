/**
 * An invertible network (normalising flow) of K blocks, each ActNorm → fixed mixing → affine coupling
 * (the Glow step, Kingma & Dhariwal 2018, with the mixing fixed as in FrEIA's AllInOneBlock). Exact
 * log-determinant; maximum-likelihood loss per row ℓ = (½‖z‖² − log|det J|)/d — FrEIA's quickstart
 * `mean(0.5·‖z‖² − log_jac_det)/d` before the mean (defaults.md §2.5), one loss per row as DP-SGD needs.
 *
 *   const flow = new InvertibleFlow('inn', { dim: 8, blocks: 4, hidden: [64] }, rng);
 *   const { z, logdet } = flow.forward(x);        // x → z
 *   const x2 = flow.inverse(z);                   // z → x (= x up to float error)
 *   const rows = flow.nll(x);                     // [rows] per-row loss
 *
 * `modules` lists every DpModule (subnets and ActNorm parameter layers) for dpGradients/plainGradients.
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import type { Activation, DpModule, ForwardContext } from '../privacy/dpnet.ts';
import { ActNorm } from './actnorm.ts';
import { AffineCoupling } from './coupling.ts';
import { FixedMixing, type MixingKind } from './mixing.ts';

export interface FlowSpec {
  dim: number;
  /** Condition width for a conditional INN (0 = none). */
  condDim?: number;
  /** Number of blocks (FrEIA quickstart: 8). */
  blocks: number;
  /** Hidden widths of each coupling subnet. */
  hidden: number[];
  activation?: Activation;
  /** Soft clamp of the coupling log-scales (FrEIA 2.0). */
  clamp?: number;
  mixing?: MixingKind;
  /** ActNorm at the start of each block (default true). */
  actnorm?: boolean;
}

interface Block {
  actnorm?: ActNorm;
  mixing: FixedMixing;
  coupling: AffineCoupling;
}

export class InvertibleFlow {
  readonly name: string;
  readonly dim: number;
  readonly condDim: number;
  readonly blocks: Block[] = [];

  constructor(name: string, spec: FlowSpec, rng: Rng) {
    if (!(Number.isInteger(spec.blocks) && spec.blocks >= 1)) throw new RangeError(`InvertibleFlow "${name}": blocks must be a positive integer, got ${spec.blocks}`);
    this.name = name;
    this.dim = spec.dim;
    this.condDim = spec.condDim ?? 0;
    for (let k = 0; k < spec.blocks; k++) {
      const r = rng.fork(`block-${k}`);
      this.blocks.push({
        actnorm: spec.actnorm === false ? undefined : new ActNorm(`${name}/${k}/actnorm`, spec.dim, r.fork('actnorm')),
        mixing: new FixedMixing(spec.mixing ?? 'orthogonal', spec.dim, r.fork('mixing')),
        coupling: new AffineCoupling(`${name}/${k}/coupling`, { dim: spec.dim, condDim: this.condDim, hidden: spec.hidden, activation: spec.activation, clamp: spec.clamp }, r.fork('coupling')),
      });
    }
  }

  get modules(): DpModule[] {
    return this.blocks.flatMap((b) => [...(b.actnorm ? [b.actnorm] : []), ...b.coupling.modules]);
  }

  get variables(): tf.Variable[] {
    return this.modules.flatMap((m) => m.variables);
  }

  get actnorms(): ActNorm[] {
    return this.blocks.flatMap((b) => (b.actnorm ? [b.actnorm] : []));
  }

  get parameterCount(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  private check(x: tf.Tensor2D, c: tf.Tensor2D | undefined, what: string): void {
    if (x.shape[1] !== this.dim) throw new RangeError(`InvertibleFlow "${this.name}": ${what} has ${x.shape[1]} columns, expected ${this.dim}`);
    if (this.condDim > 0 && (!c || c.shape[1] !== this.condDim || c.shape[0] !== x.shape[0])) {
      throw new RangeError(`InvertibleFlow "${this.name}": a condition [${x.shape[0]}, ${this.condDim}] is required`);
    }
  }

  /** x → z with log|det ∂z/∂x| per row. */
  forward(x: tf.Tensor2D, c?: tf.Tensor2D, ctx?: ForwardContext): { z: tf.Tensor2D; logdet: tf.Tensor1D } {
    this.check(x, c, 'input');
    let h = x;
    let logdet: tf.Tensor1D = tf.zeros([x.shape[0]]);
    for (const b of this.blocks) {
      if (b.actnorm) {
        const a = b.actnorm.forward(h, ctx);
        h = a.y;
        logdet = tf.add(logdet, a.logdet);
      }
      h = b.mixing.forward(h);
      const cp = b.coupling.forward(h, c, ctx);
      h = cp.y;
      logdet = tf.add(logdet, cp.logdet);
    }
    return { z: h, logdet };
  }

  /** z → x (exact inverse of forward). */
  inverse(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    this.check(z, c, 'latent');
    let h = z;
    for (let k = this.blocks.length - 1; k >= 0; k--) {
      const b = this.blocks[k];
      h = b.coupling.inverse(h, c);
      h = b.mixing.inverse(h);
      if (b.actnorm) h = b.actnorm.inverse(h);
    }
    return h;
  }

  /** Per-row maximum-likelihood loss (½‖z‖² − log|det J|)/d (FrEIA quickstart normalisation). */
  nll(x: tf.Tensor2D, c?: tf.Tensor2D, ctx?: ForwardContext): tf.Tensor1D {
    const { z, logdet } = this.forward(x, c, ctx);
    return tf.div(tf.sub(tf.mul(tf.sum(tf.square(z), 1), 0.5), logdet), this.dim) as tf.Tensor1D;
  }

  /**
   * Glow's data-dependent ActNorm init: run `x` forward block by block and set each ActNorm so its output
   * has zero mean and unit variance per dimension. Reads the rows — non-private use only.
   */
  initFromData(x: tf.Tensor2D, c?: tf.Tensor2D): void {
    this.check(x, c, 'input');
    tf.tidy(() => {
      let h = x;
      for (const b of this.blocks) {
        if (b.actnorm) {
          const { mean, variance } = tf.moments(h, 0);
          const m = mean.dataSync() as Float32Array;
          const s = Float32Array.from(variance.dataSync() as Float32Array, (v) => Math.sqrt(v));
          b.actnorm.initFromStats(m, s);
          h = b.actnorm.forward(h).y;
        }
        h = b.coupling.forward(b.mixing.forward(h), c).y;
      }
    });
  }

  dispose(): void {
    for (const b of this.blocks) {
      b.actnorm?.dispose();
      b.mixing.dispose();
      b.coupling.dispose();
    }
  }
}
