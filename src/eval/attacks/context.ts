/**
 * What every attack of one cell shares: the holdout protocol (members = a random subset of the
 * generator's training rows, the same size as the holdout of non-members), the record space, and the
 * nearest-neighbour distances several attacks reuse (computed once, on first use).
 *
 * Holdout protocol: the runner keeps `holdout` out of training; here the larger of (train, holdout) is
 * subsampled so members and non-members are equally many (`options.members` caps both), which makes 0.5
 * the no-leak value of the DCR share and of every AUC.
 */
import type { Rng } from '../../compute/rng.ts';
import { Table } from '../../data/table.ts';
import { nearest, NeighbourIndex, type NearestResult } from './nn.ts';
import { MixedSpace, type DistanceKind, type EncodedRows } from './space.ts';

export interface DomiasOptions {
  /** Dimensions kept by PCA before the KDE (default 8; KDE degrades fast with dimension). */
  pcaDims?: number;
  /** KDE bandwidth rule (default scott, as scipy.stats.gaussian_kde). */
  bandwidth?: 'scott' | 'silverman';
  /** Rows used to fit the PCA basis (default 8000, a seeded subsample of reference ∪ synthetic). */
  pcaRows?: number;
  /**
   * Members scored, and as many non-members (default 5000, a seeded subsample; 0 = all). Exact KDE costs
   * O(targets × centres); 5000 a side keeps the AUC's standard error near 0.005.
   */
  maxTargets?: number;
}

export interface TcapOptions {
  /** Key (quasi-identifier) columns the attacker knows. Default: age, sex, race when present, else the first three categorical non-target columns (all-numeric tables: the first three columns, binned). */
  keys?: string[];
  /** Sensitive column to infer. Default: the table's target. */
  target?: string;
  /** Bins for non-integer numeric key/target columns (equal width over declared bounds or the real range). Default 10. */
  bins?: number;
}

export interface AttackOptions {
  /** Distance for DCR and closest-distance (same for every attack of a run). Default gower. */
  distance?: DistanceKind;
  /** Members and non-members attacked (default: the holdout size; the larger side is subsampled). */
  members?: number;
  /** DOMIAS reference sample (population data disjoint from train). Default: the holdout, leave-one-out. */
  reference?: Table;
  /** δ of the audited mechanism, used in the empirical ε bound. Default 0. */
  delta?: number;
  /** Clopper–Pearson level: bounds at alpha/2 each side. Default 0.05. */
  alpha?: number;
  domias?: DomiasOptions;
  tcap?: TcapOptions;
}

export interface AttackInput {
  /** All rows the generator was trained on. */
  train: Table;
  /** Real rows from the same population, never seen by the generator. */
  holdout: Table;
  synthetic: Table;
  attacks: string[];
  /** ε the cell was trained at (null for mechanism none); reported next to the empirical bound. */
  nominalEpsilon: number | null;
  rng: Rng;
  options?: AttackOptions;
}

export class AttackContext {
  readonly train: Table;
  readonly members: Table;
  readonly nonMembers: Table;
  readonly synthetic: Table;
  readonly options: AttackOptions;
  readonly nominalEpsilon: number | null;
  readonly rng: Rng;
  /** Row of `holdout` each non-member is (DOMIAS's default reference is the holdout, used leave-one-out). */
  readonly nonMemberRows: Int32Array;
  readonly holdout: Table;
  private cache = new Map<string, unknown>();

  constructor(input: AttackInput) {
    const { train, holdout, synthetic, rng } = input;
    const options = input.options ?? {};
    if (train.nrows === 0) throw new Error('attacks: the training table is empty');
    if (holdout.nrows === 0) throw new Error('attacks: the holdout table is empty (membership attacks need real non-members)');
    if (synthetic.nrows === 0) throw new Error('attacks: the synthetic table is empty');
    for (const name of train.names) {
      if (!holdout.has(name)) throw new Error(`attacks: holdout has no column "${name}"`);
      if (!synthetic.has(name)) throw new Error(`attacks: synthetic data has no column "${name}"`);
    }
    let m = Math.min(train.nrows, holdout.nrows);
    if (options.members !== undefined) {
      if (!(Number.isInteger(options.members) && options.members >= 1)) {
        throw new Error(`attacks: options.members must be a positive integer, got ${options.members}`);
      }
      m = Math.min(m, options.members);
    }
    this.train = train;
    this.holdout = holdout;
    this.members = m < train.nrows ? train.take(rng.fork('members').permutation(train.nrows).subarray(0, m)) : train;
    this.nonMemberRows = m < holdout.nrows ? rng.fork('non-members').permutation(holdout.nrows).subarray(0, m) : Int32Array.from({ length: m }, (_, i) => i);
    this.nonMembers = m < holdout.nrows ? holdout.take(this.nonMemberRows) : holdout;
    this.synthetic = synthetic;
    this.options = options;
    this.nominalEpsilon = input.nominalEpsilon;
    this.rng = rng;
  }

  private memo<T>(key: string, f: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }

  get distance(): DistanceKind {
    return this.options.distance ?? 'gower';
  }

  /** Record space fitted on the real rows (members ∪ non-members), shared by the distance attacks. */
  get space(): MixedSpace {
    return this.memo('space', () => MixedSpace.fit(Table.concat([this.members, this.nonMembers]), this.distance));
  }

  encoded(which: 'members' | 'nonMembers' | 'synthetic'): EncodedRows {
    return this.memo(`enc/${which}`, () => this.space.encode(this[which], which === 'nonMembers' ? 'holdout' : which));
  }

  private index(which: 'members' | 'nonMembers' | 'synthetic'): NeighbourIndex {
    return this.memo(`idx/${which}`, () => new NeighbourIndex(this.space, this.encoded(which)));
  }

  /** Distance from each row of `from` to its nearest row of `to`. */
  nearest(from: 'members' | 'nonMembers' | 'synthetic', to: 'members' | 'nonMembers' | 'synthetic'): NearestResult {
    return this.memo(`nn/${from}/${to}`, () => nearest(this.space, this.encoded(from), this.index(to)));
  }
}
