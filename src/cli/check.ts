/** `bench check <runDir> --baseline FILE` and `bench baseline <runDir> [--out FILE]`: the CI regression gate. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { checkRun, formatCheck, makeBaseline, type Baseline } from '../report/check.ts';
import { RunStore, writeAtomic } from '../runner/store.ts';

function openRun(dir: string): RunStore {
  const store = new RunStore(resolve(dir));
  if (!store.readManifest()) throw Object.assign(new Error(`${dir}: not a run directory (no manifest.json)`), { name: 'UserError' });
  return store;
}

export const checkCommand: CommandModule = {
  command: 'check <runDir>',
  describe: 'Compare a run with a committed baseline; exit 1 on a regression',
  builder: (y) =>
    y
      .positional('runDir', { type: 'string', demandOption: true })
      .option('baseline', { type: 'string', demandOption: true, describe: 'baseline JSON (bench baseline writes one)' })
      .option('all', { type: 'boolean', default: false, describe: 'print every metric, not only changes' })
      .example('$0 check reports/ci --baseline experiments/baselines/ci.json', ''),
  handler: (argv) => {
    const store = openRun(argv.runDir as string);
    const path = argv.baseline as string;
    if (!existsSync(path)) throw Object.assign(new Error(`${path}: baseline not found (create one with \`bench baseline ${argv.runDir} --out ${path}\`)`), { name: 'UserError' });
    const baseline = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
    const manifest = store.readManifest()!;
    if (manifest.configHash !== baseline.configHash) {
      console.error(`note: the run's config hash ${manifest.configHash} differs from the baseline's ${baseline.configHash}`);
    }
    const rows = checkRun(store.readCells(), baseline);
    console.log(formatCheck(rows, argv.all as boolean));
    if (rows.some((r) => r.status === 'regressed' || r.status === 'missing')) process.exitCode = 1;
  },
};

export const baselineCommand: CommandModule = {
  command: 'baseline <runDir>',
  describe: 'Write the metrics of a run as a new regression baseline',
  builder: (y) =>
    y
      .positional('runDir', { type: 'string', demandOption: true })
      .option('out', { type: 'string', describe: 'baseline file (default: print)' })
      .option('abs', { type: 'number', default: 0.02, describe: 'absolute tolerance' })
      .option('spread', { type: 'number', default: 3, describe: 'tolerance in baseline seed standard deviations' }),
  handler: (argv) => {
    const store = openRun(argv.runDir as string);
    const b = makeBaseline(store.readCells(), store.readManifest()!.configHash, { default: { abs: argv.abs as number, spread: argv.spread as number } });
    const text = JSON.stringify(b, null, 1) + '\n';
    if (argv.out) {
      writeAtomic(resolve(argv.out as string), text);
      console.log(`${argv.out}: ${b.metrics.length} metrics`);
    } else process.stdout.write(text);
  },
};
