/**
 * The six classifiers of the thesis seed, by config name, with scikit-learn's defaults, plus the
 * per-table preprocessing each needs (standardized one-hot features or bins), fitted on the training
 * table only.
 */
import type { Rng } from '../../compute/rng.ts';
import type { Table } from '../../data/table.ts';
import { Featurizer } from '../../data/transform/featurize.ts';
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

export function isClassifierName(s: string): s is ClassifierName {
  return (CLASSIFIER_NAMES as readonly string[]).includes(s);
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
  private readonly cache = new WeakMap<Table, { dense?: DenseMatrix; binned?: BinnedMatrix }>();

  constructor(readonly train: Table) {}

  dense(t: Table): DenseMatrix {
    const c = this.entry(t);
    if (!c.dense) {
      this.featurizer ??= Featurizer.fit(this.train, { scale: 'standard' });
      c.dense = this.featurizer.transform(t);
    }
    return c.dense;
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

export function fitOnTable(name: string, pre: Preprocessor, y: Uint8Array, rng: Rng): TableModel {
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

export { AdaBoost, Binner, GaussianNB, GradientBoosting, LogisticRegression };
export type { Classifier, DenseMatrix, Model };
