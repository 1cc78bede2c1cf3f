/**
 * An ensemble of k independent small networks (logistic regressions or MLPs) held as stacked weights
 * [k, in, out] and run as batched matrix products: k teachers cost one kernel per layer instead of k.
 * Members never share a parameter: member i's slice of every variable depends only on the rows given
 * to member i (the loss is a sum of per-member losses, and Adam/RMSProp update elementwise), which is
 * what PATE needs of its teachers. `memberWeights(i)` reads one member out (tests, inspection).
 *
 *   const teachers = new Ensemble('teachers', { members: 50, inputDim: d, hidden: [], outputDim: 1 }, rng);
 *   const logits = teachers.apply(x3);      // x3: [k, m, d] — row block i goes to member i only
 *   const votes = teachers.applyShared(x);  // x: [m, d] — every member scores the same rows → [k, m, 1]
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { activate, type Activation } from '../privacy/dpnet.ts';

export interface EnsembleSpec {
  members: number;
  inputDim: number;
  /** Hidden widths; [] gives k logistic/linear models. */
  hidden: number[];
  outputDim: number;
  activation?: Activation;
  leak?: number;
  /**
   * 'uniform': PyTorch nn.Linear's U(±1/√fan_in) per member; 'zeros': all-zero start (scikit-learn's
   * LogisticRegression starts from zero; only sensible without hidden layers); 'shared': one U(±1/√fan_in)
   * draw copied to every member (members then differ only through their data — PATE teachers that agree).
   */
  init?: 'uniform' | 'shared' | 'zeros';
}

let counter = 0;

export class Ensemble {
  readonly name: string;
  readonly members: number;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly activation: Activation;
  readonly leak: number;
  /** Per layer: W [k, in, out], b [k, 1, out]. */
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  constructor(name: string, spec: EnsembleSpec, rng: Rng) {
    const k = spec.members;
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`Ensemble "${name}": members must be a positive integer, got ${k}`);
    if (spec.init === 'zeros' && spec.hidden.length > 0) throw new RangeError(`Ensemble "${name}": zero init only for models without hidden layers (symmetry)`);
    this.name = name;
    this.members = k;
    this.inputDim = spec.inputDim;
    this.outputDim = spec.outputDim;
    this.activation = spec.activation ?? 'relu';
    this.leak = spec.leak ?? 0.2;
    const dims = [spec.inputDim, ...spec.hidden, spec.outputDim];
    counter += 1;
    for (let l = 0; l + 1 < dims.length; l++) {
      const [fanIn, fanOut] = [dims[l], dims[l + 1]];
      const W = new Float32Array(k * fanIn * fanOut);
      const b = new Float32Array(k * fanOut);
      if (spec.init !== 'zeros') {
        const bound = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < k; i++) {
          const r = rng.fork(spec.init === 'shared' ? `layer-${l}` : `member-${i}/layer-${l}`);
          for (let j = 0; j < fanIn * fanOut; j++) W[i * fanIn * fanOut + j] = (2 * r.uniform() - 1) * bound;
          for (let j = 0; j < fanOut; j++) b[i * fanOut + j] = (2 * r.uniform() - 1) * bound;
        }
      }
      this.weights.push(tf.variable(tf.tensor3d(W, [k, fanIn, fanOut]), true, `${name}#${counter}/W${l}`));
      this.biases.push(tf.variable(tf.tensor3d(b, [k, 1, fanOut]), true, `${name}#${counter}/b${l}`));
    }
  }

  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]]);
  }

  /** x: [k, m, in] (block i scored by member i) → [k, m, out]. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    if (x.shape[0] !== this.members || x.shape[2] !== this.inputDim) {
      throw new RangeError(`Ensemble "${this.name}": expected input [${this.members}, m, ${this.inputDim}], got [${x.shape.join(', ')}]`);
    }
    let h = x;
    const L = this.weights.length;
    for (let l = 0; l < L; l++) {
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]) as tf.Tensor3D;
      if (l + 1 < L) h = this.act(h);
    }
    return h;
  }

  /** x: [m, in], the same rows for every member → [k, m, out]. */
  applyShared(x: tf.Tensor2D): tf.Tensor3D {
    if (x.shape[1] !== this.inputDim) throw new RangeError(`Ensemble "${this.name}": expected ${this.inputDim} input columns, got ${x.shape[1]}`);
    const m = x.shape[0];
    const k = this.members;
    const W0 = this.weights[0];
    const out0 = W0.shape[2] as number;
    // One [m, in] × [in, k·out] product instead of k separate ones.
    const Wflat = tf.reshape(tf.transpose(W0, [1, 0, 2]), [this.inputDim, k * out0]);
    let h = tf.transpose(tf.reshape(tf.matMul(x, Wflat), [m, k, out0]), [1, 0, 2]) as tf.Tensor3D;
    h = tf.add(h, this.biases[0]) as tf.Tensor3D;
    const L = this.weights.length;
    for (let l = 1; l < L; l++) {
      h = this.act(h);
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]) as tf.Tensor3D;
    }
    return h;
  }

  /** Member i's parameters, flattened per variable (copies). */
  memberWeights(i: number): Float32Array[] {
    return this.variables.map((v) => {
      const per = v.size / this.members;
      return (v.dataSync() as Float32Array).slice(i * per, (i + 1) * per);
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  private act(h: tf.Tensor3D): tf.Tensor3D {
    const shape = h.shape;
    const flat = tf.reshape(h, [shape[0] * shape[1], shape[2]]) as tf.Tensor2D;
    return tf.reshape(activate(flat, this.activation, this.leak), shape) as tf.Tensor3D;
  }
}
