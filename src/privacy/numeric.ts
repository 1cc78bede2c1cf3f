/**
 * Numerics the accountants need in double precision: log-space sums, erfc / normal tails accurate in
 * relative terms far into the tail (the RDP fractional-order series and the PLD δ-curves live there),
 * and a bracketed root finder.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT2 = Math.SQRT2;
const LN2 = Math.LN2;

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(Math.min(a, b) - m));
}

/** log(e^a − e^b) for a ≥ b (−Infinity when equal). */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) throw new RangeError(`logSub: result would be negative (${a} < ${b})`);
  if (a === b) return -Infinity;
  // e^a − e^b = e^a (1 − e^{b−a}); expm1 keeps precision when b ≈ a.
  return a + Math.log(-Math.expm1(b - a));
}

/** Scaled complementary error function e^{x²}·erfc(x) for x ≥ 2 (continued fraction, modified Lentz). */
function erfcxLarge(x: number): number {
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 500; i++) {
    const a = i / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

/** erf(x) for |x| < 2.5 by the all-positive series erf(x) = 2/√π e^{−x²} Σ 2ⁿx^{2n+1}/(2n+1)!!. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

const SWITCH = 2.5;

/** Complementary error function, relative accuracy ~1e-14 for all x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SWITCH) return 1 - erfSeries(x);
  if (x > 27.3) return 0; // underflows
  return Math.exp(-x * x) * erfcxLarge(x);
}

/** log erfc(x), finite far into the right tail. */
export function logErfc(x: number): number {
  if (x < SWITCH) return Math.log(erfc(x));
  return -x * x + Math.log(erfcxLarge(x));
}

/** Standard normal upper tail Φc(z) = P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / SQRT2);
}

/** log Φc(z), accurate for large positive z. */
export function logNormalTail(z: number): number {
  if (z === Infinity) return -Infinity;
  if (z === -Infinity) return 0;
  return logErfc(z / SQRT2) - LN2;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return normalTail(-z);
}

/** Inverse of the standard normal upper tail: z with Φc(z) = p (bisection on logNormalTail; p in (0, 1)). */
export function normalTailInverse(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalTailInverse: p must be in (0,1), got ${p}`);
  const target = Math.log(p);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = 0.5 * (lo + hi);
    if (logNormalTail(mid) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Root of a decreasing-or-increasing function on a bracket [a, b] with f(a), f(b) of opposite sign
 * (Illinois variant of regula falsi, falling back to bisection): returns the bracket end on the side
 * chosen by `keep` so callers can guarantee a one-sided answer (e.g. ε ≤ target).
 */
export function bracketRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: { fa?: number; fb?: number; xtol: number; ftol?: number; maxIter?: number; keep: 'negative' | 'positive' },
): { x: number; fx: number } {
  let fa = opts.fa ?? f(a);
  let fb = opts.fb ?? f(b);
  if (fa === 0) return { x: a, fx: 0 };
  if (fb === 0) return { x: b, fx: 0 };
  if (Math.sign(fa) === Math.sign(fb)) throw new RangeError('bracketRoot: f(a) and f(b) have the same sign');
  let side = 0;
  const maxIter = opts.maxIter ?? 100;
  for (let i = 0; i < maxIter && Math.abs(b - a) > opts.xtol; i++) {
    let x = (a * fb - b * fa) / (fb - fa);
    // Stay strictly inside, and bisect every few steps so progress is guaranteed.
    if (!(x > Math.min(a, b) && x < Math.max(a, b)) || i % 4 === 3) x = 0.5 * (a + b);
    const fx = f(x);
    if (fx === 0) return { x, fx };
    if (opts.ftol !== undefined && Math.abs(fx) < opts.ftol && (opts.keep === 'negative' ? fx < 0 : fx > 0)) return { x, fx };
    if (Math.sign(fx) === Math.sign(fb)) {
      b = x;
      fb = fx;
      if (side === -1) fa /= 2;
      side = -1;
    } else {
      a = x;
      fa = fx;
      if (side === 1) fb /= 2;
      side = 1;
    }
  }
  // Illinois halving corrupts the stored f values; re-evaluate the kept end only if needed.
  const faTrue = f(a);
  const fbTrue = f(b);
  const wantNeg = opts.keep === 'negative';
  if (wantNeg ? faTrue <= 0 : faTrue >= 0) return { x: a, fx: faTrue };
  return { x: b, fx: fbTrue };
}
