/** Evaluation of one cell: utility (TRTR/TSTR/TSTS), fidelity metrics and attacks, as configured. */
import type { Rng } from '../compute/rng.ts';
import type { Config } from '../config/schema.ts';
import type { Table } from '../data/table.ts';
import { runAttacks } from '../eval/attacks/index.ts';
import { expandClassifiers } from '../eval/classifiers/index.ts';
import { evaluateSynthetic } from '../eval/evaluate.ts';
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
}

export interface Evaluation {
  utility: UtilityScore[];
  metrics: MetricValue[];
  attacks: AttackResult[];
  extras?: Record<string, unknown>;
}

export async function evaluateCell(input: EvaluateInput): Promise<Evaluation> {
  const { config, data, synthTrain, synthTest, rng } = input;
  const ev = config.evaluation;
  // DP classifiers: bare names get their ε from evaluation.classifier_epsilon; each fit's ledger is kept.
  const { classifiers, epsilon } = expandClassifiers(ev.classifiers, ev.classifier_epsilon, input.nominalEpsilon);
  const dpLedgers = new Map<string, DpClassifierLedger>();
  const { utility, metrics } = evaluateSynthetic({
    realTrain: data.train,
    realTest: data.test,
    synthTrain,
    synthTest,
    classifiers,
    classifierContext: {
      dp: {
        epsilon,
        delta: input.delta,
        accountant: config.privacy.accountant,
        onLedger: (name, ledger) => {
          const e = dpLedgers.get(name);
          if (e) {
            e.fits++;
            e.maxSpent = Math.max(e.maxSpent, ledger.spent.epsilon);
          } else dpLedgers.set(name, { classifier: name, fits: 1, budget: ledger.budget, maxSpent: ledger.spent.epsilon, entries: ledger.entries });
        },
      },
    },
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
