/**
 * Constructed cell results with known numbers for the report tests (and the README screenshot's demo run).
 * Every value is a closed-form function of (generator index, ε, seed, classifier index), so a test can
 * recompute what a table or chart must show.
 */
import type { CellResult } from '../src/report/cell.ts';
import type { CellExtras } from '../src/report/extras.ts';
import type { RunManifest } from '../src/runner/store.ts';
import { RunStore } from '../src/runner/store.ts';

export interface FixtureOptions {
  datasets?: string[];
  generators?: string[];
  epsilons?: number[];
  seeds?: number[];
  classifiers?: string[];
  nonPrivate?: boolean;
  utility?: boolean;
  attacks?: boolean;
  metrics?: boolean;
  losses?: boolean;
  extras?: boolean;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** TSTR AUC of generator gi at ε (null = non-private), seed s, classifier ci. */
export function tstrAuc(gi: number, eps: number | null, s: number, ci: number): number {
  const e = eps ?? 1e6;
  return r4(0.6 + (0.25 * e) / (e + 1) - 0.03 * gi + 0.01 * s - 0.02 * ci);
}
export const trtrAuc = (s: number, ci: number) => r4(0.9 - 0.02 * ci + 0.001 * s);
export const dcrShare = (gi: number, eps: number | null, s: number) => r4(0.5 + (0.1 * (eps ?? 1e6)) / ((eps ?? 1e6) + 10) + 0.005 * s + 0.002 * gi);
export const miaAuc = (gi: number, eps: number | null, s: number) => r4(0.5 + (0.08 * (eps ?? 1e6)) / ((eps ?? 1e6) + 5) + 0.004 * s + 0.003 * gi);
export const pmse = (gi: number, eps: number | null, s: number) => r4(0.2 / (1 + (eps ?? 1e3)) + 0.001 * gi + 0.0005 * s);

const COLUMNS = ['age', 'workclass', 'hours', 'income'];

function extrasFor(dataset: string, gi: number, eps: number | null, s: number): CellExtras {
  const w = (eps ?? 1e6) / ((eps ?? 1e6) + 1); // 0 → noise, 1 → faithful
  const realAge = [0.05, 0.12, 0.18, 0.2, 0.16, 0.12, 0.08, 0.05, 0.03, 0.01];
  const flat = realAge.map(() => 0.1);
  const age = realAge.map((p, i) => r4(w * p + (1 - w) * flat[i]));
  const realWork = [0.7, 0.15, 0.1, 0.05];
  const work = realWork.map((p) => r4(w * p + (1 - w) * 0.25));
  const n = COLUMNS.length;
  const real = COLUMNS.map((_, i) => COLUMNS.map((__, j) => (i === j ? 1 : r4(0.6 / (1 + Math.abs(i - j))))));
  const syn = real.map((row, i) => row.map((v, j) => (i === j ? 1 : r4(v * w + 0.01 * gi + 0.005 * s))));
  const extras: CellExtras = {
    marginals: [
      { column: 'age', kind: 'numeric', edges: Array.from({ length: 11 }, (_, i) => 17 + i * 7.3), real: realAge, synthetic: age },
      { column: 'workclass', kind: 'categorical', levels: ['Private', 'Self-emp', 'Gov', '?'], real: realWork, synthetic: work },
    ],
    correlation: { method: 'associations', columns: COLUMNS.slice(0, n), real, synthetic: syn },
  };
  if (/ecg|series/.test(dataset)) {
    const steps = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const mean = steps.map((_, i) => r4(Math.sin(i / 4)));
    const std = steps.map(() => 0.3);
    extras.series = [
      { group: 'all', steps, real: { mean, std, n: 500 }, synthetic: { mean: mean.map((m) => r4(m * w)), std: std.map((x) => r4(x + 0.2 * (1 - w))), n: 500 } },
      { group: 'label=1', steps, real: { mean, std, n: 292 }, synthetic: { mean: mean.map((m) => r4(m * w * 0.9)), std, n: 290 } },
    ];
  }
  return extras;
}

export function fixtureCells(o: FixtureOptions = {}): CellResult[] {
  const datasets = o.datasets ?? ['adult'];
  const generators = o.generators ?? ['dpgan', 'pategan', 'independent'];
  const epsilons = o.epsilons ?? [0.1, 1, 10];
  const seeds = o.seeds ?? [0, 1, 2];
  const classifiers = o.classifiers ?? ['logreg', 'rf'];
  const cells: CellResult[] = [];
  for (const dataset of datasets)
    generators.forEach((generator, gi) => {
      const budgets: (number | null)[] = [...epsilons, ...(o.nonPrivate === false ? [] : [null])];
      for (const eps of budgets)
        for (const seed of seeds) {
          const mechanism = eps === null ? 'none' : generator === 'independent' ? 'laplace' : generator === 'pategan' ? 'pate' : 'dpsgd';
          const id = `${dataset}__${generator}__${mechanism}__${eps === null ? 'nodp' : `eps${String(eps).replace('.', 'p')}`}__s${seed}`;
          const utility: CellResult['utility'] = [];
          if (o.utility !== false)
            classifiers.forEach((classifier, ci) => {
              for (const kind of ['baseline', 'cv'] as const)
                for (const setting of ['TRTR', 'TSTR', 'TSTS'] as const) {
                  const base = setting === 'TRTR' ? trtrAuc(seed, ci) : tstrAuc(gi, eps, seed, ci) + (setting === 'TSTS' ? 0.05 : 0);
                  const auc = r4(base + (kind === 'cv' ? 0.005 : 0));
                  // One deliberate null: F1 of the first generator at the smallest ε, seed 0, first classifier.
                  const nullF1 = gi === 0 && eps === epsilons[0] && seed === seeds[0] && ci === 0 && setting === 'TSTR' && kind === 'baseline';
                  utility.push({
                    setting, kind, classifier, auc,
                    accuracy: r4(auc - 0.05),
                    f1: nullF1 ? null : r4(auc - 0.2),
                    recall: r4(auc - 0.25),
                    fitSeconds: 0.1,
                    ...(nullF1 ? { reason: 'F1 undefined: no positive predictions' } : {}),
                  });
                }
            });
          const attacks: CellResult['attacks'] =
            o.attacks === false
              ? []
              : [
                  { attack: 'dcr-share', value: dcrShare(gi, eps, seed), auc: null, tprAt1: null, tprAt10: null, advantage: null, epsilonLower: null, seconds: 0.2, reason: 'DCR share has no ROC' },
                  { attack: 'closest-distance', auc: miaAuc(gi, eps, seed), tprAt1: 0.012, tprAt10: 0.11, advantage: r4(miaAuc(gi, eps, seed) - 0.5), epsilonLower: eps === null ? 1.5 : r4(Math.min(eps * 0.3, 1.2)), seconds: 0.3 },
                ];
          const metrics: CellResult['metrics'] =
            o.metrics === false
              ? []
              : [
                  { name: 'pmse', variant: 'logistic', value: pmse(gi, eps, seed) },
                  { name: 'pmse', variant: 'cart', value: r4(pmse(gi, eps, seed) * 2) },
                  { name: 'sra', value: r4((eps ?? 1e3) / ((eps ?? 1e3) + 1)) },
                  ...COLUMNS.map((c, k) => ({ name: 'tvd', variant: c, value: r4(0.3 / (1 + (eps ?? 1e3)) + 0.01 * k) })),
                ];
          const losses =
            o.losses === false || generator === 'independent'
              ? undefined
              : { generator: Array.from({ length: 300 }, (_, i) => r4(1 + Math.exp(-i / 60) + 0.01 * seed)), discriminator: Array.from({ length: 300 }, (_, i) => r4(0.7 - 0.2 * Math.exp(-i / 80))) };
          cells.push({
            spec: { id, dataset, generator, options: {}, mechanism, epsilon: eps, delta: 1e-5, accountant: 'pld', seed },
            status: 'ok',
            fit: { seconds: 1 + gi, epochs: losses ? 300 : undefined, ...(losses ? { losses } : {}), epsilon: eps ?? undefined },
            ledger: {
              budget: { epsilon: eps ?? Infinity, delta: 1e-5 },
              spent: { epsilon: eps === null ? 0 : eps * 0.98, delta: eps === null ? 0 : 1e-5 * 0.5 },
              entries:
                eps === null
                  ? []
                  : [
                      { what: 'declared domain: age', mechanism: 'public', epsilon: 0, delta: 0 },
                      { what: `training: ${mechanism}`, mechanism, epsilon: eps * 0.98, delta: 5e-6, accountant: 'pld', params: { sigma: 1.1, steps: 300 } },
                    ],
            },
            utility,
            metrics,
            attacks,
            cost: { fitSeconds: r4(1 + gi + (eps ?? 0) * 0.01), sampleSeconds: 0.05, evalSeconds: 0.5, peakRssMB: 200 + 50 * gi, backend: 'cpu' },
            rows: { train: 1000, test: 300, synthetic: 1000 },
            startedAt: '2026-01-01T00:00:00.000Z',
            finishedAt: '2026-01-01T00:00:05.000Z',
            ...(o.extras === false ? {} : { extras: extrasFor(dataset, gi, eps, seed) as Record<string, unknown> }),
          });
        }
    });
  return cells;
}

export function fixtureManifest(name: string, planned: string[]): RunManifest {
  return {
    name,
    configHash: 'abcdef123456',
    config: {} as RunManifest['config'],
    configFile: 'configs/demo.yaml',
    package: { name: 'dp-synth-bench', version: '0.1.0' },
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    backend: { name: 'cpu', reason: [] },
    versions: { node: '20.0.0', vega: '6.4.0' },
    cells: planned,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:10:00.000Z',
  };
}

/** A run directory holding the given cells, with `extraPlanned` ids planned but never stored (a partial run). */
export function writeFixtureRun(dir: string, cells: CellResult[], extraPlanned: string[] = [], name = 'fixture'): void {
  const store = new RunStore(dir);
  store.writeManifest(fixtureManifest(name, [...cells.map((c) => c.spec.id), ...extraPlanned]));
  for (const c of cells) store.writeCell(c);
}

// ---- INN generator variants (fit.pertinence, fit.autocorrelation) --------------------------------------------

export interface InnFixtureOptions {
  dataset?: string;
  /** Option sets of the `inn` entries (default: the pertinence filter on and off). */
  variants?: Record<string, unknown>[];
  epsilons?: number[];
  nonPrivate?: boolean;
  seeds?: number[];
}

/** Histogram edges of variant vi's pertinence scores: fixed under DP, shifted per seed without (like inn.ts). */
export const innEdges = (eps: number | null, seed: number) => Array.from({ length: 31 }, (_, i) => r4((eps === null ? -2 + 0.1 * seed : -1) + 0.1 * i));

/** fit.pertinence of variant vi at ε, seed: 15 bins of records inside the margin, 15 outside. */
export function innPertinence(vi: number, eps: number | null, seed: number, filter: boolean) {
  const edges = innEdges(eps, seed);
  const inside = edges.slice(0, -1).map((_, i) => (i < 15 ? 10 + i + seed : 0));
  const outside = edges.slice(0, -1).map((_, i) => (i >= 15 ? 30 - i + vi : 0));
  const passed = inside.reduce((a, b) => a + b, 0);
  const draws = passed + outside.reduce((a, b) => a + b, 0);
  const summary = (q50: number) => ({ n: 100, mean: q50, std: 0.2, min: q50 - 1, max: q50 + 1, q05: q50 - 0.5, q25: q50 - 0.2, q50, q75: q50 + 0.2, q95: q50 + 0.5 });
  return {
    filter,
    score: 'nll',
    unit: 'nats per encoded dimension',
    margin: edges[15],
    marginSource: eps === null ? 'quantile 0.95 of 400 training scores' : `DP quantile 0.95 of 400 training scores (ε=${eps / 10})`,
    ...(eps === null ? { real: summary(r4(-0.6 + 0.01 * seed)) } : {}),
    draws,
    passed,
    returned: filter ? passed : draws,
    rejectedNonFinite: 0,
    acceptanceRate: r4(passed / draws),
    inside: summary(r4(-0.5 + 0.01 * seed - 0.1 * vi)),
    outside: summary(r4(0.8 + 0.02 * seed)),
    histogram: { edges, inside, outside, ...(eps === null ? { real: edges.slice(0, -1).map((_, i) => (i < 20 ? 5 : 0)) } : {}) },
    byCondition: { '1': { draws: 100, passed: 80 + seed, acceptanceRate: (80 + seed) / 100 }, '2': { draws: 50, passed: 20 + vi, acceptanceRate: (20 + vi) / 50 } },
    ...(filter ? { filled: seed } : {}),
  };
}

export const innLags = Array.from({ length: 40 }, (_, i) => i + 1);
export const innAcReal = (lag: number) => r4(Math.exp(-lag / 10));
export const innAcSynthetic = (vi: number, seed: number, lag: number) => r4(Math.exp(-lag / (8 + vi + seed)));

/**
 * `inn` configured several ways (cells with the same generator name and different options, ids tagged per
 * variant as the planner does). Variant vi's numbers are fixtureCells' generator vi's: TSTR AUC tstrAuc(vi, ...),
 * MIA AUC miaAuc(vi, ...), so variants differ.
 */
export function innCells(o: InnFixtureOptions = {}): CellResult[] {
  const variants = o.variants ?? [{ filter: true }, { filter: false }];
  const cells = fixtureCells({ datasets: [o.dataset ?? 'ecg5000'], generators: variants.map((_, i) => `inn#${i}`), epsilons: o.epsilons ?? [1], nonPrivate: o.nonPrivate, seeds: o.seeds ?? [0, 1] });
  return cells.map((c) => {
    const vi = Number(c.spec.generator.split('#')[1]);
    const options = variants[vi];
    const filter = options.filter !== false;
    const { epsilon: eps, seed } = c.spec;
    return {
      ...c,
      spec: { ...c.spec, id: c.spec.id.replace(`inn#${vi}`, `inn-v${vi}`), generator: 'inn', options },
      fit: {
        ...c.fit!,
        pertinence: innPertinence(vi, eps, seed, filter),
        autocorrelation: { prefix: 't', lags: innLags, ...(eps === null ? { real: innLags.map(innAcReal) } : {}), synthetic: innLags.map((l) => innAcSynthetic(vi, seed, l)), syntheticRows: 400 },
      },
    };
  });
}
