/**
 * Calibration: the noise multiplier σ that reaches a target (ε, δ) for given q and steps, and the number of
 * steps that fits a budget. Answers are one-sided: the returned σ / steps never exceed the target ε.
 */
import { type AccountantKind, createAccountant, type PrivacySpent } from './accountant.ts';
import { bracketRoot } from './numeric.ts';
import { autoDiscretization } from './pld.ts';
import { DEFAULT_ORDERS, INTEGER_ORDERS, rdpCurve, rdpEpsilonFloor, type Sampling } from './rdp.ts';

export class CalibrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationError';
  }
}

export interface CalibrationQuery {
  q: number;
  epsilon: number;
  delta: number;
  accountant?: AccountantKind;
  sampling?: Sampling;
  orders?: readonly number[];
  discretization?: number;
}

export interface SigmaResult extends PrivacySpent {
  sigma: number;
  steps: number;
  /**
   * The target ε is so large that the smallest noise multiplier calibration returns (`minSigma`) already meets
   * it: σ = minSigma and ε (≤ target) is what that σ spends.
   */
  atFloor?: boolean;
}

/**
 * Smallest σ calibration returns. Below it the noise no longer protects anything (ε in the thousands at any
 * useful q·T, and PLD resolves losses only up to ~5·10⁵): a large target ε gets this σ and its smaller ε.
 */
export const MIN_SIGMA = 1e-3;

function validate(o: CalibrationQuery): void {
  if (!(o.q > 0 && o.q <= 1)) throw new CalibrationError(`calibration: sampling rate q must be in (0, 1], got ${o.q}`);
  if (!(o.epsilon > 0)) throw new CalibrationError(`calibration: target ε must be positive, got ${o.epsilon}`);
  if (!(o.delta > 0 && o.delta < 1)) throw new CalibrationError(`calibration: δ must be in (0, 1), got ${o.delta}`);
}

function ordersFor(o: CalibrationQuery): readonly number[] {
  return o.orders ?? (o.sampling === 'fixed' ? INTEGER_ORDERS : DEFAULT_ORDERS);
}

/** The smallest ε an accountant can certify at δ however much noise is added (0 for PLD). */
export function epsilonFloor(delta: number, accountant: AccountantKind = 'pld', orders: readonly number[] = DEFAULT_ORDERS): number {
  return accountant === 'rdp' ? rdpEpsilonFloor(delta, orders).epsilon : 0;
}

function checkFloor(o: CalibrationQuery): void {
  if ((o.accountant ?? 'pld') !== 'rdp') return;
  const orders = ordersFor(o);
  const floor = rdpEpsilonFloor(o.delta, orders).epsilon;
  if (o.epsilon <= floor * (1 + 1e-9)) {
    const maxOrder = Math.max(...orders);
    throw new CalibrationError(
      `target ε=${o.epsilon} is below the smallest ε the RDP accountant can certify at δ=${o.delta} with orders ≤ ${maxOrder} ` +
        `(${floor.toFixed(5)}, reached only as σ → ∞): raise ε or δ, add larger RDP orders, or use accountant 'pld'`,
    );
  }
}

function spentFor(o: CalibrationQuery, sigma: number, steps: number, discretization?: number): PrivacySpent {
  return createAccountant(o.accountant ?? 'pld', { ...o, discretization: discretization ?? o.discretization }).step(o.q, sigma, steps).spent(o.delta);
}

/** log(ε/target), ±50 for ε = ∞ / 0: decreasing in log σ, ≤ 0 within budget. */
function logRatio(epsilon: number, target: number): number {
  return epsilon === Infinity ? 50 : epsilon === 0 ? -50 : Math.log(epsilon / target);
}

type Root = { x: number; fx: number } | { floor: true };

/**
 * Root of a decreasing f(log σ) kept on the f ≤ 0 side: bracket by factors of 2 from x0, then Illinois.
 * Returns { floor } when f(log minSigma) ≤ 0 already.
 */
function solveLogSigma(f: (x: number) => number, x0: number, xMin: number, ftol: number, fail: (sigma: number) => CalibrationError): Root {
  let a = Math.max(x0, xMin);
  let fa = f(a);
  let b = a;
  let fb = fa;
  if (fa > 0) {
    for (let i = 0; fb > 0; i++) {
      if (i >= 40) throw fail(Math.exp(b));
      a = b;
      fa = fb;
      b += Math.LN2;
      fb = f(b);
    }
  } else {
    while (fa <= 0) {
      if (a <= xMin) return { floor: true };
      b = a;
      fb = fa;
      a = Math.max(xMin, a - Math.LN2);
      fa = f(a);
    }
  }
  return bracketRoot(f, a, b, { fa, fb, xtol: 1e-9, ftol, keep: 'negative', maxIter: 80 });
}

/**
 * σ such that `steps` steps at rate q give ε ∈ [target·(1 − tolerance), target] (default tolerance 1e-4), never
 * below `minSigma` (default MIN_SIGMA; a target that σ = minSigma already meets returns it with `atFloor`).
 * The ε returned is always finite and ≤ target. Throws CalibrationError with what to change when the target
 * is unreachable.
 */
export function calibrateSigma(o: CalibrationQuery & { steps: number; tolerance?: number; minSigma?: number }): SigmaResult {
  validate(o);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new CalibrationError(`calibration: steps must be a positive integer, got ${o.steps}`);
  const minSigma = o.minSigma ?? MIN_SIGMA;
  if (!(minSigma > 0)) throw new CalibrationError(`calibration: minSigma must be positive, got ${minSigma}`);
  checkFloor(o);
  const tol = o.tolerance ?? 1e-4;
  const ftol = Math.log1p(tol);
  const xMin = Math.log(minSigma);
  const fail = (sigma: number) =>
    new CalibrationError(
      `no noise multiplier up to σ=${sigma.toExponential(2)} reaches ε=${o.epsilon} at δ=${o.delta} with q=${o.q} and ${o.steps} steps: ` +
        `raise ε or δ, lower the sampling rate q, or train for fewer steps`,
    );
  // every σ tried is remembered: the root finder re-checks its bracket ends, and the result is one of them
  const seen = new Map<number, PrivacySpent>();
  const spentAt = (sigma: number) => {
    let r = seen.get(sigma);
    if (!r) {
      r = spentFor(o, sigma, o.steps);
      seen.set(sigma, r);
    }
    return r;
  };
  const fine = (x: number) => logRatio(spentAt(Math.exp(x)).epsilon, o.epsilon);
  let root: Root;
  if ((o.accountant ?? 'pld') === 'pld') root = pldRoot(o, fine, xMin, ftol, fail);
  else root = solveLogSigma(fine, 0, xMin, ftol, fail);
  const sigma = 'floor' in root ? minSigma : Math.exp(root.x);
  const spent = spentAt(sigma);
  if (!(Number.isFinite(spent.epsilon) && spent.epsilon <= o.epsilon)) {
    // cannot happen for a monotone accountant; never hand out a σ whose ε is unknown or over budget
    throw new CalibrationError(`calibration: σ=${sigma} gives ε=${spent.epsilon} for target ε=${o.epsilon} at δ=${o.delta} (q=${o.q}, ${o.steps} steps)`);
  }
  return { sigma, steps: o.steps, ...spent, ...('floor' in root ? { atFloor: true } : {}) };
}

/**
 * PLD calibration, coarse to fine: the root on a grid 8× coarser (cheap; its ε is an upper bound on the fine
 * grid's, so that σ is on the safe side), then a few secant steps on the fine grid from there.
 */
function pldRoot(
  o: CalibrationQuery & { steps: number },
  fine: (x: number) => number,
  xMin: number,
  ftol: number,
  fail: (sigma: number) => CalibrationError,
): Root {
  const coarse = (x: number) => {
    const sigma = Math.exp(x);
    const h = 8 * (o.discretization ?? autoDiscretization([{ q: o.q, sigma }]));
    return logRatio(spentFor(o, sigma, o.steps, h).epsilon, o.epsilon);
  };
  const rc = solveLogSigma(coarse, 0, xMin, Math.log1p(1e-3), fail);
  if ('floor' in rc) {
    if (fine(xMin) <= 0) return rc;
    return solveLogSigma(fine, xMin, xMin, ftol, fail);
  }
  let b = rc.x;
  let fb = fine(b);
  if (fb > 0) return solveLogSigma(fine, b, xMin, ftol, fail);
  if (fb > -ftol) return { x: b, fx: fb };
  // slope of f in log σ from the coarse curve (the fine curve runs parallel to it, a little lower)
  const d = 0.01;
  let slope = (coarse(b - d) - rc.fx) / d;
  for (let i = 0; i < 6; i++) {
    if (!(slope > 0)) break;
    // aim at the middle of the accepted band [−ftol, 0]
    const x = Math.max(xMin, b + (fb + ftol / 2) / slope);
    const fx = fine(x);
    if (fx <= 0 && (fx > -ftol || x <= xMin)) return x <= xMin && fx <= -ftol ? { floor: true } : { x, fx };
    if (fx > 0) return bracketRoot(fine, x, b, { fa: fx, fb, xtol: 1e-9, ftol, keep: 'negative', maxIter: 80 });
    slope = (fx - fb) / (b - x);
    b = x;
    fb = fx;
  }
  return solveLogSigma(fine, b, xMin, ftol, fail);
}

export interface StepsResult extends PrivacySpent {
  /** Largest number of steps whose ε stays ≤ target (0 when even one step exceeds it). */
  steps: number;
  sigma: number;
}

/** The largest number of steps at (q, σ) whose ε(δ) stays within the target (capped at `cap`, default 1e9). */
export function maxSteps(o: CalibrationQuery & { sigma: number; cap?: number }): StepsResult {
  validate(o);
  if (!(o.sigma > 0)) throw new CalibrationError(`calibration: noise multiplier σ must be positive, got ${o.sigma}`);
  const cap = o.cap ?? 1e9;
  const kind = o.accountant ?? 'pld';
  const orders = ordersFor(o);
  // RDP is linear in steps: T* = max_α ⌊(ε − c_α)/r_α⌋ — exact for rdp, a starting point for pld.
  const r1 = rdpCurve(o.q, o.sigma, 1, orders, o.sampling ?? 'poisson');
  let tRdp = 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const c = Math.log((a - 1) / a) - (Math.log(o.delta) + Math.log(a)) / (a - 1);
    if (!(r1[i] > 0)) continue;
    tRdp = Math.max(tRdp, Math.floor((o.epsilon - c) / r1[i]));
  }
  tRdp = Math.min(cap, Math.max(0, tRdp));
  const eps = (t: number) => (t === 0 ? 0 : spentFor(o, o.sigma, t).epsilon);
  let lo: number;
  let hi: number;
  if (kind === 'rdp') {
    lo = tRdp;
    while (lo > 0 && eps(lo) > o.epsilon) lo--;
    while (lo < cap && eps(lo + 1) <= o.epsilon) lo++;
  } else {
    // PLD is (almost always) tighter: search upward from the RDP answer.
    lo = Math.max(0, tRdp);
    if (lo > 0 && eps(lo) > o.epsilon) {
      hi = lo;
      lo = 0;
    } else {
      hi = Math.max(1, lo * 2);
      while (hi < cap && eps(hi) <= o.epsilon) {
        lo = hi;
        hi = Math.min(cap, hi * 2);
      }
      if (hi >= cap && eps(cap) <= o.epsilon) lo = cap;
    }
    if (lo < cap) {
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (eps(mid) <= o.epsilon) lo = mid;
        else hi = mid;
      }
    }
  }
  const spent = lo === 0 ? { epsilon: 0, delta: o.delta, accountant: kind } : spentFor(o, o.sigma, lo);
  return { steps: lo, sigma: o.sigma, ...spent };
}
