/**
 * Accountants for DP-SGD behind one small interface (Opacus style): record steps of the subsampled
 * Gaussian with `step(q, σ)`, ask `epsilon(δ)` or the inverse `delta(ε)`.
 *
 * - `rdp`: Rényi DP (Mironov–Talwar–Zhang 2019) over Opacus' default orders, Balle et al. 2020 conversion.
 *   Matches Opacus' RdpAccountant to ~1e-12.
 * - `pld`: privacy loss distributions composed with the FFT (connect-the-dots, both adjacency directions):
 *   tighter, still an upper bound. The default.
 * Fixed-size batches (sampling without replacement, replace-one adjacency) are accounted with RDP only.
 */
import {
  autoDiscretization,
  composePlds,
  type DiscretePld,
  type Direction,
  PldWindowError,
  pldDelta,
  pldEpsilon,
  subsampledGaussianPld,
} from './pld.ts';
import { DEFAULT_ORDERS, INTEGER_ORDERS, rdpCurve, rdpToDelta, rdpToEpsilon, type Sampling } from './rdp.ts';

export type AccountantKind = 'rdp' | 'pld';

export interface StepRecord {
  q: number;
  sigma: number;
  steps: number;
}

export interface PrivacySpent {
  epsilon: number;
  delta: number;
  accountant: AccountantKind;
  /** RDP order at which the conversion is tightest (rdp only). */
  order?: number;
}

export interface Accountant {
  readonly kind: AccountantKind;
  readonly sampling: Sampling;
  /** Record `steps` (default 1) steps of the subsampled Gaussian with rate q and noise multiplier σ. */
  step(q: number, sigma: number, steps?: number): this;
  /** Total steps recorded. */
  readonly steps: number;
  /** Recorded steps, consecutive identical (q, σ) merged. */
  readonly history: readonly StepRecord[];
  epsilon(delta: number): number;
  spent(delta: number): PrivacySpent;
  /** The inverse: smallest δ at which the recorded steps are ε-DP. */
  delta(epsilon: number): number;
  clone(): Accountant;
}

export interface AccountantOptions {
  /** 'poisson' (default; rate q) or 'fixed' (batches of exactly q·n without replacement; rdp only). */
  sampling?: Sampling;
  /** RDP orders (default: Opacus' DEFAULT_ALPHAS; integers 2…256 for fixed-size batches). */
  orders?: readonly number[];
  /** PLD grid step (default: automatic, spread/30 within [1e-6, 1e-3]). */
  discretization?: number;
}

function validateStep(q: number, sigma: number, steps: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`accountant: sampling rate q must be in [0, 1], got ${q}`);
  if (!(sigma >= 0)) throw new RangeError(`accountant: noise multiplier σ must be ≥ 0, got ${sigma}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`accountant: steps must be a non-negative integer, got ${steps}`);
}

abstract class BaseAccountant implements Accountant {
  abstract readonly kind: AccountantKind;
  readonly sampling: Sampling;
  protected readonly records: StepRecord[] = [];
  private total = 0;

  constructor(sampling: Sampling) {
    this.sampling = sampling;
  }

  step(q: number, sigma: number, steps = 1): this {
    validateStep(q, sigma, steps);
    if (steps === 0) return this;
    const last = this.records[this.records.length - 1];
    if (last && last.q === q && last.sigma === sigma) last.steps += steps;
    else this.records.push({ q, sigma, steps });
    this.total += steps;
    this.onStep(q, sigma, steps);
    return this;
  }

  protected onStep(_q: number, _sigma: number, _steps: number): void {}

  get steps(): number {
    return this.total;
  }

  get history(): readonly StepRecord[] {
    return this.records;
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  abstract spent(delta: number): PrivacySpent;
  abstract delta(epsilon: number): number;
  abstract clone(): Accountant;
}

export class RdpAccountant extends BaseAccountant {
  readonly kind = 'rdp' as const;
  readonly orders: readonly number[];
  private readonly rdp: Float64Array;

  constructor(opts: AccountantOptions = {}) {
    const sampling = opts.sampling ?? 'poisson';
    super(sampling);
    this.orders = opts.orders ?? (sampling === 'fixed' ? INTEGER_ORDERS : DEFAULT_ORDERS);
    if (sampling === 'fixed' && this.orders.some((a) => !Number.isInteger(a) || a < 2)) {
      throw new RangeError('RdpAccountant: fixed-size batches need integer orders ≥ 2');
    }
    this.rdp = new Float64Array(this.orders.length);
  }

  protected override onStep(q: number, sigma: number, steps: number): void {
    const c = rdpCurve(q, sigma, steps, this.orders, this.sampling);
    for (let i = 0; i < c.length; i++) this.rdp[i] += c[i];
  }

  /** The composed RDP curve (ε(α) for each order). */
  curve(): Float64Array {
    return this.rdp.slice();
  }

  spent(delta: number): PrivacySpent {
    if (this.steps === 0) return { epsilon: 0, delta, accountant: 'rdp' };
    const r = rdpToEpsilon(this.orders, this.rdp, delta);
    return { epsilon: r.epsilon, delta, accountant: 'rdp', order: r.order };
  }

  delta(epsilon: number): number {
    if (this.steps === 0) return 0;
    return rdpToDelta(this.orders, this.rdp, epsilon).delta;
  }

  clone(): RdpAccountant {
    const c = new RdpAccountant({ sampling: this.sampling, orders: this.orders });
    for (const r of this.records) c.records.push({ ...r });
    c.rdp.set(this.rdp);
    (c as unknown as { total: number }).total = this.steps;
    return c;
  }
}

/** Largest FFT (and per-step grid) one PLD query may use; beyond it the grid is coarsened (still an upper bound). */
const MAX_FFT = 2 ** 19;

/**
 * Coarsest grid step the accountant coarsens to. At this step (or a coarser automatic one), windows are cut at
 * MAX_FFT bins and the mass above goes to +∞: composed losses beyond ~MAX_FFT·max(h, MAX_STEP) ≳ 5·10⁵ are not
 * resolved, and ε = ∞ is reported where they carry more than δ (σ ≲ 10⁻³ at typical q·T).
 */
const MAX_STEP = 1;

/** Per-step PLDs are reused across queries (an odometer or a calibration asks many times). */
const stepPldCache = new Map<string, DiscretePld>();

function stepPld(q: number, sigma: number, direction: Direction, h: number, truncate: boolean): DiscretePld {
  const key = `${q}|${sigma}|${direction}|${h}|${truncate}`;
  let p = stepPldCache.get(key);
  if (!p) {
    p = subsampledGaussianPld(q, sigma, direction, { discretization: h, maxFft: MAX_FFT, truncate });
    if (stepPldCache.size >= 64) stepPldCache.delete(stepPldCache.keys().next().value as string);
    stepPldCache.set(key, p);
  }
  return p;
}

export class PldAccountant extends BaseAccountant {
  readonly kind = 'pld' as const;
  private readonly discretization?: number;
  private cache = new Map<string, DiscretePld>();

  constructor(opts: AccountantOptions = {}) {
    const sampling = opts.sampling ?? 'poisson';
    if (sampling !== 'poisson') {
      throw new RangeError(
        "PLD accountant: fixed-size batches are accounted with RDP (Wang–Balle–Kasiviswanathan); use accountant 'rdp' or Poisson sampling",
      );
    }
    super(sampling);
    this.discretization = opts.discretization;
  }

  protected override onStep(): void {
    this.cache.clear();
  }

  /**
   * The composed PLD of one direction at grid step h. When the windows would need more than MAX_FFT bins the
   * grid is coarsened (up to MAX_STEP), then cut at the top with the mass above counted at +∞: always an
   * upper bound, never an error.
   */
  composed(direction: Direction, h?: number): DiscretePld {
    const groups = this.records.filter((r) => r.q > 0);
    const merged = new Map<string, StepRecord>();
    for (const g of groups) {
      const k = `${g.q}|${g.sigma}`;
      const m = merged.get(k);
      if (m) m.steps += g.steps;
      else merged.set(k, { ...g });
    }
    let step = h ?? this.discretization ?? autoDiscretization(groups);
    for (;;) {
      const truncate = step >= MAX_STEP;
      const key = `${direction}|${step}`;
      const hit = this.cache.get(key);
      if (hit) return hit;
      try {
        const items = [...merged.values()].map((g) => ({ pld: stepPld(g.q, g.sigma, direction, step, truncate), count: g.steps }));
        const p = composePlds(items, { maxFft: MAX_FFT, truncate });
        this.cache.set(key, p);
        return p;
      } catch (e) {
        if (!(e instanceof PldWindowError)) throw e;
        step = Math.min(MAX_STEP, step * (e.fftLength / MAX_FFT) * 1.01);
      }
    }
  }

  /** A 4× coarser grid (nested in the fine one, so its ε is an upper bound on the fine grid's ε). */
  private coarseStep(h: number): number {
    return 4 * h;
  }

  private zeroRisk(): boolean {
    return this.records.every((r) => r.q === 0);
  }

  private infinite(): boolean {
    return this.records.some((r) => r.q > 0 && r.sigma === 0);
  }

  spent(delta: number): PrivacySpent {
    if (!(delta > 0 && delta < 1)) throw new RangeError(`PLD: δ must be in (0, 1), got ${delta}`);
    if (this.zeroRisk()) return { epsilon: 0, delta, accountant: 'pld' };
    if (this.infinite()) return { epsilon: Infinity, delta, accountant: 'pld' };
    const remove = this.composed('remove');
    const eRemove = pldEpsilon(remove, delta);
    // The add direction is usually the smaller one: a cheap coarse upper bound often settles it.
    const coarse = pldEpsilon(this.composed('add', this.coarseStep(remove.h)), delta);
    const eAdd = coarse <= eRemove ? coarse : pldEpsilon(this.composed('add'), delta);
    return { epsilon: Math.max(eRemove, eAdd), delta, accountant: 'pld' };
  }

  delta(epsilon: number): number {
    if (this.zeroRisk()) return 0;
    if (this.infinite()) return 1;
    const remove = this.composed('remove');
    const dRemove = pldDelta(remove, epsilon);
    const coarse = pldDelta(this.composed('add', this.coarseStep(remove.h)), epsilon);
    const dAdd = coarse <= dRemove ? coarse : pldDelta(this.composed('add'), epsilon);
    return Math.max(dRemove, dAdd);
  }

  clone(): PldAccountant {
    const c = new PldAccountant({ sampling: this.sampling, discretization: this.discretization });
    for (const r of this.records) c.step(r.q, r.sigma, r.steps);
    return c;
  }
}

export function createAccountant(kind: AccountantKind = 'pld', opts: AccountantOptions = {}): Accountant {
  if (kind === 'rdp') return new RdpAccountant(opts);
  if (kind === 'pld') return new PldAccountant(opts);
  throw new RangeError(`unknown accountant "${kind as string}" (expected rdp or pld)`);
}

export interface DpsgdQuery extends AccountantOptions {
  q: number;
  sigma: number;
  steps: number;
  delta: number;
  accountant?: AccountantKind;
}

/** ε of `steps` identical DP-SGD steps at (q, σ), at δ. */
export function dpsgdEpsilon(o: DpsgdQuery): PrivacySpent {
  return createAccountant(o.accountant ?? 'pld', o).step(o.q, o.sigma, o.steps).spent(o.delta);
}
