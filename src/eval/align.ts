/**
 * Making separately parsed tables comparable: same columns with the same kinds, and one agreed positive
 * class (a CSV's level order is its order of appearance, so "the last level" differs between files).
 */
import type { Table } from '../data/table.ts';

export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Check that `other` has every column of `ref` with the same kind; labels name the files in errors. */
export function checkCompatible(ref: Table, other: Table, refLabel: string, otherLabel: string): void {
  for (const c of ref.columns) {
    if (!other.has(c.name)) throw new EvalInputError(`${otherLabel}: no column "${c.name}" (present in ${refLabel})`);
    const o = other.column(c.name);
    if (o.kind !== c.kind) {
      throw new EvalInputError(
        `column "${c.name}" is ${c.kind} in ${refLabel} but ${o.kind} in ${otherLabel} — declare its type or fix the values`,
      );
    }
  }
}

/**
 * The positive class: the given one (must occur in `ref` or be a declared level), else for a
 * categorical target the last level in sorted order ('>50K' over '<=50K', 'yes' over 'no', '1' over '0'),
 * for a numeric target 1.
 */
export function resolvePositive(ref: Table, target: string, given?: string): string {
  if (!ref.has(target)) throw new EvalInputError(`target column "${target}" not found (columns: ${ref.names.join(', ')})`);
  const c = ref.column(target);
  if (c.kind === 'numeric') {
    const pos = given ?? '1';
    if (!Number.isFinite(Number(pos))) throw new EvalInputError(`positive class "${pos}" is not a number, but target "${target}" is numeric`);
    return pos;
  }
  if (given !== undefined) {
    if (!c.levels.includes(given)) throw new EvalInputError(`positive class "${given}" does not occur in target "${target}" (levels: ${c.levels.join(', ')})`);
    return given;
  }
  return [...c.levels].sort().at(-1)!;
}

/** Reject tables with NaN/±Infinity in a numeric column (a diverged generator), naming the column. */
export function checkFinite(t: Table, label: string): void {
  for (const c of t.columns) {
    if (c.kind !== 'numeric') continue;
    let bad = 0;
    for (let i = 0; i < c.values.length; i++) if (!Number.isFinite(c.values[i])) bad++;
    if (bad > 0) throw new EvalInputError(`${label}: column "${c.name}" has ${bad} non-finite value(s) (NaN or ±Infinity); cannot evaluate`);
  }
}
