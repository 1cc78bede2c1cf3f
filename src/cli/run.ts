/** `bench run | validate | report | merge | list | schema` and the hidden worker entry. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { z } from 'zod';
import { loadConfigFile } from '../config/load.ts';
import { configSchema } from '../config/schema.ts';
import { listGenerators } from '../generators/registry.ts';
import { mergeRuns } from '../runner/merge.ts';
import { parseShard, planCells } from '../runner/plan.ts';
import { renderRun } from '../runner/render.ts';
import { runExperiment, workerMain } from '../runner/run.ts';
import { RunStore } from '../runner/store.ts';

const log = (line: string) => console.error(line);

export const runCommand: CommandModule = {
  command: 'run <config>',
  describe: 'Train, evaluate and report every cell of a config (resumable)',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'YAML config file', demandOption: true })
      .option('out', { type: 'string', describe: 'run directory (default: <output>/<name>)' })
      .option('set', { type: 'string', array: true, default: [], describe: 'override a config value: key.path=value (YAML value)' })
      .option('shard', { type: 'string', describe: 'run only shard i of n (i/n, 1-based): every n-th cell' })
      .option('workers', { type: 'number', default: 1, describe: 'cells in parallel worker processes' })
      .option('resume', { type: 'boolean', default: false, describe: 'reuse the run directory even if the config changed' })
      .option('backend', { type: 'string', describe: 'compute backend (auto | wasm-native | wasm | cpu | tensorflow | gpu)' })
      .example('$0 run configs/smoke.yaml', '')
      .example('$0 run configs/dpgan-eps.yaml --set privacy.epsilon=[1,10] --workers 2', ''),
  handler: async (argv) => {
    const overrides = argv.set as string[];
    const config = loadConfigFile(argv.config as string, overrides);
    const summary = await runExperiment(config, {
      configFile: argv.config as string,
      overrides,
      out: argv.out as string | undefined,
      shard: argv.shard ? parseShard(argv.shard as string) : undefined,
      workers: argv.workers as number,
      resume: argv.resume as boolean,
      backend: argv.backend as string | undefined,
      progress: process.stderr.isTTY,
      log,
    });
    console.log(
      `${summary.dir}: ${summary.ran} cells run (${summary.failed} failed), ${summary.skipped} already done, ${summary.seconds.toFixed(1)} s — report: ${resolve(summary.dir, 'report.md')}`,
    );
    if (summary.failed > 0) process.exitCode = 1;
  },
};

export const validateCommand: CommandModule = {
  command: 'validate <config>',
  describe: 'Check a config and show the cells it would run',
  builder: (y) =>
    y.positional('config', { type: 'string', demandOption: true }).option('set', { type: 'string', array: true, default: [] }),
  handler: (argv) => {
    const config = loadConfigFile(argv.config as string, argv.set as string[]);
    const cells = planCells(config);
    console.log(`${argv.config}: valid — ${cells.length} cells`);
    for (const c of cells) console.log(`  ${c.id}`);
  },
};

export const reportCommand: CommandModule = {
  command: 'report <runDir>',
  describe: 'Re-render the reports of a run from its stored cells (no retraining)',
  builder: (y) =>
    y
      .positional('runDir', { type: 'string', demandOption: true })
      .option('formats', { type: 'string', array: true, describe: 'md, html, png, svg (default: the config’s)' }),
  handler: async (argv) => {
    const dir = resolve(argv.runDir as string);
    const manifest = new RunStore(dir).readManifest();
    if (!manifest) throw Object.assign(new Error(`${dir}: not a run directory (no manifest.json)`), { name: 'UserError' });
    new RunStore(dir).writeResultsJsonl();
    const written = await renderRun(dir, (argv.formats as string[] | undefined) ?? manifest.config.report.formats, log);
    for (const w of written) console.log(w);
  },
};

export const mergeCommand: CommandModule = {
  command: 'merge <dirs..>',
  describe: 'Merge run directories of the same config (e.g. shards) into one',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true })
      .option('out', { type: 'string', demandOption: true, describe: 'merged run directory' }),
  handler: async (argv) => {
    const r = await mergeRuns((argv.dirs as string[]).map((d) => resolve(d)), resolve(argv.out as string), log);
    console.log(`${r.dir}: ${r.cells} cells from ${r.sources} runs${r.missing ? `, ${r.missing} planned cells still missing` : ''}`);
  },
};

export const listCommand: CommandModule = {
  command: 'list',
  describe: 'List generators (with their privacy mechanisms) and evaluation metrics',
  handler: () => {
    console.log('generators:');
    for (const g of listGenerators()) {
      const how = g.aliasOf ? `= ${g.aliasOf.base} + ${g.aliasOf.mechanism}` : `mechanisms: ${g.mechanisms.join(', ')}`;
      console.log(`  ${g.name.padEnd(14)} ${how.padEnd(28)} ${g.description}`);
    }
    console.log('classifiers: logreg, gnb, rf, adaboost, bagging, gbdt');
    console.log('settings: TRTR, TSTR, TSTS; scores: baseline (holdout), cv (repeated stratified k-fold)');
    console.log('metrics: accuracy, auc, f1, recall, sra, pmse, fidelity');
    console.log('attacks: dcr-share, closest-distance, domias, tcap');
  },
};

export const schemaCommand: CommandModule = {
  command: 'schema',
  describe: 'Print (or write) the JSON Schema of the config file format',
  builder: (y) => y.option('out', { type: 'string', describe: 'write to this file' }),
  handler: (argv) => {
    const schema = { $id: 'https://dp-synth-bench/config.schema.json', title: 'dp-synth-bench config', ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) };
    const text = JSON.stringify(schema, null, 2) + '\n';
    if (argv.out) {
      const out = resolve(argv.out as string);
      if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
      console.log(out);
    } else process.stdout.write(text);
  },
};

export const workerCommand: CommandModule = {
  command: '__worker',
  describe: false,
  handler: async () => workerMain(),
};
