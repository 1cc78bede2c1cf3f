/**
 * gan's PATE defaults (critics-pate.ts): exact nearest-centroid teachers on disjoint partitions, pair queries (a
 * generated row vs the same row with one column redrawn from the public reference), bounded score votes released
 * as a Gaussian mean at the calibrated σ, a student that learns only those releases.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { PateCritic } from '../src/generators/critics-pate.ts';
import type { PateOptions } from '../src/generators/pate-options.ts';
import type { CriticData } from '../src/generators/critics.ts';
import { GanEncoding } from '../src/generators/encoding.ts';
import { GanGenerator, ganOptionsSchema } from '../src/generators/gan.ts';
import { CentroidTeachers } from '../src/generators/pate-centroids.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { gnmaxBinaryEpsilon } from '../src/privacy/pate.ts';
import { knownTable } from './gan-helpers.ts';

function fixture(o: Partial<PateOptions> = {}, mutate?: (real: Float32Array, d: number) => void) {
  const t = knownTable(120);
  const enc = GanEncoding.fit(t, { numeric: 'sigmoid', requirePublicSchema: true, owner: 'test' });
  const real = enc.encode(t);
  mutate?.(real, enc.d);
  const target = enc.targetSpan('a')!;
  const genRng = new Rng(9);
  const data: CriticData = {
    real,
    n: t.nrows,
    d: enc.d,
    generate: (rows) => tf.tensor2d(enc.uniformRows(rows, genRng), [rows, enc.d]),
    perturb: (x, rows, r) => enc.perturbRows(x, rows, r, target.offset),
    targetSpan: target,
  };
  const options: PateOptions = {
    student: { hidden: [], activation: 'leakyRelu', dropout: 0, loss: 'bce', weightClip: 0.01, optimizer: { name: 'adam', learningRate: 1e-2 }, batchSize: 32 },
    teachers: 40,
    lambda: 1,
    teacher: 'centroid',
    teacherDims: [],
    teacherSteps: 1,
    teacherWarmup: 0,
    teacherBatch: 64,
    teacherLr: 1e-2,
    teacherL2: 0,
    studentSteps: 2,
    queryBatch: 12,
    replay: 2,
    moments: 50,
    voteThreshold: 'fixed',
    queries: 'pairs',
    aggregator: 'gnmax',
    labels: 'scores',
    voteScale: 2,
    sigma: 3,
    studentInput: 'teacher',
    teacherFeatures: 'target',
    teacherSquares: true,
    teacherKnots: 4,
    numericOffsets: enc.numericColumns(),
    epsilon: 1e9,
    delta: 1e-5,
    ...o,
  };
  return { critic: new PateCritic(data, options, new Rng(5)), data, enc, target };
}

describe('nearest-centroid teachers', () => {
  it('score a row by (φ̄_t − μ_g)·φ(x) − (‖φ̄_t‖² − ‖μ_g‖²)/2', () => {
    const F = tf.tensor2d([1, 0, 2, 0, 1, 1, 3, 1, 0, 2, 2, 2], [4, 3]);
    const T = new CentroidTeachers((idx) => tf.gather(F, tf.tensor1d(idx, 'int32')), 4, [Int32Array.of(0, 2), Int32Array.of(1, 3)]);
    T.setGenerated(tf.tensor2d([0, 0, 0, 2, 2, 2], [2, 3])); // μ_g = (1, 1, 1)
    const s = T.scores(tf.tensor2d([1, 2, 3], [1, 3])).arraySync() as number[][];
    // teacher 0: φ̄ = (2, .5, 1): (1, −.5, 0)·(1, 2, 3) − (5.25 − 3)/2 = 0 − 1.125
    // teacher 1: φ̄ = (1, 1.5, 1.5): (0, .5, .5)·(1, 2, 3) − (5.5 − 3)/2 = 2.5 − 1.25
    expect(s[0][0]).toBeCloseTo(-1.125, 5);
    expect(s[1][0]).toBeCloseTo(1.25, 5);
    const diff = T.scoreDifferences(tf.tensor2d([1, 2, 3], [1, 3]), tf.tensor2d([0, 2, 3], [1, 3])).arraySync() as number[][];
    expect(diff[0][0]).toBeCloseTo(-1, 5);
    expect(diff[1][0]).toBeCloseTo(0, 5);
    T.dispose();
  });

  it('refuse a teacher matrix over 512 MiB with a message naming teacher_rows', () => {
    const n = 2 ** 17;
    const parts = Array.from({ length: n }, (_, i) => Int32Array.of(i));
    expect(() => new CentroidTeachers((idx) => tf.zeros([idx.length, 1025]) as tf.Tensor2D, n, parts)).toThrow(/131072 centroid teachers × 1025 features need 0\.5 GiB; raise teacher_rows/);
  });

  it('one changed partition changes that teacher only, and every vote total by at most 2', () => {
    const j = 7;
    const a = fixture();
    const part = a.critic.partitions[j];
    const b = fixture({}, (real, d) => {
      for (const r of part) for (let c = 0; c < d; c++) real[r * d + c] = 1 - real[r * d + c];
    });
    a.critic.trainTeachers();
    b.critic.trainTeachers();
    const x = tf.tensor2d(a.enc.uniformRows(30, new Rng(11)), [30, a.data.d]);
    const x2 = tf.tensor2d(a.data.perturb!(x.dataSync() as Float32Array, 30, new Rng(12)), [30, a.data.d]);
    const sa = a.critic.scoreVotes(x, x2);
    const sb = b.critic.scoreVotes(x, x2);
    const k = a.critic.partitions.length;
    expect(Array.from(sa).some((v, i) => v !== sb[i])).toBe(true);
    for (let i = 0; i < 30; i++) {
      expect(Math.abs(sa[i])).toBeLessThanOrEqual(k);
      expect(Math.abs(sa[i] - sb[i]), `query ${i}`).toBeLessThanOrEqual(2 + 1e-4);
    }
    tf.dispose([x, x2]);
  });
});

describe('pair queries', () => {
  it('redraw exactly one non-target column per row: a different level, or a value inside the range', () => {
    const { enc, target } = fixture();
    const rows = 400;
    const x = enc.uniformRows(rows, new Rng(1));
    const y = enc.perturbRows(x, rows, new Rng(2), target.offset);
    const d = enc.d;
    const spans = enc.head.spans;
    const changedCols = new Map<number, number>();
    for (let i = 0; i < rows; i++) {
      let changed = 0;
      for (const s of spans) {
        const w = s.kind === 'numeric' ? 1 : s.width;
        const before = Array.from(x.subarray(i * d + s.offset, i * d + s.offset + w));
        const after = Array.from(y.subarray(i * d + s.offset, i * d + s.offset + w));
        if (before.some((v, k) => v !== after[k])) {
          changed++;
          changedCols.set(s.offset, (changedCols.get(s.offset) ?? 0) + 1);
          expect(s.offset).not.toBe(target.offset);
          if (s.kind === 'categorical') {
            expect(after.reduce((p, q) => p + q, 0)).toBe(1);
            expect(after.indexOf(1)).not.toBe(before.indexOf(1));
          } else expect(after[0] >= 0 && after[0] <= 1).toBe(true);
        }
      }
      expect(changed).toBeLessThanOrEqual(1); // a redrawn numeric equals its old value with probability 0
    }
    expect(changedCols.size).toBe(spans.length - 1); // every other column gets probed
  });

  it('are generated rows: the same whatever the real rows; only the released answers depend on them', () => {
    const a = fixture();
    const b = fixture({}, (real, d) => real.fill(0.5, 0, 10 * d));
    expect(a.critic.update()).toBe(true);
    expect(b.critic.update()).toBe(true);
    const qa = (a.critic as unknown as { buffer: { x: Float32Array; x2: Float32Array; y: Float32Array }[] }).buffer[0];
    const qb = (b.critic as unknown as { buffer: { x: Float32Array; x2: Float32Array; y: Float32Array }[] }).buffer[0];
    expect(qa.x).toEqual(qb.x);
    expect(qa.x2).toEqual(qb.x2);
    expect(qa.y).not.toEqual(qb.y);
    expect(a.critic.accountant.queries).toBe(12);
  });
});

describe('pategan defaults (gnmax, scores, pairs, centroid teachers)', () => {
  it('plan iterations × query_batch queries, spend exactly their calibrated ε, and record the Gaussian release', async () => {
    const t = knownTable(300);
    const g = new GanGenerator(ganOptionsSchema.parse({ iterations: 20, query_batch: 16, generator_dims: [16], latent_dim: 8 }));
    const ledger = new Ledger({ epsilon: 1, delta: 1e-5 });
    const r = await g.fit(t, { rng: new Rng(2), privacy: { mechanism: 'pate', epsilon: 1, delta: 1e-5, accountant: 'pld' }, ledger });
    expect(r.stopped).toBe('epochs');
    expect(r.iterations).toBe(20);
    expect(r.queries).toBe(320);
    expect(r.teachers).toBe(300); // one row per centroid teacher
    const rest = 1 - ledger.entries.find((e) => e.what.startsWith('target frequencies'))!.epsilon;
    expect(r.epsilon as number).toBeLessThanOrEqual(rest);
    expect(r.epsilon as number).toBeGreaterThan(rest * (1 - 1e-6));
    expect(r.epsilon).toBeCloseTo(gnmaxBinaryEpsilon(320, r.sigma as number, 1e-5), 12);
    const entry = ledger.entries.find((e) => e.mechanism === 'pate')!;
    expect(entry.release).toEqual({ type: 'gaussian', noiseMultiplier: (r.sigma as number) / Math.SQRT2, count: 320 });
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1);
    const synth = await g.sample(500, new Rng(3));
    expect(synth.nrows).toBe(500);
  });

  it('refuse option combinations that cannot work, naming them', () => {
    expect(() => fixture({ labels: 'scores', aggregator: 'lnmax' })).toThrow(/labels "scores" needs aggregator "gnmax"/);
    expect(() => fixture({ labels: 'soft', aggregator: 'lnmax' })).toThrow(/labels "soft" needs aggregator "gnmax"/);
  });
});
