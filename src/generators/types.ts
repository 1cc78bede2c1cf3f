/**
 * The generator contract (DESIGN.md §3). A generator owns its encoding of the table (each architecture
 * needs its own: min-max/one-hot for GANs, mode-specific normalisation for CTGAN, dequantised one-hot for
 * the INN) built from src/data/transform; privacy is a plug-in chosen by `PrivacySpec.mechanism`.
 */
import type { Rng } from '../compute/rng.ts';
import type { Table } from '../data/table.ts';
import type { Ledger } from '../privacy/ledger.ts';

export type Mechanism = 'none' | 'dpsgd' | 'pate' | 'laplace' | 'gaussian';

export interface PrivacySpec {
  mechanism: Mechanism;
  /** Target ε for the whole cell (Infinity when mechanism is none). */
  epsilon: number;
  delta: number;
  accountant: 'rdp' | 'pld';
}

export interface FitOptions {
  rng: Rng;
  privacy: PrivacySpec;
  /** Every release of information about the real rows is recorded here; it throws before overspending. */
  ledger: Ledger;
  /** Progress callback (epoch/iteration, total if known, a short message). */
  progress?: (done: number, total: number | undefined, message?: string) => void;
}

export interface FitReport {
  epochs?: number;
  steps?: number;
  /** ε spent by training, by which accountant, and its noise parameters. */
  epsilon?: number;
  delta?: number;
  accountant?: string;
  sigma?: number;
  lambda?: number;
  teachers?: number;
  /** Loss curves by name, one value per epoch/iteration. */
  losses?: Record<string, number[]>;
  seconds: number;
  backend?: string;
  /** Why training ended: "epochs" (ran to completion), "budget" (stopped before exceeding ε), ... */
  stopped?: string;
  [key: string]: unknown;
}

export interface Generator {
  readonly name: string;
  fit(train: Table, opts: FitOptions): Promise<FitReport>;
  sample(n: number, rng: Rng): Promise<Table>;
}

/** Options come from the config (generator block), validated by each generator's own zod schema. */
export type GeneratorFactory = (options: Record<string, unknown>) => Generator;

export interface GeneratorInfo {
  name: string;
  description: string;
  /** Privacy mechanisms this generator supports. */
  mechanisms: Mechanism[];
  /** Alias → base generator with a fixed mechanism (dpgan = gan + dpsgd). */
  aliasOf?: { base: string; mechanism: Mechanism };
  create: GeneratorFactory;
}
