/**
 * Config → plan: the grid dataset × generator × mechanism × ε × seed expanded into cells with stable
 * ids (the same config always yields the same ids in the same order, so shards and resume agree).
 * Non-private cells (mechanism none) do not depend on ε and appear once per seed.
 */
import { createHash } from 'node:crypto';
import { configDatasets, configGenerators, datasetName, type Config, type DatasetConfig, type Mechanism } from '../config/schema.ts';
import { getGeneratorInfo, resolveGenerator } from '../generators/registry.ts';
import type { CellSpec } from '../report/cell.ts';

export interface PlannedCell extends CellSpec {
  datasetConfig: DatasetConfig;
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function shortHash(v: unknown, n = 8): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, n);
}

/** Hash of everything that changes results (not output paths or report formats). */
export function configHash(c: Config): string {
  const { output: _o, report: _r, description: _d, ...rest } = c;
  return shortHash(rest, 12);
}

function fmtEps(e: number): string {
  return String(e).replace('.', 'p');
}

export function planCells(config: Config): PlannedCell[] {
  const requested: Mechanism[] | undefined =
    config.privacy.mechanism === undefined ? undefined : ([] as Mechanism[]).concat(config.privacy.mechanism);
  const cells: PlannedCell[] = [];
  const seen = new Set<string>();
  for (const ds of configDatasets(config)) {
    const dsName = datasetName(ds);
    for (const g of configGenerators(config)) {
      getGeneratorInfo(g.name); // unknown names fail here, before anything runs
      const { mechanisms } = resolveGenerator(g.name, requested);
      const optTag = Object.keys(g.options).length > 0 ? `-${shortHash(g.options, 6)}` : '';
      for (const mech of mechanisms) {
        const epsList: (number | null)[] = mech === 'none' ? [null] : config.privacy.epsilon;
        for (const eps of epsList) {
          for (const seed of config.seeds) {
            const id = [dsName, `${g.name}${optTag}`, mech, eps === null ? 'nodp' : `eps${fmtEps(eps)}`, `s${seed}`]
              .join('__')
              .replace(/[^A-Za-z0-9._=-]+/g, '_');
            if (seen.has(id)) throw new Error(`config lists the same cell twice: ${id} (duplicate generator entry or ε value?)`);
            seen.add(id);
            cells.push({
              id,
              dataset: dsName,
              datasetConfig: ds,
              generator: g.name,
              options: g.options,
              mechanism: mech,
              epsilon: eps,
              delta: config.privacy.delta,
              accountant: config.privacy.accountant,
              seed,
            });
          }
        }
      }
    }
  }
  return cells;
}

/** Parse "i/n" (1-based i) and keep every n-th cell starting at i-1 — deterministic, disjoint, covering. */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`--shard ${s}: expected i/n, e.g. 2/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`--shard ${s}: need 1 ≤ i ≤ n`);
  return { index, count };
}

export function shardCells<T>(cells: T[], shard: { index: number; count: number } | undefined): T[] {
  if (!shard) return cells;
  return cells.filter((_, k) => k % shard.count === shard.index - 1);
}
