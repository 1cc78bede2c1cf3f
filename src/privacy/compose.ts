/**
 * RDP composition of several noisy releases (Gaussian, Laplace, subsampled Gaussian): tighter than adding
 * their ε's. Used by the ledger (entries that carry a `release` description) and by code that plans several
 * statistics at once.
 */
import { DEFAULT_ORDERS, INTEGER_ORDERS, rdpGaussian, rdpLaplace, rdpStep, rdpToEpsilon, type RdpEpsilon, type Sampling } from './rdp.ts';

/** The noise of one release, normalised by its sensitivity (add/remove-one adjacency unless noted). */
export type Release =
  /** Gaussian noise with std = noiseMultiplier × ℓ2-sensitivity, `count` times (default 1). */
  | { type: 'gaussian'; noiseMultiplier: number; count?: number }
  /** Laplace noise with scale = noiseMultiplier × ℓ1-sensitivity, `count` times (default 1). */
  | { type: 'laplace'; noiseMultiplier: number; count?: number }
  /** DP-SGD: `steps` steps of the subsampled Gaussian (fixed-size sampling: replace-one adjacency). */
  | { type: 'subsampled-gaussian'; q: number; noiseMultiplier: number; steps: number; sampling?: Sampling };

/** RDP curve of one release over `orders`. */
export function releaseRdp(r: Release, orders: readonly number[]): Float64Array {
  const out = new Float64Array(orders.length);
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    switch (r.type) {
      case 'gaussian':
        out[i] = (r.count ?? 1) * rdpGaussian(r.noiseMultiplier, a);
        break;
      case 'laplace':
        out[i] = (r.count ?? 1) * rdpLaplace(r.noiseMultiplier, a);
        break;
      case 'subsampled-gaussian':
        out[i] = r.steps === 0 ? 0 : r.steps * rdpStep(r.q, r.noiseMultiplier, a, r.sampling ?? 'poisson');
        break;
      default:
        throw new RangeError(`unknown release type "${(r as { type: string }).type}"`);
    }
  }
  return out;
}

/** (ε, δ) of all releases together via RDP (orders: Opacus' defaults, integers if any fixed-size sampling). */
export function composeRdp(releases: Release[], delta: number, orders?: readonly number[]): RdpEpsilon {
  const fixed = releases.some((r) => r.type === 'subsampled-gaussian' && r.sampling === 'fixed');
  const ords = orders ?? (fixed ? INTEGER_ORDERS : DEFAULT_ORDERS);
  const total = new Float64Array(ords.length);
  for (const r of releases) {
    const c = releaseRdp(r, ords);
    for (let i = 0; i < c.length; i++) total[i] += c[i];
  }
  return rdpToEpsilon(ords, total, delta);
}
