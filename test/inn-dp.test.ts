import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import type { Table } from '../src/data/table.ts';
import { InnGenerator } from '../src/generators/inn.ts';
import { createGenerator } from '../src/generators/registry.ts';
import type { FitReport } from '../src/generators/types.ts';
import { InvertibleFlow } from '../src/nn/flow.ts';
import { calibrateSigma } from '../src/privacy/calibrate.ts';
import type { ForwardContext } from '../src/privacy/dpnet.ts';
import { dpGradients, perExampleGradients } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { seededGaussian } from '../src/privacy/noise.ts';
import { mixedTable, tiny } from './inn-fixtures.ts';

const dpsgd = (epsilon: number) => ({ mechanism: 'dpsgd' as const, epsilon, delta: 1e-5, accountant: 'pld' as const });

async function fitDp(options: Record<string, unknown>, train: Table, epsilon: number): Promise<{ gen: InnGenerator; report: FitReport; ledger: Ledger }> {
  const gen = createGenerator('dp-inn', { ...tiny, ...options }) as InnGenerator;
  const ledger = new Ledger({ epsilon, delta: 1e-5 });
  const report = await gen.fit(train, { rng: new Rng(1), privacy: dpsgd(epsilon), ledger });
  return { gen, report, ledger };
}

describe('dp-inn', () => {
  it('ghost norms equal the per-example loop on the INN loss (coupling subnets, conditions, ActNorm)', () => {
    const rng = new Rng(3);
    const flow = new InvertibleFlow('g', { dim: 5, condDim: 2, blocks: 2, hidden: [8] }, rng);
    for (const v of flow.variables) {
      const b = new Float32Array(v.size);
      rng.fillNormal(b, 0, 0.2);
      tf.tidy(() => v.assign(tf.tensor(b, v.shape)));
    }
    const rows = 7;
    const xb = new Float32Array(rows * 5);
    rng.fillNormal(xb);
    const x = tf.tensor2d(xb, [rows, 5]);
    const c = tf.tensor2d(Float32Array.from({ length: rows * 2 }, (_, i) => ((i >> 1) % 2 === i % 2 ? 1 : 0)), [rows, 2]);
    const loss = (ctx: ForwardContext) => flow.nll(x, c, ctx);
    const per = perExampleGradients(flow.modules, rows, loss);
    const r = dpGradients(flow.modules, rows, loss, { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: 1, noise: seededGaussian(rng), returnNorms: true });
    for (let i = 0; i < rows; i++) {
      const exact = Math.sqrt(per[i].reduce((s, v) => s + v * v, 0));
      expect(exact).toBeGreaterThan(1e-3);
      expect(Math.abs(r.norms![i] - exact) / exact).toBeLessThan(1e-4);
    }
    // the clipped sum equals the sum of per-example gradients clipped to C
    const C = 0.5;
    const clipped = dpGradients(flow.modules, rows, loss, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: 1, noise: seededGaussian(rng) });
    const expected = new Float64Array(per[0].length);
    for (const g of per) {
      const nrm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      const f = Math.min(1, C / (nrm + 1e-6));
      for (let j = 0; j < g.length; j++) expected[j] += f * g[j];
    }
    let off = 0;
    let maxErr = 0;
    for (const v of flow.variables) {
      const got = clipped.grads[v.name].dataSync();
      for (let j = 0; j < v.size; j++) maxErr = Math.max(maxErr, Math.abs(got[j] - expected[off + j]));
      off += v.size;
    }
    expect(maxErr).toBeLessThan(1e-4);
    tf.dispose([...Object.values(r.grads), ...Object.values(clipped.grads)]);
    flow.dispose();
  });

  it('never exceeds the ledger: training stops on the budget, the margin is a paid DP quantile', async () => {
    const train = mixedTable(300, 2);
    const eps = 1;
    const { gen, report, ledger } = await fitDp({ epochs: 200, sigma: 0.7 }, train, eps);
    expect(report.stopped).toBe('budget');
    expect(report.steps).toBe(report.stepLimit);
    expect(report.steps).toBeLessThan(Math.round((200 * 300) / 64));
    const spent = ledger.spent();
    expect(spent.epsilon).toBeLessThanOrEqual(eps * (1 + 1e-9));
    expect(spent.delta).toBeLessThanOrEqual(1e-5);
    const byMech = Object.fromEntries(ledger.entries.map((e) => [e.mechanism, e]));
    expect(Object.keys(byMech).sort()).toEqual(['dpsgd', 'exponential', 'public']);
    expect(byMech.dpsgd.epsilon).toBeLessThanOrEqual(0.9 * eps);
    expect(byMech.exponential.epsilon).toBeCloseTo(0.1 * eps, 12);
    expect(byMech.exponential.what).toMatch(/pertinence margin/);
    const p = report.pertinence as Record<string, unknown>;
    expect(p.marginSource).toMatch(/DP quantile 0.95/);
    expect(p.real).toBeUndefined(); // no aggregates of real scores under DP
    expect((p.histogram as Record<string, unknown>).real).toBeUndefined();
    const s = await gen.sample(50, new Rng(3));
    expect(s.nrows).toBe(50);
    gen.dispose();
  });

  it('calibrates σ from the ε left after the margin and condition shares', async () => {
    const train = mixedTable(300, 4);
    const eps = 3;
    const { gen, report, ledger } = await fitDp({ epochs: 3, condition: { column: 'y' } }, train, eps);
    const shares = report.epsilonShares as { training: number; margin: number; condition: number };
    expect(shares.margin).toBeCloseTo(0.1 * eps, 12);
    expect(shares.condition).toBeCloseTo(0.05 * eps, 12);
    expect(shares.training).toBeCloseTo(0.85 * eps, 12);
    const q = 64 / 300;
    const expected = calibrateSigma({ q, epsilon: 0.85 * eps, delta: 1e-5, steps: Math.round((3 * 300) / 64), accountant: 'pld' }).sigma;
    expect(report.sigma).toBeCloseTo(expected, 6);
    expect(report.stopped).toBe('epochs');
    expect(ledger.entries.map((e) => e.mechanism).sort()).toEqual(['dpsgd', 'exponential', 'laplace', 'public']);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(eps * (1 + 1e-9));
    gen.dispose();
  });

  it('with the filter off (or an absolute margin) nothing is paid for a margin', async () => {
    const train = mixedTable(200, 5);
    for (const options of [{ filter: false }, { margin: { value: 3 } }]) {
      const { gen, report, ledger } = await fitDp({ epochs: 1, ...options }, train, 1);
      expect(ledger.entries.some((e) => e.mechanism === 'exponential')).toBe(false);
      expect((report.epsilonShares as { margin: number }).margin).toBe(0);
      gen.dispose();
    }
  });

  it('uses no data-dependent initialisation: ActNorm starts at the identity and the encoding reads only the schema', async () => {
    const train = mixedTable(300, 6);
    // σ so small that not one step fits ε: the parameters stay at their initial values.
    const { gen, report } = await fitDp({ sigma: 0.05, margin: { value: 0 } }, train, 0.05);
    expect(report.steps).toBe(0);
    for (const a of gen.network!.actnorms) for (const v of a.dense.W.dataSync()) expect(v).toBe(0);
    gen.dispose();
    // without DP the Glow data init moves them
    const plain = createGenerator('inn', { ...tiny, epochs: 1e-9 }) as InnGenerator;
    await plain.fit(train, { rng: new Rng(1), privacy: { mechanism: 'none', epsilon: Infinity, delta: 1e-5, accountant: 'pld' }, ledger: new Ledger({ epsilon: Infinity, delta: 1e-5 }) });
    expect(Math.max(...Array.from(plain.network!.actnorms[0].dense.W.dataSync(), Math.abs))).toBeGreaterThan(0.05);
    plain.dispose();
    await expect(fitDp({ actnorm_init: 'data' }, train, 1)).rejects.toThrow(/actnorm_init "data" reads the real rows/);
    const noBounds = train.withMeta({ schema: train.meta.schema!.filter((s) => s.name !== 'x') });
    await expect(fitDp({}, noBounds, 1)).rejects.toThrow(/numeric column "x" has no declared min\/max/);
  });

  it('refuses the reconstruction bottleneck under DP with the reason, and trains the forward-only tail variant', async () => {
    const train = mixedTable(200, 7);
    await expect(fitDp({ bottleneck: { k: 3, loss: 'reconstruction' } }, train, 1)).rejects.toThrow(/applied twice per example and ghost-norm clipping/);
    const { gen, report, ledger } = await fitDp({ epochs: 2, bottleneck: { k: 3 } }, train, 1);
    expect(report.losses!.bottleneck.length).toBeGreaterThan(0);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1 + 1e-9);
    gen.dispose();
  });
});
