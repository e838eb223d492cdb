// Cases over HTTP, with the real worker, Temporal dev server and PostgreSQL: a desk's case from
// creation to closing, as its owner and the people doing its actions see it (R5, R19, R25-R29,
// R41), and what the API refuses. Each test makes its own items. The calls go through the typed
// client (clients/typescript), checked by tsc against the service's OpenAPI document; bodies that
// break the schema on purpose go through `api.request`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, item, ok } from '../support/api-harness.js';
import type { Schema, WorkItemsClient } from '../../clients/typescript/src/index.js';

let api: ApiHarness;
/** The typed client as resource `who`. */
const as = (who: string): WorkItemsClient => api.clientAs(who);
type View = Schema<'WorkItem'>;
const PROCESS = 'case-story-onboarding';
/** Three stages, a robot's action first, in a category with a two-second feedback window. */
const FULL = 'case-story-full';

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('pat', 'human'); // the case's owner
  await api.resource('quinn', 'human'); // does actions
  await api.resource('robbie', 'robot');
  await ok(api.client.PUT('/v1/categories/{id}', { params: { path: { id: 'case-story-window' } }, body: { name: 'Supplier onboarding', feedbackWindow: 'PT2S' } }));
  await ok(
    api.client.PUT('/v1/processes/{id}', {
      params: { path: { id: FULL } },
      body: {
          name: 'Onboard a supplier, in full',
          categoryId: 'case-story-window',
          stages: [
            { name: 'Intake', actions: [{ type: 'scan', name: 'Scan documents', robot: true }, { type: 'review', name: 'Verify identity' }] },
            { name: 'Check', actions: [{ type: 'review', name: 'Check sanctions' }] },
            { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
          ],
      },
    }),
  );
  await ok(
    api.client.PUT('/v1/processes/{id}', {
      params: { path: { id: PROCESS } },
      body: {
        name: 'Onboard a supplier',
        stages: [
          { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }, { type: 'review', name: 'Check sanctions' }] },
          { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
        ],
      },
    }),
  );
});
afterAll(async () => {
  await api?.stop();
});

async function newCase(shortDescription = 'Onboard Acme Ltd', processId = PROCESS): Promise<string> {
  const res = await as('pat').POST('/v1/work-items', { body: { kind: 'case', processId, shortDescription, submit: true } });
  expect(res.response.status).toBe(201);
  return res.data!.ref;
}

/** The item's view as `who`. */
const view = (ref: string, who = 'pat'): Promise<View> => ok(as(who).GET('/v1/work-items/{ref}', item(ref)));

/** The case's view once `check` holds (actions are launched and heard from asynchronously). */
const caseWhen = (ref: string, what: string, check: (v: View) => boolean, who = 'pat'): Promise<View> =>
  api.eventually(what, async () => {
    const { data } = await as(who).GET('/v1/work-items/{ref}', item(ref)); // an item born in a workflow answers 404 until it is stored
    return data && check(data) && data;
  });

/** The actions of a case's view (a case has them, possibly none yet). */
const actionsOf = (v: View) => v.actions ?? [];

/** Prints the Temporal history figures of the items (the issue's closing note reports them). */
async function reportHistories(what: string, refs: string[]): Promise<void> {
  const lines = await Promise.all(
    refs.map(async (ref) => {
      const h = await ok(as('pat').GET('/v1/work-items/{ref}/history', item(ref)));
      return `${ref}: ${h.eventCount} events, ${(h.sizeBytes / 1024).toFixed(1)} KB (${h.status})`;
    }),
  );
  console.log(`[history] ${what}:\n  ${lines.join('\n  ')}`);
}

/** The typed client of the actions' worker, the case's owner and the robot. */
const quinn = () => as('quinn');
const pat = () => as('pat');
const robbie = () => as('robbie');

describe('a case from creation to closing', () => {
  it('R13, R19-R21, R25-R29: a three-stage case: a robot rejects, humans complete, a failure needs the owner, relaunch, reset, rework from the first stage, resolve, feedback window, closed', async () => {
    const ref = await newCase('Onboard Acme Ltd', FULL);
    expect(ref).toMatch(/^C-\d{6}$/);
    let v = await caseWhen(ref, 'the first stage launched', (x) => actionsOf(x).length === 2);
    expect(v).toMatchObject({ kind: 'case', state: 'todo', processId: FULL, processVersion: 1, categoryId: 'case-story-window', stage: { index: 0, name: 'Intake' }, flowComplete: false });
    const [scan, identity] = actionsOf(v).map((a) => a.ref);
    expect(v.childRefs).toEqual([scan, identity]);
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(ref), body: {} }));

    // R13: a robot takes the scan, cannot read it, and hands it to humans; a human completes it.
    expect(await view(scan, 'robbie')).toMatchObject({ kind: 'action', state: 'todo', parentRef: ref, title: 'Scan documents', actionType: 'scan', robot: true, stageIndex: 0 });
    await ok(robbie().POST('/v1/work-items/{ref}/pick-up', { ...item(scan), body: {} }));
    expect(await ok(robbie().POST('/v1/work-items/{ref}/reject', { ...item(scan), body: { reason: 'Cannot read the scan' } }))).toMatchObject({ state: 'todo', needsHuman: true });
    await ok(quinn().POST('/v1/work-items/{ref}/pick-up', { ...item(scan), body: {} }));
    // R27: the case shows where each action is, and who has it.
    v = await view(ref);
    expect(actionsOf(v)[0]).toMatchObject({ ref: scan, state: 'in_progress', assignee: 'quinn' });
    expect(await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(scan), body: { method: 'complete' } }))).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });

    // R25, R29: an action unable to complete sends the case back to todo, with the reason.
    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(identity), body: { method: 'unable_to_complete', reason: 'Passport expired' } }));
    v = await caseWhen(ref, 'the case needing attention', (x) => x.attention !== undefined);
    expect(v).toMatchObject({ state: 'todo', highlighted: true, attention: { actionRef: identity, reason: 'Passport expired' } });
    const inInbox = await api.eventually("the case in its owner's Inbox, highlighted (R41)", async () => {
      const { items } = await ok(pat().GET('/v1/inbox'));
      return items.find((i) => i.ref === ref && i.state === 'todo' && i.highlighted);
    });
    expect(inInbox).toBeTruthy();

    // R28: the owner relaunches the failed action; its copy supersedes the failure.
    await ok(pat().POST('/v1/work-items/{ref}/actions', { ...item(ref), body: { relaunch: identity } }));
    v = await caseWhen(ref, 'the relaunched copy', (x) => actionsOf(x).length === 3);
    expect(v.attention).toBeUndefined();
    expect(actionsOf(v)[2]).toMatchObject({ name: 'Verify identity', stageIndex: 0, byHand: true });
    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(actionsOf(v)[2].ref), body: { method: 'complete' } }));
    v = await caseWhen(ref, 'the second stage', (x) => actionsOf(x).length === 4);
    expect(v.stage).toEqual({ index: 1, name: 'Check' });

    // R29: another failure; this time the owner resets: the failure is accepted and the flow goes on.
    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(actionsOf(v)[3].ref), body: { method: 'unable_to_complete', reason: 'Registry offline' } }));
    await caseWhen(ref, 'attention again', (x) => x.attention?.reason === 'Registry offline');
    expect(await ok(pat().POST('/v1/work-items/{ref}/reset', { ...item(ref), body: {} }))).toMatchObject({ state: 'in_progress', highlighted: false });
    v = await caseWhen(ref, 'the third stage', (x) => actionsOf(x).length === 5);
    expect(v.stage).toEqual({ index: 2, name: 'Set up' });

    // R29: the owner reworks from the first stage: its actions are launched anew, in order.
    const stale = actionsOf(v)[4].ref;
    await ok(pat().POST('/v1/work-items/{ref}/rework', { ...item(ref), body: { fromStage: 0 } }));
    v = await caseWhen(ref, 'the first stage again', (x) => actionsOf(x).length === 7);
    expect(v.stage).toEqual({ index: 0, name: 'Intake' });
    expect(actionsOf(v).slice(5)).toMatchObject([{ name: 'Scan documents', stageIndex: 0 }, { name: 'Verify identity', stageIndex: 0 }]);
    // R29: the open action of the later stage is withdrawn: closed, so out of its assignee's lists.
    expect(actionsOf(v)[4]).toMatchObject({ ref: stale, state: 'closed', resolutionMethod: 'withdrawn' });
    await caseWhen(stale, "the later stage's action withdrawn", (x) => x.state === 'closed' && x.resolutionMethod === 'withdrawn');
    for (const a of actionsOf(v).slice(5)) await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(a.ref), body: { method: 'complete' } }));
    v = await caseWhen(ref, 'the second stage again', (x) => actionsOf(x).length === 8);
    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(actionsOf(v)[7].ref), body: { method: 'complete' } }));
    v = await caseWhen(ref, 'the third stage again', (x) => actionsOf(x).length === 9);

    // R26: resolving before the flow completes is refused, and says why.
    const early = await pat().POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'complete' } });
    expect(early.response.status).toBe(409);
    expect(early.error!.message).toMatch(/flow is not complete: stage 2 \(Set up\)/);

    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(actionsOf(v)[8].ref), body: { method: 'complete' } }));
    await caseWhen(ref, 'the flow complete', (x) => x.flowComplete === true);
    // R20, R21: resolved into the category's feedback window, then closed when it ends.
    const resolved = await ok(pat().POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'complete' } }));
    expect(resolved).toMatchObject({ state: 'resolved', resolutionMethod: 'complete', feedbackWindowEndsAt: expect.any(String) });
    const closed = await caseWhen(ref, 'the case closed after its window', (x) => x.state === 'closed');
    expect(closed.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['stage_started', 'action_launched', 'action_closed', 'needs_attention', 'launch_requested', 'reset', 'reworked', 'flow_complete', 'resolved', 'closed']),
    );
    await reportHistories('the three-stage story', [ref, ...closed.childRefs]);
  });

  it('R14, R19: a second case pauses, then is cancelled: it closes at once, and its open actions close as cancelled, naming the case and the reason', async () => {
    const ref = await newCase('Onboard Beta SRL', FULL);
    const v = await caseWhen(ref, 'the first stage launched', (x) => actionsOf(x).length === 2);
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(ref), body: {} }));
    expect(await ok(pat().POST('/v1/work-items/{ref}/wait', { ...item(ref), body: { type: 'pause', reason: 'Supplier on holiday' } }))).toMatchObject({ state: 'waiting', waitType: 'pause' });
    const owned = await api.eventually('the paused case in Owned Work (R41)', async () => (await ok(pat().GET('/v1/owned-work'))).items.find((i) => i.ref === ref));
    expect(owned).toBeTruthy();
    const cancelled = await ok(pat().POST('/v1/work-items/{ref}/cancel', { ...item(ref), body: { reason: 'Supplier withdrew' } }));
    expect(cancelled).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: 'Supplier withdrew' });
    for (const a of actionsOf(v)) {
      const closed = await caseWhen(a.ref, `${a.ref} closed`, (x) => x.state === 'closed', 'quinn');
      expect(closed).toMatchObject({ resolutionMethod: 'cancelled', resolutionReason: `case ${ref} was cancelled: Supplier withdrew` });
    }
    const again = await pat().POST('/v1/work-items/{ref}/cancel', { ...item(ref), body: { reason: 'Again' } });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ error: 'invalid_transition', from: 'closed' });
  });

  it('R26: a running case keeps the version of its process it started with', async () => {
    const id = 'case-story-versioned';
    const one: Schema<'Process'> = { name: 'Versioned', stages: [{ name: 'First', actions: [{ type: 'review', name: 'A' }] }, { name: 'Second', actions: [{ type: 'review', name: 'B' }] }] };
    const put = (body: Schema<'Process'>) => ok(api.client.PUT('/v1/processes/{id}', { params: { path: { id } }, body }));
    expect((await put(one)).version).toBe(1);
    const ref = (await ok(pat().POST('/v1/work-items', { body: { kind: 'case', processId: id, shortDescription: 'Versioned case', submit: true } }))).ref;
    const two = { ...one, stages: [one.stages[0], { name: 'Second, changed', actions: [{ type: 'review', name: 'C' }] }] };
    expect((await put(two)).version).toBe(2);
    const v = await caseWhen(ref, 'the first stage', (x) => actionsOf(x).length === 1);
    await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(actionsOf(v)[0].ref), body: { method: 'complete' } }));
    const next = await caseWhen(ref, 'the second stage', (x) => actionsOf(x).length === 2);
    expect(next).toMatchObject({ processVersion: 1, stage: { index: 1, name: 'Second' } });
    expect(actionsOf(next)[1].name).toBe('B');
  });
});

describe('cases started by email (R9)', () => {
  it('R9: an email to a mailbox that starts cases starts a submitted case of its process, the email on its timeline', async () => {
    await ok(api.client.PUT('/v1/mailboxes/{address}', { params: { path: { address: 'onboarding@desk.example' } }, body: { starts: 'case', processId: PROCESS, queue: 'suppliers' } }));
    const email = await ok(api.client.POST('/v1/inbound-emails', { body: { messageId: '<case-story-1@acme.example>', from: 'ann@acme.example', to: ['onboarding@desk.example'], subject: 'Please onboard Acme', body: 'Our documents are attached.' } }));
    expect(email).toMatchObject({ outcome: 'created', ref: expect.stringMatching(/^C-\d{6}$/) });
    const ref = email.ref!;
    const v = await caseWhen(ref, 'the first stage launched', (x) => actionsOf(x).length === 2);
    expect(v).toMatchObject({ kind: 'case', state: 'todo', shortDescription: 'Please onboard Acme', queue: 'suppliers', processId: PROCESS });
    expect(v.timeline.map((e) => e.type)).toContain('email_in');
    // R41: its actions wait in the case's queue.
    const queued = await api.eventually('the actions in the queue', async () => {
      const { items } = await ok(quinn().GET('/v1/queues/{queue}', { params: { path: { queue: 'suppliers' } } }));
      const mine = items.filter((i) => i.parentRef === ref);
      return mine.length === 2 && mine;
    });
    expect(queued.map((i) => i.kind)).toEqual(['action', 'action']);
  });

  it('R9: a mailbox that starts cases must name a process that exists', async () => {
    for (const body of [{ starts: 'case' }, { starts: 'case', processId: 'no-such-process' }, { starts: 'ticket', processId: PROCESS }]) {
      const res = await api.request('PUT', '/v1/mailboxes/bad@desk.example', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.issues[0].path).toEqual(['body', 'processId']);
    }
  });
});

describe('cases started on a schedule (R9)', () => {
  it('R9: a schedule starts cases of its process on time on the dev server; paused it starts none; deleted it is gone', async () => {
    const schedule = { params: { path: { id: 'case-story-every-2s' } } };
    const put = await ok(api.client.PUT('/v1/schedules/{id}', { ...schedule, body: { processId: PROCESS, shortDescription: 'Scheduled supplier review', every: 'PT2S', queue: 'scheduled' } }));
    expect(put).toMatchObject({ id: 'case-story-every-2s', processId: PROCESS, every: 'PT2S', paused: false, nextRunAt: expect.any(String) });
    const due = Date.parse(put.nextRunAt!);
    const first = await api.eventually(
      'a scheduled case',
      async () => {
        const { items } = await ok(api.client.GET('/v1/queues/{queue}', { params: { path: { queue: 'scheduled' } } }));
        // The earliest: with a run every 2 s, a slow poll may already see the second.
        return items.filter((i) => i.kind === 'case' && i.title === 'Scheduled supplier review').sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
      },
      20_000,
    );
    // On time: the first case was created when the schedule said, give or take the machine's load
    // (1.5 s late measured on an idle machine; the bound allows for a loaded CI run).
    expect(Date.parse(first.createdAt)).toBeGreaterThanOrEqual(due - 1000);
    expect(Date.parse(first.createdAt)).toBeLessThan(due + 8000);
    const v = await caseWhen(first.ref, 'its first stage', (x) => actionsOf(x).length === 2);
    expect(v).toMatchObject({ state: 'todo', processVersion: 1, queue: 'scheduled' });

    const paused = await ok(api.client.PUT('/v1/schedules/{id}', { ...schedule, body: { processId: PROCESS, shortDescription: 'Scheduled supplier review', every: 'PT2S', paused: true } }));
    expect(paused.paused).toBe(true);
    expect(paused.nextRunAt).toBeUndefined();
    expect((await ok(api.client.GET('/v1/schedules'))).schedules).toMatchObject([{ id: 'case-story-every-2s', paused: true }]);
    expect(await ok(api.client.DELETE('/v1/schedules/{id}', schedule))).toEqual({ id: 'case-story-every-2s', deleted: true });
    expect((await ok(api.client.GET('/v1/schedules'))).schedules).toEqual([]);
    expect((await api.client.DELETE('/v1/schedules/{id}', schedule)).response.status).toBe(404);
  });

  it('R9: a schedule names a process that exists, and exactly one of cron and every', async () => {
    for (const [body, path] of [
      [{ processId: 'no-such-process', shortDescription: 'x', every: 'P1D' }, 'processId'],
      [{ processId: PROCESS, shortDescription: 'x' }, 'cron'],
      [{ processId: PROCESS, shortDescription: 'x', cron: '0 9 * * *', every: 'P1D' }, 'cron'],
      [{ processId: PROCESS, shortDescription: 'x', cron: 'not a cron' }, 'cron'],
    ] as const) {
      const res = await api.request('PUT', '/v1/schedules/case-story-bad', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.issues[0].path).toEqual(['body', path]);
    }
    expect((await ok(api.client.GET('/v1/schedules'))).schedules.map((s) => s.id)).not.toContain('case-story-bad');
  });
});

describe('what the API refuses about cases', () => {
  it('R26: a case without a process, or of an unknown one, is refused and nothing is created', async () => {
    for (const [body, message] of [
      [{ kind: 'case', shortDescription: 'No process' }, /a case follows a process/],
      [{ kind: 'case', processId: 'no-such-process', shortDescription: 'Unknown' }, /no process no-such-process/],
      [{ kind: 'ticket', processId: PROCESS, title: 'A ticket' }, /only a case follows a process/],
    ] as const) {
      const res = await api.request('POST', '/v1/work-items', { as: 'pat', body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', issues: [{ path: ['body', 'processId'] }] });
      expect(res.body.message).toMatch(message);
    }
  });

  it('R5: submitting a case needs its short description', async () => {
    const res = await pat().POST('/v1/work-items', { body: { kind: 'case', processId: PROCESS, submit: true } });
    expect(res.response.status).toBe(422);
    expect(res.error).toMatchObject({ error: 'validation_failed', missing: ['shortDescription'] });
  });

  it('R4: an action is born only from its case', async () => {
    const res = await api.request('POST', '/v1/work-items', { as: 'pat', body: { kind: 'action', title: 'By hand' } });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toEqual(['body', 'kind']);
  });

  it('R29: rework takes a case in progress and a stage it has reached; reset needs a case that needs attention; a ticket takes neither', async () => {
    const ref = await newCase('Onboard Gamma');
    await caseWhen(ref, 'the first stage launched', (x) => actionsOf(x).length === 2);
    const rework = (fromStage: number) => pat().POST('/v1/work-items/{ref}/rework', { ...item(ref), body: { fromStage } });
    const notPickedUp = await rework(0);
    expect(notPickedUp.response.status).toBe(409);
    expect(notPickedUp.error).toMatchObject({ error: 'invalid_transition', from: 'todo', command: 'rework' });
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(ref), body: {} }));
    const far = await rework(1);
    expect(far.response.status).toBe(400);
    expect(far.error!.message).toMatch(/0 to 0/);
    const reset = await pat().POST('/v1/work-items/{ref}/reset', { ...item(ref), body: {} });
    expect(reset.response.status).toBe(409);
    expect(reset.error).toMatchObject({ error: 'invalid_transition', from: 'in_progress' });
    const ticket = await ok(pat().POST('/v1/work-items', { body: { kind: 'ticket', title: 'Just a ticket' } }));
    const onTicket = await pat().POST('/v1/work-items/{ref}/cancel', { ...item(ticket.ref), body: { reason: 'No' } });
    expect(onTicket.response.status).toBe(400);
    expect(onTicket.error!.message).toMatch(/Only a case takes cancel/);
  });
});
