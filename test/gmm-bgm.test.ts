/**
 * The Bayesian GMM behind mode-specific normalisation: the variational updates against scikit-learn 1.2.1
 * (values recorded from `BayesianGaussianMixture(n_components=3, weight_concentration_prior_type=
 * 'dirichlet_process', weight_concentration_prior=0.001, random_state=0)` on the 60 values below, whose k-means
 * start we reproduce with `initLabels`), recovery of planted mixtures, the weight threshold, the exact
 * compression to distinct values, and the exact inverse of the (α, mode) encoding.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { digamma, distinctCounts, fitBayesianGmm, lgamma, predictProba } from '../src/data/transform/gmm.ts';
import { ModeNormalizer } from '../src/data/transform/mode-specific.ts';

/** x_i = c[i mod 3] + ((37 i mod 11) − 5)/5 · s[i mod 3], i < 60 (the same formula generated the sklearn values). */
function smallData(): Float64Array {
  const c = [-4, 1, 7];
  const sp = [0.5, 1, 0.8];
  return Float64Array.from({ length: 60 }, (_, i) => c[i % 3] + ((((i * 37) % 11) - 5) / 5) * sp[i % 3]);
}
/** sklearn's k-means labelled the cluster at 7 as component 0, at −4 as 1, at 1 as 2. */
const sklearnLabels = (n: number) => Int32Array.from({ length: n }, (_, i) => [1, 2, 0][i % 3]);

function mixture(rng: Rng, parts: { w: number; mu: number; sd: number }[], n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let k = 0;
    while (k < parts.length - 1 && u >= parts[k].w) u -= parts[k++].w;
    x[i] = parts[k].mu + parts[k].sd * rng.normal();
  }
  return x;
}

describe('special functions', () => {
  it('digamma and lgamma match reference values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10); // −γ
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 10); // −γ − 2 ln 2
    // Recurrence ψ(x + 1) = ψ(x) + 1/x across the switch to the asymptotic series.
    let s = digamma(0.5);
    for (let k = 0; k < 10; k++) s += 1 / (k + 0.5);
    expect(digamma(10.5)).toBeCloseTo(s, 10);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(lgamma(1e-3)).toBeCloseTo(6.907178885383853, 9);
  });
});

describe('fitBayesianGmm (sklearn BayesianGaussianMixture semantics)', () => {
  it('reproduces scikit-learn 1.2.1 given the same k-means start', () => {
    const x = smallData();
    const m = fitBayesianGmm(x, new Rng(0), { components: 3, weightConcentrationPrior: 0.001, initLabels: sklearnLabels(60) });
    expect(m.converged).toBe(true);
    expect(m.iterations).toBe(5);
    expect(m.lowerBound).toBeCloseTo(-120.76772645823615, 8);
    const ref = {
      weights: [0.3462816262132093, 0.3436656712587584, 0.31005270252803235],
      means: [6.677395932050025, -3.692889430836729, 1.074714754605771],
      cov: [2.8374734103725285, 2.7327326716779177, 1.4175227906099825],
    };
    for (let k = 0; k < 3; k++) {
      expect(m.weights[k]).toBeCloseTo(ref.weights[k], 10);
      expect(m.means[k]).toBeCloseTo(ref.means[k], 10);
      expect(m.variances[k]).toBeCloseTo(ref.cov[k], 10);
    }
    // predict_proba at x0 = −4.5 and at 4.0 (sklearn, reordered to our component order).
    const p = predictProba(m, [-4.5, 4.0]);
    expect(p[1]).toBeCloseTo(0.9999756397382292, 10);
    expect(p[2]).toBeCloseTo(2.4359955948264566e-5, 12);
    expect(p[3 + 0]).toBeCloseTo(0.8209217075141261, 10);
    expect(p[3 + 2]).toBeCloseTo(0.17902000365062826, 10);
  });

  it('weights = duplicated rows: sklearn on 90 rows equals our fit on 60 distinct values with counts', () => {
    const x = smallData();
    const w = Float64Array.from({ length: 60 }, (_, i) => (i < 30 ? 2 : 1)); // sklearn saw rows 0..29 twice
    const m = fitBayesianGmm(x, new Rng(0), { components: 3, weightConcentrationPrior: 0.001, weights: w, initLabels: sklearnLabels(60) });
    expect(m.iterations).toBe(3);
    expect(m.lowerBound).toBeCloseTo(-166.74501354712032, 7);
    const refMeans = [6.787775809306308, -3.8601843093130896, 1.0578467084841416];
    const refW = [0.34088561453866906, 0.33615702355062316, 0.32295736191070773];
    const refCov = [1.9459533778333673, 1.702355570146606, 1.0755614851806645];
    for (let k = 0; k < 3; k++) {
      expect(m.means[k]).toBeCloseTo(refMeans[k], 9);
      expect(m.weights[k]).toBeCloseTo(refW[k], 9);
      expect(m.variances[k]).toBeCloseTo(refCov[k], 9);
    }
  });

  it('fitting distinct values with counts is exactly the fit on all rows (k-means start included)', () => {
    const rng = new Rng(7);
    const raw = Float64Array.from({ length: 4000 }, () => Math.round(30 + 12 * rng.normal()) + (rng.uniform() < 0.3 ? 40 : 0));
    const sorted = Float64Array.from(raw).sort();
    const d = distinctCounts(raw);
    expect(d.values.length).toBeLessThan(200);
    const full = fitBayesianGmm(sorted, new Rng(3), { components: 10, weightConcentrationPrior: 0.001 });
    const comp = fitBayesianGmm(d.values, new Rng(3), { components: 10, weightConcentrationPrior: 0.001, weights: d.counts });
    expect(comp.iterations).toBe(full.iterations);
    expect(Math.abs(comp.lowerBound - full.lowerBound) / Math.abs(full.lowerBound)).toBeLessThan(1e-9);
    for (let k = 0; k < 10; k++) {
      expect(comp.means[k]).toBeCloseTo(full.means[k], 6);
      expect(comp.weights[k]).toBeCloseTo(full.weights[k], 9);
    }
  });

  it('recovers a planted three-mode mixture (modes with maxModes = 3; the mixture density with 10)', () => {
    const parts = [
      { w: 0.5, mu: -5, sd: 1 },
      { w: 0.3, mu: 0, sd: 0.5 },
      { w: 0.2, mu: 6, sd: 1.5 },
    ];
    const x = mixture(new Rng(11), parts, 3000);
    const three = ModeNormalizer.fit(x, new Rng(1), { maxModes: 3 });
    expect(three.modes).toBe(3);
    const order = [0, 1, 2].sort((a, b) => three.means[a] - three.means[b]);
    order.forEach((k, j) => {
      expect(Math.abs(three.means[k] - parts[j].mu)).toBeLessThan(0.15);
      expect(Math.abs(three.stds[k] - parts[j].sd)).toBeLessThan(0.1 * parts[j].sd);
      expect(Math.abs(three.weights[k] - parts[j].w)).toBeLessThan(0.03);
    });
    // With the default 10 components the DP prior may split a mode, but the fitted density is the planted one
    // and the mass near each planted mode is its weight.
    const ten = ModeNormalizer.fit(x, new Rng(1));
    const dens = (xs: number, ps: { w: number; mu: number; sd: number }[]) => ps.reduce((a, p) => a + (p.w * Math.exp(-0.5 * ((xs - p.mu) / p.sd) ** 2)) / (p.sd * Math.sqrt(2 * Math.PI)), 0);
    const fitted = Array.from(ten.means, (mu, k) => ({ w: ten.weights[k], mu, sd: ten.stds[k] }));
    let l1 = 0;
    for (let g = -12; g <= 14; g += 0.01) l1 += Math.abs(dens(g, fitted) - dens(g, parts)) * 0.01;
    expect(l1).toBeLessThan(0.1);
    parts.forEach((p) => {
      const near = fitted.filter((f) => Math.abs(f.mu - p.mu) < 2 * p.sd).reduce((a, f) => a + f.w, 0);
      expect(Math.abs(near - p.w)).toBeLessThan(0.04);
    });
  });

  it('drops modes whose weight is at or below the threshold (0.005 by default)', () => {
    // 0.3% of the rows far away: a component of weight ≈ 0.003 — kept at threshold 0.001, dropped at 0.005.
    const rng = new Rng(5);
    const x = mixture(rng, [{ w: 0.6, mu: 0, sd: 1 }, { w: 0.4, mu: 10, sd: 1 }], 3000);
    const out = new Float64Array(3009);
    out.set(x);
    for (let i = 0; i < 9; i++) out[3000 + i] = 100 + 0.1 * rng.normal();
    const loose = ModeNormalizer.fit(out, new Rng(2), { weightThreshold: 0.001 });
    const strict = ModeNormalizer.fit(out, new Rng(2));
    // (The far mode's mean sits a little towards the data mean: the mean prior has precision 1.)
    const far = (n: ModeNormalizer) => Array.from(n.means).findIndex((m) => m > 50);
    expect(far(loose)).toBeGreaterThanOrEqual(0);
    expect(loose.weights[far(loose)]).toBeLessThan(0.005);
    expect(far(strict)).toBe(-1);
    expect(strict.modes).toBeLessThan(loose.modes);
    for (const w of strict.weights) expect(w).toBeGreaterThan(0.005 * 0.9); // renormalised over the kept modes
  });
});

describe('ModeNormalizer encoding', () => {
  it('α = (x − μ_k)/(4σ_k) clipped to ±0.99 with k drawn from the posterior; the inverse is exact', () => {
    const x = mixture(new Rng(21), [{ w: 0.5, mu: -3, sd: 1 }, { w: 0.5, mu: 3, sd: 1 }], 5000);
    const norm = ModeNormalizer.fit(x, new Rng(4));
    const { alpha, mode } = norm.transform(x, new Rng(9));
    const back = norm.inverse(alpha, mode);
    let clipped = 0;
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(alpha[i])).toBeLessThanOrEqual(0.99);
      expect(alpha[i]).toBeCloseTo(Math.max(-0.99, Math.min(0.99, (x[i] - norm.means[mode[i]]) / (4 * norm.stds[mode[i]]))), 12);
      if (Math.abs(alpha[i]) < 0.99) expect(Math.abs(back[i] - x[i])).toBeLessThan(1e-9);
      else clipped++;
    }
    expect(clipped / x.length).toBeLessThan(0.01);
  });

  it('samples the mode from the posterior (not the argmax)', () => {
    // Two equal modes; values halfway between have posterior ≈ ½ each: argmax would always pick one.
    const x = mixture(new Rng(31), [{ w: 0.5, mu: -1, sd: 1 }, { w: 0.5, mu: 1, sd: 1 }], 4000);
    const norm = ModeNormalizer.fit(x, new Rng(6), { maxModes: 2 });
    expect(norm.modes).toBe(2);
    const mid = (norm.means[0] * norm.stds[1] + norm.means[1] * norm.stds[0]) / (norm.stds[0] + norm.stds[1]);
    const vals = new Float64Array(4000).fill(mid);
    const post = norm.posterior([mid]);
    const { mode } = norm.transform(vals, new Rng(8));
    const share = mode.reduce((a, b) => a + b, 0) / vals.length;
    // Share of mode 1 matches its posterior probability (binomial sd ≈ 0.008).
    expect(Math.abs(share - (post[1] + 1e-6) / (post[0] + post[1] + 2e-6))).toBeLessThan(0.03);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.9);
  });

  it('fixed modes cover the declared bounds without reading data', () => {
    const norm = ModeNormalizer.fixed(0, 100, 10);
    expect(Array.from(norm.means)).toEqual([5, 15, 25, 35, 45, 55, 65, 75, 85, 95]);
    const vals = Float64Array.from({ length: 101 }, (_, i) => i);
    const { alpha, mode } = norm.transform(vals, new Rng(1));
    const back = norm.inverse(alpha, mode);
    for (let i = 0; i < vals.length; i++) if (Math.abs(alpha[i]) < 0.99) expect(back[i]).toBeCloseTo(vals[i], 9);
  });
});
