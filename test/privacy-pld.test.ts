import { describe, expect, it } from 'vitest';
import { createAccountant, dpsgdEpsilon, PldAccountant } from '../src/privacy/accountant.ts';
import { fft, irfft, rfft } from '../src/privacy/fft.ts';
import { normalCdf } from '../src/privacy/numeric.ts';
import { composePlds, pldDelta, pldEpsilon, subsampledGaussianDelta, subsampledGaussianPld } from '../src/privacy/pld.ts';
import { Rng } from '../src/compute/rng.ts';

/** Exact δ(ε) of the Gaussian mechanism with μ = sensitivity/σ (Balle & Wang 2018). */
function gaussianDeltaMu(mu: number, eps: number): number {
  return normalCdf(mu / 2 - eps / mu) - Math.exp(eps) * normalCdf(-mu / 2 - eps / mu);
}

function solveEps(mu: number, delta: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 200; i++) {
    const m = (lo + hi) / 2;
    if (gaussianDeltaMu(mu, m) > delta) lo = m;
    else hi = m;
  }
  return hi;
}

describe('FFT', () => {
  it('matches a naive DFT and rfft/irfft round-trip', () => {
    const rng = new Rng(3);
    const n = 32;
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const re = x.slice();
    const im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        sr += x[j] * Math.cos((-2 * Math.PI * j * k) / n);
        si += x[j] * Math.sin((-2 * Math.PI * j * k) / n);
      }
      expect(re[k]).toBeCloseTo(sr, 10);
      expect(im[k]).toBeCloseTo(si, 10);
    }
    const r = rfft(x);
    for (let k = 0; k <= n / 2; k++) expect(r.re[k]).toBeCloseTo(re[k], 10);
    const back = irfft(r.re, r.im, n);
    for (let j = 0; j < n; j++) expect(back[j]).toBeCloseTo(x[j], 12);
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow(/power of two/);
  });
});

describe('PLD accountant', () => {
  it('gives the tight ε for the two reference cells (1.828, 3.502 ± 0.01), below RDP', () => {
    // metrics.md: PLD/PRV give 1.828 and 3.502 for (q=0.01, σ=1, T=1000) and (q=0.05, σ=1, T=100) at δ=1e-5
    const a = dpsgdEpsilon({ q: 0.01, sigma: 1, steps: 1000, delta: 1e-5, accountant: 'pld' });
    const b = dpsgdEpsilon({ q: 0.05, sigma: 1, steps: 100, delta: 1e-5, accountant: 'pld' });
    expect(Math.abs(a.epsilon - 1.828)).toBeLessThan(0.01);
    expect(Math.abs(b.epsilon - 3.502)).toBeLessThan(0.01);
    expect(a.epsilon).toBeLessThan(2.10137);
    expect(b.epsilon).toBeLessThan(4.03834);
  });

  it('composes the plain Gaussian (q = 1) exactly: T steps at σ = one step at σ/√T, as an upper bound', () => {
    for (const [sigma, T, delta] of [
      [5, 100, 1e-5],
      [20, 1000, 1e-6],
    ]) {
      const exact = solveEps(Math.sqrt(T) / sigma, delta);
      const ours = createAccountant('pld').step(1, sigma, T).epsilon(delta);
      expect(ours).toBeGreaterThanOrEqual(exact - 1e-9);
      expect((ours - exact) / exact).toBeLessThan(2e-3);
    }
  });

  it('one step: the discretised PLD dominates the exact hockey-stick curve and is tight', () => {
    const q = 0.05;
    const sigma = 0.9;
    const p = subsampledGaussianPld(q, sigma, 'remove', { discretization: 1e-3 });
    for (const eps of [0.05, 0.3, 1, 2, 3]) {
      const exact = subsampledGaussianDelta(eps, q, sigma, 'remove');
      const d = pldDelta(p, eps);
      expect(d).toBeGreaterThanOrEqual(exact * (1 - 1e-9) - 1e-15);
      expect(d - exact).toBeLessThan(1e-3 * exact + 1e-12);
    }
    // a probability distribution: finite mass + mass at ∞ = 1
    const mass = p.pmf.reduce((s, v) => s + v, 0) + p.inf;
    expect(mass).toBeCloseTo(1, 9);
  });

  it('composition by FFT equals repeated direct convolution', () => {
    const p = subsampledGaussianPld(0.2, 1.2, 'remove', { discretization: 2e-2 });
    const direct = (a: Float64Array, b: Float64Array) => {
      const out = new Float64Array(a.length + b.length - 1);
      for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
      return out;
    };
    let conv = p.pmf;
    for (let t = 1; t < 5; t++) conv = direct(conv, p.pmf);
    const viaFft = composePlds([{ pld: p, count: 5 }]);
    const direct5 = { h: p.h, lower: 5 * p.lower, pmf: conv, inf: 1 - (1 - p.inf) ** 5 };
    for (const eps of [0.5, 1, 2]) expect(pldDelta(viaFft, eps)).toBeCloseTo(pldDelta(direct5, eps), 12);
  });

  it('is monotone: increasing in steps and q, decreasing in σ; delta() inverts epsilon()', () => {
    const e = (q: number, s: number, t: number) => dpsgdEpsilon({ q, sigma: s, steps: t, delta: 1e-5 }).epsilon;
    const steps = [10, 100, 1000].map((t) => e(0.01, 1, t));
    expect(steps[0]).toBeLessThan(steps[1]);
    expect(steps[1]).toBeLessThan(steps[2]);
    const qs = [0.005, 0.01, 0.04].map((q) => e(q, 1, 200));
    expect(qs[0]).toBeLessThan(qs[1]);
    expect(qs[1]).toBeLessThan(qs[2]);
    const ss = [0.8, 1.2, 2].map((s) => e(0.01, s, 200));
    expect(ss[0]).toBeGreaterThan(ss[1]);
    expect(ss[1]).toBeGreaterThan(ss[2]);
    const acc = new PldAccountant().step(0.02, 1.1, 300);
    const eps = acc.epsilon(1e-6);
    expect(acc.delta(eps) / 1e-6).toBeCloseTo(1, 4);
  });

  it('converges from above as the grid is refined (every grid gives an upper bound)', () => {
    const e = (h: number) => new PldAccountant({ discretization: h }).step(2e-4, 0.7, 20000).epsilon(1e-5);
    const coarse = e(2e-3);
    const mid = e(2e-4);
    const fine = e(5e-5);
    expect(coarse).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThanOrEqual(fine);
    expect((mid - fine) / fine).toBeLessThan(0.05);
  });

  it('handles heterogeneous steps (order does not matter) and edge cases', () => {
    const a = new PldAccountant().step(0.01, 1, 300).step(0.03, 1.5, 50).epsilon(1e-5);
    const b = new PldAccountant().step(0.03, 1.5, 50).step(0.01, 1, 300).epsilon(1e-5);
    expect(a).toBeCloseTo(b, 10);
    expect(new PldAccountant().epsilon(1e-5)).toBe(0);
    expect(new PldAccountant().step(0, 1, 10).epsilon(1e-5)).toBe(0);
    expect(new PldAccountant().step(0.1, 0, 1).epsilon(1e-5)).toBe(Infinity);
    expect(() => new PldAccountant({ sampling: 'fixed' })).toThrow(/rdp/);
    expect(pldEpsilon(composePlds([{ pld: subsampledGaussianPld(0.01, 1, 'add'), count: 10 }]), 1e-5)).toBeGreaterThan(0);
  });
});
