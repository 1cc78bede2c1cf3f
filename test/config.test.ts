import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfigText, parseOverride } from '../src/config/load.ts';
import { configSchema } from '../src/config/schema.ts';

const base = `name: t\ndataset: {name: pima}\ngenerators: [identity]\n`;

function errorOf(text: string, file = 'configs/x.yaml', overrides: string[] = []): string {
  try {
    loadConfigText(text, file, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('fills every default so a three-line config is complete', () => {
    const c = loadConfigText(base, 'x.yaml');
    expect(c.privacy).toEqual({ epsilon: [1], delta: 1e-5, accountant: 'pld' });
    expect(c.seeds).toEqual([0]);
    expect(c.evaluation.cv).toEqual({ folds: 5, repeats: 2 });
    expect(c.output).toBe('reports');
  });

  it('names file, line and key path for a bad value', () => {
    const text = `name: x\ndataset:\n  name: adult\ngenerators: [identity]\nprivacy:\n  delta: 1e-5\n  epsilon: [1, 2, ten]\n`;
    expect(errorOf(text)).toBe('configs/x.yaml:7 privacy.epsilon[2]: expected a positive number, got "ten"');
  });

  it('rejects unknown keys at their line', () => {
    const text = `name: x\ndataset: {name: adult}\ngenerators: [identity]\nevaluation:\n  clasifiers: [logreg]\n`;
    expect(errorOf(text)).toBe('configs/x.yaml:5 evaluation.clasifiers: unknown key "clasifiers"');
  });

  it('explains missing required keys and the closest union branch', () => {
    expect(errorOf(`name: x\ngenerators: [identity]\n`)).toMatch(/dataset: missing/);
    expect(errorOf(`name: x\ndataset: {path: a.csv}\ngenerators: [identity]\n`)).toBe('configs/x.yaml:2 dataset.target: missing (required)');
    expect(errorOf(`dataset: {name: pima}\ngenerators: [identity]\n`)).toMatch(/^configs\/x.yaml:1 name: missing/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(errorOf(`name: x\ngenerators: [identity\n`)).toMatch(/^configs\/x.yaml:\d+: YAML syntax error/);
    expect(errorOf(``)).toMatch(/empty/);
  });

  it('applies --set overrides as YAML values before validation', () => {
    const c = loadConfigText(base, 'x.yaml', ['privacy.epsilon=[0.5, 5]', 'seeds=[3,4]', 'evaluation.cv.folds=3']);
    expect(c.privacy.epsilon).toEqual([0.5, 5]);
    expect(c.seeds).toEqual([3, 4]);
    expect(c.evaluation.cv.folds).toBe(3);
    expect(parseOverride('generators[0].gan.epochs=2')).toEqual({ path: ['generators', 0, 'gan', 'epochs'], value: 2 });
    expect(errorOf(base, 'x.yaml', ['privacy.epsilon=[-1]'])).toMatch(/privacy.epsilon\[0\]: expected a positive number/);
    expect(() => loadConfigText(base, 'x.yaml', ['noequals'])).toThrow(/key.path=value/);
  });

  it('keeps the committed JSON Schema in sync with the zod schema', () => {
    const committed = JSON.parse(readFileSync(new URL('../schema/config.schema.json', import.meta.url), 'utf8'));
    const fresh = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
    expect(committed.properties).toEqual(JSON.parse(JSON.stringify(fresh.properties)));
  });
});
