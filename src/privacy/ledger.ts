/**
 * The budget ledger of one cell: every release of information about real data appends an entry
 * (what, mechanism, ε, δ). Composition is basic (sums) across entries; an entry may itself be the
 * result of a tighter accountant (e.g. RDP/PLD over all DP-SGD steps of one training run).
 * Spending that would exceed the cell's budget throws before anything is released.
 * Entries that describe their noise (`release`) can also be composed with RDP (`spentRdp`), which is
 * tighter than the basic sum when several Gaussian/Laplace/DP-SGD releases share one budget.
 */
import { composeRdp, type Release } from './compose.ts';

export type { Release };
export interface LedgerEntry {
  /** What was released, e.g. "training: discriminator DP-SGD", "category frequencies: workclass". */
  what: string;
  /** Mechanism, e.g. "laplace", "gaussian", "dpsgd", "pate", "public" (declared metadata, free). */
  mechanism: string;
  epsilon: number;
  delta: number;
  /** Accountant or composition used for this entry's ε (e.g. "rdp", "pld", "pate-moments"). */
  accountant?: string;
  /** Free-form parameters worth showing in the report (σ, q, steps, λ, teachers, ...). */
  params?: Record<string, number | string | boolean>;
  /** The noise that was added, normalised by sensitivity: lets the ledger compose entries via RDP. */
  release?: Release;
}

export interface Budget {
  epsilon: number;
  delta: number;
}

export class BudgetExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

export class Ledger {
  readonly budget: Budget;
  readonly entries: LedgerEntry[] = [];

  /** A budget of ε = Infinity means "no privacy requested": entries are still recorded. */
  constructor(budget: Budget) {
    if (!(budget.epsilon > 0)) throw new RangeError(`Ledger: budget ε must be positive, got ${budget.epsilon}`);
    if (!(budget.delta >= 0 && budget.delta < 1)) throw new RangeError(`Ledger: budget δ must be in [0,1), got ${budget.delta}`);
    this.budget = budget;
  }

  /** Basic composition of everything recorded so far. */
  spent(): Budget {
    let epsilon = 0;
    let delta = 0;
    for (const e of this.entries) {
      epsilon += e.epsilon;
      delta += e.delta;
    }
    return { epsilon, delta };
  }

  remaining(): Budget {
    const s = this.spent();
    return { epsilon: Math.max(0, this.budget.epsilon - s.epsilon), delta: Math.max(0, this.budget.delta - s.delta) };
  }

  /** Whether spending (ε, δ) more keeps the ledger within budget (with a 1e-9 relative slack for rounding). */
  canAfford(epsilon: number, delta = 0): boolean {
    const s = this.spent();
    const slack = 1e-9 * Math.max(1, this.budget.epsilon);
    return s.epsilon + epsilon <= this.budget.epsilon + slack && s.delta + delta <= this.budget.delta + 1e-15;
  }

  /** Record a release; throws BudgetExceededError (recording nothing) if it would exceed the budget. */
  spend(entry: LedgerEntry): void {
    if (!(entry.epsilon >= 0) || !(entry.delta >= 0)) {
      throw new RangeError(`Ledger: "${entry.what}" has invalid ε=${entry.epsilon}, δ=${entry.delta}`);
    }
    if (!this.canAfford(entry.epsilon, entry.delta)) {
      const s = this.spent();
      throw new BudgetExceededError(
        `Ledger: "${entry.what}" needs ε=${entry.epsilon.toPrecision(4)}, δ=${entry.delta.toExponential(2)} but ` +
          `ε=${s.epsilon.toPrecision(4)} of ${this.budget.epsilon} and δ=${s.delta.toExponential(2)} of ${this.budget.delta} are already spent`,
      );
    }
    this.entries.push({ ...entry });
  }

  /**
   * Composition with RDP where entries describe their noise: entries with a `release` are composed by RDP
   * at δ minus the δ of the other entries, which are added basically. Never worse than `spent()` when
   * `delta` ≥ spent().delta (the smaller of the two is returned).
   */
  spentRdp(delta: number = this.budget.delta): Budget & { order?: number } {
    const basic = this.spent();
    const described = this.entries.filter((e) => e.release !== undefined);
    if (described.length === 0) return basic;
    let epsOther = 0;
    let deltaOther = 0;
    for (const e of this.entries) {
      if (e.release !== undefined) continue;
      epsOther += e.epsilon;
      deltaOther += e.delta;
    }
    const deltaRdp = delta - deltaOther;
    if (!(deltaRdp > 0 && deltaRdp < 1)) return basic;
    const r = composeRdp(described.map((e) => e.release!), deltaRdp);
    const epsilon = epsOther + r.epsilon;
    if (delta >= basic.delta && basic.epsilon <= epsilon) return basic;
    return { epsilon, delta, order: r.order };
  }

  /** Record use of declared public metadata (costs nothing, shown in the report). */
  public(what: string): void {
    this.entries.push({ what, mechanism: 'public', epsilon: 0, delta: 0 });
  }

  toJSON(): { budget: Budget; spent: Budget; entries: LedgerEntry[] } {
    return { budget: this.budget, spent: this.spent(), entries: this.entries };
  }
}
