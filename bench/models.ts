/**
 * The training steps bench:perf times. Written the lean way the issue asks of model code: broadcast
 * instead of tile, split weight matrices instead of concatenating inputs, fused bias in matMul, one
 * reshape-softmax for equal-size groups. Random draws come from pools filled by a seeded Rng before
 * timing (a step's cost is the model's, not the noise generator's; `noiseMs` reports the latter).
 */
import { tf } from '../src/compute/tf.ts';
import { Rng } from '../src/compute/rng.ts';
import { Adam } from '../src/compute/adam.ts';
import { DenseNet, type ForwardContext } from '../src/privacy/dpnet.ts';
import { dpGradients, plainGradients } from '../src/privacy/dpsgd.ts';
import { seededGaussian } from '../src/privacy/noise.ts';

type V = tf.Variable;
type T2 = tf.Tensor2D;

export interface Step {
  /** One optimisation step; returns nothing, all intermediates disposed. */
  run(): void;
  dispose(): void;
}

function glorot(rng: Rng, fanIn: number, fanOut: number, name: string): V {
  const data = new Float32Array(fanIn * fanOut);
  rng.fillNormal(data, 0, Math.sqrt(2 / (fanIn + fanOut)));
  return tf.tidy(() => tf.variable(tf.tensor2d(data, [fanIn, fanOut]), true, name));
}

const zerosVar = (n: number, name: string): V => tf.tidy(() => tf.variable(tf.zeros([n]), true, name));
const onesVar = (n: number, name: string): V => tf.tidy(() => tf.variable(tf.ones([n]), true, name));

function normalTensor(rng: Rng, shape: [number, number]): T2 {
  return tf.tensor2d(rng.fillNormal(new Float32Array(shape[0] * shape[1])) as Float32Array, shape);
}

/** Rotating pool of pre-drawn tensors (keeps per-step noise off the timed path). */
class Pool<X extends tf.Tensor> {
  private i = 0;
  constructor(private readonly items: X[]) {}
  next(): X {
    const x = this.items[this.i];
    this.i = (this.i + 1) % this.items.length;
    return x;
  }
  dispose(): void {
    tf.dispose(this.items);
  }
}

function binaryLabels(rng: Rng, n: number): T2 {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.bernoulli(0.3) ? 1 : 0;
  return tf.tensor2d(y, [n, 1]);
}

// ---------------------------------------------------------------------------------------------------
// MLP 120-256-256-1, batch 500, Adam, logistic loss.

export const MLP = { inDim: 120, hidden: [256, 256], batch: 500 };

export function mlpStep(rng: Rng, optimizer: 'ours' | 'tfjs' = 'ours'): Step {
  const { inDim, hidden, batch } = MLP;
  const w1 = glorot(rng, inDim, hidden[0], 'mlp/w1');
  const b1 = zerosVar(hidden[0], 'mlp/b1');
  const w2 = glorot(rng, hidden[0], hidden[1], 'mlp/w2');
  const b2 = zerosVar(hidden[1], 'mlp/b2');
  const w3 = glorot(rng, hidden[1], 1, 'mlp/w3');
  const b3 = zerosVar(1, 'mlp/b3');
  const x = normalTensor(rng, [batch, inDim]);
  const y = binaryLabels(rng, batch);
  const opt = optimizer === 'ours' ? new Adam({ learningRate: 1e-3 }) : tf.train.adam(1e-3);
  return {
    run() {
      const loss = opt.minimize(() => {
        const h1 = tf.relu(tf.fused.matMul({ a: x, b: w1 as T2, bias: b1 }));
        const h2 = tf.relu(tf.fused.matMul({ a: h1, b: w2 as T2, bias: b2 }));
        const logits = tf.fused.matMul({ a: h2, b: w3 as T2, bias: b3 });
        return tf.losses.sigmoidCrossEntropy(y, logits);
      }, true);
      loss?.dataSync();
      loss?.dispose();
    },
    dispose() {
      tf.dispose([w1, b1, w2, b2, w3, b3, x, y]);
      opt.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// DP-SGD on the same MLP shape with the project's implementation (src/privacy/dpsgd.ts: ghost-norm
// per-example clipping + seeded Gaussian noise), and the same network trained without privacy
// (plainGradients) as the baseline for the overhead ratio. Both use our Adam.

export function dpsgdStep(rng: Rng, privateStep: boolean, clip = 1, sigma = 1): Step {
  const { inDim, hidden, batch } = MLP;
  const net = new DenseNet(privateStep ? 'dp' : 'plain', inDim, [
    { type: 'dense', units: hidden[0], activation: 'relu' },
    { type: 'dense', units: hidden[1], activation: 'relu' },
    { type: 'dense', units: 1 },
  ], rng.fork('init'));
  const x = normalTensor(rng, [batch, inDim]);
  const y = binaryLabels(rng, batch);
  const yFlat = tf.reshape(y, [batch]) as tf.Tensor1D;
  const opt = new Adam({ learningRate: 1e-3 });
  const noise = seededGaussian(rng.fork('dp-noise'));
  // Per-row logistic loss (rows independent, as dpGradients requires).
  const rowLoss = (ctx: ForwardContext) => {
    const logits = tf.reshape(net.apply(x, ctx), [batch]);
    return tf.losses.sigmoidCrossEntropy(yFlat, logits, undefined, 0, tf.Reduction.NONE) as tf.Tensor1D;
  };
  return {
    run() {
      const { grads } = privateStep
        ? dpGradients(net, batch, rowLoss, { clipNorm: clip, noiseMultiplier: sigma, expectedBatchSize: batch, noise })
        : plainGradients(net, batch, rowLoss);
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
    },
    dispose() {
      net.dispose();
      tf.dispose([x, y, yFlat]);
      opt.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// CTGAN-sized step: one WGAN-GP discriminator update + one generator update, batch 500.
// Shapes per defaults.md §2.1 (ctgan.py): z 128 ⊕ cond → Residual(256) → Residual(256) → data_dim;
// D on pac=10 packed rows → 256 → 256 → 1, LeakyReLU 0.2, Dropout 0.5; Adam lr 2e-4 betas (0.5, 0.9);
// gradient penalty λ = 10 with α shared per pac group. Data layout (Adult-like, data_dim = 157):
// 5 continuous columns × (tanh scalar + 10-mode one-hot) and 8 categorical columns with 102 levels.

export const CTGAN = {
  batch: 500, pac: 10, embed: 128, hidden: 256,
  numCont: 5, modes: 10, catSizes: [9, 16, 7, 15, 6, 5, 2, 42],
  tau: 0.2, lambda: 10, leak: 0.2, dropout: 0.5,
};

export function ctganStep(rng: Rng): Step {
  const c = CTGAN;
  const catDim = c.catSizes.reduce((a, b) => a + b, 0);
  const condDim = catDim;
  const modeDim = c.numCont * c.modes;
  const dataDim = c.numCont + modeDim + catDim; // 157
  const gIn = c.embed + condDim;
  const H = c.hidden;
  const rows = c.batch / c.pac;
  const catOffsets = c.catSizes.map((_, i) => c.catSizes.slice(0, i).reduce((a, b) => a + b, 0));

  // Generator: Residual blocks concatenate [out, input]; the next Linear takes split weights instead.
  const g = {
    w1: glorot(rng, gIn, H, 'g/w1'), b1: zerosVar(H, 'g/b1'), gamma1: onesVar(H, 'g/gamma1'), beta1: zerosVar(H, 'g/beta1'),
    w2h: glorot(rng, H, H, 'g/w2h'), w2x: glorot(rng, gIn, H, 'g/w2x'), b2: zerosVar(H, 'g/b2'),
    gamma2: onesVar(H, 'g/gamma2'), beta2: zerosVar(H, 'g/beta2'),
    w3h2: glorot(rng, H, dataDim, 'g/w3h2'), w3h1: glorot(rng, H, dataDim, 'g/w3h1'), w3x: glorot(rng, gIn, dataDim, 'g/w3x'), b3: zerosVar(dataDim, 'g/b3'),
  };
  // Discriminator: first layer's weights split into the data and cond parts of each packed row.
  const d = {
    w1x: glorot(rng, dataDim * c.pac, H, 'd/w1x'), w1c: glorot(rng, condDim * c.pac, H, 'd/w1c'), b1: zerosVar(H, 'd/b1'),
    w2: glorot(rng, H, H, 'd/w2'), b2: zerosVar(H, 'd/b2'),
    w3: glorot(rng, H, 1, 'd/w3'), b3: zerosVar(1, 'd/b3'),
  };
  const gVars = Object.values(g);
  const dVars = Object.values(d);
  // Adam lr 2e-4, betas (0.5, 0.9), weight decay 1e-6 (defaults.md §2.1, ctgan.py:364,371).
  const optG = new Adam({ learningRate: 2e-4, beta1: 0.5, beta2: 0.9, weightDecay: 1e-6 });
  const optD = new Adam({ learningRate: 2e-4, beta1: 0.5, beta2: 0.9, weightDecay: 1e-6 });

  // Pools of pre-drawn randomness: latent z, cond vectors, gumbel noise, dropout masks, α, real rows.
  const nr = rng.fork('ctgan-noise');
  const P = 3;
  const condOneHot = () => {
    const a = new Float32Array(c.batch * condDim);
    for (let i = 0; i < c.batch; i++) {
      const col = nr.int(c.catSizes.length);
      a[i * condDim + catOffsets[col] + nr.int(c.catSizes[col])] = 1;
    }
    return tf.tensor2d(a, [c.batch, condDim]);
  };
  const gumbel = (n: number) => {
    const a = new Float32Array(c.batch * n);
    for (let i = 0; i < a.length; i++) a[i] = nr.gumbel();
    return tf.tensor2d(a, [c.batch, n]);
  };
  const dropMask = (r: number) => {
    const a = new Float32Array(r * H);
    for (let i = 0; i < a.length; i++) a[i] = nr.bernoulli(1 - c.dropout) ? 1 / (1 - c.dropout) : 0;
    return tf.tensor2d(a, [r, H]);
  };
  const realRows = () => {
    // Plausible encoded rows: tanh-range scalars, one-hot modes and categories.
    const a = new Float32Array(c.batch * dataDim);
    for (let i = 0; i < c.batch; i++) {
      const r = i * dataDim;
      for (let j = 0; j < c.numCont; j++) {
        a[r + j] = Math.tanh(nr.normal());
        a[r + c.numCont + j * c.modes + nr.int(c.modes)] = 1;
      }
      c.catSizes.forEach((s, k) => (a[r + c.numCont + modeDim + catOffsets[k] + nr.int(s)] = 1));
    }
    return tf.tensor2d(a, [c.batch, dataDim]);
  };
  const zPool = new Pool(Array.from({ length: P }, () => normalTensor(nr, [c.batch, c.embed])));
  const condPool = new Pool(Array.from({ length: P }, condOneHot));
  const gumbelModePool = new Pool(Array.from({ length: P }, () => tf.reshape(gumbel(modeDim), [c.batch, c.numCont, c.modes]) as tf.Tensor3D));
  const gumbelCatPool = new Pool(Array.from({ length: P }, () => gumbel(catDim)));
  const maskPool = new Pool(Array.from({ length: 2 * P }, () => dropMask(rows)));
  const maskPool2 = new Pool(Array.from({ length: P }, () => dropMask(2 * rows)));
  const alphaPool = new Pool(Array.from({ length: P }, () => tf.tensor2d(Float32Array.from({ length: rows }, () => nr.uniform()), [rows, 1])));
  const realPool = new Pool(Array.from({ length: P }, realRows));

  /** Train-mode batch norm folded into one scale and shift per feature. */
  const batchNorm = (h: T2, gamma: V, beta: V): T2 => {
    const { mean, variance } = tf.moments(h, 0);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, 1e-5)));
    return tf.add(tf.mul(h, scale), tf.sub(beta, tf.mul(mean, scale))) as T2;
  };

  /** Generator → activated rows (tanh scalars, gumbel-softmax spans) and raw categorical logits. */
  const generate = (z: T2, cond: T2) => {
    const x = tf.concat([z, cond], 1);
    const h1 = tf.relu(batchNorm(tf.fused.matMul({ a: x, b: g.w1 as T2, bias: g.b1 }) as T2, g.gamma1, g.beta1)) as T2;
    const z2 = tf.add(tf.fused.matMul({ a: h1, b: g.w2h as T2, bias: g.b2 }), tf.matMul(x, g.w2x as T2));
    const h2 = tf.relu(batchNorm(z2 as T2, g.gamma2, g.beta2)) as T2;
    const out = tf.addN([tf.fused.matMul({ a: h2, b: g.w3h2 as T2, bias: g.b3 }), tf.matMul(h1, g.w3h1 as T2), tf.matMul(x, g.w3x as T2)]) as T2;
    const [alphaLogits, modeLogits, catLogits] = tf.split(out, [c.numCont, modeDim, catDim], 1);
    const alpha = tf.tanh(alphaLogits);
    // All mode spans have 10 entries: one reshape + one softmax instead of 5 slices.
    const modes = tf.reshape(
      tf.softmax(tf.div(tf.add(tf.reshape(modeLogits, [c.batch, c.numCont, c.modes]), gumbelModePool.next()), c.tau)),
      [c.batch, modeDim],
    );
    const catNoisy = tf.div(tf.add(catLogits, gumbelCatPool.next()), c.tau);
    const cats = tf.split(catNoisy, c.catSizes, 1).map((s) => tf.softmax(s));
    return { rows: tf.concat([alpha, modes, ...cats], 1) as T2, catLogits: catLogits as T2 };
  };

  /** Discriminator on packed rows: reshape (no copy) instead of concatenating data and cond. */
  const critic = (dataP: T2, condP: T2): T2 => {
    const z1 = tf.add(tf.fused.matMul({ a: dataP, b: d.w1x as T2, bias: d.b1 }), tf.matMul(condP, d.w1c as T2));
    const pool = dataP.shape[0] === rows ? maskPool : maskPool2;
    const h1 = tf.mul(tf.leakyRelu(z1, c.leak), pool.next()) as T2;
    const h2 = tf.mul(tf.leakyRelu(tf.fused.matMul({ a: h1, b: d.w2 as T2, bias: d.b2 }), c.leak), pool.next()) as T2;
    return tf.fused.matMul({ a: h2, b: d.w3 as T2, bias: d.b3 }) as T2;
  };
  const pack = (t: T2, width: number) => tf.reshape(t, [rows, width * c.pac]) as T2;

  return {
    run() {
      // Discriminator step (generator output treated as data: computed outside the tape).
      const z = zPool.next();
      const c1 = condPool.next();
      const c2 = condPool.next();
      const fake = tf.tidy(() => generate(z, c1).rows);
      const real = realPool.next();
      const lossD = optD.minimize(() => {
        const fakeP = pack(fake, dataDim);
        const realP = pack(real, dataDim);
        const c1P = pack(c1, condDim);
        const c2P = pack(c2, condDim);
        // Real and fake packed rows through the critic in one pass (m = 100 instead of two m = 50 GEMMs).
        const both = critic(tf.concat([fakeP, realP], 0) as T2, tf.concat([c1P, c2P], 0) as T2);
        const [yFake, yReal] = tf.split(both, 2, 0);
        // Gradient penalty on interpolates; α per pac group broadcasts over each packed row.
        const a = alphaPool.next();
        const mix = (r: T2, f: T2) => tf.add(tf.mul(r, a), tf.mul(f, tf.sub(1, a))) as T2;
        const ix = mix(realP, fakeP);
        const ic = mix(c2P, c1P);
        const [gx, gc] = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(critic(u as T2, v as T2)))([ix, ic]);
        const norm = tf.sqrt(tf.add(tf.sum(tf.square(gx), 1), tf.sum(tf.square(gc), 1)));
        const pen = tf.mul(tf.mean(tf.square(tf.sub(norm, 1))), c.lambda);
        return tf.add(tf.sub(tf.mean(yFake), tf.mean(yReal)), pen) as tf.Scalar;
      }, true, dVars);
      fake.dispose();
      // Generator step: −mean D(G(z)) + cross-entropy of the categorical logits against the cond vector.
      const z2 = zPool.next();
      const c3 = condPool.next();
      const lossG = optG.minimize(() => {
        const { rows: gen, catLogits } = generate(z2, c3);
        const yFake = critic(pack(gen, dataDim), pack(c3, condDim));
        const logProbs = tf.concat(tf.split(catLogits, c.catSizes, 1).map((s) => tf.logSoftmax(s)), 1);
        const ce = tf.div(tf.neg(tf.sum(tf.mul(c3, logProbs))), c.batch);
        return tf.add(tf.neg(tf.mean(yFake)), ce) as tf.Scalar;
      }, true, gVars);
      lossD?.dataSync();
      lossG?.dataSync();
      tf.dispose([lossD, lossG].filter((t): t is tf.Scalar => t !== null));
    },
    dispose() {
      tf.dispose([...gVars, ...dVars]);
      optG.dispose();
      optD.dispose();
      for (const p of [zPool, condPool, gumbelModePool, gumbelCatPool, maskPool, maskPool2, alphaPool, realPool]) p.dispose();
    },
  };
}
