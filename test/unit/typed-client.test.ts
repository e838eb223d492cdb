// Issue 27, the typed client: clients/typescript/openapi.json and the types generated from it
// (src/schema.d.ts) are what scripts/generate-client.ts makes now from the route declarations,
// in memory, without the service. They are compared with the files as committed (git HEAD), as
// `npm test` regenerates the files on disk before this runs: a commit that changes a route
// without the regenerated client fails here. Outside a git checkout, the files on disk are used.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { GENERATED, generateClient } from '../../scripts/generate-client.js';
import { repoRoot } from '../../scripts/tool-paths.js';

/** The file as committed; undefined when HEAD lacks it. */
function committed(path: string): string | undefined {
  let inGit = true;
  try {
    execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: repoRoot, stdio: 'ignore' });
  } catch {
    inGit = false;
  }
  if (!inGit) return readFileSync(join(repoRoot, path), 'utf8');
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

const fresh = await generateClient();

it.each(Object.keys(GENERATED) as Array<keyof typeof GENERATED>)(
  'R47: the committed %s of the typed client is what the routes generate now (npm run client:generate, then commit clients/typescript)',
  (name) => {
    const path = GENERATED[name];
    const kept = committed(path);
    expect(kept, `${path} is not committed`).toBeDefined();
    if (name === 'document') expect(JSON.parse(kept!), `${path} is stale`).toEqual(JSON.parse(fresh.document));
    expect(kept === fresh[name], `${path} is stale: npm run client:generate, then commit it`).toBe(true);
  },
);

it('R47: the document names every route the service serves, among them the work-item commands', () => {
  const document = JSON.parse(fresh.document) as { paths: Record<string, unknown> };
  expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/work-items', '/v1/work-items/{ref}', '/v1/work-items/{ref}/resolve', '/v1/resources', '/v1/inbox']));
  expect(fresh.schema).toContain('"/v1/work-items/{ref}/resolve": {');
});
