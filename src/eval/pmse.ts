/**
 * Propensity-score mean squared error (Woo et al. 2009; Snoke et al. 2018; synthpop utility.gen).
 * Stack real (label 0) and synthetic (label 1) rows, fit a propensity model on all of them, score the
 * same rows: pMSE = Σ(pᵢ − c)²/N with c = n_syn/N. 0 = indistinguishable; 0.25·… the maximum.
 * Null expectation (synthpop R/utility.syn.r): logistic — (k−1)(1−c)²c/N for k coefficients;
 * CART — the mean pMSE over `permutations` refits with shuffled labels (nperms = 50). The ratio of
 * pMSE to its null is S_pMSE: ≈ 1 when real and synthetic come from one distribution.
 *
 * A main-effects logistic model sees only marginals (it cannot notice broken dependence); use
 * `interactions: true` or the CART model for that. Every result names the model that produced it.
 */
import type { Rng } from '../compute/rng.ts';
import { Table } from '../data/table.ts';
import { checkFinite } from './align.ts';
import { Binner } from './classifiers/binning.ts';
import { LogisticRegression, type Csr } from './classifiers/logreg.ts';
import { growTree } from './classifiers/grow.ts';
import { defaultTreeParams, pruneTree } from './classifiers/tree.ts';
import type { MetricValue } from './types.ts';

export type PropensityModel = 'logistic' | 'cart';

export interface PmseOptions {
  model?: PropensityModel;
  /** Logistic: add all pairwise interaction terms (synthpop maxorder = 1). */
  interactions?: boolean;
  /** CART null: label permutations (synthpop nperms = 50). */
  permutations?: number;
  /** CART complexity parameter (synthpop cp = 1e-3, rpart semantics: risk reduction per leaf ≥ cp·root risk). */
  cp?: number;
  /** CART smallest leaf (synthpop minbucket = 5). */
  minBucket?: number;
  /** CART depth limit (rpart default maxdepth = 30). */
  maxDepth?: number;
  /** Logistic L2 strength as scikit-learn's C (dpsdgym uses the default C = 1). */
  C?: number;
  rng?: Rng;
}

export interface PmseResult {
  model: string;
  pmse: number;
  /** Null expectation of pMSE (analytic for logistic, permutation mean for CART); null if undefined. */
  expected: number | null;
  /** S_pMSE = pMSE / expected. */
  ratio: number | null;
  /** Logistic: number of coefficients besides the intercept. */
  km1?: number;
  permutations?: number;
  /** Share of synthetic rows in the stacked data. */
  c: number;
  n: number;
  reason?: string;
}

/** Real and synthetic stacked on the real table's columns (the target is an ordinary column here). */
export function stack(real: Table, synth: Table): { table: Table; label: Uint8Array } {
  const cols = real.names;
  for (const c of cols) if (!synth.has(c)) throw new Error(`pMSE: the synthetic table has no column "${c}"`);
  if (real.nrows === 0 || synth.nrows === 0) throw new Error('pMSE: real and synthetic tables must both have rows');
  checkFinite(synth, 'pMSE: the synthetic table');
  const meta = { schema: real.meta.schema };
  const table = Table.concat([new Table(real.columns, meta), new Table(synth.select(cols).columns, meta)]);
  const label = new Uint8Array(table.nrows);
  label.fill(1, real.nrows);
  return { table, label };
}

export function pmse(real: Table, synth: Table, opts: PmseOptions = {}): PmseResult {
  const { table, label } = stack(real, synth);
  const model = opts.model ?? 'logistic';
  if (model === 'logistic') return logisticPmse(table, label, opts);
  if (model === 'cart') return cartPmse(table, label, opts);
  throw new Error(`pMSE: unknown propensity model "${model}" (use logistic or cart)`);
}

function pmseOf(p: ArrayLike<number>, c: number): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - c) * (p[i] - c);
  return s / p.length;
}

function logisticPmse(table: Table, label: Uint8Array, opts: PmseOptions): PmseResult {
  const N = table.nrows;
  const c = label.reduce((s, v) => s + v, 0) / N;
  const { csr, km1 } = designMatrix(table, opts.interactions ?? false);
  const lr = new LogisticRegression({ C: opts.C ?? 1, maxIter: opts.interactions ? 300 : 100 });
  const m = lr.fitCsr(csr, label);
  const p = m.predictProba(csr);
  const value = pmseOf(p, c);
  const expected = (km1 * (1 - c) * (1 - c) * c) / N;
  const name = opts.interactions ? 'logistic-interactions' : 'logistic';
  const res: PmseResult = { model: name, pmse: value, expected: expected > 0 ? expected : null, ratio: expected > 0 ? value / expected : null, km1, c, n: N };
  if (!(expected > 0)) res.reason = 'no usable predictors: the null expectation is 0';
  return res;
}

function cartPmse(table: Table, label: Uint8Array, opts: PmseOptions): PmseResult {
  const N = table.nrows;
  const nSyn = label.reduce((s, v) => s + v, 0);
  const c = nSyn / N;
  const X = Binner.fit(table).transform(table);
  const minBucket = opts.minBucket ?? 5;
  const cp = opts.cp ?? 1e-3;
  // rpart: alpha = cp × root risk (the minority count); minsplit defaults to 3·minbucket when only minbucket is given.
  const alpha = cp * Math.min(nSyn, N - nSyn);
  const params = {
    ...defaultTreeParams(X.d),
    maxDepth: opts.maxDepth ?? 30,
    minSamplesLeaf: minBucket,
    minSamplesSplit: 3 * minBucket,
    minNodeRisk: alpha,
  };
  const w = new Float64Array(N).fill(1);
  const fitScore = (y: Uint8Array): number => {
    const rows = new Int32Array(N);
    for (let i = 0; i < N; i++) rows[i] = i;
    const tree = pruneTree(growTree({ X, w, t: Float64Array.from(y), rows, params }), alpha);
    return pmseOf(tree.predict(X), c);
  };
  const value = fitScore(label);
  const nperm = opts.permutations ?? 50;
  const res: PmseResult = { model: 'cart', pmse: value, expected: null, ratio: null, c, n: N, permutations: nperm };
  if (nperm <= 0) {
    res.reason = 'no permutations requested: S_pMSE not computed';
    return res;
  }
  if (!opts.rng) throw new Error('pMSE (cart): an rng is needed for the permutation null');
  const rng = opts.rng.fork('pmse-cart-perm');
  let sum = 0;
  const perm = Uint8Array.from(label);
  for (let k = 0; k < nperm; k++) {
    rng.shuffle(perm);
    sum += fitScore(perm);
  }
  const expected = sum / nperm;
  res.expected = expected;
  if (expected > 0) res.ratio = value / expected;
  else res.reason = 'the permutation null pMSE is 0 (no tree split survives on shuffled labels), so S_pMSE is undefined';
  return res;
}

/**
 * Propensity design matrix with treatment coding (first-seen level as reference, as R's model.matrix;
 * the coefficient count k−1 is what the logistic null expectation needs): standardized numerics,
 * dummies of non-reference levels, and optionally products of every pair of such terms from different
 * columns that are non-zero somewhere (all-zero products are aliased and do not count).
 */
export function designMatrix(table: Table, interactions: boolean): { csr: Csr; km1: number } {
  const n = table.nrows;
  // Each column contributes, per row, one (term, value) or nothing.
  type ColTerms = { term: Int32Array; val: Float64Array; nterms: number };
  const cols: ColTerms[] = [];
  for (const c of table.columns) {
    const term = new Int32Array(n).fill(-1);
    const val = new Float64Array(n);
    if (c.kind === 'numeric') {
      let mean = 0;
      for (const v of c.values) mean += v;
      mean /= n;
      let ss = 0;
      for (const v of c.values) ss += (v - mean) * (v - mean);
      const sd = Math.sqrt(ss / n);
      if (!(sd > 0)) continue; // constant: no coefficient
      for (let i = 0; i < n; i++) {
        term[i] = 0;
        val[i] = (c.values[i] - mean) / sd;
      }
      cols.push({ term, val, nterms: 1 });
    } else {
      const counts = new Float64Array(c.levels.length);
      for (let i = 0; i < n; i++) counts[c.codes[i]]++;
      // Reference = most frequent level (better conditioned; the count of terms is the same).
      let ref = 0;
      for (let k = 1; k < counts.length; k++) if (counts[k] > counts[ref]) ref = k;
      const map = new Int32Array(counts.length).fill(-1);
      let t = 0;
      for (let k = 0; k < counts.length; k++) if (k !== ref && counts[k] > 0) map[k] = t++;
      if (t === 0) continue;
      for (let i = 0; i < n; i++) {
        const m = map[c.codes[i]];
        if (m >= 0) {
          term[i] = m;
          val[i] = 1;
        }
      }
      cols.push({ term, val, nterms: t });
    }
  }
  const offsets: number[] = [];
  let d = 0;
  for (const c of cols) {
    offsets.push(d);
    d += c.nterms;
  }
  // Interaction terms: ids assigned on first non-zero occurrence.
  const pairIds: Map<number, number>[] = [];
  const pairs: [number, number][] = [];
  if (interactions) {
    for (let a = 0; a < cols.length; a++) for (let b = a + 1; b < cols.length; b++) pairs.push([a, b]);
    for (let q = 0; q < pairs.length; q++) pairIds.push(new Map());
  }
  const ptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const mainD = d;
  let next = mainD;
  const rowTerms: { col: number; term: number; v: number }[] = [];
  for (let i = 0; i < n; i++) {
    rowTerms.length = 0;
    cols.forEach((c, j) => {
      if (c.term[i] >= 0 && c.val[i] !== 0) rowTerms.push({ col: j, term: c.term[i], v: c.val[i] });
    });
    for (const r of rowTerms) {
      idx.push(offsets[r.col] + r.term);
      val.push(r.v);
    }
    if (interactions) {
      for (let x = 0; x < rowTerms.length; x++) {
        for (let y = x + 1; y < rowTerms.length; y++) {
          const A = rowTerms[x];
          const B = rowTerms[y];
          const q = pairIndex(A.col, B.col, cols.length);
          const key = A.term * cols[B.col].nterms + B.term;
          let id = pairIds[q].get(key);
          if (id === undefined) {
            id = next++;
            pairIds[q].set(key, id);
          }
          idx.push(id);
          val.push(A.v * B.v);
        }
      }
    }
    ptr[i + 1] = idx.length;
  }
  const csr: Csr = { n, d: next, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val) };
  return { csr, km1: next };
}

/** Index of the pair (a, b), a < b, in row-major upper-triangle order over m columns. */
function pairIndex(a: number, b: number, m: number): number {
  return a * m - (a * (a + 1)) / 2 + (b - a - 1);
}

/** pMSE values as named metrics: pmse and pmse_ratio for each requested model. */
export function pmseMetrics(
  real: Table,
  synth: Table,
  opts: { models?: (PropensityModel | 'logistic-interactions')[]; rng: Rng } & Omit<PmseOptions, 'model' | 'interactions' | 'rng'>,
): MetricValue[] {
  const out: MetricValue[] = [];
  for (const m of opts.models ?? ['logistic', 'cart']) {
    const r = pmse(real, synth, {
      ...opts,
      model: m === 'cart' ? 'cart' : 'logistic',
      interactions: m === 'logistic-interactions',
      rng: opts.rng.fork(`pmse-${m}`),
    });
    out.push({ name: 'pmse', variant: r.model, value: r.pmse });
    const ratio: MetricValue = { name: 'pmse_ratio', variant: r.model, value: r.ratio };
    if (r.reason) ratio.reason = r.reason;
    out.push(ratio);
  }
  return out;
}
