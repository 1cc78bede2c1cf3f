/**
 * `uniform`: every column independently uniform over its declared domain (public bounds / levels from
 * the dataset manifest). Reads no real data when the schema declares the domain, so it is private at any
 * ε; for undeclared columns it falls back to the observed range and says so in the fit report.
 */
import { z } from 'zod';
import type { Rng } from '../../compute/rng.ts';
import { Table, type Column, type ColumnSchema } from '../../data/table.ts';
import { parseOptions } from '../options.ts';
import type { FitOptions, FitReport, Generator, GeneratorInfo } from '../types.ts';

const optionsSchema = z.strictObject({});

interface Domain {
  column: Column;
  min: number;
  max: number;
  levels: string[];
}

class UniformGenerator implements Generator {
  readonly name = 'uniform';
  private domains: Domain[] = [];
  private meta: Table['meta'] = {};

  async fit(train: Table, opts: FitOptions): Promise<FitReport> {
    const schema = new Map((train.meta.schema ?? []).map((s): [string, ColumnSchema] => [s.name, s]));
    const dataDerived: string[] = [];
    this.domains = train.columns.map((c) => {
      const s = schema.get(c.name);
      if (c.kind === 'categorical') {
        if (!s?.levels) dataDerived.push(c.name);
        return { column: c, min: 0, max: 0, levels: s?.levels ?? c.levels };
      }
      if (s?.min !== undefined && s?.max !== undefined) return { column: c, min: s.min, max: s.max, levels: [] };
      dataDerived.push(c.name);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of c.values) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      return { column: c, min: lo, max: hi, levels: [] };
    });
    if (dataDerived.length > 0 && opts.privacy.mechanism !== 'none') {
      throw new Error(
        `uniform: columns ${dataDerived.join(', ')} have no declared bounds/levels; declare them in the dataset's columns to use uniform under DP`,
      );
    }
    for (const c of train.columns) opts.ledger.public(`declared domain: ${c.name}${dataDerived.includes(c.name) ? ' (observed, not private)' : ''}`);
    this.meta = train.meta;
    return { seconds: 0, dataDerivedDomains: dataDerived };
  }

  async sample(n: number, rng: Rng): Promise<Table> {
    const cols: Column[] = this.domains.map((d) => {
      if (d.column.kind === 'categorical') {
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = rng.int(d.levels.length);
        return { kind: 'categorical', name: d.column.name, codes, levels: [...d.levels] };
      }
      const values = new Float64Array(n);
      const integer = d.column.integer;
      for (let i = 0; i < n; i++) {
        values[i] = integer ? d.min + rng.int(Math.floor(d.max) - Math.ceil(d.min) + 1) + Math.ceil(d.min) - d.min : d.min + rng.uniform() * (d.max - d.min);
      }
      return { kind: 'numeric', name: d.column.name, values, integer };
    });
    return new Table(cols, this.meta);
  }
}

export const uniformInfo: GeneratorInfo = {
  name: 'uniform',
  description: 'Each column uniform over its declared domain (reads no real data when the domain is declared).',
  mechanisms: ['none'],
  create: (options) => {
    parseOptions('uniform', optionsSchema, options);
    return new UniformGenerator();
  },
};
