import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDataset, getManifest, loadDataset, sha256 } from '../src/data/registry.ts';
import { tempDir } from './helpers.ts';

// Rebuild UCI's adult.data / adult.test bytes from the shared CSV copies (the shared README documents
// that this reproduces the published UCI md5s), serve them on loopback, and fetch them as a user would.
const shared = process.env.BENCH_DATA_DIR!;
function upstream(file: string, test: boolean): string {
  const body = readFileSync(join(shared, file), 'utf8').split('\n').slice(1).filter(Boolean);
  return (test ? '|1x3 Cross validator\n' : '') + body.map((r) => r.split(',').join(', ') + (test ? '.' : '') + '\n').join('') + '\n';
}

let server: Server;
let base = '';
const files: Record<string, string> = {};

beforeAll(async () => {
  files['/adult.data'] = upstream('adult-train.csv', false);
  files['/adult.test'] = upstream('adult-test.csv', true);
  files['/corrupt.data'] = files['/adult.data'].replace('State-gov', 'State-gox');
  server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('dataset download', () => {
  it('downloads, verifies the upstream md5, converts to the canonical CSV (same sha256 as the shared copy)', async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const path = await fetchDataset('adult', { dir, url: `${base}/adult.data`, onProgress: (got) => seen.push(got) });
    expect(sha256(readFileSync(path))).toBe(getManifest('adult').sha256);
    expect(seen.at(-1)).toBe(Buffer.byteLength(files['/adult.data']));
    const testPath = await fetchDataset('adult-test', { dir, url: `${base}/adult.test` });
    expect(sha256(readFileSync(testPath))).toBe(getManifest('adult-test').sha256);
    expect(loadDataset('adult-test', dir).nrows).toBe(16281);
  });

  it('rejects a file whose checksum does not match, writing nothing', async () => {
    const dir = tempDir();
    await expect(fetchDataset('adult', { dir, url: `${base}/corrupt.data` })).rejects.toThrow(/checksum mismatch.*md5/);
    expect(() => loadDataset('adult', dir)).toThrow(/not downloaded/);
  });

  it('reports HTTP errors and unreachable hosts clearly', async () => {
    await expect(fetchDataset('adult', { dir: tempDir(), url: `${base}/missing` })).rejects.toThrow(/HTTP 404/);
    await expect(fetchDataset('adult', { dir: tempDir(), url: 'http://127.0.0.1:9/x' })).rejects.toThrow(/download of .* failed/);
  });

  it('explains what to do for the Excel-only upstream', async () => {
    await expect(fetchDataset('credit-default', { dir: tempDir() })).rejects.toThrow(/\.xls workbook.*export the sheet as CSV/);
  });
});
