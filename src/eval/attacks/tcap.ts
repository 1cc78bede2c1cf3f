/**
 * Attribute disclosure: TCAP, the targeted correct attribution probability (Elliot 2014; Taub et al.
 * 2018; metrics.md). For key variables K and a sensitive target T: take the synthetic records whose key
 * class is pure in the synthetic data (every synthetic record with that K has the same T — WEAP = 1); for
 * each, the share of real training records with the same K that also have that T. TCAP = mean over
 * those synthetic records; synthetic keys absent from the real data are left out (counted in `unmatched`).
 * `value` = TCAP against the training rows; `holdoutValue` = the same against the holdout (what the
 * synthetic data would reveal about people it was not trained on — the generalisation control);
 * `baseline` = Σ_t p(t)², the hit rate of guessing T from its training marginal.
 *
 * Membership fields: the same inference used as a membership classifier — a real record's score is the
 * synthetic data's (smoothed) conditional probability of its true T given its K,
 * (n_syn(K,T) + π_syn(T)) / (n_syn(K) + 1); members vs holdout non-members.
 *
 * Threat model: the attacker knows the key values of a target person and holds the synthetic data; the
 * membership variant also assumes the person's true T, to test whether synthetic data reproduce it more
 * often for training members. Numeric key/target columns: integer columns compared exactly (rounded),
 * other numerics in `bins` equal-width bins over declared bounds (or the real rows' range).
 */
import type { Table } from '../../data/table.ts';
import type { AttackResult } from '../types.ts';
import type { AttackContext } from './context.ts';
import { elapsed, membershipResult } from './result.ts';

export function defaultTcapKeys(t: Table, target: string): string[] {
  if (['age', 'sex', 'race'].every((c) => t.has(c))) return ['age', 'sex', 'race'];
  const cats = t.columns.filter((c) => c.kind === 'categorical' && c.name !== target).map((c) => c.name);
  if (cats.length > 0) return cats.slice(0, 3);
  // All-numeric tables (e.g. series): the first three columns, binned.
  const rest = t.names.filter((n) => n !== target);
  if (rest.length === 0) throw new Error('attacks: tcap needs key columns besides the target; set tcap.keys');
  return rest.slice(0, 3);
}

function discretizer(real: Table, name: string, bins: number): (t: Table) => string[] {
  const col = real.column(name);
  if (col.kind === 'categorical') {
    return (t) => {
      const c = t.categorical(name);
      return Array.from(c.codes, (k) => c.levels[k]);
    };
  }
  if (col.integer) {
    return (t) => Array.from(t.numeric(name).values, (v) => String(Math.round(v)));
  }
  const s = real.meta.schema?.find((x) => x.name === name);
  let lo = s?.min ?? Infinity;
  let hi = s?.max ?? -Infinity;
  if (s?.min === undefined || s?.max === undefined) {
    for (const v of col.values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const width = hi > lo ? (hi - lo) / bins : 1;
  return (t) =>
    Array.from(t.numeric(name).values, (v) => {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
      return `bin${b}`;
    });
}

interface Encoded {
  key: string[];
  target: string[];
}

export function tcap(ctx: AttackContext): AttackResult {
  const t0 = performance.now();
  const opts = ctx.options.tcap ?? {};
  const real = ctx.train;
  const target = opts.target ?? real.meta.target;
  if (!target) throw new Error('attacks: tcap needs a target column; set tcap.target (the table declares none)');
  if (!real.has(target)) throw new Error(`attacks: tcap.target "${target}" is not a column (columns: ${real.names.join(', ')})`);
  const keys = opts.keys ?? defaultTcapKeys(real, target);
  if (keys.length === 0) throw new Error('attacks: tcap.keys is empty');
  for (const k of keys) {
    if (!real.has(k)) throw new Error(`attacks: tcap key "${k}" is not a column (columns: ${real.names.join(', ')})`);
    if (k === target) throw new Error(`attacks: tcap target "${target}" is also listed as a key`);
  }
  const bins = opts.bins ?? 10;
  if (!(Number.isInteger(bins) && bins >= 2)) throw new Error(`attacks: tcap.bins must be an integer ≥ 2, got ${bins}`);
  const keyD = keys.map((k) => discretizer(real, k, bins));
  const targetD = discretizer(real, target, bins);
  const encode = (t: Table): Encoded => {
    const parts = keyD.map((f) => f(t));
    const key = new Array<string>(t.nrows);
    for (let i = 0; i < t.nrows; i++) key[i] = parts.map((p) => p[i]).join('\u0001');
    return { key, target: targetD(t) };
  };
  const syn = encode(ctx.synthetic);
  const tr = encode(real);
  const ho = encode(ctx.holdout);

  const synStats = classStats(syn);
  const trStats = classStats(tr);
  const hoStats = classStats(ho);
  const tcapOn = (realStats: Map<string, Map<string, number>>) => {
    let sum = 0;
    let used = 0;
    let unmatched = 0;
    let pure = 0;
    for (let i = 0; i < syn.key.length; i++) {
      const cls = synStats.get(syn.key[i])!;
      if (cls.size !== 1) continue; // WEAP < 1: the synthetic data do not pin T down for this key
      pure++;
      const r = realStats.get(syn.key[i]);
      if (!r) {
        unmatched++;
        continue;
      }
      let total = 0;
      for (const c of r.values()) total += c;
      sum += (r.get(syn.target[i]) ?? 0) / total;
      used++;
    }
    return { value: used > 0 ? sum / used : null, used, unmatched, pure };
  };
  const onTrain = tcapOn(trStats);
  const onHoldout = tcapOn(hoStats);

  // Training marginal of T: the guessing baseline.
  const marg = new Map<string, number>();
  for (const t of tr.target) marg.set(t, (marg.get(t) ?? 0) + 1);
  let baseline = 0;
  for (const c of marg.values()) baseline += (c / tr.target.length) ** 2;

  // Membership variant: the synthetic conditional probability of a record's own T given its K.
  const synMarg = new Map<string, number>();
  for (const t of syn.target) synMarg.set(t, (synMarg.get(t) ?? 0) + 1);
  const levels = new Set([...synMarg.keys(), ...marg.keys()]).size;
  const prior = (t: string) => ((synMarg.get(t) ?? 0) + 1) / (syn.target.length + levels);
  const score = (e: Encoded) => {
    const out = new Float64Array(e.key.length);
    for (let i = 0; i < e.key.length; i++) {
      const cls = synStats.get(e.key[i]);
      let n = 0;
      let hit = 0;
      if (cls) {
        for (const c of cls.values()) n += c;
        hit = cls.get(e.target[i]) ?? 0;
      }
      out[i] = (hit + prior(e.target[i])) / (n + 1);
    }
    return out;
  };
  const sm = score(encode(ctx.members));
  const sn = score(encode(ctx.nonMembers));
  const reason =
    onTrain.value === null
      ? onTrain.pure === 0
        ? 'no synthetic key class is pure in the target (WEAP = 1 never holds): TCAP undefined'
        : 'no pure synthetic key class occurs in the real data: TCAP undefined'
      : undefined;
  return membershipResult('tcap', ctx, sm, sn, elapsed(t0), {
    value: onTrain.value,
    holdoutValue: onHoldout.value,
    baseline,
    keys,
    target,
    pureSynthetic: onTrain.pure,
    matched: onTrain.used,
    unmatched: onTrain.unmatched,
    ...(reason ? { reason } : {}),
  });
}

function classStats(e: Encoded): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (let i = 0; i < e.key.length; i++) {
    let c = m.get(e.key[i]);
    if (!c) m.set(e.key[i], (c = new Map()));
    c.set(e.target[i], (c.get(e.target[i]) ?? 0) + 1);
  }
  return m;
}
