/**
 * Generator registry: one entry per architecture file, plus aliases that fix the privacy mechanism
 * (DESIGN.md §3: dpgan = gan+dpsgd, pategan = gan+pate, ...). Architectures register here when they land.
 */
import { identityInfo } from './baselines/identity.ts';
import { independentInfo } from './baselines/independent.ts';
import { uniformInfo } from './baselines/uniform.ts';
import { kanonInfo } from './baselines/kanon.ts';
import { ctganInfo, dpctganInfo, patectganInfo } from './ctgan.ts';
import { dpTvaeInfo, tvaeInfo } from './tvae.ts';
import { dpganInfo, ganInfo, pateganInfo } from './gan.ts';
import { dpInnInfo, innInfo } from './inn.ts';
import type { Generator, GeneratorInfo, Mechanism } from './types.ts';

const generators: GeneratorInfo[] = [identityInfo, uniformInfo, independentInfo, kanonInfo, innInfo, dpInnInfo, ganInfo, dpganInfo, pateganInfo, ctganInfo, dpctganInfo, patectganInfo, tvaeInfo, dpTvaeInfo];

export function registerGenerator(info: GeneratorInfo): void {
  if (generators.some((g) => g.name === info.name)) throw new Error(`generator "${info.name}" is already registered`);
  generators.push(info);
}

export function listGenerators(): GeneratorInfo[] {
  return [...generators];
}

export function getGeneratorInfo(name: string): GeneratorInfo {
  const g = generators.find((x) => x.name === name);
  if (!g) throw new Error(`unknown generator "${name}" (known: ${generators.map((x) => x.name).join(', ')})`);
  return g;
}

/** Resolve a configured name to the base architecture and the mechanism(s) it runs with. */
export function resolveGenerator(name: string, requested: Mechanism[] | undefined): { info: GeneratorInfo; base: GeneratorInfo; mechanisms: Mechanism[] } {
  const info = getGeneratorInfo(name);
  if (info.aliasOf) {
    return { info, base: getGeneratorInfo(info.aliasOf.base), mechanisms: [info.aliasOf.mechanism] };
  }
  const supported = (requested ?? []).filter((m) => info.mechanisms.includes(m) && m !== 'none');
  return { info, base: info, mechanisms: supported.length > 0 ? supported : ['none'] };
}

export function createGenerator(name: string, options: Record<string, unknown> = {}): Generator {
  // An alias's own factory builds the base architecture and names the alias in option errors.
  return getGeneratorInfo(name).create(options);
}
