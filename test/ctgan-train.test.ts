/**
 * Non-private CTGAN: the conditional vector and training-by-sampling (ctgan/data_sampler.py semantics), the
 * encoded layout, a short fit on a slice of Adult (tiny networks, a few epochs), decoding (integers rounded,
 * declared bounds respected, categories from the declared levels), conditional sampling without rejection,
 * determinism, and the `bench sample` command module.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSample } from '../src/cli/sample.ts';
import { initBackend } from '../src/compute/backend.ts';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import type { Table } from '../src/data/table.ts';
import { CondSampler, RowsByCategory } from '../src/generators/condvec.ts';
import { CtganGenerator, ctganOptionsSchema, fillUniform32, gumbelTensor } from '../src/generators/ctgan.ts';
import { tf } from '../src/compute/tf.ts';
import { createGenerator } from '../src/generators/registry.ts';
import { Ledger } from '../src/privacy/ledger.ts';

const SMALL = { batch_size: 100, embedding_dim: 16, generator_dim: [32, 32], discriminator_dim: [32, 32] };
let adult: Table;

beforeAll(async () => {
  await initBackend('auto');
  const full = loadDataset('adult');
  adult = full.take(Int32Array.from({ length: 1000 }, (_, i) => i * 29));
});

function fitNone(g: CtganGenerator, t: Table, seed = 1) {
  return g.fit(t, { rng: new Rng(seed), privacy: { mechanism: 'none', epsilon: Infinity, delta: 1e-5, accountant: 'pld' }, ledger: new Ledger({ epsilon: Infinity, delta: 1e-5 }) });
}

describe('conditional vector and training-by-sampling', () => {
  const cols = [
    { name: 'a', levels: ['x', 'y', 'z'], condOffset: 0, dataOffset: 10 },
    { name: 'b', levels: ['p', 'q'], condOffset: 3, dataOffset: 13 },
  ];
  const counts = [Float64Array.of(900, 90, 0), Float64Array.of(500, 500)];

  it('draws the column uniformly and the category ∝ log(count + 1); zero counts are never drawn', () => {
    const cs = new CondSampler(cols, counts, { logFrequency: true });
    const la = [Math.log(901), Math.log(91), 0];
    const sa = la.reduce((a, b) => a + b, 0);
    expect(Array.from(cs.trainProb[0])).toEqual(la.map((v) => v / sa));
    const N = 40000;
    const d = cs.sampleTraining(N, new Rng(3));
    const hist = [0, 0, 0, 0, 0];
    let colA = 0;
    for (let i = 0; i < N; i++) {
      let ones = 0;
      for (let k = 0; k < 5; k++) if (d.cond[i * 5 + k] === 1) {
        hist[k]++;
        ones++;
      }
      expect(ones).toBe(1);
      if (d.col[i] === 0) colA++;
    }
    expect(Math.abs(colA / N - 0.5)).toBeLessThan(0.015);
    expect(hist[2]).toBe(0);
    expect(Math.abs(hist[0] / colA - la[0] / sa)).toBeLessThan(0.02);
    expect(Math.abs(hist[1] / colA - la[1] / sa)).toBeLessThan(0.02);
  });

  it('sampling conditions follow the original frequencies; fixed conditions and real-row conditions are exact', () => {
    const cs = new CondSampler(cols, counts, { logFrequency: true });
    const d = cs.sampleOriginal(40000, new Rng(4));
    let x = 0;
    let a = 0;
    for (let i = 0; i < 40000; i++) if (d.col[i] === 0) {
      a++;
      if (d.cat[i] === 0) x++;
    }
    expect(Math.abs(x / a - 900 / 990)).toBeLessThan(0.01);
    const f = cs.fixed(4, 'b', 'q');
    expect(Array.from(f.cond)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(() => cs.fixed(1, 'b', 'nope')).toThrow(/"nope" is not a level of column "b"/);
    expect(() => cs.fixed(1, 'age', '3')).toThrow(/"age" is not a categorical column/);
    const codes = [Int32Array.of(0, 1, 1, 0), Int32Array.of(1, 1, 0, 0)];
    const r = cs.ofRows([2, 3, 0], codes, new Rng(5));
    for (let i = 0; i < 3; i++) {
      const row = [2, 3, 0][i];
      expect(r.cat[i]).toBe(codes[r.col[i]][row]);
      expect(r.cond[i * 5 + cols[r.col[i]].condOffset + r.cat[i]]).toBe(1);
    }
  });

  it('RowsByCategory draws only rows having the category', () => {
    const codes = [Int32Array.of(0, 1, 1, 0, 2, 1)];
    const rb = new RowsByCategory(codes, [3]);
    expect(rb.count(0, 1)).toBe(3);
    const rng = new Rng(6);
    for (let i = 0; i < 200; i++) expect(codes[0][rb.sample(0, 1, rng, 6)]).toBe(1);
  });
});

describe('noise for the Gumbel-softmax', () => {
  it('uniforms stay strictly inside (0, 1) in float32 even for the extreme 32-bit draws', () => {
    for (const x of [0, 1, 0xffffff80, 0xffffffff]) {
      const stub = { nextUint32: () => x } as unknown as Rng;
      const u = fillUniform32(new Float32Array(4), stub);
      expect(u[0]).toBeGreaterThan(0);
      expect(u[0]).toBeLessThan(1);
      const g = gumbelTensor(1, 4, stub);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      g.dispose();
    }
    // Gumbel(0, 1): mean γ ≈ 0.5772, variance π²/6.
    const g = gumbelTensor(200, 500, new Rng(12));
    const v = Array.from(g.dataSync());
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const varc = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean - 0.5772)).toBeLessThan(0.01);
    expect(Math.abs(varc - Math.PI ** 2 / 6)).toBeLessThan(0.03);
    tf.dispose(g);
  });
});

describe('ctgan on a slice of Adult (tiny networks)', () => {
  it('fits with the reference layout and defaults, samples valid rows, conditions without rejection, is deterministic', async () => {
    const g = createGenerator('ctgan', { ...SMALL, epochs: 2 }) as CtganGenerator;
    const rep = await fitNone(g, adult);
    expect(rep.pac).toBe(10); // defaults.md §2.1: pac 10, WGAN-GP without privacy
    expect(rep.loss).toBe('wgan-gp');
    expect(rep.steps).toBe(20); // max(1000 // 100, 1) steps per epoch × 2
    expect(rep.stopped).toBe('epochs');
    const dims = rep.dimensions as { encoded: number; cond: number };
    const levels = adult.columns.reduce((a, c) => a + (c.kind === 'categorical' ? adult.meta.schema!.find((s) => s.name === c.name)!.levels!.length : 0), 0);
    expect(dims.cond).toBe(levels); // one cond slot per declared level of every categorical column
    const modes = Object.values(rep.modes as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(dims.encoded).toBe(6 + modes + levels); // α per continuous column + modes + one-hots

    const s = await g.sample(700, new Rng(9));
    expect(s.nrows).toBe(700);
    expect(s.names).toEqual(adult.names);
    for (const c of s.columns) {
      const decl = adult.meta.schema!.find((x) => x.name === c.name)!;
      if (c.kind === 'numeric') {
        for (const v of c.values) {
          expect(Number.isInteger(v)).toBe(true); // Adult's numerics are integers: rounded (metrics.md)
          expect(v).toBeGreaterThanOrEqual(decl.min!);
          expect(v).toBeLessThanOrEqual(decl.max!);
        }
      } else {
        expect(c.levels).toEqual(decl.levels);
      }
    }
    const again = await g.sample(700, new Rng(9));
    expect(Array.from(again.numeric('age').values)).toEqual(Array.from(s.numeric('age').values));

    const cond = await g.sampleConditional(300, new Rng(10), { column: 'income', value: '>50K' });
    const inc = cond.categorical('income');
    expect(inc.codes.every((k) => inc.levels[k] === '>50K')).toBe(true);
    await expect(g.sampleConditional(10, new Rng(1), { column: 'income', value: 'rich' })).rejects.toThrow(/"rich" is not a level of column "income"/);
  });

  it('learns the conditional cross-entropy term (the generator respects its condition)', async () => {
    const g = new CtganGenerator(ctganOptionsSchema.parse({ ...SMALL, epochs: 8, generator_lr: 2e-3 }));
    const rep = await fitNone(g, adult.take(Int32Array.from({ length: 600 }, (_, i) => i)), 2);
    const ce = (rep.losses as Record<string, number[]>).conditionCrossEntropy;
    expect(ce.length).toBe(8);
    expect(ce[7]).toBeLessThan(0.6 * ce[0]);
  });

  it('rejects settings the reference rejects', async () => {
    const g = createGenerator('ctgan', { ...SMALL, batch_size: 95 }) as CtganGenerator;
    await expect(fitNone(g, adult)).rejects.toThrow(/batch_size must be even/);
    const h = createGenerator('ctgan', { ...SMALL, batch_size: 100, pac: 7 }) as CtganGenerator;
    await expect(fitNone(h, adult)).rejects.toThrow(/multiple of pac/);
    expect(() => createGenerator('ctgan', { epoch: 3 })).toThrow(/generators\.ctgan\.epoch: unknown option/);
  });
});

describe('bench sample (command module)', () => {
  it('fits the config’s generator and writes conditioned rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctgan-sample-'));
    const cfg = join(dir, 'c.yaml');
    writeFileSync(
      cfg,
      `name: s\ndataset: {name: adult, test: adult-test, rows: 600}\ngenerators:\n  - ctgan: {epochs: 1, batch_size: 100, embedding_dim: 16, generator_dim: [16], discriminator_dim: [16]}\n`,
    );
    const { table, ledger } = await runSample(
      { config: cfg, rows: 250, out: join(dir, 'o.csv'), condition: 'sex=Female', seed: 3, set: [], 'max-rounds': 5 },
      () => {},
    );
    expect(table.nrows).toBe(250);
    const sex = table.categorical('sex');
    expect(sex.codes.every((k) => sex.levels[k] === 'Female')).toBe(true);
    expect(ledger.spent().epsilon).toBe(0);
    await expect(runSample({ config: cfg, out: '-', condition: 'sex', seed: 0, set: [], 'max-rounds': 1 }, () => {})).rejects.toThrow(/column=value/);
  });
});
