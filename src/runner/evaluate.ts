/** Evaluation of one cell: utility (TRTR/TSTR/TSTS), fidelity metrics and attacks, as configured. */
import { Rng } from '../compute/rng.ts';
import type { Config } from '../config/schema.ts';
import type { Table } from '../data/table.ts';
import { runAttacks } from '../eval/attacks/index.ts';
import { expandClassifiers } from '../eval/classifiers/index.ts';
import { evaluateSynthetic } from '../eval/evaluate.ts';
import { evaluateUtility } from '../eval/utility.ts';
import type { AttackResult, MetricValue, UtilityScore } from '../eval/types.ts';
import type { LedgerEntry } from '../privacy/ledger.ts';
import { computeCorrelation, computeMarginals, computeSeriesBands } from '../report/extras.ts';
import type { CellData } from './data.ts';

export interface EvaluateInput {
  config: Config;
  data: CellData;
  synthTrain: Table;
  synthTest?: Table;
  rng: Rng;
  nominalEpsilon: number | null;
  delta: number;
  /** The cell's seed: shared TRTR scores are computed once per (dataset, seed). */
  seed: number;
}

export interface Evaluation {
  utility: UtilityScore[];
  metrics: MetricValue[];
  attacks: AttackResult[];
  extras?: Record<string, unknown>;
}

/**
 * TRTR scores depend only on the real data, the classifiers and the seed — not on the generator — so
 * they are computed once per (dataset, seed) in a process and shared by every cell (the thesis reports
 * one TRTR row per table). DP classifiers trained at the cell's ε make TRTR cell-specific: no sharing then.
 */
const trtrCache = new WeakMap<CellData, Map<string, UtilityScore[]>>();

function sharedTrtr(input: EvaluateInput, classifiers: string[], classifierContext: NonNullable<Parameters<typeof evaluateUtility>[0]['classifierContext']>, cellSpecific: boolean): UtilityScore[] | undefined {
  const ev = input.config.evaluation;
  if (!ev.settings.includes('TRTR') && !ev.metrics.includes('sra')) return undefined;
  if (cellSpecific) return undefined;
  const key = JSON.stringify([input.seed, classifiers, ev.scores, ev.cv]);
  let perData = trtrCache.get(input.data);
  if (!perData) trtrCache.set(input.data, (perData = new Map()));
  let scores = perData.get(key);
  if (!scores) {
    scores = evaluateUtility({
      realTrain: input.data.train,
      realTest: input.data.test,
      classifiers,
      classifierContext,
      settings: ['TRTR'],
      kinds: ev.scores,
      cv: ev.cv,
      rng: new Rng(`trtr/${input.seed}`),
    });
    perData.set(key, scores);
  }
  return scores;
}

export async function evaluateCell(input: EvaluateInput): Promise<Evaluation> {
  const { config, data, synthTrain, synthTest, rng } = input;
  const ev = config.evaluation;
  // DP classifiers: bare names get their ε from evaluation.classifier_epsilon; each fit's ledger is kept.
  const { classifiers, epsilon } = expandClassifiers(ev.classifiers, ev.classifier_epsilon, input.nominalEpsilon);
  const dpLedgers = new Map<string, DpClassifierLedger>();
  const classifierContext = {
    dp: {
      epsilon,
      delta: input.delta,
      accountant: config.privacy.accountant,
      onLedger: (name: string, ledger: { budget: { epsilon: number; delta: number }; spent: { epsilon: number; delta: number }; entries: LedgerEntry[] }) => {
        const e = dpLedgers.get(name);
        if (e) {
          e.fits++;
          e.maxSpent = Math.max(e.maxSpent, ledger.spent.epsilon);
        } else dpLedgers.set(name, { classifier: name, fits: 1, budget: ledger.budget, maxSpent: ledger.spent.epsilon, entries: ledger.entries });
      },
    },
  };
  const cellSpecific = ev.classifier_epsilon === 'cell' && classifiers.some((c) => c.startsWith('dp-'));
  const precomputedTrtr = sharedTrtr(input, classifiers, classifierContext, cellSpecific);
  const { utility, metrics } = evaluateSynthetic({
    precomputedTrtr,
    realTrain: data.train,
    realTest: data.test,
    synthTrain,
    synthTest,
    classifiers,
    classifierContext,
    settings: ev.settings,
    kinds: ev.scores,
    cv: ev.cv,
    metrics: ev.metrics,
    rng: rng.fork('utility'),
  });
  let attacks: AttackResult[] = [];
  if (ev.attacks.length > 0) {
    if (!data.holdout) throw new Error('attacks need a real holdout; the runner keeps one when evaluation.attacks is set');
    attacks = runAttacks({
      train: data.train,
      holdout: data.holdout,
      synthetic: synthTrain,
      attacks: ev.attacks,
      nominalEpsilon: input.nominalEpsilon,
      rng: rng.fork('attacks'),
      options: {
        delta: input.nominalEpsilon === null ? 0 : input.delta,
        distance: ev.attack_options?.distance,
        members: ev.attack_options?.members,
        tcap: ev.attack_options?.tcap,
        domias: ev.attack_options?.domias && {
          pcaDims: ev.attack_options.domias.pca_dims,
          bandwidth: ev.attack_options.domias.bandwidth,
          maxTargets: ev.attack_options.domias.max_targets,
        },
      },
    });
  }
  const extras = chartExtras(data, synthTrain);
  if (dpLedgers.size) extras.dpClassifiers = [...dpLedgers.values()];
  return { utility, metrics, attacks, extras };
}

/** The ledgers of a DP classifier's fits in one cell (one per holdout fit or CV fold): the first fit's entries. */
export interface DpClassifierLedger {
  classifier: string;
  fits: number;
  budget: { epsilon: number; delta: number };
  /** Largest ε spent by any of the fits (each is within its own budget). */
  maxSpent: number;
  entries: LedgerEntry[];
}

/** Aggregates for the report's comparison charts (marginals, correlations, series bands). */
function chartExtras(data: CellData, synth: Table): Record<string, unknown> {
  if (data.series) {
    const steps = Array.from({ length: data.series.length }, (_, i) => `${data.series!.prefix}${i}`);
    return { series: computeSeriesBands(data.train, synth, { steps, byTarget: true }) };
  }
  return {
    marginals: computeMarginals(data.train, synth, { columns: data.train.names.slice(0, 12) }),
    correlation: computeCorrelation(data.train, synth, { maxColumns: 30 }),
  };
}
