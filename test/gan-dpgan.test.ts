import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { Table } from '../src/data/table.ts';
import { DiscriminatorCritic, type CriticData } from '../src/generators/critics.ts';
import { GanEncoding } from '../src/generators/encoding.ts';
import { GanGenerator, ganOptionsSchema } from '../src/generators/gan.ts';
import { createGenerator, resolveGenerator } from '../src/generators/registry.ts';
import { bceWithLogits } from '../src/nn/losses.ts';
import { createAccountant } from '../src/privacy/accountant.ts';
import { maxSteps } from '../src/privacy/calibrate.ts';
import type { ForwardContext } from '../src/privacy/dpnet.ts';
import { perExampleGradients } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { knownTable } from './gan-helpers.ts';

function criticFixture(clipGenerated: boolean, sigma: number) {
  const t = knownTable(300);
  const enc = GanEncoding.fit(t, { numeric: 'sigmoid', requirePublicSchema: true, owner: 'test' });
  const real = enc.encode(t);
  const fakeRng = new Rng(9);
  const data: CriticData = {
    real,
    n: t.nrows,
    d: enc.d,
    generate: (rows) => tf.tensor2d(Float32Array.from({ length: rows * enc.d }, () => fakeRng.uniform()), [rows, enc.d]),
  };
  const critic = new DiscriminatorCritic(
    data,
    { hidden: [8], activation: 'leakyRelu', dropout: 0, loss: 'bce', weightClip: 0.01, optimizer: { name: 'sgd', learningRate: 1 }, batchSize: 30 },
    new Rng(4),
    { clipNorm: 0.05, clipGenerated, sigma, plannedSteps: 10, epsilon: Infinity, delta: 1e-5, accountant: 'rdp' },
  );
  return { critic, data, enc };
}

const snapshot = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync() as Float32Array));

/**
 * One DP step with SGD(lr 1) and σ = 0 moves the weights by −Σᵢ clip(gᵢ)/B; recompute every per-example
 * gradient with an explicit loop (one backward per row) and compare.
 */
function checkStep(clipGenerated: boolean) {
  const { critic, data } = criticFixture(clipGenerated, 0);
  const vars = critic.net.variables;
  const before = snapshot(vars);
  // The generated rows of the step: the fixture's stream is replayed from the same seed.
  const fakeRng = new Rng(9);
  const fake = Float32Array.from({ length: 30 * data.d }, () => fakeRng.uniform());
  expect(critic.update()).toBe(true);
  const after = snapshot(vars);
  const idx = critic.lastBatch;
  const nReal = idx.length;
  const rows = nReal + 30;
  vars.forEach((v, i) => v.assign(tf.tensor(before[i], v.shape)));
  const X = new Float32Array(rows * data.d);
  idx.forEach((r, j) => X.set(data.real.subarray(r * data.d, (r + 1) * data.d), j * data.d));
  X.set(fake, nReal * data.d);
  const x = tf.tensor2d(X, [rows, data.d]);
  const y = tf.tensor1d(Float32Array.from({ length: rows }, (_, i) => (i < nReal ? 1 : 0)));
  const lossFn = (ctx: ForwardContext) => bceWithLogits(tf.reshape(critic.net.apply(x, ctx), [rows]), y);
  const per = perExampleGradients(critic.net, rows, lossFn);
  const C = 0.05;
  const total = per[0].length;
  const expected = new Float64Array(total);
  let clippedRows = 0;
  per.forEach((g, r) => {
    const norm = Math.hypot(...g);
    const clip = r < nReal || clipGenerated;
    const f = clip ? Math.min(1, C / (norm + 1e-6)) : 1;
    if (f < 1) clippedRows++;
    let n2 = 0;
    for (let j = 0; j < total; j++) {
      expected[j] += f * g[j];
      n2 += (f * g[j]) ** 2;
    }
    if (clip) expect(Math.sqrt(n2)).toBeLessThanOrEqual(C * (1 + 1e-5)); // every clipped per-example gradient ≤ C
  });
  expect(clippedRows).toBeGreaterThan(0); // the bound is active, so the test can fail
  const delta = new Float64Array(total);
  let off = 0;
  vars.forEach((v, i) => {
    for (let j = 0; j < v.size; j++) delta[off + j] = (before[i][j] - after[i][j]) * 30; // × expected batch size
    off += v.size;
  });
  let err = 0;
  let scale = 0;
  for (let j = 0; j < total; j++) {
    err = Math.max(err, Math.abs(delta[j] - expected[j]));
    scale = Math.max(scale, Math.abs(expected[j]));
  }
  expect(err).toBeLessThan(1e-4 * Math.max(1, scale));
  return { nReal };
}

describe('dpgan: the DP-SGD discriminator step', () => {
  it('clips every per-example gradient (real and generated rows) to C before summing', () => {
    const { nReal } = checkStep(true);
    expect(nReal).toBeGreaterThan(0);
  });

  it('with clip_generated off, only the real rows are clipped', () => {
    checkStep(false);
  });

  it('adds Gaussian noise of std σ·C/B to the summed gradient', () => {
    const { critic } = criticFixture(true, 2);
    const vars = critic.net.variables;
    const before = snapshot(vars);
    critic.update();
    const after = snapshot(vars);
    // The clipped part moves each coordinate by at most rows·C/B ≈ (B+30)·0.05/30; the noise std is 2·0.05/30.
    const diffs = before.flatMap((b, i) => Array.from(b, (v, j) => v - after[i][j]));
    const sd = Math.sqrt(diffs.reduce((s, v) => s + v * v, 0) / diffs.length);
    const noiseSd = (2 * 0.05) / 30;
    expect(sd).toBeGreaterThan(0.8 * noiseSd);
    expect(sd).toBeLessThan(1.6 * noiseSd);
  });
});

const dpOptions = (o: Record<string, unknown>) => ganOptionsSchema.parse({ generator_dims: [16], discriminator_dims: [8], latent_dim: 8, batch_size: 32, ...o });

async function fitDp(options: Record<string, unknown>, epsilon: number, accountant: 'rdp' | 'pld') {
  const t = knownTable(400);
  const g = new GanGenerator(dpOptions(options));
  const ledger = new Ledger({ epsilon, delta: 1e-5 });
  const report = await g.fit(t, { rng: new Rng(3), privacy: { mechanism: 'dpsgd', epsilon, delta: 1e-5, accountant }, ledger });
  return { report, ledger, g, t };
}

describe('dpgan: accounting', () => {
  for (const accountant of ['rdp', 'pld'] as const) {
    it(`ε in the report is the ${accountant} accountant's value for the steps taken, within the target`, async () => {
      const { report, ledger } = await fitDp({ epochs: 3 }, 1, accountant);
      const q = report.samplingRate as number;
      const ref = createAccountant(accountant).step(q, report.sigma as number, report.steps as number).epsilon(1e-5);
      expect(report.steps).toBe(3 * Math.round(400 / 32));
      expect(report.epsilon).toBeCloseTo(ref, 9);
      // The conditional generator's label frequencies take label_epsilon_share = 5 % first (Laplace, paid);
      // σ is calibrated so that DP-SGD spends (nearly all of) the rest.
      const labels = ledger.entries.find((e) => e.what.startsWith('target frequencies'));
      expect(labels).toMatchObject({ mechanism: 'laplace', epsilon: 0.05, delta: 0 });
      expect(report.epsilon as number).toBeLessThanOrEqual(0.95);
      expect(report.epsilon as number).toBeGreaterThan(0.95 * 0.95);
      expect(ledger.spent().epsilon).toBeCloseTo((report.epsilon as number) + 0.05, 12);
      expect(ledger.spent().epsilon).toBeLessThanOrEqual(1);
      expect(report.accountant).toBe(accountant);
    });
  }

  it('with a fixed σ, stops before the step that would exceed ε', async () => {
    const { report, ledger } = await fitDp({ epochs: 200, sigma: 0.8 }, 1, 'rdp');
    const q = 32 / 400;
    const limit = maxSteps({ q, sigma: 0.8, epsilon: 1, delta: 1e-5, accountant: 'rdp' }).steps;
    expect(report.stopped).toBe('budget');
    expect(report.steps).toBe(limit);
    expect(limit).toBeLessThan(200 * (400 / 32));
    const acc = createAccountant('rdp').step(q, 0.8, limit);
    expect(acc.epsilon(1e-5)).toBeLessThanOrEqual(1);
    expect(acc.step(q, 0.8).epsilon(1e-5)).toBeGreaterThan(1);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1);
  });

  it('samples tables with the declared columns, values inside the declared bounds', async () => {
    const { g, t } = await fitDp({ epochs: 1 }, 1, 'pld');
    const s = await g.sample(500, new Rng(1));
    expect(s.names).toEqual(t.names);
    for (const v of s.numeric('v').values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(10);
    }
  });
});

describe('gan encoding under DP', () => {
  it('refuses numeric columns without declared bounds (never read from data)', async () => {
    const t0 = knownTable(100);
    const t = new Table(t0.columns, { ...t0.meta, schema: t0.meta.schema!.filter((s) => s.name !== 'v') });
    const g = new GanGenerator(dpOptions({ epochs: 1 }));
    await expect(
      g.fit(t, { rng: new Rng(1), privacy: { mechanism: 'dpsgd', epsilon: 1, delta: 1e-5, accountant: 'rdp' }, ledger: new Ledger({ epsilon: 1, delta: 1e-5 }) }),
    ).rejects.toThrow(/numeric column "v" has no declared min\/max/);
    // Without privacy the data range may be used.
    const r = await g.fit(t, { rng: new Rng(1), privacy: { mechanism: 'none', epsilon: Infinity, delta: 1e-5, accountant: 'rdp' }, ledger: new Ledger({ epsilon: Infinity, delta: 1e-5 }) });
    expect(r.steps).toBeGreaterThan(0);
  });

  it('decodes integers rounded and clipped to declared bounds', () => {
    const t = new Table([{ kind: 'numeric', name: 'n', values: Float64Array.from([2, 5, 8]), integer: true }], { schema: [{ name: 'n', type: 'numeric', integer: true, min: 0, max: 10 }] });
    const enc = GanEncoding.fit(t, { numeric: 'sigmoid', requirePublicSchema: true, owner: 'test' });
    expect(Array.from(enc.encode(t))).toEqual([0.2, 0.5, 0.8].map((v) => Math.fround(v)));
    const out = enc.decode(Float32Array.from([0.234, -0.3, 1.7]), 3, new Rng(1), t.meta);
    expect(Array.from(out.numeric('n').values)).toEqual([2, 0, 10]);
  });
});

describe('registry', () => {
  it('dpgan and pategan are gan with a fixed mechanism', () => {
    expect(resolveGenerator('dpgan', undefined)).toMatchObject({ base: { name: 'gan' }, mechanisms: ['dpsgd'] });
    expect(resolveGenerator('pategan', undefined)).toMatchObject({ base: { name: 'gan' }, mechanisms: ['pate'] });
    expect(resolveGenerator('gan', ['dpsgd', 'laplace'])).toMatchObject({ mechanisms: ['dpsgd'] });
    expect(createGenerator('pategan', { teachers: 20 }).name).toBe('gan');
    expect(() => createGenerator('dpgan', { epochs: -1 })).toThrow(/epochs/);
  });
});
