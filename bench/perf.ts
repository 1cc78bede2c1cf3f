/**
 * `npm run bench:perf [-- --backend NAME] [--out FILE] [--quick]`: times the compute engine and merges
 * the numbers into reports/perf.json (other benchmarks add their own keys to the same file).
 *  - gemm: GFLOP/s of tf.matMul per shape (forward and both backward transposes) and, when the
 *    OpenBLAS addon is loaded, the fraction of the raw sgemm rate on the same shape and thread count;
 *  - mlp_step_ms / ctgan_step_ms / dpsgd_step_ms: median ms per training step (see bench/models.ts),
 *    kernels per step from tf.profile, and the DP-SGD overhead over the non-private MLP step.
 * Numbers are recorded, never asserted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../src/compute/tf.ts';
import { initBackend } from '../src/compute/backend.ts';
import { loadNativeGemm } from '../src/compute/native.ts';
import { Rng } from '../src/compute/rng.ts';
import { ctganStep, dpsgdStep, mlpStep, type Step } from './models.ts';
import { mergePerfJson } from './perf-json.ts';

interface Args {
  backend?: string;
  out: string;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: 'reports/perf.json', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench:perf: ${a} needs a value`);
      return v;
    };
    if (a === '--backend') args.backend = value();
    else if (a.startsWith('--backend=')) args.backend = a.slice(10);
    else if (a === '--out') args.out = value();
    else if (a.startsWith('--out=')) args.out = a.slice(6);
    else if (a === '--quick') args.quick = true;
    else throw new Error(`bench:perf: unknown argument '${a}' (use --backend NAME, --out FILE, --quick)`);
  }
  return args;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

interface GemmRow {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  role: string;
  /** Best batch; gflops_median is the median batch. */
  gflops: number;
  gflops_median: number;
  raw_gflops: number | null;
  blas_fraction: number | null;
}

// Shapes of the benchmarked models: MLP forward/backward, CTGAN's generator and packed critic.
const GEMM_SHAPES: [number, number, number, boolean, boolean, string][] = [
  [500, 256, 256, false, false, 'MLP hidden forward'],
  [500, 256, 256, false, true, 'MLP hidden dX = dZ·Wᵀ'],
  [256, 500, 256, true, false, 'MLP hidden dW = Xᵀ·dZ'],
  [500, 120, 256, false, false, 'MLP input layer'],
  [500, 230, 256, false, false, 'CTGAN generator layer 1'],
  [500, 256, 157, false, false, 'CTGAN generator output'],
  [50, 1570, 256, false, false, 'CTGAN critic packed input (pac 10)'],
  [1570, 50, 256, true, false, 'CTGAN critic dW packed input'],
];

/** GFLOP/s of tf.matMul: median and best of repeated 5-call batches. */
function timeGemm(m: number, k: number, n: number, ta: boolean, tb: boolean, budgetMs: number): { median: number; best: number } {
  const a = tf.randomNormal(ta ? [k, m] : [m, k]);
  const b = tf.randomNormal(tb ? [n, k] : [k, n]);
  const once = () => tf.matMul(a, b, ta, tb).dispose();
  for (let i = 0; i < 3; i++) once();
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs || times.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) once();
    times.push((performance.now() - t0) / 5);
  }
  tf.dispose([a, b]);
  const flop = 2 * m * n * k;
  return { median: flop / (median(times) * 1e6), best: flop / (Math.min(...times) * 1e6) };
}

interface StepStats {
  /** Median wall-clock ms per step. */
  ms: number;
  /** Fastest step (wall) and median process CPU time: less sensitive to other load on the machine. */
  minMs: number;
  cpuMs: number;
  kernels: number;
  top: { kernel: string; ms: number; calls: number }[];
}

async function timeStep(step: Step, warmup: number, steps: number): Promise<StepStats> {
  for (let i = 0; i < warmup; i++) step.run();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    step.run();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const prof = await tf.profile(() => step.run());
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of prof.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  const top = [...byKernel.entries()]
    .sort((x, y) => y[1].ms - x[1].ms)
    .slice(0, 8)
    .map(([kernel, e]) => ({ kernel, ms: round(e.ms), calls: e.calls }));
  return { ms: median(times), minMs: Math.min(...times), cpuMs: median(cpu), kernels: prof.kernels.length, top };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const info = await initBackend(args.backend);
  const native = loadNativeGemm();
  const rawAddon = native.ok ? native.addon : null;
  const q = args.quick ? 0.3 : 1;

  const loadBefore = os.loadavg();
  const gemm: GemmRow[] = [];
  for (const [m, k, n, ta, tb, role] of GEMM_SHAPES) {
    // Best-of-N for both sides, so other load on the machine biases neither.
    const t = timeGemm(m, k, n, ta, tb, 300 * q);
    let raw: number | null = null;
    if (rawAddon) {
      const iters = Math.max(2, Math.round((0.01 * 1e9) / (2 * m * n * k)));
      // Many short measurements, best kept: a preempted one only lowers its own sample.
      raw = Math.max(...Array.from({ length: 25 }, () => (2 * m * n * k) / (rawAddon.rawSgemm(m, n, k, ta ? 1 : 0, tb ? 1 : 0, iters) * 1e9)));
    }
    gemm.push({
      m, k, n, transA: ta, transB: tb, role,
      gflops: round(t.best, 1),
      gflops_median: round(t.median, 1),
      raw_gflops: raw === null ? null : round(raw, 1),
      blas_fraction: raw === null ? null : round(t.best / raw, 3),
    });
  }

  const rng = new Rng('bench-perf');
  const runStep = async (make: () => Step, warmup: number, steps: number) => {
    const s = make();
    try {
      return await timeStep(s, warmup, Math.max(5, Math.round(steps * q)));
    } finally {
      s.dispose();
    }
  };
  const mlp = await runStep(() => mlpStep(rng.fork('mlp')), 5, 40);
  const mlpTfjsAdam = await runStep(() => mlpStep(rng.fork('mlp'), 'tfjs'), 5, 40);
  const dpPlain = await runStep(() => dpsgdStep(rng.fork('dpsgd'), false), 5, 40);
  const dp = await runStep(() => dpsgdStep(rng.fork('dpsgd'), true), 5, 40);
  const ctgan = await runStep(() => ctganStep(rng.fork('ctgan')), 3, args.quick ? 5 : 15);

  const result = {
    backend: info,
    measured_at: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, tfjs: tf.version_core },
    gemm,
    load_average: { before: loadBefore.map((x) => round(x)), after: os.loadavg().map((x) => round(x)) },
    mlp_step_ms: round(mlp.ms),
    mlp_step_ms_min: round(mlp.minMs),
    mlp_step_cpu_ms: round(mlp.cpuMs),
    mlp_kernels_per_step: mlp.kernels,
    mlp_step_ms_tfjs_adam: round(mlpTfjsAdam.ms),
    ctgan_step_ms: round(ctgan.ms),
    ctgan_step_ms_min: round(ctgan.minMs),
    ctgan_step_cpu_ms: round(ctgan.cpuMs),
    ctgan_kernels_per_step: ctgan.kernels,
    ctgan_top_kernels: ctgan.top,
    dpsgd_step_ms: round(dp.ms),
    dpsgd_step_ms_min: round(dp.minMs),
    dpsgd_step_cpu_ms: round(dp.cpuMs),
    dpsgd_kernels_per_step: dp.kernels,
    dpsgd_plain_step_ms: round(dpPlain.ms),
    dpsgd_plain_step_cpu_ms: round(dpPlain.cpuMs),
    dpsgd_overhead: round(dp.ms / dpPlain.ms, 2),
    dpsgd_impl: 'src/privacy/dpsgd.ts dpGradients (ghost norms, C 1, σ 1, seeded noise) on a DenseNet 120-256-256-1; baseline plainGradients on the same net; both with src/compute/adam.ts',
    models: {
      mlp: '120-256-256-1 ReLU, batch 500, Adam 1e-3 (src/compute/adam.ts; mlp_step_ms_tfjs_adam: tf.train.adam), logistic loss',
      ctgan: 'CTGAN-sized: G 128+102 → Residual 256 → Residual 256 → 157 (tanh + gumbel-softmax τ 0.2); D pac 10 over (157+102)·10 → 256 → 256 → 1, LeakyReLU 0.2, Dropout 0.5; WGAN-GP λ 10; one D + one G step, batch 500',
      dpsgd: 'DenseNet 120-256-256-1 (ReLU), batch 500, per-row logistic loss, clip C 1, σ 1, Adam 1e-3; overhead = dpsgd_step_ms / dpsgd_plain_step_ms',
    },
  };

  const out = mergePerfJson(args.out, result);

  const lines: string[] = [];
  lines.push(`backend: ${info.name} (${info.detail ?? info.tfBackend})${info.reason.length ? ` — skipped: ${info.reason.join('; ')}` : ''}`);
  lines.push('');
  lines.push('GEMM                                   m     k     n  tA tB   GFLOP/s   raw BLAS  fraction');
  for (const g of gemm) {
    lines.push(
      `${g.role.padEnd(36)} ${String(g.m).padStart(5)} ${String(g.k).padStart(5)} ${String(g.n).padStart(5)}  ${g.transA ? 'T' : '-'}  ${g.transB ? 'T' : '-'}  ${g.gflops.toFixed(1).padStart(8)}  ${g.raw_gflops === null ? '       —' : g.raw_gflops.toFixed(1).padStart(9)}  ${g.blas_fraction === null ? '     —' : (100 * g.blas_fraction).toFixed(0).padStart(5) + '%'}`,
    );
  }
  lines.push('');
  const row = (label: string, st: StepStats, extra = '') =>
    `${label.padEnd(30)}${st.ms.toFixed(2).padStart(8)}${st.minMs.toFixed(2).padStart(8)}${st.cpuMs.toFixed(2).padStart(9)}${String(st.kernels).padStart(9)}${extra}`;
  lines.push(`${'step'.padEnd(30)}${'median'.padStart(8)}${'min'.padStart(8)}${'cpu med'.padStart(9)}${'kernels'.padStart(9)}   (ms per step)`);
  lines.push(row('MLP 120-256-256-1 Adam', mlp));
  lines.push(row('  same, tf.train.adam', mlpTfjsAdam));
  lines.push(row('CTGAN-sized D(GP)+G step', ctgan));
  lines.push(row('DP-SGD step (dpsgd.ts)', dp, `   overhead ×${result.dpsgd_overhead} vs the same net without DP`));
  lines.push(row('  same net, plainGradients', dpPlain));
  lines.push(`load average before/after: ${result.load_average.before.join(' ')} / ${result.load_average.after.join(' ')} (2 cores; other load inflates wall times)`);
  lines.push('');
  lines.push(`CTGAN top kernels: ${ctgan.top.map((t) => `${t.kernel} ${t.ms}ms/${t.calls}`).join(', ')}`);
  lines.push(`wrote ${path.relative(process.cwd(), out)}`);
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
