import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { normalTail } from '../src/privacy/numeric.ts';
import { gaussianDelta } from '../src/privacy/primitives.ts';
import {
  calibrateGnmaxSigma,
  GnmaxAggregator,
  gnmaxBinaryEpsilon,
  GnmaxAccountant,
  gnmaxEpsilon,
  noisyTeacherLabelsGnmax,
  laplaceNoisyMax,
  noisyTeacherLabels,
  partition,
  PateMomentsAccountant,
  pateDataIndependentEpsilon,
  calibratePateLambda,
  pateFlipBound,
  pateQueryMoment,
} from '../src/privacy/pate.ts';

/** The PATE-GAN moment of one query written straight from metrics.md "Accounting (PATE)" (plain arithmetic). */
function handMoment(gap: number, lambda: number, l: number): number {
  const q = (2 + lambda * gap) / (4 * Math.exp(lambda * gap));
  const indep = 2 * lambda ** 2 * l * (l + 1);
  if (!(q < (Math.exp(2 * lambda) - 1) / (Math.exp(4 * lambda) - 1))) return indep;
  return Math.min(indep, Math.log((1 - q) * ((1 - q) / (1 - q * Math.exp(2 * lambda))) ** l + q * Math.exp(2 * lambda * l)));
}

function handEpsilon(gaps: number[], lambda: number, delta: number, L = 20): number {
  let best = Infinity;
  for (let l = 1; l <= L; l++) {
    const alpha = gaps.reduce((s, g) => s + handMoment(g, lambda, l), 0);
    best = Math.min(best, (alpha + Math.log(1 / delta)) / l);
  }
  return best;
}

describe('PATE partitions', () => {
  it('are disjoint, cover every row, and differ in size by at most one', () => {
    const rng = new Rng(1);
    for (const [n, k] of [
      [1000, 10],
      [1003, 7],
      [5, 5],
    ]) {
      const parts = partition(n, k, rng);
      expect(parts.length).toBe(k);
      const seen = new Uint8Array(n);
      for (const p of parts) for (const i of p) seen[i]++;
      expect(Array.from(seen).every((c) => c === 1)).toBe(true);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(() => partition(3, 5, rng)).toThrow(/cannot split 3 rows among 5 teachers/);
  });
});

describe('PATE noisy aggregation', () => {
  it('uses Laplace scale 1/λ: the flip rate at gap Δ is (2 + λΔ)/(4e^{λΔ}) — not the scale-λ bug', () => {
    const rng = new Rng(2);
    const lambda = 0.25;
    const k = 10;
    const n1 = 7; // gap 4
    const trials = 40000;
    let flips = 0;
    for (let t = 0; t < trials; t++) if (laplaceNoisyMax([k - n1, n1], lambda, rng) === 0) flips++;
    const rate = flips / trials;
    const expected = pateFlipBound(4, lambda); // exact P(Lap(b) − Lap(b) > Δ) with b = 1/λ
    const buggy = pateFlipBound(4, 1 / lambda); // noise scale λ instead of 1/λ (pate_gan.py:20-48)
    const se = Math.sqrt((expected * (1 - expected)) / trials);
    expect(Math.abs(rate - expected)).toBeLessThan(4 * se);
    expect(Math.abs(rate - buggy)).toBeGreaterThan(20 * se);
  });
});

describe('PATE moments accountant', () => {
  it('equals the hand-computed formula (data-dependent with fallback)', () => {
    const lambda = 0.1;
    const gaps = [10, 10, 8, 6, 10, 2, 0, 10, 4];
    const acc = new PateMomentsAccountant({ lambda });
    for (const g of gaps) acc.addGap(g);
    expect(acc.queries).toBe(gaps.length);
    expect(acc.epsilon(1e-5)).toBeCloseTo(handEpsilon(gaps, lambda, 1e-5), 10);
    for (const g of gaps) for (const l of [1, 5, 20]) expect(pateQueryMoment(g, lambda, l)).toBeCloseTo(handMoment(g, lambda, l), 12);
    // gap 0 (q = ½) is outside the data-dependent bound's validity: data-independent fallback
    expect(pateQueryMoment(0, lambda, 3)).toBe(2 * lambda ** 2 * 3 * 4);
    expect(acc.fallbackQueries).toBeGreaterThanOrEqual(1);
  });

  it('differs from the operator-precedence bug e^{2λl+1} and the missing-log bug', () => {
    const lambda = 1;
    const gap = 8;
    const l = 3;
    const q = pateFlipBound(gap, lambda);
    const indep = 2 * lambda ** 2 * l * (l + 1);
    const inner = (1 - q) * ((1 - q) / (1 - q * Math.exp(2 * lambda))) ** l;
    const precedenceBug = Math.min(indep, Math.log(inner + q * Math.exp(2 * lambda * l + 1))); // synthcity 315-330 (0-indexed l: 2λ·lidx + 1)
    const missingLogBug = Math.min(indep, inner + q * Math.exp(2 * lambda * l)); // smartnoise privacy_utils (no log)
    const ours = pateQueryMoment(gap, lambda, l);
    expect(ours).toBeCloseTo(handMoment(gap, lambda, l), 12);
    expect(Math.abs(ours - precedenceBug)).toBeGreaterThan(1e-3);
    expect(Math.abs(ours - missingLogBug)).toBeGreaterThan(0.5);
  });

  it('counts every query, including those voted "real" (the skipped-queries bug)', () => {
    const rng = new Rng(3);
    const k = 10;
    const lambda = 0.2;
    const acc = new PateMomentsAccountant({ lambda });
    // every teacher says "real": noisy labels are (almost surely) real
    const labels = noisyTeacherLabels(new Array(200).fill(k), k, lambda, rng, acc);
    expect(labels.reduce((s, v) => s + v, 0)).toBeGreaterThan(150);
    expect(acc.queries).toBe(200);
    const skipping = new PateMomentsAccountant({ lambda }); // synthcity: returns before _update_alpha when ≥ ½ voted real
    labels.forEach((lab) => {
      if (lab === 0) skipping.addGap(k);
    });
    expect(acc.epsilon(1e-5)).toBeGreaterThan(skipping.epsilon(1e-5));
    expect(acc.epsilon(1e-5)).toBeCloseTo(handEpsilon(new Array(200).fill(k), lambda, 1e-5), 10);
  });

  it('λ calibration: the largest λ whose data-independent bound fits the planned queries in ε', () => {
    for (const [queries, epsilon] of [[1920, 1], [1920, 100], [50, 0.5]] as const) {
      const lambda = calibratePateLambda(queries, epsilon, 1e-5, 200);
      expect(pateDataIndependentEpsilon(queries, lambda, 1e-5, 200).epsilon).toBeLessThanOrEqual(epsilon);
      expect(pateDataIndependentEpsilon(queries, lambda * 1.001, 1e-5, 200).epsilon).toBeGreaterThan(epsilon);
    }
    // Below the floor log(1/δ)/L no λ fits: a clear error, not λ = 0.
    expect(() => calibratePateLambda(10, 0.01, 1e-5, 200)).toThrow(/floor/);
  });

  it('data-independent accountants bound it from above and follow their formulas', () => {
    const lambda = 0.1;
    const gaps = new Array(100).fill(10);
    const acc = new PateMomentsAccountant({ lambda });
    for (const g of gaps) acc.addGap(g);
    const ind = pateDataIndependentEpsilon(100, lambda, 1e-5);
    expect(ind.epsilon).toBeGreaterThanOrEqual(acc.epsilon(1e-5));
    let best = Infinity;
    for (let l = 1; l <= 20; l++) best = Math.min(best, (100 * 2 * lambda ** 2 * l * (l + 1) + Math.log(1e5)) / l);
    expect(ind.epsilon).toBeCloseTo(best, 12);
    expect(ind.pureEpsilon).toBeCloseTo(2 * lambda * 100, 12);
    // GNMax: RDP α/σ² per query; with one query at σ = 1 and α = 2: ε(2) = 2
    const g = gnmaxEpsilon(1, 1, 1e-5, [2]);
    expect(g.epsilon).toBeCloseTo(2 + Math.log(1 / 2) - (Math.log(1e-5) + Math.log(2)), 10);
    expect(gnmaxEpsilon(10, 20, 1e-5).epsilon).toBeLessThan(gnmaxEpsilon(20, 20, 1e-5).epsilon);
  });

  it('GNMax aggregation: flip rate matches Φc(Δ/(σ√2)) and every query is counted', () => {
    const rng = new Rng(5);
    const sigma = 3;
    const acc = new GnmaxAccountant({ sigma });
    const trials = 20000;
    const labels = noisyTeacherLabelsGnmax(new Array(trials).fill(7), 10, sigma, rng, acc); // gap 4
    const flips = labels.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / trials;
    const expected = normalTail(4 / (sigma * Math.SQRT2));
    expect(Math.abs(flips - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / trials));
    expect(acc.queries).toBe(trials);
    expect(acc.epsilon(1e-5)).toBeCloseTo(gnmaxEpsilon(trials, sigma, 1e-5).epsilon, 12);
  });
});

describe('two-class GNMax composed exactly (the gan pategan default)', () => {
  it('one query at σ = √2 is the Gaussian mechanism with noise multiplier 1: ε = 1 at δ = 0.126937 (Balle & Wang 2018)', () => {
    // δ(ε = 1) of the Gaussian mechanism with σ/Δ = 1, the analytic value Φ(−½) − e·Φ(−3/2).
    expect(gaussianDelta(1, 1)).toBeCloseTo(0.12693673750664414, 12);
    expect(gnmaxBinaryEpsilon(1, Math.SQRT2, 0.12693673750664414)).toBeCloseTo(1, 6);
  });

  it('N queries at σ compose to one query at σ/√N (GDP), and are never looser than the RDP bound', () => {
    for (const [N, sigma] of [
      [100, 40],
      [30720, 900],
    ]) {
      expect(gnmaxBinaryEpsilon(N, sigma, 1e-5)).toBeCloseTo(gnmaxBinaryEpsilon(1, sigma / Math.sqrt(N), 1e-5), 8);
      expect(gnmaxBinaryEpsilon(N, sigma, 1e-5)).toBeLessThanOrEqual(gnmaxEpsilon(N, sigma, 1e-5).epsilon);
    }
    expect(gnmaxBinaryEpsilon(0, 5, 1e-5)).toBe(0);
  });

  it('σ calibrated for the planned queries spends the target ε, within a hair, and never more', () => {
    for (const eps of [0.1, 1, 10, 95]) {
      const sigma = calibrateGnmaxSigma(102400, eps, 1e-5);
      const spent = gnmaxBinaryEpsilon(102400, sigma, 1e-5);
      expect(spent).toBeLessThanOrEqual(eps);
      expect(spent).toBeGreaterThan(eps * (1 - 1e-6));
      expect(gnmaxBinaryEpsilon(102401, sigma, 1e-5)).toBeGreaterThan(eps);
    }
  });

  it("the Gaussian δ stays finite at large ε (e^ε overflowed, giving NaN and a wrong σ)", () => {
    expect(gaussianDelta(1e-3, 1e6)).toBe(0);
    expect(Number.isFinite(calibrateGnmaxSigma(1000, 1e6, 1e-5))).toBe(true);
    expect(gnmaxBinaryEpsilon(1000, calibrateGnmaxSigma(1000, 1e6, 1e-5), 1e-5)).toBeCloseTo(1e6, 0);
    // Where the textbook formula is representable, the log-space one agrees with it.
    const direct = (s: number, e: number) => {
      const cdf = (z: number) => 1 - normalTail(z);
      return cdf(1 / (2 * s) - e * s) - Math.exp(e) * cdf(-1 / (2 * s) - e * s);
    };
    for (const [sg, e] of [
      [1, 1],
      [0.7, 3],
      [2, 0.2],
    ])
      expect(gaussianDelta(sg, e)).toBeCloseTo(direct(sg, e), 12);
  });

  it('bounded votes: each query counted, the released mean noised with std σ√2/k, totals outside [−k, k] refused', () => {
    const sigma = 6;
    const agg = new GnmaxAggregator(sigma);
    const k = 10;
    const trials = 20000;
    const out = agg.means(new Array(trials).fill(3), k, new Rng(3));
    expect(agg.queries).toBe(trials);
    const mean = out.reduce((a, b) => a + b, 0) / trials;
    const sd = Math.sqrt(out.reduce((a, b) => a + (b - mean) ** 2, 0) / trials);
    expect(mean).toBeCloseTo(0.3, 1);
    expect(sd / ((sigma * Math.SQRT2) / k)).toBeCloseTo(1, 1);
    expect(agg.epsilon(1e-5)).toBe(gnmaxBinaryEpsilon(trials, sigma, 1e-5));
    expect(() => agg.means([11], k, new Rng(1))).toThrow(/not in/);
    // The GNMax label is the sign of the same Gaussian release: shares at the same σ flip as often as labels do.
    const shares = new GnmaxAggregator(sigma).shares(new Array(trials).fill(7), k, new Rng(4));
    const flips = shares.reduce((s, v) => s + (v > 0.5 ? 0 : 1), 0) / trials;
    const expected = normalTail(4 / (sigma * Math.SQRT2));
    expect(Math.abs(flips - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / trials));
  });
});
