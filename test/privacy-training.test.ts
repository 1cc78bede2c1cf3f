/**
 * End to end: DP-SGD on a logistic model of Adult's numeric columns. σ is calibrated for the planned steps,
 * the odometer stops training at the budget, and the ledger entry reports ε within 0.5% of the target.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { dpsgdEpsilon } from '../src/privacy/accountant.ts';
import { DpsgdBudget } from '../src/privacy/budget.ts';
import { calibrateSigma } from '../src/privacy/calibrate.ts';
import { DenseNet, type ForwardContext } from '../src/privacy/dpnet.ts';
import { DpSgd } from '../src/privacy/dpsgd.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { seededGaussian } from '../src/privacy/noise.ts';

const COLS = ['age', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week'];

function loadAdultNumeric(): { x: Float32Array; y: Float32Array; n: number; d: number } {
  const text = readFileSync(join(process.env.BENCH_DATA_DIR ?? '../shared/datasets', 'adult-train.csv'), 'utf8');
  const lines = text.trim().split('\n');
  const header = lines[0].split(',');
  const idx = COLS.map((c) => header.indexOf(c));
  const sexIdx = header.indexOf('sex');
  const yIdx = header.indexOf('income');
  const n = lines.length - 1;
  const d = COLS.length + 1;
  const x = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const f = lines[r + 1].split(',');
    idx.forEach((j, c) => (x[r * d + c] = Number(f[j])));
    x[r * d + COLS.length] = f[sexIdx].trim() === 'Male' ? 1 : 0;
    y[r] = f[yIdx].trim().startsWith('>50K') ? 1 : 0;
  }
  // Standardise with fixed public-style scales (capital columns log-scaled) so the test needs no data statistics.
  for (let r = 0; r < n; r++) {
    const o = r * d;
    x[o] = (x[o] - 40) / 13;
    x[o + 1] = (x[o + 1] - 10) / 2.6;
    x[o + 2] = Math.log1p(x[o + 2]) / 5;
    x[o + 3] = Math.log1p(x[o + 3]) / 5;
    x[o + 4] = (x[o + 4] - 40) / 12;
  }
  return { x, y, n, d };
}

describe('DP-SGD training loop (logistic regression on Adult)', () => {
  it('trains, stops at the budget, and reports ε within 0.5% of the target', () => {
    const { x, y, n, d } = loadAdultNumeric();
    expect(n).toBe(32561);
    const target = 1;
    const delta = 1e-5;
    const batchSize = 256;
    const planned = 600;
    const q = batchSize / n;
    const { sigma } = calibrateSigma({ q, steps: planned, epsilon: target, delta, accountant: 'pld' });
    const rng = new Rng(42);
    const model = new DenseNet('logreg', d, [{ type: 'dense', units: 1 }], rng.fork('init'));
    const dp = new DpSgd({ n, batchSize, clipNorm: 1, noiseMultiplier: sigma, noise: seededGaussian(rng.fork('noise')) });
    const ledger = new Ledger({ epsilon: target, delta });
    const budget = DpsgdBudget.fromLedger(ledger, { q: dp.q, sigma, accountant: 'pld' });
    const X = tf.tensor2d(x, [n, d]);
    const Y = tf.tensor1d(y);
    const opt = tf.train.sgd(0.5);
    const batchRng = rng.fork('batches');
    let steps = 0;
    while (budget.canStep()) {
      const idx = dp.sampleBatch(batchRng);
      const rows = idx.length;
      const grads = tf.tidy(() => {
        const ix = tf.tensor1d(idx, 'int32');
        const xb = tf.gather(X, ix) as tf.Tensor2D;
        const yb = tf.gather(Y, ix) as tf.Tensor1D;
        const loss = (ctx: ForwardContext) => {
          const o = tf.reshape(model.apply(xb, ctx), [rows]) as tf.Tensor1D;
          return tf.add(tf.relu(o), tf.sub(tf.log1p(tf.exp(tf.neg(tf.abs(o)))), tf.mul(o, yb))) as tf.Tensor1D;
        };
        return dp.gradients(model, rows, loss).grads;
      });
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
      budget.step();
      steps++;
      if (steps > 10 * planned) break; // guard
    }
    // stopped by the budget, at the planned length σ was calibrated for
    expect(steps).toBe(budget.limit);
    expect(Math.abs(steps - planned)).toBeLessThanOrEqual(planned * 0.01);
    expect(dpsgdEpsilon({ q, sigma, steps: steps + 1, delta, accountant: 'pld' }).epsilon).toBeGreaterThan(target);
    ledger.spend(budget.entry('logistic regression DP-SGD', { C: 1 }));
    const reported = ledger.spent().epsilon;
    expect(reported).toBeLessThanOrEqual(target);
    expect(reported).toBeGreaterThan(target * 0.995);
    // the model learned something: better than the majority class (75.9% ≤50K)
    const acc = tf.tidy(() => {
      const p = tf.reshape(model.apply(X), [n]);
      return tf.mean(tf.cast(tf.equal(tf.cast(tf.greater(p, 0), 'float32'), Y), 'float32')).dataSync()[0];
    });
    expect(acc).toBeGreaterThan(0.78);
    tf.dispose([X, Y]);
    model.dispose();
  });
});
