// The authorization matrix: every operation of the OpenAPI document, called by every kind of
// caller, answers the expected status. Each cell works on its own fresh item (no cell leans on
// another). The table must list every operation the document declares, so the matrix cannot
// fall behind the API: a new route fails the first test until it has its row.
//
// The item most rows work on is submitted and in progress, assigned to alice, who is none of
// the callers: so a plain human or a robot meets R10's assigned_to_other (409), and a
// supervisor or the admin does not.
//
// R46 adds a dimension: every caller but the admin is bounded to queue `matrix`, and each row
// that names an item runs with that item in three places: in the caller's own queue (`own`, the
// row's `expect`), in another queue (`other`: 404 as if it did not exist, unless the caller's
// kind is refused first), and in another queue but assigned to the caller (`assigned`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

const CALLERS = ['none', 'unknown', 'human', 'supervisor', 'robot', 'integration', 'admin'] as const;
type CallerName = (typeof CALLERS)[number];
type Known = Exclude<CallerName, 'none' | 'unknown'>;

/** Which item a row's `{ref}` is: a ticket, or a case of process `matrix` in progress with alice. */
type Fixture = 'alices' | 'alices-case' | 'unassigned' | 'missing';

interface Row {
  operationId: string;
  /** What the row's request is about, when an operation has several rows. */
  on?: string;
  fixture?: Fixture;
  body?: (n: number) => unknown;
  query?: string;
  expect: Record<Known, number>;
  /** R46: where the item is assigned to the caller in a queue it does not have, when that differs from `assignedByDefault`. */
  assigned?: Partial<Record<Known, number>>;
}

/** Where a row's item is, for the callers bounded to queue `matrix` (R46). */
type Place = 'own' | 'other' | 'assigned';
const KNOWN: Known[] = ['human', 'supervisor', 'robot', 'integration', 'admin'];

const ALL = (status: number): Record<Known, number> => ({ human: status, supervisor: status, robot: status, integration: status, admin: status });
const ADMIN_ONLY = (status: number): Record<Known, number> => ({ ...ALL(403), admin: status });
/** A command on alice's item: R10 refuses a plain human and a robot, not a supervisor or the admin. */
const OWNER_GUARDED = { human: 409, supervisor: 200, robot: 409, integration: 403, admin: 200 };
/** A command the item's state refuses, whoever may send commands. */
const REFUSED_BY_STATE = { human: 409, supervisor: 409, robot: 409, integration: 403, admin: 409 };

const ROWS: Row[] = [
  // configuration (admin)
  { operationId: 'postResources', body: (n) => ({ id: `matrix-r${n}`, name: 'R', kind: 'human' }), expect: ADMIN_ONLY(201) },
  // (no resource matrix-N exists: the admin gets as far as 404)
  { operationId: 'getResourcesById', expect: ADMIN_ONLY(404) },
  { operationId: 'postResourcesByIdToken', expect: ADMIN_ONLY(404) },
  { operationId: 'deleteResourcesById', expect: ADMIN_ONLY(404) },
  { operationId: 'putCategoriesById', body: () => ({ name: 'Matrix' }), expect: ADMIN_ONLY(200) },
  { operationId: 'putCalendarsById', body: () => ({ timezone: 'Europe/Bucharest', workingHours: { mon: ['09:00', '17:00'] } }), expect: ADMIN_ONLY(200) },
  { operationId: 'putMailboxesByAddress', body: () => ({ starts: 'ticket' }), expect: ADMIN_ONLY(200) },
  { operationId: 'putProcessesById', body: () => ({ name: 'P', stages: [{ name: 'S', actions: [{ type: 'review', name: 'Check' }] }] }), expect: ADMIN_ONLY(200) },
  { operationId: 'getProcessesById', on: 'no such process', expect: ALL(404) },
  { operationId: 'getProcesses', expect: ALL(200) },
  { operationId: 'putSchedulesById', body: () => ({ processId: 'matrix', shortDescription: 'Matrix', cron: '0 9 1 1 *', paused: true }), expect: ADMIN_ONLY(200) },
  { operationId: 'getSchedules', expect: ADMIN_ONLY(200) },
  { operationId: 'deleteSchedulesById', on: 'no such schedule', expect: ADMIN_ONLY(404) },
  // work items
  { operationId: 'postWorkItems', body: () => ({ kind: 'ticket', title: 'Made by the matrix' }), expect: ALL(201) },
  { operationId: 'postWorkItems', on: 'a case', body: () => ({ kind: 'case', processId: 'matrix', shortDescription: 'A case', submit: true }), expect: ALL(201) },
  { operationId: 'getWorkItems', query: '?kind=ticket&limit=5', expect: ALL(200) },
  { operationId: 'getWorkItemsByRef', fixture: 'alices', expect: ALL(200) },
  { operationId: 'getWorkItemsByRef', on: 'no such item', fixture: 'missing', expect: ALL(404) },
  { operationId: 'getWorkItemsByRefHistory', fixture: 'alices', expect: ALL(200) },
  { operationId: 'getWorkItemsByRefTimeline', fixture: 'alices', query: '?after=1&limit=2', expect: ALL(200) },
  // commands
  { operationId: 'patchWorkItemsByRef', fixture: 'alices', body: () => ({ title: 'Edited' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefSubmit', fixture: 'alices', expect: REFUSED_BY_STATE },
  { operationId: 'postWorkItemsByRefPickUp', fixture: 'alices', expect: REFUSED_BY_STATE },
  { operationId: 'postWorkItemsByRefPickUp', on: 'an unassigned todo item', fixture: 'unassigned', expect: { human: 200, supervisor: 200, robot: 200, integration: 403, admin: 200 } },
  { operationId: 'postWorkItemsByRefAssign', fixture: 'alices', body: () => ({ resourceId: 'carol' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefUnassign', fixture: 'alices', body: () => ({}), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefState', fixture: 'alices', body: () => ({ state: 'todo' }), expect: OWNER_GUARDED },
  // R13: only a robot rejects; the admin is not a robot.
  { operationId: 'postWorkItemsByRefReject', fixture: 'alices', body: () => ({ reason: 'cannot read the scan' }), expect: { human: 403, supervisor: 403, robot: 409, integration: 403, admin: 403 }, assigned: { robot: 200 } },
  { operationId: 'postWorkItemsByRefReject', on: 'an unassigned todo item', fixture: 'unassigned', body: () => ({ reason: 'cannot read the scan' }), expect: { human: 403, supervisor: 403, robot: 200, integration: 403, admin: 403 } },
  { operationId: 'postWorkItemsByRefWait', fixture: 'alices', body: () => ({ type: 'more_info' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefCancelWait', fixture: 'alices', expect: REFUSED_BY_STATE },
  { operationId: 'postWorkItemsByRefNotes', fixture: 'alices', body: () => ({ text: 'A note' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefNotes', on: 'an unassigned todo item', fixture: 'unassigned', body: () => ({ text: 'A note' }), expect: { human: 200, supervisor: 200, robot: 200, integration: 403, admin: 200 } },
  { operationId: 'postWorkItemsByRefNotes', on: 'no such item', fixture: 'missing', body: () => ({ text: 'A note' }), expect: { human: 404, supervisor: 404, robot: 404, integration: 403, admin: 404 } },
  { operationId: 'postWorkItemsByRefEmails', fixture: 'alices', body: () => ({ to: ['ann@acme.example'], subject: 'Hello', body: 'Hi' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefResolve', fixture: 'alices', body: () => ({ method: 'customer_communication' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefReopen', fixture: 'alices', expect: REFUSED_BY_STATE },
  { operationId: 'postWorkItemsByRefCancel', fixture: 'alices-case', body: () => ({ reason: 'r' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefRework', fixture: 'alices-case', body: () => ({ fromStage: 0 }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefReset', on: 'a case needing no attention', fixture: 'alices-case', expect: REFUSED_BY_STATE },
  { operationId: 'postWorkItemsByRefActions', fixture: 'alices-case', body: () => ({ type: 'task', name: 'n' }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefMerge', fixture: 'alices', body: () => ({ into: 'T-999999' }), on: 'into an item that does not exist', expect: { human: 404, supervisor: 404, robot: 404, integration: 403, admin: 404 } },
  // R46: only a supervisor of the item's queue moves it; its assignee in another queue is no supervisor there
  { operationId: 'postWorkItemsByRefQueue', fixture: 'alices', body: () => ({ queue: 'matrix-moved' }), expect: { human: 403, supervisor: 200, robot: 403, integration: 403, admin: 200 }, assigned: { human: 403, supervisor: 403, robot: 403 } },
  { operationId: 'postWorkItemsByRefSplit', fixture: 'alices', body: () => ({ tickets: [{ title: 'One', description: 'First' }, { title: 'Two', description: 'Second' }] }), expect: OWNER_GUARDED },
  { operationId: 'postWorkItemsByRefLaunchCase', fixture: 'alices', body: () => ({ processId: 'matrix', shortDescription: 'Launched by the matrix' }), expect: OWNER_GUARDED },
  // inbound email (admin, integration)
  {
    operationId: 'postInboundEmails',
    body: (n) => ({ messageId: `<matrix-${n}@example.com>`, from: 'ann@acme.example', to: ['nobody@unknown.example'], subject: 'Hi', body: 'Hello' }),
    expect: { human: 403, supervisor: 403, robot: 403, integration: 200, admin: 200 },
  },
  // R48: the codec server, for the admin and unbounded supervisors (every caller here but the admin is bounded)
  { operationId: 'postCodecDecode', body: () => ({ payloads: [] }), expect: ADMIN_ONLY(200) },
  { operationId: 'postCodecEncode', body: () => ({ payloads: [] }), expect: ADMIN_ONLY(200) },
  // R45: the SLA simulator, for supervisors and the admin (integrations are no resources)
  {
    operationId: 'postSlaSimulations',
    body: () => ({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', rule: { resolution: { target: 'P1D' } } }),
    expect: { human: 403, supervisor: 200, robot: 403, integration: 403, admin: 200 },
  },
  // R47: the change feed for everyone (what each may see), webhooks for the admin
  { operationId: 'getChanges', query: '?after=latest', expect: ALL(200) },
  { operationId: 'putWebhooksById', body: () => ({ url: 'https://hooks.example.com/matrix', secret: 'a-matrix-secret-of-24-chars-or-more' }), expect: ADMIN_ONLY(200) },
  { operationId: 'getWebhooksById', on: 'no such webhook', expect: ADMIN_ONLY(404) },
  { operationId: 'deleteWebhooksById', on: 'no such webhook', expect: ADMIN_ONLY(404) },
  { operationId: 'getWebhooksByIdDeliveries', on: 'no such webhook', expect: ADMIN_ONLY(404) },
  { operationId: 'postWebhooksByIdDeliveriesByDeliveryRedeliver', on: 'no such delivery', expect: ADMIN_ONLY(404) },
  // lists
  { operationId: 'getInbox', expect: ALL(200) },
  { operationId: 'getOwnedWork', expect: ALL(200) },
  { operationId: 'getQueuesByQueue', expect: ALL(200) },
  // legacy (admin, integration)
  { operationId: 'postLegacyMapStatus', body: () => ({ kind: 'ticket', status: 'Resolved' }), expect: { human: 403, supervisor: 403, robot: 403, integration: 200, admin: 200 } },
  { operationId: 'postLegacyImport', body: (n) => ({ items: [{ legacyRef: `matrix-${n}`, kind: 'ticket', status: '(none: draft)' }] }), expect: { human: 403, supervisor: 403, robot: 403, integration: 201, admin: 201 } },
];

let api: ApiHarness;
let operations: Map<string, { method: string; path: string }>;
let cell = 0;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  await api.resource('carol', 'human');
  // R46: every caller but the admin is bounded to queue `matrix`.
  await api.resource('matrix-human', 'human', [], ['matrix']);
  await api.resource('matrix-supervisor', 'human', ['supervisor'], ['matrix']);
  await api.resource('matrix-robot', 'robot', [], ['matrix']);
  await api.resource('matrix-integration', 'integration', [], ['matrix']);
  expect((await api.request('PUT', '/v1/categories/matrix', { body: { name: 'Matrix' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/processes/matrix', { body: { name: 'Matrix', stages: [{ name: 'Only', actions: [{ type: 'review', name: 'Check' }] }] } })).status).toBe(200);
  const document = (await api.request('GET', '/v1/openapi.json', { token: null })).body;
  operations = new Map();
  for (const [path, ops] of Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>)) {
    for (const [method, op] of Object.entries(ops)) operations.set(op.operationId, { method: method.toUpperCase(), path });
  }
});
afterAll(async () => {
  await api?.stop();
});

function tokenOf(caller: CallerName): string | null {
  if (caller === 'none') return null;
  if (caller === 'unknown') return 'no-such-token-0123456789';
  if (caller === 'admin') return api.adminToken;
  return api.tokens[`matrix-${caller}`];
}

/** The resource a caller is, when it can be assigned work (humans and robots). */
function assignable(caller: CallerName): string | undefined {
  return caller === 'human' || caller === 'supervisor' || caller === 'robot' ? `matrix-${caller}` : undefined;
}

/**
 * A fresh item for one cell: submitted; for 'alices' and 'alices-case' in progress with alice,
 * or, at place 'assigned', with the caller (assigned by the admin, picked up by the caller).
 */
async function fixture(kind: Fixture | undefined, place: Place, caller: CallerName): Promise<string> {
  if (kind === undefined) return 'T-000000';
  if (kind === 'missing') return 'T-999999';
  const queue = place === 'own' ? 'matrix' : 'elsewhere';
  const body =
    kind === 'alices-case'
      ? { kind: 'case', processId: 'matrix', shortDescription: 'Matrix case', queue, submit: true }
      : { kind: 'ticket', title: 'Matrix', description: 'Matrix item', categoryId: 'matrix', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue, submit: true };
  const created = await api.request('POST', '/v1/work-items', { body });
  expect(created.status).toBe(201);
  const ref = created.body.ref as string;
  if (kind === 'unassigned') return ref;
  const owner = place === 'assigned' ? assignable(caller) : undefined;
  if (owner) {
    expect((await api.request('POST', `/v1/work-items/${ref}/assign`, { body: { resourceId: owner } })).status).toBe(200);
    expect((await api.request('POST', `/v1/work-items/${ref}/pick-up`, { token: tokenOf(caller) })).body.assignee).toBe(owner);
  } else {
    expect((await api.request('POST', `/v1/work-items/${ref}/pick-up`, { as: 'alice' })).body.assignee).toBe('alice');
  }
  return ref;
}

async function call(row: Row, caller: CallerName, place: Place): Promise<number> {
  const op = operations.get(row.operationId)!;
  const n = ++cell;
  const ref = await fixture(row.fixture, place, caller);
  const path = op.path
    .replace('{ref}', ref)
    .replace('{id}', `matrix-${n}`)
    .replace('{address}', `matrix-${n}@example.com`)
    .replace('{queue}', 'finance')
    .replace('{delivery}', '999999');
  const res = await api.request(op.method, path + (row.query ?? ''), { token: tokenOf(caller), body: row.body?.(n) ?? (op.method === 'GET' ? undefined : {}) });
  return res.status;
}

/** The places a row runs at: an item that exists moves between queues; an unassigned one has no assignee. */
function placesOf(row: Row): Place[] {
  if (row.fixture === undefined || row.fixture === 'missing') return ['own'];
  return row.fixture === 'unassigned' ? ['own', 'other'] : ['own', 'other', 'assigned'];
}

/**
 * R46: out of reach, a bounded caller gets 404 unless the route refuses its kind first (403); the
 * admin is bounded by nothing. Assigned to the caller, an item is its own: by default a human or a
 * robot is then answered as a supervisor is on alice's item, unless its kind is refused there.
 */
function expectedAt(row: Row, place: Place): Record<Known, number> {
  if (place === 'own') return row.expect;
  // (an integration's 403 here is the route's: integrations send no commands)
  const hidden = Object.fromEntries(KNOWN.map((c) => [c, c === 'admin' || (c === 'integration' && row.expect[c] === 403) ? row.expect[c] : 404])) as Record<Known, number>;
  if (place === 'other') return hidden;
  const owned = Object.fromEntries((['human', 'supervisor', 'robot'] as const).map((c) => [c, row.expect[c] === 403 ? 403 : row.expect.supervisor]));
  return { ...hidden, ...owned, ...row.assigned };
}

describe('the authorization matrix', () => {
  it('lists every operation of the OpenAPI document, and only those', () => {
    const listed = new Set(ROWS.map((r) => r.operationId));
    expect([...operations.keys()].filter((op) => !listed.has(op)), 'operations without a row').toEqual([]);
    expect([...listed].filter((op) => !operations.has(op)), 'rows of no operation').toEqual([]);
  });

  for (const row of ROWS) {
    for (const place of placesOf(row)) {
      const expected: Record<CallerName, number> = { none: 401, unknown: 401, ...expectedAt(row, place) };
      const cells = CALLERS.map((c) => `${c} ${expected[c]}`).join(', ');
      const where = row.fixture && row.fixture !== 'missing' ? ` [${place}]` : '';
      it(`${row.operationId}${row.on ? ` (${row.on})` : ''}${where}: ${cells}`, async () => {
        const seen = Object.fromEntries(await Promise.all(CALLERS.map(async (c) => [c, await call(row, c, place)] as const)));
        expect(seen).toEqual(expected);
      });
    }
  }
});
