// Prints one plain closing line, `Tests: N passed, N failed, N skipped`, that CI reads
// whatever the runner's own summary looks like. Above it, one `Failed test:` line per failure
// (file, test name, the error's first line), which .ci/run repeats at the very end of its output,
// so that a log cut to its tail still names what failed.

import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const failures: string[] = [];
    for (const module of testModules) {
      // A file whose setup or hooks failed counts once, even though its tests show as skipped.
      if (module.state() === 'failed' && [...module.children.allTests('failed')].length === 0) {
        count.failed++;
        failures.push(`${relative(process.cwd(), module.moduleId)}: ${firstLine(module.errors()[0]?.message)}`);
      }
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') count.passed++;
        else if (result.state === 'failed') {
          count.failed++;
          failures.push(`${relative(process.cwd(), module.moduleId)} > ${test.fullName}: ${firstLine(result.errors?.[0]?.message)}`);
        } else count.skipped++;
      }
    }
    count.failed += unhandledErrors.length;
    for (const error of unhandledErrors) failures.push(`unhandled error: ${firstLine((error as Error)?.message ?? String(error))}`);
    for (const failure of failures) console.log(`Failed test: ${failure}`);
    console.log(`\nTests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'no message').split('\n')[0]!.slice(0, 300);
}
