import { describe, expect, it } from 'vitest';
import { DataError, parseCsv, toCsv } from '../src/data/csv.ts';
import { getManifest, listDatasets, loadDataset } from '../src/data/registry.ts';

function err(text: string, opts: Partial<Parameters<typeof parseCsv>[1]> = {}): string {
  try {
    parseCsv(text, { file: 'data/x.csv', ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected a DataError');
}

describe('CSV parsing', () => {
  it('builds typed columns and infers types', () => {
    const t = parseCsv('a,b,y\n1,x,0\n2.5,z,1\n3,x,1\n', { file: 'f.csv', target: 'y' });
    const a = t.numeric('a');
    expect(a.values).toBeInstanceOf(Float64Array);
    expect(Array.from(a.values)).toEqual([1, 2.5, 3]);
    expect(a.integer).toBe(false);
    const b = t.categorical('b');
    expect(b.codes).toBeInstanceOf(Int32Array);
    expect(b.levels).toEqual(['x', 'z']);
    expect(Array.from(b.codes)).toEqual([0, 1, 0]);
    expect(t.column('y').kind).toBe('categorical');
    expect(Array.from(t.binaryTarget())).toEqual([0, 1, 1]);
  });

  it('lets declared types override inference', () => {
    const t = parseCsv('code,y\n1,a\n2,b\n', { file: 'f.csv', schema: [{ name: 'code', type: 'categorical' }] });
    expect(t.column('code').kind).toBe('categorical');
  });

  it('rejects an empty file', () => {
    expect(err('')).toBe('data/x.csv: the file is empty');
    expect(err('a,b\n')).toBe('data/x.csv: the file has a header but no data rows');
  });

  it('names the line of a ragged row', () => {
    expect(err('a,b\n1,2\n3\n4,5\n')).toBe('data/x.csv:3: row has 1 fields, expected 2 (as in the header)');
  });

  it('names line and column of text in a numeric column', () => {
    expect(err('a,b\n1,2\n3,four\n', { schema: [{ name: 'b', type: 'numeric' }] })).toBe(
      'data/x.csv:3: column "b" (column 2) is numeric but has "four"',
    );
  });

  it('rejects an unknown target and a one-class target', () => {
    expect(err('a,b\n1,2\n', { target: 'y' })).toMatch(/target column "y" is not in the file/);
    expect(err('a,y\n1,yes\n2,yes\n', { target: 'y' })).toMatch(/target column "y" has a single class \(yes\)/);
    expect(err('a,y\n1,no\n2,yes\n', { target: 'y', positive: 'maybe' })).toMatch(/positive class "maybe" does not occur/);
  });

  it('round-trips through toCsv', () => {
    const text = 'a,b,y\n1,x,0\n2.5,"z,w",1\n';
    const t = parseCsv(text, { file: 'f.csv' });
    expect(toCsv(t)).toBe(text);
  });
});

describe('dataset registry (shared copies via BENCH_DATA_DIR)', () => {
  it('has a manifest for every benchmark dataset', () => {
    expect(listDatasets().map((d) => d.name).sort()).toEqual(
      ['adult', 'adult-test', 'credit-default', 'ecg5000', 'ecg5000-test', 'german-credit', 'pima', 'wdbc'].sort(),
    );
  });

  it.each([
    ['adult', 32561, 15, 7841],
    ['adult-test', 16281, 15, 3846],
    ['credit-default', 30000, 24, 6636],
    ['ecg5000', 500, 141, 292],
    ['german-credit', 1000, 21, 300],
    ['wdbc', 569, 31, 212],
    ['pima', 768, 9, 268],
  ])('loads %s with the documented shape and positive count', (name, rows, cols, positives) => {
    const t = loadDataset(name);
    expect(t.nrows).toBe(rows);
    expect(t.ncols).toBe(cols);
    expect(t.binaryTarget().reduce((a, b) => a + b, 0)).toBe(positives);
    expect(getManifest(name).rows).toBe(rows);
  });

  it("keeps adult's '?' as its own category", () => {
    const t = loadDataset('adult');
    const wc = t.categorical('workclass');
    const q = wc.levels.indexOf('?');
    expect(q).toBeGreaterThanOrEqual(0);
    expect(Array.from(wc.codes).filter((c) => c === q).length).toBe(1836);
  });

  it('says how to get a dataset that is not downloaded', () => {
    expect(() => loadDataset('adult', '/nonexistent-dir')).toThrow(/bench datasets fetch adult/);
    expect(() => getManifest('nope')).toThrow(/unknown dataset "nope"/);
  });
});
