/**
 * Calibration: the noise multiplier σ that reaches a target (ε, δ) for given q and steps, and the number of
 * steps that fits a budget. Answers are one-sided: the returned σ / steps never exceed the target ε.
 */
import { type AccountantKind, createAccountant, type PrivacySpent } from './accountant.ts';
import { bracketRoot } from './numeric.ts';
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
}

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

function spentFor(o: CalibrationQuery, sigma: number, steps: number): PrivacySpent {
  return createAccountant(o.accountant ?? 'pld', o).step(o.q, sigma, steps).spent(o.delta);
}

/**
 * σ such that `steps` steps at rate q give ε ∈ [target·(1 − tolerance), target] (default tolerance 1e-4).
 * Throws CalibrationError with what to change when the target is unreachable.
 */
export function calibrateSigma(o: CalibrationQuery & { steps: number; tolerance?: number }): SigmaResult {
  validate(o);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new CalibrationError(`calibration: steps must be a positive integer, got ${o.steps}`);
  checkFloor(o);
  const tol = o.tolerance ?? 1e-4;
  const f = (logSigma: number) => {
    const e = spentFor(o, Math.exp(logSigma), o.steps).epsilon;
    return e === Infinity ? 50 : e === 0 ? -50 : Math.log(e / o.epsilon);
  };
  // Bracket in log σ: f decreases with σ.
  let a = 0;
  let fa = f(a);
  let b = a;
  let fb = fa;
  if (fa > 0) {
    for (let i = 0; fb > 0; i++) {
      if (i >= 40) {
        throw new CalibrationError(
          `no noise multiplier up to σ=${Math.exp(b).toExponential(2)} reaches ε=${o.epsilon} at δ=${o.delta} with q=${o.q} and ${o.steps} steps: ` +
            `raise ε or δ, lower the sampling rate q, or train for fewer steps`,
        );
      }
      a = b;
      fa = fb;
      b += Math.LN2;
      fb = f(b);
    }
  } else {
    for (let i = 0; fa <= 0; i++) {
      if (i >= 40) return { sigma: Math.exp(a), steps: o.steps, ...spentFor(o, Math.exp(a), o.steps) };
      b = a;
      fb = fa;
      a -= Math.LN2;
      fa = f(a);
    }
  }
  const root = bracketRoot(f, a, b, { fa, fb, xtol: 1e-9, ftol: Math.log1p(tol), keep: 'negative', maxIter: 80 });
  const sigma = Math.exp(root.x);
  return { sigma, steps: o.steps, ...spentFor(o, sigma, o.steps) };
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
