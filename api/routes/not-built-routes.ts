// The contract's routes whose behaviour is not built yet. Each is declared (so the OpenAPI
// document and the authorization rules already hold) and answers 501 not_implemented, saying
// what is missing. A route leaves this list when the issue that builds it lands; the fuzz
// configuration (test/fuzz/schemathesis.toml) lists the same operations.

import { z } from 'zod';
import type { CallerKind } from '../caller.js';
import { ApiError } from '../errors.js';
import { RESOURCES, type Routes } from '../route.js';

interface NotBuilt {
  method: 'post' | 'put';
  path: string;
  summary: string;
  tag: string;
  allow: CallerKind[];
  /** What is missing, as the 501 says it. */
  what: string;
}

const NOT_BUILT: NotBuilt[] = [
  { method: 'post', path: '/legacy/import', summary: 'Import items from v2020.1', tag: 'legacy', allow: ['admin', 'integration'], what: 'Legacy import (R43)' },
];

export function registerNotBuiltRoutes(routes: Routes): void {
  for (const route of NOT_BUILT) {
    routes.add({
      ...route,
      summary: `${route.summary} (not available yet: answers 501)`,
      body: z.object({}).catchall(z.unknown()),
      refusals: ['not_implemented'],
      handler: async () => {
        throw notYet(route.what);
      },
    });
  }
}

export function notYet(what: string): ApiError {
  return new ApiError('not_implemented', `Not available in this release yet: ${what}. Tickets are.`);
}
