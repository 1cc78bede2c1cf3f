import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/compute/backend.ts';
import { Rng } from '../src/compute/rng.ts';
import { GanGenerator, ganOptionsSchema } from '../src/generators/gan.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { frequencies, knownTable } from './gan-helpers.ts';

describe('gan reproduces a known distribution', () => {
  // conditional = target: the label `a` is drawn from its frequencies and the rest generated given it.
  // The discriminator sees the encoded row, or (label-cross, the default) the row crossed with the label.
  it.each([
    ['target', 'label-cross'],
    ['target', 'row'],
    ['none', 'row'],
  ])('two independent categoricals with set frequencies and a N(6, 1) numeric (conditional: %s, view: %s)', async (conditional, view) => {
    await initBackend('auto');
    const t = knownTable(3000);
    const g = new GanGenerator(
      ganOptionsSchema.parse({ conditional, discriminator_view: view, epochs: view === 'row' ? 30 : 50, batch_size: 100, generator_dims: [32, 32], discriminator_dims: [32, 32], latent_dim: 8, generator_lr: 2e-4, discriminator_lr: 2e-4 }),
    );
    const report = await g.fit(t, {
      rng: new Rng(11),
      privacy: { mechanism: 'none', epsilon: Infinity, delta: 1e-5, accountant: 'pld' },
      ledger: new Ledger({ epsilon: Infinity, delta: 1e-5 }),
    });
    expect(report.losses?.discriminator?.length).toBe(view === 'row' ? 30 : 50);
    expect(report.losses?.generator?.length).toBe(view === 'row' ? 30 : 50);
    const s = await g.sample(4000, new Rng(2));
    const fa = frequencies(s, 'a');
    const fb = frequencies(s, 'b');
    expect(Math.abs(fa[1] - 0.8)).toBeLessThan(0.06);
    [0.5, 0.3, 0.2].forEach((f, i) => expect(Math.abs(fb[i] - f)).toBeLessThan(0.06));
    const v = s.numeric('v').values;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean - 6)).toBeLessThan(0.5);
    expect(sd).toBeGreaterThan(0.6);
    expect(sd).toBeLessThan(1.5);
    // Independence: the joint frequency of (a = yes, b = x) is close to the product of the marginals.
    const a = s.categorical('a').codes;
    const b = s.categorical('b').codes;
    let both = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === 1 && b[i] === 0) both++;
    expect(Math.abs(both / a.length - fa[1] * fb[0])).toBeLessThan(0.05);
  });
});
