/** Evaluation of one cell: utility (TRTR/TSTR/TSTS), fidelity metrics and attacks, as configured. */
import type { Rng } from '../compute/rng.ts';
import type { Config } from '../config/schema.ts';
import type { Table } from '../data/table.ts';
import type { AttackResult, MetricValue, UtilityScore } from '../eval/types.ts';
import type { CellData } from './data.ts';

export interface EvaluateInput {
  config: Config;
  data: CellData;
  synthTrain: Table;
  synthTest?: Table;
  rng: Rng;
  nominalEpsilon: number | null;
}

export interface Evaluation {
  utility: UtilityScore[];
  metrics: MetricValue[];
  attacks: AttackResult[];
  extras?: Record<string, unknown>;
}

export async function evaluateCell(_input: EvaluateInput): Promise<Evaluation> {
  return { utility: [], metrics: [], attacks: [] };
}
