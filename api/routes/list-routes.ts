// Lists from the read model (R41): the caller's Inbox and Owned Work, a queue, and a filtered
// list of all items; sorted by due date. A caller bounded by queue (R46) sees only what it reaches.

import type { ReadModelStore } from '../../store/read-model-store.js';
import { reachOf } from '../caller.js';
import { EVERYONE, type Routes } from '../route.js';
import { ListQuery, WorkItemList } from '../schemas.js';

const MyListQuery = ListQuery.pick({ kind: true, state: true, categoryId: true, limit: true, cursor: true });

export function registerListRoutes(routes: Routes, readModel: ReadModelStore): void {
  routes.add({
    method: 'get',
    path: '/inbox',
    summary: 'List my todo and in-progress items',
    tag: 'lists',
    allow: EVERYONE,
    query: MyListQuery,
    response: WorkItemList,
    handler: ({ query, caller }) =>
      readModel.list({ ...query, reach: reachOf(caller), assignee: caller.id, states: query.state ? [query.state].filter((s) => s === 'todo' || s === 'in_progress') : ['todo', 'in_progress'] }),
  });

  routes.add({
    method: 'get',
    path: '/owned-work',
    summary: 'List my waiting items',
    tag: 'lists',
    allow: EVERYONE,
    query: MyListQuery.omit({ state: true }),
    response: WorkItemList,
    handler: ({ query, caller }) => readModel.list({ ...query, reach: reachOf(caller), assignee: caller.id, state: 'waiting' }),
  });

  routes.add({
    method: 'get',
    path: '/queues/:queue',
    summary: 'List the unassigned todo items of a queue',
    tag: 'lists',
    allow: EVERYONE,
    query: MyListQuery.omit({ state: true }),
    response: WorkItemList,
    handler: ({ query, params, caller }) => readModel.list({ ...query, reach: reachOf(caller), queue: params.queue, state: 'todo', unassigned: true }),
  });

  routes.add({
    method: 'get',
    path: '/work-items',
    summary: 'List work items',
    tag: 'lists',
    allow: EVERYONE,
    query: ListQuery,
    response: WorkItemList,
    handler: ({ query, caller }) => readModel.list({ ...query, reach: reachOf(caller) }),
  });
}
