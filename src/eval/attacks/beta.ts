/**
 * Exact binomial confidence bounds for attack auditing: log-gamma (Lanczos), the regularized incomplete
 * beta function I_x(a, b) by its continued fraction (modified Lentz), its inverse by safeguarded Newton
 * steps inside a shrinking bisection bracket, and Clopper–Pearson intervals built on that inverse.
 */

// Lanczos approximation, g = 7, 9 coefficients (Godfrey's set): ~15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be positive, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** log B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const TINY = 1e-300;
const EPS = 1e-15;

/** Continued fraction for I_x(a,b) (converges fast for x < (a+1)/(a+b+2)). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    // even step
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // odd step
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  return h; // not reached for the a, b this module uses (counts up to millions)
}

/** Regularized incomplete beta I_x(a, b) = P(Beta(a, b) ≤ x), a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incompleteBeta: a and b must be positive, got a=${a}, b=${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Inverse of I_x(a, b) in x: the p-quantile of Beta(a, b). */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`betaQuantile: p must be in [0,1], got ${p}`);
  if (!(a > 0 && b > 0)) throw new RangeError(`betaQuantile: a and b must be positive, got a=${a}, b=${b}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  const lb = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  // Start at the mean; Newton on f(x) = I_x − p with f' = the Beta density, kept inside [lo, hi].
  let x = a / (a + b);
  for (let it = 0; it < 300; it++) {
    const f = incompleteBeta(x, a, b) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const logDensity = (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lb;
    let next = x - f / Math.exp(logDensity);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(x, 1e-300) || hi - lo <= 1e-300) return next;
    x = next;
  }
  return x;
}

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Two-sided Clopper–Pearson interval for k successes in n trials at confidence 1 − alpha
 * (each tail alpha/2): lo = Beta(α/2; k, n−k+1), hi = Beta(1−α/2; k+1, n−k).
 */
export function clopperPearson(k: number, n: number, alpha = 0.05): Interval {
  if (!(n >= 1) || !Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`clopperPearson: need integers 0 ≤ k ≤ n, n ≥ 1; got k=${k}, n=${n}`);
  }
  return { lo: clopperPearsonLower(k, n, alpha), hi: clopperPearsonUpper(k, n, alpha) };
}

export function clopperPearsonLower(k: number, n: number, alpha = 0.05): number {
  if (k === 0) return 0;
  if (k === n) return Math.pow(alpha / 2, 1 / n); // closed form of Beta(α/2; n, 1)
  return betaQuantile(alpha / 2, k, n - k + 1);
}

export function clopperPearsonUpper(k: number, n: number, alpha = 0.05): number {
  if (k === n) return 1;
  if (k === 0) return 1 - Math.pow(alpha / 2, 1 / n); // closed form of Beta(1−α/2; 1, n)
  return betaQuantile(1 - alpha / 2, k + 1, n - k);
}
