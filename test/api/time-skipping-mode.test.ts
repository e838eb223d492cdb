// Time-skipping mode (for testers): the same service on Temporal's time-skipping test server,
// with its clock moved by POST /v1/test/clock/skip. A 30-day SLA with three stopped spans (R37)
// breaches at the exact instant (R39), in seconds of wall time; views show the skipped clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  api = await ApiHarness.start({ timeSkipping: true });
  await api.resource('alice', 'human');
  const category = await api.request('PUT', '/v1/categories/claims', { body: { name: 'Claims', sla: { target: 'P30D', addWaitingTime: true, stopOn: ['until'] } } });
  expect(category.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

const clock = async () => Date.parse((await api.request('GET', '/v1/test/clock')).body.now);
const skip = async (duration: string) => {
  const res = await api.request('POST', '/v1/test/clock/skip', { body: { duration } });
  expect(res.status).toBe(200);
  return Date.parse(res.body.now);
};
const view = async (ref: string) => (await api.request('GET', `/v1/work-items/${ref}`)).body;

describe('time-skipping mode', () => {
  it('R36-R39: a 30-day SLA with three stopped spans breaches at the exact instant, the due date moved by every span, in seconds of wall time', async () => {
    const wallStart = Date.now();
    const created = await api.request('POST', '/v1/work-items', {
      as: 'alice',
      body: { kind: 'ticket', title: 'Claim 7', description: 'Water damage', categoryId: 'claims', primaryContact: 'c@x.example', requester: 'c@x.example', submit: true },
    });
    expect(created.status).toBe(201);
    const ref = created.body.ref;
    const submittedAt = Date.parse(created.body.submittedAt);
    expect(Math.abs(submittedAt - (await clock()))).toBeLessThan(5_000); // created on the skipped clock
    expect(Date.parse(created.body.sla.dueAt)).toBe(submittedAt + 30 * DAY);
    await api.act(ref, '/pick-up', {}, 'alice');

    // Three until-waits, each stopping the clock (R37), each ended by its durable timer (R17).
    let stopped = 0;
    for (const [workFor, waitFor] of [[3 * DAY, 2 * DAY], [5 * DAY, 1 * DAY], [10 * DAY, 12 * HOUR]] as const) {
      await skip(`PT${workFor / 1000}S`);
      const until = new Date((await clock()) + waitFor).toISOString();
      const waiting = await api.act(ref, '/wait', { type: 'until', until }, 'alice');
      const stoppedAt = Date.parse(waiting.updatedAt);
      expect(waiting.sla.dueAt).toBeUndefined(); // R38: no due date while stopped
      expect(waiting.sla.banner).toMatch(/^Waiting: Paused \d+h \d+m before due$/);
      await skip(`PT${waitFor / 1000 + 60}S`);
      const back = await view(ref);
      expect(back).toMatchObject({ state: 'in_progress', waitEndedReason: 'until_reached' });
      stopped += Date.parse(until) - stoppedAt;
    }
    const due = (await view(ref)).sla.dueAt;
    expect(Date.parse(due)).toBe(submittedAt + 30 * DAY + stopped);

    // Up to a minute before the due date: not breached. Past it: breached at the due instant.
    const now = await clock();
    await skip(`PT${Math.floor((Date.parse(due) - now - 60_000) / 1000)}S`);
    expect((await view(ref)).sla).toMatchObject({ breached: false });
    await skip('PT2M');
    const breached = await view(ref);
    expect(breached.sla).toMatchObject({ breached: true, breachedAt: due });
    expect(breached.timeline.filter((e: any) => e.type === 'sla_breached')).toHaveLength(1);
    const row = (await api.pool.query('SELECT breached FROM work_items WHERE ref = $1', [ref])).rows[0];
    expect(row.breached).toBe(true);
    const simulated = (await clock()) - submittedAt;
    expect(simulated).toBeGreaterThan(30 * DAY);
    console.log(`R36-R39 time-skipping: ${(simulated / DAY).toFixed(1)} simulated days in ${((Date.now() - wallStart) / 1000).toFixed(1)} s of wall time`);
  }, 120_000);

  it('skip refuses a negative or malformed duration with 400, and the clock does not move', async () => {
    const before = await clock();
    for (const duration of ['-P1D', 'three days', 'P1Y']) {
      const res = await api.request('POST', '/v1/test/clock/skip', { body: { duration } });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/duration/);
    }
    expect((await clock()) - before).toBeLessThan(5_000);
  });
});
