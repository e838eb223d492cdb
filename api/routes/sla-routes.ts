// SLA policy simulation (R45), for supervisors and the admin: POST /v1/sla/simulations replays
// the items of a period under a proposed rule and answers their figures beside the actual ones.
// A bounded supervisor (R46) simulates over the items it reaches only. The answer is streamed:
// each item's rows go out as it is replayed, so the service holds a page, whatever the period.

import type { ItemStore } from '../../store/item-store.js';
import { NotStored } from '../../store/config-store.js';
import { reachOf } from '../caller.js';
import type { ConfigStore } from '../config-store.js';
import type { ClockRules } from '../../workflows/domain/sla/simulation.js';
import { ApiError } from '../errors.js';
import { RESOURCES, StreamedJson, type Routes } from '../route.js';
import { SimulationBody, SimulationResult } from '../schemas.js';
import { simulationJson } from '../sla-simulator.js';
import type { Clock } from '../clock.js';

export function registerSlaRoutes(routes: Routes, deps: { items: ItemStore; config: ConfigStore; clock: Clock }): void {
  routes.add({
    method: 'post',
    path: '/sla/simulations',
    summary: 'What a proposed SLA rule would have done to the items of a period (R45); changes nothing',
    tag: 'sla',
    allow: RESOURCES,
    body: SimulationBody,
    response: SimulationResult,
    handler: async ({ body, caller }) => {
      if (caller.kind !== 'admin' && !caller.roles.includes('supervisor')) throw new ApiError('forbidden', 'Only supervisors and the admin may simulate SLA rules.');
      const rule: ClockRules = {};
      for (const [clock, stored] of Object.entries(body.rule)) {
        if (stored) rule[clock as keyof ClockRules] = await deps.config.slaRule(stored, `rule.${clock}`);
      }
      if (body.categoryId) await deps.config.categorySnapshot(body.categoryId);
      const reach = reachOf(caller);
      const scope = { ...body, from: new Date(body.from), to: new Date(body.to), rule, ...(reach ? { reach } : {}) };
      const sources = {
        items: deps.items,
        category: (id: string) => deps.config.categorySnapshot(id).catch((error) => (error instanceof ApiError || error instanceof NotStored ? undefined : Promise.reject(error))),
      };
      const asOf = deps.clock.now();
      return new StreamedJson(() => simulationJson(sources, scope, asOf));
    },
  });
}
