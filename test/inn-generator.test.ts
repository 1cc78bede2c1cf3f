import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import type { Table } from '../src/data/table.ts';
import { quantileSorted } from '../src/generators/inn-pertinence.ts';
import { InnGenerator, innOptionsSchema } from '../src/generators/inn.ts';
import { createGenerator, resolveGenerator } from '../src/generators/registry.ts';
import type { FitReport } from '../src/generators/types.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { mixedTable, tiny } from './inn-fixtures.ts';

const none = { mechanism: 'none' as const, epsilon: Infinity, delta: 1e-5, accountant: 'pld' as const };

async function fitInn(options: Record<string, unknown>, train: Table, seed = 1): Promise<{ gen: InnGenerator; report: FitReport }> {
  const gen = createGenerator('inn', { ...tiny, ...options }) as InnGenerator;
  const report = await gen.fit(train, { rng: new Rng(seed), privacy: none, ledger: new Ledger({ epsilon: Infinity, delta: 1e-5 }) });
  return { gen, report };
}

/** Scores of a table exactly as the filter computes them (deterministic encoding → forward pass). */
function scoresOf(gen: InnGenerator, t: Table): Float64Array {
  const enc = gen.encoding!;
  return gen.scoreRows(enc.encode(t), t.nrows, enc.condition ? enc.conditionCodes(t) : undefined);
}

describe('inn generator', () => {
  it('is registered, with dp-inn as inn + dpsgd', () => {
    expect(resolveGenerator('dp-inn', undefined)).toMatchObject({ base: { name: 'inn' }, mechanisms: ['dpsgd'] });
    expect(resolveGenerator('inn', ['dpsgd']).mechanisms).toEqual(['dpsgd']);
    expect(() => createGenerator('inn', { blockz: 3 })).toThrow(/generators\.inn\.blockz: unknown option/);
  });

  it('trains (NLL falls) and samples valid mixed rows: same columns, declared levels, integers, bounds', async () => {
    const train = mixedTable(400, 1);
    const { gen, report } = await fitInn({ epochs: 25, filter: false }, train);
    const nll = report.losses!.nll;
    expect(nll[nll.length - 1]).toBeLessThan(nll[0] - 0.2);
    const s = await gen.sample(300, new Rng(2));
    expect(s.nrows).toBe(300);
    expect(s.names).toEqual(train.names);
    const k = s.numeric('k').values;
    for (const v of k) expect(Number.isInteger(v) && v >= 0 && v <= 20).toBe(true);
    for (const v of s.numeric('x').values) expect(Number.isFinite(v) && v >= -6 && v <= 8).toBe(true);
    expect(s.categorical('c').levels).toEqual(['p', 'q', 'r']);
    // the model learned the x–y dependence: mean x is higher for y = b (real: 0 vs 2)
    const y = s.binaryTarget();
    const xs = s.numeric('x').values;
    const mean = (b: number) => {
      let sum = 0;
      let cnt = 0;
      for (let i = 0; i < s.nrows; i++) if (y[i] === b) (sum += xs[i]), cnt++;
      return sum / cnt;
    };
    expect(mean(1) - mean(0)).toBeGreaterThan(0.8);
    gen.dispose();
  });

  it('pertinence filter: margin = training-score quantile; returned rows all inside; acceptance reported', async () => {
    const train = mixedTable(300, 3);
    const { gen, report } = await fitInn({ epochs: 20, filter: true, margin: { quantile: 0.5 } }, train);
    const p = report.pertinence as Record<string, any>;
    const real = Float64Array.from(scoresOf(gen, train)).sort();
    expect(p.margin).toBeCloseTo(quantileSorted(real, 0.5), 5);
    expect(p.real.n).toBe(300);
    const s = await gen.sample(200, new Rng(4));
    expect(s.nrows).toBe(200);
    const sc = scoresOf(gen, s);
    for (const v of sc) expect(v).toBeLessThanOrEqual(p.margin + 1e-4);
    expect(p.returned).toBe(200);
    expect(p.draws).toBeGreaterThan(200); // a median margin rejects a good share
    expect(p.acceptanceRate).toBeCloseTo(p.passed / p.draws, 5);
    expect(p.acceptanceRate).toBeGreaterThan(0.05);
    expect(p.acceptanceRate).toBeLessThan(0.95);
    expect(p.inside.max).toBeLessThanOrEqual(p.margin);
    expect(p.outside.min).toBeGreaterThan(p.margin);
    expect(p.inside.n + p.outside.n).toBe(p.draws - p.rejectedNonFinite);
    const h = p.histogram;
    expect(h.inside.reduce((a: number, b: number) => a + b, 0)).toBe(p.inside.n);
    expect(h.real.reduce((a: number, b: number) => a + b, 0)).toBe(300);
    // a second call accumulates
    await gen.sample(50, new Rng(5));
    expect(p.returned).toBe(250);
    expect(p.lastCall).toMatchObject({ requested: 50, returned: 50 });
    gen.dispose();
  });

  it('filter off returns out-of-margin rows too, but still reports the would-be acceptance', async () => {
    const train = mixedTable(300, 3);
    const { gen, report } = await fitInn({ epochs: 20, filter: false, margin: { quantile: 0.5 } }, train);
    const p = report.pertinence as Record<string, any>;
    const s = await gen.sample(200, new Rng(4));
    const outside = Array.from(scoresOf(gen, s)).filter((v) => v > p.margin + 1e-4).length;
    expect(outside).toBeGreaterThan(10);
    expect(p.draws).toBe(200);
    expect(p.returned).toBe(200);
    expect(p.acceptanceRate).toBeLessThan(0.95);
    gen.dispose();
  });

  it('an unreachable margin fails with a clear message, or fills with the best rejected rows', async () => {
    const train = mixedTable(200, 5);
    const { gen } = await fitInn({ epochs: 2, margin: { value: -1e6 }, max_draws: 2 }, train);
    await expect(gen.sample(100, new Rng(1))).rejects.toThrow(/pertinence filter accepted 0 of 1000 generated records \(0\.00 %\), fewer than the 100 requested/);
    gen.dispose();
    const { gen: g2, report } = await fitInn({ epochs: 2, margin: { value: -1e6 }, max_draws: 2, on_shortfall: 'best' }, train);
    const s = await g2.sample(100, new Rng(1));
    expect(s.nrows).toBe(100);
    expect((report.pertinence as Record<string, unknown>).filled).toBe(100);
    g2.dispose();
  });

  it('conditional INN: any label distribution (50/50 from an 80/20 table), rows carry the label', async () => {
    const train = mixedTable(400, 7, 0.2);
    const { gen, report } = await fitInn({ epochs: 30, filter: false, condition: { column: 'y', distribution: { a: 0.5, b: 0.5 } } }, train);
    expect(report.condition).toMatchObject({ column: 'y', levels: ['a', 'b'], distribution: [0.5, 0.5] });
    const s = await gen.sample(301, new Rng(3));
    const y = s.binaryTarget();
    const pos = y.reduce((a, b) => a + b, 0);
    expect(Math.abs(pos - 150.5)).toBeLessThanOrEqual(0.5); // quotas by largest remainder
    // conditioning works: x is higher for y = b
    const xs = s.numeric('x').values;
    let d = 0;
    for (let i = 0; i < s.nrows; i++) d += y[i] ? xs[i] / pos : -xs[i] / (s.nrows - pos);
    expect(d).toBeGreaterThan(1);
    gen.dispose();
    await expect(fitInn({ epochs: 1, condition: { column: 'y', distribution: { z: 1 } } }, train)).rejects.toThrow(/unknown level\(s\) z of "y"/);
    await expect(fitInn({ epochs: 1, condition: { column: 'x' } }, train)).rejects.toThrow(/condition.column "x" must be categorical/);
  });

  it('empirical condition distribution follows the training frequencies', async () => {
    const train = mixedTable(400, 8, 0.25);
    const { gen, report } = await fitInn({ epochs: 1, filter: false, condition: { column: 'y' } }, train);
    const share = train.binaryTarget().reduce((a, b) => a + b, 0) / train.nrows;
    expect((report.condition as { distribution: number[] }).distribution[1]).toBeCloseTo(share, 3);
    gen.dispose();
  });

  it('bottleneck: latent draws zero the tail, the reverse pass keeps it zero, training shrinks the real tail', async () => {
    const train = mixedTable(400, 9);
    const { gen: plain } = await fitInn({ epochs: 15, filter: false }, train, 4);
    const { gen, report } = await fitInn({ epochs: 15, filter: false, bottleneck: { k: 3, weight: 5 }, score: 'reconstruction' }, train, 4);
    const d = gen.encoding!.d;
    expect(d).toBe(7);
    expect(report.losses!.bottleneck.length).toBeGreaterThan(0);
    const z = gen.latent(64, new Rng(1));
    for (let i = 0; i < 64; i++) for (let j = 3; j < d; j++) expect(z[i * d + j]).toBe(0);
    const back = tf.tidy(() => gen.network!.forward(gen.network!.inverse(tf.tensor2d(z, [64, d]))).z.arraySync());
    for (const row of back) for (let j = 3; j < d; j++) expect(Math.abs(row[j])).toBeLessThan(1e-4);
    // the reconstruction term pushes the real rows' latent tail towards zero (vs. the same net without it)
    const tailEnergy = (g: InnGenerator) =>
      tf.tidy(() => {
        const X = g.encoding!.encode(train);
        const zz = g.network!.forward(tf.tensor2d(X, [train.nrows, d])).z;
        return tf.mean(tf.square(tf.slice(zz, [0, 3], [train.nrows, d - 3]))).dataSync()[0];
      });
    expect(tailEnergy(gen)).toBeLessThan(0.5 * tailEnergy(plain));
    const s = await gen.sample(50, new Rng(2));
    expect(s.nrows).toBe(50);
    expect((report.pertinence as { score: string }).score).toBe('reconstruction');
    gen.dispose();
    plain.dispose();
  });

  it('rejects inconsistent options with the key named', async () => {
    const train = mixedTable(50, 1);
    await expect(fitInn({ score: 'reconstruction' }, train)).rejects.toThrow(/score "reconstruction" needs a bottleneck/);
    await expect(fitInn({ bottleneck: { k: 7 } }, train)).rejects.toThrow(/bottleneck.k \(7\) must be smaller than the encoded width 7/);
    expect(innOptionsSchema.parse({}).margin).toEqual({ quantile: 0.95 });
  });

  it('reports the mean autocorrelation of fixed-length series (real vs synthetic)', async () => {
    const rng = new Rng(4);
    const L = 12;
    const rows = 200;
    const cols = Array.from({ length: L }, (_, t) => ({ kind: 'numeric' as const, name: `t${t}`, values: new Float64Array(rows), integer: false }));
    for (let i = 0; i < rows; i++) {
      const ph = rng.uniform() * 2 * Math.PI;
      for (let t = 0; t < L; t++) cols[t].values[i] = Math.sin(ph + t / 2) + 0.05 * rng.normal();
    }
    const { Table: T } = await import('../src/data/table.ts');
    const train = new T(cols);
    const { gen, report } = await fitInn({ epochs: 10, filter: false }, train);
    await gen.sample(100, new Rng(1));
    const ac = report.autocorrelation as { prefix: string; lags: number[]; real: number[]; synthetic: number[] };
    expect(ac.prefix).toBe('t');
    expect(ac.lags).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(ac.real[0]).toBeGreaterThan(0.6); // smooth sinusoids: high lag-1 autocorrelation
    expect(ac.synthetic).toHaveLength(11);
    gen.dispose();
  });
});
