import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL server and spawn worker processes: two cores, so keep it modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
