// Moving a desk over from v2020.1 (R43): where an old status lands in this model.

import { mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import { ApiError } from '../errors.js';
import type { Routes } from '../route.js';
import { LegacyImport, LegacyImported, LegacyStatus, MappedStatus } from '../schemas.js';
import { importBatch, type ImportDeps } from '../legacy-import.js';
import { toActor } from '../caller.js';

export function registerLegacyRoutes(routes: Routes, deps: ImportDeps): void {
  routes.add({
    method: 'post',
    path: '/legacy/import',
    summary: 'Import a batch of v2020.1 items, each in its mapped state; all or nothing (R43)',
    tag: 'legacy',
    allow: ['admin', 'integration'],
    body: LegacyImport,
    status: 201,
    response: LegacyImported,
    refusals: ['import_refused', 'idempotency_in_progress'],
    handler: ({ body, caller }) => importBatch(deps, body, toActor(caller)),
  });

  routes.add({
    method: 'post',
    path: '/legacy/map-status',
    summary: 'Map a v2020.1 status to a state (and wait type, resolution method, attention) (R43)',
    tag: 'legacy',
    allow: ['admin', 'integration'],
    body: LegacyStatus,
    response: MappedStatus,
    refusals: ['unknown_status'],
    handler: async ({ body }) => {
      try {
        return mapLegacyStatus(body.kind, body.status);
      } catch (error) {
        if (error instanceof Refusal) throw new ApiError(error.code, error.message, error.details);
        throw error;
      }
    },
  });
}
