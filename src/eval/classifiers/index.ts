/**
 * The six classifiers of the thesis seed, by config name, with scikit-learn's defaults, plus the
 * per-table preprocessing each needs (standardized one-hot features or bins), fitted on the training
 * table only.
 *
 * DP classifiers (issue 12) are registered here too, by name with an optional budget: `dp-logreg@1`,
 * `dp-gnb@0.5`, `dp-logreg-op@1` (objective perturbation). Design: they are ordinary evaluation classifiers,
 * not generators — every cell stays dataset × generator × mechanism × ε × seed. A DP classifier trained on
 * real data (TRTR, e.g. with the `identity` generator) is the DP-vs-non-private comparison; on synthetic data
 * (TSTR/TSTS) it is a classifier like any other. Either way each fit gets its own Ledger with the classifier's
 * budget (separate from the generator's), spends all of it, and reports it through `ClassifierContext.dp.onLedger`.
 * A bare name takes its ε from the context (the runner's `evaluation.classifier_epsilon`, see
 * `expandClassifiers`). Their features come from public metadata only (PublicEncoder), never from the data.
 */
import type { Rng } from '../../compute/rng.ts';
import type { Table } from '../../data/table.ts';
import { Featurizer } from '../../data/transform/featurize.ts';
import type { AccountantKind } from '../../privacy/accountant.ts';
import { Ledger, type Budget, type LedgerEntry } from '../../privacy/ledger.ts';
import type { NoiseKind } from '../../privacy/noise.ts';
import { DpGaussianNB } from './dp-gnb.ts';
import { DpLogisticRegression, ObjectivePerturbationLR, type DpFitPrivacy } from './dp-logreg.ts';
import { PublicEncoder, type PublicMatrix } from './public-features.ts';
import { AdaBoost } from './adaboost.ts';
import { Binner, type BinnedMatrix } from './binning.ts';
import { bagging, randomForest } from './forest.ts';
import { GradientBoosting } from './gbdt.ts';
import { GaussianNB } from './gnb.ts';
import { LogisticRegression } from './logreg.ts';
import type { Classifier, DenseMatrix, InputKind, Model } from './types.ts';

export const CLASSIFIER_NAMES = ['logreg', 'gnb', 'rf', 'adaboost', 'bagging', 'gbdt'] as const;
export type ClassifierName = (typeof CLASSIFIER_NAMES)[number];

export const CLASSIFIER_LABELS: Record<ClassifierName, string> = {
  logreg: 'Logistic Regression',
  gnb: 'Gaussian Naive Bayes',
  rf: 'Random Forest',
  adaboost: 'AdaBoost',
  bagging: 'Bagging',
  gbdt: 'Gradient Boosting',
};

/** Differentially private classifiers; `name@ε` fixes the budget (e.g. `dp-logreg@1`). */
export const DP_CLASSIFIER_NAMES = ['dp-logreg', 'dp-gnb', 'dp-logreg-op'] as const;
export type DpClassifierName = (typeof DP_CLASSIFIER_NAMES)[number];
export type DpClassifierId = DpClassifierName | `${DpClassifierName}@${string}`;

export const DP_CLASSIFIER_LABELS: Record<DpClassifierName, string> = {
  'dp-logreg': 'DP Logistic Regression (DP-SGD)',
  'dp-gnb': 'DP Gaussian Naive Bayes',
  'dp-logreg-op': 'DP Logistic Regression (objective perturbation)',
};

/** The non-private model each DP classifier is compared with. */
export const DP_REFERENCE: Record<DpClassifierName, ClassifierName> = { 'dp-logreg': 'logreg', 'dp-gnb': 'gnb', 'dp-logreg-op': 'logreg' };

export interface DpClassifierSpec {
  base: DpClassifierName;
  /** The budget written in the name, or null for a bare name (ε from the context). */
  epsilon: number | null;
}

/** `dp-logreg@0.5` → {base: 'dp-logreg', epsilon: 0.5}; a bare DP name → epsilon null; anything else → null. */
export function parseDpClassifier(name: string): DpClassifierSpec | null {
  const at = name.indexOf('@');
  const base = at < 0 ? name : name.slice(0, at);
  if (!(DP_CLASSIFIER_NAMES as readonly string[]).includes(base)) return null;
  if (at < 0) return { base: base as DpClassifierName, epsilon: null };
  const eps = Number(name.slice(at + 1));
  if (!(eps > 0 && Number.isFinite(eps))) throw new Error(`classifier "${name}": the budget after "@" must be a positive number, e.g. ${base}@1`);
  return { base: base as DpClassifierName, epsilon: eps };
}

export function isClassifierName(s: string): s is ClassifierName | DpClassifierId {
  if ((CLASSIFIER_NAMES as readonly string[]).includes(s)) return true;
  try {
    return parseDpClassifier(s) !== null;
  } catch {
    return false;
  }
}

/** The names a config may use, for error messages. */
export function knownClassifiers(): string {
  return [...CLASSIFIER_NAMES, ...DP_CLASSIFIER_NAMES.map((n) => `${n}[@ε]`)].join(', ');
}

/** How DP classifiers in a config get their budget (`evaluation.classifier_epsilon`). */
export type ClassifierEpsilon = 'cell' | number | number[];

/**
 * Resolve bare DP names of a config's classifier list: a number or a list of numbers gives one classifier per
 * budget, named `name@ε`; 'cell' keeps the bare name and trains at the cell's ε (the generator's budget), which
 * needs a private cell. Names that already carry `@ε` are kept. Returns the list and the context ε for bare names.
 */
export function expandClassifiers(names: readonly string[], mode: ClassifierEpsilon, cellEpsilon: number | null): { classifiers: string[]; epsilon?: number } {
  const out: string[] = [];
  let epsilon: number | undefined;
  for (const name of names) {
    const dp = parseDpClassifier(name);
    if (!dp || dp.epsilon !== null) out.push(name);
    else if (mode === 'cell') {
      if (cellEpsilon === null || !Number.isFinite(cellEpsilon)) {
        throw new Error(
          `evaluation.classifier_epsilon is "cell", but this cell is non-private (no ε) so "${name}" has no budget: ` +
            `give one or more budgets instead (e.g. classifier_epsilon: [0.1, 1, 10]) or write ${name}@1`,
        );
      }
      out.push(name);
      epsilon = cellEpsilon;
    } else for (const e of ([] as number[]).concat(mode)) out.push(`${name}@${e}`);
  }
  return { classifiers: [...new Set(out)], epsilon };
}

export function createClassifier(name: string): Classifier {
  switch (name) {
    case 'logreg':
      return new LogisticRegression(); // LogisticRegression(max_iter=1000), C=1
    case 'gnb':
      return new GaussianNB();
    case 'rf':
      return randomForest(100); // RandomForestClassifier(n_estimators=100)
    case 'adaboost':
      return new AdaBoost(); // AdaBoostClassifier(n_estimators=50) on stumps
    case 'bagging':
      return bagging(10); // BaggingClassifier(n_estimators=10) of full trees
    case 'gbdt':
      return new GradientBoosting(); // GradientBoostingClassifier(): 100 trees, depth 3, lr 0.1
    default:
      throw new Error(`unknown classifier "${name}" (known: ${CLASSIFIER_NAMES.join(', ')})`);
  }
}

/**
 * Preprocessing fitted on one training table, applied to any table with the same columns: the dense
 * standardized one-hot view (population std, every known level incl. '?' as its own category) and the
 * binned view. Each is built on first use and cached per table.
 */
export class Preprocessor {
  private featurizer?: Featurizer;
  private binner?: Binner;
  private encoder?: PublicEncoder;
  private readonly cache = new WeakMap<Table, { dense?: DenseMatrix; binned?: BinnedMatrix; public?: PublicMatrix }>();

  constructor(readonly train: Table) {}

  dense(t: Table): DenseMatrix {
    const c = this.entry(t);
    if (!c.dense) {
      this.featurizer ??= Featurizer.fit(this.train, { scale: 'standard' });
      c.dense = this.featurizer.transform(t);
    }
    return c.dense;
  }

  /** Public [0, 1] features for the DP classifiers (declared bounds only; throws naming an undeclared column). */
  publicDense(t: Table, who?: string): PublicMatrix {
    const c = this.entry(t);
    if (!c.public) {
      this.encoder ??= PublicEncoder.fromSchema(this.train, who);
      c.public = this.encoder.transform(t);
    }
    return c.public;
  }

  binned(t: Table): BinnedMatrix {
    const c = this.entry(t);
    if (!c.binned) {
      this.binner ??= Binner.fit(this.train);
      c.binned = this.binner.transform(t);
    }
    return c.binned;
  }

  input(kind: InputKind, t: Table): DenseMatrix | BinnedMatrix {
    return kind === 'dense' ? this.dense(t) : this.binned(t);
  }

  private entry(t: Table) {
    let c = this.cache.get(t);
    if (!c) this.cache.set(t, (c = {}));
    return c;
  }
}

/** A fitted classifier together with its preprocessing, scoring whole tables. */
export interface TableModel {
  name: string;
  /** Single-class training data: the model is a constant and cannot rank. */
  constant: boolean;
  fitSeconds: number;
  predictProba(t: Table): Float64Array;
}

/** What DP classifiers need from the caller (the runner passes the config's privacy settings). */
export interface ClassifierContext {
  dp?: {
    /** Budget of bare DP names (names with `@ε` use their own). */
    epsilon?: number;
    /** δ each DP fit may spend (default 1e-5, the config default). */
    delta?: number;
    accountant?: AccountantKind;
    noise?: NoiseKind;
    /** Called after every DP fit with its ledger. */
    onLedger?: (classifier: string, ledger: { budget: Budget; spent: Budget; entries: LedgerEntry[] }) => void;
  };
}

/** A DP classifier for one fit, spending `privacy.ledger`. */
export function createDpClassifier(base: DpClassifierName, privacy: DpFitPrivacy): { fit(X: PublicMatrix, y: Uint8Array, rng: Rng): Model<'dense'> } {
  switch (base) {
    case 'dp-logreg':
      return new DpLogisticRegression(privacy);
    case 'dp-gnb':
      return new DpGaussianNB(privacy);
    case 'dp-logreg-op':
      return new ObjectivePerturbationLR(privacy);
  }
}

function fitDpOnTable(name: string, spec: DpClassifierSpec, pre: Preprocessor, y: Uint8Array, rng: Rng, ctx: ClassifierContext): TableModel {
  const epsilon = spec.epsilon ?? ctx.dp?.epsilon;
  if (epsilon === undefined) {
    throw new Error(`classifier "${name}" is differentially private and needs a budget: write ${spec.base}@<ε> (e.g. ${spec.base}@1) or set evaluation.classifier_epsilon`);
  }
  const ledger = new Ledger({ epsilon, delta: ctx.dp?.delta ?? 1e-5 });
  const t0 = performance.now();
  const X = pre.publicDense(pre.train, name);
  const model = createDpClassifier(spec.base, { ledger, accountant: ctx.dp?.accountant, noise: ctx.dp?.noise }).fit(X, y, rng.fork(name));
  const fitSeconds = (performance.now() - t0) / 1000;
  ctx.dp?.onLedger?.(name, ledger.toJSON());
  // A DP model is never a constant, even on one class: its noise still ranks.
  return { name, constant: false, fitSeconds, predictProba: (t) => model.predictProba(pre.publicDense(t)) };
}

export function fitOnTable(name: string, pre: Preprocessor, y: Uint8Array, rng: Rng, ctx: ClassifierContext = {}): TableModel {
  const dp = parseDpClassifier(name);
  if (dp) return fitDpOnTable(name, dp, pre, y, rng, ctx);
  const clf = createClassifier(name);
  const t0 = performance.now();
  const X = pre.input(clf.input, pre.train);
  const model = (clf as Classifier<InputKind>).fit(X as never, y, rng.fork(name)) as Model<InputKind>;
  const fitSeconds = (performance.now() - t0) / 1000;
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  return {
    name,
    constant: pos === 0 || pos === y.length,
    fitSeconds,
    predictProba: (t) => model.predictProba(pre.input(clf.input, t) as never),
  };
}

export { AdaBoost, Binner, DpGaussianNB, DpLogisticRegression, GaussianNB, GradientBoosting, LogisticRegression, ObjectivePerturbationLR, PublicEncoder };
export type { Classifier, DenseMatrix, Model, PublicMatrix };
