/**
 * The PATE plug-in's configuration: the option fields a generator's config spells (gan and ctgan share them,
 * with per-architecture defaults), and their translation into the critic's options (critics-pate.ts).
 */
import { z } from 'zod';
import { calibrateGnmaxSigma, calibratePateLambda } from '../privacy/pate.ts';
import type { DiscriminatorOptions } from './critics.ts';

const int = z.number().int();

/** Per-architecture defaults of the PATE options (the rest are shared). */
export interface PateDefaults {
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
  queries?: 'rows' | 'pairs';
  aggregator?: 'lnmax' | 'gnmax';
  labels?: 'hard' | 'soft' | 'scores';
  voteScale?: number;
  teacher?: 'logreg' | 'mlp' | 'centroid';
  teacherKnots?: number;
  queryBatch?: number;
  queryScreen?: number;
  studentSteps?: number;
  studentLr?: number;
  replay?: number;
}

/**
 * The PATE plug-in's options as a generator's config spells them (gan and ctgan share them, DESIGN.md §3);
 * `defaults` holds those that differ per architecture (why gan's differ: the header of critics-pate.ts).
 */
export function pateOptionFields(defaults: PateDefaults) {
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
    aggregator: z.enum(['lnmax', 'gnmax']).default(defaults.aggregator ?? 'lnmax').describe(
      'pate: lnmax = Laplace noisy-max (scale 1/λ) with the data-dependent moments accountant, looping until ε is spent (the ' +
        'paper); gnmax = Gaussian noise on the vote counts with σ calibrated so that iterations × query_batch labels fit ε ' +
        'exactly (one composed Gaussian mechanism: the ε spent is known in advance and reveals nothing about the data).',
    ),
    labels: z.enum(['hard', 'soft', 'scores']).default(defaults.labels ?? 'hard').describe(
      'pate: what the student learns from. hard = the noisy majority label (the paper); soft (gnmax only) = the noisy share of ' +
        '"real" votes, the very Gaussian release the GNMax label is computed from (same privacy cost, the margin kept); scores ' +
        '(gnmax only) = each teacher votes its score (difference, for pairs) divided by vote_scale and clipped to [−1, 1], and the ' +
        'noisy mean is released at the same cost — the student learns the teachers\' mean instead of their majority.',
    ),
    vote_scale: z.number().positive().default(defaults.voteScale ?? 1).describe('pate scores: teacher logit units per unit vote (votes are clipped to [−1, 1]).'),
    gnmax_sigma: z.number().positive().optional().describe('pate gnmax: noise std on each vote count; omitted = calibrated from ε for the planned queries.'),
    teacher: z.enum(['logreg', 'mlp', 'centroid']).default(defaults.teacher ?? 'logreg').describe(
      'pate teacher model: logreg (paper and original code), mlp, or centroid — the nearest-centroid classifier of its partition vs ' +
        'the generated rows, computed exactly (pate-centroids.ts): cheap enough for one teacher per row or two.',
    ),
    teacher_dims: z.array(int.positive()).default([32]).describe('pate: hidden widths when teacher = mlp.'),
    teacher_features: z.enum(['raw', 'target']).default('target').describe(
      'pate: teachers see the encoded row (raw) or the row crossed with the target one-hot — one logistic model per class, ' +
        "so they judge each class's rows (raw when the table has no categorical target).",
    ),
    teacher_squares: z.boolean().default(true).describe('pate: teachers also see squared numerics (a linear teacher can then score a typical range).'),
    teacher_knots: int.min(0).refine((v) => v !== 1, 'teacher_knots must be 0 or at least 2').default(defaults.teacherKnots ?? 0).describe(
      'pate: teachers also see each numeric through this many piecewise-linear "hat" functions over its declared range (0 = off): a ' +
        'linear teacher then scores the shape of a numeric\'s distribution, not only its mean and spread.',
    ),
    teacher_steps: int.min(0).default(defaults.teacherSteps ?? 1).describe('pate: teacher gradient steps per outer iteration (teachers are kept and updated, not re-fit).'),
    teacher_warmup: int.min(0).default(defaults.teacherWarmup).describe('pate: teacher steps before the first query (no label is released, so free).'),
    teacher_batch: int.positive().default(32).describe('pate: real rows of its own partition (and as many generated/reference rows) per teacher step.'),
    teacher_lr: z.number().positive().default(defaults.teacherLr ?? 5e-3),
    teacher_l2: z.number().min(0).default(1e-2).describe('pate: L2 penalty of the teachers (keeps them alike, so votes agree).'),
    reference_share: z.number().min(0).max(1).default(defaults.referenceShare ?? 0.5).describe(
      'pate: share of the teachers\' "fake" rows drawn from the public uniform reference instead of the generator (0 = the paper).',
    ),
    vote_threshold: z.enum(['fixed', 'median']).default(defaults.voteThreshold ?? 'fixed').describe(
      'pate (row queries): a teacher votes real when its logit > 0 (fixed, the paper) or for the more realistic half of each query batch (median).',
    ),
    queries: z.enum(['rows', 'pairs']).default(defaults.queries ?? 'rows').describe(
      'pate: what the teachers are asked. rows: "is this generated row real?" (the paper); pairs: "is this generated row more ' +
        'realistic with one column redrawn from the public reference?" — each teacher compares its own scores of the two rows, ' +
        'the student learns the comparisons (its score differences), and every column is probed even where the generator has ' +
        'collapsed (a batch of collapsed rows otherwise shows the teachers nothing to compare).',
    ),
    student_input: z.enum(['view', 'teacher']).default(defaults.studentInput ?? 'view').describe(
      'pate: the student sees the discriminator view, or exactly what the teachers see (it can then represent their vote; ' +
        'with discriminator_dims [] it is a model of the teachers\' own form).',
    ),
    query_batch: int.positive().default(defaults.queryBatch ?? 16).describe('pate: generated rows labelled by the teachers per outer iteration (original/smartnoise 64).'),
    reference_queries: int.min(0).default(0).describe('pate: public reference rows added to each query batch (labelled and accounted like the others).'),
    query_screen: int.positive().default(defaults.queryScreen ?? 8).describe(
      'pate: draw this many candidates per query; the student (post-processing) keeps those furthest from its boundary, half per side (1 = off).',
    ),
    student_steps: int.positive().default(defaults.studentSteps ?? 10).describe('pate: student steps per outer iteration (smartnoise student_iters=5, original n_s=1).'),
    replay: int.min(0).default(defaults.replay ?? 1000).describe('pate: past labelled batches the student keeps training on (post-processing: costs no budget).'),
    student_lr: (defaults.studentLr === undefined ? z.number().positive().optional() : z.number().positive().default(defaults.studentLr)).describe(
      'pate: Adam learning rate of the student (omitted: discriminator_lr).',
    ),
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
  x: { n: number; student: DiscriminatorOptions; targetSpan?: unknown; numericOffsets: number[]; numericRange?: [number, number]; epsilon: number; delta: number },
): PateOptions {
  const planned = o.iterations * (o.query_batch + o.reference_queries);
  return {
    student: x.student,
    teachers: o.teachers ?? Math.max(2, Math.floor(x.n / o.teacher_rows)),
    lambda: o.lambda === 'auto' ? calibratePateLambda(planned, x.epsilon, x.delta, o.moments) : o.lambda,
    aggregator: o.aggregator,
    labels: o.labels,
    voteScale: o.vote_scale,
    sigma: o.aggregator === 'gnmax' ? (o.gnmax_sigma ?? calibrateGnmaxSigma(planned, x.epsilon, x.delta)) : undefined,
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
    queries: o.queries,
    patience: o.patience,
    referenceQueries: o.reference_queries,
    teacherSquares: o.teacher_squares,
    teacherKnots: o.teacher_knots,
    numericRange: x.numericRange,
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
  /** 'lnmax' (default): Laplace 1/λ + data-dependent moments; 'gnmax': Gaussian σ per count, exact composition. */
  aggregator?: 'lnmax' | 'gnmax';
  /** 'hard': noisy majority labels; 'soft': noisy vote shares; 'scores': noisy mean of clipped teacher scores (gnmax). */
  labels?: 'hard' | 'soft' | 'scores';
  /** 'scores': logit units per unit vote. */
  voteScale?: number;
  /** GNMax noise std per vote count. */
  sigma?: number;
  teacher: 'logreg' | 'mlp' | 'centroid';
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
  /** Hat functions per numeric (0 = none), with knots evenly over `numericRange` (default [0, 1]). */
  teacherKnots?: number;
  numericRange?: [number, number];
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
  /** 'rows': label generated rows real/fake (the paper); 'pairs': label whether a one-column change makes a row more real. */
  queries?: 'rows' | 'pairs';
  epsilon: number;
  delta: number;
}
