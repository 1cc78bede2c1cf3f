#!/usr/bin/env node
// `npm run bench:perf`: the compute benchmark (bench/perf.ts) then every bench/*-perf.ts (classifiers,
// attacks, CTGAN, ...), each in its own process; each merges its figures into reports/perf.json.
// Run a single script directly for its own options, e.g. `npx tsx bench/perf.ts --help`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../bench/', import.meta.url));
const scripts = ['perf.ts', ...readdirSync(dir).filter((f) => f.endsWith('-perf.ts')).sort()];
let failed = 0;
for (const s of scripts) {
  console.log(`\n== bench/${s}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${s}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${s} failed (exit ${r.status}); its figures are missing from reports/perf.json`);
  }
}
process.exit(failed ? 1 : 0);
