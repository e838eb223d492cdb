// Issue 22, point 4: the import rules of .dependency-cruiser.cjs hold over the production
// folders: no import circles; nothing in activities/ or store/ imports api/; store/ imports no
// activities (bar the type-only contract); workflows/ imports no api/, store/ or activities/ code;
// nothing in production imports test/. Runs the local dependency-cruiser (offline, a few seconds).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../scripts/tool-paths.js';

const FOLDERS = ['api', 'activities', 'store', 'worker', 'workflows', 'scripts'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: Array<{ name: string; dependencyTypes: string[] }>;
}

interface CruiseResult {
  summary: { violations: Violation[]; totalCruised: number; totalDependenciesCruised: number };
}

/** The cruise's JSON result (depcruise exits non-zero when there are violations: that is fine here). */
function cruise(folders: string[]): Promise<CruiseResult> {
  const cli = join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...folders],
      { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout) as CruiseResult);
        } catch {
          reject(new Error(`dependency-cruiser gave no result (${error?.message ?? 'no error'}):\n${stderr}`));
        }
      },
    );
  });
}

function describeViolation(v: Violation): string {
  const line = `${v.rule.name}: ${v.from} -> ${v.to}`;
  if (!v.cycle?.length) return line;
  return `${line}\n    circle: ${[v.from, ...v.cycle.map((c) => `${c.name} (${c.dependencyTypes.filter((t) => t !== 'local').join(', ')})`)].join(' -> ')}`;
}

it('issue 22: no import circles, nothing in activities/ or store/ imports api/, workflows/ imports no I/O code, production imports no test support', { timeout: 60_000 }, async () => {
  const { summary } = await cruise(FOLDERS);
  expect(summary.totalCruised, 'dependency-cruiser found the project files').toBeGreaterThan(50);
  const violations = summary.violations.map(describeViolation);
  expect(violations, `${violations.length} import rule violation(s) (.dependency-cruiser.cjs):\n${violations.join('\n')}\n`).toEqual([]);
});
