// R48: `npm run serve` never runs without its payload keys: an unset, empty or malformed
// PAYLOAD_KEYS stops it before it connects to anything, with a sentence saying what to set.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/tool-paths.js';

const run = promisify(execFile);

/** `npm run serve`'s entry with PAYLOAD_KEYS as given (undefined: unset); its exit code and stderr. */
async function serveWith(payloadKeys: string | undefined): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ADMIN_TOKEN: 'a-long-enough-admin-token', PORT: '0' };
  delete env.PAYLOAD_KEYS;
  if (payloadKeys !== undefined) env.PAYLOAD_KEYS = payloadKeys;
  try {
    await run(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { cwd: repoRoot, env, timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('R48: npm run serve and PAYLOAD_KEYS', () => {
  it.each([
    ['unset', undefined, /PAYLOAD_KEYS is not set: set it to a comma-separated list of id:key pairs/],
    ['empty', '', /PAYLOAD_KEYS is (empty|not set): set it to/],
    ['malformed', 'k1:not-base64-and-short', /PAYLOAD_KEYS: key k1 is not 32 bytes in base64/],
  ])('R48: %s, it refuses to start and says what to set', async (_what, value, message) => {
    const { code, stderr } = await serveWith(value);
    expect(code).toBe(1);
    expect(stderr).toMatch(/startup failed: configuration: /);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('npm run payload-key');
    expect(stderr).not.toMatch(/Temporal at|PostgreSQL at/); // refused before it tried to connect
  });
});
