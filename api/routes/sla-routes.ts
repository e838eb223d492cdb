// SLA policy simulation (R45), for supervisors and the admin: POST /v1/sla/simulations replays
// the items of a period under a proposed rule and answers their figures beside the actual ones.
// A bounded supervisor (R46) simulates over the items it reaches only.

import type { ItemStore } from '../../store/item-store.js';
import { NotStored } from '../../store/config-store.js';
import { reachOf } from '../caller.js';
import type { ConfigStore } from '../config-store.js';
import type { ClockRules } from '../../workflows/domain/sla/simulation.js';
import { ApiError } from '../errors.js';
import { RESOURCES, type Routes } from '../route.js';
import { SimulationBody, SimulationResult } from '../schemas.js';
import { simulation } from '../sla-simulator.js';
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
      const { items, totals } = await simulation(
        {
          items: deps.items,
          category: (id) => deps.config.categorySnapshot(id).catch((error) => (error instanceof ApiError || error instanceof NotStored ? undefined : Promise.reject(error))),
        },
        { ...body, from: new Date(body.from), to: new Date(body.to), rule, ...(reach ? { reach } : {}) },
        deps.clock.now(),
      );
      return { items, totals: { byClock: totals.byClock, byQueue: totals.byQueue } };
    },
  });
}
