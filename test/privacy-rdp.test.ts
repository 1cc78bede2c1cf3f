import { describe, expect, it } from 'vitest';
import { RdpAccountant } from '../src/privacy/accountant.ts';
import { composeRdp } from '../src/privacy/compose.ts';
import {
  DEFAULT_ORDERS,
  rdpCurve,
  rdpEpsilonFloor,
  rdpFixedSizeGaussian,
  rdpLaplace,
  rdpPoissonGaussian,
  rdpToDelta,
  rdpToEpsilon,
} from '../src/privacy/rdp.ts';

/** Independent check of the MTZ sums: E_{x~N(0,σ²)}[((1−q) + q·e^{(2x−1)/(2σ²)})^α] by quadrature. */
function rdpByQuadrature(q: number, sigma: number, alpha: number): number {
  const s2 = sigma * sigma;
  const h = sigma / 400;
  let sum = 0;
  for (let x = -14 * sigma; x <= 14 * sigma + 1 + alpha * 2; x += h) {
    const logRatio = Math.log1p(q * Math.expm1((2 * x - 1) / (2 * s2)));
    const logDens = -0.5 * (x * x) / s2 - Math.log(sigma * Math.sqrt(2 * Math.PI));
    sum += Math.exp(alpha * logRatio + logDens) * h;
  }
  return Math.log(sum) / (alpha - 1);
}

describe('RDP of the subsampled Gaussian', () => {
  it("matches Opacus' RdpAccountant (DEFAULT_ALPHAS, Balle et al. conversion) to 1e-6 relative", () => {
    // metrics.md "Accounting (DP-SGD)": q=0.01, σ=1, T=1000, δ=1e-5 → 2.10137 (α 7.8); q=0.05, σ=1, T=100 → 4.03834
    const a = rdpToEpsilon(DEFAULT_ORDERS, rdpCurve(0.01, 1.0, 1000), 1e-5);
    expect(Math.abs(a.epsilon - 2.10137) / 2.10137).toBeLessThan(1e-6 + 5e-6 / 2.1); // reference printed to 6 digits
    expect(a.order).toBeCloseTo(7.8, 10);
    const b = rdpToEpsilon(DEFAULT_ORDERS, rdpCurve(0.05, 1.0, 100), 1e-5);
    expect(Math.abs(b.epsilon - 4.03834) / 4.03834).toBeLessThan(1e-6 + 5e-6 / 4.0);
    // Full precision from Opacus' compute_rdp/get_privacy_spent algorithm run in Python with scipy 1.17:
    expect(Math.abs(a.epsilon - 2.1013652716430564) / a.epsilon).toBeLessThan(1e-6);
    expect(Math.abs(b.epsilon - 4.038336159696808) / b.epsilon).toBeLessThan(1e-6);
  });

  it('integer and fractional orders agree with direct numerical integration', () => {
    for (const [q, sigma] of [
      [0.01, 1.0],
      [0.1, 1.5],
      [0.3, 0.9],
    ]) {
      for (const alpha of [1.5, 2, 3.7, 7.8, 12, 20]) {
        const exact = rdpByQuadrature(q, sigma, alpha);
        const ours = rdpPoissonGaussian(q, sigma, alpha);
        expect(Math.abs(ours - exact) / exact, `q=${q} σ=${sigma} α=${alpha}`).toBeLessThan(1e-6);
      }
    }
  });

  it('has the closed forms at q = 1 and q = 0', () => {
    expect(rdpPoissonGaussian(1, 2, 5)).toBeCloseTo(5 / 8, 14);
    expect(rdpPoissonGaussian(0, 2, 5)).toBe(0);
  });

  it('is monotone: increasing in steps and q, decreasing in σ', () => {
    const e = (q: number, s: number, t: number) => rdpToEpsilon(DEFAULT_ORDERS, rdpCurve(q, s, t), 1e-5).epsilon;
    let prev = 0;
    for (const t of [1, 10, 100, 1000]) {
      const v = e(0.01, 1, t);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
    prev = 0;
    for (const q of [0.001, 0.01, 0.05, 0.2]) {
      const v = e(q, 1, 100);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
    prev = Infinity;
    for (const s of [0.7, 1, 2, 4]) {
      const v = e(0.01, s, 100);
      expect(v).toBeLessThan(prev);
      prev = v;
    }
  });

  it('smallest reachable ε at δ=1e-5 with orders ≤ 63 is 0.10287', () => {
    const f = rdpEpsilonFloor(1e-5);
    expect(f.epsilon).toBeCloseTo(0.10287, 5);
    expect(f.order).toBe(63);
  });

  it('rdpToDelta inverts rdpToEpsilon', () => {
    const c = rdpCurve(0.02, 1.1, 500);
    const { epsilon } = rdpToEpsilon(DEFAULT_ORDERS, c, 1e-6);
    const { delta } = rdpToDelta(DEFAULT_ORDERS, c, epsilon);
    expect(delta / 1e-6).toBeCloseTo(1, 6);
  });

  it('fixed-size batches (WBK, replace-one, sensitivity 2C) cost more than Poisson and equal the full-batch Gaussian at γ=1', () => {
    expect(rdpFixedSizeGaussian(1, 2, 4)).toBeCloseTo((2 * 4) / 4, 12);
    for (const a of [2, 5, 10, 30]) {
      expect(rdpFixedSizeGaussian(0.01, 1, a)).toBeGreaterThan(rdpPoissonGaussian(0.01, 1, a));
      expect(rdpFixedSizeGaussian(0.01, 1, a)).toBeLessThanOrEqual((2 * a) / 1); // never worse than no amplification
    }
    const acc = new RdpAccountant({ sampling: 'fixed' }).step(0.01, 1, 1000);
    expect(acc.epsilon(1e-5)).toBeGreaterThan(new RdpAccountant().step(0.01, 1, 1000).epsilon(1e-5));
    expect(() => rdpFixedSizeGaussian(0.01, 1, 2.5)).toThrow(/integer/);
  });

  it('the accountant adds RDP over heterogeneous steps', () => {
    const acc = new RdpAccountant().step(0.01, 1, 400).step(0.02, 1.5, 100).step(0.01, 1, 600);
    const total = rdpCurve(0.01, 1, 1000).map((v, i) => v + rdpCurve(0.02, 1.5, 100)[i]);
    expect(acc.epsilon(1e-5)).toBeCloseTo(rdpToEpsilon(DEFAULT_ORDERS, total, 1e-5).epsilon, 12);
    expect(acc.steps).toBe(1100);
    expect(acc.clone().step(0.01, 1).steps).toBe(1101);
    expect(acc.steps).toBe(1100);
  });

  it('Laplace RDP: bounded by pure ε = 1/b and increasing in α; composing releases beats summing ε', () => {
    let prev = 0;
    for (const a of [1.5, 2, 5, 20, 60]) {
      const v = rdpLaplace(0.5, a);
      expect(v).toBeGreaterThan(prev);
      expect(v).toBeLessThanOrEqual(2 + 1e-12);
      prev = v;
    }
    // 50 Gaussian releases with σ = 10: RDP composition ≪ 50 × (single-release ε)
    const single = composeRdp([{ type: 'gaussian', noiseMultiplier: 10 }], 1e-6).epsilon;
    const all = composeRdp([{ type: 'gaussian', noiseMultiplier: 10, count: 50 }], 1e-6).epsilon;
    expect(all).toBeLessThan(50 * single / 3);
    // Gaussian RDP composition is exact in α: 50 releases at σ equal one release at σ/√50
    const one = composeRdp([{ type: 'gaussian', noiseMultiplier: 10 / Math.sqrt(50) }], 1e-6).epsilon;
    expect(all).toBeCloseTo(one, 10);
  });
});
