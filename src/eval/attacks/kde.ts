/**
 * Gaussian kernel density estimate with a full bandwidth matrix, as scipy.stats.gaussian_kde: kernel
 * covariance = factor² · (data covariance), factor from Scott (n^(−1/(d+4))) or Silverman
 * ((n(d+2)/4)^(−1/(d+4))). Points are whitened by the Cholesky factor of the data covariance, so the
 * kernel is isotropic with standard deviation `factor`.
 *
 * Evaluation uses a k-d tree (nearest boxes first) and an online log-sum-exp relative to the closest
 * centre seen so far. A point or a whole box is skipped when its largest possible term is at most
 * τ·S/n, where S is the running sum: at most n terms are skipped, so the density has relative error ≤ τ
 * (default τ = 1e−3, i.e. log-density error ≤ 0.001) — and with Scott's bandwidth that skips most of
 * the data. Returns log densities, so points far in the tails keep finite, ordered values.
 */
import { cholesky, covariance, forwardSolve } from './linalg.ts';

export type Bandwidth = 'scott' | 'silverman';

const BUCKET = 16;

export class GaussianKde {
  readonly n: number;
  readonly d: number;
  readonly factor: number;
  private readonly L: Float64Array;
  private readonly logNorm: number;
  private readonly inv2h2: number;
  private readonly logN: number;
  private readonly tol: number;
  /** Whitened centres in tree order, and tree order → original row. */
  private readonly z: Float64Array;
  private readonly rowAt: Int32Array;
  private readonly kStart: Int32Array;
  private readonly kEnd: Int32Array;
  private readonly kLeft: Int32Array;
  private readonly kRight: Int32Array;
  private readonly kDim: Int32Array;
  private readonly kSplit: Float64Array;
  private readonly kBox: Float64Array;
  /** Tree under construction (plain arrays), frozen into the typed arrays above. */
  private t: { start: number[]; end: number[]; left: number[]; right: number[]; dim: number[]; split: number[]; box: number[] } | null = {
    start: [], end: [], left: [], right: [], dim: [], split: [], box: [],
  };
  private readonly q: Float64Array;
  private m = Infinity;
  private s = 0;
  private skip = -1;
  /** Squared distance beyond which terms are negligible (recomputed as m falls and S grows). */
  private limit = Infinity;
  private sAtLimit = 0;

  constructor(X: Float64Array, n: number, d: number, bandwidth: Bandwidth = 'scott', tolerance = 1e-3) {
    if (n < 2) throw new Error(`KDE needs at least 2 points, got ${n}`);
    this.n = n;
    this.d = d;
    this.factor = bandwidth === 'scott' ? Math.pow(n, -1 / (d + 4)) : Math.pow((n * (d + 2)) / 4, -1 / (d + 4));
    const { cov } = covariance(X, n, d);
    this.L = cholesky(cov, d);
    let logDet = 0;
    for (let i = 0; i < d; i++) logDet += Math.log(this.L[i * d + i]);
    const h = this.factor;
    this.inv2h2 = 1 / (2 * h * h);
    this.logN = Math.log(n);
    this.tol = tolerance;
    this.logNorm = -Math.log(n) - 0.5 * d * Math.log(2 * Math.PI) - d * Math.log(h) - logDet;
    this.z = this.whiten(X, n);
    this.rowAt = new Int32Array(n);
    for (let i = 0; i < n; i++) this.rowAt[i] = i;
    this.q = new Float64Array(d);
    this.build(0, n);
    const t = this.t!;
    this.kStart = Int32Array.from(t.start);
    this.kEnd = Int32Array.from(t.end);
    this.kLeft = Int32Array.from(t.left);
    this.kRight = Int32Array.from(t.right);
    this.kDim = Int32Array.from(t.dim);
    this.kSplit = Float64Array.from(t.split);
    this.kBox = Float64Array.from(t.box);
    this.t = null;
  }

  private whiten(X: Float64Array, n: number): Float64Array {
    const d = this.d;
    const z = Float64Array.from(X.subarray(0, n * d));
    for (let i = 0; i < n; i++) forwardSolve(this.L, d, z, i * d);
    return z;
  }

  private build(s: number, e: number): number {
    const d = this.d;
    const t = this.t!;
    const id = t.start.length;
    t.start.push(s);
    t.end.push(e);
    t.left.push(-1);
    t.right.push(-1);
    t.dim.push(-1);
    t.split.push(0);
    let bestDim = -1;
    let spread = 0;
    for (let k = 0; k < d; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = s; i < e; i++) {
        const v = this.z[i * d + k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      t.box.push(lo, hi);
      if (hi - lo > spread) {
        spread = hi - lo;
        bestDim = k;
      }
    }
    if (e - s <= BUCKET || bestDim < 0) return id;
    const mid = (s + e) >> 1;
    this.select(s, e, mid, bestDim);
    t.dim[id] = bestDim;
    t.split[id] = this.z[mid * d + bestDim];
    const l = this.build(s, mid);
    const r = this.build(mid, e);
    t.left[id] = l;
    t.right[id] = r;
    return id;
  }

  private select(s: number, e: number, m: number, k: number): void {
    const d = this.d;
    const z = this.z;
    let lo = s;
    let hi = e - 1;
    while (hi > lo) {
      const pivot = z[((lo + hi) >> 1) * d + k];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (z[i * d + k] < pivot) i++;
        while (z[j * d + k] > pivot) j--;
        if (i <= j) {
          for (let t = 0; t < d; t++) {
            const x = z[i * d + t];
            z[i * d + t] = z[j * d + t];
            z[j * d + t] = x;
          }
          const r = this.rowAt[i];
          this.rowAt[i] = this.rowAt[j];
          this.rowAt[j] = r;
          i++;
          j--;
        }
      }
      if (m <= j) hi = j;
      else if (m >= i) lo = i;
      else return;
    }
  }

  /**
   * log density at each row of Y (m×d, same coordinates as the fitted X). `skipSelf[i]` ≥ 0 leaves that
   * fitted row out of the sum for query i (leave-one-out, normalised by n − 1).
   */
  logDensity(Y: Float64Array, m: number, skipSelf?: Int32Array): Float64Array {
    const d = this.d;
    const Z = this.whiten(Y, m);
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < d; k++) this.q[k] = Z[i * d + k];
      this.m = Infinity;
      this.s = 0;
      this.limit = Infinity;
      this.sAtLimit = 0;
      this.skip = skipSelf ? skipSelf[i] : -1;
      this.visit(0);
      const loo = this.skip >= 0 ? Math.log(this.n / (this.n - 1)) : 0;
      out[i] = this.logNorm + loo + Math.log(this.s) - this.m * this.inv2h2;
    }
    return out;
  }

  private visit(node: number): void {
    const left = this.kLeft[node];
    if (left < 0) {
      this.bucket(this.kStart[node], this.kEnd[node]);
      return;
    }
    const right = this.kRight[node];
    const first = this.q[this.kDim[node]] < this.kSplit[node] ? left : right;
    const second = first === left ? right : left;
    if (this.bound(first) < this.limit) this.visit(first);
    if (this.bound(second) < this.limit) this.visit(second);
  }

  /** Squared distance from the query to a node's box (stops early once past the limit). */
  private bound(node: number): number {
    const d = this.d;
    const o = node * 2 * d;
    const box = this.kBox;
    const q = this.q;
    const limit = this.limit;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const v = q[k];
      const lo = box[o + 2 * k];
      const hi = box[o + 2 * k + 1];
      const g = v < lo ? lo - v : v > hi ? v - hi : 0;
      s += g * g;
      if (s >= limit) return s;
    }
    return s;
  }

  private bucket(s: number, e: number): void {
    const d = this.d;
    const z = this.z;
    const q = this.q;
    const rowAt = this.rowAt;
    const skip = this.skip;
    let limit = this.limit;
    for (let i = s; i < e; i++) {
      if (rowAt[i] === skip) continue;
      let r = 0;
      const o = i * d;
      let k = 0;
      for (; k < d; k++) {
        const t = q[k] - z[o + k];
        r += t * t;
        if (r >= limit) break; // partial distance: already negligible
      }
      if (k < d) continue;
      if (r < this.m) {
        // New closest centre: rescale the running sum to it.
        this.s = this.s * Math.exp((r - this.m) * this.inv2h2) + 1;
        this.m = r;
        this.updateLimit();
        limit = this.limit;
      } else {
        this.s += Math.exp((this.m - r) * this.inv2h2);
        if (this.s > 2 * this.sAtLimit) {
          this.updateLimit();
          limit = this.limit;
        }
      }
    }
  }

  /**
   * Terms e^{−(r²−m)/2h²} ≤ τ·S/n are negligible: r² ≥ m + 2h²·log(n/(τ·S)). Using an S that is at most the
   * current one keeps the limit conservative, so it is refreshed only when S doubles or m moves.
   */
  private updateLimit(): void {
    this.sAtLimit = this.s;
    this.limit = this.m + Math.max(0, this.logN - Math.log(this.tol * this.s)) / this.inv2h2;
  }
}
