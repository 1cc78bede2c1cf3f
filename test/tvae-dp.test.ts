/**
 * TVAE and dp-tvae: the ghost-norm DP-SGD step handles the VAE loss (reparameterisation noise from the
 * seeded Rng, the learned output σ as a clippable layer) exactly like a per-example loop; dp-tvae pays for its
 * modes, never exceeds the ledger and stops before it would; non-private TVAE learns and decodes valid rows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/compute/backend.ts';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { loadDataset } from '../src/data/registry.ts';
import type { Table } from '../src/data/table.ts';
import { fillNormal32 } from '../src/generators/ctgan.ts';
import { createGenerator } from '../src/generators/registry.ts';
import { TvaeNet } from '../src/generators/tvae.ts';
import type { Mechanism } from '../src/generators/types.ts';
import { dpGradients, perExampleGradients } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { seededGaussian } from '../src/privacy/noise.ts';

const SMALL = { batch_size: 100, embedding_dim: 8, compress_dims: [16, 16], decompress_dims: [16, 16] };
let adult: Table;

beforeAll(async () => {
  await initBackend('auto');
  adult = loadDataset('adult').take(Int32Array.from({ length: 1200 }, (_, i) => i * 23));
});

async function fit(name: string, options: Record<string, unknown>, epsilon: number, mechanism: Mechanism) {
  const g = createGenerator(name, options);
  const ledger = new Ledger({ epsilon, delta: 1e-5 });
  const rep = await g.fit(adult, { rng: new Rng(5), privacy: { mechanism, epsilon, delta: 1e-5, accountant: 'pld' }, ledger });
  return { g, rep, ledger };
}

describe('DP-SGD on the VAE loss', () => {
  it('ghost norms over encoder + decoder (σ included) match a per-example loop; the clipped mean is ≤ C', () => {
    // Layout: 2 α's, a 3-way and a 2-way one-hot span.
    const layout = { dim: 7, continuous: 2, spans: [{ kind: 'numeric' as const, offset: 0, activation: 'tanh' as const }, { kind: 'numeric' as const, offset: 1, activation: 'tanh' as const }, { kind: 'categorical' as const, offset: 2, width: 3 }, { kind: 'categorical' as const, offset: 5, width: 2 }] };
    const net = new TvaeNet(layout, { embedding_dim: 4, compress_dims: [8], decompress_dims: [8], sigma_init: 0.1, loss_factor: 2 }, new Rng(1));
    const rows = 12;
    const rng = new Rng(2);
    const data = new Float32Array(rows * 7);
    for (let i = 0; i < rows; i++) {
      data[i * 7] = 2 * rng.uniform() - 1;
      data[i * 7 + 1] = 2 * rng.uniform() - 1;
      data[i * 7 + 2 + rng.int(3)] = 1;
      data[i * 7 + 5 + rng.int(2)] = 1;
    }
    const x = tf.tensor2d(data, [rows, 7]);
    const eps = tf.tensor2d(fillNormal32(new Float32Array(rows * 4), new Rng(3)), [rows, 4]);
    const ones = tf.ones([rows, 1]) as tf.Tensor2D;
    const loss = net.rowLoss(x, eps, ones);
    const big = dpGradients(net.modules, rows, loss, { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: rows, noise: seededGaussian(new Rng(4)), returnNorms: true });
    const ref = perExampleGradients(net.modules, rows, loss);
    for (let i = 0; i < rows; i++) {
      const n = Math.sqrt(ref[i].reduce((a, v) => a + v * v, 0));
      expect(Math.abs(big.norms![i] - n) / n).toBeLessThan(1e-3);
    }
    // The σ layer gets a per-example gradient like any weight (the log σ and 1/σ² terms of every row).
    const sigmaGrad = big.grads[net.sigma.W.name].dataSync() as Float32Array;
    expect(Array.from(sigmaGrad).every((v) => Math.abs(v) > 0)).toBe(true);
    const C = 0.5;
    const clipped = dpGradients(net.modules, rows, loss, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: rows, noise: seededGaussian(new Rng(4)) });
    let sq = 0;
    for (const g of Object.values(clipped.grads)) sq += (tf.sum(tf.square(g)).dataSync() as Float32Array)[0];
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(C * (1 + 1e-4));
    expect(clipped.clippedFraction).toBe(1);
    tf.dispose([x, eps, ones, ...Object.values(big.grads), ...Object.values(clipped.grads)]);
    net.dispose();
  });
});

describe('dp-tvae', () => {
  it('pays for its modes only (no conditional vector), stays within ε and stops before exceeding it', async () => {
    const { rep, ledger } = await fit('dp-tvae', { ...SMALL, epochs: 50, sigma: 2 }, 1, 'dpsgd');
    const laplace = ledger.entries.filter((e) => e.mechanism === 'laplace');
    expect(laplace.length).toBe(6); // one histogram per continuous column
    for (const e of laplace) expect(e.epsilon).toBeCloseTo(0.1 / 6, 12);
    expect(ledger.entries.filter((e) => e.mechanism === 'dpsgd').length).toBe(1);
    expect(rep.stopped).toBe('budget');
    expect(rep.steps).toBe(rep.stepLimit);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1 + 1e-9);
  });
});

describe('tvae (non-private)', () => {
  it('learns (loss falls), decodes valid rows, and is deterministic', async () => {
    const { g, rep } = await fit('tvae', { ...SMALL, epochs: 6 }, Infinity, 'none');
    const loss = (rep.losses as Record<string, number[]>).loss;
    expect(loss.length).toBe(6);
    expect(loss[5]).toBeLessThan(0.8 * loss[0]);
    expect(rep.steps).toBe(6 * 12); // ceil(1200 / 100) batches per epoch (DataLoader drop_last=False)
    const s = await g.sample(400, new Rng(8));
    expect(s.names).toEqual(adult.names);
    for (const c of s.columns) {
      const decl = adult.meta.schema!.find((x) => x.name === c.name)!;
      if (c.kind === 'numeric') for (const v of c.values) expect(Number.isInteger(v) && v >= decl.min! && v <= decl.max!).toBe(true);
    }
    const again = await g.sample(400, new Rng(8));
    expect(Array.from(again.numeric('fnlwgt').values)).toEqual(Array.from(s.numeric('fnlwgt').values));
  });
});
