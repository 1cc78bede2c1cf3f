/**
 * `bench sample --config X.yaml --generator ctgan --rows N --out synth.csv [--condition col=value] [--seed S]`:
 * fit one generator on the config's (first) dataset — non-private, or at the config's first ε for DP
 * generators — and write N synthetic rows as CSV. A condition on a categorical column uses the generator's
 * conditional sampling when it has one (ctgan: the conditional vector, no rejection loop); otherwise rows
 * are drawn in rounds and filtered (at most `--max-rounds`). Parsing and printing only.
 */
import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { initBackend } from '../compute/backend.ts';
import { Rng } from '../compute/rng.ts';
import { loadConfigFile } from '../config/load.ts';
import { configDatasets, configGenerators } from '../config/schema.ts';
import { toCsv } from '../data/csv.ts';
import { Table } from '../data/table.ts';
import { createGenerator, resolveGenerator } from '../generators/registry.ts';
import type { Generator, PrivacySpec } from '../generators/types.ts';
import { Ledger } from '../privacy/ledger.ts';
import { configBaseDir, prepareData } from '../runner/data.ts';

interface SampleArgs {
  config: string;
  generator?: string;
  rows?: number;
  out: string;
  condition?: string;
  seed: number;
  set: string[];
  backend?: string;
  'max-rounds': number;
}

class SampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

type Conditional = Generator & { sampleConditional(n: number, rng: Rng, c: { column: string; value: string }): Promise<Table> };

function hasConditional(g: Generator): g is Conditional {
  return typeof (g as Partial<Conditional>).sampleConditional === 'function';
}

/** Rows of `t` whose `column` equals `value` (categorical level, or the number for numeric columns). */
function matching(t: Table, column: string, value: string): Int32Array {
  const c = t.column(column);
  const keep: number[] = [];
  if (c.kind === 'categorical') {
    const k = c.levels.indexOf(value);
    for (let i = 0; i < t.nrows; i++) if (c.codes[i] === k) keep.push(i);
  } else {
    const v = Number(value);
    if (!Number.isFinite(v)) throw new SampleError(`--condition: column "${column}" is numeric, "${value}" is not a number`);
    for (let i = 0; i < t.nrows; i++) if (c.values[i] === v) keep.push(i);
  }
  return Int32Array.from(keep);
}

export async function runSample(a: SampleArgs, log: (s: string) => void = (s) => console.error(s)): Promise<{ table: Table; ledger: Ledger }> {
  const config = loadConfigFile(a.config, a.set);
  const ds = configDatasets(config)[0];
  if (!ds) throw new SampleError(`${a.config}: the config names no dataset`);
  const entries = configGenerators(config);
  const name = a.generator ?? (entries.length === 1 ? entries[0].name : undefined);
  if (!name) throw new SampleError(`${a.config} lists ${entries.length} generators (${entries.map((e) => e.name).join(', ')}): choose one with --generator`);
  const options = entries.find((e) => e.name === name)?.options ?? {};
  const requested = config.privacy.mechanism === undefined ? undefined : ([] as PrivacySpec['mechanism'][]).concat(config.privacy.mechanism);
  let mechanism: PrivacySpec['mechanism'];
  try {
    mechanism = resolveGenerator(name, requested).mechanisms[0];
  } catch (e) {
    throw new SampleError((e as Error).message);
  }
  const epsilon = mechanism === 'none' ? Infinity : config.privacy.epsilon[0];
  const privacy: PrivacySpec = { mechanism, epsilon, delta: config.privacy.delta, accountant: config.privacy.accountant };
  let column: string | undefined;
  let value: string | undefined;
  if (a.condition !== undefined) {
    const at = a.condition.indexOf('=');
    if (at <= 0) throw new SampleError(`--condition must look like column=value, got "${a.condition}"`);
    column = a.condition.slice(0, at);
    value = a.condition.slice(at + 1);
  }
  const backend = await initBackend(a.backend ?? config.backend);
  const data = prepareData(ds, config, configBaseDir(a.config));
  if (column !== undefined && !data.train.has(column)) throw new SampleError(`--condition: no column "${column}" in ${data.name} (columns: ${data.train.names.join(', ')})`);
  const rows = a.rows ?? data.train.nrows;
  if (!(Number.isInteger(rows) && rows >= 1)) throw new SampleError(`--rows must be a positive integer, got ${a.rows}`);
  const ledger = new Ledger({ epsilon, delta: config.privacy.delta });
  const gen = createGenerator(name, options);
  const rng = new Rng(a.seed).fork(`sample/${data.name}/${name}`);
  log(`fitting ${name} (${mechanism}${mechanism === 'none' ? '' : `, ε=${epsilon}`}) on ${data.name}: ${data.train.nrows} rows, backend ${backend.name}`);
  const fit = await gen.fit(data.train, {
    rng: rng.fork('fit'),
    privacy,
    ledger,
    progress: (done, total, msg) => log(`  ${total ? `${Math.round(done)}/${Math.round(total)}` : done}${msg ? ` ${msg}` : ''}`),
  });
  let table: Table;
  const sRng = rng.fork('sample');
  const categoricalCondition = column !== undefined && data.train.column(column).kind === 'categorical';
  if (column === undefined || value === undefined) {
    table = await gen.sample(rows, sRng);
  } else if (categoricalCondition && hasConditional(gen)) {
    table = await gen.sampleConditional(rows, sRng, { column, value });
  } else {
    // Draw in rounds and keep matching rows (generators without a conditional sampler, numeric conditions).
    const parts: Table[] = [];
    let have = 0;
    for (let r = 0; r < a['max-rounds'] && have < rows; r++) {
      const t = await gen.sample(Math.max(rows, 1000), sRng.fork(`round-${r}`));
      const idx = matching(t, column, value);
      if (idx.length > 0) parts.push(t.take(idx.subarray(0, rows - have)));
      have += Math.min(idx.length, rows - have);
    }
    if (have < rows) {
      throw new SampleError(`--condition ${column}=${value}: only ${have} of ${rows} rows matched after ${a['max-rounds']} rounds of sampling (raise --max-rounds or relax the condition)`);
    }
    table = parts.length === 1 ? parts[0] : Table.concat(parts);
  }
  const spent = ledger.spent();
  log(`fit ${(fit.seconds ?? 0).toFixed(1)} s; ledger ε spent ${spent.epsilon.toPrecision(4)} of ${epsilon}`);
  return { table, ledger };
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: 'sample',
  describe: "Fit one generator on a config's dataset and write synthetic rows as CSV",
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'YAML config (dataset, generator options, privacy)' })
      .option('generator', { type: 'string', describe: 'generator name (default: the config’s only generator)' })
      .option('rows', { type: 'number', describe: 'synthetic rows (default: as many as the training rows)' })
      .option('out', { type: 'string', demandOption: true, describe: 'CSV file to write ("-" for stdout)' })
      .option('condition', { type: 'string', describe: 'column=value every row must have (ctgan: conditional vector, no rejection)' })
      .option('seed', { type: 'number', default: 0 })
      .option('set', { type: 'string', array: true, default: [], describe: 'override a config value: key.path=value (YAML value)' })
      .option('backend', { type: 'string', describe: 'compute backend (auto | wasm-native | wasm | cpu | tensorflow | gpu)' })
      .option('max-rounds', { type: 'number', default: 50, describe: 'sampling rounds for conditions without a conditional sampler' })
      .example('$0 sample --config configs/ctgan-eps.yaml --generator ctgan --rows 1000 --out synth.csv --condition income=">50K"', ''),
  handler: async (argv) => {
    const { table } = await runSample(argv);
    const csv = toCsv(table);
    if (argv.out === '-') process.stdout.write(csv);
    else {
      writeFileSync(argv.out, csv);
      console.error(`wrote ${table.nrows} rows to ${argv.out}`);
    }
  },
};
