import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { DenseNet, DpUnsupportedLayerError, type ForwardContext } from '../src/privacy/dpnet.ts';
import { dpGradients, DpSgd, perExampleGradients, plainGradients } from '../src/privacy/dpsgd.ts';
import { secureGaussian, seededGaussian } from '../src/privacy/noise.ts';
import { normalCdf } from '../src/privacy/numeric.ts';
import { BatchSampler, fixedSizeSample, poissonSample } from '../src/privacy/sampling.ts';

/** Per-row logistic loss log(1 + e^{−y·o}) with y ∈ {0,1} as BCE with logits, stable. */
function bce(logits: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D {
  return tf.add(tf.relu(logits), tf.sub(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))), tf.mul(logits, y))) as tf.Tensor1D;
}

function flatGrads(net: { variables: tf.Variable[] }, grads: tf.NamedTensorMap): Float32Array {
  const n = net.variables.reduce((a, v) => a + v.size, 0);
  const out = new Float32Array(n);
  let off = 0;
  for (const v of net.variables) {
    out.set(grads[v.name].dataSync() as Float32Array, off);
    off += v.size;
  }
  return out;
}

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

function setup(seed = 1, rows = 9) {
  const rng = new Rng(seed);
  const net = new DenseNet('t', 5, [
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'layerNorm' },
    { type: 'dense', units: 6, activation: 'leakyRelu', bias: false },
    { type: 'affine' },
    { type: 'dense', units: 1 },
  ], rng.fork('init'));
  const x = tf.tensor2d(Float32Array.from({ length: rows * 5 }, () => 2 * rng.normal()), [rows, 5]);
  const y = tf.tensor1d(Float32Array.from({ length: rows }, (_, i) => i % 2));
  const loss = (ctx: ForwardContext) => bce(tf.reshape(net.apply(x, ctx), [rows]) as tf.Tensor1D, y);
  return { rng, net, x, y, loss, rows };
}

describe('ghost norms', () => {
  it('equal the per-example loop (dense with/without bias, layer norm, affine)', () => {
    const { net, loss, rows, rng } = setup();
    const per = perExampleGradients(net, rows, loss);
    const r = dpGradients(net, rows, loss, { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: 1, noise: seededGaussian(rng), returnNorms: true });
    for (let i = 0; i < rows; i++) {
      const exact = norm(per[i]);
      expect(Math.abs(r.norms![i] - exact) / exact).toBeLessThan(1e-5);
    }
    tf.dispose(Object.values(r.grads));
  });

  it('clipped sum Aᵀ·diag(c)·G equals the loop of clipped per-example gradients', () => {
    const { net, loss, rows, rng } = setup(2);
    const C = 0.3;
    const per = perExampleGradients(net, rows, loss);
    const expected = new Float64Array(per[0].length);
    for (const g of per) {
      const f = Math.min(1, C / (norm(g) + 1e-6));
      for (let j = 0; j < g.length; j++) expected[j] += (f * g[j]) / 4;
    }
    const r = dpGradients(net, rows, loss, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: 4, noise: seededGaussian(rng) });
    const got = flatGrads(net, r.grads);
    for (let j = 0; j < got.length; j++) expect(Math.abs(got[j] - expected[j])).toBeLessThan(1e-6);
    expect(r.clippedFraction).toBeGreaterThan(0);
    tf.dispose(Object.values(r.grads));
  });

  it('leaves rows after privateRows unclipped (real + fake discriminator batch)', () => {
    const { net, loss, rows, rng } = setup(3);
    const C = 0.05;
    const privateRows = 4;
    const per = perExampleGradients(net, rows, loss);
    const expected = new Float64Array(per[0].length);
    per.forEach((g, i) => {
      const f = i < privateRows ? Math.min(1, C / (norm(g) + 1e-6)) : 1;
      for (let j = 0; j < g.length; j++) expected[j] += (f * g[j]) / 10;
    });
    const r = dpGradients(net, rows, loss, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: 10, noise: seededGaussian(rng), privateRows });
    const got = flatGrads(net, r.grads);
    for (let j = 0; j < got.length; j++) expect(Math.abs(got[j] - expected[j])).toBeLessThan(1e-6);
    tf.dispose(Object.values(r.grads));
  });

  it('clipped per-example gradients never exceed C', () => {
    const { net, x, y, rng } = setup(4, 12);
    for (const C of [0.01, 0.2, 1, 5]) {
      for (let i = 0; i < 12; i++) {
        const xi = tf.slice(x, [i, 0], [1, 5]);
        const yi = tf.slice(y, [i], [1]);
        const r = dpGradients(net, 1, (ctx) => bce(tf.reshape(net.apply(xi, ctx), [1]) as tf.Tensor1D, yi), {
          clipNorm: C,
          noiseMultiplier: 0,
          expectedBatchSize: 1,
          noise: seededGaussian(rng),
        });
        expect(norm(flatGrads(net, r.grads))).toBeLessThanOrEqual(C * (1 + 1e-5));
        tf.dispose([xi, yi, ...Object.values(r.grads)]);
      }
    }
  });

  it('works across several modules (encoder → decoder) and with a layer unused', () => {
    const rng = new Rng(5);
    const enc = new DenseNet('enc', 4, [{ type: 'dense', units: 6, activation: 'relu' }, { type: 'dense', units: 3 }], rng.fork('e'));
    const dec = new DenseNet('dec', 3, [{ type: 'dense', units: 6, activation: 'elu' }, { type: 'dense', units: 4 }], rng.fork('d'));
    const spare = new DenseNet('spare', 3, [{ type: 'dense', units: 2 }], rng.fork('s'));
    const rows = 7;
    const x = tf.tensor2d(Float32Array.from({ length: rows * 4 }, () => rng.normal()), [rows, 4]);
    const loss = (ctx: ForwardContext) => tf.sum(tf.square(tf.sub(dec.apply(enc.apply(x, ctx), ctx), x)), 1) as tf.Tensor1D;
    const per = perExampleGradients([enc, dec], rows, loss);
    const r = dpGradients([enc, dec, spare], rows, loss, { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: 1, noise: seededGaussian(rng), returnNorms: true });
    per.forEach((g, i) => expect(Math.abs(r.norms![i] - norm(g)) / norm(g)).toBeLessThan(1e-5));
    for (const v of spare.variables) expect(norm(r.grads[v.name].dataSync())).toBe(0);
    tf.dispose(Object.values(r.grads));
  });

  it('matches the non-private gradient when nothing is clipped and no noise is added', () => {
    const { net, loss, rows, rng } = setup(6);
    const p = plainGradients(net, rows, loss, { normaliser: rows });
    const d = dpGradients(net, rows, loss, { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: rows, noise: seededGaussian(rng) });
    const a = flatGrads(net, p.grads);
    const b = flatGrads(net, d.grads);
    for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 6);
    expect(d.lossSum).toBeCloseTo(p.lossSum, 4);
    tf.dispose([...Object.values(p.grads), ...Object.values(d.grads)]);
  });
});

describe('DP-SGD noise and layers', () => {
  it('adds N(0, (σC/B)²) per coordinate: empirical std matches, and the noise looks Gaussian', () => {
    const rng = new Rng(7);
    const net = new DenseNet('wide', 50, [{ type: 'dense', units: 100 }], rng);
    const rows = 3;
    const x = tf.zeros([rows, 50]) as tf.Tensor2D;
    // zero loss gradient: the returned gradient is pure noise
    const loss = (ctx: ForwardContext) => tf.mul(tf.sum(net.apply(x, ctx), 1), 0) as tf.Tensor1D;
    const sigma = 1.3;
    const C = 0.7;
    const B = 2.5;
    const r = dpGradients(net, rows, loss, { clipNorm: C, noiseMultiplier: sigma, expectedBatchSize: B, noise: seededGaussian(rng) });
    const g = flatGrads(net, r.grads);
    const n = g.length; // 5100
    const mean = g.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const target = (sigma * C) / B;
    expect(Math.abs(mean)).toBeLessThan((4 * target) / Math.sqrt(n));
    expect(Math.abs(sd / target - 1)).toBeLessThan(4 / Math.sqrt(2 * n)); // ~4 standard errors
    // Kolmogorov–Smirnov against N(0, target²), 1% critical value 1.63/√n
    const s = Array.from(g).map((v) => v / target).sort((a, b) => a - b);
    let dmax = 0;
    s.forEach((v, i) => (dmax = Math.max(dmax, Math.abs(normalCdf(v) - (i + 0.5) / n))));
    expect(dmax).toBeLessThan(1.63 / Math.sqrt(n));
    tf.dispose(Object.values(r.grads));
  });

  it('is reproducible from the seed; the secure source is flagged and has the right scale', () => {
    const run = (seed: number) => {
      const { net, loss, rows } = setup(8);
      const r = dpGradients(net, rows, loss, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 4, noise: seededGaussian(new Rng(seed)) });
      const g = flatGrads(net, r.grads);
      tf.dispose(Object.values(r.grads));
      net.dispose();
      return g;
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
    const sec = secureGaussian();
    expect(sec.secure).toBe(true);
    const v = new Float64Array(20000);
    sec.fill(v, 2);
    const sd = Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / v.length);
    expect(Math.abs(sd / 2 - 1)).toBeLessThan(0.03);
  });

  it('rejects BatchNorm and a layer applied twice with clear errors; allows BatchNorm without DP', () => {
    const rng = new Rng(9);
    const bn = new DenseNet('bn', 3, [{ type: 'dense', units: 4 }, { type: 'batchNorm' }, { type: 'dense', units: 1 }], rng);
    const x = tf.ones([4, 3]) as tf.Tensor2D;
    const loss = (ctx: ForwardContext) => tf.sum(bn.apply(x, ctx), 1) as tf.Tensor1D;
    expect(() => dpGradients(bn, 4, loss, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 4, noise: seededGaussian(rng) })).toThrow(DpUnsupportedLayerError);
    expect(() => dpGradients(bn, 4, loss, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 4, noise: seededGaussian(rng) })).toThrow(/BatchNorm.*layerNorm/s);
    const p = plainGradients(bn, 4, loss);
    expect(Object.keys(p.grads).length).toBeGreaterThan(0);
    tf.dispose(Object.values(p.grads));
    const d = new DenseNet('twice', 3, [{ type: 'dense', units: 3 }], rng);
    const twice = (ctx: ForwardContext) => tf.sum(d.apply(d.apply(x, ctx), ctx), 1) as tf.Tensor1D;
    expect(() => dpGradients(d, 4, twice, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 4, noise: seededGaussian(rng) })).toThrow(/applied twice/);
    const wrongShape = (ctx: ForwardContext) => tf.sum(d.apply(x, ctx)) as unknown as tf.Tensor1D;
    expect(() => dpGradients(d, 4, wrongShape, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 4, noise: seededGaussian(rng) })).toThrow(/one loss per row/);
  });

  it('an empty Poisson batch still yields a (pure noise) step; no tensors leak', () => {
    const { net, loss, rows, rng } = setup(10);
    const before = tf.memory().numTensors;
    const r = dpGradients(net, 0, loss, { clipNorm: 1, noiseMultiplier: 2, expectedBatchSize: 5, noise: seededGaussian(rng) });
    expect(norm(flatGrads(net, r.grads))).toBeGreaterThan(0);
    tf.dispose(Object.values(r.grads));
    const r2 = dpGradients(net, rows, loss, { clipNorm: 1, noiseMultiplier: 2, expectedBatchSize: 5, noise: seededGaussian(rng), rng });
    tf.dispose(Object.values(r2.grads));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('batch sampling', () => {
  it('Poisson batches have mean q·n and binomial variance; fixed batches are exact and distinct', () => {
    const rng = new Rng(12);
    const n = 2000;
    const q = 0.03;
    const sizes: number[] = [];
    for (let t = 0; t < 400; t++) {
      const b = poissonSample(n, q, rng);
      for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1]);
      sizes.push(b.length);
    }
    const m = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const v = sizes.reduce((a, b) => a + (b - m) ** 2, 0) / (sizes.length - 1);
    expect(Math.abs(m - n * q)).toBeLessThan(4 * Math.sqrt((n * q * (1 - q)) / sizes.length));
    expect(v / (n * q * (1 - q))).toBeGreaterThan(0.75);
    expect(v / (n * q * (1 - q))).toBeLessThan(1.3);
    // inclusion is uniform over rows: the first and last rows are as likely as the middle
    const hits = new Int32Array(10);
    for (let t = 0; t < 3000; t++) for (const i of poissonSample(10, 0.3, rng)) hits[i]++;
    for (const h of hits) expect(Math.abs(h - 900)).toBeLessThan(4 * Math.sqrt(3000 * 0.3 * 0.7));
    const f = fixedSizeSample(100, 37, rng);
    expect(f.length).toBe(37);
    expect(new Set(f).size).toBe(37);
    const s = new BatchSampler({ n: 1000, batchSize: 50 });
    expect(s.q).toBe(0.05);
    expect(s.expectedBatchSize).toBe(50);
    const dp = new DpSgd({ n: 1000, batchSize: 50, sampling: 'fixed', clipNorm: 1, noiseMultiplier: 1, noise: seededGaussian(rng) });
    expect(dp.sampleBatch(rng).length).toBe(50);
  });
});

