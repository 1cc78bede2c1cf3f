#!/usr/bin/env node
// Entry point: run the TypeScript CLI through tsx's loader (no separate build step to go stale).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
