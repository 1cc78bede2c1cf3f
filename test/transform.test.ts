import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { parseCsv } from '../src/data/csv.ts';
import { loadDataset } from '../src/data/registry.ts';
import { complement, stratifiedKFold, stratifiedSplit } from '../src/data/split.ts';
import { Featurizer } from '../src/data/transform/featurize.ts';

describe('featurizer', () => {
  const t = parseCsv('a,b,c,y\n1,x,10,0\n3,y,20,1\n5,x,30,1\n7,z,40,0\n', { file: 'f.csv', target: 'y' });

  it('standardizes with the population std (ddof 0) and one-hots every level', () => {
    const f = Featurizer.fit(t, { scale: 'standard' });
    expect(f.names).toEqual(['a', 'b=x', 'b=y', 'b=z', 'c']);
    const M = f.transform(t);
    const a = [0, 1, 2, 3].map((i) => M.X[i * M.d]);
    const std = Math.sqrt(5); // values 1,3,5,7: mean 4, population variance 5
    expect(a).toEqual([-3 / std, -1 / std, 1 / std, 3 / std].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(M.X.slice(1, 4))).toEqual([1, 0, 0]);
  });

  it('min-max maps to [0,1], from declared public bounds when asked', () => {
    const f = Featurizer.fit(t, { scale: 'minmax' });
    const M = f.transform(t);
    expect([0, 1, 2, 3].map((i) => M.X[i * M.d + 4])).toEqual([0, 1 / 3, 2 / 3, 1].map((v) => expect.closeTo(v, 12)));
    const withBounds = t.withMeta({ schema: [{ name: 'c', type: 'numeric', min: 0, max: 100 }] });
    const g = Featurizer.fit(withBounds, { scale: 'minmax', publicBounds: true });
    expect(g.transform(withBounds).X[4]).toBeCloseTo(0.1, 12);
  });

  it.each(['standard', 'minmax', 'none'] as const)('inverts exactly on Adult (%s)', (scale) => {
    const adult = loadDataset('adult');
    const f = Featurizer.fit(adult, { scale, includeTarget: true });
    const M = f.transform(adult);
    expect(M.d).toBe(108 + 2); // 108 features + the 2 target levels
    const back = f.inverse(M, { round: true });
    for (const c of adult.columns) {
      const b = back.column(c.name);
      for (let i = 0; i < adult.nrows; i += 7) expect(back.cell(i, c.name)).toBe(adult.cell(i, c.name));
      expect(b.kind).toBe(c.kind);
    }
  });

  it('has 108 features for Adult without the target (as in the scikit-learn reference)', () => {
    expect(Featurizer.fit(loadDataset('adult')).d).toBe(108);
  });
});

describe('stratified splits', () => {
  const y = new Uint8Array(1000).map((_, i) => (i % 4 === 0 ? 1 : 0)); // 250 positives

  it('keeps the class share in both parts and is seeded', () => {
    const s = stratifiedSplit(y, 0.3, new Rng(1));
    expect(s.test.length).toBe(300);
    expect(Array.from(s.test).filter((i) => y[i] === 1).length).toBe(75);
    expect(new Set([...s.train, ...s.test]).size).toBe(1000);
    expect(Array.from(stratifiedSplit(y, 0.3, new Rng(1)).test)).toEqual(Array.from(s.test));
    expect(Array.from(stratifiedSplit(y, 0.3, new Rng(2)).test)).not.toEqual(Array.from(s.test));
  });

  it('k-fold test sets are disjoint, cover everything and are stratified', () => {
    const folds = stratifiedKFold(y, 5, new Rng(3));
    const all = folds.flatMap((f) => Array.from(f));
    expect(all.length).toBe(1000);
    expect(new Set(all).size).toBe(1000);
    for (const f of folds) {
      expect(f.length).toBe(200);
      expect(Array.from(f).filter((i) => y[i] === 1).length).toBe(50);
      expect(complement(1000, f).length).toBe(800);
    }
  });

  it('refuses a class smaller than the number of folds', () => {
    const tiny = new Uint8Array([0, 0, 0, 0, 0, 1]);
    expect(() => stratifiedKFold(tiny, 5, new Rng(0))).toThrow(/only 1 member/);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and fork label', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect([a.uniform(), a.normal(), a.int(10)]).toEqual([b.uniform(), b.normal(), b.int(10)]);
    expect(new Rng(42).fork('x').uniform()).toBe(new Rng(42).fork('x').uniform());
    expect(new Rng(42).fork('x').uniform()).not.toBe(new Rng(42).fork('y').uniform());
  });

  it('draws uniforms, normals and Laplace with the right moments', () => {
    const r = new Rng(7);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let sl2 = 0;
    for (let i = 0; i < n; i++) {
      su += r.uniform();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      const l = r.laplace(2);
      sl2 += l * l;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(sl2 / n / 8).toBeCloseTo(1, 1); // Var Laplace(b) = 2b² = 8
  });
});
