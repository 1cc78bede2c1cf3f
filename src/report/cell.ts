/**
 * The stored result of one cell (reports/<name>/cells/<id>.json). Written by the runner, read by the
 * report; everything a report shows comes from here.
 */
import type { FitReport } from '../generators/types.ts';
import type { AttackResult, MetricValue, UtilityScore } from '../eval/types.ts';
import type { Budget, LedgerEntry } from '../privacy/ledger.ts';

export interface CellSpec {
  id: string;
  dataset: string;
  generator: string;
  /** Generator options as configured (after defaults). */
  options: Record<string, unknown>;
  mechanism: string;
  /** Target ε (null when the mechanism is "none"). */
  epsilon: number | null;
  delta: number;
  accountant: string;
  seed: number;
}

export interface CellResult {
  spec: CellSpec;
  status: 'ok' | 'failed';
  error?: string;
  fit?: FitReport;
  ledger?: { budget: Budget; spent: Budget; entries: LedgerEntry[] };
  utility: UtilityScore[];
  metrics: MetricValue[];
  attacks: AttackResult[];
  cost: { fitSeconds: number; sampleSeconds: number; evalSeconds: number; peakRssMB: number; backend: string };
  rows: { train: number; test: number; synthetic: number };
  startedAt: string;
  finishedAt: string;
  /** Extra per-generator artefacts for charts (e.g. series bands), small and aggregated only. */
  extras?: Record<string, unknown>;
}
