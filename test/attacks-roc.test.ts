import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { empiricalEpsilon, rocCounts, rocCurve, summarizeRoc } from '../src/eval/attacks/roc.ts';

/** Mann–Whitney AUC by brute force: P(member > non-member) + ½ P(tie). */
function bruteAuc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

describe('ROC summary', () => {
  it('AUC equals the Mann–Whitney statistic, ties counted ½', () => {
    const rng = new Rng(3);
    const pos = Array.from({ length: 300 }, () => Math.round(rng.normal() * 3 + 1)); // many ties
    const neg = Array.from({ length: 250 }, () => Math.round(rng.normal() * 3));
    expect(summarizeRoc(pos, neg).auc).toBeCloseTo(bruteAuc(pos, neg), 12);
  });

  it('reads TPR at FPR and the advantage off the step curve', () => {
    // 100 non-members at 0..99, members: 20 above every non-member, 80 at the bottom.
    const neg = Array.from({ length: 100 }, (_, i) => i);
    const pos = [...Array.from({ length: 20 }, (_, i) => 1000 + i), ...Array.from({ length: 80 }, () => -1)];
    const s = summarizeRoc(pos, neg);
    expect(s.tprAt1).toBeCloseTo(0.2, 12);
    expect(s.tprAt10).toBeCloseTo(0.2, 12);
    expect(s.advantage).toBeCloseTo(0.2, 12);
    expect(s.auc).toBeCloseTo(0.2, 12);
    const curve = rocCurve(pos, neg);
    expect(curve[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(curve[curve.length - 1]).toEqual({ fpr: 1, tpr: 1 });
  });

  it('ties between members and non-members move together', () => {
    const { fp, tp } = rocCounts([1, 1, 0], [1, 0, 0]);
    expect(Array.from(fp)).toEqual([0, 1, 3]);
    expect(Array.from(tp)).toEqual([0, 2, 3]);
  });

  it('rejects NaN scores and empty sides with clear messages', () => {
    expect(() => summarizeRoc([NaN, 1], [0])).toThrow(/NaN/);
    expect(() => summarizeRoc([], [0])).toThrow(/members/);
  });
});

describe('empirical ε (Clopper–Pearson)', () => {
  it('perfect separation of n a side gives log(ℓ/(1−ℓ)) with ℓ = 0.025^(1/n)', () => {
    const pos = Array.from({ length: 1000 }, (_, i) => 10 + i);
    const neg = Array.from({ length: 1000 }, (_, i) => -i);
    const s = summarizeRoc(pos, neg);
    expect(s.epsilonLowerMax).toBeCloseTo(5.600587531298932, 9); // all 1000 a side (scipy)
    const l = 0.025 ** (1 / 500); // held out: threshold from the even half, bound on the 500 odd ones
    expect(s.epsilonLower).toBeCloseTo(Math.log(l / (1 - l)), 9);
    expect(s.epsilonAt).toMatchObject({ tp: 500, fp: 0, members: 500, nonMembers: 500, threshold: 10 });
  });

  it('the held-out bound does not profit from picking the luckiest of many thresholds', () => {
    // Continuous scores with likelihood ratio exactly e^0.5 at every upper-tail threshold (Laplace shift).
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(`lap/${seed}`);
      const pos = Array.from({ length: 1500 }, () => 1 + rng.laplace(2));
      const neg = Array.from({ length: 1500 }, () => rng.laplace(2));
      const s = summarizeRoc(pos, neg);
      expect(s.epsilonLower).toBeLessThanOrEqual(0.5);
    }
  });

  it('matches the scipy value at a single threshold, on both sides', () => {
    // TP = 900/1000, FP = 100/1000: log(TPR_lo/FPR_hi) = log((1−FPR_hi)/(1−TPR_lo)) = 1.98971 (scipy beta.ppf).
    const r = empiricalEpsilon([0, 100, 1000], [0, 900, 1000], 1000, 1000);
    expect(r.epsilon).toBeCloseTo(1.9897063137037165, 9);
  });

  it('is 0 for an uninformative attack and grows with the signal', () => {
    const rng = new Rng(11);
    const noise = (shift: number) => Array.from({ length: 2000 }, () => rng.normal() + shift);
    expect(summarizeRoc(noise(0), noise(0)).epsilonLower).toBeLessThan(0.15);
    const weak = summarizeRoc(noise(0.5), noise(0)).epsilonLower;
    const strong = summarizeRoc(noise(2), noise(0)).epsilonLower;
    expect(weak).toBeGreaterThan(0.2);
    expect(strong).toBeGreaterThan(weak + 0.5);
  });

  it('equals the brute-force max over every threshold and side', async () => {
    const { clopperPearsonLower, clopperPearsonUpper } = await import('../src/eval/attacks/beta.ts');
    const rng = new Rng(5);
    const pos = Array.from({ length: 150 }, () => Math.round(rng.normal() * 4 + 3));
    const neg = Array.from({ length: 120 }, () => Math.round(rng.normal() * 4));
    const { fp, tp } = rocCounts(pos, neg);
    let best = 0;
    for (let i = 0; i < fp.length; i++) {
      const tl = clopperPearsonLower(tp[i], 150);
      const fh = clopperPearsonUpper(fp[i], 120);
      if (tl > 0 && fh > 0) best = Math.max(best, Math.log(tl / fh));
      if (1 - fh > 0 && 1 - tl > 0) best = Math.max(best, Math.log((1 - fh) / (1 - tl)));
    }
    expect(summarizeRoc(pos, neg).epsilonLowerMax).toBeCloseTo(best, 12);
  });

  it('subtracts δ from the true-positive side', () => {
    const pos = Array.from({ length: 500 }, (_, i) => 10 + i);
    const neg = Array.from({ length: 500 }, (_, i) => -i);
    expect(summarizeRoc(pos, neg, { delta: 0.1 }).epsilonLower).toBeLessThan(summarizeRoc(pos, neg).epsilonLower);
  });
});
