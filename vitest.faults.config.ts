// The fault suite (`npm run test:faults`), apart from `npm test`: each file starts its own
// PostgreSQL and Temporal dev server (no global setup), because it stops and restarts them, and
// runs the service as a real process under a load of ticket stories. One file at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 2 * 60_000,
    // The fault files skip themselves unless this is set, so that no other config runs them by accident.
    env: { WORK_ITEMS_FAULT_SUITE: '1' },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
