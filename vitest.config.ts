import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources of every workspace package (the `@errand/source` export
// condition), never a stale dist/.
// Not 'module': that names bundler-only builds (OpenTelemetry's use extensionless imports Node
// cannot load).
const conditions = ['@errand/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@errand/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL server and spawn worker processes: two cores, so keep it modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
