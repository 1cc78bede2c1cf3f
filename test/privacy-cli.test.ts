import { describe, expect, it } from 'vitest';
import { formatPrivacyResult, parseGaps, parseVotes, privacyCommand, privacyEpsilon, privacyGnmax, privacyPate, privacySigma, privacySteps } from '../src/cli/privacy.ts';
import { gnmaxBinaryEpsilon } from '../src/privacy/pate.ts';
import { dpsgdEpsilon } from '../src/privacy/accountant.ts';

describe('bench privacy', () => {
  it('epsilon: Opacus RDP value and the PLD value; --json has the documented keys', () => {
    const r = privacyEpsilon({ q: 0.01, sigma: 1, steps: 1000, delta: 1e-5, accountant: 'rdp' });
    expect(r.epsilon).toBeCloseTo(2.10137, 5);
    expect(r.order).toBe(7.8);
    const j = JSON.parse(formatPrivacyResult(r, true));
    for (const k of ['epsilon', 'sigma', 'accountant', 'order']) expect(j).toHaveProperty(k);
    expect(j.accountant).toBe('rdp');
    const p = privacyEpsilon({ q: 0.05, sigma: 1, steps: 100, delta: 1e-5 });
    expect(p.accountant).toBe('pld');
    expect(Math.abs(p.epsilon - 3.502)).toBeLessThan(0.01);
    expect(formatPrivacyResult(p, false)).toMatch(/ε = 3\.50.* at δ = 0\.00001.*accountant pld/);
  });

  it('sigma and steps round-trip through the accountant', () => {
    const s = privacySigma({ q: 0.01, steps: 500, epsilon: 2, delta: 1e-5, accountant: 'rdp' });
    expect(dpsgdEpsilon({ q: 0.01, sigma: s.sigma!, steps: 500, delta: 1e-5, accountant: 'rdp' }).epsilon).toBeLessThanOrEqual(2);
    const t = privacySteps({ q: 0.01, sigma: s.sigma!, epsilon: 2, delta: 1e-5, accountant: 'rdp' });
    expect(t.steps).toBeGreaterThanOrEqual(500);
  });

  it('errors are user errors with the reason, not stack traces', () => {
    let e: Error | undefined;
    try {
      privacySigma({ q: 0.01, steps: 100, epsilon: 0.05, delta: 1e-5, accountant: 'rdp' });
    } catch (x) {
      e = x as Error;
    }
    expect(e?.name).toBe('UserError');
    expect(e?.message).toMatch(/^bench privacy: target ε=0\.05 is below/);
    expect(() => privacyEpsilon({ q: 0.01, sigma: 1, steps: 1.5, delta: 1e-5 })).toThrow(/--steps must be a positive integer/);
    expect(() => privacyEpsilon({ q: 0.01, sigma: 1, steps: 10, delta: 1e-5, accountant: 'pld', sampling: 'fixed' })).toThrow(/rdp/);
  });

  it('pate: from gaps or vote files; reports the data-independent ε next to it', () => {
    expect(parseGaps('10, 8,0')).toEqual([10, 8, 0]);
    expect(() => parseGaps('1,x')).toThrow(/item 2/);
    expect(parseVotes('[[3,7],[10,0],4]')).toEqual([4, 10, 4]);
    expect(parseVotes('{"votes": [1, 2]}')).toEqual([1, 2]);
    expect(() => parseVotes('[[1]]', 'v.json')).toThrow(/v\.json: query 0/);
    expect(() => parseVotes('{', 'v.json')).toThrow(/not valid JSON/);
    const r = privacyPate({ lambda: 0.1, gaps: new Array(50).fill(10), delta: 1e-5 });
    expect(r.queries).toBe(50);
    expect(r.epsilon).toBeLessThanOrEqual(r.dataIndependentEpsilon!);
    expect(JSON.parse(formatPrivacyResult(r, true)).accountant).toBe('pate-moments');
  });

  it('gnmax: σ for a target ε round-trips; ε of a given σ is the exact composition; one of --sigma/--epsilon', () => {
    const s = privacyGnmax({ queries: 102400, epsilon: 1, delta: 1e-5 });
    expect(s.epsilon).toBeLessThanOrEqual(1);
    expect(s.epsilon).toBeGreaterThan(0.999999);
    const e = privacyGnmax({ queries: 102400, sigma: s.sigma!, delta: 1e-5 });
    expect(e.epsilon).toBe(gnmaxBinaryEpsilon(102400, s.sigma!, 1e-5));
    expect(formatPrivacyResult(e, false)).toMatch(/ε = 1\.00000 at δ = 0\.00001, σ = .*queries = 102400, accountant gnmax/);
    expect(() => privacyGnmax({ queries: 10, delta: 1e-5 })).toThrow(/exactly one of --sigma or --epsilon/);
    expect(() => privacyGnmax({ queries: 1.5, sigma: 3, delta: 1e-5 })).toThrow(/--queries must be a positive integer/);
  });

  it('is a yargs command module for `bench privacy <command>`', () => {
    expect(privacyCommand.command).toBe('privacy <command>');
    expect(typeof privacyCommand.builder).toBe('function');
  });
});
