import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { categoricalFromStrings, numericColumn, Table } from '../src/data/table.ts';
import { IndependentGenerator } from '../src/generators/baselines/independent.ts';
import { createGenerator } from '../src/generators/registry.ts';
import { BudgetExceededError, Ledger } from '../src/privacy/ledger.ts';
import type { PrivacySpec } from '../src/generators/types.ts';

// Two columns with large counts so clamping at 0 never interferes with the noise.
const values = Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 'a' : 'b'));
const table = new Table([categoricalFromStrings('c', values, ['a', 'b']), numericColumn('x', Array.from({ length: 2000 }, (_, i) => i % 10), true)], {
  schema: [
    { name: 'c', type: 'categorical', levels: ['a', 'b'] },
    { name: 'x', type: 'numeric', integer: true, min: 0, max: 9 },
  ],
});
const laplace = (epsilon: number): PrivacySpec => ({ mechanism: 'laplace', epsilon, delta: 0, accountant: 'rdp' });

describe('independent baseline', () => {
  it('adds Laplace noise of scale d/ε to every count (statistical test)', async () => {
    const eps = 0.5;
    const d = 2;
    const b = d / eps; // per-column budget ε/d, sensitivity 1
    const rng = new Rng(11);
    const noise: number[] = [];
    for (let rep = 0; rep < 1500; rep++) {
      const g = new IndependentGenerator(20);
      await g.fit(table, { rng: rng.fork(rep), privacy: laplace(eps), ledger: new Ledger({ epsilon: eps, delta: 0 }) });
      noise.push(g.marginals[0].weights[0] - 1000, g.marginals[0].weights[1] - 1000);
      for (let k = 0; k < 10; k++) noise.push(g.marginals[1].weights[k] - 200);
    }
    const mean = noise.reduce((a, v) => a + v, 0) / noise.length;
    const meanAbs = noise.reduce((a, v) => a + Math.abs(v), 0) / noise.length; // E|Lap(b)| = b
    const variance = noise.reduce((a, v) => a + (v - mean) ** 2, 0) / noise.length; // 2b²
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(meanAbs / b).toBeGreaterThan(0.97);
    expect(meanAbs / b).toBeLessThan(1.03);
    expect(Math.sqrt(variance / 2) / b).toBeGreaterThan(0.96);
    expect(Math.sqrt(variance / 2) / b).toBeLessThan(1.04);
  });

  it('records one ledger entry per column summing to ε, and refuses to exceed the budget', async () => {
    const ledger = new Ledger({ epsilon: 1, delta: 0 });
    const g = createGenerator('independent');
    await g.fit(table, { rng: new Rng(1), privacy: laplace(1), ledger });
    expect(ledger.entries.length).toBe(2);
    expect(ledger.spent().epsilon).toBeCloseTo(1, 12);
    const small = new Ledger({ epsilon: 0.5, delta: 0 });
    await expect(createGenerator('independent').fit(table, { rng: new Rng(1), privacy: laplace(1), ledger: small })).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('without noise reproduces each marginal', async () => {
    const g = createGenerator('independent');
    await g.fit(table, { rng: new Rng(1), privacy: { mechanism: 'none', epsilon: Infinity, delta: 0, accountant: 'rdp' }, ledger: new Ledger({ epsilon: Infinity, delta: 0 }) });
    const s = await g.sample(20000, new Rng(2));
    const c = s.categorical('c');
    const share = Array.from(c.codes).filter((k) => c.levels[k] === 'a').length / s.nrows;
    expect(share).toBeGreaterThan(0.48);
    expect(share).toBeLessThan(0.52);
    const x = s.numeric('x');
    expect(Array.from(x.values).every((v) => Number.isInteger(v) && v >= 0 && v <= 9)).toBe(true);
  });

  it('refuses DP without public bounds instead of reading them from the data', async () => {
    const bare = new Table(table.columns);
    await expect(createGenerator('independent').fit(bare, { rng: new Rng(1), privacy: laplace(1), ledger: new Ledger({ epsilon: 1, delta: 0 }) })).rejects.toThrow(/declared levels|declared min\/max/);
  });
});
