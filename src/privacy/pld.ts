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
 * - Every truncation is pessimistic (dp_accounting's "infinity mass"): loss mass cut off above a grid or a
 *   window is counted at +∞, where it adds to δ at every ε, so at small σ (per-step losses of 1/(2σ²), far
 *   beyond any grid) ε grows to ∞ rather than being under-reported; nothing forms e^ε, so ε ≫ 700 is exact.
 */
import { irfft, nextPowerOfTwo, rfft } from './fft.ts';
import { logAdd, logNormalTail, normalTailInverse } from './numeric.ts';

export interface PldOptions {
  /** Grid step h of privacy-loss values (dp_accounting's value_discretization_interval; default 1e-4). */
  discretization?: number;
  /** Probability mass allowed outside the computed windows (added to δ, so results stay upper bounds). */
  tail?: number;
  /** Largest FFT length (and per-step grid) allowed (PldWindowError beyond; the accountant then coarsens). */
  maxFft?: number;
  /**
   * Instead of throwing PldWindowError, cut grids/windows that would exceed `maxFft` at the top: the mass cut
   * off is counted at +∞ (a bound on it, for compositions), so results stay upper bounds.
   */
  truncate?: boolean;
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

/**
 * Grid step for a set of steps: spread/30 (≈1e-4 relative error in ε), within [1e-6, 1e-3] — except that
 * very wide per-step losses (small σ: spread > 0.3) get spread/300, so their grids stay short.
 */
export function autoDiscretization(groups: { q: number; sigma: number }[]): number {
  let s = Infinity;
  for (const g of groups) s = Math.min(s, stepLossSpread(g.q, g.sigma));
  if (!Number.isFinite(s)) return 1e-3;
  return Math.min(Math.max(1e-3, s / 300), Math.max(1e-6, s / 30));
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

/**
 * c = (2x−1)/(2σ²) at the x where the remove-direction loss equals ε, i.e. q·e^c = e^ε − (1−q)
 * (−∞ when ε ≤ log(1−q): the loss never gets that low). Working with c instead of x keeps ε ≫ 700 finite.
 */
function lossArgRemove(eps: number, q: number): number {
  const r = (1 - q) * Math.exp(-eps);
  if (r >= 1) return -Infinity;
  return eps + Math.log1p(-r) - Math.log(q);
}

/** exp(logScale + a)·(1 − exp(b − a)): a difference of two tails known by their logs (0 when b ≥ a by rounding). */
function scaledGap(logScale: number, a: number, b: number): number {
  if (!(b < a)) return 0;
  return Math.exp(logScale + a) * -Math.expm1(b - a);
}

/**
 * Exact hockey-stick divergence δ(ε) = P(L > ε) − e^ε·Q(L > ε) of one step in the given direction, to full
 * relative precision for every ε (no e^ε is formed, so ε in the thousands or beyond stays finite).
 */
export function subsampledGaussianDelta(eps: number, q: number, sigma: number, direction: Direction): number {
  if (direction === 'remove') {
    const c = lossArgRemove(eps, q);
    if (c === -Infinity) return -Math.expm1(eps); // every outcome has loss > ε: δ = 1 − e^ε
    // x = σ²c + ½: δ = q[Φc((x−1)/σ) − e^c Φc(x/σ)]
    const za = sigma * c - 0.5 / sigma;
    const zb = sigma * c + 0.5 / sigma;
    return scaledGap(Math.log(q), logNormalTail(za), c + logNormalTail(zb));
  }
  // add: L' = −lossRemove(x), x ~ N(0, σ²); L' > ε ⟺ x < x_ε with lossRemove(x_ε) = −ε (none when ε ≥ −log(1−q))
  const c = lossArgRemove(-eps, q);
  if (c === -Infinity) return 0;
  const za = sigma * c - 0.5 / sigma;
  const zb = sigma * c + 0.5 / sigma;
  // δ = e^ε q [e^c Φ(x/σ) − Φ((x−1)/σ)] = (1 − (1−q)e^ε)·Φ(x/σ)·[1 − Φ((x−1)/σ) / (e^c Φ(x/σ))]
  const lb = logNormalTail(-zb);
  const la = logNormalTail(-za);
  if (!(la < c + lb)) return 0;
  return Math.exp(Math.log1p(-(1 - q) * Math.exp(eps)) + lb) * -Math.expm1(la - c - lb);
}

/** 1 − δ(ε) = P(L ≤ ε) + e^ε·Q(L > ε), a sum of positive terms: accurate where δ is close to 1. */
export function subsampledGaussianDeltaComplement(eps: number, q: number, sigma: number, direction: Direction): number {
  const logQ = Math.log(q);
  const log1q = Math.log1p(-q);
  if (direction === 'remove') {
    const c = lossArgRemove(eps, q);
    if (c === -Infinity) return Math.exp(eps);
    const za = sigma * c - 0.5 / sigma;
    const zb = sigma * c + 0.5 / sigma;
    // (1−q)Φ(x/σ) + qΦ((x−1)/σ) + e^ε Φc(x/σ)
    const s = logAdd(logAdd(log1q + logNormalTail(-zb), logQ + logNormalTail(-za)), eps + logNormalTail(zb));
    return Math.min(1, Math.exp(s));
  }
  const c = lossArgRemove(-eps, q);
  if (c === -Infinity) return 1;
  const za = sigma * c - 0.5 / sigma;
  const zb = sigma * c + 0.5 / sigma;
  // Φc(x/σ) + e^ε[(1−q)Φ(x/σ) + qΦ((x−1)/σ)]
  const s = logAdd(logAdd(logNormalTail(zb), eps + log1q + logNormalTail(-zb)), eps + logQ + logNormalTail(-za));
  return Math.min(1, Math.exp(s));
}

/**
 * Connect-the-dots PLD of one step (Doroshenko et al. 2022, Algorithm 1, fixed gap h). The dots are
 * (γ=0, δ=1), (e^{ε_k}, δ(ε_k)) on the grid ε_k = k·h covering the loss range up to a 1e-17 tail, and δ stays at
 * its last value beyond the grid: that value is the mass at +∞. Whatever range the grid covers, the result
 * dominates the true pair (δ is convex in e^ε), so a grid cut short (`truncate` at `maxFft` points) only
 * moves mass to +∞. Masses are formed from differences of δ (or of 1 − δ where δ is near 1)
 * divided by expm1(±h), never from e^{ε_k}, so any h and any loss range stay finite.
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
    // P's lower tail: the N(0, σ²) part, or N(1, σ²) when there is no N(0, σ²) part (q = 1); whatever lies
    // below the grid is covered by the chord from (γ=0, δ=1), pessimistically
    lmin = lossRemove(q === 1 ? 1 - sigma * z : -sigma * z, q, s2);
    lmax = lossRemove(1 + sigma * z, q, s2);
  } else {
    lmin = -lossRemove(sigma * z, q, s2);
    lmax = -lossRemove(-sigma * z, q, s2);
  }
  const kLo = Math.floor(lmin / h) - 1;
  let kHi = Math.ceil(lmax / h) + 1;
  const maxPoints = opts.maxFft ?? 2 ** 22;
  if (kHi - kLo + 1 > maxPoints) {
    if (!opts.truncate) throw new PldWindowError(kHi - kLo + 1, h);
    kHi = kLo + maxPoints - 1;
  }
  const m = kHi - kLo + 1;
  const delta = new Float64Array(m);
  const comp = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const e = (kLo + i) * h;
    const d = subsampledGaussianDelta(e, q, sigma, direction);
    delta[i] = d;
    comp[i] = d > 0.5 ? subsampledGaussianDeltaComplement(e, q, sigma, direction) : 1 - d;
  }
  // diff[i] = δ_{i+1} − δ_i ≤ 0, from the complement where both δ are near 1 (no cancellation there)
  const diff = new Float64Array(m);
  for (let i = 0; i + 1 < m; i++) {
    diff[i] = delta[i] > 0.5 && delta[i + 1] > 0.5 ? comp[i] - comp[i + 1] : delta[i + 1] - delta[i];
  }
  const up = 1 / Math.expm1(h); // weight of the step above a dot (0 for huge h)
  const down = 1 / Math.expm1(-h); // weight of the step below (−1 for huge h)
  const pmf = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let p = i === 0 ? comp[0] : diff[i - 1] * down;
    if (i + 1 < m) p += diff[i] * up;
    pmf[i] = p > 0 ? p : 0; // rounding noise only; dropping a negative adds mass, which only raises δ
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

/** Mean and variance of the finite part of a PLD (normalised). */
function moments(p: DiscretePld): { mean: number; variance: number } {
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < p.pmf.length; i++) {
    const v = p.pmf[i];
    m0 += v;
    m1 += v * i;
    m2 += v * i * i;
  }
  if (!(m0 > 0)) return { mean: 0, variance: 0 };
  const mi = m1 / m0;
  return { mean: (p.lower + mi) * p.h, variance: Math.max(0, m2 / m0 - mi * mi) * p.h * p.h };
}

type Items = { pld: DiscretePld; count: number }[];

/** log E[e^{tS}] of the finite part of the composition S = Σ count·L. */
function logMgfSum(items: Items, t: number): number {
  let k = 0;
  for (const it of items) k += it.count * logMgf(it.pld, t);
  return k;
}

/**
 * Minimise a function of t > 0 that is unimodal in log t (both Chernoff objectives below are): walk a factor-2
 * ladder downhill from t0 to bracket the minimum, then golden-section search in log t (~15 calls in all).
 * Any t gives a valid bound; the search only makes it tight.
 */
function minimiseOverT(f: (t: number) => number, t0: number): number {
  let x = Math.log(t0);
  let best = f(t0);
  let step = Math.LN2;
  let v = f(Math.exp(x + step));
  if (!(v < best)) {
    step = -step;
    v = f(Math.exp(x + step));
  }
  for (let i = 0; i < 80 && v < best; i++) {
    best = v;
    x += step;
    v = f(Math.exp(x + step));
  }
  // the minimum lies within one step of x
  let a = x - Math.LN2;
  let b = x + Math.LN2;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(Math.exp(c));
  let fd = f(Math.exp(d));
  for (let i = 0; i < 10; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(Math.exp(d));
    }
  }
  return Math.min(best, fc, fd);
}

function chernoffStart(items: Items, logTail: number, u?: number): number {
  let variance = 0;
  let mean = 0;
  for (const it of items) {
    const m = moments(it.pld);
    variance += it.count * m.variance;
    mean += it.count * m.mean;
  }
  if (!(variance > 0)) return 1;
  // Gaussian approximation of the optimum: √(2·logTail/V) for a window edge, |u − mean|/V for a tail at u
  const t = u === undefined ? Math.sqrt((2 * logTail) / variance) : Math.abs(u - mean) / variance;
  return Math.min(1e6, Math.max(1e-8, t));
}

/**
 * Chernoff window edge: smallest u with P(S ≥ u) ≤ e^{−logTail} certified by min_t (log M(t) + logTail)/t
 * (sign +1), or the largest u with P(S ≤ u) ≤ e^{−logTail} (sign −1, returned as a loss value).
 */
function chernoffEdge(items: Items, sign: 1 | -1, logTail: number): number {
  const f = (t: number) => (logMgfSum(items, sign * t) + logTail) / t;
  const v = minimiseOverT(f, chernoffStart(items, logTail));
  return sign * v;
}

/** Chernoff bound on P(S ≥ u) (sign +1) or P(S ≤ u) (sign −1), at most 1. */
function chernoffTail(items: Items, sign: 1 | -1, u: number): number {
  const f = (t: number) => logMgfSum(items, sign * t) - t * sign * u;
  const v = minimiseOverT(f, chernoffStart(items, 0, u));
  return Math.min(1, Math.exp(v));
}

/**
 * Compose PLDs: Σ count_i copies of pld_i (all on the same grid step), by a pointwise power of their spectra.
 * The window is set by Chernoff bounds (each tail ≤ `tail`); with `truncate`, a window longer than `maxFft`
 * is cut at the top instead. Every bound on mass outside the window — and the rounding noise of the FFT,
 * measured by the negative values it leaves — is added to the mass at +∞, so δ stays an upper bound.
 */
export function composePlds(items: Items, opts: PldOptions = {}): DiscretePld {
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
  // no finite mass left (or a step whose finite part rounds to nothing): everything is at +∞
  if (inf >= 1 || active.some((it) => !(it.pld.pmf.some((v) => v > 0)))) return { h, lower: 0, pmf: new Float64Array(0), inf: 1 };

  let hardLo = 0;
  let hardHi = 0;
  for (const it of active) {
    hardLo += it.count * it.pld.lower;
    hardHi += it.count * (it.pld.lower + it.pld.pmf.length - 1);
  }
  const logTail = Math.log(1 / tail);
  let hi = Math.min(hardHi, Math.ceil(chernoffEdge(active, 1, logTail) / h));
  const lo = Math.max(hardLo, Math.floor(chernoffEdge(active, -1, logTail) / h));
  let tailHi = hi < hardHi ? tail : 0;
  const tailLo = lo > hardLo ? tail : 0;
  let n = Math.max(4, nextPowerOfTwo(hi - lo + 1));
  const maxFft = opts.maxFft ?? 2 ** 22;
  if (n > maxFft) {
    if (!opts.truncate) throw new PldWindowError(n, h);
    n = maxFft;
    hi = lo + n - 1;
    // P(S > hi·h) = P(S ≥ (hi + 1)·h) on the lattice
    tailHi = chernoffTail(active, 1, (hi + 0.5) * h);
    if (tailHi >= 1) return { h, lower: 0, pmf: new Float64Array(0), inf: 1 };
  }
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
  let noise = 0;
  for (let g = 0; g < len; g++) {
    const v = conv[(offset + g) % n];
    if (v > 0) pmf[g] = v;
    else noise -= v;
  }
  // Mass above the window aliases to lower losses and mass below may be lost: both are bounded by the tail
  // bounds, counted at +∞. Rounding noise of the FFT is of the size of its negative values: counted there too.
  return trim({ h, lower: lo, pmf, inf: Math.min(1, inf + tailHi + tailLo + noise) });
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

/**
 * Smallest ε ≥ 0 with δ(ε) ≤ target (Infinity when the mass at +∞ alone reaches δ). On (L_{i−1}, L_i],
 * δ(ε) = inf + A_i − e^{ε−L_i}·B_i with A_i = Σ_{j≥i} p_j and B_i = Σ_{j≥i} p_j e^{−(L_j−L_i)} — B is kept
 * relative to the current loss, so losses far beyond 700 neither overflow nor underflow.
 */
export function pldEpsilon(p: DiscretePld, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`PLD: δ must be in (0, 1), got ${delta}`);
  if (p.inf >= delta) return Infinity;
  const { pmf, lower, h } = p;
  const decay = Math.exp(-h);
  let a = 0;
  let b = 0;
  for (let i = pmf.length - 1; i >= 0; i--) {
    const li = (lower + i) * h;
    if (li <= 0) break;
    a += pmf[i];
    b = b * decay + pmf[i];
    const below = Math.max(0, li - h);
    const dBelow = p.inf + a - Math.exp(below - li) * b;
    if (dBelow >= delta) {
      const eps = li + Math.log((p.inf + a - delta) / b);
      return Math.max(below, Math.min(li, eps));
    }
    if (i === 0 && b > 0) {
      // all the finite mass lies above ε = li − h: δ(ε) = inf + A − e^{ε−L_0}·B_0 below it as well
      return Math.max(0, Math.min(below, li + Math.log((p.inf + a - delta) / b)));
    }
  }
  return 0;
}
