/**
 * DP classifiers in the harness (issue 12): `evaluation.classifiers: [..., dp-logreg, dp-gnb]` with
 * `evaluation.classifier_epsilon` runs from a config, stores each DP fit's own ledger in the cell, and the
 * report draws metric vs ε with the non-private models as references and tabulates the gap.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../src/config/load.ts';
import { runExperiment } from '../src/runner/run.ts';
import { RunStore } from '../src/runner/store.ts';
import { tempDir } from './helpers.ts';

describe('DP classifiers from a config', () => {
  it('identity + classifier_epsilon list: TRTR rows per ε, own ledgers, chart with references, gap table', async () => {
    const dir = tempDir();
    const config = loadConfigText(
      `name: dpc
dataset: {name: pima}
generators: [identity]
seeds: [0, 1]
evaluation:
  classifiers: [logreg, gnb, dp-logreg, dp-gnb]
  classifier_epsilon: [1, 10]
  settings: [TRTR]
report: {formats: [md]}
`,
      'dpc.yaml',
    );
    const run = await runExperiment(config, { out: dir });
    expect(run.failed).toBe(0);
    const cells = new RunStore(dir).readCells();
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.utility.map((u) => u.classifier).sort()).toEqual(['dp-gnb@1', 'dp-gnb@10', 'dp-logreg@1', 'dp-logreg@10', 'gnb', 'logreg']);
      for (const u of c.utility) expect(u.accuracy).toBeGreaterThan(0.5);
      const ledgers = c.extras!.dpClassifiers as { classifier: string; budget: { epsilon: number }; maxSpent: number; fits: number }[];
      expect(ledgers.map((l) => l.classifier).sort()).toEqual(['dp-gnb@1', 'dp-gnb@10', 'dp-logreg@1', 'dp-logreg@10']);
      for (const l of ledgers) {
        expect(l.budget.epsilon).toBe(Number(l.classifier.split('@')[1]));
        expect(l.maxSpent).toBeLessThanOrEqual(l.budget.epsilon * (1 + 1e-9));
        expect(l.maxSpent).toBeGreaterThan(l.budget.epsilon * 0.999);
        expect(l.fits).toBe(1);
      }
      // The generator's own ledger is untouched: identity is non-private and spends nothing.
      expect(c.ledger!.entries).toHaveLength(0);
    }
    // Different seeds, different DP noise; the non-private models are deterministic.
    const auc = (i: number, name: string) => cells[i].utility.find((u) => u.classifier === name)!.auc;
    expect(auc(0, 'logreg')).toBe(auc(1, 'logreg'));
    expect(auc(0, 'dp-logreg@1')).not.toBe(auc(1, 'dp-logreg@1'));

    const spec = JSON.parse(readFileSync(join(dir, 'charts', 'dp-classifiers--pima--trtr.vl.json'), 'utf8'));
    const values = spec.data.values as Record<string, unknown>[];
    const refs = values.filter((v) => 'refValue' in v);
    expect(new Set(refs.map((r) => r.ref))).toEqual(new Set(['gnb (non-private)', 'logreg (non-private)']));
    expect(new Set(refs.map((r) => r.panel))).toEqual(new Set(['accuracy', 'ROC AUC', 'F1', 'recall']));
    const logregAcc = cells[0].utility.find((u) => u.classifier === 'logreg')!.accuracy!;
    expect(refs.find((r) => r.ref === 'logreg (non-private)' && r.panel === 'accuracy')!.refValue).toBeCloseTo(logregAcc, 4);
    const means = values.filter((v) => 'lo' in v);
    expect(new Set(means.map((m) => `${m.generator}@${m.epsilon}`))).toEqual(new Set(['dp-gnb@1', 'dp-gnb@10', 'dp-logreg@1', 'dp-logreg@10']));

    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('pima: DP classifiers vs their non-private counterparts');
    expect(md).toContain('DP classifiers: their own ledgers');
    const gapRow = md.split('\n').find((l) => l.startsWith('| TRTR | dp-logreg | 1 |'))!;
    const dpAcc = (cells[0].utility.find((u) => u.classifier === 'dp-logreg@1')!.accuracy! + cells[1].utility.find((u) => u.classifier === 'dp-logreg@1')!.accuracy!) / 2;
    const gap = dpAcc - logregAcc;
    expect(gapRow).toContain(`${gap >= 0 ? '+' : '−'}${Math.abs(gap).toFixed(3)}`);
  });

  it('classifier_epsilon: cell trains at the cell ε (TSTR on a DP generator) and fails clearly in a non-private cell', async () => {
    const dir = tempDir();
    const config = loadConfigText(
      `name: dpc-cell
dataset: {name: pima}
generators: [identity, independent]
privacy: {mechanism: laplace, epsilon: [2]}
evaluation:
  classifiers: [dp-gnb]
  classifier_epsilon: cell
  settings: [TSTR]
report: {formats: [md]}
`,
      'dpc.yaml',
    );
    const run = await runExperiment(config, { out: dir });
    expect(run.failed).toBe(1);
    const cells = new RunStore(dir).readCells();
    const indep = cells.find((c) => c.spec.generator === 'independent')!;
    expect(indep.status).toBe('ok');
    expect(indep.utility.map((u) => [u.setting, u.classifier])).toEqual([['TSTR', 'dp-gnb']]);
    const l = (indep.extras!.dpClassifiers as { budget: { epsilon: number } }[])[0];
    expect(l.budget.epsilon).toBe(2);
    // The generator spent its own budget separately.
    expect(indep.ledger!.spent.epsilon).toBeLessThanOrEqual(2 * (1 + 1e-9));
    const ident = cells.find((c) => c.spec.generator === 'identity')!;
    expect(ident.status).toBe('failed');
    expect(ident.error).toMatch(/classifier_epsilon is "cell".*non-private/);
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
  });
});
