/**
 * Machine-learning utility (thesis seed, Table 1): each classifier trained on one source and scored on
 * another, in three settings —
 *   TRTR: real train → real test;  TSTR: synthetic train → real test;  TSTS: synthetic train → a disjoint
 *   synthetic test set —
 * as a single holdout ("baseline") and as repeated stratified k-fold ("cv"). In cv, the training source
 * and the test source are both cut into k folds; fold j trains on the training source without its fold j
 * and scores on fold j of the test source, so test rows are never the generator's training rows (TSTR)
 * and every test row is scored once per repeat. Preprocessing is fitted inside each training fold.
 */
import type { Rng } from '../compute/rng.ts';
import { stratifiedSplit } from '../data/split.ts';
import type { Table } from '../data/table.ts';
import { checkFinite } from './align.ts';
import { CLASSIFIER_NAMES, Preprocessor, fitOnTable, isClassifierName, knownClassifiers, type ClassifierContext } from './classifiers/index.ts';
import { DEFAULT_CV, complement, foldPlan, type CvOptions } from './cv.ts';
import { binaryScores, type BinaryScores } from './metrics.ts';
import type { ScoreKind, Setting, UtilityScore } from './types.ts';

export const SETTINGS: readonly Setting[] = ['TRTR', 'TSTR', 'TSTS'];

export interface UtilityInput {
  /** Real training data (what the generator saw); meta.target and meta.positive must be set. */
  realTrain: Table;
  /** Real holdout the generator never saw. */
  realTest: Table;
  /** Synthetic training set (needed for TSTR/TSTS). */
  synthTrain?: Table;
  /**
   * Disjoint synthetic test set for TSTS; when absent and TSTS is asked for, synthTrain is split (see
   * `splitSynthetic`) and TSTR trains on the remaining part too.
   */
  synthTest?: Table;
  classifiers?: readonly string[];
  settings?: readonly Setting[];
  kinds?: readonly ScoreKind[];
  cv?: Partial<CvOptions>;
  /** Use at most this many synthetic rows (default: all given; see `syntheticSizes`). */
  sizes?: { synthTrain?: number; synthTest?: number };
  rng: Rng;
  /** Budget and ledger callback for DP classifiers (`dp-logreg`, `dp-gnb`, ...). */
  classifierContext?: ClassifierContext;
  /**
   * TRTR scores computed earlier for the same real data (they do not depend on the synthetic data):
   * when given, TRTR is not recomputed and these are returned in its place.
   */
  precomputedTrtr?: UtilityScore[];
  onProgress?: (p: { setting: Setting; kind: ScoreKind; classifier: string; fold?: number; folds?: number }) => void;
}

/**
 * How many synthetic rows to sample for utility: train as many as the real train and test as many as
 * the real test, unless configured.
 */
export function syntheticSizes(
  realTrainRows: number,
  realTestRows: number,
  sizes: { synthTrain?: number; synthTest?: number } = {},
): { synthTrain: number; synthTest: number } {
  const out = { synthTrain: sizes.synthTrain ?? realTrainRows, synthTest: sizes.synthTest ?? realTestRows };
  for (const [k, v] of Object.entries(out)) {
    if (!(Number.isInteger(v) && v >= 2)) throw new RangeError(`evaluation sizes.${k} must be an integer ≥ 2, got ${v}`);
  }
  return out;
}

/**
 * Split one synthetic table into a training part and a disjoint test part, the test share equal to the
 * real test share (stratified when both classes have ≥ 2 rows).
 */
export function splitSynthetic(synth: Table, testShare: number, rng: Rng): { train: Table; test: Table } {
  const y = synth.binaryTarget();
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  let split: { train: Int32Array; test: Int32Array };
  if (Math.min(pos, y.length - pos) >= 2) split = stratifiedSplit(y, testShare, rng);
  else {
    const perm = rng.permutation(y.length);
    const nt = Math.max(1, Math.round(y.length * testShare));
    split = { test: perm.slice(0, nt).sort(), train: perm.slice(nt).sort() };
  }
  return { train: synth.take(split.train), test: synth.take(split.test) };
}

export function evaluateUtility(input: UtilityInput): UtilityScore[] {
  const { realTrain, rng } = input;
  const { target, positive } = realTrain.meta;
  if (!target) throw new Error('utility evaluation: the real training table declares no target column');
  const classifiers = input.classifiers ?? CLASSIFIER_NAMES;
  for (const c of classifiers) if (!isClassifierName(c)) throw new Error(`evaluation.classifiers: unknown classifier "${c}" (known: ${knownClassifiers()})`);
  const settings = input.settings ?? SETTINGS;
  const kinds = input.kinds ?? (['baseline', 'cv'] as const);
  const cv: CvOptions = { ...DEFAULT_CV, ...input.cv };
  const columns = realTrain.names;
  const align = (t: Table, what: string): Table => {
    for (const c of columns) if (!t.has(c)) throw new Error(`utility evaluation: the ${what} table has no column "${c}"`);
    const out = t.select(columns).withMeta({ target, positive });
    checkFinite(out, `utility evaluation: the ${what} table`);
    return out;
  };
  const realTest = align(input.realTest, 'real test');
  let synthTrain = input.synthTrain ? align(input.synthTrain, 'synthetic train') : undefined;
  let synthTest = input.synthTest ? align(input.synthTest, 'synthetic test') : undefined;
  const needSynth = settings.some((s) => s !== 'TRTR');
  if (needSynth && !synthTrain) throw new Error(`utility evaluation: settings ${settings.filter((s) => s !== 'TRTR').join(', ')} need a synthetic training table`);
  if (synthTrain && input.sizes?.synthTrain !== undefined) synthTrain = head(synthTrain, input.sizes.synthTrain, 'synthTrain', rng.fork('size-train'));
  if (synthTrain && settings.includes('TSTS') && !synthTest) {
    const share = realTest.nrows / (realTrain.nrows + realTest.nrows);
    ({ train: synthTrain, test: synthTest } = splitSynthetic(synthTrain, share, rng.fork('synth-split')));
  }
  if (synthTest && input.sizes?.synthTest !== undefined) synthTest = head(synthTest, input.sizes.synthTest, 'synthTest', rng.fork('size-test'));
  const real = realTrain.withMeta({ target, positive });
  const sources: Record<Setting, () => [Table, Table]> = {
    TRTR: () => [real, realTest],
    TSTR: () => [synthTrain!, realTest],
    TSTS: () => [synthTrain!, synthTest!],
  };
  const out: UtilityScore[] = [];
  for (const setting of settings) {
    if (setting === 'TRTR' && input.precomputedTrtr) {
      out.push(...input.precomputedTrtr.filter((u) => u.setting === 'TRTR' && kinds.includes(u.kind) && classifiers.includes(u.classifier)));
      continue;
    }
    const [train, test] = sources[setting]();
    for (const kind of kinds) {
      const r = rng.fork(`${setting}/${kind}`);
      if (kind === 'baseline') {
        const pre = new Preprocessor(train);
        const y = train.binaryTarget();
        const yt = test.binaryTarget();
        for (const name of classifiers) {
          input.onProgress?.({ setting, kind, classifier: name });
          const s = fitAndScore(name, pre, y, test, yt, r, input.classifierContext);
          out.push(toScore(setting, kind, name, s.scores, s.fitSeconds));
        }
      } else out.push(...crossValidate(setting, train, test, classifiers, cv, r, input.onProgress, input.classifierContext));
    }
  }
  return out;
}

function fitAndScore(name: string, pre: Preprocessor, y: Uint8Array, test: Table, yt: Uint8Array, rng: Rng, ctx?: ClassifierContext) {
  const model = fitOnTable(name, pre, y, rng, ctx);
  const proba = model.predictProba(test);
  const scores = binaryScores(yt, proba, {
    rankable: !model.constant,
    rankReason: `the training set has only class ${y[0]} (the classifier predicts a constant)`,
  });
  return { scores, fitSeconds: model.fitSeconds };
}

function crossValidate(
  setting: Setting,
  train: Table,
  test: Table,
  classifiers: readonly string[],
  cv: CvOptions,
  rng: Rng,
  onProgress: UtilityInput['onProgress'],
  ctx?: ClassifierContext,
): UtilityScore[] {
  const y = train.binaryTarget();
  const yt = test.binaryTarget();
  const trainPlan = foldPlan(y, cv, rng.fork('train-folds'));
  const testPlan = foldPlan(yt, cv, rng.fork('test-folds'));
  const per = new Map<string, { scores: BinaryScores[]; seconds: number[] }>(classifiers.map((c) => [c, { scores: [], seconds: [] }]));
  const total = cv.folds * cv.repeats;
  for (let r = 0; r < cv.repeats; r++) {
    for (let j = 0; j < cv.folds; j++) {
      const trainFold = train.take(complement(train.nrows, trainPlan.tests[r][j]));
      const testFold = test.take(testPlan.tests[r][j]);
      const pre = new Preprocessor(trainFold);
      const yf = trainFold.binaryTarget();
      const ytf = testFold.binaryTarget();
      for (const name of classifiers) {
        onProgress?.({ setting, kind: 'cv', classifier: name, fold: r * cv.folds + j + 1, folds: total });
        const s = fitAndScore(name, pre, yf, testFold, ytf, rng.fork(`${r}/${j}`), ctx);
        per.get(name)!.scores.push(s.scores);
        per.get(name)!.seconds.push(s.fitSeconds);
      }
    }
  }
  const notes = [trainPlan.note && `training ${trainPlan.note}`, testPlan.note && `test ${testPlan.note}`].filter(Boolean) as string[];
  return classifiers.map((name) => {
    const { scores, seconds } = per.get(name)!;
    return aggregate(setting, name, scores, mean(seconds) ?? 0, notes);
  });
}

const METRICS = ['accuracy', 'auc', 'f1', 'recall'] as const;

/** Mean and (population) std over folds, nulls skipped and explained. */
export function aggregate(setting: Setting, classifier: string, folds: BinaryScores[], fitSeconds: number, notes: string[] = []): UtilityScore {
  const m: Record<string, number | null> = {};
  const sd: Record<string, number | null> = {};
  const reasons = [...notes];
  for (const k of METRICS) {
    const vals = folds.map((f) => f[k]).filter((v): v is number => v !== null);
    m[k] = mean(vals);
    sd[k] = std(vals);
    const missing = folds.length - vals.length;
    if (missing > 0) {
      const why = [...new Set(folds.filter((f) => f[k] === null).flatMap((f) => (f.reason ?? '').split('; ').filter((s) => s.toLowerCase().startsWith(k === 'auc' ? 'auc' : k))))];
      reasons.push(`${k} undefined in ${missing} of ${folds.length} folds${why.length ? ` (${why.join('; ')})` : ''}`);
    }
  }
  const score: UtilityScore = {
    setting,
    kind: 'cv',
    classifier,
    accuracy: m.accuracy,
    auc: m.auc,
    f1: m.f1,
    recall: m.recall,
    std: { accuracy: sd.accuracy, auc: sd.auc, f1: sd.f1, recall: sd.recall },
    fitSeconds,
  };
  if (reasons.length) score.reason = reasons.join('; ');
  return score;
}

function toScore(setting: Setting, kind: ScoreKind, classifier: string, s: BinaryScores, fitSeconds: number): UtilityScore {
  const score: UtilityScore = { setting, kind, classifier, accuracy: s.accuracy, auc: s.auc, f1: s.f1, recall: s.recall, fitSeconds };
  if (s.reason) score.reason = s.reason;
  return score;
}

/** At most n rows of t (a seeded subsample without replacement; t itself when it is small enough). */
function head(t: Table, n: number, what: string, rng: Rng): Table {
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`evaluation sizes.${what} must be an integer ≥ 2, got ${n}`);
  if (t.nrows < n) throw new RangeError(`evaluation sizes.${what} = ${n}, but only ${t.nrows} synthetic rows were given`);
  if (t.nrows === n) return t;
  return t.take(rng.permutation(t.nrows).slice(0, n).sort());
}

function mean(v: number[]): number | null {
  if (v.length === 0) return null;
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function std(v: number[]): number | null {
  const m = mean(v);
  if (m === null) return null;
  let s = 0;
  for (const x of v) s += (x - m) * (x - m);
  return Math.sqrt(s / v.length);
}
