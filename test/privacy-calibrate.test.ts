import { describe, expect, it } from 'vitest';
import { dpsgdEpsilon } from '../src/privacy/accountant.ts';
import { DpsgdBudget, PrivacyOdometer } from '../src/privacy/budget.ts';
import { CalibrationError, calibrateSigma, epsilonFloor, MIN_SIGMA, maxSteps } from '../src/privacy/calibrate.ts';
import { Ledger } from '../src/privacy/ledger.ts';

describe('calibration', () => {
  for (const accountant of ['rdp', 'pld'] as const) {
    it(`σ for a target ε round-trips (${accountant})`, () => {
      for (const [q, steps, epsilon] of [
        [0.01, 1000, 1],
        [0.004, 3000, 3],
      ]) {
        const r = calibrateSigma({ q, steps, epsilon, delta: 1e-5, accountant });
        const back = dpsgdEpsilon({ q, sigma: r.sigma, steps, delta: 1e-5, accountant }).epsilon;
        expect(back).toBeLessThanOrEqual(epsilon);
        expect(back).toBeGreaterThan(epsilon * (1 - 1e-3));
        // a slightly smaller σ would overspend
        expect(dpsgdEpsilon({ q, sigma: r.sigma * 0.99, steps, delta: 1e-5, accountant }).epsilon).toBeGreaterThan(epsilon);
      }
    });

    it(`steps that fit: ε(T*) ≤ target < ε(T* + 1) (${accountant})`, () => {
      const r = maxSteps({ q: 0.01, sigma: 1.1, epsilon: 1.5, delta: 1e-5, accountant });
      expect(r.steps).toBeGreaterThan(0);
      expect(dpsgdEpsilon({ q: 0.01, sigma: 1.1, steps: r.steps, delta: 1e-5, accountant }).epsilon).toBeLessThanOrEqual(1.5);
      expect(dpsgdEpsilon({ q: 0.01, sigma: 1.1, steps: r.steps + 1, delta: 1e-5, accountant }).epsilon).toBeGreaterThan(1.5);
    });
  }

  it('PLD allows more steps than RDP for the same budget', () => {
    const a = maxSteps({ q: 0.01, sigma: 1.1, epsilon: 1.5, delta: 1e-5, accountant: 'rdp' }).steps;
    const b = maxSteps({ q: 0.01, sigma: 1.1, epsilon: 1.5, delta: 1e-5, accountant: 'pld' }).steps;
    expect(b).toBeGreaterThan(a);
  });

  it('below the RDP floor it fails and says what to change', () => {
    expect(epsilonFloor(1e-5, 'rdp')).toBeCloseTo(0.10287, 5);
    let err: unknown;
    try {
      calibrateSigma({ q: 0.01, steps: 100, epsilon: 0.1, delta: 1e-5, accountant: 'rdp' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalibrationError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/0\.10287/);
    expect(msg).toMatch(/raise ε or δ/);
    expect(msg).toMatch(/pld/);
    // PLD has no such floor
    const r = calibrateSigma({ q: 0.01, steps: 100, epsilon: 0.1, delta: 1e-5, accountant: 'pld' });
    expect(r.epsilon).toBeLessThanOrEqual(0.1);
  });

  it('large targets (PLD): ε = 1000 round-trips to a finite ε ≤ 1000 at a sane σ, not σ → 0', () => {
    const q = 0.0079;
    const steps = 3810;
    const r = calibrateSigma({ q, steps, epsilon: 1000, delta: 1e-5, accountant: 'pld' });
    const back = dpsgdEpsilon({ q, sigma: r.sigma, steps, delta: 1e-5 }).epsilon;
    expect(Number.isFinite(back)).toBe(true);
    expect(back).toBeLessThanOrEqual(1000);
    expect(back).toBeGreaterThan(999);
    expect(r.epsilon).toBe(back);
    // ~ (number of times sampled at δ) × (loss of one sampled step ≈ 1/2σ² + log q): σ ≈ 0.15
    expect(r.sigma).toBeGreaterThan(0.1);
    expect(r.sigma).toBeLessThan(0.2);
    expect(r.atFloor).toBeUndefined();
    expect(dpsgdEpsilon({ q, sigma: r.sigma * 0.99, steps, delta: 1e-5 }).epsilon).toBeGreaterThan(1000);
    // the noise multiplier that used to come back (≈1e-12) spends ε = ∞, not 0
    expect(dpsgdEpsilon({ q, sigma: 1e-12, steps, delta: 1e-5 }).epsilon).toBe(Infinity);
  });

  it('a target that even σ = MIN_SIGMA meets returns that σ, flagged, with its finite ε', () => {
    // one plain Gaussian step at σ = 1e-3 has ε ≈ 1/(2σ²) + 4.3/σ ≈ 5.04e5 at δ = 1e-5
    const r = calibrateSigma({ q: 1, steps: 1, epsilon: 1e6, delta: 1e-5, accountant: 'pld' });
    expect(r.sigma).toBe(MIN_SIGMA);
    expect(r.atFloor).toBe(true);
    expect(Number.isFinite(r.epsilon)).toBe(true);
    expect(r.epsilon).toBeLessThanOrEqual(1e6);
    expect(r.epsilon).toBeGreaterThan(5e5);
    const rdp = calibrateSigma({ q: 0.01, steps: 100, epsilon: 1e9, delta: 1e-5, accountant: 'rdp' });
    expect(rdp.sigma).toBe(MIN_SIGMA);
    expect(rdp.epsilon).toBeLessThanOrEqual(1e9);
  });

  it('steps that fit at a small σ (PLD): finite ε, and one more step overspends', () => {
    const o = { q: 0.0079, sigma: 0.12, epsilon: 1000, delta: 1e-5, accountant: 'pld' as const };
    const r = maxSteps(o);
    expect(r.steps).toBeGreaterThan(100);
    expect(Number.isFinite(r.epsilon)).toBe(true);
    expect(r.epsilon).toBeLessThanOrEqual(1000);
    expect(dpsgdEpsilon({ ...o, steps: r.steps + 1 }).epsilon).toBeGreaterThan(1000);
    // with no noise to speak of, not a single step fits a finite budget
    expect(maxSteps({ ...o, sigma: 1e-6 }).steps).toBe(0);
  });

  it('rejects nonsense with clear messages', () => {
    expect(() => calibrateSigma({ q: 0, steps: 10, epsilon: 1, delta: 1e-5 })).toThrow(/q must be in/);
    expect(() => calibrateSigma({ q: 0.1, steps: 0, epsilon: 1, delta: 1e-5 })).toThrow(/steps/);
    expect(() => calibrateSigma({ q: 0.1, steps: 10, epsilon: -1, delta: 1e-5 })).toThrow(/ε must be positive/);
    expect(() => calibrateSigma({ q: 0.1, steps: 10, epsilon: 1, delta: 2 })).toThrow(/δ must be in/);
  });
});

describe('budget odometer', () => {
  it('DpsgdBudget stops exactly before the step that would exceed ε and writes the ledger entry', () => {
    const ledger = new Ledger({ epsilon: 2, delta: 1e-5 });
    ledger.spend({ what: 'column bounds', mechanism: 'laplace', epsilon: 0.5, delta: 0 });
    const budget = DpsgdBudget.fromLedger(ledger, { q: 0.02, sigma: 1.2, accountant: 'rdp' });
    expect(budget.target).toBeCloseTo(1.5, 12);
    let steps = 0;
    while (budget.canStep()) {
      budget.step();
      steps++;
    }
    expect(() => budget.step()).toThrow(CalibrationError);
    const spent = budget.spent();
    expect(spent.epsilon).toBeLessThanOrEqual(1.5);
    expect(dpsgdEpsilon({ q: 0.02, sigma: 1.2, steps: steps + 1, delta: 1e-5, accountant: 'rdp' }).epsilon).toBeGreaterThan(1.5);
    ledger.spend(budget.entry('discriminator DP-SGD', { C: 1 }));
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(2 + 1e-9);
    const e = ledger.entries[1];
    expect(e.mechanism).toBe('dpsgd');
    expect(e.params).toMatchObject({ q: 0.02, sigma: 1.2, steps, C: 1 });
    expect(e.release).toMatchObject({ type: 'subsampled-gaussian', steps });
  });

  it('planned steps cap the budget; ε = ∞ means no limit but the plan', () => {
    expect(new DpsgdBudget({ q: 0.01, sigma: 5, epsilon: 10, delta: 1e-5, plannedSteps: 7 }).limit).toBe(7);
    expect(new DpsgdBudget({ q: 0.01, sigma: 1, epsilon: Infinity, delta: 1e-5, plannedSteps: 12 }).limit).toBe(12);
  });

  it('PrivacyOdometer follows a changing schedule', () => {
    const o = new PrivacyOdometer({ epsilon: 1, delta: 1e-5, accountant: 'rdp' });
    let n = 0;
    while (o.fits(0.01, n < 50 ? 2 : 1)) {
      o.step(0.01, n < 50 ? 2 : 1);
      n++;
    }
    expect(o.spent().epsilon).toBeLessThanOrEqual(1);
    expect(o.accountant.clone().step(0.01, n < 50 ? 2 : 1).epsilon(1e-5)).toBeGreaterThan(1);
    expect(() => o.step(0.01, 1)).toThrow(CalibrationError);
  });
});
