/**
 * The real data of a cell: train / test (a registered test split, or a seeded stratified split) and,
 * when attacks run, a holdout carved out of train that the generator never sees. Prepared once per
 * dataset config in a process and shared by its cells (every cell of a dataset sees the same split).
 */
import { resolve } from 'node:path';
import { Rng } from '../compute/rng.ts';
import { datasetName, type Config, type DatasetConfig } from '../config/schema.ts';
import { getManifest, loadCsvDataset, loadDataset } from '../data/registry.ts';
import { stratifiedSplit } from '../data/split.ts';
import type { ColumnSchema, Table } from '../data/table.ts';

export interface CellData {
  name: string;
  train: Table;
  test: Table;
  /** Real rows kept out of training, for membership attacks (only when attacks are configured). */
  holdout?: Table;
  /** Fixed-length series stored one per row (registry manifests declare it, e.g. ECG5000). */
  series?: { prefix: string; length: number };
}

const cache = new Map<string, CellData>();

export function prepareData(ds: DatasetConfig, config: Config, baseDir: string): CellData {
  const withAttacks = config.evaluation.attacks.length > 0;
  const key = JSON.stringify([ds, withAttacks, config.evaluation.holdout_fraction, baseDir]);
  const hit = cache.get(key);
  if (hit) return hit;
  const split = ds.split ?? { test_fraction: 0.3, stratify: true, seed: 0 };
  let full: Table;
  let test: Table | undefined;
  let series: CellData['series'];
  if ('name' in ds && !('path' in ds)) {
    full = loadDataset(ds.name);
    series = getManifest(ds.name).series;
    if (ds.test) test = loadDataset(ds.test);
  } else {
    const c = ds as Extract<DatasetConfig, { path: string }>;
    const spec = { path: c.path, target: c.target, positive: c.positive, missing: c.missing, columns: c.columns as Record<string, 'numeric' | 'categorical' | ColumnSchema> | undefined };
    full = loadCsvDataset(spec, baseDir);
    if (c.test) test = loadCsvDataset({ ...spec, path: c.test }, baseDir);
  }
  const rng = new Rng(`split/${split.seed}`);
  let train = full;
  if (!test) {
    const s = stratifiedSplit(full.binaryTarget(), split.test_fraction, rng.fork('test'));
    train = full.take(s.train);
    test = full.take(s.test);
  }
  if (ds.rows !== undefined && ds.rows < train.nrows) {
    const s = stratifiedSplit(train.binaryTarget(), 1 - ds.rows / train.nrows, rng.fork('rows'));
    train = train.take(s.train);
  }
  let holdout: Table | undefined;
  if (withAttacks) {
    const s = stratifiedSplit(train.binaryTarget(), config.evaluation.holdout_fraction, rng.fork('holdout'));
    holdout = train.take(s.test);
    train = train.take(s.train);
  }
  const data = { name: datasetName(ds), train, test, holdout, series };
  cache.set(key, data);
  return data;
}

export function configBaseDir(configFile: string | undefined): string {
  return configFile ? resolve(configFile, '..') : process.cwd();
}
