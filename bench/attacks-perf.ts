/**
 * `npx tsx bench/attacks-perf.ts [--out FILE]` (BENCH_DATA_DIR must hold adult-train/test): seconds of the
 * privacy-attack suite on Adult — train 16k vs holdout 16k (disjoint halves of adult-train) vs 16k synthetic
 * rows (a copy of train, fresh adult-test rows, a kanon k=5 release, uniform noise over the declared bounds —
 * the far-from-data case for nearest-neighbour search), the same with 32k synthetic rows, and
 * the exact 32k × 32k nearest-neighbour search (adult-train against itself, leave-one-out). Bar: the full
 * suite under a minute. Merges an `attack_seconds` key into reports/perf.json (read-merge-write; other
 * scripts own the other keys). Recorded, never asserted. Wall time suffers when other processes share the
 * CPU, so this process's CPU seconds are recorded too.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../src/compute/rng.ts';
import { loadDataset } from '../src/data/registry.ts';
import type { Table } from '../src/data/table.ts';
import { runAttacks, type AttackOptions } from '../src/eval/attacks/index.ts';
import { nearest } from '../src/eval/attacks/nn.ts';
import { MixedSpace } from '../src/eval/attacks/space.ts';
import { kanonInfo } from '../src/generators/baselines/kanon.ts';
import { uniformInfo } from '../src/generators/baselines/uniform.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { mergePerfJson } from './perf-json.ts';

const ATTACKS = ['dcr-share', 'closest-distance', 'domias', 'tcap'];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function parseArgs(argv: string[]): { out: string } {
  const args = { out: 'reports/perf.json' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1] !== undefined) args.out = argv[++i];
    else throw new Error(`attacks-perf: unknown argument '${argv[i]}' (use --out FILE)`);
  }
  return args;
}

function suite(train: Table, holdout: Table, synthetic: Table, options: AttackOptions, seed: number) {
  const w0 = performance.now();
  const c0 = cpuSeconds();
  const rs = runAttacks({ train, holdout, synthetic, attacks: ATTACKS, nominalEpsilon: null, rng: new Rng(seed), options });
  const out: Record<string, unknown> = {
    total_wall: round((performance.now() - w0) / 1000),
    total_cpu: round(cpuSeconds() - c0),
  };
  for (const r of rs) {
    out[r.attack] = {
      seconds: round(r.seconds),
      ...(r.value != null ? { value: round(r.value as number, 4) } : {}),
      ...(r.auc != null ? { auc: round(r.auc, 4), epsilonLower: round(r.epsilonLower as number, 3) } : {}),
    };
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg()[0];
  const adult = loadDataset('adult');
  const perm = new Rng('attacks-perf').permutation(adult.nrows);
  const train = adult.take(perm.subarray(0, 16000));
  const holdout = adult.take(perm.subarray(16000, 32000));
  const fresh = loadDataset('adult-test').take(new Rng('fresh').permutation(16281).subarray(0, 16000));
  const copy = train.take(new Rng('copy').permutation(train.nrows));
  const kanon = kanonInfo.create({ k: 5 });
  await kanon.fit(train, {
    rng: new Rng('kanon'),
    privacy: { mechanism: 'none', epsilon: Infinity, delta: 0, accountant: 'rdp' },
    ledger: new Ledger({ epsilon: Infinity, delta: 0 }),
  });
  const kanon16 = await kanon.sample(16000, new Rng('k16'));
  const uniform = uniformInfo.create({});
  await uniform.fit(train, {
    rng: new Rng('uniform'),
    privacy: { mechanism: 'none', epsilon: Infinity, delta: 0, accountant: 'rdp' },
    ledger: new Ledger({ epsilon: Infinity, delta: 0 }),
  });
  const uniform16 = await uniform.sample(16000, new Rng('u16'));
  const kanon32 = await kanon.sample(32000, new Rng('k32'));

  const result: Record<string, unknown> = {};
  for (const distance of ['gower', 'l2'] as const) {
    const opts: AttackOptions = { distance };
    const runs = {
      copy: suite(train, holdout, copy, opts, 1),
      fresh: suite(train, holdout, fresh, opts, 2),
      kanon_k5: suite(train, holdout, kanon16, opts, 3),
      uniform: suite(train, holdout, uniform16, opts, 6),
      kanon_k5_synthetic_32k: suite(train, holdout, kanon32, opts, 4),
    };
    result[`suite_16k_${distance}`] = runs;
    console.log(distance, JSON.stringify(Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.total_wall]))));

    // Exact nearest other record for all 32,561 adult-train rows.
    const space = MixedSpace.fit(adult, distance);
    const enc = space.encode(adult);
    const w0 = performance.now();
    const c0 = cpuSeconds();
    nearest(space, enc, enc, { excludeSelf: true });
    result[`nn_32k_x_32k_${distance}`] = { wall: round((performance.now() - w0) / 1000), cpu: round(cpuSeconds() - c0), rows: adult.nrows };
  }
  // DOMIAS on every target (no 5000-a-side subsample) for comparison.
  {
    const w0 = performance.now();
    const c0 = cpuSeconds();
    const [r] = runAttacks({ train, holdout, synthetic: fresh, attacks: ['domias'], nominalEpsilon: null, rng: new Rng(5), options: { domias: { maxTargets: 0 } } });
    result.domias_all_16k_targets = { wall: round((performance.now() - w0) / 1000), cpu: round(cpuSeconds() - c0), auc: round(r.auc as number, 4) };
  }
  result.host = {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    loadavg_1min_before: round(loadBefore, 2),
    loadavg_1min_after: round(os.loadavg()[0], 2),
    node: process.version,
    date: new Date().toISOString(),
    command: 'npx tsx bench/attacks-perf.ts',
  };

  const out = mergePerfJson(args.out, { attack_seconds: result });
  console.log(JSON.stringify(result, null, 2));
  console.log(`merged attack_seconds into ${out}`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
