#!/usr/bin/env node
// `npm run bench:perf`: run bench/perf.ts through tsx's loader (same pattern as bin/bench.js).
import { register } from 'tsx/esm/api';
register();
await import('../bench/perf.ts');
