// Checks that docker-compose.yml is valid and defines the documented stack.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/tool-paths.js';

const run = promisify(execFile);

/** Service names from the top-level `services:` block of `docker-compose config` output. */
function serviceNames(config: string): string[] {
  const lines = config.split('\n');
  const start = lines.indexOf('services:');
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([\w.-]+):\s*$/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

describe('docker-compose.yml', () => {
  it('docker-compose.yml parses and names Temporal, PostgreSQL, Temporal UI and the service', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: repoRoot }));
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error('docker-compose is not installed: run `npm run provision`');
      throw new Error(`docker-compose config failed (exit ${e.code}): ${e.stderr ?? e.message}`);
    }
    expect(serviceNames(stdout).sort()).toEqual(['postgresql', 'temporal', 'temporal-ui', 'work-items']);
  });
});
