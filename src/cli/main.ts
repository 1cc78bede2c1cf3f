/**
 * `bench` — the command line. Parsing and printing only; the work is done by src/runner, src/data,
 * src/eval and src/privacy. Errors users can cause print one clear line (no stack trace) and exit 2.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../config/load.ts';
import { DataError } from '../data/csv.ts';
import { GeneratorOptionsError } from '../generators/options.ts';
import { datasetsCommand } from './datasets.ts';
import { listCommand, mergeCommand, reportCommand, runCommand, schemaCommand, validateCommand, workerCommand } from './run.ts';
import { extraCommands } from './extra.ts';
import { baselineCommand, checkCommand } from './check.ts';

const userErrors = [ConfigError, DataError, GeneratorOptionsError];

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName('bench')
    .usage('$0 <command> [options]\n\nTrain privacy-preserving synthetic-data generators at several ε, score utility and privacy, report the trade-off.')
    .command(runCommand)
    .command(validateCommand)
    .command(reportCommand)
    .command(mergeCommand)
    .command(datasetsCommand)
    .command(listCommand)
    .command(schemaCommand)
    .command(checkCommand)
    .command(baselineCommand)
    .command(workerCommand);
  for (const c of extraCommands) cli = cli.command(c);
  await cli
    .example('$0 run configs/smoke.yaml', 'train, evaluate and report the smoke config')
    .example('$0 run configs/pategan-eps.yaml --set privacy.epsilon=[1] --set seeds=[0]', 'a quick run with overrides')
    .example('$0 run configs/pategan-eps.yaml --shard 2/4', 'run the second quarter of the cells')
    .example('$0 datasets fetch adult', 'download Adult from UCI and verify its checksum')
    .demandCommand(1, 'name a command (see the list above)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      console.error(`bench: ${msg}\n(run \`bench --help\` for usage)`);
      process.exit(2);
    })
    .parseAsync();
}

main().catch((e: unknown) => {
  const err = e as Error;
  if (userErrors.some((T) => err instanceof T) || err?.name === 'UserError') {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`bench: ${err?.message ?? String(e)}`);
  if (process.env.BENCH_DEBUG) console.error(err?.stack);
  process.exit(1);
});
