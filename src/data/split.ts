/**
 * Seeded stratified splits: holdout split and (repeated) stratified k-fold, scikit-learn semantics
 * (each class is shuffled and dealt round-robin so every fold gets ⌊n_c/k⌋ or ⌈n_c/k⌉ of class c).
 */
import type { Rng } from '../compute/rng.ts';

function byClass(y: ArrayLike<number>): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = m.get(y[i]);
    if (list) list.push(i);
    else m.set(y[i], [i]);
  }
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}

/** Split indices so each class keeps its share in the test part (rounded per class). */
export function stratifiedSplit(
  y: ArrayLike<number>,
  testFraction: number,
  rng: Rng,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`test fraction must be in (0,1), got ${testFraction}`);
  const train: number[] = [];
  const test: number[] = [];
  for (const idx of byClass(y).values()) {
    rng.shuffle(idx);
    const nt = Math.round(idx.length * testFraction);
    for (let i = 0; i < idx.length; i++) (i < nt ? test : train).push(idx[i]);
  }
  return { train: Int32Array.from(train.sort((a, b) => a - b)), test: Int32Array.from(test.sort((a, b) => a - b)) };
}

/** Test-index sets of a stratified k-fold (disjoint, covering every index). */
export function stratifiedKFold(y: ArrayLike<number>, k: number, rng: Rng): Int32Array[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let start = 0;
  for (const idx of byClass(y).values()) {
    if (idx.length < k) {
      throw new RangeError(`stratified ${k}-fold: a class has only ${idx.length} member(s); need at least ${k}`);
    }
    rng.shuffle(idx);
    // Continue the round-robin where the previous class stopped so fold sizes stay balanced.
    for (let i = 0; i < idx.length; i++) folds[(start + i) % k].push(idx[i]);
    start = (start + idx.length) % k;
  }
  return folds.map((f) => Int32Array.from(f.sort((a, b) => a - b)));
}

/** Complement of `test` in 0..n-1. */
export function complement(n: number, test: ArrayLike<number>): Int32Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < test.length; i++) mask[test[i]] = 1;
  const out = new Int32Array(n - test.length);
  let o = 0;
  for (let i = 0; i < n; i++) if (!mask[i]) out[o++] = i;
  return out;
}
