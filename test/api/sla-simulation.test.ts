// SLA clocks (R44) and the SLA simulator (R45) over HTTP, in time-skipping mode: items whose real
// runs the time-skipping server produced, replayed under their own rule, give every figure they
// have; a proposed rule changes the breaches it should; bad input is refused by field; nothing
// changes.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
let from: string;

const OWN_RULE = {
  resolution: { target: 'PT6H', calendarId: 'office', addWaitingTime: true, stopOn: ['more_info'] },
  first_response: { target: 'PT4H', calendarId: 'office' },
  next_response: { target: 'PT2H', addWaitingTime: true, stopOn: ['more_info'] },
};

const skip = (duration: string) => api.request('POST', '/v1/test/clock/skip', { body: { duration } });
const simulate = (body: Record<string, unknown>, as?: string) => api.request('POST', '/v1/sla/simulations', { body, ...(as ? { as } : {}) });
const reply = (ref: string) => api.request('POST', `/v1/work-items/${ref}/emails`, { as: 'alice', body: { to: ['c@x.example'], subject: 'About your request', body: 'Looking into it.' } });
const mail = (ref: string) =>
  api.request('POST', '/v1/inbound-emails', { body: { messageId: `<${randomUUID()}@x.example>`, from: 'c@x.example', to: ['desk@acme.example'], subject: `Re: [${ref}] request`, body: 'Any news?' } });
const command = (ref: string, path: string, body: Record<string, unknown> = {}) => api.request('POST', `/v1/work-items/${ref}/${path}`, { as: 'alice', body });

beforeAll(async () => {
  api = await ApiHarness.start({ timeSkipping: true });
  await api.resource('alice', 'human');
  await api.resource('sam', 'human', ['supervisor']);
  await api.request('PUT', '/v1/calendars/office', {
    body: { timezone: 'Europe/Bucharest', workingHours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] } },
  });
  const { resolution, ...slas } = OWN_RULE;
  expect((await api.request('PUT', '/v1/categories/hr', { body: { name: 'HR', feedbackWindow: 'P5D', sla: resolution, slas } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/categories/empty', { body: { name: 'Nothing here', sla: { target: 'P1D' } } })).status).toBe(200);
  await api.request('PUT', '/v1/mailboxes/desk@acme.example', { body: { starts: 'ticket', categoryId: 'hr' } });
  from = (await api.request('GET', '/v1/test/clock')).body.now;

  // Six stories, each on the real workflow: answered at once, never answered, waits, a reopen, late next responses.
  const refs: string[] = [];
  for (let i = 0; i < 6; i++) {
    const created = await api.request('POST', '/v1/work-items', {
      as: 'alice',
      body: { kind: 'ticket', title: `Request ${i}`, description: 'Details', categoryId: 'hr', primaryContact: 'c@x.example', requester: 'c@x.example', queue: i % 2 ? 'payroll' : 'benefits', submit: true },
    });
    refs.push(created.body.ref);
    await command(created.body.ref, 'pick-up');
  }
  const [answered, silent, waiting, reopened, late, busy] = refs;
  await reply(answered!);
  await skip('PT1H');
  await reply(waiting!);
  await reply(late!);
  await reply(busy!);
  await mail(waiting!);
  await command(waiting!, 'wait', { type: 'more_info' });
  await skip('PT3H');
  await mail(waiting!); // ends the wait
  await mail(late!);
  await reply(reopened!);
  await command(reopened!, 'resolve', { method: 'customer_communication' });
  await skip('PT5H');
  await mail(reopened!); // reopens it
  await reply(late!);
  await mail(busy!);
  await skip('P1D');
  await mail(late!);
  await skip('PT30M');
  await reply(busy!);
  await skip('P3D');
  expect(silent).toBeDefined();
}, 600_000);
afterAll(async () => {
  await api?.stop();
});

describe('the simulator (R45)', () => {
  it('R45: items replayed under their own rule give every figure their real runs have', async () => {
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    const res = await simulate({ categoryId: 'hr', from, to, rule: OWN_RULE }, 'sam');
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked'); // streamed as the items are replayed
    const rows = res.body.items as Array<{ ref: string; clock: string; actual: unknown; simulated: unknown }>;
    expect(new Set(rows.map((r) => r.ref)).size).toBe(6);
    expect(rows).toHaveLength(18); // six items, three clocks each
    const mismatched = rows.filter((r) => JSON.stringify(r.actual) !== JSON.stringify(r.simulated));
    expect(mismatched).toEqual([]);
    // The stories breach on every clock, so the equality above covers breaches as well as dues.
    for (const clock of ['resolution', 'first_response', 'next_response']) {
      expect(res.body.totals.byClock[clock].breachedNow, clock).toBeGreaterThan(0);
      expect(res.body.totals.byClock[clock].breachedProposed).toBe(res.body.totals.byClock[clock].breachedNow);
    }
    expect(Object.keys(res.body.totals.byQueue).sort()).toEqual(['benefits', 'payroll']);
  });

  it('R45: a stricter rule breaches more, a looser one fewer; a clock the rule leaves out keeps its category rule', async () => {
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    const strict = await simulate({ categoryId: 'hr', from, to, rule: { first_response: { target: 'PT30M' } } });
    const loose = await simulate({ categoryId: 'hr', from, to, rule: { first_response: { target: 'P10D' }, next_response: { target: 'P10D' } } });
    const t = (res: typeof strict, clock: string) => res.body.totals.byClock[clock];
    expect(t(strict, 'first_response').breachedProposed).toBeGreaterThan(t(strict, 'first_response').breachedNow);
    expect(t(loose, 'first_response').breachedProposed).toBe(0);
    expect(t(loose, 'next_response').breachedProposed).toBe(0);
    expect(t(strict, 'resolution').breachedProposed).toBe(t(strict, 'resolution').breachedNow);
    const row = strict.body.items.find((r: any) => r.clock === 'first_response' && r.simulated.breached && !r.actual.breached);
    expect(row.simulated.minutesLate).toBeGreaterThan(0);
  });

  it('R45: a simulation changes no item', async () => {
    const before = (await api.request('GET', '/v1/work-items?categoryId=hr&limit=50')).body.items.map((i: any) => `${i.ref}@${i.version}`);
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    await simulate({ categoryId: 'hr', from, to, rule: { resolution: { target: 'PT1H' } } });
    const after = (await api.request('GET', '/v1/work-items?categoryId=hr&limit=50')).body.items.map((i: any) => `${i.ref}@${i.version}`);
    expect(after).toEqual(before);
    const count = await api.pool.query('SELECT count(*)::int AS n FROM work_items');
    expect(count.rows[0].n).toBe(before.length);
  });

  it('R45: bad input is refused naming the field; a category with no items answers an empty simulation', async () => {
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    const paths = async (body: Record<string, unknown>) => {
      const res = await simulate(body);
      expect(res.status).toBe(400);
      return res.body.issues.map((i: { path: string[] }) => i.path.join('.'));
    };
    expect(await paths({ from, to, rule: { resolution: { target: 'PT0S' } } })).toContain('body.rule.resolution.target');
    expect(await paths({ from, to, rule: { first_response: { target: '-PT1H' } } })).toContain('body.rule.first_response.target');
    expect(await paths({ from, to, rule: { next_response: { target: 'PT1H', calendarId: 'nowhere' } } })).toContain('body.rule.next_response.calendarId');
    expect(await paths({ from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z', rule: {} })).toContain('body.to');
    expect(await paths({ categoryId: 'nope', from, to, rule: {} })).toContain('body.categoryId');
    const empty = await simulate({ categoryId: 'empty', from, to, rule: { resolution: { target: 'PT1H' } } });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ items: [], totals: { byClock: {}, byQueue: {} } });
  });

  it('R45: a simulation under an Idempotency-Key answers the same, and a repeat replays that answer', async () => {
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    const body = { categoryId: 'hr', from, to, rule: OWN_RULE };
    const first = await api.request('POST', '/v1/sla/simulations', { body, headers: { 'idempotency-key': 'sim-1' } });
    const again = await api.request('POST', '/v1/sla/simulations', { body, headers: { 'idempotency-key': 'sim-1' } });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(18);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('R45, R46: only supervisors and the admin simulate', async () => {
    const to = (await api.request('GET', '/v1/test/clock')).body.now;
    expect((await simulate({ from, to, rule: {} }, 'alice')).status).toBe(403);
  });
});
