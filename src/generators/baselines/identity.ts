/**
 * `identity`: releases real training rows — the TRTR reference point and the worst case for attacks
 * (a generator that memorises everything). Not private.
 */
import { z } from 'zod';
import type { Rng } from '../../compute/rng.ts';
import type { Table } from '../../data/table.ts';
import { parseOptions } from '../options.ts';
import type { FitOptions, FitReport, Generator, GeneratorInfo } from '../types.ts';

const optionsSchema = z.strictObject({});

class IdentityGenerator implements Generator {
  readonly name = 'identity';
  private train: Table | null = null;

  async fit(train: Table, _opts: FitOptions): Promise<FitReport> {
    this.train = train;
    return { seconds: 0, stopped: 'copied' };
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    if (!this.train) throw new Error('identity: sample() before fit()');
    const N = this.train.nrows;
    // Without replacement while possible, so n = N returns exactly the training rows (shuffled).
    const perm = rng.permutation(N);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i < N ? perm[i] : rng.int(N);
    return this.train.take(idx);
  }
}

export const identityInfo: GeneratorInfo = {
  name: 'identity',
  description: 'Real training rows (TRTR reference; maximal disclosure). Not private.',
  mechanisms: ['none'],
  create: (options) => {
    parseOptions('identity', optionsSchema, options);
    return new IdentityGenerator();
  },
};
