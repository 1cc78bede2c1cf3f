import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { Table, categoricalFromStrings, numericColumn } from '../src/data/table.ts';
import { runAttacks } from '../src/eval/attacks/index.ts';
import { defaultTcapKeys } from '../src/eval/attacks/tcap.ts';

const cat = (name: string, v: string[]) => categoricalFromStrings(name, v, [...new Set(v)].sort());

describe('DCR share on a hand-checked example', () => {
  it('counts synthetic rows closer to train, ties as ½', () => {
    const t = (xs: number[]) => new Table([numericColumn('x', xs)]);
    const train = t([0, 10, 30]);
    const holdout = t([5, 20, 30]);
    // 1 → train (1 vs 4); 6 → holdout (4 vs 1); 30 → tie (0 vs 0, a row in both); 19 → holdout (9 vs 1); 10 → train copy
    const synthetic = t([1, 6, 30, 19, 10]);
    for (const distance of ['gower', 'l2'] as const) {
      const [r] = runAttacks({ train, holdout, synthetic, attacks: ['dcr-share'], nominalEpsilon: null, rng: new Rng(0), options: { distance } });
      expect(r.value).toBeCloseTo(2.5 / 5, 12);
      expect(r.exactCopyShare).toBeCloseTo(2 / 5, 12);
      expect(r.distinctNearest).toEqual({ train: 3, holdout: 3 }); // train {0, 10, 30}, holdout {5, 20, 30}
      expect(r.auc).toBeNull();
      expect(r.reason).toMatch(/closest-distance/);
    }
  });
});

describe('TCAP on a hand-checked example', () => {
  const meta = { target: 'y' };
  const train = new Table([cat('sex', ['F', 'F', 'F', 'M', 'M']), cat('y', ['a', 'a', 'b', 'b', 'b'])], meta);
  const holdout = new Table([cat('sex', ['F', 'F', 'M', 'M', 'M']), cat('y', ['b', 'b', 'a', 'b', 'b'])], meta);

  it('averages the real share of T over synthetic records whose key class is pure', () => {
    // Synthetic: F → always a (pure, 2 records), M → {a, b} (not pure), Z → a (pure, but no real Z).
    const synthetic = new Table([cat('sex', ['F', 'F', 'M', 'M', 'Z']), cat('y', ['a', 'a', 'b', 'a', 'a'])], meta);
    const [r] = runAttacks({ train, holdout, synthetic, attacks: ['tcap'], nominalEpsilon: null, rng: new Rng(0), options: { tcap: { keys: ['sex'] } } });
    expect(r.value).toBeCloseTo(2 / 3, 12); // real F: 2 of 3 have a
    expect(r.holdoutValue).toBeCloseTo(0, 12); // holdout F: none has a
    expect(r.baseline).toBeCloseTo((2 / 5) ** 2 + (3 / 5) ** 2, 12);
    expect(r.pureSynthetic).toBe(3);
    expect(r.matched).toBe(2);
    expect(r.unmatched).toBe(1);
    expect(r.target).toBe('y');
  });

  it('is null with a reason when no synthetic key class is pure', () => {
    const synthetic = new Table([cat('sex', ['F', 'F', 'M', 'M']), cat('y', ['a', 'b', 'a', 'b'])], meta);
    const [r] = runAttacks({ train, holdout, synthetic, attacks: ['tcap'], nominalEpsilon: null, rng: new Rng(0), options: { tcap: { keys: ['sex'] } } });
    expect(r.value).toBeNull();
    expect(r.reason).toMatch(/WEAP = 1 never holds/);
  });

  it('bins non-integer numeric keys and picks sensible default keys', () => {
    const t = new Table([numericColumn('a', [0.1, 0.2]), numericColumn('b', [1, 2]), numericColumn('c', [3, 4]), numericColumn('d', [5, 6]), cat('y', ['p', 'q'])]);
    expect(defaultTcapKeys(t, 'y')).toEqual(['a', 'b', 'c']);
    const adultLike = new Table([numericColumn('age', [30], true), cat('race', ['x']), cat('sex', ['F']), cat('job', ['j']), cat('y', ['p'])]);
    expect(defaultTcapKeys(adultLike, 'y')).toEqual(['age', 'sex', 'race']);
    const cats = new Table([numericColumn('n', [1]), cat('u', ['x']), cat('v', ['x']), cat('w', ['x']), cat('z', ['x']), cat('y', ['p'])]);
    expect(defaultTcapKeys(cats, 'y')).toEqual(['u', 'v', 'w']);
    expect(() => defaultTcapKeys(new Table([cat('y', ['p'])]), 'y')).toThrow(/set tcap.keys/);
  });

  it('refuses a target that is also a key', () => {
    expect(() =>
      runAttacks({ train, holdout, synthetic: train, attacks: ['tcap'], nominalEpsilon: null, rng: new Rng(0), options: { tcap: { keys: ['sex', 'y'] } } }),
    ).toThrow(/also listed as a key/);
  });
});
