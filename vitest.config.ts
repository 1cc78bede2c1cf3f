import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: run files in forks, at most two at a time.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    env: { BENCH_DATA_DIR: process.env.BENCH_DATA_DIR ?? new URL('../shared/datasets', import.meta.url).pathname },
  },
});
