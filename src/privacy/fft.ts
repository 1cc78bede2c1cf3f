/**
 * In-place iterative radix-2 complex FFT on split Float64Arrays (length a power of two). Twiddle factors
 * are computed once per size with direct cos/sin (no recurrence drift) and cached.
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n);
  if (!t) {
    const half = n >> 1;
    const cos = new Float64Array(half);
    const sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      const a = (-2 * Math.PI * k) / n;
      cos[k] = Math.cos(a);
      sin[k] = Math.sin(a);
    }
    if (twiddleCache.size > 8) twiddleCache.clear();
    t = { cos, sin };
    twiddleCache.set(n, t);
  }
  return t;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Forward (e^{-2πi kn/N}) or inverse (scaled by 1/N) transform of (re, im) in place. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError('fft: re and im must have the same length');
  if (!isPowerOfTwo(n)) throw new RangeError(`fft: length must be a power of two, got ${n}`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(n);
  const sign = inverse ? -1 : 1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0, tw = 0; k < half; k++, tw += step) {
        const wr = cos[tw];
        const wi = sign * sin[tw];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}

/**
 * Spectrum of a real sequence of power-of-two length n ≥ 4 via one complex FFT of length n/2:
 * returns bins 0…n/2 (the rest follow by Hermitian symmetry).
 */
export function rfft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  if (!isPowerOfTwo(n) || n < 4) throw new RangeError(`rfft: length must be a power of two ≥ 4, got ${n}`);
  const m = n >> 1;
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    zr[k] = x[2 * k];
    zi[k] = x[2 * k + 1];
  }
  fft(zr, zi);
  const re = new Float64Array(m + 1);
  const im = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    const a = k % m;
    const b = (m - k) % m;
    // E = (Z[k] + conj Z[m−k]) / 2, O = (Z[k] − conj Z[m−k]) / 2i, X = E + W^k O
    const er = 0.5 * (zr[a] + zr[b]);
    const ei = 0.5 * (zi[a] - zi[b]);
    const or = 0.5 * (zi[a] + zi[b]);
    const oi = -0.5 * (zr[a] - zr[b]);
    const ang = (-2 * Math.PI * k) / n;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

/** Inverse of rfft: bins 0…n/2 of a Hermitian spectrum → the real sequence of length n. */
export function irfft(re: Float64Array, im: Float64Array, n: number): Float64Array {
  const m = n >> 1;
  if (re.length !== m + 1 || im.length !== m + 1) throw new RangeError('irfft: expected n/2 + 1 bins');
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    // E = (X[k] + conj X[m−k]) / 2, O = (X[k] − conj X[m−k]) / (2 W^k), Z = E + i O
    const br = re[m - k];
    const bi = -im[m - k];
    const er = 0.5 * (re[k] + br);
    const ei = 0.5 * (im[k] + bi);
    const dr = 0.5 * (re[k] - br);
    const di = 0.5 * (im[k] - bi);
    const ang = (2 * Math.PI * k) / n; // 1/W^k
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const or = dr * wr - di * wi;
    const oi = dr * wi + di * wr;
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  fft(zr, zi, true);
  const x = new Float64Array(n);
  for (let k = 0; k < m; k++) {
    x[2 * k] = zr[k];
    x[2 * k + 1] = zi[k];
  }
  return x;
}
