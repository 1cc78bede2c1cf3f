/**
 * The experiment config (DESIGN.md §1a). Every key has a default so a config may be three lines;
 * unknown keys are errors (strict objects). The JSON Schema in schema/config.schema.json is generated
 * from this file (`npm run schema`).
 */
import { z } from 'zod';

const positive = z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });

const splitSchema = z.strictObject({
  test_fraction: z.number().gt(0).lt(1).default(0.3).describe('Share of rows held out as the real test set.'),
  stratify: z.boolean().default(true),
  seed: z.number().int().nonnegative().default(0).describe('Seed of the train/test split, shared by all cells.'),
});

const registryDataset = z.strictObject({
  name: z.string().describe('Registry name (bench datasets list).'),
  test: z.string().optional().describe('Registry name of a separate test set, e.g. adult-test.'),
  split: splitSchema.optional().describe('Split the dataset when no test set is given.'),
  rows: z.number().int().positive().optional().describe('Use a stratified random subset of this many training rows (quick runs).'),
});

const csvColumn = z.union([
  z.enum(['numeric', 'categorical']),
  z.strictObject({
    type: z.enum(['numeric', 'categorical']),
    integer: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    levels: z.array(z.string()).optional(),
  }),
]);

const csvDataset = z.strictObject({
  path: z.string().describe('CSV file with a header row, relative to the config file.'),
  name: z.string().optional().describe('Name used in cell ids and reports (default: file name).'),
  target: z.string(),
  positive: z.string().optional().describe('Positive class of the target (default: last level).'),
  missing: z.string().optional().describe('Cell text meaning "missing"; kept as its own category.'),
  columns: z.record(z.string(), csvColumn).optional().describe('Column types (inferred when absent) and public bounds/levels.'),
  test: z.string().optional().describe('Path of a separate test CSV.'),
  split: splitSchema.optional(),
  rows: z.number().int().positive().optional(),
});

export const datasetSchema = z.union([registryDataset, csvDataset]);

const generatorEntry = z.union([
  z.string(),
  z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).refine((o) => Object.keys(o).length === 1, {
    message: 'each generator entry is `name` or `name: {options}` with exactly one name',
  }),
]);

export const mechanismSchema = z.enum(['none', 'dpsgd', 'pate', 'laplace', 'gaussian']);

const privacySchema = z.strictObject({
  epsilon: z.array(positive).min(1).default([1]).describe('Privacy budgets ε, one cell per value for DP mechanisms.'),
  delta: z.number().gt(0).lt(1).default(1e-5),
  accountant: z.enum(['rdp', 'pld']).default('pld').describe('DP-SGD accountant (pld is tighter).'),
  mechanism: z
    .union([mechanismSchema, z.array(mechanismSchema).min(1)])
    .optional()
    .describe('Mechanism for generators that are not aliases (e.g. independent + laplace); aliases fix their own.'),
});

export const classifierNames = ['logreg', 'gnb', 'rf', 'adaboost', 'bagging', 'gbdt'] as const;

const evaluationSchema = z.strictObject({
  classifiers: z.array(z.string()).min(1).default(['logreg']).describe('logreg, gnb, rf, adaboost, bagging, gbdt; DP classifiers dp-logreg, dp-gnb, dp-logreg-op, optionally with a budget: dp-logreg@1.'),
  classifier_epsilon: z
    .union([z.literal('cell'), positive, z.array(positive).min(1)])
    .default(1)
    .describe(
      'Budget ε of DP classifiers named without "@ε": a number, a list (one classifier per value, named dp-logreg@ε), or "cell" (the cell\'s ε; needs a private cell). Each DP fit has its own ledger with this budget and privacy.delta, separate from the generator\'s.',
    ),
  settings: z.array(z.enum(['TRTR', 'TSTR', 'TSTS'])).min(1).default(['TRTR', 'TSTR']),
  scores: z.array(z.enum(['baseline', 'cv'])).min(1).default(['baseline']).describe('Holdout ("baseline") and/or repeated stratified k-fold ("cv").'),
  cv: z.strictObject({ folds: z.number().int().min(2).default(5), repeats: z.number().int().min(1).default(2) }).default({ folds: 5, repeats: 2 }),
  metrics: z.array(z.string()).default(['accuracy', 'auc', 'f1', 'recall']),
  attacks: z.array(z.enum(['dcr-share', 'closest-distance', 'domias', 'tcap'])).default([]).describe('Privacy attacks run on each cell (on a real holdout the generator never sees).'),
  attack_options: z
    .strictObject({
      distance: z.enum(['gower', 'l2']).default('gower').describe('Record distance for DCR and closest-distance (same for all attacks of a run).'),
      members: z.number().int().positive().optional().describe('Members and non-members attacked (default: the holdout size).'),
      tcap: z.strictObject({ keys: z.array(z.string()).min(1).optional(), target: z.string().optional(), bins: z.number().int().min(2).optional() }).optional(),
      domias: z.strictObject({ pca_dims: z.number().int().positive().optional(), bandwidth: z.enum(['scott', 'silverman']).optional(), max_targets: z.number().int().positive().optional() }).optional(),
    })
    .optional(),
  synthetic_rows: z.number().int().positive().optional().describe('Synthetic training rows (default: as many as real train).'),
  holdout_fraction: z.number().gt(0).lt(1).default(0.5).describe('Share of the real train kept out of training as the attack holdout (only when attacks run). 0.5 gives equal halves, which the DCR share (0.5 = no memorisation) assumes.'),
});

const reportSchema = z.strictObject({
  formats: z.array(z.enum(['html', 'md', 'png', 'svg'])).default(['md', 'html']).describe('Documents to write; charts are always written as .vl.json/.svg/.png.'),
});

export const configSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'use letters, digits, ".", "_" or "-" (it names the output folder)' }),
  description: z.string().optional(),
  dataset: datasetSchema.optional(),
  datasets: z.array(datasetSchema).min(1).optional(),
  generators: z.array(generatorEntry).min(1),
  privacy: privacySchema.default(privacySchema.parse({})),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
  evaluation: evaluationSchema.default(evaluationSchema.parse({})),
  report: reportSchema.default(reportSchema.parse({})),
  output: z.string().default('reports').describe('Folder that holds <name>/ run directories.'),
  backend: z.string().default('auto').describe('Compute backend: auto | wasm-native | wasm | cpu | tensorflow | gpu.'),
});

export type Config = z.infer<typeof configSchema>;
export type DatasetConfig = z.infer<typeof datasetSchema>;
export type Mechanism = z.infer<typeof mechanismSchema>;

/** The config's datasets as a list (accepts `dataset:` or `datasets:`). */
export function configDatasets(c: Config): DatasetConfig[] {
  return [...(c.dataset ? [c.dataset] : []), ...(c.datasets ?? [])];
}

export function datasetName(d: DatasetConfig): string {
  if ('name' in d && d.name) return d.name;
  const p = (d as { path: string }).path;
  return p.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
}

/** Generator entries normalised to {name, options}. */
export function configGenerators(c: Config): { name: string; options: Record<string, unknown> }[] {
  return c.generators.map((g) => {
    if (typeof g === 'string') return { name: g, options: {} };
    const [name, options] = Object.entries(g)[0];
    return { name, options: options ?? {} };
  });
}
