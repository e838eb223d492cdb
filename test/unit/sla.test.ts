// The SLA clock's pure figures (R37, R38, R40): due date, stopped time, remaining time, banner.

import { describe, expect, it } from 'vitest';
import { banner, figures, marksDue, nextSlaDeadline, shouldRun, type SlaClock, type SlaRule } from '../../workflows/domain/sla/sla.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const rule: SlaRule = { targetMs: 10 * H, addWaitingTime: true, stopOn: ['more_info'], atRiskShare: 0.75 };

describe('banner', () => {
  it('R38: time left before due, minutes rounded down', () => {
    expect(banner(3 * H + 20 * 60_000 + 59_999)).toBe('Waiting: Paused 3h 20m before due');
  });
  it('R38: time past due', () => {
    expect(banner(-(1 * H + 5 * 60_000 + 10_000))).toBe('Waiting: Paused 1h 5m after due');
  });
  it('R38: hours may exceed 24', () => {
    expect(banner(50 * H)).toBe('Waiting: Paused 50h 0m before due');
  });
});

describe('figures', () => {
  it('R37, R40: stopped spans move the due date by their sum and count as stopped time', () => {
    const clock: SlaClock = {
      rule,
      startedAt: iso(T0),
      stops: [
        { from: iso(T0 + H), to: iso(T0 + 3 * H), reason: 'more_info' },
        { from: iso(T0 + 4 * H), to: iso(T0 + 4.5 * H), reason: 'more_info' },
      ],
    };
    const f = figures(clock, new Date(T0 + 5 * H));
    expect(f).toMatchObject({ dueAt: iso(T0 + 12.5 * H), stoppedMs: 2.5 * H, clockRunning: true, remainingMs: 7.5 * H, breached: false });
    expect(f.banner).toBeUndefined();
  });

  it('R38: while stopped there is no due date, and the remaining time is frozen at the stop', () => {
    const clock: SlaClock = { rule, startedAt: iso(T0), stops: [{ from: iso(T0 + 6 * H), reason: 'more_info' }] };
    const f = figures(clock, new Date(T0 + 30 * H));
    expect(f.dueAt).toBeUndefined();
    expect(f).toMatchObject({ clockRunning: false, remainingMs: 4 * H, stoppedMs: 24 * H, banner: 'Waiting: Paused 4h 0m before due' });
  });

  it('R21: while resolved the clock is stopped with no banner; a frozen clock stops counting', () => {
    const resolved: SlaClock = { rule, startedAt: iso(T0), stops: [{ from: iso(T0 + 2 * H), reason: 'resolved' }] };
    expect(figures(resolved, new Date(T0 + 9 * H)).banner).toBeUndefined();
    const frozen: SlaClock = { ...resolved, frozenAt: iso(T0 + 3 * H) };
    expect(figures(frozen, new Date(T0 + 100 * H)).stoppedMs).toBe(H);
  });

  it('R39: the next deadline is the at-risk mark, then the breach, then none', () => {
    const clock: SlaClock = { rule, startedAt: iso(T0), stops: [] };
    expect(nextSlaDeadline(clock)).toBe(T0 + 7.5 * H);
    expect(nextSlaDeadline({ ...clock, atRiskAt: iso(T0 + 7.5 * H) })).toBe(T0 + 10 * H);
    expect(nextSlaDeadline({ ...clock, atRiskAt: iso(T0 + 7.5 * H), breachedAt: iso(T0 + 10 * H) })).toBeUndefined();
  });

  it('R39: a mark whose exact instant falls between two milliseconds is due at the next whole one, where its timer fires', () => {
    // 45,001 ms x 0.7 = 31,500.7 ms: the at-risk mark's timer fires at a whole millisecond.
    const clock: SlaClock = { rule: { ...rule, targetMs: 45_001, atRiskShare: 0.7 }, startedAt: iso(T0), stops: [] };
    const atRisk = nextSlaDeadline(clock)!;
    expect(atRisk).toBe(T0 + 31_501);
    expect(marksDue(clock, new Date(atRisk).getTime())).toEqual(['at_risk']);
    expect(marksDue(clock, atRisk - 1)).toEqual([]);
  });

  it('R37: pause always stops a clock that adds waiting time; listed types too; others never', () => {
    expect(shouldRun(rule, 'waiting', 'pause')).toBe(false);
    expect(shouldRun(rule, 'waiting', 'more_info')).toBe(false);
    expect(shouldRun(rule, 'waiting', 'until')).toBe(true);
    expect(shouldRun({ ...rule, addWaitingTime: false }, 'waiting', 'pause')).toBe(true);
    expect(shouldRun(rule, 'draft', undefined)).toBe(false);
    expect(shouldRun(rule, 'resolved', undefined)).toBe(false);
  });
});
