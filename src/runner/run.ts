/**
 * Orchestrates a run: plan → skip finished cells → run the rest (inline, or in N worker processes
 * fed from a queue) → manifest, results.jsonl, report. Resumable at any point: a cell is either
 * stored whole or not at all.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';
import { initCompute } from './backend.ts';
import { configBaseDir, prepareData } from './data.ts';
import { executeCell } from './execute.ts';
import { configHash, planCells, shardCells, type PlannedCell } from './plan.ts';
import { Progress } from './progress.ts';
import { renderRun } from './render.ts';
import { gitCommit, packageInfo, RunStore, type RunManifest } from './store.ts';

export interface RunOptions {
  configFile?: string;
  /** --set overrides, passed on to worker processes. */
  overrides?: string[];
  out?: string;
  shard?: { index: number; count: number };
  workers?: number;
  /** Reuse an existing run directory even if its config hash differs. */
  resume?: boolean;
  backend?: string;
  /** Draw a progress bar (TTY) or print a line per cell. */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface RunSummary {
  dir: string;
  planned: number;
  skipped: number;
  ran: number;
  failed: number;
  seconds: number;
}

/** Where the run's results go; a config whose hash changed gets its own folder unless --resume. */
export function resolveRunDir(config: Config, opts: RunOptions): { dir: string; note?: string } {
  const hash = configHash(config);
  const dir = resolve(opts.out ?? join(config.output, config.name));
  const existing = new RunStore(dir).readManifest();
  if (!existing || existing.configHash === hash || opts.resume) return { dir };
  const alt = `${dir}-${hash.slice(0, 8)}`;
  return { dir: alt, note: `${dir} holds a run of a different config (hash ${existing.configHash}); writing to ${alt} (use --resume to reuse the old folder)` };
}

export async function runExperiment(config: Config, opts: RunOptions = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const { dir, note } = resolveRunDir(config, opts);
  if (note) log(note);
  const store = new RunStore(dir);
  const all = planCells(config);
  const mine = shardCells(all, opts.shard);
  const finished = store.finishedIds();
  const pending = mine.filter((c) => !finished.has(c.id));
  const backend = await initCompute(opts.backend ?? config.backend);
  const pkg = packageInfo();
  const previous = store.readManifest();
  const shardTag = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : undefined;
  const manifest: RunManifest = {
    name: config.name,
    configHash: configHash(config),
    config,
    configFile: opts.configFile,
    package: { name: pkg.name, version: pkg.version },
    gitCommit: gitCommit(),
    backend,
    versions: { node: process.versions.node, ...pkg.dependencies },
    cells: all.map((c) => c.id),
    startedAt: previous?.startedAt ?? new Date().toISOString(),
    endedAt: null,
    shards: shardTag ? [...new Set([...(previous?.shards ?? []), shardTag])] : previous?.shards,
  };
  store.writeManifest(manifest);
  log(`${dir}: ${all.length} cells planned${opts.shard ? `, ${mine.length} in shard ${shardTag}` : ''}, ${mine.length - pending.length} already done, ${pending.length} to run (backend ${backend.name})`);

  const progress = new Progress(pending.length, opts.progress ?? false, log);
  let failed = 0;
  const onDone = (id: string, status: string, error?: string) => {
    if (status !== 'ok') {
      failed++;
      log(`cell ${id} failed: ${error}`);
    }
    progress.cellDone(id);
  };
  const workers = Math.max(1, Math.min(opts.workers ?? 1, pending.length));
  if (workers <= 1) {
    const baseDir = configBaseDir(opts.configFile);
    for (const cell of pending) {
      progress.cellStart(cell);
      const data = prepareData(cell.datasetConfig, config, baseDir);
      const result = await executeCell(cell, { config, data, backend: backend.name, progress: (m) => progress.message(m) });
      store.writeCell(result);
      onDone(cell.id, result.status, result.error);
    }
  } else {
    await runWithWorkers(pending, workers, { config, dir, opts, backend: backend.name, progress, onDone });
  }
  progress.stop();
  manifest.endedAt = new Date().toISOString();
  store.writeManifest(manifest);
  store.writeResultsJsonl();
  await renderRun(dir, config.report.formats, log);
  return {
    dir,
    planned: mine.length,
    skipped: mine.length - pending.length,
    ran: pending.length,
    failed,
    seconds: (performance.now() - t0) / 1000,
  };
}

const benchBin = fileURLToPath(new URL('../../bin/bench.js', import.meta.url));

/** Messages between the parent and a worker process. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'start'; id: string }
  | { type: 'progress'; id: string; message: string }
  | { type: 'done'; id: string; status: string; error?: string };

export type ParentMessage = { type: 'init'; configFile?: string; overrides: string[]; config: Config; dir: string; backend: string } | { type: 'cell'; id: string } | { type: 'exit' };

async function runWithWorkers(
  pending: PlannedCell[],
  n: number,
  ctx: { config: Config; dir: string; opts: RunOptions; backend: string; progress: Progress; onDone: (id: string, status: string, error?: string) => void },
): Promise<void> {
  if (!existsSync(benchBin)) throw new Error(`cannot start workers: ${benchBin} not found`);
  const queue = [...pending];
  const byId = new Map(pending.map((c) => [c.id, c]));
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolveWorker, reject) => {
        const child = fork(benchBin, ['__worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const next = () => {
          const cell = queue.shift();
          child.send(cell ? ({ type: 'cell', id: cell.id } satisfies ParentMessage) : ({ type: 'exit' } satisfies ParentMessage));
        };
        child.on('message', (m: WorkerMessage) => {
          if (m.type === 'ready') {
            child.send({ type: 'init', configFile: ctx.opts.configFile, overrides: ctx.opts.overrides ?? [], config: ctx.config, dir: ctx.dir, backend: ctx.backend } satisfies ParentMessage);
            next();
          } else if (m.type === 'start') ctx.progress.cellStart(byId.get(m.id)!);
          else if (m.type === 'progress') ctx.progress.message(m.message);
          else if (m.type === 'done') {
            ctx.onDone(m.id, m.status, m.error);
            next();
          }
        });
        child.on('exit', (code) => (code === 0 ? resolveWorker() : reject(new Error(`worker process exited with code ${code}`))));
        child.on('error', reject);
      }),
    ),
  );
}

/** Body of a worker process (`bench __worker`): run the cells the parent sends until told to exit. */
export async function workerMain(): Promise<void> {
  if (!process.send) throw new Error('__worker is started by `bench run --workers N`, not by hand');
  const send = (m: WorkerMessage) => process.send!(m);
  let init: Extract<ParentMessage, { type: 'init' }> | null = null;
  let cells: Map<string, PlannedCell> | null = null;
  let chain = Promise.resolve();
  process.on('message', (m: ParentMessage) => {
    chain = chain.then(async () => {
      if (m.type === 'init') {
        init = m;
        await initCompute(m.backend);
        cells = new Map(planCells(m.config).map((c) => [c.id, c]));
      } else if (m.type === 'cell') {
        const cell = cells!.get(m.id)!;
        send({ type: 'start', id: cell.id });
        const data = prepareData(cell.datasetConfig, init!.config, configBaseDir(init!.configFile));
        const result = await executeCell(cell, { config: init!.config, data, backend: init!.backend, progress: (msg) => send({ type: 'progress', id: cell.id, message: msg }) });
        new RunStore(init!.dir).writeCell(result);
        send({ type: 'done', id: cell.id, status: result.status, error: result.error });
      } else if (m.type === 'exit') {
        process.disconnect();
        process.exit(0);
      }
    });
  });
  send({ type: 'ready' });
}
