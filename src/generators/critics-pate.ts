/**
 * PATE-GAN's critic (Jordon et al., ICLR 2019, Algorithm 1), written against the audit of public
 * implementations (defaults.md §2.2; Ganev et al. 2024):
 *
 *   - k teachers, teacher i trained ONLY on its own disjoint partition of the real rows (the original code
 *     trained every teacher on one partition, mlforhealthlabpub#29) vs generated rows; teachers are a batched
 *     Ensemble with no variable shared with the student (smartnoise PATECTGAN used one module for all);
 *   - per outer iteration the teachers label `queryBatch` generated rows; each label is Laplace noisy-max
 *     with scale 1/λ (src/privacy/pate.ts) and EVERY query is accounted, "real" votes included;
 *   - the data-dependent moments accountant decides before anything is released: if the batch's votes would
 *     push ε above the target, the batch is not released and training stops (δ is the cell's δ);
 *   - the student never sees real rows: it trains on (generated row, noisy label) pairs, kept in a replay
 *     buffer of recent batches (reusing released labels is post-processing: free).
 *
 * Budget (measured on Adult). With λ = 1 and δ = 1e-5 a query whose vote gap is below ≈ 30 costs more than the
 * whole of ε = 1, one above ≈ 40 almost nothing; agreeing teachers make queries cheap: logistic models from a zero
 * start kept and updated (not re-fit), warmed up before the first query (free), student-screened queries (of 8×
 * candidates the rows the student — a DP release — is surest about, half per side). pategan's defaults use many
 * small teachers (n/8) and λ = .05: ε = 1 then lasts 24–30 query batches instead of 1–5 (n/32 teachers, λ = 1).
 *
 * Defaults of `gan` (pategan), from noise-free checks (λ = 10, ε = 1e9, Adult seeds 0/1, TSTR logreg AUC):
 *   - teachers that keep up with the generator: trained directly against the mean teacher logit (no student,
 *     not private — a diagnostic), 1 teacher step per 5 generator steps let the generator win (teacher majority
 *     "real" on 100 % of generated rows, 53 % of real ones; AUC .53/.44); 5 steps at lr .02 per generator step,
 *     against generated rows only (reference_share 0): .80/.71 — the upper bound for any student;
 *   - median votes: strong teachers vote every generated row "fake" (fixed threshold: 99 % of real rows "real",
 *     0 % of generated), which teaches the student nothing (.52/.62); each teacher voting for the more realistic
 *     half of the batch keeps every label informative (a count still moves by ≤ 1 when one partition changes);
 *   - the student on the teachers' own inputs (target-crossed row + squared numerics), linear: it can represent
 *     the teachers' vote. It sees only generated rows, so it is blind along directions the generator does not
 *     vary (the paper's design; the earlier MLP on the discriminator view scored real rows BELOW generated ones).
 *   Together .75/.67 noise-free. More iterations do not help (400 noise-free: .52/.51 — student and generator
 *   drift together), nor do more extreme queries (query_screen 32 at ε = 1: .28–.42). The non-private gan reaches
 *   .81–.84; per-ε numbers of the runner: configs/pategan-eps.yaml. ctgan keeps the earlier shared defaults
 *   (fixed votes, MLP student, uniform reference backdrop, n/32 teachers, λ = 1).
 */
import { z } from 'zod';
import type { Rng } from '../compute/rng.ts';
import { tf } from '../compute/tf.ts';
import { Ensemble } from '../nn/ensemble.ts';
import { clipWeights, createOptimizer, mlpSpecs, step } from '../nn/index.ts';
import { bceWithLogits } from '../nn/losses.ts';
import { DenseNet, type ForwardContext } from '../privacy/dpnet.ts';
import { plainGradients } from '../privacy/dpsgd.ts';
import type { Ledger } from '../privacy/ledger.ts';
import { calibratePateLambda, noisyTeacherLabels, partition, pateDataIndependentEpsilon, PateMomentsAccountant } from '../privacy/pate.ts';
import { crossWithLabel, viewRows, type Critic, type CriticData, type DiscriminatorOptions } from './critics.ts';
import type { FitReport } from './types.ts';

const int = z.number().int();

/**
 * The PATE plug-in's options as a generator's config spells them (gan and ctgan share them, DESIGN.md §3);
 * `defaults` holds the two that differ per architecture. Defaults measured on Adult at ε = 1 (see above).
 */
export function pateOptionFields(defaults: {
  teacherWarmup: number;
  iterations: number;
  teacherRows?: number;
  lambda?: number;
  teacherSteps?: number;
  teacherLr?: number;
  referenceShare?: number;
  voteThreshold?: 'fixed' | 'median';
  studentInput?: 'view' | 'teacher';
  generatorSteps?: number;
}) {
  return {
    teachers: int.min(2).optional().describe(
      'pate: number of teachers, each on its own disjoint partition (default: one per teacher_rows rows). ' +
        'More teachers → larger vote gaps → cheaper queries; smartnoise uses n/1000, the original 10 (defaults.md §2.2).',
    ),
    teacher_rows: int.positive().default(defaults.teacherRows ?? 32).describe('pate: rows per teacher when `teachers` is not given.'),
    lambda: z.union([z.number().positive(), z.literal('auto')]).default(defaults.lambda ?? 1).describe(
      'pate: Laplace noise scale 1/λ on each vote count (original λ=1: one split vote then costs ≈2 ε-units, so a run at ' +
        'ε=1 stops after a few batches; synthcity/smartnoise 1e-3 make labels coin flips). auto: the largest λ whose ' +
        'data-independent bound fits iterations × query batch queries in ε (calibrated like σ for DP-SGD: the run is never cut ' +
        'short; the data-dependent accountant reports what was really spent).',
    ),
    teacher: z.enum(['logreg', 'mlp']).default('logreg').describe('pate teacher model (paper and original code: logistic regression).'),
    teacher_dims: z.array(int.positive()).default([32]).describe('pate: hidden widths when teacher = mlp.'),
    teacher_features: z.enum(['raw', 'target']).default('target').describe(
      'pate: teachers see the encoded row (raw) or the row crossed with the target one-hot — one logistic model per class, ' +
        "so they judge each class's rows (raw when the table has no categorical target).",
    ),
    teacher_squares: z.boolean().default(true).describe('pate: teachers also see squared numerics (a linear teacher can then score a typical range).'),
    teacher_steps: int.min(0).default(defaults.teacherSteps ?? 1).describe('pate: teacher gradient steps per outer iteration (teachers are kept and updated, not re-fit).'),
    teacher_warmup: int.min(0).default(defaults.teacherWarmup).describe('pate: teacher steps before the first query (no label is released, so free).'),
    teacher_batch: int.positive().default(32).describe('pate: real rows of its own partition (and as many generated/reference rows) per teacher step.'),
    teacher_lr: z.number().positive().default(defaults.teacherLr ?? 5e-3),
    teacher_l2: z.number().min(0).default(1e-2).describe('pate: L2 penalty of the teachers (keeps them alike, so votes agree).'),
    reference_share: z.number().min(0).max(1).default(defaults.referenceShare ?? 0.5).describe(
      'pate: share of the teachers\' "fake" rows drawn from the public uniform reference instead of the generator (0 = the paper).',
    ),
    vote_threshold: z.enum(['fixed', 'median']).default(defaults.voteThreshold ?? 'fixed').describe(
      'pate: a teacher votes real when its logit > 0 (fixed, the paper) or for the more realistic half of each query batch (median).',
    ),
    student_input: z.enum(['view', 'teacher']).default(defaults.studentInput ?? 'view').describe(
      'pate: the student sees the discriminator view, or exactly what the teachers see (it can then represent their vote; ' +
        'with discriminator_dims [] it is a model of the teachers\' own form).',
    ),
    query_batch: int.positive().default(16).describe('pate: generated rows labelled by the teachers per outer iteration (original/smartnoise 64).'),
    reference_queries: int.min(0).default(0).describe('pate: public reference rows added to each query batch (labelled and accounted like the others).'),
    query_screen: int.positive().default(8).describe(
      'pate: draw this many candidates per query; the student (post-processing) keeps those furthest from its boundary, half per side (1 = off).',
    ),
    student_steps: int.positive().default(10).describe('pate: student steps per outer iteration (smartnoise student_iters=5, original n_s=1).'),
    replay: int.min(0).default(1000).describe('pate: past labelled batches the student keeps training on (post-processing: costs no budget).'),
    pate_generator_steps: int.positive().default(defaults.generatorSteps ?? 5).describe('pate: generator steps per outer iteration (original: 1).'),
    patience: int.min(0).default(10).describe(
      'pate: stop after this many consecutive query batches labelled all "fake" (no signal left; decided from released labels).',
    ),
    iterations: int.positive().default(defaults.iterations).describe('pate: cap on outer iterations (training otherwise stops when the budget is spent); original 50.'),
    moments: int.positive().default(200).describe(
      'pate: moment orders l = 1..L (original 20, smartnoise 100); ε ≥ log(1/δ)/L, so L = 200 reaches ε = 0.1 at δ = 1e-5.',
    ),
  };
}

export type PateConfig = z.infer<z.ZodObject<ReturnType<typeof pateOptionFields>>>;

/** The critic's options from a generator's config, the rows it trains on and the budget left to it. */
export function pateCriticOptions(
  o: PateConfig,
  x: { n: number; student: DiscriminatorOptions; targetSpan?: unknown; numericOffsets: number[]; epsilon: number; delta: number },
): PateOptions {
  return {
    student: x.student,
    teachers: o.teachers ?? Math.max(2, Math.floor(x.n / o.teacher_rows)),
    lambda: o.lambda === 'auto' ? calibratePateLambda(o.iterations * (o.query_batch + o.reference_queries), x.epsilon, x.delta, o.moments) : o.lambda,
    teacher: o.teacher,
    teacherDims: o.teacher_dims,
    teacherSteps: o.teacher_steps,
    teacherWarmup: o.teacher_warmup,
    teacherBatch: o.teacher_batch,
    teacherLr: o.teacher_lr,
    teacherL2: o.teacher_l2,
    studentSteps: o.student_steps,
    queryBatch: o.query_batch,
    replay: o.replay,
    moments: o.moments,
    voteThreshold: o.vote_threshold,
    referenceShare: o.reference_share,
    teacherFeatures: o.teacher_features === 'target' && x.targetSpan ? 'target' : 'raw',
    queryScreen: o.query_screen,
    studentInput: o.student_input,
    patience: o.patience,
    referenceQueries: o.reference_queries,
    teacherSquares: o.teacher_squares,
    numericOffsets: x.numericOffsets,
    epsilon: x.epsilon,
    delta: x.delta,
  };
}

export interface PateOptions {
  /** Student network and optimiser (same shape options as the gan discriminator). */
  student: DiscriminatorOptions;
  teachers: number;
  lambda: number;
  teacher: 'logreg' | 'mlp';
  teacherDims: number[];
  teacherSteps: number;
  /** Teacher steps before the first query (free: no label is released). */
  teacherWarmup: number;
  teacherBatch: number;
  teacherLr: number;
  teacherL2: number;
  studentSteps: number;
  queryBatch: number;
  replay: number;
  moments: number;
  /** 'fixed': vote real when the teacher's logit > 0; 'median': for the more realistic half of each query batch. */
  voteThreshold: 'fixed' | 'median';
  /**
   * Share of each teacher step's "fake" rows drawn from the public reference distribution instead of the
   * generator (0 = the paper). Teachers then score realism against a fixed backdrop as well as against
   * the current generator.
   */
  referenceShare?: number;
  /**
   * 'raw': teachers see the encoded row; 'target': the row crossed with the target's one-hot (one
   * logistic model per class — the teachers then judge each class's rows separately).
   */
  teacherFeatures?: 'raw' | 'target';
  /** Offsets of numeric columns: with `teacherSquares` the teachers also see their squares (a linear model
   * can then score "value near the typical range", not only "larger/smaller"). */
  numericOffsets?: number[];
  teacherSquares?: boolean;
  /**
   * Stop after this many consecutive released batches without a single "real" label (the student then has
   * nothing to teach the generator, which only drifts). Decided from released labels: post-processing.
   * 0 = never.
   */
  patience?: number;
  /** Public reference rows added to each query batch (labelled and accounted like the others). */
  referenceQueries?: number;
  /** Candidate multiplier for student-screened queries (1 = query the generator's rows as drawn). */
  queryScreen?: number;
  studentInput?: 'view' | 'teacher';
  epsilon: number;
  delta: number;
}

export class PateCritic implements Critic {
  readonly net: DenseNet;
  readonly loss: 'bce' | 'wgan';
  readonly teachers: Ensemble;
  /** Row indices of each teacher's partition (disjoint, covering 0..n−1). */
  readonly partitions: Int32Array[];
  readonly accountant: PateMomentsAccountant;
  private readonly o: PateOptions;
  private readonly data: CriticData;
  private readonly rng: Rng;
  private readonly optS: tf.Optimizer;
  private readonly optT: tf.Optimizer;
  private readonly buffer: { x: Float32Array; y: Float32Array }[] = [];
  private sums = { teacher: 0, student: 0, real: 0, tCount: 0, sCount: 0, qCount: 0 };
  iterations = 0;
  /** Why update() last returned false: 'budget' or 'no-signal'. */
  stopReason?: string;
  private sinceReal = 0;
  /** Noisy labels of the last released query batch. */
  lastLabels: Uint8Array = new Uint8Array(0);
  studentSteps = 0;
  teacherSteps = 0;

  constructor(data: CriticData, o: PateOptions, rng: Rng) {
    this.data = data;
    this.o = o;
    this.rng = rng;
    this.loss = o.student.loss;
    if (o.teachers > data.n) throw new RangeError(`pategan: ${o.teachers} teachers need at least as many training rows (have ${data.n})`);
    if (!(o.delta > 0)) throw new RangeError('pategan: δ must be positive for the moments accountant');
    this.partitions = partition(data.n, o.teachers, rng.fork('partition'));
    if (o.teacherFeatures === 'target' && !data.targetSpan) throw new RangeError('pategan: teacher_features "target" needs a target column');
    if ((o.referenceShare ?? 0) > 0 && !data.reference) throw new RangeError('pategan: reference_share needs a reference distribution');
    const base = data.d + (o.teacherSquares ? (o.numericOffsets?.length ?? 0) : 0);
    const inputDim = o.teacherFeatures === 'target' ? base * data.targetSpan!.width : base;
    this.teachers = new Ensemble(
      'teachers',
      {
        members: o.teachers,
        inputDim,
        hidden: o.teacher === 'logreg' ? [] : o.teacherDims,
        outputDim: 1,
        activation: 'relu',
        // scikit-learn's LogisticRegression starts at 0; MLP teachers start from one shared draw so that they
        // differ only through their partitions (agreeing teachers make queries cheap).
        init: o.teacher === 'logreg' ? 'zeros' : 'shared',
      },
      rng.fork('teachers-init'),
    );
    this.net = new DenseNet('student', o.studentInput === 'teacher' ? inputDim : (data.view?.dim ?? data.d), mlpSpecs(o.student.hidden, 1, { activation: o.student.activation, dropout: o.student.dropout }), rng.fork('student-init'));
    this.optS = createOptimizer(o.student.optimizer);
    this.optT = createOptimizer({ name: 'adam', learningRate: o.teacherLr, weightDecay: o.teacherL2 });
    this.accountant = new PateMomentsAccountant({ lambda: o.lambda, moments: o.moments });
  }

  private studentView(x: tf.Tensor2D): tf.Tensor2D {
    return this.o.studentInput === 'teacher' ? this.teacherInput(x) : viewRows(this.data, x);
  }

  score(x: tf.Tensor2D): tf.Tensor2D {
    return this.net.apply(this.studentView(x));
  }

  /** Share of the last released batch's generated queries (reference queries follow them) labelled "real". */
  signal(): number | undefined {
    if (this.lastLabels.length === 0) return undefined;
    let real = 0;
    for (let i = 0; i < this.o.queryBatch; i++) real += this.lastLabels[i];
    return real / this.o.queryBatch;
  }

  /** What the teachers see of a row: the row itself, or the row crossed with the target's one-hot. */
  private teacherInput<T extends tf.Tensor2D | tf.Tensor3D>(x: T): T {
    const span = this.data.targetSpan;
    const target = this.o.teacherFeatures === 'target' && span;
    const squares = this.o.teacherSquares && (this.o.numericOffsets?.length ?? 0) > 0;
    if (!target && !squares) return x;
    const d = this.data.d;
    let x2 = (x.rank === 3 ? tf.reshape(x, [-1, d]) : x) as tf.Tensor2D;
    const t = target ? tf.slice(x2, [0, span.offset], [-1, span.width]) : undefined;
    if (squares) {
      const num = tf.gather(x2, tf.tensor1d(Int32Array.from(this.o.numericOffsets!), 'int32'), 1);
      x2 = tf.concat([x2, tf.square(num)], 1) as tf.Tensor2D;
    }
    const out = t ? crossWithLabel(x2, t) : x2;
    return (x.rank === 3 ? tf.reshape(out, [x.shape[0], x.shape[1], out.shape[1]]) : out) as T;
  }

  /** One teacher step: teacher i sees `teacherBatch` rows of its own partition and a shared generated batch. */
  trainTeachers(): number {
    const { d, real } = this.data;
    const k = this.o.teachers;
    const m = this.o.teacherBatch;
    const r = this.rng.fork(`teacher-batch-${this.teacherSteps}`);
    let xr: tf.Tensor3D;
    if (this.data.gather) {
      // Rows as the generator presents them (e.g. with CTGAN's conditional vector); block t = teacher t's rows.
      const idx = new Int32Array(k * m);
      for (let t = 0; t < k; t++) {
        const part = this.partitions[t];
        for (let j = 0; j < m; j++) idx[t * m + j] = part[r.int(part.length)];
      }
      const g = this.data.gather(idx);
      xr = tf.reshape(g, [k, m, d]) as tf.Tensor3D;
      g.dispose();
    } else {
      const X = new Float32Array(k * m * d);
      for (let t = 0; t < k; t++) {
        const part = this.partitions[t];
        for (let j = 0; j < m; j++) {
          const row = part[r.int(part.length)];
          X.set(real.subarray(row * d, row * d + d), (t * m + j) * d);
        }
      }
      xr = tf.tensor3d(X, [k, m, d]);
    }
    const nRef = Math.round(m * (this.o.referenceShare ?? 0));
    const parts = [...(m - nRef > 0 ? [this.data.generate(m - nRef)] : []), ...(nRef > 0 ? [this.data.reference!(nRef)] : [])];
    const fake = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
    if (parts.length > 1) tf.dispose(parts);
    const { value, grads } = tf.variableGrads(() => {
      const lr = this.teachers.apply(this.teacherInput(xr));
      const lf = this.teachers.applyShared(this.teacherInput(fake));
      // Σ over teachers of each teacher's mean loss: teacher i's gradient depends on its rows only.
      const lossReal = tf.sum(tf.softplus(tf.neg(lr)));
      const lossFake = tf.sum(tf.softplus(lf));
      return tf.div(tf.add(lossReal, lossFake), 2 * m) as tf.Scalar;
    }, this.teachers.variables);
    const loss = (value.dataSync() as Float32Array)[0] / k;
    value.dispose();
    step(this.optT, grads);
    tf.dispose([xr, fake]);
    this.teacherSteps++;
    return loss;
  }

  /**
   * Number of teachers voting "real" for each row of x: logit > 0 ('fixed'), or — 'median' — logit above
   * that teacher's median logit over the batch, i.e. each teacher votes for the more realistic half of the
   * batch (the counts of one query still move by ≤ 1 when one teacher changes).
   */
  votes(x: tf.Tensor2D): Int32Array {
    const median = this.o.voteThreshold === 'median';
    const counts = tf.tidy(() => {
      const logits = tf.squeeze(this.teachers.applyShared(this.teacherInput(x)), [2]) as tf.Tensor2D; // [k, m]
      let thr: tf.Tensor = tf.scalar(0);
      if (median) {
        const m = logits.shape[1];
        const top = tf.topk(logits, Math.floor(m / 2) + 1).values; // sorted descending per teacher
        thr = tf.slice(top, [0, Math.floor(m / 2)], [-1, 1]);
      }
      return tf.sum(tf.cast(tf.greater(logits, thr), 'int32'), 0);
    });
    const v = Int32Array.from(counts.dataSync() as Int32Array);
    counts.dispose();
    return v;
  }

  update(): boolean {
    if ((this.o.patience ?? 0) > 0 && this.sinceReal >= this.o.patience!) {
      this.stopReason = 'no-signal';
      return false;
    }
    let tLoss = 0;
    if (this.iterations === 0) for (let s = 0; s < this.o.teacherWarmup; s++) this.trainTeachers();
    for (let s = 0; s < this.o.teacherSteps; s++) tLoss += this.trainTeachers();
    // Queries: generated rows labelled by the teachers; accounted in full before any label is drawn.
    const q = this.queries(this.o.queryBatch);
    const B = q.shape[0];
    const votes = this.votes(q);
    const trial = this.accountant.clone();
    for (let i = 0; i < B; i++) trial.addGap(Math.abs(2 * votes[i] - this.o.teachers));
    if (trial.epsilon(this.o.delta) > this.o.epsilon) {
      this.stopReason = 'budget';
      q.dispose();
      return false;
    }
    const labels = noisyTeacherLabels(votes, this.o.teachers, this.o.lambda, this.rng.fork(`labels-${this.iterations}`), this.accountant);
    this.lastLabels = labels;
    const xq = q.dataSync() as Float32Array;
    q.dispose();
    let nReal = 0;
    for (let i = 0; i < B; i++) nReal += labels[i];
    this.buffer.push({ x: Float32Array.from(xq), y: Float32Array.from(labels) });
    if (this.buffer.length > Math.max(1, this.o.replay)) this.buffer.shift();
    let sLoss = 0;
    for (let s = 0; s < this.o.studentSteps; s++) sLoss += this.trainStudent();
    this.sinceReal = nReal > 0 ? 0 : this.sinceReal + 1;
    this.iterations++;
    this.sums.teacher += tLoss / Math.max(1, this.o.teacherSteps);
    this.sums.tCount++;
    this.sums.student += sLoss / this.o.studentSteps;
    this.sums.sCount++;
    this.sums.real += nReal / B;
    this.sums.qCount++;
    return true;
  }

  /**
   * The rows to query. With screening (c > 1) the generator draws c·B candidates and the student — already a
   * DP release, so this is post-processing — keeps the B/2 it finds most real and the B/2 most fake: rows far
   * from its decision boundary, where the teachers are likely to agree (cheap queries), on both sides of it.
   */
  private queries(B: number): tf.Tensor2D {
    const g = this.generatedQueries(B);
    const r = this.o.referenceQueries ?? 0;
    if (r <= 0 || !this.data.reference) return g;
    // Public reference rows labelled by the teachers too: they show the student where "fake" lies away
    // from the generator's current rows, so the generator is not drawn into regions nobody labelled.
    const out = tf.concat([g, this.data.reference(r)], 0) as tf.Tensor2D;
    g.dispose();
    return out;
  }

  private generatedQueries(B: number): tf.Tensor2D {
    const c = this.o.queryScreen ?? 1;
    if (c <= 1 || this.iterations === 0) return this.data.generate(B);
    const cand = this.data.generate(B * c);
    const s = tf.tidy(() => tf.reshape(this.score(cand), [-1]).dataSync() as Float32Array);
    const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b]);
    const half = Math.floor(B / 2);
    const pick = [...order.slice(0, B - half), ...order.slice(order.length - half)];
    const out = tf.gather(cand, tf.tensor1d(Int32Array.from(pick), 'int32')) as tf.Tensor2D;
    cand.dispose();
    return out;
  }

  /** Student step on a minibatch of labelled generated rows from the replay buffer (never real rows). */
  private trainStudent(): number {
    const d = this.data.d;
    const B = this.o.queryBatch;
    const r = this.rng.fork(`student-batch-${this.studentSteps}`);
    const X = new Float32Array(B * d);
    const Y = new Float32Array(B);
    const newest = this.buffer[this.buffer.length - 1];
    for (let j = 0; j < B; j++) {
      // Half from the newest labelled batch, half replayed from the buffer (the newest included).
      const b = j % 2 === 0 ? newest : this.buffer[r.int(this.buffer.length)];
      const row = r.int(b.y.length);
      X.set(b.x.subarray(row * d, row * d + d), j * d);
      Y[j] = b.y[row];
    }
    // Class-balanced weights: "real" votes are scarce early on and carry the signal the generator needs.
    let pos = 0;
    for (let j = 0; j < B; j++) pos += Y[j];
    const W = new Float32Array(B);
    for (let j = 0; j < B; j++) W[j] = pos === 0 || pos === B ? 1 : Y[j] ? B / (2 * pos) : B / (2 * (B - pos));
    const x = tf.tidy(() => this.studentView(tf.tensor2d(X, [B, d])));
    const y = tf.tensor1d(Y);
    const w = tf.tensor1d(W);
    const wgan = this.loss === 'wgan';
    const lossFn = (ctx: ForwardContext) => {
      const s = tf.reshape(this.net.apply(x, ctx), [B]) as tf.Tensor1D;
      // Original PATE-GAN student (WGAN-style): −S for rows labelled real, +S for rows labelled fake.
      if (wgan) return tf.mul(tf.mul(s, tf.sub(1, tf.mul(y, 2))), w) as tf.Tensor1D;
      return tf.mul(bceWithLogits(s, y), w) as tf.Tensor1D;
    };
    const dropoutRng = this.o.student.dropout > 0 ? r.fork('dropout') : undefined;
    const { grads, lossSum } = plainGradients(this.net, B, lossFn, { rng: dropoutRng });
    step(this.optS, grads);
    if (wgan) clipWeights(this.net.variables, this.o.student.weightClip);
    tf.dispose([x, y, w]);
    this.studentSteps++;
    return lossSum / B;
  }

  drainLosses(): Record<string, number> {
    const s = this.sums;
    const out: Record<string, number> = {};
    if (s.tCount > 0) out.teacher = s.teacher / s.tCount;
    if (s.sCount > 0) out.student = s.student / s.sCount;
    if (s.qCount > 0) out.votedReal = s.real / s.qCount;
    if (s.qCount > 0) out.epsilon = this.accountant.epsilon(this.o.delta);
    this.sums = { teacher: 0, student: 0, real: 0, tCount: 0, sCount: 0, qCount: 0 };
    return out;
  }

  finish(ledger: Ledger): Partial<FitReport> {
    const spent = this.accountant.spent(this.o.delta);
    const queries = this.accountant.queries;
    const indep = pateDataIndependentEpsilon(queries, this.o.lambda, this.o.delta, this.o.moments);
    ledger.spend({
      what: 'training: PATE teacher votes on generated rows',
      mechanism: 'pate',
      epsilon: spent.epsilon,
      delta: queries > 0 ? this.o.delta : 0,
      accountant: 'pate-moments (data-dependent)',
      params: { lambda: this.o.lambda, teachers: this.o.teachers, queries, order: spent.order, fallbackQueries: this.accountant.fallbackQueries },
    });
    return {
      steps: this.studentSteps,
      epsilon: spent.epsilon,
      delta: this.o.delta,
      accountant: 'pate-moments (data-dependent)',
      lambda: this.o.lambda,
      teachers: this.o.teachers,
      teacherModel: this.o.teacher,
      queries,
      momentOrder: spent.order,
      fallbackQueries: this.accountant.fallbackQueries,
      dataIndependentEpsilon: indep.epsilon,
      teacherSteps: this.teacherSteps,
      partitionRows: this.partitions[0].length,
    };
  }

  dispose(): void {
    this.net.dispose();
    this.teachers.dispose();
    this.optS.dispose();
    this.optT.dispose();
  }
}
