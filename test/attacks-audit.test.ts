import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { Table, categoricalFromStrings, numericColumn } from '../src/data/table.ts';
import { auditGenerator, auditPlanted } from '../src/eval/attacks/audit.ts';
import { identityInfo } from '../src/generators/baselines/identity.ts';
import { independentInfo } from '../src/generators/baselines/independent.ts';
import type { GeneratorInfo, Mechanism } from '../src/generators/types.ts';
import { Ledger } from '../src/privacy/ledger.ts';

/** Randomized response on the membership bit: ε-DP with TPR/FPR = e^ε exactly. */
const randomizedResponse = (eps: number) => (member: boolean, rng: Rng) => {
  const keep = rng.uniform() < Math.exp(eps) / (1 + Math.exp(eps));
  return (keep ? member : !member) ? 1 : 0;
};

/** A counting query (sensitivity 1) released with Laplace(scale) noise; the score is the release. */
const laplaceCount = (scale: number) => (member: boolean, rng: Rng) => 100 + (member ? 1 : 0) + (scale > 0 ? rng.laplace(scale) : 0);

describe('planted audits of mechanisms with known ε', () => {
  it('randomized response: the bound stays below the nominal ε and is tight with enough trials', async () => {
    for (const eps of [0.5, 1, 2]) {
      for (let seed = 0; seed < 5; seed++) {
        const r = await auditPlanted({ trials: 8000, run: randomizedResponse(eps), rng: new Rng(`rr/${eps}/${seed}`), nominalEpsilon: eps });
        expect(r.epsilonLower, `ε=${eps} seed ${seed}`).toBeLessThanOrEqual(eps);
        expect(r.violates).toBe(false);
        expect(r.epsilonLower).toBeGreaterThan(0.7 * eps); // 2000 evaluation trials a side pin e^ε down well
      }
    }
  });

  it('Laplace mechanism: correct noise never exceeds ε (max over every threshold)', async () => {
    for (const eps of [0.5, 1, 3]) {
      for (let seed = 0; seed < 5; seed++) {
        const r = await auditPlanted({ trials: 3000, run: laplaceCount(1 / eps), rng: new Rng(`lap/${eps}/${seed}`), nominalEpsilon: eps });
        expect(r.epsilonLower, `ε=${eps} seed ${seed}`).toBeLessThanOrEqual(eps);
      }
    }
  });

  it('the all-thresholds max can overshoot a correct mechanism; the held-out bound does not', async () => {
    // A seed where picking the best of ~3000 thresholds on the same trials lands above the true ε = 0.5.
    const r = await auditPlanted({ trials: 3000, run: laplaceCount(2), rng: new Rng('lap/0.5/1'), nominalEpsilon: 0.5 });
    expect(r.epsilonLowerMax).toBeGreaterThan(0.5);
    expect(r.epsilonLower).toBeLessThanOrEqual(0.5);
    expect(r.violates).toBe(false);
  });

  it('detects a broken mechanism: noise switched off, or calibrated for the wrong ε', async () => {
    const off = await auditPlanted({ trials: 1000, run: laplaceCount(0), rng: new Rng('off'), nominalEpsilon: 1 });
    expect(off.violates).toBe(true);
    // Perfect separation measured on 250 held-out trials a side: log(ℓ/(1−ℓ)), ℓ = 0.025^(1/250) → 4.21.
    expect(off.epsilonLower).toBeGreaterThan(4.2);
    const weak = await auditPlanted({ trials: 4000, run: laplaceCount(1 / 4), rng: new Rng('weak'), nominalEpsilon: 1 });
    expect(weak.violates).toBe(true);
    expect(weak.epsilonLower).toBeGreaterThan(2);
  });
});

/** Small mixed table with a far-out canary. */
function population(n: number, rng: Rng): Table {
  return new Table([
    numericColumn('age', Array.from({ length: n }, () => 20 + rng.int(40)), true),
    categoricalFromStrings('sex', Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 'F' : 'M')), ['F', 'M']),
    categoricalFromStrings('job', Array.from({ length: n }, () => ['a', 'b', 'c'][rng.int(3)]), ['a', 'b', 'c', 'rare']),
  ], {
    schema: [
      { name: 'age', type: 'numeric', integer: true, min: 17, max: 90 },
      { name: 'sex', type: 'categorical', levels: ['F', 'M'] },
      { name: 'job', type: 'categorical', levels: ['a', 'b', 'c', 'rare'] },
    ],
  });
}

function fitSampleWith(info: GeneratorInfo, mechanism: Mechanism, epsilon: number) {
  return async (train: Table, rng: Rng) => {
    const g = info.create({});
    await g.fit(train, { rng: rng.fork('fit'), privacy: { mechanism, epsilon, delta: 0, accountant: 'rdp' }, ledger: new Ledger({ epsilon, delta: 1e-9 }) });
    return g.sample(train.nrows, rng.fork('sample'));
  };
}

describe('planted audits of generators (closest-distance on a canary)', () => {
  const base = population(150, new Rng('base'));
  const canary = new Table([
    numericColumn('age', [89], true),
    categoricalFromStrings('sex', ['F'], ['F', 'M']),
    categoricalFromStrings('job', ['rare'], ['a', 'b', 'c', 'rare']),
  ], base.meta);

  it('a generator that copies its training rows violates any claimed ε', async () => {
    const r = await auditGenerator({ base, canary, fitSample: fitSampleWith(identityInfo, 'none', Infinity), trials: 200, rng: new Rng('id'), nominalEpsilon: 1 });
    expect(r.auc).toBe(1);
    expect(r.violates).toBe(true);
    expect(r.epsilonLower).toBeGreaterThan(2.5); // 50 held-out trials a side: log(ℓ/(1−ℓ)), ℓ = 0.025^(1/50) → 2.57
  });

  it('the Laplace independent-marginals baseline at ε = 1 stays within its budget', async () => {
    const r = await auditGenerator({ base, canary, fitSample: fitSampleWith(independentInfo, 'laplace', 1), trials: 300, rng: new Rng('ind'), nominalEpsilon: 1 });
    expect(r.violates).toBe(false);
    expect(r.epsilonLower).toBeLessThanOrEqual(1);
  });

  it('rejects a canary that is not one row', async () => {
    await expect(auditGenerator({ base, canary: base, fitSample: async (t) => t, trials: 10, rng: new Rng(1) })).rejects.toThrow(/exactly one row/);
  });
});
