/**
 * pMSE on the shared Adult copy against the figures measured with scikit-learn / synthpop semantics
 * (reference/metrics.md, "Notes measured on the shared data").
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import { Table, type Column } from '../src/data/table.ts';
import { pmse, pmseMetrics } from '../src/eval/pmse.ts';

/** Every column permuted independently: marginals kept exactly, dependence destroyed. */
function shuffleColumns(t: Table, rng: Rng): Table {
  const cols: Column[] = t.columns.map((c) => {
    const p = rng.fork(c.name).permutation(t.nrows);
    return c.kind === 'numeric' ? { ...c, values: Float64Array.from(p, (i) => c.values[i]) } : { ...c, codes: Int32Array.from(p, (i) => c.codes[i]) };
  });
  return new Table(cols, t.meta);
}

describe('pMSE on Adult', () => {
  const train = loadDataset('adult');
  const test = loadDataset('adult-test');
  const rng = new Rng(11);
  const shuffled = shuffleColumns(train, rng.fork('shuffle'));

  it('logistic, adult-train vs adult-test: 3.7e-4 as measured with scikit-learn, ratio ≈ 1', () => {
    const r = pmse(train, test, { model: 'logistic' });
    expect(r.model).toBe('logistic');
    expect(r.pmse).toBeGreaterThan(3.7e-4 * 0.85);
    expect(r.pmse).toBeLessThan(3.7e-4 * 1.15);
    expect(r.c).toBeCloseTo(16281 / 48842, 12);
    expect(r.ratio!).toBeGreaterThan(0.8);
    expect(r.ratio!).toBeLessThan(1.6);
  });

  it('a main-effects logistic model cannot see shuffled columns (pMSE ≈ 0); a CART model can (S_pMSE ≫ 1)', () => {
    expect(pmse(train, shuffled, { model: 'logistic' }).pmse).toBeLessThan(1e-6);
    const cart = pmse(train, shuffled, { model: 'cart', permutations: 3, rng });
    expect(cart.model).toBe('cart');
    expect(cart.pmse).toBeGreaterThan(0.0074); // a depth-limited scikit-learn CART already reaches 0.0074
    expect(cart.ratio!).toBeGreaterThan(20);
  });

  it('CART S_pMSE ≈ 1 for two random halves of one table', () => {
    const perm = rng.fork('halves').permutation(train.nrows);
    const h = Math.floor(train.nrows / 2);
    const a = train.take(perm.slice(0, h));
    const b = train.take(perm.slice(h));
    // Depth-limited tree without cost-complexity pruning: a smooth null, so the ratio is tight.
    const limited = pmse(a, b, { model: 'cart', maxDepth: 5, cp: 0, permutations: 6, rng });
    expect(limited.ratio!).toBeGreaterThan(0.8);
    expect(limited.ratio!).toBeLessThan(1.4);
    // synthpop defaults (cp = 1e-3): pruning often collapses trees, so the ratio scatters more around 1.
    const synthpop = pmse(a, b, { model: 'cart', permutations: 6, rng });
    expect(synthpop.ratio!).toBeGreaterThan(0.15);
    expect(synthpop.ratio!).toBeLessThan(2.5);
    // …while the same depth-limited model flags broken dependence.
    const broken = pmse(a, shuffleColumns(b, rng.fork('halves-shuffle')), { model: 'cart', maxDepth: 5, cp: 0, permutations: 3, rng });
    expect(broken.ratio!).toBeGreaterThan(10);
  });

  it('logistic with pairwise interactions separates shuffled columns, not random halves', () => {
    const perm = rng.fork('sub').permutation(train.nrows);
    const m = 5000;
    const a = train.take(perm.slice(0, m));
    const b = train.take(perm.slice(m, 2 * m));
    const same = pmse(a, b, { model: 'logistic', interactions: true });
    const broken = pmse(a, shuffleColumns(b, rng.fork('sub-shuffle')), { model: 'logistic', interactions: true });
    expect(same.model).toBe('logistic-interactions');
    expect(same.ratio!).toBeLessThan(1.3);
    expect(broken.pmse).toBeGreaterThan(0.1);
    expect(broken.ratio!).toBeGreaterThan(2.5 * same.ratio!);
  });

  it('pmseMetrics names the propensity model of every value', () => {
    const small = train.take(Int32Array.from({ length: 2000 }, (_, i) => i));
    const other = test.take(Int32Array.from({ length: 2000 }, (_, i) => i));
    const ms = pmseMetrics(small, other, { models: ['logistic', 'cart'], permutations: 2, rng });
    expect(ms.map((m) => `${m.name}/${m.variant}`)).toEqual(['pmse/logistic', 'pmse_ratio/logistic', 'pmse/cart', 'pmse_ratio/cart']);
    for (const m of ms) expect(m.value === null ? typeof m.reason : Number.isFinite(m.value)).toBe(m.value === null ? 'string' : true);
  });
});
