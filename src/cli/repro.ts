/** `bench repro <experiment>`: run a paper reproduction and print ours vs theirs side by side. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { CommandModule } from 'yargs';
import { loadConfigFile } from '../config/load.ts';
import { compareExperiment, experimentSchema, formatRepro } from '../report/repro.ts';
import { runExperiment } from '../runner/run.ts';
import { RunStore, writeAtomic } from '../runner/store.ts';

const experimentsDir = resolve(new URL('../../experiments', import.meta.url).pathname);

function userError(message: string): Error {
  return Object.assign(new Error(message), { name: 'UserError' });
}

export function loadExperiment(nameOrDir: string) {
  const dir = existsSync(join(nameOrDir, 'experiment.yaml')) ? resolve(nameOrDir) : join(experimentsDir, nameOrDir);
  const file = join(dir, 'experiment.yaml');
  if (!existsSync(file)) {
    const known = readdirSync(experimentsDir).filter((d) => existsSync(join(experimentsDir, d, 'experiment.yaml')));
    throw userError(`unknown experiment "${nameOrDir}" (known: ${known.join(', ')})`);
  }
  const parsed = experimentSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw userError(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return { dir, file, experiment: parsed.data };
}

export const reproCommand: CommandModule = {
  command: 'repro <experiment>',
  describe: 'Run a paper reproduction (experiments/<name>) and print ours vs theirs',
  builder: (y) =>
    y
      .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment folder name or path' })
      .option('out', { type: 'string', describe: 'run directory (default: reports/repro-<name>)' })
      .option('set', { type: 'string', array: true, default: [], describe: 'override a config value (key.path=value)' })
      .option('workers', { type: 'number', default: 1 })
      .option('compare-only', { type: 'boolean', default: false, describe: 'do not run; compare the stored cells' })
      .example('$0 repro ctgan-adult', 'CTGAN/TVAE on Adult vs the SDGym leaderboard'),
  handler: async (argv) => {
    const { dir, experiment } = loadExperiment(argv.experiment as string);
    const configFile = join(dir, experiment.config);
    const name = (argv.experiment as string).replace(/[^A-Za-z0-9._-]+/g, '_');
    const out = resolve((argv.out as string | undefined) ?? join('reports', `repro-${name}`));
    let runDir = out;
    if (!argv['compare-only']) {
      const config = loadConfigFile(configFile, argv.set as string[]);
      // A changed config (e.g. --set) gets its own folder; compare what this run produced.
      runDir = (await runExperiment(config, { configFile, overrides: argv.set as string[], out, workers: argv.workers as number, progress: process.stderr.isTTY, log: (l) => console.error(l) })).dir;
    } else if (!new RunStore(out).readManifest()) throw userError(`${out}: no stored run to compare (run without --compare-only first)`);
    const rows = compareExperiment(experiment, new RunStore(runDir).readCells());
    const text = formatRepro(experiment, rows);
    writeAtomic(join(runDir, 'repro.md'), text + '\n');
    console.log(text);
  },
};
