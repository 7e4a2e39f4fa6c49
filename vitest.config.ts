import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{domain,platform,models,workers,core,app,electron,testing,build,bench}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'e2e/**'],
    // Native modules (better-sqlite3, onnxruntime-node, sharp) are safest in separate processes.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
