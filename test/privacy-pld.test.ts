import { describe, expect, it } from 'vitest';
import { createAccountant, dpsgdEpsilon, PldAccountant } from '../src/privacy/accountant.ts';
import { fft, irfft, rfft } from '../src/privacy/fft.ts';
import { logNormalTail, normalCdf } from '../src/privacy/numeric.ts';
import {
  composePlds,
  type DiscretePld,
  pldDelta,
  pldEpsilon,
  subsampledGaussianDelta,
  subsampledGaussianDeltaComplement,
  subsampledGaussianPld,
} from '../src/privacy/pld.ts';
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

/** Exact ε(δ) of the Gaussian mechanism with μ = √T/σ, in log space (ε far beyond 700 stays finite). */
function gaussianEpsLog(mu: number, delta: number): number {
  // δ(ε) = Φc(ε/μ − μ/2) − e^ε Φc(ε/μ + μ/2)
  const d = (eps: number) => {
    const a = logNormalTail(eps / mu - mu / 2);
    const b = eps + logNormalTail(eps / mu + mu / 2);
    return b < a ? Math.exp(a) * -Math.expm1(b - a) : 0;
  };
  let lo = 0;
  let hi = mu * mu / 2 + 20 * mu + 50;
  for (let i = 0; i < 200; i++) {
    const m = (lo + hi) / 2;
    if (d(m) > delta) lo = m;
    else hi = m;
  }
  return hi;
}

/**
 * ε(δ) of ONE step of the Poisson-subsampled Gaussian by direct numerical integration of the hockey-stick
 * divergence ∫ (p − e^ε q)₊ dx (composite Simpson on a fine x-grid; no closed form used): a lower bound on
 * the ε of any number of steps.
 */
function singleStepEpsilon(q: number, sigma: number, delta: number): number {
  const lo = -14 * sigma;
  const hi = 1 + 14 * sigma;
  const n = 60000;
  const dx = (hi - lo) / n;
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  const hs = (eps: number, dir: 'remove' | 'add') => {
    let sum = 0;
    for (let i = 0; i <= n; i++) {
      const x = lo + i * dx;
      const f0 = c * Math.exp(-(x * x) / (2 * sigma * sigma));
      const f1 = c * Math.exp(-((x - 1) * (x - 1)) / (2 * sigma * sigma));
      const mix = (1 - q) * f0 + q * f1;
      const v = dir === 'remove' ? mix - Math.exp(eps) * f0 : f0 - Math.exp(eps) * mix;
      const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
      if (v > 0) sum += w * v;
    }
    return (sum * dx) / 3;
  };
  let best = 0;
  for (const dir of ['remove', 'add'] as const) {
    let a = 0;
    let b = 400;
    if (hs(0, dir) <= delta) continue;
    for (let i = 0; i < 45; i++) {
      const m = (a + b) / 2;
      if (hs(m, dir) > delta) a = m;
      else b = m;
    }
    best = Math.max(best, a);
  }
  return best;
}

/**
 * A rigorous lower bound on ε(δ) of T steps: post-process each step's output x into 1{x > τ} and keep only the
 * count K (data processing cannot increase privacy loss). K ~ Bin(T, p₁) with the record, Bin(T, p₀) without;
 * their hockey-stick divergence is summed exactly. Maximised over a few thresholds τ.
 */
function binomialLowerBound(q: number, sigma: number, T: number, delta: number): number {
  const logFact = new Float64Array(T + 1);
  for (let i = 1; i <= T; i++) logFact[i] = logFact[i - 1] + Math.log(i);
  let best = 0;
  for (let tau = 0.3; tau <= 1.6; tau += 0.05) {
    const l0 = logNormalTail(tau / sigma);
    const l1 = Math.log((1 - q) * Math.exp(l0) + q * Math.exp(logNormalTail((tau - 1) / sigma)));
    const m0 = Math.log1p(-Math.exp(l0));
    const m1 = Math.log1p(-Math.exp(l1));
    const logP = new Float64Array(T + 1);
    const loss = new Float64Array(T + 1);
    for (let k = 0; k <= T; k++) {
      const binom = logFact[T] - logFact[k] - logFact[T - k];
      logP[k] = binom + k * l1 + (T - k) * m1;
      loss[k] = k * (l1 - l0) + (T - k) * (m1 - m0);
    }
    const d = (eps: number) => {
      let s = 0;
      for (let k = 0; k <= T; k++) if (loss[k] > eps) s += Math.exp(logP[k]) * -Math.expm1(eps - loss[k]);
      return s;
    };
    let a = 0;
    let b = Math.max(...loss) + 1;
    if (d(0) <= delta) continue;
    for (let i = 0; i < 60; i++) {
      const m = (a + b) / 2;
      if (d(m) > delta) a = m;
      else b = m;
    }
    best = Math.max(best, a);
  }
  return best;
}

describe('PLD at small noise (ε stays an upper bound)', () => {
  it('q = 1: T Gaussian steps at σ = one at σ/√T — PLD ≥ exact and within 1% for σ down to 0.05', () => {
    for (const sigma of [0.05, 0.1, 0.3, 1]) {
      for (const T of [1, 100, 3810]) {
        const exact = gaussianEpsLog(Math.sqrt(T) / sigma, 1e-5);
        const ours = createAccountant('pld').step(1, sigma, T).epsilon(1e-5);
        expect(ours, `σ=${sigma} T=${T}`).toBeGreaterThanOrEqual(exact * (1 - 1e-12));
        expect((ours - exact) / exact, `σ=${sigma} T=${T}`).toBeLessThan(0.01);
      }
    }
  });

  it('no-noise limit: σ = 1e-6, q = 0.0079, 3810 steps → ε = ∞ (the record is revealed once sampled)', () => {
    const acc = createAccountant('pld').step(0.0079, 1e-6, 3810);
    expect(acc.epsilon(1e-5)).toBe(Infinity);
    // δ at any finite ε is at least P(sampled at least once) = 1 − (1 − q)^T
    const sampled = -Math.expm1(3810 * Math.log1p(-0.0079));
    expect(acc.delta(1000)).toBeGreaterThanOrEqual(sampled);
    expect(createAccountant('pld').step(0.0079, 1e-3, 3810).epsilon(1e-5)).toBe(Infinity);
  });

  it('never below the one-step ε (direct numerical hockey-stick integral) nor the counting lower bound', () => {
    for (const [q, sigma, T] of [
      [0.0079, 0.1, 3810],
      [0.0079, 0.3, 3810],
      [0.05, 1, 100],
      [0.01, 0.5, 1000],
    ]) {
      const ours = dpsgdEpsilon({ q, sigma, steps: T, delta: 1e-5 }).epsilon;
      const one = singleStepEpsilon(q, sigma, 1e-5);
      expect(one).toBeGreaterThan(0);
      expect(ours, `q=${q} σ=${sigma}`).toBeGreaterThanOrEqual(one);
      // the one-step PLD itself reproduces the integral (both directions)
      const oneStep = dpsgdEpsilon({ q, sigma, steps: 1, delta: 1e-5 }).epsilon;
      expect(oneStep).toBeGreaterThanOrEqual(one * (1 - 1e-6));
      expect(oneStep - one).toBeLessThan(1e-3 * one + 1e-3);
    }
    for (const [q, sigma, T] of [
      [0.0079, 0.1, 3810],
      [0.0079, 0.05, 3810],
      [0.0079, 0.3, 3810],
    ]) {
      const lower = binomialLowerBound(q, sigma, T, 1e-5);
      const ours = dpsgdEpsilon({ q, sigma, steps: T, delta: 1e-5 }).epsilon;
      expect(ours, `q=${q} σ=${sigma}`).toBeGreaterThanOrEqual(lower);
    }
  });

  it('matches an independent bracket at σ = 0.1 and stays below RDP wherever both are finite', () => {
    // Independent reference (numpy, not this code): the PLD with losses rounded up / down on a 2e-3 grid from a
    // 400k-bin partition of x, composed by FFT — ε(δ=1e-5) of (q=0.0079, σ=0.1, T=3810) ∈ [2538.26, 2545.93].
    const e = dpsgdEpsilon({ q: 0.0079, sigma: 0.1, steps: 3810, delta: 1e-5 }).epsilon;
    expect(e).toBeGreaterThanOrEqual(2538.26);
    expect(e).toBeLessThanOrEqual(2545.93);
    for (const [q, sigma, T] of [
      [0.0079, 0.05, 3810],
      [0.0079, 0.2, 3810],
      [0.0079, 0.6, 3810],
      [0.05, 0.3, 200],
      [0.2, 2, 50],
      [0.001, 0.8, 30000],
    ]) {
      const pld = dpsgdEpsilon({ q, sigma, steps: T, delta: 1e-5 }).epsilon;
      const rdp = dpsgdEpsilon({ q, sigma, steps: T, delta: 1e-5, accountant: 'rdp' }).epsilon;
      expect(Number.isFinite(pld), `q=${q} σ=${sigma}`).toBe(true);
      expect(pld, `q=${q} σ=${sigma}`).toBeLessThanOrEqual(rdp * (1 + 1e-9));
    }
  });

  it('ε far above 700 is read off exactly (no overflow of e^ε) and the +∞ mass counts in δ', () => {
    // a point mass at loss 1000: δ(ε) = 1 − e^{ε−1000}, so ε(δ) = 1000 + log(1 − δ)
    const h = 0.5;
    const point: DiscretePld = { h, lower: 2000, pmf: new Float64Array([1]), inf: 0 };
    expect(pldEpsilon(point, 1e-5)).toBeCloseTo(1000 + Math.log1p(-1e-5), 9);
    expect(pldDelta(point, 999)).toBeCloseTo(-Math.expm1(-1), 12);
    // spread mass with a large loss and an infinity mass
    const spread: DiscretePld = { h, lower: 1400, pmf: new Float64Array([0.5, 0, 0.5 - 1e-6]), inf: 1e-6 };
    expect(pldEpsilon(spread, 1e-6)).toBe(Infinity);
    const eps = pldEpsilon(spread, 2e-6);
    expect(pldDelta(spread, eps)).toBeCloseTo(2e-6, 12);
    expect(eps).toBeGreaterThan(700);
  });

  it('one-step PLDs are probability distributions at small σ, and the complement formula is exact', () => {
    for (const [q, sigma] of [
      [0.0079, 0.1],
      [0.0079, 0.03],
      [0.3, 0.05],
      [1, 0.1],
    ]) {
      for (const dir of ['remove', 'add'] as const) {
        const p = subsampledGaussianPld(q, sigma, dir, { discretization: 1e-3, maxFft: 2 ** 22, truncate: true });
        const mass = p.pmf.reduce((s, v) => s + v, 0) + p.inf;
        expect(Math.abs(mass - 1), `q=${q} σ=${sigma} ${dir}`).toBeLessThan(1e-9);
        for (const eps of [-2, -0.5, 0, 0.3, 2, 40]) {
          const d = subsampledGaussianDelta(eps, q, sigma, dir);
          const c = subsampledGaussianDeltaComplement(eps, q, sigma, dir);
          expect(d + c).toBeCloseTo(1, 12);
        }
      }
    }
    // a grid cut short by `truncate` sends the rest of the mass to +∞ (still a distribution, still an upper bound)
    const cut = subsampledGaussianPld(0.0079, 0.1, 'remove', { discretization: 1e-3, maxFft: 20000, truncate: true });
    expect(cut.inf).toBeGreaterThan(0.001);
    expect(cut.pmf.reduce((s, v) => s + v, 0) + cut.inf).toBeCloseTo(1, 9);
    const full = subsampledGaussianPld(0.0079, 0.1, 'remove', { discretization: 1e-3 });
    for (const eps of [5, 15, 30, 60]) expect(pldDelta(cut, eps)).toBeGreaterThanOrEqual(pldDelta(full, eps) - 1e-15);
    expect(() => subsampledGaussianPld(0.0079, 0.1, 'remove', { discretization: 1e-3, maxFft: 20000 })).toThrow(/coarser/);
  });

  it('a composition window cut short counts the cut mass at +∞', () => {
    const p = subsampledGaussianPld(0.05, 0.5, 'remove', { discretization: 2e-3 });
    const full = composePlds([{ pld: p, count: 400 }]);
    const cut = composePlds([{ pld: p, count: 400 }], { maxFft: 2 ** 12, truncate: true });
    expect(cut.pmf.length).toBeLessThanOrEqual(2 ** 12);
    expect(cut.inf).toBeGreaterThan(full.inf);
    for (const delta of [1e-3, 1e-5]) expect(pldEpsilon(cut, delta)).toBeGreaterThanOrEqual(pldEpsilon(full, delta));
    expect(() => composePlds([{ pld: p, count: 400 }], { maxFft: 2 ** 12 })).toThrow(/coarser/);
  });
});
