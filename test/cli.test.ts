import { describe, expect, it } from 'vitest';
import { bench, tempDir, writeConfig } from './helpers.ts';

describe('bench CLI', () => {
  it('prints help with the commands and examples', () => {
    const r = bench(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['run <config>', 'validate <config>', 'report <runDir>', 'merge <dirs..>', 'datasets <action>', 'list']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toContain('privacy.epsilon=[1]');
  });

  it('validate shows the cells, or one clear line per error with exit code 2', () => {
    const dir = tempDir();
    const ok = writeConfig(dir, 'name: v\ndataset: {name: pima}\ngenerators: [identity]\n');
    const r = bench(['validate', ok]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pima__identity__none__nodp__s0');
    const bad = writeConfig(dir, 'name: v\ndataset: {name: pima}\ngenerators: [identity]\nseeds: [0, one]\n', 'bad.yaml');
    const e = bench(['validate', bad]);
    expect(e.code).toBe(2);
    expect(e.stderr.trim()).toBe(`${bad}:4 seeds[1]: Invalid input: expected number, received string, got "one"`);
    expect(e.stderr).not.toMatch(/at .*\.ts:\d+/);
    const unknown = writeConfig(dir, 'name: v\ndataset: {name: pima}\ngenerators: [nosuch]\n', 'u.yaml');
    const u = bench(['validate', unknown]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/unknown generator "nosuch"/);
  });

  it('lists datasets and generators', () => {
    const d = bench(['datasets', 'list']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/adult\s+32561 rows/);
    const i = bench(['datasets', 'info', 'german-credit']);
    expect(i.stdout).toContain('positive class "2"');
    const l = bench(['list']);
    expect(l.stdout).toMatch(/independent\s+mechanisms: none, laplace/);
  });

  it('runs a config end to end and re-renders the report', () => {
    const dir = tempDir();
    const cfg = writeConfig(dir, 'name: e2e\ndataset: {name: pima}\ngenerators: [identity, independent]\nprivacy: {mechanism: laplace, epsilon: [1]}\n');
    const r = bench(['run', cfg, '--out', `${dir}/run`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 cells run \(0 failed\)/);
    const rep = bench(['report', `${dir}/run`]);
    expect(rep.code).toBe(0);
    expect(rep.stdout).toContain('report.md');
    expect(bench(['report', dir]).stderr).toMatch(/not a run directory/);
  });
});
