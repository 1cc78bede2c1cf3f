/** Validate a generator's options from the config with its zod schema; errors name the generator and key. */
import { z } from 'zod';

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
