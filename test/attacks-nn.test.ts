import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import { Table, categoricalFromStrings, numericColumn } from '../src/data/table.ts';
import { Featurizer } from '../src/data/transform/featurize.ts';
import { GaussianKde } from '../src/eval/attacks/kde.ts';
import { nearest, NeighbourIndex } from '../src/eval/attacks/nn.ts';
import { KdIndex } from '../src/eval/attacks/nn-kd.ts';
import { TrieIndex } from '../src/eval/attacks/nn-trie.ts';
import { MixedSpace } from '../src/eval/attacks/space.ts';

/** Random mixed table: clustered numerics (with exact duplicates) and skewed categoricals. */
function mixed(n: number, rng: Rng, numeric = 3, categorical = 3): Table {
  const cols = [];
  for (let k = 0; k < numeric; k++) {
    cols.push(numericColumn(`x${k}`, Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 5 : Math.round(rng.normal() * 10) / 4))));
  }
  for (let k = 0; k < categorical; k++) {
    const levels = ['a', 'b', 'c', 'd', 'e'].slice(0, 2 + k);
    cols.push(categoricalFromStrings(`c${k}`, Array.from({ length: n }, () => levels[Math.min(levels.length - 1, Math.floor(rng.uniform() ** 2 * levels.length))]), levels));
  }
  return new Table(cols);
}

function bruteNearest(space: MixedSpace, q: Table, r: Table, excludeSelf = false): Float64Array {
  const eq = space.encode(q);
  const er = space.encode(r);
  const out = new Float64Array(eq.n);
  for (let i = 0; i < eq.n; i++) {
    let m = Infinity;
    for (let j = 0; j < er.n; j++) if (!(excludeSelf && i === j)) m = Math.min(m, space.distance(eq, i, er, j));
    out[i] = m;
  }
  return out;
}

describe('record space', () => {
  it('l2 equals Euclidean distance on the Featurizer standardized/one-hot encoding', () => {
    const rng = new Rng(1);
    const t = mixed(200, rng);
    const space = MixedSpace.fit(t, 'l2');
    const f = Featurizer.fit(t, { scale: 'standard', includeTarget: true });
    const { X, d } = f.transform(t);
    const e = space.encode(t);
    for (let trial = 0; trial < 200; trial++) {
      const i = rng.int(200);
      const j = rng.int(200);
      let s = 0;
      for (let k = 0; k < d; k++) s += (X[i * d + k] - X[j * d + k]) ** 2;
      expect(space.distance(e, i, e, j)).toBeCloseTo(Math.sqrt(s), 12);
    }
  });

  it('gower uses declared public bounds when present, else the real rows\' range', () => {
    const age = numericColumn('age', [20, 30, 40]);
    const inc = numericColumn('inc', [0, 10, 100]);
    const sex = categoricalFromStrings('sex', ['F', 'M', 'F']);
    const t = new Table([age, inc, sex], { schema: [{ name: 'age', type: 'numeric', min: 0, max: 100 }] });
    const space = MixedSpace.fit(t, 'gower');
    expect(space.scaleSource).toEqual(['schema', 'data']);
    const e = space.encode(t);
    // rows 0,1: |20−30|/100 + |0−10|/100 + 1 mismatch, over 3 columns
    expect(space.distance(e, 0, e, 1)).toBeCloseTo((0.1 + 0.1 + 1) / 3, 14);
  });

  it('gives an invented level its own code and names missing columns', () => {
    const t = new Table([categoricalFromStrings('c', ['a', 'b'])]);
    const space = MixedSpace.fit(t, 'gower');
    const s = space.encode(new Table([categoricalFromStrings('c', ['zz'])]));
    expect(space.distance(s, 0, space.encode(t), 0)).toBe(1);
    expect(() => space.encode(new Table([numericColumn('x', [1])]), 'synthetic')).toThrow(/synthetic has no column "c"/);
    expect(() => MixedSpace.fit(t, 'cosine' as never)).toThrow(/unknown distance "cosine"/);
  });
});

describe('exact nearest neighbours', () => {
  for (const kind of ['gower', 'l2'] as const) {
    it(`matches brute force on mixed data (${kind})`, () => {
      const rng = new Rng(kind === 'l2' ? 2 : 3);
      const a = mixed(700, rng);
      const b = mixed(900, rng);
      const space = MixedSpace.fit(Table.concat([a, b]), kind);
      const fast = nearest(space, space.encode(a), space.encode(b));
      const slow = bruteNearest(space, a, b);
      for (let i = 0; i < a.nrows; i++) {
        expect(fast.dist[i]).toBeCloseTo(slow[i], 12);
        // the returned index is at that distance
        expect(space.distance(space.encode(a), i, space.encode(b), fast.index[i])).toBeCloseTo(slow[i], 12);
      }
    });
  }

  it('matches brute force on all-numeric and all-categorical data, and leave-one-out', () => {
    const rng = new Rng(4);
    for (const [p, c] of [[6, 0], [0, 4]]) {
      const t = mixed(500, rng, p, c);
      const space = MixedSpace.fit(t, 'l2');
      const e = space.encode(t);
      const loo = nearest(space, e, e, { excludeSelf: true });
      const slow = bruteNearest(space, t, t, true);
      for (let i = 0; i < t.nrows; i++) {
        expect(loo.dist[i]).toBeCloseTo(slow[i], 12);
        expect(loo.index[i]).not.toBe(i);
      }
    }
  });

  it('both indexes are exact for queries near the data and far from it, with leave-one-out', () => {
    const rng = new Rng(12);
    const ref = mixed(800, rng, 4, 3);
    // Far queries: numerics blown up far outside the reference range, categories shuffled.
    const far = mixed(300, rng, 4, 3);
    for (const c of far.columns) if (c.kind === 'numeric') for (let i = 0; i < c.values.length; i++) c.values[i] = c.values[i] * 40 + rng.normal() * 100;
    for (const kind of ['gower', 'l2'] as const) {
      const space = MixedSpace.fit(ref, kind);
      const er = space.encode(ref);
      for (const [q, loo] of [[far, false], [ref, true]] as const) {
        const eq = space.encode(q);
        const slow = bruteNearest(space, q, ref, loo);
        for (const index of [new TrieIndex(space, er), new KdIndex(space, er)]) {
          let seed = -1;
          for (let i = 0; i < eq.n; i++) {
            const raw = index.search(eq, i, seed, loo ? i : -1);
            expect(space.finalize(raw)).toBeCloseTo(slow[i], 10);
            expect(space.distance(eq, i, er, index.lastRow)).toBeCloseTo(slow[i], 10);
            if (loo) expect(index.lastRow).not.toBe(i);
            seed = (i * 7919) % er.n; // arbitrary seeds must not change the answer
          }
        }
      }
    }
  });

  it('answers far queries with the k-d tree and near ones with the trie (L2), exactly either way', () => {
    const rng = new Rng(13);
    const ref = mixed(600, rng, 4, 3);
    const far = mixed(300, rng, 4, 3);
    for (const c of far.columns) if (c.kind === 'numeric') for (let i = 0; i < c.values.length; i++) c.values[i] = 1000 * rng.uniform() + c.values[i];
    const near = mixed(300, rng, 4, 3);
    const space = MixedSpace.fit(ref, 'l2');
    for (const [q, expectKd] of [[far, true], [near, false]] as const) {
      const index = new NeighbourIndex(space, space.encode(ref));
      const r = nearest(space, space.encode(q), index);
      const chosen = expectKd ? index.routed.kd : index.routed.trie;
      expect(chosen).toBe(300); // probes answer with both, the rest with the cheaper one
      const slow = bruteNearest(space, q, ref);
      for (let i = 0; i < q.nrows; i++) expect(r.dist[i]).toBeCloseTo(slow[i], 10);
    }
  });

  it('is exact on Adult rows (sampled check against brute force)', () => {
    const t = loadDataset('adult');
    const perm = new Rng(9).permutation(t.nrows);
    const q = t.take(perm.subarray(0, 2000));
    const r = t.take(perm.subarray(2000, 8000));
    const space = MixedSpace.fit(Table.concat([q, r]), 'gower');
    const eq = space.encode(q);
    const er = space.encode(r);
    const fast = nearest(space, eq, er);
    for (let i = 0; i < 100; i++) {
      let m = Infinity;
      for (let j = 0; j < er.n; j++) m = Math.min(m, space.distance(eq, i, er, j));
      expect(fast.dist[i]).toBeCloseTo(m, 12);
    }
  });
});

describe('Gaussian KDE', () => {
  // Deterministic points; reference log densities from scipy.stats.gaussian_kde (scipy 1.17).
  const n = 200;
  const d = 3;
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) X[i * d + k] = Math.sin(1.3 * i + k) + 0.01 * i * (k + 1);
  const Y = new Float64Array(10 * d);
  for (let j = 0; j < 10; j++) Y.set([0.1 * j - 1, Math.cos(j), Math.sin(0.5 * j)], j * d);

  it('matches scipy gaussian_kde (Scott and Silverman), far tails included', () => {
    const scott = [-48.83575325, -13.29280867, -3.12058748, -13.11187463, -5.79115256, -3.83932096, -20.05396964, -19.38850929, -5.57324383, -3.63357936];
    const silverman = [-51.666544, -13.82980971, -3.0858402, -13.72945852, -5.93467881, -3.83186557, -21.02124097, -20.31619763, -5.64678483, -3.61298194];
    const a = new GaussianKde(X, n, d, 'scott').logDensity(Y, 10);
    const b = new GaussianKde(X, n, d, 'silverman').logDensity(Y, 10);
    for (let j = 0; j < 10; j++) {
      expect(a[j]).toBeCloseTo(scott[j], 3); // the default tolerance bounds the log error by 1e−3
      expect(b[j]).toBeCloseTo(silverman[j], 3);
    }
    const exact = new GaussianKde(X, n, d, 'scott', 1e-14).logDensity(Y, 10);
    for (let j = 0; j < 10; j++) expect(exact[j]).toBeCloseTo(scott[j], 7);
  });

  it('leave-one-out drops the point\'s own kernel (scipy-derived values)', () => {
    const loo = [-3.57584837, -3.57346156, -3.57218223, -3.57591162, -3.57164466];
    const kde = new GaussianKde(X, n, d, 'scott', 1e-14);
    const out = kde.logDensity(X.subarray(0, 5 * d), 5, Int32Array.from([0, 1, 2, 3, 4]));
    for (let i = 0; i < 5; i++) expect(out[i]).toBeCloseTo(loo[i], 7);
  });
});
