import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../src/cli/eval.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-eval-'));
const lines = readFileSync(join(process.env.BENCH_DATA_DIR!, 'german-credit.csv'), 'utf8').trim().split('\n');
const header = lines[0];
const write = (name: string, rows: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, [header, ...rows].join('\n') + '\n');
  return p;
};
const train = write('train.csv', lines.slice(1, 501));
const test = write('test.csv', lines.slice(501, 801));
const target = header.split(',').at(-1)!;

const defaults = { classifiers: 'logreg,gnb,rf,adaboost,bagging,gbdt', cv: false, folds: 5, repeats: 2, 'test-fraction': 0.3, permutations: 2, seed: 0, json: true, target };
type Argv = Parameters<NonNullable<typeof evalCommand.handler>>[0];

function run(args: Record<string, unknown>): string {
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    evalCommand.handler!({ ...defaults, ...args, _: ['eval'], $0: 'bench' } as unknown as Argv);
  } finally {
    spy.mockRestore();
  }
  return out.join('\n');
}

afterEach(() => vi.restoreAllMocks());

describe('bench eval', () => {
  it('--train/--test --json: one object per classifier with accuracy, auc, f1, recall, fit seconds', () => {
    const res = JSON.parse(run({ train, test })) as Record<string, unknown>[];
    expect(res.map((r) => r.classifier)).toEqual(['logreg', 'gnb', 'rf', 'adaboost', 'bagging', 'gbdt']);
    for (const r of res) {
      for (const k of ['accuracy', 'auc', 'f1', 'recall']) expect(typeof r[k]).toBe('number');
      expect(r.fitSeconds).toBeGreaterThanOrEqual(0);
      expect(r.setting).toBe('TRTR');
    }
    expect((res[0].auc as number) > 0.65).toBe(true);
  });

  it('--real/--synthetic adds TSTR, SRA, pMSE and fidelity', () => {
    const res = JSON.parse(run({ real: train, synthetic: test, classifiers: 'logreg,gnb,gbdt' })) as { classifiers: { setting: string }[]; metrics: { name: string; variant?: string }[] };
    expect(res.classifiers.filter((c) => c.setting === 'TSTR')).toHaveLength(3);
    const names = new Set(res.metrics.map((m) => m.name));
    for (const n of ['sra', 'pmse', 'pmse_ratio', 'tvd_mean', 'ks_mean', 'corr_diff']) expect(names.has(n)).toBe(true);
    const text = run({ real: train, synthetic: test, classifiers: 'logreg', json: false });
    expect(text).toMatch(/TSTR\s+baseline\s+logreg/);
    expect(text).toMatch(/pmse_ratio\s+cart/);
  });

  it('says clearly what is wrong with the input', () => {
    expect(() => run({ train, test, target: 'nope' })).toThrow(/train.csv: target column "nope" is not in the file/);
    expect(() => run({ train, test, positive: 'maybe' })).toThrow(/positive class "maybe" does not occur/);
    const cols = header.split(',');
    const numericIdx = lines[1].split(',').findIndex((v) => v !== '' && Number.isFinite(Number(v)));
    const bad = write('bad.csv', lines.slice(501, 601).map((l) => l.split(',').map((v, j) => (j === numericIdx ? `x${v}` : v)).join(',')));
    expect(() => run({ train, test: bad })).toThrow(new RegExp(`column "${cols[numericIdx]}" is numeric in .*train.csv but categorical in .*bad.csv`));
  });
});
