/**
 * The result store (DESIGN.md §5): reports/<name>/manifest.json, cells/<id>.json written atomically
 * (temp file + rename, so a killed run leaves either a whole cell or none), results.jsonl rebuilt from the
 * cells (never appended, so nothing is duplicated after a crash).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';
import type { CellResult } from '../report/cell.ts';

export interface RunManifest {
  name: string;
  configHash: string;
  config: Config;
  configFile?: string;
  package: { name: string; version: string };
  gitCommit: string | null;
  backend: { name: string; reason?: string[]; native?: boolean; detail?: string } | null;
  versions: Record<string, string>;
  cells: string[];
  startedAt: string;
  endedAt: string | null;
  /** Shards that wrote into this directory (when run with --shard). */
  shards?: string[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function packageInfo(): { name: string; version: string; dependencies: Record<string, string> } {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
}

export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

/** Write a file atomically: a reader sees the old content or the new one, never a torn write. */
export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export class RunStore {
  constructor(readonly dir: string) {}

  get cellsDir(): string {
    return join(this.dir, 'cells');
  }

  cellPath(id: string): string {
    return join(this.cellsDir, `${id}.json`);
  }

  readManifest(): RunManifest | null {
    const p = join(this.dir, 'manifest.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as RunManifest) : null;
  }

  writeManifest(m: RunManifest): void {
    writeAtomic(join(this.dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  }

  /** Ids of cells finished successfully (failed cells are retried on the next run). */
  finishedIds(): Set<string> {
    const done = new Set<string>();
    for (const c of this.readCells()) if (c.status === 'ok') done.add(c.spec.id);
    return done;
  }

  writeCell(result: CellResult): void {
    writeAtomic(this.cellPath(result.spec.id), JSON.stringify(result, null, 1) + '\n');
  }

  readCells(): CellResult[] {
    if (!existsSync(this.cellsDir)) return [];
    return readdirSync(this.cellsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const path = join(this.cellsDir, f);
        try {
          return JSON.parse(readFileSync(path, 'utf8')) as CellResult;
        } catch (e) {
          throw new Error(`${path}: not a valid cell result (${(e as Error).message})`);
        }
      });
  }

  /** results.jsonl: one line per stored cell, in id order — derived, so it can always be rebuilt. */
  writeResultsJsonl(): number {
    const cells = this.readCells();
    writeAtomic(join(this.dir, 'results.jsonl'), cells.map((c) => JSON.stringify(c)).join('\n') + (cells.length ? '\n' : ''));
    return cells.length;
  }
}
