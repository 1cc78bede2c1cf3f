/**
 * YAML → validated Config. Errors name the file, the line and the key path, e.g.
 * `configs/x.yaml:7 privacy.epsilon[2]: expected a positive number, got "ten"`.
 */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, parse as parseYamlValue, type Document } from 'yaml';
import { z } from 'zod';
import { configDatasets, configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function formatPath(path: PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s || '(top level)';
}

/** Parse `key.path=value` (value as YAML: numbers, lists, booleans) into a path and a value. */
export function parseOverride(s: string): { path: (string | number)[]; value: unknown } {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${s}: expected key.path=value`);
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1);
  const path = key.split('.').flatMap((part) => {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new ConfigError(`--set ${s}: cannot read key "${key}"`);
    const idx = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    return [m[1], ...idx];
  });
  let value: unknown;
  try {
    value = parseYamlValue(raw);
  } catch {
    value = raw;
  }
  return { path, value };
}

/** Load, apply overrides, validate. `file` is shown in messages. */
export function loadConfigText(text: string, file: string, overrides: string[] = []): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new ConfigError(`${file}:${line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  if (doc.contents === null) throw new ConfigError(`${file}: the config is empty`);
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    doc.setIn(path, doc.createNode(value));
  }
  const data = doc.toJS();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`${file}:1: a config is a mapping of keys (name, dataset, generators, ...)`);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, doc, lc, file, data));
  const config = parsed.data;
  if (configDatasets(config).length === 0) {
    throw new ConfigError(`${file}: dataset: missing — give \`dataset: {name: adult}\` or a list under \`datasets:\``);
  }
  return config;
}

export function loadConfigFile(path: string, overrides: string[] = []): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return loadConfigText(text, path, overrides);
}

function describeIssues(err: z.ZodError, doc: Document, lc: LineCounter, file: string, data: unknown): string {
  const lines = flattenUnions(err.issues).slice(0, 5).map((issue) => {
    // For unknown keys, point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const line = lineOf(doc, lc, path as (string | number)[]);
    const got = valueAt(data, issue.path as (string | number)[]);
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    else if (issue.code === 'invalid_type' && got === undefined) msg = 'missing (required)';
    else if (got !== undefined && typeof got !== 'object') msg += `, got ${JSON.stringify(got)}`;
    return `${file}${line ? `:${line}` : ''} ${formatPath(path)}: ${msg}`;
  });
  if (flattenUnions(err.issues).length > 5) lines.push(`… and ${err.issues.length - 5} more`);
  return lines.join('\n');
}

/** For a union (e.g. registry dataset vs CSV dataset) report the branch that came closest: fewest issues. */
function flattenUnions(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !('errors' in issue) || issue.errors.length === 0) return [issue];
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
    return flattenUnions(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue));
  });
}

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  // Walk up the path until a node with a source range exists (missing keys point at their parent).
  for (let k = path.length; k >= 0; k--) {
    const node = doc.getIn(path.slice(0, k), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (k > 0 && k === path.length) {
      // A key of a map: find the pair's key node.
      const parent = doc.getIn(path.slice(0, k - 1), true) as { items?: { key: { value?: unknown; range?: number[] } }[] } | undefined;
      const pair = parent?.items?.find((it) => isNode(it.key) && (it.key as { value?: unknown }).value === path[k - 1]);
      if (pair?.key.range) return lc.linePos(pair.key.range[0]).line;
    }
  }
  return undefined;
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
