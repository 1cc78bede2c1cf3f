import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchBin = fileURLToPath(new URL('../bin/bench.js', import.meta.url));

export function tempDir(prefix = 'bench-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, text: string, name = 'config.yaml'): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Run the CLI to completion. */
export function bench(args: string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [benchBin, ...args], { cwd: opts.cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function benchAsync(args: string[]) {
  return spawn(process.execPath, [benchBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
}
