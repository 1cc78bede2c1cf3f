/**
 * L2 logistic regression with scikit-learn's objective (LogisticRegression(C=1)):
 *   C·Σᵢ logloss(yᵢ, σ(xᵢ·w + b)) + ½‖w‖²   (intercept b not penalised).
 * Rows are stored sparsely (one-hot features are mostly zero). Newton's method with a Cholesky solve
 * for up to `newtonMaxDim` features (converges to the unique optimum in a handful of steps), L-BFGS
 * beyond (pMSE interaction models).
 */
import type { Rng } from '../../compute/rng.ts';
import { ConstantModel, checkRows, singleClass, type Classifier, type DenseMatrix, type Model } from './types.ts';

export interface LogRegOptions {
  C: number;
  maxIter: number;
  /** Gradient tolerance on scikit-learn's scale (see `converged`). */
  tol: number;
  newtonMaxDim: number;
}

/** Compressed sparse rows. */
export interface Csr {
  n: number;
  d: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

export function toCsr(M: DenseMatrix): Csr {
  const { X, n, d } = M;
  let nnz = 0;
  for (let k = 0; k < X.length; k++) if (X[k] !== 0) nnz++;
  const ptr = new Int32Array(n + 1);
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) {
      const v = X[base + j];
      if (v !== 0) {
        idx[o] = j;
        val[o++] = v;
      }
    }
    ptr[i + 1] = o;
  }
  return { n, d, ptr, idx, val };
}

export class LogRegModel implements Model<'dense'> {
  /** w[0..d) coefficients, w[d] intercept. */
  constructor(readonly w: Float64Array) {}

  decision(X: DenseMatrix | Csr): Float64Array {
    const out = new Float64Array(X.n);
    const w = this.w;
    const d = w.length - 1;
    if (X.d !== d) throw new RangeError(`logreg: fitted on ${d} features, got ${X.d}`);
    if ('ptr' in X) {
      for (let i = 0; i < X.n; i++) {
        let z = w[d];
        for (let k = X.ptr[i]; k < X.ptr[i + 1]; k++) z += X.val[k] * w[X.idx[k]];
        out[i] = z;
      }
    } else {
      for (let i = 0; i < X.n; i++) {
        let z = w[d];
        const base = i * d;
        for (let j = 0; j < d; j++) z += X.X[base + j] * w[j];
        out[i] = z;
      }
    }
    return out;
  }

  predictProba(X: DenseMatrix | Csr): Float64Array {
    const z = this.decision(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]);
    return z;
  }
}

export class LogisticRegression implements Classifier<'dense'> {
  readonly name = 'logreg';
  readonly input = 'dense' as const;
  readonly opts: LogRegOptions;
  /** Iterations used by the last fit (diagnostics). */
  lastIterations = 0;

  constructor(opts: Partial<LogRegOptions> = {}) {
    // scikit-learn LogisticRegression: C=1.0, tol=1e-4; the thesis seed uses max_iter=1000.
    this.opts = { C: 1, maxIter: 1000, tol: 1e-4, newtonMaxDim: 400, ...opts };
  }

  fit(X: DenseMatrix, y: Uint8Array, _rng?: Rng): Model<'dense'> {
    return this.fitCsr(toCsr(X), y);
  }

  fitCsr(A: Csr, y: Uint8Array): LogRegModel | ConstantModel {
    checkRows(A, y, this.name);
    const one = singleClass(y);
    if (one !== null) return new ConstantModel(one);
    const w = A.d + 1 <= this.opts.newtonMaxDim ? this.newton(A, y) : this.lbfgs(A, y);
    return new LogRegModel(w);
  }

  /** Objective and gradient at w (gradient written into g). */
  private objective(A: Csr, y: Uint8Array, w: Float64Array, g: Float64Array | null, p?: Float64Array): number {
    const { n, d, ptr, idx, val } = A;
    const C = this.opts.C;
    let f = 0;
    if (g) g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = w[d];
      for (let k = ptr[i]; k < ptr[i + 1]; k++) z += val[k] * w[idx[k]];
      // log(1 + e^z) − y·z, computed stably.
      f += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
      const pi = sigmoid(z);
      if (p) p[i] = pi;
      if (g) {
        const r = C * (pi - y[i]);
        for (let k = ptr[i]; k < ptr[i + 1]; k++) g[idx[k]] += r * val[k];
        g[d] += r;
      }
    }
    f *= C;
    for (let j = 0; j < d; j++) {
      f += 0.5 * w[j] * w[j];
      if (g) g[j] += w[j];
    }
    return f;
  }

  /**
   * scikit-learn's lbfgs minimises the objective divided by C·n and stops when its largest gradient
   * component is ≤ tol; the same test on our scale, tightened by `factor` for Newton (cheap near the optimum).
   */
  private converged(g: Float64Array, n: number, factor: number): boolean {
    let mx = 0;
    for (let j = 0; j < g.length; j++) mx = Math.max(mx, Math.abs(g[j]));
    return mx <= this.opts.tol * factor * this.opts.C * n;
  }

  private newton(A: Csr, y: Uint8Array): Float64Array {
    const { n, d, ptr, idx, val } = A;
    const D = d + 1;
    const C = this.opts.C;
    let w = new Float64Array(D);
    const g = new Float64Array(D);
    const p = new Float64Array(n);
    const H = new Float64Array(D * D);
    let f = this.objective(A, y, w, g, p);
    let it = 0;
    for (; it < this.opts.maxIter; it++) {
      if (this.converged(g, n, 1e-3)) break;
      // H = C·Σ pᵢ(1−pᵢ)·x̃ᵢx̃ᵢᵀ + diag(1,…,1,0) with x̃ = (x, 1); upper triangle then mirrored.
      H.fill(0);
      for (let i = 0; i < n; i++) {
        const c = C * p[i] * (1 - p[i]);
        if (c === 0) continue;
        const s = ptr[i];
        const e = ptr[i + 1];
        for (let a = s; a < e; a++) {
          const ia = idx[a];
          const va = c * val[a];
          const row = ia * D;
          for (let b = a; b < e; b++) H[row + idx[b]] += va * val[b];
          H[row + d] += va;
        }
        H[d * D + d] += c;
      }
      for (let a = 0; a < D; a++) {
        for (let b = a + 1; b < D; b++) {
          // Entries may have landed below the diagonal when idx is not sorted; fold both into the upper.
          const u = H[a * D + b] + (a !== b ? H[b * D + a] : 0);
          H[a * D + b] = u;
          H[b * D + a] = u;
        }
      }
      for (let j = 0; j < d; j++) H[j * D + j] += 1;
      // Tiny ridge on the intercept keeps H positive definite when a class is nearly separated.
      H[d * D + d] += 1e-10;
      const step = choleskySolve(H, g, D);
      // Backtracking line search on the objective (full Newton steps are accepted near the optimum).
      let t = 1;
      const wNew = new Float64Array(D);
      let fNew = Infinity;
      for (let ls = 0; ls < 50; ls++) {
        for (let j = 0; j < D; j++) wNew[j] = w[j] - t * step[j];
        fNew = this.objective(A, y, wNew, null);
        let dec = 0;
        for (let j = 0; j < D; j++) dec += g[j] * step[j];
        if (fNew <= f - 1e-4 * t * dec) break;
        t /= 2;
      }
      if (!(fNew < f)) break;
      const relChange = (f - fNew) / Math.max(1, Math.abs(f));
      w = wNew;
      f = this.objective(A, y, w, g, p);
      if (relChange < 1e-15) break;
    }
    this.lastIterations = it;
    return w;
  }

  private lbfgs(A: Csr, y: Uint8Array): Float64Array {
    const D = A.d + 1;
    const m = 10;
    const w = new Float64Array(D);
    const g = new Float64Array(D);
    let f = this.objective(A, y, w, g);
    const S: Float64Array[] = [];
    const Y: Float64Array[] = [];
    const rho: number[] = [];
    const q = new Float64Array(D);
    const wNew = new Float64Array(D);
    const gNew = new Float64Array(D);
    let it = 0;
    for (; it < this.opts.maxIter; it++) {
      if (this.converged(g, A.n, 1)) break;
      // Two-loop recursion: q ← H·g.
      q.set(g);
      const alpha = new Array<number>(S.length);
      for (let k = S.length - 1; k >= 0; k--) {
        alpha[k] = rho[k] * dot(S[k], q);
        axpy(-alpha[k], Y[k], q);
      }
      let gamma = 1 / Math.max(1, Math.abs(f));
      if (S.length) gamma = dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]);
      for (let j = 0; j < D; j++) q[j] *= gamma;
      for (let k = 0; k < S.length; k++) {
        const beta = rho[k] * dot(Y[k], q);
        axpy(alpha[k] - beta, S[k], q);
      }
      let dg = dot(g, q);
      if (!(dg > 0)) {
        // Not a descent direction: restart from steepest descent.
        S.length = Y.length = rho.length = 0;
        q.set(g);
        for (let j = 0; j < D; j++) q[j] /= Math.max(1, Math.abs(f));
        dg = dot(g, q);
      }
      let t = 1;
      let fNew = Infinity;
      for (let ls = 0; ls < 40; ls++) {
        for (let j = 0; j < D; j++) wNew[j] = w[j] - t * q[j];
        fNew = this.objective(A, y, wNew, gNew);
        if (fNew <= f - 1e-4 * t * dg) break;
        t /= 2;
      }
      if (!(fNew < f)) break;
      const s = new Float64Array(D);
      const yy = new Float64Array(D);
      for (let j = 0; j < D; j++) {
        s[j] = wNew[j] - w[j];
        yy[j] = gNew[j] - g[j];
      }
      const sy = dot(s, yy);
      if (sy > 1e-12) {
        S.push(s);
        Y.push(yy);
        rho.push(1 / sy);
        if (S.length > m) {
          S.shift();
          Y.shift();
          rho.shift();
        }
      }
      const relChange = (f - fNew) / Math.max(1, Math.abs(f));
      w.set(wNew);
      g.set(gNew);
      f = fNew;
      if (relChange < 1e-12) break;
    }
    this.lastIterations = it;
    return w;
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let j = 0; j < x.length; j++) y[j] += a * x[j];
}

/** Solve H·x = b for symmetric positive definite H (D×D, row-major); H is overwritten. */
export function choleskySolve(H: Float64Array, b: Float64Array, D: number): Float64Array {
  // In-place lower Cholesky factor L (H = L·Lᵀ).
  for (let j = 0; j < D; j++) {
    let s = H[j * D + j];
    for (let k = 0; k < j; k++) s -= H[j * D + k] * H[j * D + k];
    // Guard against round-off on (near) singular directions (e.g. a one-hot level never seen).
    const dj = Math.sqrt(Math.max(s, 1e-12));
    H[j * D + j] = dj;
    for (let i = j + 1; i < D; i++) {
      let t = H[i * D + j];
      for (let k = 0; k < j; k++) t -= H[i * D + k] * H[j * D + k];
      H[i * D + j] = t / dj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < D; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= H[i * D + k] * x[k];
    x[i] = s / H[i * D + i];
  }
  for (let i = D - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < D; k++) s -= H[k * D + i] * x[k];
    x[i] = s / H[i * D + i];
  }
  return x;
}
