import { describe, expect, it } from 'vitest';
import { Rng } from '../src/compute/rng.ts';
import { tf } from '../src/compute/tf.ts';
import { PateCritic } from '../src/generators/critics-pate.ts';
import type { PateOptions } from '../src/generators/pate-options.ts';
import type { CriticData } from '../src/generators/critics.ts';
import { GanEncoding } from '../src/generators/encoding.ts';
import { GanGenerator, ganOptionsSchema } from '../src/generators/gan.ts';
import { Ledger } from '../src/privacy/ledger.ts';
import { calibratePateLambda, PateMomentsAccountant, pateFlipBound } from '../src/privacy/pate.ts';
import { knownTable } from './gan-helpers.ts';
import type { Ensemble } from '../src/nn/ensemble.ts';

function fixture(o: Partial<PateOptions> = {}, mutate?: (real: Float32Array, d: number) => void) {
  const t = knownTable(200);
  const enc = GanEncoding.fit(t, { numeric: 'sigmoid', requirePublicSchema: true, owner: 'test' });
  const real = enc.encode(t);
  mutate?.(real, enc.d);
  const fakeRng = new Rng(9);
  const data: CriticData = {
    real,
    n: t.nrows,
    d: enc.d,
    generate: (rows) => tf.tensor2d(Float32Array.from({ length: rows * enc.d }, () => fakeRng.uniform()), [rows, enc.d]),
  };
  const options: PateOptions = {
    student: { hidden: [8], activation: 'leakyRelu', dropout: 0, loss: 'bce', weightClip: 0.01, optimizer: { name: 'adam', learningRate: 1e-3 }, batchSize: 32 },
    teachers: 10,
    lambda: 0.5,
    teacher: 'mlp',
    teacherDims: [4],
    teacherSteps: 1,
    teacherWarmup: 0,
    teacherBatch: 8,
    teacherLr: 1e-2,
    teacherL2: 0,
    studentSteps: 1,
    queryBatch: 16,
    replay: 2,
    moments: 50,
    voteThreshold: 'fixed',
    epsilon: 1e9,
    delta: 1e-5,
    ...o,
  };
  return { critic: new PateCritic(data, options, new Rng(5)), data };
}

/** The paper's PATE (row queries, Laplace noisy-max, data-dependent moments, logistic teachers) inside gan. */
const paper = { queries: 'rows', aggregator: 'lnmax', labels: 'hard', teacher: 'logreg', teacher_rows: 8, query_screen: 8 } as const;

const values = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync() as Float32Array));

describe('pategan: partitions and teachers', () => {
  it('partitions are disjoint and cover every training row', () => {
    const { critic, data } = fixture({ teachers: 7 });
    const seen = new Int32Array(data.n);
    for (const p of critic.partitions) for (const i of p) seen[i]++;
    expect(critic.partitions).toHaveLength(7);
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
    const sizes = critic.partitions.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('each teacher is trained only on its own partition', () => {
    const a = fixture();
    const j = 3;
    const part = a.critic.partitions[j];
    // Same seeds, but the rows of teacher j's partition changed.
    const b = fixture({}, (real, d) => {
      for (const r of part) for (let c = 0; c < d; c++) real[r * d + c] = 1 - real[r * d + c];
    });
    for (let s = 0; s < 3; s++) {
      a.critic.trainTeachers();
      b.critic.trainTeachers();
    }
    for (let t = 0; t < 10; t++) {
      const wa = (a.critic.teachers as Ensemble).memberWeights(t);
      const wb = (b.critic.teachers as Ensemble).memberWeights(t);
      const same = wa.every((w, v) => w.every((x, i) => x === wb[v][i]));
      expect(same, `teacher ${t}`).toBe(t !== j);
    }
  });

  it.each(['view', 'teacher'] as const)('student (input: %s) and teachers are distinct modules with no shared variable', (studentInput) => {
    const { critic } = fixture({ studentInput });
    const sv = critic.net.variables;
    const tv = (critic.teachers as Ensemble).variables;
    expect(sv.some((v) => tv.includes(v))).toBe(false);
    expect(new Set([...sv, ...tv].map((v) => v.name)).size).toBe(sv.length + tv.length);
    // Training the teachers leaves the student untouched, and a student step leaves the teachers untouched.
    const s0 = values(sv);
    critic.trainTeachers();
    expect(values(sv)).toEqual(s0);
    const t0 = values(tv);
    const teacherSteps = critic.teacherSteps;
    (critic as unknown as { o: PateOptions }).o.teacherSteps = 0;
    expect(critic.update()).toBe(true);
    expect(critic.teacherSteps).toBe(teacherSteps);
    expect(values(tv)).toEqual(t0);
    expect(values(sv)).not.toEqual(s0);
  });

  it('median votes: each teacher votes for half the batch; one changed partition moves each count by ≤ 1', () => {
    const a = fixture({ voteThreshold: 'median', teacher: 'logreg' });
    const j = 4;
    const part = a.critic.partitions[j];
    const b = fixture({ voteThreshold: 'median', teacher: 'logreg' }, (real, d) => {
      for (const r of part) for (let c = 0; c < d; c++) real[r * d + c] = 1 - real[r * d + c];
    });
    for (let s = 0; s < 40; s++) {
      a.critic.trainTeachers();
      b.critic.trainTeachers();
    }
    const m = 15;
    const q = tf.tensor2d(Float32Array.from({ length: m * a.data.d }, (_, i) => ((i * 7919) % 101) / 101), [m, a.data.d]);
    const va = a.critic.votes(q);
    const vb = b.critic.votes(q);
    q.dispose();
    expect(va.reduce((x, y) => x + y, 0)).toBe(10 * Math.floor(m / 2));
    expect(Array.from(va).some((v, i) => v !== vb[i])).toBe(true);
    for (let i = 0; i < m; i++) expect(Math.abs(va[i] - vb[i]), `query ${i}`).toBeLessThanOrEqual(1);
  });
});

describe('pategan: noisy aggregation and accounting', () => {
  it('Laplace noise has scale 1/λ: the noisy label flips with probability (2+λΔ)/(4e^{λΔ})', () => {
    const B = 20000;
    const lambda = 0.5;
    const { critic } = fixture({ queryBatch: B, lambda, teacherSteps: 0, studentSteps: 1 });
    // 3 of 10 teachers vote real (gap Δ = 4) for the first half, 5 of 10 (Δ = 0) for the second half.
    critic.votes = () => Int32Array.from({ length: B }, (_, i) => (i < B / 2 ? 3 : 5));
    expect(critic.update()).toBe(true);
    const labels = critic.lastLabels;
    let flips = 0;
    let ones = 0;
    for (let i = 0; i < B / 2; i++) flips += labels[i];
    for (let i = B / 2; i < B; i++) ones += labels[i];
    const q = pateFlipBound(4, lambda); // exact flip probability of Laplace noisy-max for two classes
    expect(q).toBeCloseTo(0.1353, 3);
    const sd = Math.sqrt((q * (1 - q)) / (B / 2));
    expect(Math.abs(flips / (B / 2) - q)).toBeLessThan(4 * sd);
    // Scale λ instead of 1/λ would flip with (2 + Δ/λ)/(4e^{Δ/λ}) ≈ 0.0008 — far outside the band above.
    expect(pateFlipBound(4, 1 / lambda)).toBeLessThan(q - 10 * sd);
    expect(Math.abs(ones / (B / 2) - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / (B / 2)));
  });

  it('queries voted "real" are accounted exactly like the others', () => {
    const { critic } = fixture({ queryBatch: 50, lambda: 0.3 });
    critic.votes = () => new Int32Array(50).fill(10); // unanimous "real"
    expect(critic.update()).toBe(true);
    expect(critic.accountant.queries).toBe(50);
    expect(Array.from(critic.lastLabels).every((l) => l === 1)).toBe(true);
    const ref = new PateMomentsAccountant({ lambda: 0.3, moments: 50 });
    for (let i = 0; i < 50; i++) ref.addGap(10);
    expect(critic.accountant.epsilon(1e-5)).toBeCloseTo(ref.epsilon(1e-5), 12);
    expect(critic.accountant.epsilon(1e-5)).toBeGreaterThan(0);
  });

  it('stops before a batch that would exceed ε, releasing nothing', () => {
    const { critic } = fixture({ queryBatch: 16, lambda: 1, epsilon: 10 });
    critic.votes = () => new Int32Array(16).fill(10); // unanimous: nearly free
    expect(critic.update()).toBe(true);
    const eps = critic.accountant.epsilon(1e-5);
    expect(eps).toBeLessThan(10);
    critic.votes = () => new Int32Array(16).fill(5); // split votes (gap 0): 16 of them cost more than ε = 10
    const labelsBefore = critic.lastLabels;
    expect(critic.update()).toBe(false);
    expect(critic.accountant.queries).toBe(16);
    expect(critic.accountant.epsilon(1e-5)).toBe(eps);
    expect(critic.lastLabels).toBe(labelsBefore);
  });

  it('λ = auto is calibrated so that the planned iterations fit the budget: training runs them all', async () => {
    const t = knownTable(300);
    const g = new GanGenerator(ganOptionsSchema.parse({ ...paper, lambda: 'auto', teachers: 30, query_batch: 16, iterations: 30, patience: 0, generator_dims: [16], latent_dim: 8, teacher_warmup: 5 }));
    const ledger = new Ledger({ epsilon: 1, delta: 1e-5 });
    const r = await g.fit(t, { rng: new Rng(2), privacy: { mechanism: 'pate', epsilon: 1, delta: 1e-5, accountant: 'pld' }, ledger });
    // 5 % of ε went to the label frequencies first; λ was calibrated on the rest.
    const rest = 1 - ledger.entries.find((e) => e.what.startsWith('target frequencies'))!.epsilon;
    expect(r.lambda).toBeCloseTo(calibratePateLambda(30 * 16, rest, 1e-5, 200), 12);
    expect(r.iterations).toBe(30);
    expect(r.stopped).toBe('epochs');
    expect(r.epsilon as number).toBeLessThanOrEqual(rest);
    expect(ledger.spent().epsilon).toBeLessThanOrEqual(1);
  });

  it('the fit report and the ledger carry the accountant ε at the cell δ, never above the target', async () => {
    const t = knownTable(300);
    for (const delta of [1e-5, 1e-3]) {
      const g = new GanGenerator(
        ganOptionsSchema.parse({ ...paper, teachers: 30, lambda: 0.1, query_batch: 16, iterations: 40, generator_dims: [16], latent_dim: 8, teacher_warmup: 5 }),
      );
      const ledger = new Ledger({ epsilon: 10, delta });
      const r = await g.fit(t, { rng: new Rng(1), privacy: { mechanism: 'pate', epsilon: 10, delta, accountant: 'pld' }, ledger });
      expect(r.queries as number).toBeGreaterThan(0);
      expect(r.epsilon as number).toBeLessThanOrEqual(10);
      expect(r.delta).toBe(delta);
      expect(r.queries).toBe(16 * (r.iterations as number));
      const entry = ledger.entries.find((e) => e.mechanism === 'pate')!;
      expect(entry.epsilon).toBe(r.epsilon);
      expect(entry.delta).toBe(delta);
      expect(r.stopped === 'budget' || r.iterations === 40).toBe(true);
    }
  });
});
