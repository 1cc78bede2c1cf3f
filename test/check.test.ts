import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../src/config/load.ts';
import type { CellResult } from '../src/report/cell.ts';
import { checkRun, makeBaseline } from '../src/report/check.ts';
import { compareExperiment, experimentSchema } from '../src/report/repro.ts';
import { runExperiment } from '../src/runner/run.ts';
import { RunStore } from '../src/runner/store.ts';
import { bench, tempDir } from './helpers.ts';

const cfg = `name: gate
dataset: {name: pima}
generators: [identity, independent]
privacy: {mechanism: laplace, epsilon: [1, 10]}
seeds: [0, 1]
evaluation: {classifiers: [logreg, gnb], settings: [TRTR, TSTR]}
report: {formats: [md]}
`;

async function run(): Promise<{ dir: string; cells: CellResult[] }> {
  const dir = tempDir();
  await runExperiment(loadConfigText(cfg, 'gate.yaml'), { out: dir });
  return { dir, cells: new RunStore(dir).readCells() };
}

describe('regression gate', () => {
  it('passes a run against its own baseline and fails an injected regression', async () => {
    const { dir, cells } = await run();
    const baseline = makeBaseline(cells, 'h');
    expect(baseline.metrics.length).toBeGreaterThan(20);
    expect(checkRun(cells, baseline).every((r) => r.status === 'ok')).toBe(true);

    // Inject: the independent baseline at ε=10 loses 0.2 AUC on every seed.
    const broken = structuredClone(cells);
    for (const c of broken) if (c.spec.generator === 'independent' && c.spec.epsilon === 10) for (const u of c.utility) if (u.auc !== null) u.auc -= 0.2;
    const rows = checkRun(broken, baseline);
    const regressed = rows.filter((r) => r.status === 'regressed');
    expect(regressed.length).toBeGreaterThan(0);
    expect(regressed.every((r) => r.key.includes('independent|laplace|10|') && r.key.endsWith('|auc'))).toBe(true);

    // A metric that disappears is a failure too.
    const missing = checkRun(cells.filter((c) => c.spec.generator !== 'identity'), baseline);
    expect(missing.some((r) => r.status === 'missing')).toBe(true);

    // Through the CLI: exit 0 on the clean run, 1 once a stored cell is made worse.
    const basePath = join(dir, 'baseline.json');
    expect(bench(['baseline', dir, '--out', basePath]).code).toBe(0);
    expect(bench(['check', dir, '--baseline', basePath]).code).toBe(0);
    const store = new RunStore(dir);
    const victim = store.readCells().find((c) => c.spec.generator === 'identity')!;
    for (const u of victim.utility) if (u.accuracy !== null) u.accuracy -= 0.3;
    store.writeCell(victim);
    const r = bench(['check', dir, '--baseline', basePath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/regressed\s+pima\|identity\|none\|nodp\|utility\|T..R\|baseline\|logreg\|accuracy/);
  });

  it('treats lower-is-better metrics in the right direction', async () => {
    const { cells } = await run();
    const baseline = makeBaseline(cells, 'h');
    const better = structuredClone(cells);
    for (const c of better) for (const u of c.utility) if (u.accuracy !== null) u.accuracy += 0.2;
    expect(checkRun(better, baseline).some((r) => r.status === 'improved')).toBe(true);
    expect(checkRun(better, baseline).some((r) => r.status === 'regressed')).toBe(false);
  });
});

describe('reproduction comparison', () => {
  it('judges numbers against tolerance and claims against each other, and says what is missing', async () => {
    const { cells } = await run();
    const exp = experimentSchema.parse({
      title: 't',
      source: 's',
      config: 'c.yaml',
      compare: [
        { label: 'far', ours: { generator: 'identity', setting: 'TRTR', metric: 'accuracy' }, theirs: 0.1, tolerance: 0.01 },
        { label: 'ctx', ours: { generator: 'identity', setting: 'TRTR', metric: 'accuracy' }, theirs: 0.1, tolerance: 0.01, context: true },
        { label: 'absent', ours: { generator: 'ctgan', setting: 'TSTR', metric: 'f1' }, theirs: 0.6, tolerance: 0.05 },
      ],
      claims: [
        { label: 'more ε helps', left: { generator: 'independent', epsilon: 10, setting: 'TSTR', metric: 'auc' }, op: '>', right: { generator: 'independent', epsilon: 1, setting: 'TSTR', metric: 'auc' } },
        { label: 'impossible', left: { generator: 'identity', setting: 'TRTR', metric: 'accuracy' }, op: '>', right: 1 },
      ],
    });
    const rows = compareExperiment(exp, cells);
    expect(rows.map((r) => r.verdict)).toEqual(['DIFFERS', 'context', 'missing', 'holds', 'FAILS']);
    const acc = cells.filter((c) => c.spec.generator === 'identity').flatMap((c) => c.utility.filter((u) => u.setting === 'TRTR' && u.kind === 'baseline').map((u) => u.accuracy!));
    expect(rows[0].ours).toBeCloseTo(acc.reduce((a, b) => a + b, 0) / acc.length, 12);
  });
});
