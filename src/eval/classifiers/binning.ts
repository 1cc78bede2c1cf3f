/**
 * Table → Uint8 bin codes per column, the input of the histogram trees. Numeric columns are cut at
 * quantiles of the fitting table (each distinct value its own bin when there are at most `maxBins`;
 * cut points are midpoints between neighbouring values, as scikit-learn's trees place thresholds);
 * categorical columns keep their codes, mapped by level name so tables parsed separately agree.
 * Bin 255 means missing / unseen level; trees send it to the larger child.
 */
import type { Table } from '../../data/table.ts';

export const MISSING_BIN = 255;
const MAX_BINS = 255;

export interface BinnedMatrix {
  /** Row-major n×d bin codes. */
  bins: Uint8Array;
  n: number;
  d: number;
  names: string[];
  /** 1 where the feature is categorical (split by subsets), 0 where ordered. */
  categorical: Uint8Array;
  /** Bins in use per feature (codes 0..nBins−1, plus MISSING_BIN). */
  nBins: Int32Array;
}

type BinFeature =
  | { kind: 'numeric'; name: string; edges: Float64Array }
  | { kind: 'categorical'; name: string; levelBin: Map<string, number>; nBins: number };

export interface BinnerOptions {
  /** At most 255 (bin 255 is reserved). */
  maxBins?: number;
  exclude?: string[];
}

export class Binner {
  readonly features: BinFeature[];

  private constructor(features: BinFeature[]) {
    this.features = features;
  }

  get names(): string[] {
    return this.features.map((f) => f.name);
  }

  static fit(table: Table, opts: BinnerOptions = {}): Binner {
    const maxBins = Math.min(opts.maxBins ?? MAX_BINS, MAX_BINS);
    if (!(maxBins >= 2)) throw new RangeError(`Binner: maxBins must be ≥ 2, got ${opts.maxBins}`);
    const exclude = new Set(opts.exclude ?? []);
    if (table.meta.target) exclude.add(table.meta.target);
    const schema = new Map((table.meta.schema ?? []).map((s) => [s.name, s]));
    const features: BinFeature[] = [];
    for (const c of table.columns) {
      if (exclude.has(c.name)) continue;
      if (c.kind === 'numeric') features.push({ kind: 'numeric', name: c.name, edges: quantileEdges(c.values, maxBins) });
      else {
        const counts = new Map<string, number>();
        for (const l of schema.get(c.name)?.levels ?? []) counts.set(l, 0);
        const perCode = new Float64Array(c.levels.length);
        for (let i = 0; i < c.codes.length; i++) perCode[c.codes[i]]++;
        c.levels.forEach((l, k) => counts.set(l, (counts.get(l) ?? 0) + perCode[k]));
        let levels = [...counts.keys()];
        const levelBin = new Map<string, number>();
        if (levels.length <= maxBins) levels.forEach((l, k) => levelBin.set(l, k));
        else {
          // Too many levels for a byte: the most frequent keep their own bin, the rest share the last one.
          levels = levels.sort((a, b) => counts.get(b)! - counts.get(a)!);
          levels.forEach((l, k) => levelBin.set(l, Math.min(k, maxBins - 1)));
        }
        features.push({ kind: 'categorical', name: c.name, levelBin, nBins: Math.min(levels.length, maxBins) });
      }
    }
    return new Binner(features);
  }

  transform(table: Table): BinnedMatrix {
    const n = table.nrows;
    const d = this.features.length;
    const bins = new Uint8Array(n * d);
    const categorical = new Uint8Array(d);
    const nBins = new Int32Array(d);
    this.features.forEach((f, j) => {
      if (!table.has(f.name)) throw new Error(`Binner: the table has no column "${f.name}" (it was present when fitted)`);
      const c = table.column(f.name);
      if (f.kind === 'numeric') {
        if (c.kind !== 'numeric') throw new Error(`Binner: column "${f.name}" was numeric when fitted`);
        const { edges } = f;
        nBins[j] = edges.length + 1;
        const v = c.values;
        for (let i = 0; i < n; i++) bins[i * d + j] = binOf(edges, v[i]);
      } else {
        if (c.kind !== 'categorical') throw new Error(`Binner: column "${f.name}" was categorical when fitted`);
        categorical[j] = 1;
        nBins[j] = f.nBins;
        const map = c.levels.map((l) => f.levelBin.get(l) ?? MISSING_BIN);
        for (let i = 0; i < n; i++) bins[i * d + j] = map[c.codes[i]];
      }
    });
    return { bins, n, d, names: this.names, categorical, nBins };
  }
}

/** Bin of v: the first k with v ≤ edges[k], else edges.length; NaN → MISSING_BIN. */
function binOf(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** At most maxBins−1 cut points: midpoints between distinct values, at quantiles when there are too many. */
export function quantileEdges(values: Float64Array, maxBins: number): Float64Array {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const n = sorted.length;
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 0; k + 1 < distinct.length; k++) edges.push((distinct[k] + distinct[k + 1]) / 2);
  } else {
    // Cut after the value at each quantile position, halfway to the next larger value.
    let last = -Infinity;
    for (let k = 1; k < maxBins; k++) {
      const c = sorted[Math.min(n - 1, Math.floor((k * n) / maxBins))];
      if (c <= last) continue;
      const next = upperBound(sorted, c);
      if (next >= n) break;
      edges.push((c + sorted[next]) / 2);
      last = c;
    }
  }
  return Float64Array.from(edges);
}

function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
