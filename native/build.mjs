#!/usr/bin/env node
// Builds the OpenBLAS GEMM addon (native/build/Release/dpsb_gemm.node) with node-gyp against Node's own
// headers (nodedir = this Node's prefix, so nothing is downloaded). Not run by `npm ci`: the addon is
// optional and src/compute falls back to pure wasm kernels when it is absent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodedir = path.resolve(path.dirname(process.execPath), '..');
if (!existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  console.error(`build:native: Node headers not found under ${nodedir}/include/node`);
  process.exit(1);
}
const blasHeaders = ['/usr/include/cblas.h', '/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h'];
if (!blasHeaders.some((h) => existsSync(h))) {
  console.error('build:native: cblas.h not found; install OpenBLAS first: apt-get install -y libopenblas-dev');
  process.exit(1);
}
const require = createRequire(import.meta.url);
// node-gyp: the devDependency, else the copy bundled with npm (same prefix as this Node).
const gypCandidates = [
  () => require.resolve('node-gyp/bin/node-gyp.js'),
  () => {
    const p = path.join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (!existsSync(p)) throw new Error(p);
    return p;
  },
];
let gyp = null;
for (const c of gypCandidates) {
  try {
    gyp = c();
    break;
  } catch {
    // try the next one
  }
}
if (!gyp) {
  console.error('build:native: node-gyp not found (devDependency missing and npm has no bundled copy)');
  process.exit(1);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=2'], {
  cwd: here,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('build:native: node-gyp failed (see above)');
  process.exit(r.status ?? 1);
}
const out = path.join(here, 'build', 'Release', 'dpsb_gemm.node');
const addon = require(out);
console.log(`build:native: built ${path.relative(process.cwd(), out)} — ${addon.info().config}, threads=${addon.info().threads}`);
