/**
 * Backend selection: tfjs-node-gpu → tfjs-node → wasm + native GEMM → wasm + transpose fix → cpu.
 *
 * The node backends are optional packages that download libtensorflow at install time, so they are
 * never dependencies: they are imported only if present. The caller (CLI/config) passes the
 * preference; compute reads no environment. The resulting BackendInfo goes into the run manifest.
 */
import { tf } from './tf.ts';
import { loadNativeGemm } from './native.ts';
import { installWasmKernels } from './wasm-kernels.ts';

export interface BackendInfo {
  /** What serves the ops: 'tfjs-node-gpu' | 'tfjs-node' | 'wasm-blas' | 'wasm' | 'cpu'. */
  name: BackendName;
  /** Whether matrix products run in native code (libtensorflow or our OpenBLAS addon). */
  native: boolean;
  /** Why each faster backend was skipped (or what the override forced). */
  reason: string[];
  /** Threads used by the native matrix kernels, where known. */
  threads?: number;
  /** The tfjs backend name actually active (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Library details (OpenBLAS build string, wasm SIMD). */
  detail?: string;
}

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'wasm-blas', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Accepted spellings of a preference (CLI `--backend`, config `backend`). */
const ALIASES: Record<string, BackendName | 'auto'> = {
  auto: 'auto',
  'tfjs-node-gpu': 'tfjs-node-gpu', 'node-gpu': 'tfjs-node-gpu', gpu: 'tfjs-node-gpu',
  'tfjs-node': 'tfjs-node', node: 'tfjs-node', tensorflow: 'tfjs-node',
  'wasm-blas': 'wasm-blas', 'wasm-native': 'wasm-blas', 'wasm+blas': 'wasm-blas',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface InitOptions {
  /**
   * Path of the GEMM addon; `false` disables it (tests of the fallback path). Default: the build
   * output of `npm run build:native`.
   */
  nativeAddon?: string | false;
}

let active: { key: string; info: BackendInfo } | null = null;
let pending: { key: string; promise: Promise<BackendInfo> } | null = null;

/** What initBackend selected, or null before it ran (ops then run on tfjs' default, `cpu`). */
export function backendInfo(): BackendInfo | null {
  return active ? { ...active.info, reason: [...active.info.reason] } : null;
}

/** Parses a preference string; throws a message listing the accepted names. */
export function parseBackendPreference(preference?: string): BackendName | 'auto' {
  const p = (preference ?? 'auto').trim().toLowerCase();
  const name = ALIASES[p];
  if (!name) {
    throw new Error(`unknown backend '${preference}': use one of auto, ${BACKEND_NAMES.join(', ')}`);
  }
  return name;
}

/**
 * Selects and initialises the backend. `preference` 'auto' (default) walks the order above and
 * records why faster ones were skipped; a named backend is used or fails with a clear error.
 * Idempotent: the same preference returns the same info without re-initialising.
 */
export function initBackend(preference?: string, opts: InitOptions = {}): Promise<BackendInfo> {
  const want = parseBackendPreference(preference);
  const key = `${want}|${opts.nativeAddon ?? ''}`;
  if (active?.key === key && tf.getBackend() === active.info.tfBackend) return Promise.resolve(backendInfo()!);
  if (pending?.key === key) return pending.promise;
  const promise = select(want, opts).then(
    (info) => {
      active = { key, info };
      pending = null;
      return backendInfo()!;
    },
    (e: unknown) => {
      pending = null;
      throw e;
    },
  );
  pending = { key, promise };
  return promise;
}

type Attempt = { ok: true; info: Omit<BackendInfo, 'reason'> } | { ok: false; why: string };

async function select(want: BackendName | 'auto', opts: InitOptions): Promise<BackendInfo> {
  const order: BackendName[] = want === 'auto' ? [...BACKEND_NAMES] : [want];
  const reason: string[] = want === 'auto' ? [] : [`backend '${want}' requested explicitly`];
  for (const name of order) {
    const r = await attempt(name, opts);
    if (r.ok) return { ...r.info, reason };
    if (want !== 'auto') throw new Error(`backend '${want}' is not available: ${r.why}`);
    reason.push(`${name}: ${r.why}`);
  }
  throw new Error(`no tfjs backend could be initialised: ${reason.join('; ')}`);
}

async function attempt(name: BackendName, opts: InitOptions): Promise<Attempt> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return tryNode(name);
    case 'wasm-blas': {
      const load = loadNativeGemm(opts.nativeAddon);
      if (!load.ok) return { ok: false, why: load.reason };
      const w = await setWasm();
      if (!w.ok) return w;
      installWasmKernels(load.addon);
      const { config, threads } = load.addon.info();
      return { ok: true, info: { name, native: true, threads, tfBackend: 'wasm', detail: `${config}; ${w.detail}` } };
    }
    case 'wasm': {
      const w = await setWasm();
      if (!w.ok) return w;
      installWasmKernels(null);
      return { ok: true, info: { name, native: false, threads: 1, tfBackend: 'wasm', detail: `${w.detail}; transposes materialised` } };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) return { ok: false, why: 'tf.setBackend("cpu") failed' };
      return { ok: true, info: { name, native: false, threads: 1, tfBackend: 'cpu' } };
    }
  }
}

/** A package that may be absent: the specifier is a variable so bundlers and tsc do not require it. */
async function optionalImport(spec: string): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    await import(spec);
    return { ok: true };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { ok: false, why: /Cannot find (module|package)/.test(msg) ? `${spec} not installed` : `${spec} failed to load: ${msg}` };
  }
}

async function tryNode(name: 'tfjs-node-gpu' | 'tfjs-node'): Promise<Attempt> {
  const spec = name === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const imp = await optionalImport(spec);
  if (!imp.ok) return { ok: false, why: imp.why };
  try {
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: `${spec} loaded but its 'tensorflow' backend did not initialise` };
  } catch (e) {
    return { ok: false, why: `${spec}: ${(e as Error).message.split('\n')[0]}` };
  }
  return { ok: true, info: { name, native: true, tfBackend: 'tensorflow' } };
}

let wasmLoaded: Promise<{ ok: true } | { ok: false; why: string }> | null = null;

async function setWasm(): Promise<{ ok: true; detail: string } | { ok: false; why: string }> {
  // Threads need worker files and SharedArrayBuffer plumbing that tfjs-backend-wasm does not enable
  // in Node; SIMD needs nothing extra. The .wasm binaries are read from node_modules next to the module.
  wasmLoaded ??= optionalImport('@tensorflow/tfjs-backend-wasm');
  const imp = await wasmLoaded;
  if (!imp.ok) return imp;
  try {
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'tf.setBackend("wasm") failed' };
    await tf.ready();
  } catch (e) {
    return { ok: false, why: `wasm backend failed to initialise: ${(e as Error).message.split('\n')[0]}` };
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, detail: `wasm simd=${simd}` };
}
