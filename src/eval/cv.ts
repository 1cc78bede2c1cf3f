/**
 * Fold plans for the "cross-validation scores": repeated stratified k-fold (scikit-learn
 * RepeatedStratifiedKFold semantics via src/data/split.ts). When a class is too small to put one row in
 * every fold — e.g. a collapsed generator's synthetic set — the folds fall back to a plain shuffled
 * k-fold and say so, rather than failing the cell.
 */
import type { Rng } from '../compute/rng.ts';
import { complement, stratifiedKFold } from '../data/split.ts';

export interface CvOptions {
  folds: number;
  repeats: number;
}

export const DEFAULT_CV: CvOptions = { folds: 5, repeats: 2 };

export interface FoldPlan {
  /** Test indices per fold, for each repeat: `repeats × folds` arrays. */
  tests: Int32Array[][];
  /** Set when stratification was impossible. */
  note?: string;
}

export function checkCv(cv: CvOptions): void {
  if (!(Number.isInteger(cv.folds) && cv.folds >= 2)) throw new RangeError(`cv.folds must be an integer ≥ 2, got ${cv.folds}`);
  if (!(Number.isInteger(cv.repeats) && cv.repeats >= 1)) throw new RangeError(`cv.repeats must be an integer ≥ 1, got ${cv.repeats}`);
}

export function foldPlan(y: Uint8Array, cv: CvOptions, rng: Rng): FoldPlan {
  checkCv(cv);
  const { folds, repeats } = cv;
  if (y.length < folds) throw new RangeError(`cross-validation: ${y.length} rows cannot fill ${folds} folds`);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const smallest = Math.min(pos, y.length - pos);
  const tests: Int32Array[][] = [];
  for (let r = 0; r < repeats; r++) {
    const rr = rng.fork(`repeat-${r}`);
    tests.push(smallest >= folds ? stratifiedKFold(y, folds, rr) : plainKFold(y.length, folds, rr));
  }
  const note = smallest >= folds ? undefined : `folds not stratified: a class has only ${smallest} row(s)`;
  return note ? { tests, note } : { tests };
}

/** Shuffled k-fold without stratification (sizes differ by at most one). */
export function plainKFold(n: number, k: number, rng: Rng): Int32Array[] {
  const perm = rng.permutation(n);
  const out: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) out[i % k].push(perm[i]);
  return out.map((f) => Int32Array.from(f.sort((a, b) => a - b)));
}

export { complement };
