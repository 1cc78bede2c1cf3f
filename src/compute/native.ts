/**
 * Loader for our OpenBLAS GEMM addon (native/, built by `npm run build:native`). The addon is optional:
 * when the .node file is absent or fails to load, `loadNativeGemm` says why and callers fall back.
 */
import { createRequire } from 'node:module';

/** Parameter layout shared with native/gemm.c (enum P_*): one Float64Array per call, reused. */
export const P = {
  BATCH: 0, M: 1, N: 2, K: 3, TRANS_A: 4, TRANS_B: 5,
  A_OFF: 6, A_SB: 7, B_OFF: 8, B_SB: 9, C_OFF: 10,
  BIAS_OFF: 11, BIAS_SB: 12, BIAS_SM: 13, BIAS_SN: 14,
  ACT: 15, ALPHA: 16,
  PRELU_OFF: 17, PRELU_SB: 18, PRELU_SM: 19, PRELU_SN: 20,
  COUNT: 21,
} as const;

/** Activation codes of native/gemm.c, keyed by tfjs' fused activation names. */
export const ACT_CODE: Record<string, number> = {
  linear: 0, relu: 1, relu6: 2, elu: 3, prelu: 4, sigmoid: 5, leakyrelu: 6,
};

export interface NativeGemm {
  /** C = act(op(A)·op(B) + bias) over the wasm heap; offsets and strides in float elements. */
  gemm(heap: Float32Array, params: Float64Array): void;
  /** Seconds per sgemm call on private buffers: the raw OpenBLAS rate, no JS or heap involved. */
  rawSgemm(m: number, n: number, k: number, transA: number, transB: number, iters: number): number;
  info(): { config: string; threads: number };
  /** Fused Adam step over the wasm heap (layout ADAM_P); writes new x, m, v to fresh buffers. */
  adam(heap: Float32Array, params: Float64Array): void;
  /** Strided byte-row copies inside the heap (layout COPY_P): Slice, SplitV, Concat. */
  copyRows(heap: Uint8Array, params: Float64Array): void;
  /** Column sums over leading axes (layout SUM_P, offsets in floats). */
  colSum(heap: Float32Array, params: Float64Array): void;
}

/** Parameter layout of native/reduce.c (enum R_*). */
export const SUM_P = { ROWS: 0, COLS: 1, SRC: 2, DST: 3, SCALE: 4, COUNT: 5 } as const;

/** Parameter layout of native/copy.c (enum C_*), all in bytes. */
export const COPY_P = { ROWS: 0, LEN: 1, SRC: 2, SRC_STRIDE: 3, DST: 4, DST_STRIDE: 5, COUNT: 6 } as const;

/** Parameter layout of native/adam.c (enum A_*). */
export const ADAM_P = {
  N: 0, X: 1, M: 2, V: 3, G: 4, X_OUT: 5, M_OUT: 6, V_OUT: 7,
  LR: 8, BETA1: 9, BETA2: 10, EPS: 11, C1: 12, C2: 13, WD: 14,
  COUNT: 15,
} as const;

export type NativeLoad = { ok: true; addon: NativeGemm; path: string } | { ok: false; reason: string };

const DEFAULT_ADDON = new URL('../../native/build/Release/dpsb_gemm.node', import.meta.url);
let cached: NativeLoad | undefined;

/**
 * Loads the addon once. `path` overrides the location (tests use a missing path to exercise the
 * fallback); `false` disables native kernels outright.
 */
export function loadNativeGemm(path?: string | false): NativeLoad {
  if (path === false) return { ok: false, reason: 'native GEMM disabled by caller' };
  if (path === undefined && cached) return cached;
  const file = path ?? DEFAULT_ADDON.pathname;
  let result: NativeLoad;
  try {
    const addon = createRequire(import.meta.url)(file) as NativeGemm;
    if (typeof addon.gemm !== 'function' || typeof addon.rawSgemm !== 'function' || typeof addon.adam !== 'function' || typeof addon.copyRows !== 'function' || typeof addon.colSum !== 'function') {
      result = { ok: false, reason: `native GEMM addon at ${file} lacks gemm/rawSgemm/adam/copyRows/colSum (stale build? run: npm run build:native)` };
    } else {
      result = { ok: true, addon, path: file };
    }
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    result = {
      ok: false,
      reason: /Cannot find module/.test(msg)
        ? `native GEMM addon not built (${file} absent; run \`npm run build:native\`)`
        : `native GEMM addon failed to load: ${msg}`,
    };
  }
  if (path === undefined) cached = result;
  return result;
}
