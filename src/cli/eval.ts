/**
 * `bench eval`: score the six classifiers on your own CSVs, without a config.
 *   bench eval --train a.csv --test b.csv --target y            TRTR on the two files
 *   bench eval --real r.csv --synthetic s.csv --target y        + TSTR, SRA, pMSE and fidelity
 * Parsing and printing only; the work is in src/eval.
 */
import type { CommandModule } from 'yargs';
import { Rng } from '../compute/rng.ts';
import { loadCsvDataset } from '../data/registry.ts';
import type { Table } from '../data/table.ts';
import { checkCompatible, EvalInputError, resolvePositive } from '../eval/align.ts';
import { CLASSIFIER_NAMES } from '../eval/classifiers/index.ts';
import { evaluateSynthetic } from '../eval/evaluate.ts';
import type { MetricValue, ScoreKind, UtilityScore } from '../eval/types.ts';
import { splitSynthetic } from '../eval/utility.ts';

interface EvalArgs {
  train?: string;
  test?: string;
  real?: string;
  synthetic?: string;
  target: string;
  positive?: string;
  missing?: string;
  classifiers: string;
  cv: boolean;
  folds: number;
  repeats: number;
  'test-fraction': number;
  permutations: number;
  seed: number;
  json: boolean;
}

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'Score the classifiers (and pMSE, SRA, fidelity) on your own CSV files',
  builder: (y) =>
    y
      .option('train', { type: 'string', describe: 'training CSV (with --test)' })
      .option('test', { type: 'string', describe: 'test CSV: scored by models trained on --train (or --real/--synthetic)' })
      .option('real', { type: 'string', describe: 'real CSV (with --synthetic)' })
      .option('synthetic', { type: 'string', describe: 'synthetic CSV to compare with --real' })
      .option('target', { type: 'string', demandOption: true, describe: 'target column' })
      .option('positive', { type: 'string', describe: 'positive class (default: last level in sorted order, or 1)' })
      .option('missing', { type: 'string', describe: 'cell text meaning "missing" (kept as its own category), e.g. "?"' })
      .option('classifiers', { type: 'string', default: CLASSIFIER_NAMES.join(','), describe: 'comma-separated subset' })
      .option('cv', { type: 'boolean', default: false, describe: 'also report repeated stratified k-fold scores' })
      .option('folds', { type: 'number', default: 5 })
      .option('repeats', { type: 'number', default: 2 })
      .option('test-fraction', { type: 'number', default: 0.3, describe: '--real without --test: share of the real rows held out as the test set' })
      .option('permutations', { type: 'number', default: 50, describe: 'label permutations for the CART pMSE null (synthpop nperms)' })
      .option('seed', { type: 'number', default: 0 })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of a table' })
      .check((a) => {
        const pairA = a.train !== undefined;
        const pairB = a.real !== undefined || a.synthetic !== undefined;
        if (pairA === pairB) throw new Error('give either --train and --test, or --real and --synthetic');
        if (pairA && !a.test) throw new Error('--train needs --test');
        if (pairB && !(a.real && a.synthetic)) throw new Error('--real and --synthetic go together');
        return true;
      })
      .example('$0 eval --train adult-train.csv --test adult-test.csv --target income --missing "?"', 'TRTR scores of the six classifiers')
      .example('$0 eval --real adult-train.csv --synthetic synth.csv --target income --json', 'TRTR vs TSTR, SRA, pMSE, fidelity'),
  handler: (argv) => {
    const classifiers = argv.classifiers.split(',').map((s) => s.trim()).filter(Boolean);
    const load = (path: string) => loadCsvDataset({ path, target: argv.target, missing: argv.missing });
    const rng = new Rng(argv.seed);
    const kinds: ScoreKind[] = argv.cv ? ['baseline', 'cv'] : ['baseline'];
    const cv = { folds: argv.folds, repeats: argv.repeats };
    if (argv.train) {
      const train = load(argv.train);
      const test = load(argv.test!);
      checkCompatible(train, test, argv.train, argv.test!);
      const positive = resolvePositive(train, argv.target, argv.positive);
      const meta = { target: argv.target, positive };
      const { utility } = evaluateSynthetic({
        realTrain: train.withMeta(meta),
        realTest: test.withMeta(meta),
        classifiers,
        settings: ['TRTR'],
        kinds,
        cv,
        metrics: ['accuracy', 'auc', 'f1', 'recall'],
        rng,
      });
      if (argv.json) console.log(JSON.stringify(utility.map(scoreJson), null, 1));
      else {
        console.log(`train ${argv.train} (${train.nrows} rows) → test ${argv.test} (${test.nrows} rows); target ${argv.target}, positive "${positive}"`);
        console.log(formatScores(utility));
      }
      return;
    }
    const realAll = load(argv.real!);
    const synth = load(argv.synthetic!);
    checkCompatible(realAll, synth, argv.real!, argv.synthetic!);
    const positive = resolvePositive(realAll, argv.target, argv.positive);
    const meta = { target: argv.target, positive };
    let realTrain: Table;
    let realTest: Table;
    if (argv.test) {
      realTrain = realAll.withMeta(meta);
      realTest = load(argv.test).withMeta(meta);
      checkCompatible(realAll, realTest, argv.real!, argv.test);
    } else {
      if (!(argv['test-fraction'] > 0 && argv['test-fraction'] < 1)) throw new EvalInputError(`--test-fraction must be in (0, 1), got ${argv['test-fraction']}`);
      ({ train: realTrain, test: realTest } = splitSynthetic(realAll.withMeta(meta), argv['test-fraction'], rng.fork('real-split')));
    }
    const res = evaluateSynthetic({
      realTrain,
      realTest,
      synthTrain: synth.withMeta(meta),
      classifiers,
      settings: ['TRTR', 'TSTR'],
      kinds,
      cv,
      pmse: { permutations: argv.permutations },
      rng,
    });
    if (argv.json) {
      console.log(JSON.stringify({ classifiers: res.utility.map(scoreJson), metrics: res.metrics }, null, 1));
      return;
    }
    console.log(
      `real ${argv.real} (${realTrain.nrows} train / ${realTest.nrows} test rows${argv.test ? '' : `, ${argv['test-fraction']} held out`}), ` +
        `synthetic ${argv.synthetic} (${synth.nrows} rows); target ${argv.target}, positive "${positive}"`,
    );
    console.log(formatScores(res.utility));
    console.log('');
    console.log(formatMetrics(res.metrics));
  },
};

function scoreJson(s: UtilityScore) {
  return {
    classifier: s.classifier,
    setting: s.setting,
    kind: s.kind,
    accuracy: s.accuracy,
    auc: s.auc,
    f1: s.f1,
    recall: s.recall,
    fitSeconds: Number(s.fitSeconds.toFixed(3)),
    ...(s.std ? { std: s.std } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
  };
}

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '—' : v.toFixed(digits));

export function formatScores(scores: UtilityScore[]): string {
  const head = ['setting', 'scores', 'classifier', 'accuracy', 'auc', 'f1', 'recall', 'fit s'];
  const rows = scores.map((s) => [s.setting, s.kind, s.classifier, fmt(s.accuracy), fmt(s.auc), fmt(s.f1), fmt(s.recall), s.fitSeconds.toFixed(2)]);
  const notes = scores.filter((s) => s.reason).map((s) => `  ${s.setting}/${s.kind}/${s.classifier}: ${s.reason}`);
  return table(head, rows) + (notes.length ? `\nnotes:\n${notes.join('\n')}` : '');
}

export function formatMetrics(metrics: MetricValue[]): string {
  const rows = metrics.map((m) => [m.name, m.variant ?? '', m.value === null ? '—' : Math.abs(m.value) < 1e-3 && m.value !== 0 ? m.value.toExponential(3) : m.value.toFixed(4), m.reason ?? '']);
  return table(['metric', 'variant', 'value', 'note'], rows);
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j >= 3 && /^[-\d.—e+]+$/.test(c) ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

