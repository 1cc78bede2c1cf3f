/** Small mixed tables for the INN tests (declared schema, so DP runs can use them). */
import { Rng } from '../src/compute/rng.ts';
import { categoricalFromStrings, numericColumn, Table } from '../src/data/table.ts';

/**
 * n rows: x ~ N(2·[y=b], 1) continuous, k integer in [0, 20] correlated with x, c ∈ {p, q, r}, y ∈ {a, b}
 * with P(y = b) = pB. Declared bounds: x ∈ [−6, 8], k ∈ [0, 20].
 */
export function mixedTable(n: number, seed: number, pB = 0.3): Table {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const k = new Float64Array(n);
  const c: string[] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = rng.uniform() < pB;
    y.push(b ? 'b' : 'a');
    x[i] = Math.max(-6, Math.min(8, (b ? 2 : 0) + rng.normal()));
    k[i] = Math.max(0, Math.min(20, Math.round(8 + 2 * x[i] + rng.normal())));
    const u = rng.uniform();
    c.push(u < (b ? 0.7 : 0.2) ? 'p' : u < 0.85 ? 'q' : 'r');
  }
  return new Table([numericColumn('x', x), numericColumn('k', k, true), categoricalFromStrings('c', c, ['p', 'q', 'r']), categoricalFromStrings('y', y, ['a', 'b'])], {
    target: 'y',
    positive: 'b',
    schema: [
      { name: 'x', type: 'numeric', min: -6, max: 8 },
      { name: 'k', type: 'numeric', integer: true, min: 0, max: 20 },
      { name: 'c', type: 'categorical', levels: ['p', 'q', 'r'] },
      { name: 'y', type: 'categorical', levels: ['a', 'b'] },
    ],
  });
}

/** Tiny network options so a fit takes well under a second. */
export const tiny = { blocks: 2, hidden: [16], batch_size: 64 } as const;
