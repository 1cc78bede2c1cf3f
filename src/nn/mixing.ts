/**
 * Fixed invertible mixing between coupling blocks: a random permutation (RealNVP / FrEIA `PermuteRandom`)
 * or a random orthogonal matrix (FrEIA `AllInOneBlock(permute_soft=True)`, the quickstart's choice:
 * defaults.md §2.5). Both have |det| = 1 (log-det 0) and the inverse is the transpose. Applied as one
 * matmul with a constant [d, d] matrix (a GEMM is cheaper than a gather + its scatter gradient on wasm).
 */
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';

export type MixingKind = 'permutation' | 'orthogonal';

/** Row-major d×d permutation matrix P with (x·P)[:, j] = x[:, perm[j]]. */
export function permutationMatrix(perm: ArrayLike<number>): Float64Array {
  const d = perm.length;
  const P = new Float64Array(d * d);
  for (let j = 0; j < d; j++) P[perm[j] * d + j] = 1;
  return P;
}

/**
 * A Haar-random orthogonal matrix: Gram–Schmidt (twice, for float accuracy) on Gaussian columns with the
 * sign convention of QR with a positive diagonal (Mezzadri 2007).
 */
export function randomOrthogonal(d: number, rng: Rng): Float64Array {
  const A = new Float64Array(d * d);
  rng.fillNormal(A);
  // Columns of Q stored as rows of `cols` for contiguous access.
  const cols: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = A[i * d + j];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= dot * q[i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < d; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    if (!(nrm > 1e-10)) throw new Error('randomOrthogonal: degenerate Gaussian draw');
    for (let i = 0; i < d; i++) v[i] /= nrm;
    cols.push(v);
  }
  const Q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) Q[i * d + j] = cols[j][i];
  return Q;
}

export class FixedMixing {
  readonly kind: MixingKind;
  readonly dim: number;
  /** Constant [d, d] matrix and its transpose (the inverse). */
  private readonly P: tf.Tensor2D;
  private readonly Pt: tf.Tensor2D;

  constructor(kind: MixingKind, dim: number, rng: Rng) {
    this.kind = kind;
    this.dim = dim;
    const M = kind === 'permutation' ? permutationMatrix(rng.permutation(dim)) : randomOrthogonal(dim, rng);
    const Mt = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) Mt[j * dim + i] = M[i * dim + j];
    this.P = tf.keep(tf.tensor2d(Float32Array.from(M), [dim, dim]));
    this.Pt = tf.keep(tf.tensor2d(Mt, [dim, dim]));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.P);
  }

  inverse(y: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(y, this.Pt);
  }

  dispose(): void {
    this.P.dispose();
    this.Pt.dispose();
  }
}
