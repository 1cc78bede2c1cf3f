/**
 * The little dense linear algebra the density attack needs: covariance, symmetric eigendecomposition
 * (cyclic Jacobi — exact to machine precision, fine for d up to a few hundred) and Cholesky.
 * Matrices are row-major Float64Array.
 */

/** Column means and covariance (divisor n − 1) of an n×d row-major matrix. */
export function covariance(X: Float64Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += X[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) row[k] = X[i * d + k] - mean[k];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      const o = a * d;
      for (let b = a; b < d; b++) cov[o + b] += ra * row[b];
    }
  }
  const div = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= div;
      cov[b * d + a] = cov[a * d + b];
    }
  }
  return { mean, cov };
}

/** Eigen-decomposition of a symmetric d×d matrix: values descending, vectors as columns of V (row-major). */
export function symmetricEigen(A: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += a[p * d + p] * a[p * d + p];
      for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const app = a[p * d + p];
        const aqq = a[q * d + q];
        // Rotation angle that zeroes a[p][q] (the smaller root for stability).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const idx = Array.from({ length: d }, (_, i) => i).sort((x, y) => a[y * d + y] - a[x * d + x]);
  const values = Float64Array.from(idx.map((i) => a[i * d + i]));
  const vectors = new Float64Array(d * d);
  for (let col = 0; col < d; col++) for (let k = 0; k < d; k++) vectors[k * d + col] = v[k * d + idx[col]];
  return { values, vectors };
}

/**
 * Lower-triangular L with A = L Lᵀ. A non-positive pivot (a singular covariance) gets a small ridge
 * relative to the diagonal rather than failing.
 */
export function cholesky(A: Float64Array, d: number): Float64Array {
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, A[i * d + i]);
  const ridge = 1e-10 * (maxDiag || 1);
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let k = 0; k < j; k++) s -= L[i * d + k] * L[j * d + k];
      if (i === j) L[i * d + i] = Math.sqrt(s > ridge ? s : ridge);
      else L[i * d + j] = s / L[j * d + j];
    }
  }
  return L;
}

/** Solve L y = x for lower-triangular L (forward substitution), in place on `x`. */
export function forwardSolve(L: Float64Array, d: number, x: Float64Array, offset = 0): void {
  for (let i = 0; i < d; i++) {
    let s = x[offset + i];
    for (let k = 0; k < i; k++) s -= L[i * d + k] * x[offset + k];
    x[offset + i] = s / L[i * d + i];
  }
}
