/**
 * Dataset registry: manifests in <repo>/datasets/*.json (upstream URL, checksums, public column schema,
 * target), files in $BENCH_DATA_DIR or <repo>/datasets/cache/. `fetchDataset` downloads the upstream
 * file, verifies it, converts the upstream format to the canonical CSV and caches it.
 * One of the few modules allowed to read the environment and the file system (DESIGN.md §2).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { DataError, parseCsv } from './csv.ts';
import type { ColumnSchema, Table } from './table.ts';

const columnSchema = z.strictObject({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  integer: z.boolean().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  levels: z.array(z.string()).optional(),
});

const manifestSchema = z.strictObject({
  name: z.string(),
  title: z.string(),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().positive(),
  test: z.string().optional(),
  target: z.string(),
  positive: z.string(),
  missing: z.string().optional(),
  series: z.strictObject({ prefix: z.string(), length: z.number().int().positive() }).optional(),
  columns: z.array(columnSchema),
  columns_note: z.string().optional(),
  citation: z.string(),
  license: z.string(),
  note: z.string().optional(),
  source: z.strictObject({
    url: z.string().url(),
    format: z.enum(['uci-adult', 'csv', 'csv-noheader', 'whitespace', 'ucr', 'xls']),
    checksum: z.strictObject({ md5: z.string().optional(), sha256: z.string().optional() }).optional(),
    header: z.array(z.string()).optional(),
    drop: z.array(z.string()).optional(),
    skipLines: z.number().int().nonnegative().optional(),
    /** Member of a zip archive to extract. */
    member: z.string().optional(),
    /** Whether the converted CSV must equal the canonical sha256 (false where float formatting differs). */
    verifyConverted: z.boolean().optional(),
  }),
});

export type DatasetManifest = z.infer<typeof manifestSchema>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const manifestDir = join(repoRoot, 'datasets');

/** Where dataset files live: $BENCH_DATA_DIR if set, else <repo>/datasets/cache. */
export function dataDir(): string {
  return process.env.BENCH_DATA_DIR ? resolve(process.env.BENCH_DATA_DIR) : join(manifestDir, 'cache');
}

let cache: Map<string, DatasetManifest> | null = null;

export function listDatasets(): DatasetManifest[] {
  if (!cache) {
    cache = new Map();
    for (const f of readdirSync(manifestDir).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(manifestDir, f);
      const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DataError(`${path}: ${issue.path.join('.')}: ${issue.message}`);
      }
      cache.set(parsed.data.name, parsed.data);
    }
  }
  return [...cache.values()];
}

export function getManifest(name: string): DatasetManifest {
  const m = listDatasets().find((d) => d.name === name);
  if (!m) {
    throw new DataError(
      `unknown dataset "${name}" (known: ${listDatasets().map((d) => d.name).join(', ')}; or give {path, target} for your own CSV)`,
    );
  }
  return m;
}

export function datasetPath(m: DatasetManifest, dir = dataDir()): string {
  return join(dir, m.file);
}

export function isAvailable(m: DatasetManifest, dir = dataDir()): boolean {
  return existsSync(datasetPath(m, dir));
}

/** Load a registered dataset as a Table with its public schema and target. */
export function loadDataset(name: string, dir = dataDir()): Table {
  const m = getManifest(name);
  const path = datasetPath(m, dir);
  if (!existsSync(path)) {
    throw new DataError(`dataset "${name}" is not downloaded: ${path} does not exist — run \`bench datasets fetch ${name}\``);
  }
  return parseCsv(readFileSync(path, 'utf8'), {
    file: path,
    schema: m.columns as ColumnSchema[],
    missing: m.missing,
    target: m.target,
    positive: m.positive,
  });
}

export interface CsvDatasetSpec {
  path: string;
  target: string;
  positive?: string;
  missing?: string;
  columns?: Record<string, 'numeric' | 'categorical' | ColumnSchema>;
}

/** A user's own CSV: types inferred unless declared. */
export function loadCsvDataset(spec: CsvDatasetSpec, baseDir = process.cwd()): Table {
  const path = resolve(baseDir, spec.path);
  if (!existsSync(path)) throw new DataError(`${path}: file not found`);
  const schema: ColumnSchema[] = Object.entries(spec.columns ?? {}).map(([name, s]) =>
    typeof s === 'string' ? { name, type: s } : { ...s, name },
  );
  return parseCsv(readFileSync(path, 'utf8'), {
    file: spec.path,
    schema,
    missing: spec.missing,
    target: spec.target,
    positive: spec.positive,
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export interface FetchOptions {
  dir?: string;
  /** Override the upstream URL (mirrors, tests against a loopback server). */
  url?: string;
  onProgress?: (received: number, total: number | undefined) => void;
  /** Re-download even when the file is present. */
  force?: boolean;
}

/** Download, verify and convert a dataset to its canonical CSV in the data dir. Returns the file path. */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<string> {
  const m = getManifest(name);
  const dir = opts.dir ?? dataDir();
  const target = datasetPath(m, dir);
  if (!opts.force && existsSync(target)) return target;
  const { source } = m;
  const url = opts.url ?? source.url;
  if (source.format === 'xls') {
    throw new DataError(
      `dataset "${name}": the upstream file (${source.url}) is an Excel .xls workbook, which bench cannot parse. ` +
        `Open it, export the sheet as CSV with the header row ${m.columns.map((c) => c.name).slice(0, 3).join(',')},… ` +
        `(drop the ID column), and save it as ${target}.`,
    );
  }
  const raw = await download(url, opts.onProgress);
  const sum = source.checksum;
  let bytes = raw;
  if (source.format === 'ucr') bytes = source.member && url.endsWith('.zip') ? unzipMember(raw, source.member, url) : raw;
  if (sum?.md5 && md5(bytes) !== sum.md5) {
    throw new DataError(`dataset "${name}": checksum mismatch for ${url}: md5 ${md5(bytes)}, expected ${sum.md5}`);
  }
  if (sum?.sha256 && sha256(bytes) !== sum.sha256) {
    throw new DataError(`dataset "${name}": checksum mismatch for ${url}: sha256 ${sha256(bytes)}, expected ${sum.sha256}`);
  }
  const csv = convertUpstream(bytes.toString('utf8'), m);
  if (source.verifyConverted !== false && sha256(csv) !== m.sha256) {
    throw new DataError(
      `dataset "${name}": the converted file's sha256 ${sha256(csv)} differs from the manifest's ${m.sha256} — the upstream file changed; check ${url}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${target}.part`;
  writeFileSync(tmp, csv);
  renameSync(tmp, target);
  return target;
}

/** Upstream format → canonical CSV text (header row, comma-separated, LF, trailing newline). */
export function convertUpstream(text: string, m: DatasetManifest): string {
  const { source } = m;
  let lines = text.split(/\r?\n/);
  lines = lines.slice(source.skipLines ?? 0).filter((l) => l.trim() !== '');
  let rows: string[][];
  switch (source.format) {
    case 'uci-adult':
      // adult.data / adult.test: ", "-separated; test labels carry a trailing "." (">50K.").
      rows = lines.map((l) => l.split(',').map((c) => c.trim()));
      for (const r of rows) r[r.length - 1] = r[r.length - 1].replace(/\.$/, '');
      break;
    case 'whitespace':
      rows = lines.map((l) => l.trim().split(/\s+/));
      break;
    case 'ucr':
      // UCR text: label then values, whitespace-separated, numbers in exponent form.
      rows = lines.map((l) => {
        const f = l.trim().split(/\s+/).map(Number);
        return [String(Math.round(f[0])), ...f.slice(1).map((v) => String(Number(v.toPrecision(8))))];
      });
      break;
    case 'csv':
      rows = lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
      break;
    case 'csv-noheader':
      rows = lines.map((l) => l.split(',').map((c) => c.trim()));
      break;
    default:
      throw new DataError(`dataset "${m.name}": cannot convert format ${source.format}`);
  }
  let header = source.header ?? m.columns.map((c) => c.name);
  if (source.format === 'ucr') header = [m.target, ...Array.from({ length: m.series!.length }, (_, i) => `${m.series!.prefix}${i}`)];
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new DataError(`${source.url}:${i + 1 + (source.skipLines ?? 0)}: row has ${r.length} fields, expected ${header.length}`);
    }
  });
  const keep = header.map((h, j) => (source.drop?.includes(h) ? -1 : j)).filter((j) => j >= 0);
  const out = [keep.map((j) => header[j]).join(',')];
  for (const r of rows) out.push(keep.map((j) => r[j]).join(','));
  return out.join('\n') + '\n';
}

async function download(url: string, onProgress?: FetchOptions['onProgress']): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(`download of ${url} failed: ${(e as Error).message} (no network? set BENCH_DATA_DIR to a folder with the CSV copies)`);
  }
  if (!res.ok || !res.body) throw new DataError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    received += chunk.length;
    onProgress?.(received, total);
  }
  return Buffer.concat(chunks);
}

/** Extract one member of a zip archive (stored or deflated), reading the central directory. */
export function unzipMember(zip: Buffer, member: string, label: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new DataError(`${label}: not a zip archive`);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === member || name.endsWith(`/${member}`)) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new DataError(`${label}: ${member} uses unsupported zip compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new DataError(`${label}: the archive has no member ${member}`);
}
