import { describe, expect, it } from 'vitest';
import { betaQuantile, clopperPearson, incompleteBeta, logGamma } from '../src/eval/attacks/beta.ts';

// Reference values from scipy 1.17 (scipy.special.gammaln / betainc, scipy.stats.beta.ppf).
describe('log-gamma and incomplete beta', () => {
  it('matches scipy gammaln', () => {
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    expect(logGamma(100.5)).toBeCloseTo(361.43554046777757, 10);
    expect(logGamma(1e6) / 12815504.569147611).toBeCloseTo(1, 13);
    // Γ(n) = (n−1)!
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
  });

  it('matches scipy betainc and the closed forms', () => {
    expect(incompleteBeta(0.3, 2.5, 3.5)).toBeCloseTo(0.29675298929566646, 12);
    expect(incompleteBeta(0.41, 200, 300)).toBeCloseTo(0.677628164772179, 10);
    expect(incompleteBeta(0.001, 0.1, 10)).toBeCloseTo(0.6596666602208251, 12);
    // I_x(1, b) = 1 − (1−x)^b and I_x(a, 1) = x^a
    expect(incompleteBeta(0.2, 1, 7)).toBeCloseTo(1 - 0.8 ** 7, 14);
    expect(incompleteBeta(0.2, 4, 1)).toBeCloseTo(0.2 ** 4, 14);
    // symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    expect(incompleteBeta(0.37, 13, 4.5) + incompleteBeta(0.63, 4.5, 13)).toBeCloseTo(1, 13);
  });
});

describe('beta quantiles', () => {
  it('matches scipy beta.ppf, including extreme shapes', () => {
    expect(betaQuantile(0.025, 5, 6)).toBeCloseTo(0.18708602844739855, 11);
    expect(betaQuantile(0.975, 6, 5)).toBeCloseTo(0.8129139715526015, 11);
    expect(betaQuantile(0.025, 1, 16000) / 1.5823617470824471e-6).toBeCloseTo(1, 8);
    expect(betaQuantile(0.975, 9000, 7001)).toBeCloseTo(0.5701436081535611, 10);
    expect(betaQuantile(0.025, 0.5, 0.5)).toBeCloseTo(0.001541333133436012, 11);
    expect(betaQuantile(1e-10, 2.5, 3.5) / 3.851238507904686e-5).toBeCloseTo(1, 7);
    expect(betaQuantile(0.025, 15990, 11)).toBeCloseTo(0.9988509041084289, 11);
  });

  it('inverts the incomplete beta', () => {
    for (const [p, a, b] of [[0.3, 2, 9], [0.9, 40, 3], [0.001, 120, 80], [0.5, 0.7, 0.3]]) {
      expect(incompleteBeta(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 10);
    }
  });
});

describe('Clopper–Pearson intervals', () => {
  it('matches R binom.test / scipy for interior and boundary counts', () => {
    const a = clopperPearson(5, 10);
    expect(a.lo).toBeCloseTo(0.187086, 6);
    expect(a.hi).toBeCloseTo(0.812914, 6);
    const b = clopperPearson(30, 100);
    expect(b.lo).toBeCloseTo(0.21240642048953662, 10);
    expect(b.hi).toBeCloseTo(0.3998146761798041, 10);
    const z = clopperPearson(0, 10);
    expect(z.lo).toBe(0);
    expect(z.hi).toBeCloseTo(1 - 0.025 ** (1 / 10), 12); // 0.308497
    const f = clopperPearson(16000, 16000);
    expect(f.hi).toBe(1);
    expect(f.lo).toBeCloseTo(0.9997694716098716, 12);
  });

  it('covers the true proportion at least 95% of the time (exact binomial coverage)', () => {
    // Exact coverage for n = 40 at several p: Σ_k P(k) · 1[p ∈ CI(k)] ≥ 0.95 (CP is conservative).
    const n = 40;
    const cis = Array.from({ length: n + 1 }, (_, k) => clopperPearson(k, n));
    for (const p of [0.02, 0.1, 0.3, 0.5, 0.77, 0.95]) {
      let cover = 0;
      let logC = 0;
      for (let k = 0; k <= n; k++) {
        if (k > 0) logC += Math.log((n - k + 1) / k);
        const pk = Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p));
        if (cis[k].lo <= p && p <= cis[k].hi) cover += pk;
      }
      expect(cover).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('rejects impossible counts with a clear message', () => {
    expect(() => clopperPearson(11, 10)).toThrow(/0 ≤ k ≤ n/);
  });
});
