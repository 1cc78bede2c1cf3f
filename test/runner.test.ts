import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../src/config/load.ts';
import { mergeRuns } from '../src/runner/merge.ts';
import { planCells, shardCells } from '../src/runner/plan.ts';
import { runExperiment } from '../src/runner/run.ts';
import { RunStore } from '../src/runner/store.ts';
import { bench, benchAsync, tempDir, writeConfig } from './helpers.ts';

const smoke = `name: t
dataset: {name: pima}
generators: [identity, independent]
privacy: {mechanism: laplace, epsilon: [0.5, 1, 2, 4]}
seeds: [0, 1]
evaluation: {classifiers: [logreg], settings: [TRTR, TSTR]}
`;

function cellFiles(dir: string): string[] {
  const d = join(dir, 'cells');
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).sort() : [];
}

describe('plan', () => {
  it('expands the grid with stable ids; non-private cells once per seed', () => {
    const c = loadConfigText(smoke, 't.yaml');
    const cells = planCells(c);
    expect(cells.length).toBe(2 + 4 * 2);
    expect(cells.map((x) => x.id)).toEqual(planCells(loadConfigText(smoke, 't.yaml')).map((x) => x.id));
    expect(cells.filter((x) => x.generator === 'identity').every((x) => x.epsilon === null && x.mechanism === 'none')).toBe(true);
    expect(new Set(cells.map((x) => x.id)).size).toBe(cells.length);
  });

  it('shards are disjoint and their union is the full plan', () => {
    const cells = planCells(loadConfigText(smoke, 't.yaml')).map((x) => x.id);
    const parts = [1, 2, 3].map((i) => shardCells(cells, { index: i, count: 3 }));
    expect(parts.flat().sort()).toEqual([...cells].sort());
    expect(new Set(parts.flat()).size).toBe(cells.length);
  });
});

describe('runner', () => {
  it('writes one result per cell, skips finished cells on re-run, and reports them', async () => {
    const dir = tempDir();
    const config = loadConfigText(smoke, 't.yaml');
    const first = await runExperiment(config, { out: dir });
    expect(first.ran).toBe(10);
    expect(first.failed).toBe(0);
    expect(cellFiles(dir).length).toBe(10);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.cells.length).toBe(10);
    expect(manifest.configHash).toMatch(/^[0-9a-f]{12}$/);
    expect(manifest.endedAt).not.toBeNull();
    const second = await runExperiment(config, { out: dir });
    expect(second.ran).toBe(0);
    expect(second.skipped).toBe(10);
    const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(10);
    // The DP cells record what they spent, and never more than the target.
    for (const c of new RunStore(dir).readCells()) {
      if (c.spec.epsilon !== null) {
        expect(c.ledger!.spent.epsilon).toBeCloseTo(c.spec.epsilon, 9);
        expect(c.ledger!.spent.epsilon).toBeLessThanOrEqual(c.spec.epsilon * (1 + 1e-9));
      }
    }
  });

  it('computes TRTR once per dataset and seed: every cell of a seed carries the same TRTR scores', async () => {
    const dir = tempDir();
    await runExperiment(loadConfigText(smoke, 't.yaml'), { out: dir });
    const cells = new RunStore(dir).readCells();
    for (const seed of [0, 1]) {
      const trtr = cells.filter((c) => c.spec.seed === seed).map((c) => JSON.stringify(c.utility.filter((u) => u.setting === 'TRTR')));
      expect(trtr.length).toBe(5);
      expect(new Set(trtr).size).toBe(1);
      expect(trtr[0]).toContain('"setting":"TRTR"');
    }
  });

  it('same config and seed give the same numbers', async () => {
    const config = loadConfigText(smoke, 't.yaml');
    const a = tempDir();
    const b = tempDir();
    await runExperiment(config, { out: a });
    await runExperiment(config, { out: b });
    const strip = (d: string) => new RunStore(d).readCells().map((c) => JSON.stringify({ u: c.utility.map(({ fitSeconds: _f, ...u }) => u), l: c.ledger, m: c.metrics }));
    expect(strip(a)).toEqual(strip(b));
  });

  it('shards run separately and merged equal a single run', async () => {
    const config = loadConfigText(smoke, 't.yaml');
    const full = tempDir();
    await runExperiment(config, { out: full });
    const s1 = tempDir();
    const s2 = tempDir();
    await runExperiment(config, { out: s1, shard: { index: 1, count: 2 } });
    await runExperiment(config, { out: s2, shard: { index: 2, count: 2 } });
    const f1 = cellFiles(s1);
    const f2 = cellFiles(s2);
    expect(f1.filter((f) => f2.includes(f))).toEqual([]);
    const merged = tempDir();
    const r = await mergeRuns([s1, s2], merged);
    expect(r.missing).toBe(0);
    expect(cellFiles(merged)).toEqual(cellFiles(full));
    const key = (d: string) => new RunStore(d).readCells().map((c) => JSON.stringify({ id: c.spec.id, u: c.utility.map(({ fitSeconds: _f, ...u }) => u), l: c.ledger }));
    expect(key(merged)).toEqual(key(full));
  });

  it('a changed config gets its own run directory unless --resume', async () => {
    const dir = tempDir();
    await runExperiment(loadConfigText(smoke, 't.yaml'), { out: dir });
    const changed = loadConfigText(smoke, 't.yaml', ['seeds=[5]']);
    const r = await runExperiment(changed, { out: dir });
    expect(r.dir).not.toBe(dir);
    expect(r.dir.startsWith(dir + '-')).toBe(true);
    const forced = await runExperiment(changed, { out: dir, resume: true });
    expect(forced.dir).toBe(dir);
  });

  it('resumes after kill -9 with nothing lost or duplicated', async () => {
    const dir = tempDir();
    const eps = Array.from({ length: 30 }, (_, i) => (i + 1) / 4);
    const cfg = writeConfig(
      dir,
      `name: k\ndataset: {name: adult}\ngenerators: [independent]\nprivacy: {mechanism: laplace, epsilon: [${eps.join(', ')}]}\nseeds: [0, 1]\nevaluation: {classifiers: [logreg], settings: [TRTR]}\n`,
    );
    const out = join(dir, 'run');
    const child = benchAsync(['run', cfg, '--out', out]);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (cellFiles(out).length >= 3) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 10);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('run finished before it could be killed'));
      });
    });
    await new Promise((r) => child.on('exit', r));
    const partial = cellFiles(out).length;
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(60);
    const r = bench(['run', cfg, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${partial} already done, ${60 - partial} to run`));
    const files = cellFiles(out);
    expect(files.length).toBe(60);
    const ids = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).spec.id);
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
  });

  it('runs cells in parallel worker processes with the same results', async () => {
    const config = loadConfigText(smoke, 't.yaml');
    const serial = tempDir();
    await runExperiment(config, { out: serial });
    const par = tempDir();
    const r = await runExperiment(config, { out: par, workers: 2 });
    expect(r.ran).toBe(10);
    const key = (d: string) => new RunStore(d).readCells().map((c) => JSON.stringify({ id: c.spec.id, u: c.utility.map(({ fitSeconds: _f, ...u }) => u), l: c.ledger }));
    expect(key(par)).toEqual(key(serial));
  });
});
