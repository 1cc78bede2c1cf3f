/** `bench datasets list | info <name> | fetch <name>` */
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { dataDir, datasetPath, fetchDataset, getManifest, isAvailable, listDatasets, loadDataset } from '../data/registry.ts';

export const datasetsCommand: CommandModule = {
  command: 'datasets <action> [name]',
  describe: 'List, describe or download the registered datasets',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'info', 'fetch'] as const, describe: 'what to do' })
      .positional('name', { type: 'string', describe: 'dataset name (info, fetch); fetch with no name fetches all' })
      .option('force', { type: 'boolean', default: false, describe: 'fetch: download again even if present' })
      .option('url', { type: 'string', describe: 'fetch: download from this URL instead of the upstream one (a mirror)' })
      .example('$0 datasets list', 'names, sizes, targets, and whether each is downloaded')
      .example('$0 datasets info adult', 'columns, types, target, source and checksum'),
  handler: async (argv) => {
    const action = argv.action as string;
    const name = argv.name as string | undefined;
    if (action === 'list') {
      console.log(`data folder: ${dataDir()}${process.env.BENCH_DATA_DIR ? ' (BENCH_DATA_DIR)' : ''}`);
      for (const m of listDatasets()) {
        const mark = isAvailable(m) ? 'downloaded' : 'not downloaded';
        console.log(`${m.name.padEnd(16)} ${String(m.rows).padStart(6)} rows  ${String(m.columns.length).padStart(3)} cols  target ${m.target} (${m.positive})  ${mark}  — ${m.title}`);
      }
      return;
    }
    if (!name && action === 'info') throw Object.assign(new Error('bench datasets info: name a dataset (see `bench datasets list`)'), { name: 'UserError' });
    if (action === 'info') {
      const m = getManifest(name!);
      console.log(`${m.name}: ${m.title}`);
      console.log(`rows ${m.rows}, target "${m.target}", positive class "${m.positive}"${m.missing ? `, missing marker "${m.missing}"` : ''}${m.test ? `, test split: ${m.test}` : ''}`);
      console.log(`source ${m.source.url} (${m.source.format})`);
      console.log(`file ${datasetPath(m)} ${isAvailable(m) ? '(present)' : '(not downloaded)'}, sha256 ${m.sha256}`);
      console.log(`citation: ${m.citation}; license: ${m.license}`);
      if (m.note) console.log(`note: ${m.note}`);
      console.log('columns:');
      for (const c of m.columns) {
        const extra = c.type === 'numeric' ? `${c.integer ? 'integer' : 'real'} in [${c.min}, ${c.max}]` : `${c.levels?.length ?? '?'} levels`;
        console.log(`  ${c.name.padEnd(28)} ${c.type.padEnd(12)} ${extra}`);
      }
      if (isAvailable(m)) {
        const t = loadDataset(m.name);
        const y = t.binaryTarget();
        const pos = y.reduce((a, b) => a + b, 0);
        console.log(`loaded: ${t.nrows} rows, ${pos} positive (${((100 * pos) / t.nrows).toFixed(1)}%)`);
      }
      return;
    }
    const names = name ? [name] : listDatasets().map((m) => m.name);
    for (const n of names) {
      const m = getManifest(n);
      if (!argv.force && isAvailable(m)) {
        console.log(`${n}: already present at ${datasetPath(m)}`);
        continue;
      }
      const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: `${n} {bar} {percentage}% {value}/{total} bytes`, stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
      let started = false;
      const path = await fetchDataset(n, {
        force: argv.force as boolean,
        url: argv.url as string | undefined,
        onProgress: (got, total) => {
          if (!bar) return;
          if (!started) {
            bar.start(total ?? got, 0);
            started = true;
          }
          if (!total) bar.setTotal(got);
          bar.update(got);
        },
      });
      bar?.stop();
      console.log(`${n}: downloaded, checksum verified, converted → ${path}`);
    }
  },
};
