/** The classifier contract of the evaluation layer: binary labels in {0,1}, scores = P(y = 1). */
import type { Rng } from '../../compute/rng.ts';
import type { BinnedMatrix } from './binning.ts';

/** Row-major n×d doubles (a FeatureMatrix without names is enough). */
export interface DenseMatrix {
  X: Float64Array;
  n: number;
  d: number;
}

export type InputKind = 'dense' | 'binned';
export type InputOf<K extends InputKind> = K extends 'dense' ? DenseMatrix : BinnedMatrix;

export interface Model<K extends InputKind = InputKind> {
  /** P(y = 1) per row. */
  predictProba(X: InputOf<K>): Float64Array;
}

export interface Classifier<K extends InputKind = InputKind> {
  readonly name: string;
  /** LogReg and Gaussian NB take standardized one-hot features; trees take bins (categoricals as codes). */
  readonly input: K;
  fit(X: InputOf<K>, y: Uint8Array, rng: Rng): Model<K>;
}

/** The model for a training set with a single class: that class, always (cannot rank). */
export class ConstantModel implements Model<InputKind> {
  constructor(readonly p: number) {}
  predictProba(X: { n: number }): Float64Array {
    return new Float64Array(X.n).fill(this.p);
  }
}

/** The single class of `y`, or null when both occur. */
export function singleClass(y: Uint8Array): 0 | 1 | null {
  if (y.length === 0) throw new Error('classifier: empty training set');
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  return pos === 0 ? 0 : pos === y.length ? 1 : null;
}

export function checkRows(X: { n: number }, y: Uint8Array, who: string): void {
  if (X.n !== y.length) throw new RangeError(`${who}: ${X.n} rows but ${y.length} labels`);
}
