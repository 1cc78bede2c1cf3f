/**
 * Privacy loss distributions (PLD) for the Poisson-subsampled Gaussian, composed with the FFT.
 *
 * Method (Koskela et al. 2020; Google dp_accounting's PLD with "connect-the-dots", Doroshenko et al. 2022):
 * - For each adjacency direction ("remove": P = (1−q)N(0,σ²)+qN(1,σ²) vs Q = N(0,σ²); "add": the reverse)
 *   the exact hockey-stick curve δ(ε) is evaluated on a grid ε_k = k·h. Its *connect-the-dots* PLD — the
 *   discrete distribution on the grid whose δ-curve interpolates those points linearly in e^ε — dominates
 *   the true pair (δ(e^ε) is convex), so every ε reported is an upper bound, and is tight to O(h²).
 * - T-fold composition = T-fold convolution of the PMFs, done as a pointwise power in the Fourier domain
 *   on a window chosen by a Chernoff bound on the composed loss (mass outside: ≤ `tail`, added to δ).
 * - ε(δ) of the composition is the max over the two directions (add/remove-one adjacency).
 */
import { irfft, nextPowerOfTwo, rfft } from './fft.ts';
import { logAdd, logNormalTail, normalTailInverse } from './numeric.ts';

export interface PldOptions {
  /** Grid step h of privacy-loss values (dp_accounting's value_discretization_interval; default 1e-4). */
  discretization?: number;
  /** Probability mass allowed outside the computed windows (added to δ, so results stay upper bounds). */
  tail?: number;
  /** Largest FFT length allowed in a composition (PldWindowError beyond; the accountant then coarsens). */
  maxFft?: number;
}

export class PldWindowError extends RangeError {
  readonly fftLength: number;
  readonly discretization: number;
  constructor(fftLength: number, discretization: number) {
    super(`PLD: composition needs an FFT of ${fftLength} points at discretization ${discretization}; use a coarser discretization`);
    this.name = 'PldWindowError';
    this.fftLength = fftLength;
    this.discretization = discretization;
  }
}

/**
 * Spread (std) of one step's privacy loss, ≈ q·√(e^{1/σ²} − 1) for small q and 1/σ at q = 1; the automatic
 * grid step is a fraction of it (the connect-the-dots error grows like (h/spread)² per step).
 */
export function stepLossSpread(q: number, sigma: number): number {
  const s2 = sigma * sigma;
  return Math.min(q * Math.sqrt(Math.expm1(Math.min(700, 1 / s2))), 1 / sigma);
}

/** Grid step for a set of steps: spread/30 (≈1e-4 relative error in ε), within [1e-6, 1e-3]. */
export function autoDiscretization(groups: { q: number; sigma: number }[]): number {
  let s = Infinity;
  for (const g of groups) s = Math.min(s, stepLossSpread(g.q, g.sigma));
  if (!Number.isFinite(s)) return 1e-3;
  return Math.min(1e-3, Math.max(1e-6, s / 30));
}

export type Direction = 'remove' | 'add';

/** A discrete PLD: mass pmf[i] at privacy loss (lower + i)·h, plus mass `inf` at +∞ (counts fully in δ). */
export interface DiscretePld {
  h: number;
  lower: number;
  pmf: Float64Array;
  inf: number;
}

export const DEFAULT_DISCRETIZATION = 1e-4;
export const DEFAULT_TAIL = 1e-15;

/** log(1 − q + q·exp((2x−1)/(2σ²))): the remove-direction privacy loss at x. */
function lossRemove(x: number, q: number, s2: number): number {
  const e = (2 * x - 1) / (2 * s2);
  if (q === 1) return e;
  const a = Math.log1p(-q);
  const b = Math.log(q) + e;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(Math.min(a, b) - m));
}

/** x with lossRemove(x) = ε, or −∞ when ε ≤ log(1−q) (the loss never gets that low). */
function inverseLossRemove(eps: number, q: number, s2: number): number {
  const r = (1 - q) * Math.exp(-eps);
  if (r >= 1) return -Infinity;
  // log(e^ε − (1−q)) = ε + log1p(−(1−q)e^{−ε})
  return s2 * (eps + Math.log1p(-r) - Math.log(q)) + 0.5;
}

/** Exact hockey-stick divergence δ(ε) of one step in the given direction. */
export function subsampledGaussianDelta(eps: number, q: number, sigma: number, direction: Direction): number {
  const s2 = sigma * sigma;
  if (direction === 'remove') {
    const x = inverseLossRemove(eps, q, s2);
    if (x === -Infinity) return Math.max(0, -Math.expm1(eps));
    // δ = P(L>ε) − e^ε Q(L>ε) = q[Φc((x−1)/σ) − e^{(2x−1)/2σ²} Φc(x/σ)]
    const a = Math.exp(logNormalTail((x - 1) / sigma));
    const b = Math.exp((2 * x - 1) / (2 * s2) + logNormalTail(x / sigma));
    return Math.max(0, q * (a - b));
  }
  // add: loss L' = −lossRemove(x) under x ~ N(0,σ²); L' > ε ⟺ x < inverseLossRemove(−ε)
  const x = inverseLossRemove(-eps, q, s2);
  if (x === -Infinity) return 0;
  // δ = e^ε q [e^{(2x−1)/2σ²} Φ(x/σ) − Φ((x−1)/σ)]
  const a = Math.exp((2 * x - 1) / (2 * s2) + logNormalTail(-x / sigma));
  const b = Math.exp(logNormalTail(-(x - 1) / sigma));
  return Math.max(0, Math.exp(eps) * q * (a - b));
}

/**
 * Connect-the-dots PLD of one step. The dots are (γ=0, δ=1), (e^{ε_k}, δ(ε_k)) for the grid covering the
 * loss range up to `tail` mass, and δ stays at its last value beyond (that value becomes the mass at +∞).
 */
export function subsampledGaussianPld(q: number, sigma: number, direction: Direction, opts: PldOptions = {}): DiscretePld {
  if (!(q > 0 && q <= 1)) throw new RangeError(`PLD: sampling rate q must be in (0, 1], got ${q}`);
  if (!(sigma > 0)) throw new RangeError(`PLD: noise multiplier σ must be > 0, got ${sigma}`);
  const h = opts.discretization ?? DEFAULT_DISCRETIZATION;
  const tail = opts.tail ?? DEFAULT_TAIL;
  const s2 = sigma * sigma;
  const z = normalTailInverse(Math.min(tail, 1e-3) * 1e-2);
  let lmin: number;
  let lmax: number;
  if (direction === 'remove') {
    lmin = lossRemove(-sigma * z, q, s2);
    lmax = lossRemove(1 + sigma * z, q, s2);
  } else {
    lmin = -lossRemove(sigma * z, q, s2);
    lmax = -lossRemove(-sigma * z, q, s2);
  }
  const kLo = Math.floor(lmin / h) - 1;
  const kHi = Math.ceil(lmax / h) + 1;
  const m = kHi - kLo + 1;
  if (m > (opts.maxFft ?? 2 ** 22)) throw new PldWindowError(m, h);
  const delta = new Float64Array(m);
  const gamma = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const e = (kLo + i) * h;
    gamma[i] = Math.exp(e);
    delta[i] = subsampledGaussianDelta(e, q, sigma, direction);
  }
  const pmf = new Float64Array(m);
  let prevSlope = (delta[0] - 1) / gamma[0];
  for (let i = 0; i < m; i++) {
    const slope = i + 1 < m ? (delta[i + 1] - delta[i]) / (gamma[i + 1] - gamma[i]) : 0;
    const p = gamma[i] * (slope - prevSlope);
    pmf[i] = p > 0 ? p : 0;
    prevSlope = slope;
  }
  return trim({ h, lower: kLo, pmf, inf: delta[m - 1] });
}

/** Drop leading/trailing zero mass. */
function trim(p: DiscretePld): DiscretePld {
  let a = 0;
  let b = p.pmf.length - 1;
  while (a < b && p.pmf[a] === 0) a++;
  while (b > a && p.pmf[b] === 0) b--;
  if (a === 0 && b === p.pmf.length - 1) return p;
  return { h: p.h, lower: p.lower + a, pmf: p.pmf.slice(a, b + 1), inf: p.inf };
}

/**
 * log E[e^{tL}] over the finite part of a PLD, exact: e^{tL_i} = e^{tL_start}·rⁱ⁻ˢᵗᵃʳᵗ with r = e^{th}, summed in
 * blocks short enough that rⁱ stays within double range (no exp per bin).
 */
function logMgf(p: DiscretePld, t: number): number {
  const { pmf, lower, h } = p;
  const n = pmf.length;
  const logR = t * h;
  const r = Math.exp(logR);
  const block = Math.max(1, Math.floor(600 / Math.max(Math.abs(logR), 1e-300)));
  let total = -Infinity;
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    let sum = 0;
    let term = 1;
    for (let i = start; i < end; i++) {
      sum += pmf[i] * term;
      term *= r;
    }
    if (sum > 0) total = logAdd(total, Math.log(sum) + t * (lower + start) * h);
  }
  return total;
}

const MGF_ORDERS = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Raise split complex arrays to an integer power in place (square-and-multiply). */
function complexPow(re: Float64Array, im: Float64Array, k: number): void {
  const n = re.length;
  for (let i = 0; i < n; i++) {
    let br = re[i];
    let bi = im[i];
    let rr = 1;
    let ri = 0;
    let e = k;
    while (e > 0) {
      if (e & 1) {
        const t = rr * br - ri * bi;
        ri = rr * bi + ri * br;
        rr = t;
      }
      e = Math.floor(e / 2);
      if (e > 0) {
        const t = br * br - bi * bi;
        bi = 2 * br * bi;
        br = t;
      }
    }
    re[i] = rr;
    im[i] = ri;
  }
}

/** Compose PLDs: Σ count_i copies of pld_i (all on the same grid step). */
export function composePlds(items: { pld: DiscretePld; count: number }[], opts: PldOptions = {}): DiscretePld {
  const active = items.filter((it) => it.count > 0);
  if (active.length === 0) return { h: items[0]?.pld.h ?? DEFAULT_DISCRETIZATION, lower: 0, pmf: new Float64Array([1]), inf: 0 };
  const h = active[0].pld.h;
  for (const it of active) {
    if (it.pld.h !== h) throw new RangeError('composePlds: all PLDs must share the discretization step');
    if (!Number.isInteger(it.count) || it.count < 0) throw new RangeError(`composePlds: count must be a non-negative integer, got ${it.count}`);
  }
  const tail = opts.tail ?? DEFAULT_TAIL;
  let logSurvive = 0;
  for (const it of active) logSurvive += it.count * Math.log1p(-Math.min(it.pld.inf, 1));
  const inf = -Math.expm1(logSurvive);
  if (active.length === 1 && active[0].count === 1) return { ...active[0].pld, pmf: active[0].pld.pmf.slice(), inf };

  let hardLo = 0;
  let hardHi = 0;
  for (const it of active) {
    hardLo += it.count * it.pld.lower;
    hardHi += it.count * (it.pld.lower + it.pld.pmf.length - 1);
  }
  // Chernoff window: P(S ≥ u) ≤ exp(log M_S(t) − t u) for t > 0, and symmetrically for the lower tail.
  const logTail = Math.log(1 / tail);
  let upper = Infinity;
  let lowerBound = -Infinity;
  for (const t of MGF_ORDERS) {
    let up = 0;
    let dn = 0;
    for (const it of active) {
      up += it.count * logMgf(it.pld, t);
      dn += it.count * logMgf(it.pld, -t);
    }
    upper = Math.min(upper, (up + logTail) / t);
    lowerBound = Math.max(lowerBound, -(dn + logTail) / t);
  }
  const hi = Math.min(hardHi, Math.ceil(upper / h));
  const lo = Math.max(hardLo, Math.floor(lowerBound / h));
  const n = Math.max(4, nextPowerOfTwo(hi - lo + 1));
  const maxFft = opts.maxFft ?? 2 ** 22;
  if (n > maxFft) throw new PldWindowError(n, h);
  let accRe: Float64Array | null = null;
  let accIm: Float64Array | null = null;
  for (const it of active) {
    const x = new Float64Array(n);
    const p = it.pld.pmf;
    for (let i = 0; i < p.length; i++) x[i % n] += p[i];
    const { re, im } = rfft(x);
    complexPow(re, im, it.count);
    if (!accRe || !accIm) {
      accRe = re;
      accIm = im;
    } else {
      for (let i = 0; i < re.length; i++) {
        const t = accRe[i] * re[i] - accIm[i] * im[i];
        accIm[i] = accRe[i] * im[i] + accIm[i] * re[i];
        accRe[i] = t;
      }
    }
  }
  const conv = irfft(accRe!, accIm!, n);
  const len = hi - lo + 1;
  const pmf = new Float64Array(len);
  const offset = (((lo - hardLo) % n) + n) % n;
  for (let g = 0; g < len; g++) {
    const v = conv[(offset + g) % n];
    pmf[g] = v > 0 ? v : 0;
  }
  // Mass above the window aliases to low losses; count its bound at +∞ so δ stays an upper bound.
  const extra = hi < hardHi ? tail : 0;
  return trim({ h, lower: lo, pmf, inf: Math.min(1, inf + extra) });
}

/** δ(ε) of a discrete PLD: inf + Σ_{L>ε} p (1 − e^{ε−L}). */
export function pldDelta(p: DiscretePld, epsilon: number): number {
  let d = p.inf;
  const { pmf, lower, h } = p;
  for (let i = pmf.length - 1; i >= 0; i--) {
    const l = (lower + i) * h;
    if (l <= epsilon) break;
    d += pmf[i] * -Math.expm1(epsilon - l);
  }
  return Math.min(1, d);
}

/** Smallest ε ≥ 0 with δ(ε) ≤ target (Infinity when the mass at +∞ alone exceeds δ). */
export function pldEpsilon(p: DiscretePld, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`PLD: δ must be in (0, 1), got ${delta}`);
  if (p.inf >= delta) return Infinity;
  const { pmf, lower, h } = p;
  // Walk down from the top: on (L_{i−1}, L_i] δ(ε) = inf + A − e^ε B with A = Σ_{j≥i} p_j, B = Σ_{j≥i} p_j e^{−L_j}.
  let a = 0;
  let b = 0;
  for (let i = pmf.length - 1; i >= 0; i--) {
    const li = (lower + i) * h;
    if (li <= 0) break;
    a += pmf[i];
    b += pmf[i] * Math.exp(-li);
    const below = Math.max(0, (lower + i - 1) * h);
    const dBelow = p.inf + a - Math.exp(below) * b;
    if (dBelow >= delta) {
      const eps = Math.log((p.inf + a - delta) / b);
      return Math.max(below, Math.min(li, eps));
    }
  }
  return 0;
}
