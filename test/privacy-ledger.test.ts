import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { composeRdp } from '../src/privacy/compose.ts';
import { BudgetExceededError, Ledger } from '../src/privacy/ledger.ts';
import { analyticGaussianSigma, dpQuantile, gaussianDelta, noisyCount, noisyFrequencies, noisyHistogram } from '../src/privacy/primitives.ts';

describe('ledger composition', () => {
  it('basic composition sums; RDP composition of described releases is tighter and matches composeRdp', () => {
    const ledger = new Ledger({ epsilon: 10, delta: 1e-5 });
    const rng = new Rng(1);
    for (let i = 0; i < 8; i++) noisyHistogram([10, 20, 30], { mechanism: 'gaussian', epsilon: 0.5, delta: 1e-7 }, rng, ledger, `marginal ${i}`);
    ledger.spend({ what: 'teacher votes', mechanism: 'pate', epsilon: 1, delta: 0 }); // no release description: basic
    const basic = ledger.spent();
    expect(basic.epsilon).toBeCloseTo(5, 12);
    expect(basic.delta).toBeCloseTo(8e-7, 18);
    const tight = ledger.spentRdp(1e-5);
    expect(tight.epsilon).toBeLessThan(basic.epsilon);
    const sigma = analyticGaussianSigma(0.5, 1e-7);
    const direct = composeRdp([{ type: 'gaussian', noiseMultiplier: sigma, count: 8 }], 1e-5).epsilon + 1;
    expect(tight.epsilon).toBeCloseTo(direct, 10);
  });

  it('refuses to overspend and records nothing then', () => {
    const ledger = new Ledger({ epsilon: 1, delta: 0 });
    const rng = new Rng(2);
    noisyCount(5, { mechanism: 'laplace', epsilon: 0.7 }, rng, ledger, 'rows');
    expect(() => noisyCount(5, { mechanism: 'laplace', epsilon: 0.5 }, rng, ledger, 'rows again')).toThrow(BudgetExceededError);
    expect(ledger.entries.length).toBe(1);
    expect(ledger.toJSON().entries[0]).toMatchObject({ what: 'rows', mechanism: 'laplace', epsilon: 0.7, delta: 0 });
  });
});

describe('DP primitives', () => {
  it('Laplace histogram noise has scale 1/ε (mean |noise| = 1/ε)', () => {
    const rng = new Rng(3);
    const ledger = new Ledger({ epsilon: Infinity, delta: 0 });
    const cells = 20000;
    const h = noisyHistogram(new Float64Array(cells), { mechanism: 'laplace', epsilon: 0.5 }, rng, ledger, 'h');
    const mad = h.reduce((s, v) => s + Math.abs(v), 0) / cells;
    expect(Math.abs(mad - 2) / 2).toBeLessThan(0.03);
    expect(ledger.entries[0]).toMatchObject({ mechanism: 'laplace', epsilon: 0.5, release: { type: 'laplace', noiseMultiplier: 2 } });
    const f = noisyFrequencies([100, 0, 300], { mechanism: 'laplace', epsilon: 5 }, rng, ledger, 'freq');
    expect(f.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
  });

  it('analytic Gaussian σ meets δ exactly and beats the classical σ = √(2 ln(1.25/δ))/ε', () => {
    for (const [eps, delta] of [
      [0.5, 1e-5],
      [1, 1e-6],
      [4, 1e-5],
    ]) {
      const s = analyticGaussianSigma(eps, delta);
      expect(gaussianDelta(s, eps) / delta).toBeCloseTo(1, 6);
      expect(gaussianDelta(s * 0.99, eps)).toBeGreaterThan(delta);
      if (eps < 1) expect(s).toBeLessThan(Math.sqrt(2 * Math.log(1.25 / delta)) / eps);
    }
  });

  it('DP quantile (exponential mechanism) is near the true median at large ε, records ε, stays in bounds', () => {
    const rng = new Rng(4);
    const ledger = new Ledger({ epsilon: 100, delta: 0 });
    const xs = Float64Array.from({ length: 2001 }, () => 50 + 10 * rng.normal());
    const sorted = xs.slice().sort();
    const med = sorted[1000];
    const est = dpQuantile(xs, 0.5, { lower: 0, upper: 100, epsilon: 5 }, rng, ledger, 'age median');
    expect(Math.abs(est - med)).toBeLessThan(1.5);
    expect(ledger.entries[0]).toMatchObject({ what: 'age median', mechanism: 'exponential', epsilon: 5, delta: 0 });
    // at tiny ε the answer is spread over the public range but never outside it
    for (let i = 0; i < 50; i++) {
      const v = dpQuantile(xs, 0.9, { lower: 0, upper: 100, epsilon: 0.001 }, rng, ledger, 'p90');
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(() => dpQuantile(xs, 0.5, { lower: 1, upper: 1, epsilon: 1 }, rng, ledger, 'bad')).toThrow(/public bounds/);
  });
});
