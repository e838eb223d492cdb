// Admin configuration: resources (with their tokens), categories, calendars, processes and
// mailboxes.

import type { CallerCache } from '../auth.js';
import type { ConfigStore } from '../config-store.js';
import { ApiError } from '../errors.js';
import type { ProcessStore } from '../process-store.js';
import type { ScheduleStore } from '../schedule-store.js';
import { EVERYONE, type Routes } from '../route.js';
import {
  CalendarPut,
  CalendarView,
  CategoryPut,
  CategoryView,
  MailboxPut,
  MailboxView,
  ProcessList,
  ProcessPut,
  ProcessView,
  ResourceCreate,
  ResourceCreated,
  ResourceView,
  EmptyBody,
  ScheduleDeleted,
  ScheduleList,
  SchedulePut,
  ScheduleView,
} from '../schemas.js';

export function registerConfigRoutes(routes: Routes, config: ConfigStore, processes: ProcessStore, schedules: ScheduleStore, callers: CallerCache): void {
  routes.add({
    method: 'post',
    path: '/resources',
    summary: 'Create a resource and its token',
    tag: 'configuration',
    allow: ['admin'],
    body: ResourceCreate,
    status: 201,
    response: ResourceCreated,
    refusals: ['already_exists'],
    handler: ({ body, caller }) => config.createResource(body, caller.id),
  });

  routes.add({
    method: 'get',
    path: '/resources/:id',
    summary: 'Read a resource, with who created it, rotated its token or deactivated it, and when',
    tag: 'configuration',
    allow: ['admin'],
    response: ResourceView,
    refusals: ['not_found'],
    handler: async ({ params }) => {
      const view = await config.resourceView(params.id);
      if (!view) throw new ApiError('not_found', `No resource ${params.id}.`);
      return view;
    },
  });

  routes.add({
    method: 'post',
    path: '/resources/:id/token',
    summary: "Rotate a resource's token: the new one is answered once, the old one stops working at once",
    tag: 'configuration',
    allow: ['admin'],
    body: EmptyBody,
    response: ResourceCreated,
    refusals: ['not_found', 'invalid_transition'],
    handler: async ({ params, caller }) => {
      const rotated = await config.rotateToken(params.id, caller.id);
      callers.forget(params.id);
      return rotated;
    },
  });

  routes.add({
    method: 'delete',
    path: '/resources/:id',
    summary: 'Deactivate a resource: its token stops working; its items stay assigned to it for a supervisor to move',
    tag: 'configuration',
    allow: ['admin'],
    response: ResourceView,
    refusals: ['not_found'],
    handler: async ({ params, caller }) => {
      const view = await config.deactivate(params.id, caller.id);
      callers.forget(params.id);
      return view;
    },
  });

  routes.add({
    method: 'put',
    path: '/categories/:id',
    summary: 'Create or replace a category',
    tag: 'configuration',
    allow: ['admin'],
    body: CategoryPut,
    response: CategoryView,
    handler: ({ params, body }) => config.putCategory(params.id, body),
  });

  routes.add({
    method: 'put',
    path: '/calendars/:id',
    summary: 'Create or replace a business calendar',
    tag: 'configuration',
    allow: ['admin'],
    body: CalendarPut,
    response: CalendarView,
    handler: ({ params, body }) => config.putCalendar(params.id, body),
  });

  routes.add({
    method: 'put',
    path: '/processes/:id',
    summary: 'Create a process, or save a new version of it; every problem is answered at once (R26)',
    tag: 'configuration',
    allow: ['admin'],
    body: ProcessPut,
    response: ProcessView,
    handler: ({ params, body }) => processes.put(params.id, body),
  });

  routes.add({
    method: 'get',
    path: '/processes/:id',
    summary: 'The current version of a process',
    tag: 'configuration',
    allow: EVERYONE,
    response: ProcessView,
    refusals: ['not_found'],
    handler: async ({ params }) => {
      const found = await processes.get(params.id);
      if (!found) throw new ApiError('not_found', `No process ${params.id}: create it with PUT /v1/processes/${params.id}.`);
      return found;
    },
  });

  routes.add({
    method: 'get',
    path: '/processes',
    summary: 'The current version of every process',
    tag: 'configuration',
    allow: EVERYONE,
    response: ProcessList,
    handler: async () => ({ processes: await processes.list() }),
  });

  routes.add({
    method: 'put',
    path: '/mailboxes/:address',
    summary: 'Create or replace a mailbox',
    tag: 'configuration',
    allow: ['admin'],
    body: MailboxPut,
    response: MailboxView,
    handler: ({ params, body }) => config.putMailbox(params.address, body),
  });

  routes.add({
    method: 'put',
    path: '/schedules/:id',
    summary: 'Create or replace a schedule that starts cases of a process (R9)',
    tag: 'configuration',
    allow: ['admin'],
    body: SchedulePut,
    response: ScheduleView,
    handler: ({ params, body }) => schedules.put(params.id, body),
  });

  routes.add({
    method: 'get',
    path: '/schedules',
    summary: 'Every schedule that starts cases, with its next run',
    tag: 'configuration',
    allow: ['admin'],
    response: ScheduleList,
    handler: async () => ({ schedules: await schedules.list() }),
  });

  routes.add({
    method: 'delete',
    path: '/schedules/:id',
    summary: 'Delete a schedule: it starts no more cases (those started go on)',
    tag: 'configuration',
    allow: ['admin'],
    response: ScheduleDeleted,
    refusals: ['not_found'],
    handler: ({ params }) => schedules.delete(params.id),
  });
}
