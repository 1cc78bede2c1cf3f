/**
 * `bench privacy epsilon | sigma | steps | pate` — the accountants from the command line. Parsing and
 * printing only; the work is in src/privacy. `--json` prints {"epsilon", "sigma", "accountant", "order", …}.
 *
 *   bench privacy epsilon --q 0.01 --sigma 1 --steps 1000 --delta 1e-5 --accountant rdp
 *   bench privacy sigma --q 0.01 --steps 1000 --epsilon 1 --delta 1e-5
 *   bench privacy steps --q 0.01 --sigma 1.2 --epsilon 1 --delta 1e-5
 *   bench privacy pate --lambda 0.1 --gaps 10,8,0,4 --delta 1e-5
 *   bench privacy gnmax --queries 102400 --epsilon 1 --delta 1e-5
 */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { type AccountantKind, dpsgdEpsilon } from '../privacy/accountant.ts';
import { calibrateSigma, maxSteps } from '../privacy/calibrate.ts';
import { calibrateGnmaxSigma, gnmaxBinaryEpsilon, PateMomentsAccountant, pateDataIndependentEpsilon, voteGap } from '../privacy/pate.ts';
import type { Sampling } from '../privacy/rdp.ts';

export interface PrivacyCliResult {
  epsilon: number;
  sigma: number | null;
  accountant: string;
  order: number | null;
  delta: number;
  q?: number;
  steps?: number;
  lambda?: number;
  queries?: number;
  /** PATE: the data-independent ε for comparison. */
  dataIndependentEpsilon?: number;
  fallbackQueries?: number;
}

function userError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  return Object.assign(new Error(`bench privacy: ${err.message}`), { name: 'UserError' });
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw userError(e);
  }
}

function positiveInt(v: number, name: string): number {
  if (!(Number.isInteger(v) && v >= 1)) throw userError(new Error(`--${name} must be a positive integer, got ${v}`));
  return v;
}

export interface DpsgdArgs {
  q: number;
  delta: number;
  accountant?: AccountantKind;
  sampling?: Sampling;
}

export function privacyEpsilon(a: DpsgdArgs & { sigma: number; steps: number }): PrivacyCliResult {
  positiveInt(a.steps, 'steps');
  return wrap(() => {
    const r = dpsgdEpsilon({ q: a.q, sigma: a.sigma, steps: a.steps, delta: a.delta, accountant: a.accountant ?? 'pld', sampling: a.sampling });
    return { epsilon: r.epsilon, sigma: a.sigma, accountant: r.accountant, order: r.order ?? null, delta: a.delta, q: a.q, steps: a.steps };
  });
}

export function privacySigma(a: DpsgdArgs & { epsilon: number; steps: number }): PrivacyCliResult {
  positiveInt(a.steps, 'steps');
  return wrap(() => {
    const r = calibrateSigma({ q: a.q, steps: a.steps, epsilon: a.epsilon, delta: a.delta, accountant: a.accountant ?? 'pld', sampling: a.sampling });
    return { epsilon: r.epsilon, sigma: r.sigma, accountant: r.accountant, order: r.order ?? null, delta: a.delta, q: a.q, steps: a.steps };
  });
}

export function privacySteps(a: DpsgdArgs & { epsilon: number; sigma: number }): PrivacyCliResult {
  return wrap(() => {
    const r = maxSteps({ q: a.q, sigma: a.sigma, epsilon: a.epsilon, delta: a.delta, accountant: a.accountant ?? 'pld', sampling: a.sampling });
    return { epsilon: r.epsilon, sigma: a.sigma, accountant: r.accountant, order: r.order ?? null, delta: a.delta, q: a.q, steps: r.steps };
  });
}

/**
 * Vote gaps from JSON text: an array of gaps (numbers), of per-query vote counts ([n0, n1, …]), or an object
 * {"votes": [...]} of either.
 */
export function parseVotes(text: string, source = 'votes'): number[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw userError(new Error(`${source}: not valid JSON (${(e as Error).message})`));
  }
  if (data && typeof data === 'object' && !Array.isArray(data) && 'votes' in data) data = (data as { votes: unknown }).votes;
  if (!Array.isArray(data)) throw userError(new Error(`${source}: expected an array of vote gaps or of vote counts per query`));
  return data.map((q, i) => {
    if (typeof q === 'number' && q >= 0) return q;
    if (Array.isArray(q) && q.length >= 2 && q.every((v) => typeof v === 'number' && v >= 0)) return voteGap(q as number[]);
    throw userError(new Error(`${source}: query ${i} is neither a non-negative gap nor an array of vote counts: ${JSON.stringify(q)}`));
  });
}

export function parseGaps(s: string): number[] {
  const gaps = s.split(',').map((t) => Number(t.trim()));
  gaps.forEach((g, i) => {
    if (!(g >= 0)) throw userError(new Error(`--gaps: item ${i + 1} ("${s.split(',')[i]}") is not a non-negative number`));
  });
  return gaps;
}

export function privacyPate(a: { lambda: number; gaps: number[]; delta: number; moments?: number }): PrivacyCliResult {
  return wrap(() => {
    const acc = new PateMomentsAccountant({ lambda: a.lambda, moments: a.moments });
    for (const g of a.gaps) acc.addGap(g);
    const s = acc.spent(a.delta);
    const ind = pateDataIndependentEpsilon(a.gaps.length, a.lambda, a.delta, acc.moments);
    return {
      epsilon: s.epsilon,
      sigma: null,
      accountant: s.accountant,
      order: s.order,
      delta: a.delta,
      lambda: a.lambda,
      queries: s.queries,
      dataIndependentEpsilon: Math.min(ind.epsilon, ind.pureEpsilon),
      fallbackQueries: acc.fallbackQueries,
    };
  });
}

/**
 * Two-class GNMax / bounded-vote PATE answers (pategan's default): ε of `queries` answers at noise σ per vote count,
 * or the σ that fits them in --epsilon — one composed Gaussian mechanism, exact (gnmaxBinaryEpsilon).
 */
export function privacyGnmax(a: { queries: number; delta: number; sigma?: number; epsilon?: number }): PrivacyCliResult {
  return wrap(() => {
    const queries = positiveInt(a.queries, 'queries');
    if ((a.sigma === undefined) === (a.epsilon === undefined)) throw new Error('give exactly one of --sigma or --epsilon');
    const sigma = a.sigma ?? calibrateGnmaxSigma(queries, a.epsilon!, a.delta);
    return { epsilon: gnmaxBinaryEpsilon(queries, sigma, a.delta), sigma, accountant: 'gnmax (exact Gaussian composition)', order: null, delta: a.delta, queries };
  });
}

export function formatPrivacyResult(r: PrivacyCliResult, json: boolean): string {
  // JSON has no Infinity: an unbounded ε (no finite ε meets δ) is written as the string "Infinity".
  if (json) return JSON.stringify(r, (_k, v) => (v === Infinity ? 'Infinity' : v));
  const parts = [`ε = ${r.epsilon === Infinity ? '∞' : r.epsilon.toPrecision(6)} at δ = ${r.delta}`];
  if (r.sigma !== null) parts.push(`σ = ${r.sigma.toPrecision(6)}`);
  if (r.q !== undefined) parts.push(`q = ${r.q}`);
  if (r.steps !== undefined) parts.push(`steps = ${r.steps}`);
  if (r.lambda !== undefined) parts.push(`λ = ${r.lambda}`);
  if (r.queries !== undefined) parts.push(`queries = ${r.queries}`);
  parts.push(`accountant ${r.accountant}${r.order !== null ? ` (order ${r.order})` : ''}`);
  let s = parts.join(', ');
  if (r.dataIndependentEpsilon !== undefined) {
    s += `\ndata-independent ε = ${r.dataIndependentEpsilon.toPrecision(6)}; ${r.fallbackQueries} queries used the data-independent bound`;
  }
  return s;
}

const common = (y: Argv) =>
  y
    .option('q', { type: 'number', demandOption: true, describe: 'sampling rate (expected batch size / rows)' })
    .option('delta', { type: 'number', demandOption: true, describe: 'target δ' })
    .option('accountant', { choices: ['pld', 'rdp'] as const, default: 'pld' as const, describe: 'pld (tighter, default) or rdp (Opacus-compatible)' })
    .option('sampling', { choices: ['poisson', 'fixed'] as const, default: 'poisson' as const, describe: 'Poisson batches, or fixed-size without replacement (rdp only)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' });

const epsilonCmd: CommandModule = {
  command: 'epsilon',
  describe: 'ε of DP-SGD after --steps steps at rate --q and noise multiplier --sigma',
  builder: (y) => common(y).option('sigma', { type: 'number', demandOption: true }).option('steps', { type: 'number', demandOption: true }),
  handler: (argv) => {
    const r = privacyEpsilon(argv as unknown as DpsgdArgs & { sigma: number; steps: number });
    console.log(formatPrivacyResult(r, argv.json as boolean));
  },
};

const sigmaCmd: CommandModule = {
  command: 'sigma',
  describe: 'noise multiplier σ that reaches --epsilon at --delta after --steps steps at rate --q',
  builder: (y) => common(y).option('epsilon', { type: 'number', demandOption: true }).option('steps', { type: 'number', demandOption: true }),
  handler: (argv) => {
    const r = privacySigma(argv as unknown as DpsgdArgs & { epsilon: number; steps: number });
    console.log(formatPrivacyResult(r, argv.json as boolean));
  },
};

const stepsCmd: CommandModule = {
  command: 'steps',
  describe: 'how many steps at rate --q and noise --sigma fit the budget --epsilon at --delta',
  builder: (y) => common(y).option('epsilon', { type: 'number', demandOption: true }).option('sigma', { type: 'number', demandOption: true }),
  handler: (argv) => {
    const r = privacySteps(argv as unknown as DpsgdArgs & { epsilon: number; sigma: number });
    console.log(formatPrivacyResult(r, argv.json as boolean));
  },
};

const pateCmd: CommandModule = {
  command: 'pate',
  describe: 'PATE-GAN moments accountant (Laplace scale 1/λ) over teacher vote gaps',
  builder: (y) =>
    y
      .option('lambda', { type: 'number', demandOption: true, describe: 'inverse Laplace noise scale λ' })
      .option('votes', { type: 'string', describe: 'JSON file: array of vote gaps or of per-query vote counts' })
      .option('gaps', { type: 'string', describe: 'comma-separated vote gaps |n0 − n1|' })
      .option('delta', { type: 'number', demandOption: true })
      .option('moments', { type: 'number', default: 20, describe: 'number of moments L (PATE-GAN: 20)' })
      .option('json', { type: 'boolean', default: false })
      .check((a) => {
        if (!a.votes === !a.gaps) throw new Error('give exactly one of --votes FILE or --gaps LIST');
        return true;
      }),
  handler: (argv) => {
    let gaps: number[];
    if (argv.votes) {
      const path = argv.votes as string;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw userError(new Error(`${path}: cannot read (${(e as Error).message})`));
      }
      gaps = parseVotes(text, path);
    } else gaps = parseGaps(argv.gaps as string);
    const r = privacyPate({ lambda: argv.lambda as number, gaps, delta: argv.delta as number, moments: argv.moments as number });
    console.log(formatPrivacyResult(r, argv.json as boolean));
  },
};

const gnmaxCmd: CommandModule = {
  command: 'gnmax',
  describe: 'PATE with Gaussian votes (pategan default): ε of --queries answers at --sigma, or the σ that fits --epsilon',
  builder: (y) =>
    y
      .option('queries', { type: 'number', demandOption: true, describe: 'number of answered queries (iterations × query_batch)' })
      .option('sigma', { type: 'number', describe: 'noise std per vote count' })
      .option('epsilon', { type: 'number', describe: 'target ε (prints the calibrated σ)' })
      .option('delta', { type: 'number', demandOption: true })
      .option('json', { type: 'boolean', default: false }),
  handler: (argv) => {
    const r = privacyGnmax({ queries: argv.queries as number, delta: argv.delta as number, sigma: argv.sigma as number | undefined, epsilon: argv.epsilon as number | undefined });
    console.log(formatPrivacyResult(r, argv.json as boolean));
  },
};

export const privacyCommand: CommandModule = {
  command: 'privacy <command>',
  describe: 'Privacy accounting: ε for DP-SGD, σ for a target ε, steps that fit, PATE from vote gaps',
  builder: (y) =>
    y
      .command(epsilonCmd)
      .command(sigmaCmd)
      .command(stepsCmd)
      .command(pateCmd)
      .command(gnmaxCmd)
      .demandCommand(1, 'name a privacy command: epsilon, sigma, steps, pate or gnmax')
      .example('$0 privacy epsilon --q 0.01 --sigma 1 --steps 1000 --delta 1e-5 --accountant rdp', 'ε = 2.10137 (Opacus RDP)')
      .example('$0 privacy sigma --q 0.01 --steps 1000 --epsilon 1 --delta 1e-5 --json', 'σ for ε = 1'),
  handler: () => {},
};
