/**
 * dpctgan and patectgan: everything learnt from the real rows is paid for or declared public (noisy
 * histograms for the GMM modes and the conditional vector's frequencies, each a ledger entry), the ledger is
 * never exceeded and training stops before it would be, per-example clipping holds on CTGAN's real rows with
 * their conditions, and PATE teachers see disjoint partitions and are parameters of their own (not the
 * student's — the smartnoise PATECTGAN quirk, defaults.md §2.4).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/compute/backend.ts';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { loadDataset } from '../src/data/registry.ts';
import { Table } from '../src/data/table.ts';
import { ModeNormalizer, ModeSpecificEncoder } from '../src/data/transform/mode-specific.ts';
import { CondSampler } from '../src/generators/condvec.ts';
import type { CtganGenerator } from '../src/generators/ctgan.ts';
import type { PateCritic } from '../src/generators/critics-pate.ts';
import { createGenerator } from '../src/generators/registry.ts';
import type { FitReport, Mechanism } from '../src/generators/types.ts';
import { bceWithLogits } from '../src/nn/losses.ts';
import { DenseNet, type ForwardContext } from '../src/privacy/dpnet.ts';
import { dpGradients, perExampleGradients } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { seededGaussian } from '../src/privacy/noise.ts';
import type { Ensemble } from '../src/nn/ensemble.ts';

const SMALL = { batch_size: 100, embedding_dim: 16, generator_dim: [32, 32], discriminator_dim: [32, 32] };
let adult: Table;

beforeAll(async () => {
  await initBackend('auto');
  adult = loadDataset('adult').take(Int32Array.from({ length: 1500 }, (_, i) => i * 19));
});

async function fit(name: string, options: Record<string, unknown>, epsilon: number, mechanism: Mechanism, t: Table = adult, progress?: () => void): Promise<{ rep: FitReport; ledger: Ledger; g: CtganGenerator }> {
  const g = createGenerator(name, options) as CtganGenerator;
  const ledger = new Ledger({ epsilon, delta: 1e-5 });
  const rep = await g.fit(t, { rng: new Rng(7), privacy: { mechanism, epsilon, delta: 1e-5, accountant: 'pld' }, ledger, progress });
  return { rep, ledger, g };
}

describe('dpctgan: preprocessing is paid for, the ledger is never exceeded', () => {
  it('spends a noisy histogram per column (preprocessor_eps share) and DP-SGD for the rest', async () => {
    const { rep, ledger, g } = await fit('dpctgan', { ...SMALL, epochs: 2 }, 2, 'dpsgd');
    expect(rep.pac).toBe(1); // smartnoise DPCTGAN: pac 1, BCE (defaults.md §2.4)
    expect(rep.loss).toBe('bce');
    const entries = ledger.entries;
    const hist = entries.filter((e) => e.what.includes('histogram of'));
    const freq = entries.filter((e) => e.what.includes('category counts of'));
    expect(hist.map((e) => e.what.match(/"(.+?)"/)![1])).toEqual(['age', 'fnlwgt', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week']);
    expect(freq.length).toBe(9); // every categorical column, the target included
    for (const e of [...hist, ...freq]) {
      expect(e.mechanism).toBe('laplace');
      expect(e.epsilon).toBeCloseTo((0.1 * 2) / 15, 12);
    }
    const train = entries.filter((e) => e.mechanism === 'dpsgd');
    expect(train.length).toBe(1);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(2 + 1e-9);
    expect(train[0].epsilon).toBeLessThanOrEqual(2 - 0.2 + 1e-9);
    expect(rep.stopped).toBe('epochs');
    const s = await g.sample(200, new Rng(1));
    for (const v of s.numeric('age').values) expect(v >= 17 && v <= 90 && Number.isInteger(v)).toBe(true);
  });

  it('stops before the budget would be exceeded (fixed σ, more planned steps than fit)', async () => {
    const { rep, ledger } = await fit('dpctgan', { ...SMALL, epochs: 40, sigma: 2 }, 1, 'dpsgd'); // 34 steps fit in ε = 0.9 at q = 1/15
    expect(rep.stopped).toBe('budget');
    expect(rep.steps).toBe(rep.stepLimit);
    expect((rep.steps as number) < 40 * 15).toBe(true);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1 + 1e-9);
    expect(rep.trainingEpsilon as number).toBeGreaterThan(0.8); // the limit is tight: one more step would cross
  });

  it('public and fixed preprocessing release nothing from the data; undeclared bounds are refused', async () => {
    const pub = await fit('dpctgan', { ...SMALL, epochs: 0.2, preprocessing: 'public' }, 1, 'dpsgd');
    expect(pub.ledger.entries.filter((e) => e.mechanism === 'laplace').length).toBe(0);
    expect(pub.ledger.entries.some((e) => e.mechanism === 'public' && /declared public/.test(e.what))).toBe(true);
    const fixed = await fit('dpctgan', { ...SMALL, epochs: 0.2, preprocessing: 'fixed' }, 1, 'dpsgd');
    expect(fixed.ledger.entries.map((e) => e.mechanism)).toEqual(['dpsgd']);
    expect(Object.values(fixed.rep.modes as Record<string, number>)).toEqual([10, 10, 10, 10, 10, 10]);
    const noSchema = adult.withMeta({ schema: undefined });
    await expect(fit('dpctgan', { ...SMALL, epochs: 0.2 }, 1, 'dpsgd', noSchema)).rejects.toThrow(/numeric column "age" has no declared min\/max/);
    await expect(fit('dpctgan', { ...SMALL, epochs: 0.2, pac: 10 }, 1, 'dpsgd')).rejects.toThrow(/pac must be 1/);
  });
});

describe('DP-SGD clipping on CTGAN rows with their conditions', () => {
  it('ghost norms equal per-example norms and every real row contributes at most C', () => {
    const t = adult.take(Int32Array.from({ length: 40 }, (_, i) => i));
    const schema = new Map(t.meta.schema!.map((s) => [s.name, s]));
    const normalizers = new Map(t.columns.filter((c) => c.kind === 'numeric').map((c) => [c.name, ModeNormalizer.fixed(schema.get(c.name)!.min!, schema.get(c.name)!.max!, 4)]));
    const enc = ModeSpecificEncoder.fit(t, new Rng(1), { normalizers, requirePublic: true });
    let off = 0;
    const cols = enc.discrete.map((c) => {
      const r = { name: c.name, levels: c.levels, condOffset: off, dataOffset: c.offset };
      off += c.levels.length;
      return r;
    });
    const cs = new CondSampler(cols, cols.map((c) => new Float64Array(c.levels.length).fill(1)), { logFrequency: true });
    const X = enc.encode(t, new Rng(2));
    const codes = enc.discreteCodes(t);
    const rows = 40;
    const c = cs.ofRows(Int32Array.from({ length: rows }, (_, i) => i), codes, new Rng(3));
    const w = enc.dim + cs.dim;
    const data = new Float32Array(rows * w);
    for (let i = 0; i < rows; i++) {
      data.set(X.subarray(i * enc.dim, (i + 1) * enc.dim), i * w);
      data.set(c.cond.subarray(i * cs.dim, (i + 1) * cs.dim), i * w + enc.dim);
    }
    const x = tf.tensor2d(data, [rows, w]);
    const net = new DenseNet('d', w, [{ type: 'dense', units: 16, activation: 'leakyRelu' }, { type: 'dense', units: 1 }], new Rng(4));
    const loss = (ctx?: ForwardContext) => bceWithLogits(tf.reshape(net.apply(x, ctx), [rows]), 1);
    const C = 0.05;
    const r = dpGradients(net, rows, (ctx) => loss(ctx), { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: rows, noise: seededGaussian(new Rng(5)), returnNorms: true });
    const ref = perExampleGradients(net, rows, (ctx) => loss(ctx));
    for (let i = 0; i < rows; i++) {
      const n = Math.sqrt(ref[i].reduce((a, v) => a + v * v, 0));
      expect(Math.abs(r.norms![i] - n) / n).toBeLessThan(1e-3);
    }
    expect(r.clippedFraction).toBeGreaterThan(0.9);
    let sq = 0;
    for (const g of Object.values(r.grads)) sq += (tf.sum(tf.square(g)).dataSync() as Float32Array)[0];
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(C * (1 + 1e-4)); // mean of clipped rows: ≤ C
    tf.dispose([x, ...Object.values(r.grads)]);
    net.dispose();
  });
});

describe('patectgan: disjoint teachers with their own parameters', () => {
  it('partitions are disjoint and cover the rows; teachers differ from each other and share nothing with the student', async () => {
    let checked = false;
    const opts = { ...SMALL, teachers: 100, iterations: 4, teacher_warmup: 5, query_batch: 16, student_steps: 2, pate_generator_steps: 1 };
    const g = createGenerator('patectgan', opts) as CtganGenerator;
    const ledger = new Ledger({ epsilon: 10, delta: 1e-5 });
    const rep = await g.fit(adult, {
      rng: new Rng(3),
      privacy: { mechanism: 'pate', epsilon: 10, delta: 1e-5, accountant: 'pld' },
      ledger,
      progress: () => {
        const critic = g.trainingCritic as PateCritic;
        if (checked || !critic) return;
        const seen = new Uint8Array(adult.nrows);
        for (const p of critic.partitions) for (const r of p) {
          expect(seen[r]).toBe(0);
          seen[r] = 1;
        }
        expect(seen.every((v) => v === 1)).toBe(true);
        const teachers = critic.teachers as Ensemble;
        const teacherVars = new Set(teachers.variables);
        for (const v of critic.net.variables) expect(teacherVars.has(v)).toBe(false);
        const w0 = teachers.memberWeights(0)[0];
        const w1 = teachers.memberWeights(1)[0];
        expect(w0.some((v, i) => v !== w1[i])).toBe(true);
        checked = true;
      },
    });
    expect(checked).toBe(true);
    expect(rep.teachers).toBe(100);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(10 + 1e-9);
    expect(ledger.entries.some((e) => e.mechanism === 'pate')).toBe(true);
    expect(ledger.entries.filter((e) => e.what.includes('category counts of')).length).toBe(9);
  });
});
