import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import type { Table } from '../src/data/table.ts';
import { KAnonGenerator, kanonInfo, mondrian } from '../src/generators/baselines/kanon.ts';
import type { FitOptions } from '../src/generators/types.ts';
import { Ledger } from '../src/privacy/ledger.ts';

const fitOpts = (seed = 0, mechanism: 'none' | 'laplace' = 'none'): FitOptions => ({
  rng: new Rng(seed),
  privacy: { mechanism, epsilon: Infinity, delta: 0, accountant: 'rdp' },
  ledger: new Ledger({ epsilon: Infinity, delta: 0 }),
});

let train: Table;
beforeAll(() => {
  train = loadDataset('adult').take(new Rng('kanon').permutation(32561).subarray(0, 3000));
});

/** A value key per QI: numeric value or categorical code. */
const qiValue = (t: Table, name: string, r: number) => {
  const c = t.column(name);
  return c.kind === 'numeric' ? c.values[r] : c.codes[r];
};

describe('Mondrian partitioning', () => {
  for (const k of [2, 5, 25]) {
    it(`every equivalence class has at least k = ${k} rows and no class has an allowable cut left`, () => {
      const qis = ['age', 'sex', 'race', 'education-num', 'hours-per-week'];
      const { classes, classOf } = mondrian(train, qis, k);
      expect(classes.reduce((s, c) => s + c.length, 0)).toBe(train.nrows);
      for (const rows of classes) {
        expect(rows.length).toBeGreaterThanOrEqual(k);
        for (const r of rows) expect(classes[classOf[r]]).toBe(rows);
        // Mondrian stops only when no QI can be cut with ≥ k rows on both sides.
        for (const q of qis) {
          const vals = Array.from(rows, (r) => qiValue(train, q, r)).sort((a, b) => a - b);
          for (let i = k - 1; i < vals.length - k; i++) {
            expect(vals[i] === vals[i + 1], `class of ${rows.length} could still be cut on ${q}`).toBe(true);
          }
        }
      }
      // Strict partitioning on ordered values: class boxes are disjoint, so more classes for smaller k.
      if (k === 2) expect(classes.length).toBeGreaterThan(train.nrows / 10);
    });
  }
});

describe('kanon generator', () => {
  it('releases a k-anonymous table: QIs generalised within classes, other columns untouched', async () => {
    const g = kanonInfo.create({ k: 5, quasiIdentifiers: ['age', 'sex', 'race', 'education', 'hours-per-week'] }) as KAnonGenerator;
    const report = await g.fit(train, fitOpts());
    expect(report.minClassSize).toBeGreaterThanOrEqual(5);
    const rel = g.release!;
    const { classes } = g.partition!;
    let changed = 0;
    for (const rows of classes) {
      for (const q of g.quasiIdentifiers) {
        const orig = Array.from(rows, (r) => qiValue(train, q, r));
        const lo = Math.min(...orig);
        const hi = Math.max(...orig);
        const set = new Set(orig);
        for (const r of rows) {
          const v = qiValue(rel, q, r);
          const c = train.column(q);
          // numeric: within the class range; categorical: one of the class's levels
          if (c.kind === 'numeric') {
            expect(v).toBeGreaterThanOrEqual(lo);
            expect(v).toBeLessThanOrEqual(hi);
            expect(Number.isInteger(v)).toBe(true); // integer columns stay integer
          } else expect(set.has(v)).toBe(true);
          if (v !== qiValue(train, q, r)) changed++;
        }
      }
    }
    // Generalised, not copied: a large share of QI cells differs from the original record.
    expect(changed / (train.nrows * g.quasiIdentifiers.length)).toBeGreaterThan(0.2);
    // Non-QI columns are the original record's.
    for (const name of ['workclass', 'occupation', 'income', 'capital-gain']) {
      for (let r = 0; r < train.nrows; r++) expect(rel.cell(r, name)).toBe(train.cell(r, name));
    }
    // k-anonymity of the published generalisation: each (class range/set) signature covers ≥ k records.
    const signature = new Map<string, number>();
    for (const rows of classes) {
      const sig = g.quasiIdentifiers
        .map((q) => {
          const vals = Array.from(rows, (r) => qiValue(train, q, r));
          return train.column(q).kind === 'numeric' ? `${Math.min(...vals)}-${Math.max(...vals)}` : [...new Set(vals)].sort().join('|');
        })
        .join(';');
      signature.set(sig, (signature.get(sig) ?? 0) + rows.length);
    }
    for (const count of signature.values()) expect(count).toBeGreaterThanOrEqual(5);
  });

  it('defaults to every non-target column as QI, k = 5; class means with numeric: mean', async () => {
    const g = kanonInfo.create({ numeric: 'mean' }) as KAnonGenerator;
    await g.fit(train, fitOpts());
    expect(g.quasiIdentifiers).toEqual(train.names.filter((n) => n !== 'income'));
    for (const rows of g.partition!.classes) {
      expect(rows.length).toBeGreaterThanOrEqual(5);
      const mean = Array.from(rows, (r) => train.numeric('age').values[r]).reduce((a, b) => a + b, 0) / rows.length;
      for (const r of rows) expect(g.release!.numeric('age').values[r]).toBe(Math.round(mean));
    }
  });

  it('samples from the release: without replacement up to its size, with replacement beyond', async () => {
    const g = kanonInfo.create({}) as KAnonGenerator;
    await g.fit(train, fitOpts());
    const a = await g.sample(train.nrows, new Rng(1));
    expect(a.nrows).toBe(train.nrows);
    // A permutation of the release: every released age value appears as often as in the release.
    const count = (t: Table) => {
      const m = new Map<number, number>();
      for (const v of t.numeric('fnlwgt').values) m.set(v, (m.get(v) ?? 0) + 1);
      return m;
    };
    expect(count(a)).toEqual(count(g.release!));
    const b = await g.sample(2 * train.nrows, new Rng(2));
    expect(b.nrows).toBe(2 * train.nrows);
    const c = await g.sample(train.nrows, new Rng(1));
    expect(Array.from(c.numeric('age').values)).toEqual(Array.from(a.numeric('age').values));
  });

  it('explains misuse: DP mechanisms, unknown QIs, too few rows, bad k', async () => {
    await expect(kanonInfo.create({}).fit(train, fitOpts(0, 'laplace'))).rejects.toThrow(/not differentially private/);
    await expect(kanonInfo.create({ quasiIdentifiers: ['zip'] }).fit(train, fitOpts())).rejects.toThrow(/quasiIdentifiers: no column "zip"/);
    await expect(kanonInfo.create({ k: 10 }).fit(train.take([0, 1, 2]), fitOpts())).rejects.toThrow(/at least 10 training rows/);
    expect(() => kanonInfo.create({ k: 1 })).toThrow(/generators\.kanon\.k/);
    await expect(kanonInfo.create({}).sample(5, new Rng(0))).rejects.toThrow(/before fit/);
    expect(kanonInfo.mechanisms).toEqual(['none']);
    expect(kanonInfo.description).toMatch(/not differentially private/);
  });
});
