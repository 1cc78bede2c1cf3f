/**
 * Stopping rules for private training: say whether one more step fits the budget, count steps, and write
 * the ledger entry at the end. Training stops *before* the step that would exceed the target (the opposite
 * of "check at the start of each epoch and break after crossing", smartnoise dpgan.py, defaults.md §2.3).
 */
import { type Accountant, type AccountantKind, createAccountant, type PrivacySpent } from './accountant.ts';
import { CalibrationError, maxSteps } from './calibrate.ts';
import type { Ledger, LedgerEntry } from './ledger.ts';
import type { Sampling } from './rdp.ts';

export interface DpsgdBudgetOptions {
  /** Sampling rate q (expected batch size / n). */
  q: number;
  /** Noise multiplier σ. */
  sigma: number;
  /** Target ε for this training run (e.g. ledger.remaining().epsilon). */
  epsilon: number;
  delta: number;
  accountant?: AccountantKind;
  sampling?: Sampling;
  /** Planned steps (epochs × steps per epoch); the budget never allows more. */
  plannedSteps?: number;
}

/**
 * Odometer for DP-SGD at fixed (q, σ): `limit` is the largest number of steps whose ε ≤ target, computed
 * once (a PLD query per step would be wasteful), so `canStep()` is a comparison.
 *
 *   const budget = DpsgdBudget.fromLedger(ledger, { q, sigma, accountant: 'pld' });
 *   while (budget.canStep()) { ...one DP-SGD step...; budget.step(); }
 *   ledger.spend(budget.entry('discriminator DP-SGD', { C }));
 */
export class DpsgdBudget {
  readonly q: number;
  readonly sigma: number;
  readonly target: number;
  readonly delta: number;
  readonly accountant: AccountantKind;
  readonly sampling: Sampling;
  /** Largest number of steps within the target (and the planned steps). */
  readonly limit: number;
  private taken = 0;

  constructor(o: DpsgdBudgetOptions) {
    this.q = o.q;
    this.sigma = o.sigma;
    this.target = o.epsilon;
    this.delta = o.delta;
    this.accountant = o.accountant ?? 'pld';
    this.sampling = o.sampling ?? 'poisson';
    const cap = o.plannedSteps ?? 1e9;
    if (!(cap >= 0)) throw new RangeError(`DpsgdBudget: plannedSteps must be ≥ 0, got ${cap}`);
    if (o.epsilon === Infinity) {
      this.limit = cap;
    } else if (o.sigma === 0) {
      this.limit = 0;
    } else {
      this.limit = maxSteps({ q: o.q, sigma: o.sigma, epsilon: o.epsilon, delta: o.delta, accountant: this.accountant, sampling: this.sampling, cap }).steps;
    }
  }

  /** The budget left in a ledger (ε and δ remaining) as this run's target. */
  static fromLedger(ledger: Ledger, o: Omit<DpsgdBudgetOptions, 'epsilon' | 'delta'> & { delta?: number }): DpsgdBudget {
    const rem = ledger.remaining();
    const delta = o.delta ?? rem.delta;
    if (!(delta > 0)) throw new CalibrationError('DpsgdBudget: no δ left in the ledger for DP-SGD (its entries already spent the budget δ)');
    if (!(rem.epsilon > 0)) throw new CalibrationError('DpsgdBudget: no ε left in the ledger for DP-SGD');
    return new DpsgdBudget({ ...o, epsilon: rem.epsilon, delta });
  }

  get steps(): number {
    return this.taken;
  }

  /** Whether one more step keeps ε within the target. */
  canStep(): boolean {
    return this.taken < this.limit;
  }

  /** Count one step (throws if it would exceed the budget: call canStep() first). */
  step(): void {
    if (!this.canStep()) {
      throw new CalibrationError(`DpsgdBudget: step ${this.taken + 1} would exceed ε=${this.target} at δ=${this.delta} (limit ${this.limit} steps)`);
    }
    this.taken++;
  }

  /** ε spent by the steps taken so far. */
  spent(): PrivacySpent {
    if (this.taken === 0) return { epsilon: 0, delta: this.delta, accountant: this.accountant };
    return createAccountant(this.accountant, { sampling: this.sampling }).step(this.q, this.sigma, this.taken).spent(this.delta);
  }

  /** The ledger entry for this run (mechanism "dpsgd"; its release description lets the ledger compose via RDP). */
  entry(what: string, params: Record<string, number | string | boolean> = {}): LedgerEntry {
    const s = this.spent();
    return {
      what,
      mechanism: 'dpsgd',
      epsilon: s.epsilon,
      delta: this.taken === 0 ? 0 : this.delta,
      accountant: s.accountant,
      params: { q: this.q, sigma: this.sigma, steps: this.taken, sampling: this.sampling, ...(s.order ? { order: s.order } : {}), ...params },
      release: { type: 'subsampled-gaussian', q: this.q, noiseMultiplier: this.sigma, steps: this.taken, sampling: this.sampling },
    };
  }

  /** The DP-SGD fields of a generator's fit report, from this run's ledger entry. */
  reportFields(entry: LedgerEntry, o: { clipNorm: number; clippedFraction: number }) {
    return {
      epsilon: entry.epsilon,
      delta: entry.delta,
      accountant: entry.accountant,
      sigma: this.sigma,
      clipNorm: o.clipNorm,
      samplingRate: this.q,
      stepLimit: this.limit,
      clippedFraction: o.clippedFraction,
    };
  }
}

/**
 * Odometer for changing (q, σ): asks the accountant after each hypothetical step. Exact for any schedule,
 * but one accountant query per check (use DpsgdBudget when q and σ are fixed).
 */
export class PrivacyOdometer {
  readonly accountant: Accountant;
  readonly target: number;
  readonly delta: number;

  constructor(o: { epsilon: number; delta: number; accountant?: AccountantKind | Accountant; sampling?: Sampling }) {
    this.accountant = typeof o.accountant === 'object' ? o.accountant : createAccountant(o.accountant ?? 'pld', { sampling: o.sampling });
    this.target = o.epsilon;
    this.delta = o.delta;
  }

  /** Whether `steps` more steps at (q, σ) keep ε within the target. */
  fits(q: number, sigma: number, steps = 1): boolean {
    return this.accountant.clone().step(q, sigma, steps).epsilon(this.delta) <= this.target;
  }

  /** Record steps (throws when they would exceed the target). */
  step(q: number, sigma: number, steps = 1): void {
    if (!this.fits(q, sigma, steps)) throw new CalibrationError(`PrivacyOdometer: ${steps} more step(s) at q=${q}, σ=${sigma} would exceed ε=${this.target}`);
    this.accountant.step(q, sigma, steps);
  }

  spent(): PrivacySpent {
    return this.accountant.spent(this.delta);
  }
}
