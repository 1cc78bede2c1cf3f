import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import type { Table } from '../src/data/table.ts';
import { runAttacks } from '../src/eval/attacks/index.ts';
import type { AttackResult } from '../src/eval/types.ts';

const ALL = ['dcr-share', 'closest-distance', 'domias', 'tcap'];
let train: Table;
let holdout: Table;
let fresh: Table;

beforeAll(() => {
  const adult = loadDataset('adult');
  const perm = new Rng('suite').permutation(adult.nrows);
  train = adult.take(perm.subarray(0, 3000));
  holdout = adult.take(perm.subarray(3000, 6000));
  fresh = adult.take(perm.subarray(6000, 9000)); // same population, neither trained on nor held out
});

const byName = (rs: AttackResult[], name: string) => rs.find((r) => r.attack === name)!;

function expectWellFormed(rs: AttackResult[]) {
  for (const r of rs) {
    for (const key of ['auc', 'tprAt1', 'tprAt10', 'advantage', 'epsilonLower'] as const) {
      const v = r[key];
      if (v === null) expect(r.reason, `${r.attack}.${key} is null without a reason`).toBeTruthy();
      else expect(Number.isFinite(v), `${r.attack}.${key} = ${v}`).toBe(true);
    }
    expect(r.seconds).toBeGreaterThanOrEqual(0);
  }
}

describe('attack suite on Adult', () => {
  for (const distance of ['gower', 'l2'] as const) {
    it(`a generator that copies training rows is caught (${distance})`, () => {
      const copy = train.take(new Rng(1).permutation(train.nrows));
      const rs = runAttacks({ train, holdout, synthetic: copy, attacks: ALL, nominalEpsilon: null, rng: new Rng(2), options: { distance } });
      expectWellFormed(rs);
      expect(byName(rs, 'dcr-share').value).toBeGreaterThan(0.97);
      expect(byName(rs, 'dcr-share').exactCopyShare).toBe(1);
      const cd = byName(rs, 'closest-distance');
      expect(cd.auc).toBeGreaterThan(0.97);
      expect(cd.tprAt1).toBeGreaterThan(0.9);
      expect(cd.epsilonLower).toBeGreaterThan(3);
      expect(byName(rs, 'domias').auc).toBeGreaterThan(0.55);
      const tc = byName(rs, 'tcap');
      expect(tc.value).toBe(1); // a pure synthetic key class is a pure training key class
      expect(tc.value as number).toBeGreaterThan(tc.holdoutValue as number);
    });
  }

  it('an independent resample from the population scores ≈ 0.5 on every attack', () => {
    const rs = runAttacks({ train, holdout, synthetic: fresh, attacks: ALL, nominalEpsilon: 1, rng: new Rng(3) });
    expectWellFormed(rs);
    // 3000 a side: the standard error of a share or an AUC is ≈ 0.009.
    expect(Math.abs((byName(rs, 'dcr-share').value as number) - 0.5)).toBeLessThan(0.03);
    for (const name of ['closest-distance', 'domias', 'tcap']) {
      const r = byName(rs, name);
      expect(Math.abs((r.auc as number) - 0.5), name).toBeLessThan(0.03);
      expect(r.epsilonLower as number, name).toBeLessThan(0.5);
      expect(r.nominalEpsilon).toBe(1);
    }
    const tc = byName(rs, 'tcap');
    expect(Math.abs((tc.value as number) - (tc.holdoutValue as number))).toBeLessThan(0.05);
    expect(tc.keys).toEqual(['age', 'sex', 'race']);
    expect(tc.target).toBe('income');
  });

  it('DOMIAS takes the holdout reference leave-one-out (counting a non-member\'s own kernel fakes a signal)', () => {
    const loo = byName(runAttacks({ train, holdout, synthetic: fresh, attacks: ['domias'], nominalEpsilon: null, rng: new Rng(4) }), 'domias');
    const naive = byName(
      runAttacks({ train, holdout, synthetic: fresh, attacks: ['domias'], nominalEpsilon: null, rng: new Rng(4), options: { reference: holdout } }),
      'domias',
    );
    expect(Math.abs((loo.auc as number) - 0.5)).toBeLessThan(0.03);
    // Own kernel inflates p_ref of exactly the non-members, lowering their scores: spurious AUC > 0.5.
    expect(naive.auc as number).toBeGreaterThan(0.55);
  });

  it('balances members and non-members and is deterministic for a seed', () => {
    const big = loadDataset('adult').take(new Rng('big').permutation(32561).subarray(0, 6000));
    const opts = { train: big, holdout, synthetic: fresh, attacks: ['closest-distance', 'dcr-share'], nominalEpsilon: null, options: { members: 1500 } };
    const a = runAttacks({ ...opts, rng: new Rng(5) });
    const b = runAttacks({ ...opts, rng: new Rng(5) });
    expect(byName(a, 'closest-distance').members).toBe(1500);
    expect(byName(a, 'closest-distance').nonMembers).toBe(1500);
    expect(byName(a, 'closest-distance').auc).toBe(byName(b, 'closest-distance').auc);
    expect(byName(a, 'dcr-share').value).toBe(byName(b, 'dcr-share').value);
  });

  it('explains bad input', () => {
    const base = { train, holdout, synthetic: fresh, nominalEpsilon: null, rng: new Rng(6) };
    expect(() => runAttacks({ ...base, attacks: ['mia'] })).toThrow(/unknown attack "mia" \(known: dcr-share, closest-distance, domias, tcap\)/);
    expect(() => runAttacks({ ...base, synthetic: fresh.select(['age', 'sex']), attacks: ['dcr-share'] })).toThrow(/synthetic data has no column "workclass"/);
    expect(() => runAttacks({ ...base, attacks: ['tcap'], options: { tcap: { keys: ['zip'] } } })).toThrow(/tcap key "zip" is not a column/);
    expect(runAttacks({ ...base, attacks: [] })).toEqual([]);
  });
});
