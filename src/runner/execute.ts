/**
 * Run one cell: fit the generator under its privacy budget, sample, evaluate, and return the stored
 * result. Failures become a result with status "failed" and a one-line reason (no stack traces in
 * results); the next run retries them.
 */
import { Rng } from '../compute/rng.ts';
import type { Config } from '../config/schema.ts';
import type { Table } from '../data/table.ts';
import { createGenerator } from '../generators/registry.ts';
import type { PrivacySpec } from '../generators/types.ts';
import { Ledger } from '../privacy/ledger.ts';
import type { CellResult } from '../report/cell.ts';
import type { CellData } from './data.ts';
import { evaluateCell } from './evaluate.ts';
import type { PlannedCell } from './plan.ts';

export interface ExecuteContext {
  config: Config;
  data: CellData;
  backend: string;
  /** Called with short progress messages from the generator (epoch, loss, ε). */
  progress?: (message: string) => void;
}

export async function executeCell(cell: PlannedCell, ctx: ExecuteContext): Promise<CellResult> {
  const startedAt = new Date().toISOString();
  const { config, data } = ctx;
  const rng = new Rng(cell.seed).fork(cell.id);
  const privacy: PrivacySpec = {
    mechanism: cell.mechanism as PrivacySpec['mechanism'],
    epsilon: cell.epsilon ?? Infinity,
    delta: cell.delta,
    accountant: cell.accountant as PrivacySpec['accountant'],
  };
  const ledger = new Ledger({ epsilon: privacy.epsilon, delta: cell.delta });
  const { options: _o, datasetConfig: _d, ...specRest } = cell;
  const spec = { ...specRest, options: cell.options };
  const base: CellResult = {
    spec,
    status: 'ok',
    utility: [],
    metrics: [],
    attacks: [],
    cost: { fitSeconds: 0, sampleSeconds: 0, evalSeconds: 0, peakRssMB: 0, backend: ctx.backend },
    rows: { train: data.train.nrows, test: data.test.nrows, synthetic: 0 },
    startedAt,
    finishedAt: startedAt,
  };
  try {
    const generator = createGenerator(cell.generator, cell.options);
    let t = performance.now();
    const fit = await generator.fit(data.train, {
      rng: rng.fork('fit'),
      privacy,
      ledger,
      progress: (done, total, message) => ctx.progress?.(`${total ? `${done}/${total}` : done}${message ? ` ${message}` : ''}`),
    });
    base.fit = fit;
    base.ledger = ledger.toJSON();
    base.cost.fitSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const nSyn = config.evaluation.synthetic_rows ?? data.train.nrows;
    const synthTrain = withMeta(await generator.sample(nSyn, rng.fork('sample')), data.train);
    const synthTest = config.evaluation.settings.includes('TSTS')
      ? withMeta(await generator.sample(data.test.nrows, rng.fork('sample-test')), data.train)
      : undefined;
    base.cost.sampleSeconds = (performance.now() - t) / 1000;
    base.rows.synthetic = synthTrain.nrows;
    t = performance.now();
    const ev = await evaluateCell({ config, data, synthTrain, synthTest, rng: rng.fork('eval'), nominalEpsilon: cell.epsilon, delta: cell.delta, seed: cell.seed });
    base.utility = ev.utility;
    base.metrics = ev.metrics;
    base.attacks = ev.attacks;
    base.extras = ev.extras;
    base.cost.evalSeconds = (performance.now() - t) / 1000;
  } catch (e) {
    base.status = 'failed';
    base.error = (e as Error).message ?? String(e);
    base.ledger = ledger.toJSON();
  }
  base.cost.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  base.finishedAt = new Date().toISOString();
  return base;
}

/** Synthetic tables carry the real table's target, positive class and public schema. */
function withMeta(synth: Table, real: Table): Table {
  return synth.withMeta({ target: real.meta.target, positive: real.meta.positive, schema: real.meta.schema });
}
