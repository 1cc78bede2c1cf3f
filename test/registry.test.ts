import { describe, expect, it } from 'vitest';
import { createGenerator, listGenerators } from '../src/generators/registry.ts';

describe('generator registry', () => {
  it('builds the base architecture for every alias', () => {
    for (const info of listGenerators().filter((g) => g.aliasOf)) {
      expect(createGenerator(info.name).name).toBe(info.aliasOf!.base);
    }
  });

  it('names the configured generator (the alias) in option errors', () => {
    expect(() => createGenerator('dpgan', { bogus: 1 })).toThrow(/^generators\.dpgan\.bogus: unknown option/);
    expect(() => createGenerator('gan', { bogus: 1 })).toThrow(/^generators\.gan\.bogus: unknown option/);
  });
});
