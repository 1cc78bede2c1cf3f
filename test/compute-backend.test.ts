/** Backend selection: order, reasons, overrides, idempotence and the addon-absent fallback. */
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/compute/tf.ts';
import { backendInfo, initBackend, parseBackendPreference } from '../src/compute/backend.ts';
import { loadNativeGemm } from '../src/compute/native.ts';
import { wasmMatMulMode } from '../src/compute/wasm-kernels.ts';

const native = loadNativeGemm();

function resolvable(spec: string): boolean {
  try {
    return Boolean(import.meta.resolve(spec));
  } catch {
    return false;
  }
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('auto walks node-gpu → node → wasm-blas → wasm and records why faster ones were skipped', async () => {
    const info = await initBackend();
    if (resolvable('@tensorflow/tfjs-node') || resolvable('@tensorflow/tfjs-node-gpu')) return; // a machine with libtensorflow: the node backend legitimately wins
    expect(info.reason[0]).toMatch(/^tfjs-node-gpu: @tensorflow\/tfjs-node-gpu not installed/);
    expect(info.reason[1]).toMatch(/^tfjs-node: @tensorflow\/tfjs-node not installed/);
    if (native.ok) {
      expect(info).toMatchObject({ name: 'wasm-blas', native: true, threads: 1, tfBackend: 'wasm' });
      expect(wasmMatMulMode()).toBe('native');
    } else {
      expect(info).toMatchObject({ name: 'wasm', native: false, tfBackend: 'wasm' });
      expect(info.reason[2]).toMatch(/^wasm-blas: native GEMM addon/);
    }
    expect(tf.getBackend()).toBe('wasm');
    expect(backendInfo()).toEqual(info);
  });

  it('is idempotent for the same preference and switches for another', async () => {
    const a = await initBackend('cpu');
    const b = await initBackend('cpu');
    expect(b).toEqual(a);
    expect(tf.getBackend()).toBe('cpu');
    const c = await initBackend('wasm', { nativeAddon: false });
    expect(c.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmMatMulMode()).toBe('fallback');
    expect(backendInfo()?.name).toBe('wasm');
  });

  it('falls back to wasm with a reason when the addon file is absent', async () => {
    const info = await initBackend('auto', { nativeAddon: '/nonexistent/dpsb_gemm.node' });
    if (info.name.startsWith('tfjs-node')) return;
    expect(info.name).toBe('wasm');
    expect(info.reason.join('\n')).toMatch(/wasm-blas: native GEMM addon not built .*npm run build:native/);
    expect(wasmMatMulMode()).toBe('fallback');
    const y = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]), true, true).dataSync()));
    expect(y).toEqual([23, 31, 34, 46]);
  });

  it('an explicit backend that is unavailable fails with a clear message', async () => {
    await expect(initBackend('wasm-blas', { nativeAddon: '/nonexistent/dpsb_gemm.node' })).rejects.toThrow(
      /backend 'wasm-blas' is not available: native GEMM addon not built/,
    );
    if (!resolvable('@tensorflow/tfjs-node-gpu')) {
      await expect(initBackend('tfjs-node-gpu')).rejects.toThrow(/backend 'tfjs-node-gpu' is not available: @tensorflow\/tfjs-node-gpu not installed/);
    }
  });

  it('rejects unknown names, listing the accepted ones', () => {
    expect(() => parseBackendPreference('cuda')).toThrow(/unknown backend 'cuda': use one of auto, tfjs-node-gpu, tfjs-node, wasm-blas, wasm, cpu/);
    expect(parseBackendPreference(' WASM ')).toBe('wasm');
    expect(parseBackendPreference(undefined)).toBe('auto');
    expect(parseBackendPreference('node')).toBe('tfjs-node');
  });
});
