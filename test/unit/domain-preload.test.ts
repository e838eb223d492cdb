// The item's domain (workflows/domain) is loaded once per worker thread and shared by every run
// it holds (worker/create-worker.ts, PRELOADED_MODULES). That is safe only while the domain holds
// nothing of a run: it may import only itself (no Temporal API, no workflow machinery), and it is
// all preloaded, so no run loads a second copy beside the shared one.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { PRELOADED_MODULES } from '../../worker/create-worker.js';

const DOMAIN = resolve('workflows/domain');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The modules a source file loads at run time (type-only imports are erased). */
function runtimeImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gm)) {
    if (m[2]) continue; // import type / export type
    if (m[1] === 'import' && /^\{[^}]*\}$/s.test(m[3]!.trim()) && m[3]!.replace(/[{}\s]/g, '').split(',').every((n) => n === '' || n.startsWith('type'))) continue;
    specs.push(m[4]!);
  }
  for (const m of source.matchAll(/^\s*import\s+'([^']+)'/gm)) specs.push(m[1]!);
  return specs;
}

it('every module of workflows/domain is preloaded once per worker thread', () => {
  expect([...PRELOADED_MODULES].sort()).toEqual(sources(DOMAIN).sort());
  expect(PRELOADED_MODULES.length).toBeGreaterThan(20);
});

it('a preloaded domain module loads only other domain modules: no Temporal API, nothing holding a run', () => {
  const outside: string[] = [];
  for (const file of PRELOADED_MODULES) {
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : spec;
      if (!target.startsWith(`${DOMAIN}/`)) outside.push(`${file.slice(DOMAIN.length + 1)} loads ${spec}`);
    }
  }
  expect(outside).toEqual([]);
});
