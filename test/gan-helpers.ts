/** Small tables with declared (public) schemas for the GAN-family tests. */
import { Rng } from '../src/compute/rng.ts';
import { Table, type ColumnSchema } from '../src/data/table.ts';

/**
 * Two independent categoricals with set frequencies and one numeric N(mean 6, sd 1) clipped to its
 * declared bounds [0, 10] — a known distribution a generator should reproduce.
 */
export function knownTable(n: number, seed = 1): Table {
  const rng = new Rng(seed);
  const fa = [0.2, 0.8];
  const fb = [0.5, 0.3, 0.2];
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.categorical(fa);
    b[i] = rng.categorical(fb);
    x[i] = Math.min(10, Math.max(0, 6 + rng.normal()));
  }
  const schema: ColumnSchema[] = [
    { name: 'a', type: 'categorical', levels: ['no', 'yes'] },
    { name: 'b', type: 'categorical', levels: ['x', 'y', 'z'] },
    { name: 'v', type: 'numeric', min: 0, max: 10 },
  ];
  return new Table(
    [
      { kind: 'categorical', name: 'a', codes: a, levels: ['no', 'yes'] },
      { kind: 'categorical', name: 'b', codes: b, levels: ['x', 'y', 'z'] },
      { kind: 'numeric', name: 'v', values: x, integer: false },
    ],
    { target: 'a', positive: 'yes', schema },
  );
}

export function frequencies(t: Table, name: string): number[] {
  const c = t.categorical(name);
  const f = new Array(c.levels.length).fill(0);
  for (const v of c.codes) f[v] += 1 / c.codes.length;
  return f;
}
