/**
 * reports/perf.json is shared by every benchmark script: each merges its own keys into it. A file that
 * exists but is not JSON is refused rather than overwritten, so no script loses another's figures.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function mergePerfJson(file: string, figures: Record<string, unknown>): string {
  const out = path.resolve(file);
  let merged: Record<string, unknown> = {};
  if (existsSync(out)) {
    try {
      merged = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new Error(`${file} exists but is not JSON; move it away first`);
    }
  }
  Object.assign(merged, figures);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(merged, null, 2) + '\n');
  return out;
}
