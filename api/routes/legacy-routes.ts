// Moving a desk over from v2020.1 (R43): where an old status lands in this model.

import { mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import { ApiError } from '../errors.js';
import type { Routes } from '../route.js';
import { LegacyStatus, MappedStatus } from '../schemas.js';

export function registerLegacyRoutes(routes: Routes): void {
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
