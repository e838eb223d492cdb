// The SLA clock in workflow code (R36-R40), on the time-skipping test server: month-long
// scenarios run in seconds. Each test names the rule it proves; the last replays the histories.

import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessCalendar } from '../../workflows/domain/calendar/business-calendar.js';
import type { SlaRule } from '../../workflows/domain/sla/sla.js';
import type { CategorySnapshot, TimelineEntry } from '../../workflows/domain/item/types.js';
import type { WorkItemView } from '../../workflows/domain/item/view.js';
import { eventTypes } from '../support/history.js';
import { alice, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

function category(sla: Partial<SlaRule> & { targetMs: number }, id = 'sla'): CategorySnapshot {
  return {
    id,
    requireResolutionCommunication: false,
    feedbackWindowMs: 2 * DAY,
    sla: { addWaitingTime: true, stopOn: ['more_info', 'until'], atRiskShare: 0.75, ...sla },
  };
}

async function submittedTicket(sla: Partial<SlaRule> & { targetMs: number }): Promise<{ t: ItemHandle; v: WorkItemView }> {
  const t = await h.ticket({ submit: true, category: category(sla) });
  await h.command(t, alice, { type: 'pickUp' });
  return { t, v: await h.view(t) };
}

const entries = (v: WorkItemView, type: string): TimelineEntry[] => v.timeline.filter((e) => e.type === type);
const ms = (iso: string | undefined) => Date.parse(iso!);

/** Sum of the stopped spans as the timeline records them (stop -> next start). */
function stoppedSpans(v: WorkItemView): number[] {
  const spans: number[] = [];
  let from: number | undefined;
  for (const e of v.timeline) {
    if (e.type === 'sla_stopped') from = Date.parse(e.at);
    if (e.type === 'sla_started' && from !== undefined) {
      spans.push(Date.parse(e.at) - from);
      from = undefined;
    }
  }
  return spans;
}

describe('due dates and paused time', () => {
  it('R36, R37: over 30 days with three pauses, the due date shifts by exactly their sum', async () => {
    const started = performance.now();
    const { t, v: first } = await submittedTicket({ targetMs: 30 * DAY });
    const submittedAt = ms(first.submittedAt);
    expect(ms(first.sla!.dueAt)).toBe(submittedAt + 30 * DAY);

    // Pause 1: waiting for information, ended by the customer's email after 2 days.
    await h.skip(5 * DAY);
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(2 * DAY);
    await h.email(t);
    await h.until(t, (x) => x.state === 'in_progress', 'the email to end pause 1');
    // Pause 2: a follow-up date, ended by its durable timer.
    await h.skip(3 * DAY);
    const now2 = await h.env.currentTimeMs();
    await h.command(t, alice, { type: 'wait', wait: { type: 'until', until: new Date(now2 + DAY + 6 * HOUR).toISOString() } });
    await h.skip(DAY + 6 * HOUR + MINUTE);
    // Pause 3: cancelled by hand after 4 hours.
    await h.skip(4 * DAY);
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(4 * HOUR);
    const v = await h.command(t, alice, { type: 'cancelWait' });

    const spans = stoppedSpans(v);
    expect(spans).toHaveLength(3);
    const sum = spans.reduce((a, b) => a + b, 0);
    expect(v.sla).toMatchObject({ clockRunning: true, stoppedMs: sum, breached: false });
    expect(ms(v.sla!.dueAt)).toBe(submittedAt + 30 * DAY + sum);
    expect(Math.abs(sum - (2 * DAY + (DAY + 6 * HOUR) + 4 * HOUR))).toBeLessThan(5_000); // the commands' own round trips

    // The breach then comes exactly at the shifted due date.
    const dueAt = ms(v.sla!.dueAt);
    await h.skip(dueAt - (await h.env.currentTimeMs()) + MINUTE);
    const late = await h.view(t);
    expect(late.sla).toMatchObject({ breached: true, breachedAt: new Date(dueAt).toISOString() });
    const wallSeconds = (performance.now() - started) / 1000;
    console.log(`R37 30-day scenario with three pauses: ${wallSeconds.toFixed(2)} s of wall time`);
    expect(wallSeconds).toBeLessThan(60);
  });

  it('R37: without addWaitingTime the clock runs through waits', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 10 * DAY, addWaitingTime: false });
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(DAY);
    const v = await h.command(t, alice, { type: 'cancelWait' });
    expect(v.sla).toMatchObject({ dueAt: first.sla!.dueAt, stoppedMs: 0, clockRunning: true });
    expect(entries(v, 'sla_stopped')).toHaveLength(0);
  });

  it('R37: only the listed wait types stop the clock', async () => {
    const { t } = await submittedTicket({ targetMs: 10 * DAY, stopOn: ['until'] });
    const v = await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    expect(v.sla!.clockRunning).toBe(true);
  });

  it('R38: while stopped no due date shows, only the time left: "Paused 3h 20m before due"', async () => {
    const { t } = await submittedTicket({ targetMs: 4 * HOUR });
    await h.skip(40 * MINUTE - 30_000);
    const v = await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    expect(v.sla!.dueAt).toBeUndefined();
    expect(v.sla).toMatchObject({ clockRunning: false, banner: 'Waiting: Paused 3h 20m before due' });
    await h.skip(DAY);
    expect((await h.view(t)).sla!.banner).toBe('Waiting: Paused 3h 20m before due');
  });

  it('R38: a pause started after the due date shows how long it is past due', async () => {
    const { t } = await submittedTicket({ targetMs: HOUR });
    await h.skip(HOUR + 5 * MINUTE + 30_000);
    const v = await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    expect(v.sla).toMatchObject({ breached: true, clockRunning: false, banner: 'Waiting: Paused 0h 5m after due' });
    expect(v.sla!.dueAt).toBeUndefined();
    expect(v.sla!.remainingMs).toBeLessThan(-5 * MINUTE);
  });

  it('R38: hours may exceed 24 in the banner', async () => {
    const { t } = await submittedTicket({ targetMs: 3 * DAY });
    const v = await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    expect(v.sla!.banner).toMatch(/^Waiting: Paused 71h 59m before due$/);
  });
});

describe('breach and at-risk marks', () => {
  it('R39: the breach is recorded at the due instant, by a durable timer, and only once', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 2 * HOUR });
    const dueAt = first.sla!.dueAt!;
    await h.skip(3 * HOUR);
    let v = await h.view(t);
    expect(v.sla).toMatchObject({ breached: true, breachedAt: dueAt, remainingMs: expect.any(Number) });
    expect(entries(v, 'sla_breached')).toEqual([expect.objectContaining({ at: dueAt, by: 'system' })]);
    await h.skip(5 * DAY);
    await h.command(t, alice, { type: 'addNote', text: 'still on it' });
    v = await h.view(t);
    expect(entries(v, 'sla_breached')).toHaveLength(1);
    // At risk and breach, each by the timer (the item's one timer also fires to store its changes).
    expect((await eventTypes(t)).filter((e) => e === 'TIMER_FIRED').length).toBeGreaterThanOrEqual(2);
  });

  it('R39: the at-risk mark comes at 75% of the target by default', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 4 * HOUR });
    await h.skip(3 * HOUR + MINUTE);
    const v = await h.view(t);
    expect(v.sla).toMatchObject({ atRisk: true, atRiskAt: new Date(ms(first.submittedAt) + 3 * HOUR).toISOString(), breached: false });
  });

  it('R39: when the due date moves the breach timer moves with it', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 2 * HOUR, atRiskShare: 1 });
    await h.skip(HOUR);
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(3 * HOUR);
    const resumed = await h.command(t, alice, { type: 'cancelWait' });
    expect(resumed.sla!.breached).toBe(false);
    const moved = ms(resumed.sla!.dueAt);
    expect(moved).toBeGreaterThan(ms(first.sla!.dueAt) + 3 * HOUR - 1);
    await h.skip(moved - (await h.env.currentTimeMs()) + MINUTE);
    expect((await h.view(t)).sla).toMatchObject({ breached: true, breachedAt: new Date(moved).toISOString() });
  });

  it('R36, R39: changing the category of an open item recomputes the due date from the submission, less the stopped time', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 10 * HOUR, atRiskShare: 1 });
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(HOUR);
    await h.command(t, alice, { type: 'cancelWait' });
    await h.skip(HOUR);
    const v = await h.command(t, alice, { type: 'edit', fields: {}, category: category({ targetMs: 3 * HOUR, atRiskShare: 1 }, 'urgent') });
    const stopped = v.sla!.stoppedMs;
    expect(stopped).toBeGreaterThanOrEqual(HOUR);
    expect(ms(v.sla!.dueAt)).toBe(ms(first.submittedAt) + 3 * HOUR + stopped);
    expect(entries(v, 'sla_changed')).toHaveLength(1);
    expect(v.categoryId).toBe('urgent');
  });
  it('R39: a breached item moved to a category with a longer target keeps its one breach; its due date moves', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: HOUR, atRiskShare: 1 });
    await h.skip(2 * HOUR);
    const breached = (await h.view(t)).sla!;
    expect(breached.breached).toBe(true);
    const moved = await h.command(t, alice, { type: 'edit', fields: {}, category: category({ targetMs: 5 * HOUR, atRiskShare: 1 }, 'relaxed') });
    expect(moved.sla).toMatchObject({ breached: true, breachedAt: breached.breachedAt, dueAt: new Date(ms(first.submittedAt) + 5 * HOUR).toISOString() });
    await h.skip(3 * HOUR + MINUTE);
    const later = await h.view(t);
    expect(later.sla).toMatchObject({ breached: true, breachedAt: breached.breachedAt });
    expect(later.timeline.filter((e) => e.type === 'sla_breached')).toHaveLength(1);
  });
});

describe('working time and the rest of the life of an item', () => {
  it('R36: a business-hours target crosses a weekend and a Friday holiday', async () => {
    // Thursday 15:00 in Bucharest, in the test server's future.
    const now = await h.env.currentTimeMs();
    const thursday = nextLocal(now + DAY, 'Europe/Bucharest', 4, 15);
    const friday = localDate(thursday + DAY, 'Europe/Bucharest');
    const calendar: BusinessCalendar = {
      timezone: 'Europe/Bucharest',
      workingHours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
      holidays: [friday],
    };
    await h.skip(thursday - now);
    // 8 working hours: Thursday 15-17 (2h), Friday is a holiday, the weekend is closed, Monday 09-15 (6h).
    const t = await h.ticket({ submit: true, category: category({ targetMs: 8 * HOUR, calendar, calendarId: 'office', atRiskShare: 1 }) });
    const v = await h.view(t);
    const due = ms(v.sla!.dueAt);
    expect(localWeekday(due, 'Europe/Bucharest')).toBe(1);
    expect(localHour(due, 'Europe/Bucharest')).toBe(15);
    expect(due - ms(v.submittedAt)).toBeGreaterThan(3 * DAY); // Thu -> Mon
    expect(v.sla!.calendarId).toBe('office');
  });

  it('R21, R37: reopening inside the feedback window continues the same clock; closing freezes it', async () => {
    const { t, v: first } = await submittedTicket({ targetMs: 10 * HOUR, atRiskShare: 1 });
    await h.skip(2 * HOUR);
    const resolved = await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    expect(resolved.sla).toMatchObject({ clockRunning: false });
    expect(resolved.sla!.banner).toBeUndefined();
    await h.skip(DAY);
    const reopened = await h.command(t, alice, { type: 'reopen' });
    const resolvedSpan = ms(reopened.timeline.at(-1)!.at) - ms(resolved.resolvedAt);
    expect(reopened.sla).toMatchObject({ clockRunning: true });
    expect(ms(reopened.sla!.dueAt)).toBe(ms(first.submittedAt) + 10 * HOUR + resolvedSpan);
    await h.skip(HOUR);
    await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    const closed = await h.result(t);
    expect(closed.state).toBe('closed');
    expect(closed.sla!.clockRunning).toBe(false);
    const remaining = closed.sla!.remainingMs;
    expect(remaining).toBeGreaterThan(6 * HOUR);
    expect(remaining).toBeLessThan(7 * HOUR);
  });

  it('R40: the SLA figures reach the read model', async () => {
    const { t } = await submittedTicket({ targetMs: HOUR, atRiskShare: 1 });
    await h.skip(2 * HOUR);
    const v = await h.view(t);
    const row = await pollRow(v.ref, v.version);
    expect(row).toMatchObject({ breached: true, due_at: v.sla!.dueAt });
  });

  it('R40: the figures reach Temporal as search attributes (SlaBreached, DueAt, WorkItemState, ...)', async () => {
    const { t } = await submittedTicket({ targetMs: HOUR, atRiskShare: 1 });
    await h.skip(2 * HOUR);
    const v = await h.view(t);
    await pollRow(v.ref, v.version);
    const description = await t.describe();
    const sa = description.searchAttributes as Record<string, unknown[]>;
    expect(sa.SlaBreached).toEqual([true]);
    expect(sa.WorkItemState).toEqual(['in_progress']);
    expect(sa.Assignee).toEqual(['alice']);
    expect(new Date(sa.DueAt[0] as string).toISOString()).toBe(v.sla!.dueAt);
  });
});

it('R42: every SLA history recorded above replays without nondeterminism', async () => {
  const histories = await Promise.all(h.handles.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })));
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: h.bundle, dataConverter: h.dataConverter }, histories)) {
    expect(result.error, `${result.workflowId}: ${result.error?.message}`).toBeUndefined();
    replayed++;
  }
  expect(replayed).toBe(h.handles.length);
});

async function pollRow(ref: string, version: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const row = (await h.pool.query('SELECT breached, due_at, version FROM work_items WHERE ref = $1', [ref])).rows[0];
    if (row && row.version >= version) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`read model never reached version ${version} of ${ref}`);
}

// --- local time helpers for the calendar scenario ---------------------------------------------

function parts(ms: number, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' });
  return Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
}
function localDate(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.year}-${p.month}-${p.day}`;
}
function localHour(ms: number, tz: string): number {
  return Number(parts(ms, tz).hour);
}
function localWeekday(ms: number, tz: string): number {
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts(ms, tz).weekday);
}
/** The first instant after `fromMs`, on a whole minute, that is `weekday` (0 = Sunday) at `hour`:00 local time. */
function nextLocal(fromMs: number, tz: string, weekday: number, hour: number): number {
  let t = Math.ceil(fromMs / HOUR) * HOUR;
  for (let i = 0; i < 24 * 8 * 4; i++, t += 15 * MINUTE) {
    const p = parts(t, tz);
    if (localWeekday(t, tz) === weekday && Number(p.hour) === hour && p.minute === '00') return t;
  }
  throw new Error('no such local time in the next 8 days');
}
