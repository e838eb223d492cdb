// The response clocks (R44) through the item's pure rules: first_response from submission to the
// first outbound email; next_response from each inbound email after a reply to the next outbound
// one; both end at the resolution, stop in listed waits, and breach once at their instant.

import { describe, expect, it } from 'vitest';
import { applyCommand, nextDeadline, onDeadline, receiveEmail } from '../../workflows/domain/rules/transitions.js';
import { toSummary, toView } from '../../workflows/domain/item/view.js';
import type { SlaRule } from '../../workflows/domain/sla/sla.js';
import type { WorkItem } from '../../workflows/domain/item/types.js';
import { after, alice, email, HOUR, inProgressTicket, LENIENT, MINUTE, T0 } from './fixtures.js';

const rule = (hours: number, stopOn: SlaRule['stopOn'] = []): SlaRule => ({ targetMs: hours * HOUR, addWaitingTime: stopOn.length > 0, stopOn, atRiskShare: 1 });
const CATEGORY = { ...LENIENT, slas: { first_response: rule(4), next_response: rule(1, ['more_info']) } };

const reply = (item: WorkItem, at: Date) => applyCommand(item, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Re', body: 'Answer' }, at);
const mail = (item: WorkItem, at: Date, n: number) => receiveEmail(item, email({ messageId: `<m${n}@example.com>` }), at).item;
/** Fires every deadline up to `at`, as the workflow's timer does. */
const until = (item: WorkItem, at: Date) => {
  let next = item;
  for (let d = nextDeadline(next); d !== undefined && d <= at.getTime(); d = nextDeadline(next)) next = onDeadline(next, new Date(d));
  return next;
};
const slas = (item: WorkItem, at: Date) => toView(item, at).slas!;
// inProgressTicket: submitted at T0, picked up a minute later.
const ticket = () => inProgressTicket({ category: CATEGORY });

describe('first_response (R44)', () => {
  it('R44: runs from submission, and breaches once at its instant', () => {
    const item = until(ticket(), after(5 * HOUR));
    const f = slas(item, after(5 * HOUR)).first_response!;
    expect(f).toMatchObject({ breached: true, breachedAt: after(4 * HOUR).toISOString(), clockRunning: true });
    expect(item.timeline.filter((e) => e.type === 'sla_breached')).toEqual([expect.objectContaining({ clock: 'first_response', at: after(4 * HOUR).toISOString() })]);
    expect(toSummary(item, after(5 * HOUR))).toMatchObject({ breached: true, breachedClocks: ['first_response'] });
  });

  it('R44: the first outbound email ends it, unbreached; later emails change nothing', () => {
    let item = reply(ticket(), after(2 * HOUR));
    expect(slas(item, after(2 * HOUR)).first_response).toMatchObject({ endedBy: 'responded', breached: false, clockRunning: false, remainingMs: 2 * HOUR });
    item = until(item, after(10 * HOUR));
    expect(slas(item, after(10 * HOUR)).first_response).toMatchObject({ breached: false, remainingMs: 2 * HOUR });
  });

  it('R44: the resolution ends it', () => {
    const item = applyCommand(ticket(), alice, { type: 'resolve', method: 'customer_communication' }, after(HOUR));
    expect(slas(item, after(9 * HOUR)).first_response).toMatchObject({ endedBy: 'resolved', breached: false });
    expect(nextDeadline(until(item, after(9 * HOUR)))).not.toBe(T0.getTime() + 4 * HOUR);
  });

  it('R44: the list row is due at the earliest due date of any running clock', () => {
    const item = inProgressTicket({ category: { ...CATEGORY, sla: rule(10) } });
    expect(toSummary(item, after(HOUR))).toMatchObject({ dueAt: after(4 * HOUR).toISOString(), breached: false, breachedClocks: [] });
    const answered = reply(item, after(2 * HOUR));
    expect(toSummary(answered, after(2 * HOUR)).dueAt).toBe(after(10 * HOUR).toISOString());
  });

  it('R44, R39: a breach stands when the rule is removed and set again, and is not recorded twice', () => {
    let item = until(ticket(), after(5 * HOUR));
    item = applyCommand(item, alice, { type: 'edit', fields: {}, category: LENIENT }, after(6 * HOUR));
    expect(toView(item, after(6 * HOUR)).slas).toBeUndefined();
    expect(nextDeadline(item)).toBeUndefined();
    item = until(applyCommand(item, alice, { type: 'edit', fields: {}, category: CATEGORY }, after(7 * HOUR)), after(20 * HOUR));
    expect(slas(item, after(20 * HOUR)).first_response).toMatchObject({ breached: true, breachedAt: after(4 * HOUR).toISOString() });
    expect(item.timeline.filter((e) => e.type === 'sla_breached' && e.clock === 'first_response')).toHaveLength(1);
  });

  it('R44: a category with only `sla` gives an item no response clocks', () => {
    const item = until(inProgressTicket({ category: LENIENT }), after(9 * HOUR));
    expect(item.clocks).toBeUndefined();
    expect(toView(item, after(9 * HOUR)).slas).toBeUndefined();
  });
});

describe('next_response (R44)', () => {
  it('R44: starts at an inbound email after a reply, not at one before any reply', () => {
    let item = mail(ticket(), after(HOUR), 1);
    expect(item.clocks?.next_response).toBeUndefined();
    item = reply(item, after(2 * HOUR));
    item = mail(item, after(3 * HOUR), 2);
    expect(slas(item, after(3 * HOUR)).next_response).toMatchObject({ clockRunning: true, dueAt: after(4 * HOUR).toISOString(), breaches: 0 });
    // A second email before the answer does not restart the cycle.
    item = mail(item, after(3.5 * HOUR), 3);
    expect(slas(item, after(3.5 * HOUR)).next_response!.dueAt).toBe(after(4 * HOUR).toISOString());
  });

  it('R44: each cycle breaches at its own instant, and the breaches add up', () => {
    let item = reply(ticket(), after(HOUR));
    item = mail(item, after(2 * HOUR), 1);
    item = until(item, after(3.5 * HOUR)); // breached at 3h
    item = reply(item, after(3.5 * HOUR));
    item = mail(item, after(5 * HOUR), 2);
    item = until(item, after(7 * HOUR)); // breached at 6h
    const f = slas(item, after(7 * HOUR)).next_response!;
    expect(f).toMatchObject({ breached: true, breachedAt: after(6 * HOUR).toISOString(), breaches: 2 });
    expect(item.timeline.filter((e) => e.type === 'sla_breached').map((e) => e.at)).toEqual([after(3 * HOUR).toISOString(), after(6 * HOUR).toISOString()]);
  });

  it('R44, R37: a more_info wait listed in stopOn stops it; the first-response clock, with no stopOn, runs on', () => {
    let item = reply(ticket(), after(HOUR));
    item = mail(item, after(2 * HOUR), 1);
    item = applyCommand(item, alice, { type: 'wait', wait: { type: 'more_info', days: 3 } }, after(2.5 * HOUR));
    const f = slas(item, after(10 * HOUR));
    expect(f.next_response).toMatchObject({ clockRunning: false, remainingMs: 30 * MINUTE, banner: 'Waiting: Paused 0h 30m before due' });
    expect(f.first_response).toMatchObject({ endedBy: 'responded' });
  });

  it('R44: a resolution ends the cycle; an email that reopens the item starts a new one', () => {
    let item = reply(ticket(), after(HOUR));
    item = mail(item, after(2 * HOUR), 1);
    item = applyCommand(item, alice, { type: 'resolve', method: 'customer_communication' }, after(2.5 * HOUR));
    expect(slas(item, after(2.5 * HOUR)).next_response).toMatchObject({ endedBy: 'resolved', breached: false });
    item = mail(item, after(24 * HOUR), 2);
    expect(item.state).toBe('in_progress');
    expect(slas(item, after(24 * HOUR)).next_response).toMatchObject({ clockRunning: true, dueAt: after(25 * HOUR).toISOString() });
  });
});

describe('the simulator replays a story with the workflow functions (R45)', () => {
  it('R45: a story replayed under its own rules gives the figures the item has', async () => {
    const { ItemReplay, actualOutcomes } = await import('../../workflows/domain/sla/simulation.js');
    const full = { ...CATEGORY, sla: { ...rule(6, ['more_info']), atRiskShare: 0.75 } };
    let item = inProgressTicket({ category: full });
    item = reply(item, after(HOUR));
    item = mail(item, after(2 * HOUR), 1);
    item = until(item, after(3.5 * HOUR));
    item = applyCommand(item, alice, { type: 'wait', wait: { type: 'more_info', days: 3 } }, after(3.5 * HOUR));
    item = mail(item, after(5 * HOUR), 2);
    item = until(item, after(9 * HOUR));
    item = reply(item, after(9 * HOUR));
    item = applyCommand(item, alice, { type: 'resolve', method: 'customer_communication' }, after(10 * HOUR));
    const asOf = after(30 * HOUR);
    item = until(item, asOf);
    const replay = new ItemReplay(item.ref, item.kind, { resolution: full.sla, ...full.slas });
    for (const entry of item.timeline) replay.feed(entry);
    const actual = actualOutcomes(item, asOf);
    expect(Object.keys(actual).sort()).toEqual(['first_response', 'next_response', 'resolution']);
    expect(actual.next_response).toMatchObject({ breached: true });
    expect(replay.outcomes(asOf)).toEqual(actual);
  });
});
