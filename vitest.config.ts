// Vitest configuration: one shared PostgreSQL + Temporal dev server (test/global-setup.ts),
// test files in separate processes, at most 2 at a time (sized for a 2-core machine). The fault
// suite (test/faults, `npm run test:faults`) has its own config.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite stops and restarts servers: `npm run test:faults`, its own config.
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
