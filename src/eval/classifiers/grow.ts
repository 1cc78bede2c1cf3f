/**
 * Growing histogram decision trees on Uint8-binned features (binning.ts). One builder serves every
 * tree model: Gini trees for RandomForest / Bagging / AdaBoost stumps (weighted), Friedman-MSE
 * regression trees for gradient boosting, and the CART propensity model of pMSE.
 *
 * Large nodes keep a dense per-feature histogram (weight, weighted target sum, count per bin); a child's
 * histogram is the parent's minus its sibling's, so only the smaller child is ever scanned ("histogram
 * subtraction"). Small nodes and random-feature nodes accumulate only the bins their rows touch.
 * Categorical features split by subsets: bins sorted by mean target, best prefix (optimal for binary
 * Gini and for squared error — Breiman et al. 1984, §9.4), which one-hot trees can only approximate.
 */
import type { Rng } from '../../compute/rng.ts';
import { MISSING_BIN, type BinnedMatrix } from './binning.ts';
import { Tree, type TreeParams } from './tree.ts';

export interface GrowInput {
  X: BinnedMatrix;
  /** Row weights (0 = not used). */
  w: Float64Array;
  /** Target per row: class in {0,1} for gini, residual for mse/friedman. */
  t: Float64Array;
  /** Rows to grow on (each with w > 0). Reordered in place. */
  rows: Int32Array;
  params: TreeParams;
  /** Needed when maxFeatures < d. */
  rng?: Rng;
  /**
   * Leaf value from its rows (rows[start..end)); default weighted mean of t. Gradient boosting uses it
   * for the Newton step and to update its running predictions.
   */
  leafValue?: (rows: Int32Array, start: number, end: number) => number;
}

/** Nodes at least this large keep a dense histogram (below, touched-bin accumulation is cheaper). */
const DENSE_MIN = 1024;
const NB = 256;

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** Dense histogram owned by this node (already holds its rows' stats), or null. */
  hist: Hist | null;
}

interface Hist {
  w: Float64Array;
  s: Float64Array;
  c: Float64Array;
}

interface Best {
  proxy: number;
  feature: number;
  categorical: boolean;
  /** Numeric: bins ≤ threshold go left. */
  threshold: number;
  /** Categorical: the k bins going left are order[0..k). */
  order: Int32Array;
  k: number;
  missingLeft: boolean;
  /** Children's impurity proxy (for min_impurity_decrease). */
  decrease: number;
}

/** Grow one tree. Deterministic given the input and the rng state. */
export function growTree(input: GrowInput): Tree {
  return new Builder(input).build();
}

class Builder {
  private readonly X: BinnedMatrix;
  private readonly rows: Int32Array;
  private readonly p: TreeParams;
  private readonly rng?: Rng;
  private readonly leafValue?: GrowInput['leafValue'];
  private readonly d: number;
  private readonly allFeatures: boolean;
  private readonly denseMin: number;
  private readonly pool: Hist[] = [];
  // Per-feature scratch for touched-bin accumulation.
  private readonly sw = new Float64Array(NB);
  private readonly ss = new Float64Array(NB);
  private readonly sc = new Float64Array(NB);
  private readonly touched = new Int32Array(NB);
  private readonly featOrder: Int32Array;
  /** Weight and weighted target per position of `rows` (permuted with it: sequential reads). */
  private readonly rw: Float64Array;
  private readonly rs: Float64Array;
  /** Feature-major copy of the bins: one feature's column is small enough to stay in cache. */
  private readonly cols: Uint8Array;
  private readonly goesLeft = new Uint8Array(NB);
  private readonly tmpRows: Int32Array;
  private readonly tmpW: Float64Array;
  private readonly tmpS: Float64Array;
  private readonly colViews: Uint8Array[];
  private readonly catOrder = new Int32Array(NB);
  private readonly catKey = new Float64Array(NB);
  private readonly best: Best = {
    proxy: -Infinity,
    feature: -1,
    categorical: false,
    threshold: 0,
    order: new Int32Array(NB),
    k: 0,
    missingLeft: false,
    decrease: 0,
  };
  private totalW = 0;
  // Output arrays (grown as needed).
  private feature: number[] = [];
  private split: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  private value: number[] = [];
  private flags: number[] = [];
  private cats: number[] = [];
  private weight: number[] = [];

  constructor(input: GrowInput) {
    this.X = input.X;
    this.rows = input.rows;
    this.p = input.params;
    this.rng = input.rng;
    this.leafValue = input.leafValue;
    this.d = input.X.d;
    this.allFeatures = this.p.maxFeatures >= this.d;
    this.denseMin = this.p.denseMin ?? DENSE_MIN;
    if (!this.allFeatures && !this.rng) throw new Error('growTree: maxFeatures < d needs an rng');
    this.featOrder = new Int32Array(this.d);
    for (let f = 0; f < this.d; f++) this.featOrder[f] = f;
    const { rows, w, t } = input;
    this.rw = new Float64Array(rows.length);
    this.rs = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      this.rw[k] = w[rows[k]];
      this.rs[k] = w[rows[k]] * t[rows[k]];
    }
    this.cols = columnMajor(input.X);
    this.tmpRows = new Int32Array(rows.length);
    this.tmpW = new Float64Array(rows.length);
    this.tmpS = new Float64Array(rows.length);
    const n = input.X.n;
    this.colViews = Array.from({ length: this.d }, (_, f) => this.cols.subarray(f * n, (f + 1) * n));
  }

  build(): Tree {
    const { rows } = this;
    for (let k = 0; k < rows.length; k++) this.totalW += this.rw[k];
    const root = this.newNode();
    const stack: Pending[] = [{ node: root, start: 0, end: rows.length, depth: 0, hist: null }];
    if (this.allFeatures && rows.length >= this.denseMin) {
      const h = this.takeHist();
      this.accumulate(h, 0, rows.length);
      stack[0].hist = h;
    }
    while (stack.length) this.processNode(stack.pop()!, stack);
    return new Tree(
      Int32Array.from(this.feature),
      Int32Array.from(this.split),
      Int32Array.from(this.left),
      Int32Array.from(this.right),
      Float64Array.from(this.value),
      Uint8Array.from(this.flags),
      Uint32Array.from(this.cats),
      Float64Array.from(this.weight),
    );
  }

  private newNode(): number {
    this.feature.push(-1);
    this.split.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.flags.push(0);
    this.weight.push(0);
    return this.feature.length - 1;
  }

  private takeHist(): Hist {
    return this.pool.pop() ?? { w: new Float64Array(this.d * NB), s: new Float64Array(this.d * NB), c: new Float64Array(this.d * NB) };
  }

  /** Return a histogram to the pool, zeroed. */
  private releaseHist(h: Hist): void {
    h.w.fill(0);
    h.s.fill(0);
    h.c.fill(0);
    this.pool.push(h);
  }

  /** Add rows[start..end) into a dense histogram (all features). */
  private accumulate(h: Hist, start: number, end: number, sign = 1): void {
    const { bins } = this.X;
    const d = this.d;
    const { rows, rw, rs } = this;
    const hw = h.w;
    const hs = h.s;
    const hc = h.c;
    for (let k = start; k < end; k++) {
      const wi = sign * rw[k];
      const si = sign * rs[k];
      const base = rows[k] * d;
      for (let f = 0; f < d; f++) {
        const j = (f << 8) | bins[base + f];
        hw[j] += wi;
        hs[j] += si;
        hc[j] += sign;
      }
    }
  }

  private processNode(nd: Pending, stack: Pending[]): void {
    const { rw, rs, p } = this;
    const { start, end, depth, node } = nd;
    const m = end - start;
    let W = 0;
    let S = 0;
    for (let k = start; k < end; k++) {
      W += rw[k];
      S += rs[k];
    }
    this.weight[node] = W;
    // Internal nodes keep their mean too (pruning turns them into leaves).
    this.value[node] = W > 0 ? S / W : 0;
    const gini = p.criterion === 'gini';
    const pure = gini && (S <= 1e-12 * W || S >= W * (1 - 1e-12));
    const lowRisk = gini && p.minNodeRisk !== undefined && Math.min(S, W - S) <= p.minNodeRisk;
    if (pure || lowRisk || depth >= p.maxDepth || m < p.minSamplesSplit || m < 2 * p.minSamplesLeaf) {
      this.makeLeaf(node, start, end, W, S);
      if (nd.hist) this.releaseHist(nd.hist);
      return;
    }
    const best = this.findSplit(nd);
    if (!best || !this.enoughDecrease(best, W, S)) {
      this.makeLeaf(node, start, end, W, S);
      if (nd.hist) this.releaseHist(nd.hist);
      return;
    }
    const mid = this.applySplit(node, best, start, end);
    const l = this.newNode();
    const r = this.newNode();
    this.left[node] = l;
    this.right[node] = r;
    const ml = mid - start;
    const mr = end - mid;
    let lh: Hist | null = null;
    let rh: Hist | null = null;
    if (nd.hist && Math.max(ml, mr) >= this.denseMin) {
      // Scan the smaller child; the larger child's histogram is the parent's minus it (in place).
      const parent = nd.hist;
      const smallLeft = ml <= mr;
      const [ss, se] = smallLeft ? [start, mid] : [mid, end];
      if (Math.min(ml, mr) >= this.denseMin) {
        const small = this.takeHist();
        this.accumulate(small, ss, se);
        subtract(parent, small);
        if (smallLeft) [lh, rh] = [small, parent];
        else [lh, rh] = [parent, small];
      } else {
        this.accumulate(parent, ss, se, -1);
        if (smallLeft) rh = parent;
        else lh = parent;
      }
    } else if (nd.hist) this.releaseHist(nd.hist);
    // Depth-first: push right then left so the left subtree is built first.
    stack.push({ node: r, start: mid, end, depth: depth + 1, hist: rh });
    stack.push({ node: l, start, end: mid, depth: depth + 1, hist: lh });
  }

  private makeLeaf(node: number, start: number, end: number, W: number, S: number): void {
    this.feature[node] = -1;
    this.value[node] = this.leafValue ? this.leafValue(this.rows, start, end) : W > 0 ? S / W : 0;
  }

  /** Impurity decrease of the best split, scikit-learn's min_impurity_decrease test. */
  private enoughDecrease(best: Best, W: number, S: number): boolean {
    const mid = this.p.minImpurityDecrease;
    if (!(mid > 0)) return true;
    let parentProxy: number;
    if (this.p.criterion === 'gini') parentProxy = (S * S + (W - S) * (W - S)) / W;
    else parentProxy = (S * S) / W;
    const dec = best.decrease - parentProxy;
    return dec / this.totalW >= mid;
  }

  private findSplit(nd: Pending): Best | null {
    const { d } = this;
    const best = this.best;
    best.proxy = -Infinity;
    best.feature = -1;
    const order = this.featOrder;
    const random = !this.allFeatures;
    const nTry = random ? this.p.maxFeatures : d;
    for (let q = 0; q < d; q++) {
      if (q >= nTry && best.feature >= 0) break;
      if (random) {
        // Lazy Fisher–Yates: draw features without replacement only as far as the search goes.
        const j = q + this.rng!.int(d - q);
        const tmp = order[q];
        order[q] = order[j];
        order[j] = tmp;
      }
      const f = order[q];
      if (this.X.nBins[f] < 2) continue;
      this.evalFeature(nd, f, best);
    }
    return best.feature >= 0 ? best : null;
  }

  /** Evaluate one feature; update `best` in place. */
  private evalFeature(nd: Pending, f: number, best: Best): void {
    const nb = this.X.nBins[f];
    const cat = this.X.categorical[f] === 1;
    if (nd.hist) {
      const h = nd.hist;
      if (cat) this.scanCategorical(f, h.w, h.s, h.c, f << 8, null, nb, best);
      else this.scanNumeric(f, h.w, h.s, h.c, f << 8, null, nb, best);
      return;
    }
    const hw = this.sw;
    const hs = this.ss;
    const hc = this.sc;
    const touched = this.touched;
    const nList = accumulateFeature(this.colViews[f], this.rows, this.rw, this.rs, nd.start, nd.end, hw, hs, hc, touched);
    if (cat) this.scanCategorical(f, hw, hs, hc, 0, touched, nList, best);
    else if (nList <= 32) {
      insertionSort(touched, nList);
      this.scanNumeric(f, hw, hs, hc, 0, touched, nList, best);
    } else this.scanNumeric(f, hw, hs, hc, 0, null, nb, best);
    clearTouched(touched, nList, hw, hs, hc);
  }

  /** Split score to maximise (larger = better); also the impurity-decrease proxy. */
  private score(wl: number, sl: number, wr: number, sr: number): number {
    switch (this.p.criterion) {
      case 'gini':
        return (sl * sl + (wl - sl) * (wl - sl)) / wl + (sr * sr + (wr - sr) * (wr - sr)) / wr;
      case 'mse':
        return (sl * sl) / wl + (sr * sr) / wr;
      case 'friedman': {
        const diff = sl / wl - sr / wr;
        return ((wl * wr) / (wl + wr)) * diff * diff;
      }
    }
  }

  private decreaseProxy(wl: number, sl: number, wr: number, sr: number): number {
    if (this.p.criterion === 'gini') return this.score(wl, sl, wr, sr);
    return (sl * sl) / wl + (sr * sr) / wr;
  }

  /** Ordered feature: bins in `list[0..len)` (ascending) or, when list is null, bins 0..len−1. */
  private scanNumeric(
    f: number,
    hw: Float64Array,
    hs: Float64Array,
    hc: Float64Array,
    base: number,
    list: Int32Array | null,
    len: number,
    best: Best,
  ): void {
    const minLeaf = this.p.minSamplesLeaf;
    // Totals over non-missing bins.
    let W = 0;
    let S = 0;
    let C = 0;
    for (let q = 0; q < len; q++) {
      const b = list ? list[q] : q;
      if (b === MISSING_BIN) continue;
      W += hw[base + b];
      S += hs[base + b];
      C += hc[base + b];
    }
    let wl = 0;
    let sl = 0;
    let cl = 0;
    let bestLocal = -Infinity;
    let bt = -1;
    let bwl = 0;
    let bsl = 0;
    for (let q = 0; q < len; q++) {
      const b = list ? list[q] : q;
      if (b === MISSING_BIN) continue;
      const c = hc[base + b];
      if (c === 0) continue;
      wl += hw[base + b];
      sl += hs[base + b];
      cl += c;
      if (cl < minLeaf) continue;
      if (C - cl < minLeaf) break;
      const wr = W - wl;
      if (!(wl > 0 && wr > 0)) continue;
      const sc = this.score(wl, sl, wr, S - sl);
      if (sc > bestLocal) {
        bestLocal = sc;
        bt = b;
        bwl = wl;
        bsl = sl;
      }
    }
    if (bt >= 0 && bestLocal > best.proxy) {
      best.proxy = bestLocal;
      best.feature = f;
      best.categorical = false;
      best.threshold = bt;
      best.decrease = this.decreaseProxy(bwl, bsl, W - bwl, S - bsl);
      // Missing rows (if any) follow the heavier side.
      best.missingLeft = bwl >= W - bwl;
    }
  }

  /** Categorical feature: present bins sorted by mean target, best prefix goes left. */
  private scanCategorical(
    f: number,
    hw: Float64Array,
    hs: Float64Array,
    hc: Float64Array,
    base: number,
    list: Int32Array | null,
    len: number,
    best: Best,
  ): void {
    const minLeaf = this.p.minSamplesLeaf;
    const present = this.catOrder;
    const key = this.catKey;
    let u = 0;
    for (let q = 0; q < len; q++) {
      const b = list ? list[q] : q;
      if (b !== MISSING_BIN && hc[base + b] > 0 && hw[base + b] > 0) {
        // Insertion by (mean target, bin): lists are short (levels of one column).
        const kb = hs[base + b] / hw[base + b];
        let p = u++;
        while (p > 0 && (key[p - 1] > kb || (key[p - 1] === kb && present[p - 1] > b))) {
          key[p] = key[p - 1];
          present[p] = present[p - 1];
          p--;
        }
        key[p] = kb;
        present[p] = b;
      }
    }
    if (u < 2) return;
    let W = 0;
    let S = 0;
    let C = 0;
    for (let q = 0; q < u; q++) {
      const b = present[q];
      W += hw[base + b];
      S += hs[base + b];
      C += hc[base + b];
    }
    let wl = 0;
    let sl = 0;
    let cl = 0;
    let bestLocal = -Infinity;
    let bk = -1;
    let bwl = 0;
    let bsl = 0;
    for (let q = 0; q + 1 < u; q++) {
      const b = present[q];
      wl += hw[base + b];
      sl += hs[base + b];
      cl += hc[base + b];
      if (cl < minLeaf) continue;
      if (C - cl < minLeaf) break;
      const sc = this.score(wl, sl, W - wl, S - sl);
      if (sc > bestLocal) {
        bestLocal = sc;
        bk = q + 1;
        bwl = wl;
        bsl = sl;
      }
    }
    if (bk > 0 && bestLocal > best.proxy) {
      best.proxy = bestLocal;
      best.feature = f;
      best.categorical = true;
      best.order.set(present.subarray(0, bk));
      best.k = bk;
      best.missingLeft = bwl >= W - bwl;
      best.decrease = this.decreaseProxy(bwl, bsl, W - bwl, S - bsl);
    }
  }

  /** Record the split on `node` and partition rows[start..end); returns the first right index. */
  private applySplit(node: number, best: Best, start: number, end: number): number {
    const f = best.feature;
    this.feature[node] = f;
    const goesLeft = this.goesLeft;
    goesLeft.fill(0);
    if (best.categorical) {
      const off = this.cats.length;
      const words = new Array(8).fill(0);
      for (let q = 0; q < best.k; q++) {
        const b = best.order[q];
        words[b >>> 5] |= 1 << (b & 31);
        goesLeft[b] = 1;
      }
      if (best.missingLeft) {
        words[MISSING_BIN >>> 5] |= 1 << (MISSING_BIN & 31);
        goesLeft[MISSING_BIN] = 1;
      }
      for (const x of words) this.cats.push(x >>> 0);
      this.split[node] = off;
      this.flags[node] = 1;
    } else {
      this.split[node] = best.threshold;
      const missLeft = best.missingLeft;
      this.flags[node] = missLeft ? 2 : 0;
      for (let b = 0; b < NB; b++) goesLeft[b] = b <= best.threshold ? 1 : 0;
      goesLeft[MISSING_BIN] = missLeft ? 1 : 0;
    }
    return partition(this.colViews[f], goesLeft, this.rows, this.rw, this.rs, start, end, this.tmpRows, this.tmpW, this.tmpS);
  }
}

const columnCache = new WeakMap<Uint8Array, Uint8Array>();

/** Feature-major copy of X.bins, cached per matrix (ensembles grow many trees on one matrix). */
function columnMajor(X: BinnedMatrix): Uint8Array {
  let c = columnCache.get(X.bins);
  if (!c) {
    const { bins, n, d } = X;
    c = new Uint8Array(n * d);
    for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) c[f * n + i] = bins[i * d + f];
    columnCache.set(X.bins, c);
  }
  return c;
}

/**
 * Stable branch-free partition of positions [start, end) by goesLeft[bin]: left rows are compacted in
 * place (the write index never passes the read index), right rows go through the scratch buffers.
 * Returns the first right position.
 */
function partition(
  col: Uint8Array,
  goesLeft: Uint8Array,
  rows: Int32Array,
  rw: Float64Array,
  rs: Float64Array,
  start: number,
  end: number,
  tr: Int32Array,
  tw: Float64Array,
  ts: Float64Array,
): number {
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const i = rows[k];
    const g = goesLeft[col[i]];
    const wv = rw[k];
    const sv = rs[k];
    rows[l] = i;
    rw[l] = wv;
    rs[l] = sv;
    tr[r] = i;
    tw[r] = wv;
    ts[r] = sv;
    l += g;
    r += 1 - g;
  }
  rows.set(tr.subarray(0, r), l);
  rw.set(tw.subarray(0, r), l);
  rs.set(ts.subarray(0, r), l);
  return l;
}

/** Per-bin weight, weighted target and count of rows[start..end) for one feature; returns #bins touched. */
function accumulateFeature(
  col: Uint8Array,
  rows: Int32Array,
  rw: Float64Array,
  rs: Float64Array,
  start: number,
  end: number,
  hw: Float64Array,
  hs: Float64Array,
  hc: Float64Array,
  touched: Int32Array,
): number {
  let nList = 0;
  for (let k = start; k < end; k++) {
    const b = col[rows[k]];
    if (hc[b] === 0) touched[nList++] = b;
    hw[b] += rw[k];
    hs[b] += rs[k];
    hc[b] += 1;
  }
  return nList;
}

function clearTouched(touched: Int32Array, nList: number, hw: Float64Array, hs: Float64Array, hc: Float64Array): void {
  for (let q = 0; q < nList; q++) {
    const b = touched[q];
    hw[b] = 0;
    hs[b] = 0;
    hc[b] = 0;
  }
}

function insertionSort(a: Int32Array, len: number): void {
  for (let i = 1; i < len; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

function subtract(a: Hist, b: Hist): void {
  const n = a.w.length;
  for (let j = 0; j < n; j++) {
    a.w[j] -= b.w[j];
    a.s[j] -= b.s[j];
    a.c[j] -= b.c[j];
  }
}
