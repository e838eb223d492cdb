// Admin configuration: resources (with their tokens), categories and mailboxes.

import type { ConfigStore } from '../config-store.js';
import type { Routes } from '../route.js';
import { CalendarPut, CalendarView, CategoryPut, CategoryView, MailboxPut, MailboxView, ResourceCreate, ResourceCreated } from '../schemas.js';

export function registerConfigRoutes(routes: Routes, config: ConfigStore): void {
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
    handler: ({ body }) => config.createResource(body),
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
    path: '/mailboxes/:address',
    summary: 'Create or replace a mailbox',
    tag: 'configuration',
    allow: ['admin'],
    body: MailboxPut,
    response: MailboxView,
    handler: ({ params, body }) => config.putMailbox(params.address, body),
  });
}
