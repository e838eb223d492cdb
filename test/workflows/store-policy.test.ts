// When an item's workflow stores its changes in PostgreSQL (reads come from there): a change an
// Update answered is stored by the API before it answers, so the workflow may wait up to its store
// delay (30 s by default) to store it; every other change (a deadline its timer reached, a notice
// from another item, an email's delivery outcome, a launch) is stored at once. On the
// time-skipping test server, with the real activities and PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseProcess } from '../../workflows/domain/item/types.js';
import { itemQuery } from '../../workflows/definitions.js';
import { alice, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';

const HOUR = 3_600_000;
/** Well under the store delay (30 s of the test server's clock, which runs at least as fast as the wall's). */
const AT_ONCE_MS = 5_000;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** The stored version of the item, or 0 before its first store. */
async function storedVersion(ref: string): Promise<number> {
  const { rows } = await h.pool.query<{ version: number }>('SELECT version FROM work_items WHERE ref = $1', [ref]);
  return rows[0]?.version ?? 0;
}

/** Waits (wall clock, no time skipped) until the stored version reaches `version`; answers how long that took. */
async function storedWithin(ref: string, version: number, timeoutMs = AT_ONCE_MS): Promise<number> {
  const started = Date.now();
  while ((await storedVersion(ref)) < version) {
    if (Date.now() - started > timeoutMs) throw new Error(`${ref} not stored at version ${version} within ${timeoutMs} ms (stored: ${await storedVersion(ref)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

const versionOf = async (handle: ItemHandle): Promise<number> => (await handle.query(itemQuery)).version;

describe('what an Update answered waits for the store delay', () => {
  it('R41: a command\'s change is not stored at once (the API stores what the Update answered), and is within the store delay', async () => {
    const t = await h.ticket({ submit: true });
    const v = await h.rawCommand(t, alice, { type: 'addNote', text: 'answered, so it waits' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await storedVersion(v.ref)).toBeLessThan(v.version);
    await h.skip(31_000);
    await storedWithin(v.ref, v.version);
  });
});

describe('what no Update answered is stored at once', () => {
  it('R17, R41: a wait its timer ended', async () => {
    const t = await h.ticket({ submit: true });
    await h.command(t, alice, { type: 'pickUp' });
    const now = await h.env.currentTimeMs();
    const waiting = await h.rawCommand(t, alice, { type: 'wait', wait: { type: 'until', until: new Date(now + HOUR).toISOString() } });
    await h.skip(HOUR + 1_000);
    const ended = await h.until(t, (v) => v.state === 'in_progress', 'the wait to end');
    expect(ended.version).toBeGreaterThan(waiting.version);
    await storedWithin(waiting.ref, ended.version);
  });

  it('R24, R41: an email\'s delivery outcome', async () => {
    const t = await h.ticket({ submit: true });
    await h.command(t, alice, { type: 'pickUp' });
    const sent = await h.rawCommand(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Hello', body: 'Invoice 42 is paid.' });
    const seq = sent.timeline.find((e) => e.type === 'email_out')!.seq;
    const delivered = await h.until(t, (v) => v.timeline.find((e) => e.seq === seq)?.delivery === 'sent', 'the delivery');
    await storedWithin(sent.ref, delivered.version);
    const { rows } = await h.pool.query<{ entry: { delivery?: string } }>('SELECT entry FROM timeline_entries WHERE ref = $1 AND seq = $2', [sent.ref, seq]);
    expect(rows[0]?.entry.delivery).toBe('sent');
  });

  it('R25, R26, R41: an item another item started (no Update answered its creation), its launches, and the notice of an action\'s closing', async () => {
    const process: CaseProcess = { id: 'store-policy', version: 1, name: 'One action', stages: [{ name: 'Do', actions: [{ type: 'task', name: 'Do it' }] }] };
    const kase = await h.kase(process);
    const launched = await h.until(kase, (v) => v.childRefs.length === 1, 'the action launched');
    await storedWithin(launched.ref, launched.version); // the launch
    const action = h.handleOf(launched.childRefs[0]);
    await storedWithin(action.workflowId, await versionOf(action)); // created by the case: stored at once
    await h.rawCommand(action, alice, { type: 'resolve', method: 'complete' });
    const heard = await h.until(kase, (v) => v.flowComplete === true, 'the case to hear of it');
    await storedWithin(heard.ref, heard.version); // the notice
  });
});

it('R42: every history recorded above replays without nondeterminism', async () => {
  const { replayed, errors } = await h.replayAll();
  expect(errors).toEqual([]);
  expect(replayed).toBe(h.handles.length + 1);
});
