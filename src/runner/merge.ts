/**
 * Merge run directories of one config (shards from a Slurm array, Kubernetes indexed job or CI
 * matrix) into one: cells are unioned by id; a cell present in several sources must be identical in
 * its results (same config, seed and backend give the same numbers) — a conflict is reported, not hidden.
 */
import { mkdirSync } from 'node:fs';
import type { CellResult } from '../report/cell.ts';
import { renderRun } from './render.ts';
import { RunStore, type RunManifest } from './store.ts';

/** The parts of a cell that must agree between copies (timings and timestamps may differ). */
function resultKey(c: CellResult): string {
  return JSON.stringify({ spec: c.spec, status: c.status, utility: c.utility.map(({ fitSeconds: _f, ...u }) => u), metrics: c.metrics, ledger: c.ledger });
}

export async function mergeRuns(dirs: string[], out: string, log: (l: string) => void = () => {}): Promise<{ dir: string; cells: number; sources: number; missing: number }> {
  if (dirs.length === 0) throw new Error('bench merge: name at least one run directory');
  const manifests = dirs.map((d) => {
    const m = new RunStore(d).readManifest();
    if (!m) throw new Error(`${d}: not a run directory (no manifest.json)`);
    return m;
  });
  const hash = manifests[0].configHash;
  manifests.forEach((m, i) => {
    if (m.configHash !== hash) throw new Error(`${dirs[i]}: config hash ${m.configHash} differs from ${dirs[0]} (${hash}); only runs of the same config can be merged`);
  });
  mkdirSync(out, { recursive: true });
  const target = new RunStore(out);
  const merged = new Map<string, CellResult>();
  for (const d of dirs) {
    for (const c of new RunStore(d).readCells()) {
      const prev = merged.get(c.spec.id);
      if (!prev || (prev.status !== 'ok' && c.status === 'ok')) merged.set(c.spec.id, c);
      else if (prev.status === 'ok' && c.status === 'ok' && resultKey(prev) !== resultKey(c)) {
        log(`warning: cell ${c.spec.id} differs between sources; keeping the first (${dirs[0]})`);
      }
    }
  }
  for (const c of merged.values()) target.writeCell(c);
  const first = manifests[0];
  const manifest: RunManifest = {
    ...first,
    startedAt: manifests.map((m) => m.startedAt).sort()[0],
    endedAt: manifests.some((m) => !m.endedAt) ? null : manifests.map((m) => m.endedAt!).sort().at(-1)!,
    shards: [...new Set(manifests.flatMap((m) => m.shards ?? []))].sort(),
  };
  target.writeManifest(manifest);
  target.writeResultsJsonl();
  await renderRun(out, first.config.report.formats, log);
  const missing = first.cells.filter((id) => !merged.has(id)).length;
  return { dir: out, cells: merged.size, sources: dirs.length, missing };
}
