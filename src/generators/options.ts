/** Validate a generator's options from the config with its zod schema; errors name the generator and key. */
import { z } from 'zod';
import type { Generator, GeneratorInfo, Mechanism } from './types.ts';

export class GeneratorOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratorOptionsError';
  }
}

export function parseOptions<T extends z.ZodType>(generator: string, schema: T, options: Record<string, unknown>): z.infer<T> {
  const r = schema.safeParse(options);
  if (!r.success) {
    const msgs = r.error.issues.map((i) => {
      const key = i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.join('.');
      return `generators.${generator}.${key}: ${i.code === 'unrecognized_keys' ? 'unknown option' : i.message}`;
    });
    throw new GeneratorOptionsError(msgs.join('\n'));
  }
  return r.data;
}

/**
 * The registry entries of one architecture: the base (its own mechanisms) and its aliases, each fixing one
 * mechanism (DESIGN.md §3: dpgan = gan + dpsgd). Every entry parses options with the architecture's schema
 * under its own name, so option errors name what the user configured.
 */
export function generatorFamily<T extends z.ZodType>(
  schema: T,
  make: (options: z.infer<T>) => Generator,
  base: { name: string; description: string; mechanisms: Mechanism[] },
  aliases: { name: string; description: string; mechanism: Mechanism }[],
): GeneratorInfo[] {
  const create = (name: string) => (options: Record<string, unknown>) => make(parseOptions(name, schema, options));
  return [
    { ...base, create: create(base.name) },
    ...aliases.map((a) => ({
      name: a.name,
      description: a.description,
      mechanisms: [a.mechanism],
      aliasOf: { base: base.name, mechanism: a.mechanism },
      create: create(a.name),
    })),
  ];
}
