// Pure tests of the SLA scenario format (scripts/scenario/, docs/testing-sla-scenarios.md):
// durations, the start anchor and relative dates and instants, field paths checked against the
// API's view schema, matchers, and every kind of bad input refused with its line and what was
// expected. No servers.

import { describe, expect, it } from 'vitest';
import { WorkItemView } from '../../api/schemas.js';
import { evaluate, parseMatcher, resolvePath, type EvalContext, type FieldType, type MatcherProblem } from '../../scripts/scenario/fields.js';
import { interpolate, parseScenario, ScenarioFileError, type Scenario } from '../../scripts/scenario/format.js';
import { durationMs, formatClock, humanDuration, isoSeconds, nextAnchor, resolveDate, resolveInstant } from '../../scripts/scenario/time.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The problems a scenario text is refused with, as `line: message`. */
function refusal(text: string): Array<{ line: number; message: string }> {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    if (err instanceof ScenarioFileError) return err.problems;
    throw err;
  }
  throw new Error('the scenario was accepted');
}

const lines = (...l: string[]) => l.join('\n');
/** A valid head: line 1 name, 2 steps, 3 a resource, 4-6 a ticket named ticket1. */
const HEAD = [
  'name: test', //                                                           1
  'steps:', //                                                               2
  '  - resource: { id: alice, kind: human }', //                             3
  '  - create: { kind: ticket, title: A, description: B, submit: false }', // 4
  '    as: ticket1', //                                                      5
  '    by: alice', //                                                        6
];

describe('durations and the clock as shown', () => {
  it('ISO-8601 durations in weeks, days, hours, minutes and seconds are read to the millisecond; years, months and bare numbers are not durations', () => {
    expect(durationMs('P3D')).toBe(3 * DAY);
    expect(durationMs('PT3H20M')).toBe(3 * HOUR + 20 * MINUTE);
    expect(durationMs('P1W')).toBe(7 * DAY);
    expect(durationMs('PT4H39M30S')).toBe(4 * HOUR + 39 * MINUTE + 30_000);
    for (const bad of ['P1Y', 'P1M', '3d', 'P', 'PT', '-P1D', 'three days']) expect(durationMs(bad), bad).toBeUndefined();
  });

  it('a skip is sent to the API as seconds to the millisecond, and durations read as days and hours', () => {
    expect(isoSeconds(90_000)).toBe('PT90S');
    expect(isoSeconds(1_500)).toBe('PT1.500S');
    expect(durationMs(isoSeconds(3 * DAY + 17))).toBe(3 * DAY + 17);
    expect(humanDuration(33 * DAY + 4 * HOUR + 5 * MINUTE)).toBe('33d 4h');
    expect(humanDuration(3 * HOUR + 20 * MINUTE)).toBe('3h 20m');
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(0)).toBe('0s');
  });

  it('the clock is shown with its weekday and UTC offset in the scenario time zone', () => {
    expect(formatClock(Date.parse('2026-12-04T15:00:00Z'), 'Europe/Paris')).toBe('Fri 2026-12-04 16:00 +01:00');
    expect(formatClock(Date.parse('2026-07-03T15:00:00Z'), 'Europe/Paris')).toBe('Fri 2026-07-03 17:00 +02:00');
    expect(formatClock(Date.parse('2026-12-04T15:00:00Z'), 'America/New_York')).toBe('Fri 2026-12-04 10:00 -05:00');
  });
});

describe('the start anchor and relative dates', () => {
  const sunday = Date.parse('2026-11-29T06:05:00Z'); // Sunday 07:05 in Paris

  it('next friday at 16:00 Europe/Paris is the coming Friday, whatever the date today', () => {
    expect(new Date(nextAnchor(sunday, { next: 'friday', at: '16:00', timezone: 'Europe/Paris' })).toISOString()).toBe('2026-12-04T15:00:00.000Z');
    // On a Friday after 16:00, the next Friday.
    const fridayEvening = Date.parse('2026-12-04T17:00:00Z');
    expect(new Date(nextAnchor(fridayEvening, { next: 'friday', at: '16:00', timezone: 'Europe/Paris' })).toISOString()).toBe('2026-12-11T15:00:00.000Z');
    // Without a weekday: the first time the hour comes.
    expect(new Date(nextAnchor(sunday, { at: '09:00', timezone: 'Europe/Paris' })).toISOString()).toBe('2026-11-29T08:00:00.000Z');
  });

  it('the anchor is a local time across a daylight-saving change (09:00 Paris is 07:00 UTC in summer, 08:00 after the change)', () => {
    const beforeChange = Date.parse('2026-10-20T12:00:00Z'); // Tuesday; summer time ends on Sunday 25 October
    expect(new Date(nextAnchor(beforeChange, { next: 'friday', at: '09:00', timezone: 'Europe/Paris' })).toISOString()).toBe('2026-10-23T07:00:00.000Z');
    expect(new Date(nextAnchor(beforeChange, { next: 'monday', at: '09:00', timezone: 'Europe/Paris' })).toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('holidays relative to the start day: start+3d after a Friday start is the Monday, across a month end', () => {
    const friday = Date.parse('2026-11-27T15:00:00Z');
    expect(resolveDate('start+3d', friday, 'Europe/Paris')).toBe('2026-11-30');
    expect(resolveDate('start+4d', friday, 'Europe/Paris')).toBe('2026-12-01');
    expect(resolveDate('start-1d', friday, 'Europe/Paris')).toBe('2026-11-26');
    expect(resolveDate('start', friday, 'Europe/Paris')).toBe('2026-11-27');
    expect(resolveDate('2026-12-25', friday, 'Europe/Paris')).toBe('2026-12-25');
    // The start day is the local date: 23:30 UTC on the 27th is already the 28th in Bucharest.
    expect(resolveDate('start', Date.parse('2026-11-27T23:30:00Z'), 'Europe/Bucharest')).toBe('2026-11-28');
  });

  it('instants relative to the start or the clock: start+4d 16:00 is a local time; now+P2D and start-PT1H are offsets', () => {
    const clock = { startMs: Date.parse('2026-12-04T15:00:00Z'), nowMs: Date.parse('2026-12-05T10:00:00Z'), zone: 'Europe/Paris' };
    expect(new Date(resolveInstant('start+4d 16:00', clock)).toISOString()).toBe('2026-12-08T15:00:00.000Z');
    expect(new Date(resolveInstant('start 17:00', clock)).toISOString()).toBe('2026-12-04T16:00:00.000Z');
    expect(resolveInstant('now+P2D', clock)).toBe(clock.nowMs + 2 * DAY);
    expect(resolveInstant('start-PT1H', clock)).toBe(clock.startMs - HOUR);
    expect(resolveInstant('start', clock)).toBe(clock.startMs);
    expect(resolveInstant('2026-12-24T12:00:00Z', clock)).toBe(Date.parse('2026-12-24T12:00:00Z'));
  });
});

describe('field paths against the view schema', () => {
  it('sla.banner, timeline.-1.type and actions.0.resolutionMethod exist in the work item view, with their types', () => {
    expect(resolvePath(WorkItemView, 'sla.banner', 'the view')).toEqual({ ok: true, type: { kind: 'string' } });
    expect(resolvePath(WorkItemView, 'sla.breached', 'the view')).toEqual({ ok: true, type: { kind: 'boolean' } });
    expect(resolvePath(WorkItemView, 'timeline.-1.type', 'the view')).toEqual({ ok: true, type: { kind: 'string' } });
    const method = resolvePath(WorkItemView, 'actions.0.resolutionMethod', 'the view');
    expect(method).toEqual({ ok: true, type: { kind: 'enum', values: ['complete', 'unable_to_complete', 'withdrawn'] } });
  });

  it('a field the view does not have is named, with the fields there are', () => {
    const bad = resolvePath(WorkItemView, 'sla.bannr', 'the view');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/^the view field sla has no field `bannr`; expected one of: target, calendarId, dueAt, .*banner$/);
    const below = resolvePath(WorkItemView, 'state.name', 'the view');
    expect(!below.ok && below.message).toMatch(/state is a value \(one of draft, .*\), with no field `name`/);
  });

  it('timeline entries take fields of their own (the schema leaves them open)', () => {
    expect(resolvePath(WorkItemView, 'timeline.0.reason', 'the view').ok).toBe(true);
  });
});

describe('matchers', () => {
  const ctx: EvalContext = { interpolate: (t) => interpolate(t, new Map([['ticket1', 'T-000001']])), instant: (e) => (e === 'start' ? 0 : NaN), instantToleranceMs: MINUTE };
  const matcher = (raw: unknown, type: FieldType) => {
    const problems: MatcherProblem[] = [];
    const m = parseMatcher(raw, type, {}, [], problems, 'field');
    expect(problems).toEqual([]);
    return m;
  };
  const timeline: FieldType = { kind: 'array', element: (WorkItemView as any).shape.timeline.element };

  it('a duration matches a millisecond field, null means absent, matches takes a regular expression', () => {
    expect(evaluate(matcher('PT3H20M', { kind: 'number' }), 3 * HOUR + 20 * MINUTE, ctx)).toBe(true);
    expect(evaluate(matcher(null, { kind: 'string' }), undefined, ctx)).toBe(true);
    expect(evaluate(matcher(null, { kind: 'string' }), 'x', ctx)).toBe(false);
    expect(evaluate(matcher({ matches: '^Waiting: Paused \\d+h' }, { kind: 'string' }), 'Waiting: Paused 3h 20m before due', ctx)).toBe(true);
    expect(evaluate(matcher({ atLeast: 'PT3H20M', atMost: 'PT3H21M' }, { kind: 'number' }), 3 * HOUR + 20 * MINUTE + 30_000, ctx)).toBe(true);
    expect(evaluate(matcher({ atMost: 0 }, { kind: 'number' }), 5, ctx)).toBe(false);
  });

  it('an instant expression matches to the minute, since steps take a moment of real time', () => {
    const start = matcher('start', { kind: 'string' });
    expect(evaluate(start, new Date(30_000).toISOString(), ctx)).toBe(true);
    expect(evaluate(start, new Date(2 * MINUTE).toISOString(), ctx)).toBe(false);
  });

  it('a timeline contains entries (in order), holds one exactly once, and excludes others', () => {
    const entries = [{ type: 'sla_started' }, { type: 'sla_at_risk' }, { type: 'sla_breached', dueAt: 'x' }, { type: 'sla_stopped', reason: 'pause' }];
    expect(evaluate(matcher({ contains: [{ type: 'sla_breached' }, { type: 'sla_stopped', reason: 'pause' }] }, timeline), entries, ctx)).toBe(true);
    expect(evaluate(matcher({ contains: [{ type: 'sla_breached' }, { type: 'sla_at_risk' }], inOrder: true }, timeline), entries, ctx)).toBe(false);
    expect(evaluate(matcher({ once: [{ type: 'sla_breached' }] }, timeline), entries, ctx)).toBe(true);
    expect(evaluate(matcher({ once: [{ type: 'sla_breached' }] }, timeline), [...entries, { type: 'sla_breached' }], ctx)).toBe(false);
    expect(evaluate(matcher({ excludes: [{ type: 'reopened' }] }, timeline), entries, ctx)).toBe(true);
  });

  it('$name in an expected value is the item\'s ref ($$ is a dollar sign)', () => {
    expect(evaluate(matcher(['$ticket1'], { kind: 'array', element: (WorkItemView as any).shape.linkedRefs }), ['T-000001'], ctx)).toBe(true);
    expect(interpolate('costs $$5 for [$ticket1]', new Map([['ticket1', 'T-000001']]))).toBe('costs $5 for [T-000001]');
  });
});

describe('reading a scenario', () => {
  it('a valid scenario is read step by step, each step with its line', () => {
    const scenario: Scenario = parseScenario(
      lines(
        'name: "R38: a pause"',
        'start: { next: friday, at: "16:00", timezone: Europe/Paris }',
        ...HEAD.slice(1),
        '  - skip: P3D', //                                                  7 (+1: start is line 2)
        '  - wait: ticket1',
        '    by: alice',
        '    with: { type: until, until: "now+P2D" }',
        '  - expect: ticket1',
        '    sla.banner: { matches: "before due$" }',
        '    timeline: { contains: [{ type: wait_started }] }',
        '  - expect-list: inbox',
        '    by: alice',
        '    contains: [ticket1]',
      ),
      'ok.yaml',
    );
    expect(scenario.start).toEqual({ next: 'friday', at: '16:00', timezone: 'Europe/Paris' });
    expect(scenario.timezone).toBe('Europe/Paris');
    expect(scenario.steps.map((s) => [s.kind, s.line])).toEqual([
      ['resource', 4],
      ['create', 5],
      ['skip', 8],
      ['command', 9],
      ['expect', 12],
      ['expect-list', 15],
    ]);
    const expect_ = scenario.steps[4];
    expect(expect_.kind === 'expect' && expect_.checks.map((c) => [c.path, c.line])).toEqual([
      ['sla.banner', 13],
      ['timeline', 14],
    ]);
  });

  it('an unknown step is refused with its line and the steps there are', () => {
    const [p] = refusal(lines(...HEAD, '  - wiat: ticket1', '    by: alice'));
    expect(p.line).toBe(7);
    expect(p.message).toMatch(/^unknown step `wiat`; expected one of: resource, calendar, .*, wait, .*, skip, expect, expect-list, say$/);
  });

  it('an unknown field is refused with its line and the fields expected: at the top, in a step, in a request body', () => {
    const problems = refusal(
      lines(
        ...HEAD,
        '  - wait: ticket1', //                        7
        '    by: alice', //                            8
        '    with: { type: pause, reasn: holiday }', // 9
        '  - skip: P1D', //                            10
        '    for: ticket1', //                         11
        'sttart: { at: "09:00" }', //                  12
      ),
    );
    expect(problems).toEqual([
      { line: 9, message: 'unknown field `reasn` in with; expected one of: type, reason' },
      { line: 11, message: 'unknown field `for` in a skip step; expected only skip' },
      { line: 12, message: 'unknown field `sttart`; expected one of: name, description, start, steps' },
    ]);
  });

  it('a bad duration is refused with its line: in a skip and in a category', () => {
    const problems = refusal(lines(...HEAD, '  - skip: 3 days', '  - category: { id: c1, name: C, sla: { target: P1Y } }'));
    expect(problems.map((p) => p.line)).toEqual([7, 8]);
    expect(problems[0].message).toBe('skip: an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P3D, PT3H20M, PT90S');
    expect(problems[1].message).toMatch(/^category\.sla\.target: an ISO-8601 duration/);
  });

  it('an expectation on a field the view does not have is refused with its line and the fields there are', () => {
    const problems = refusal(lines(...HEAD, '  - expect: ticket1', '    state: todo', '    sla.bannr: x', '    waitTyp: pause'));
    expect(problems.map((p) => p.line)).toEqual([9, 10]);
    expect(problems[0].message).toMatch(/^the work item view field sla has no field `bannr`; expected one of: .*banner/);
    expect(problems[1].message).toMatch(/^the work item view has no field `waitTyp`; expected one of: ref, kind, state, waitType, /);
  });

  it('an expected value the field can never hold is refused: a state, a boolean, a timeline entry type', () => {
    const problems = refusal(
      lines(...HEAD, '  - expect: ticket1', '    state: waitng', '    sla.breached: "yes"', '    timeline: { contains: [{ type: sla_breach }] }'),
    );
    expect(problems).toEqual([
      { line: 8, message: 'state is one of: draft, todo, in_progress, waiting, resolved, closed; not "waitng"' },
      { line: 9, message: 'sla.breached is true or false, not "yes"' },
      { line: 10, message: expect.stringMatching(/^timeline\.type is never `sla_breach`; expected one of: created, .*sla_breached/) },
    ]);
  });

  it('names must be made before they are used: an item, a resource, a $name in a body', () => {
    const problems = refusal(
      lines(
        ...HEAD,
        '  - pick-up: ticket2', //                      7
        '    by: bob', //                               8
        '  - merge: ticket1', //                        9
        '    by: alice', //                             10
        '    with: { into: $case9 }', //                11
      ),
    );
    expect(problems.map((p) => [p.line, p.message.split(' (')[0]])).toEqual([
      [7, 'ticket2 is not an item name made by an earlier step'],
      [8, 'by names a resource made by an earlier resource step, or admin'],
      [11, '$case9 is not an item name made by an earlier step'],
    ]);
  });

  it('a command needs by, the resource that runs it', () => {
    const [p] = refusal(lines(...HEAD, '  - pick-up: ticket1'));
    expect(p).toEqual({ line: 7, message: expect.stringMatching(/^a pick-up step needs `by`: the resource that runs it/) });
  });

  it('the start anchor needs a weekday, an HH:MM time and a known time zone', () => {
    const problems = refusal(lines('name: x', 'start: { next: fryday, at: "4pm", timezone: Europe/Pariss }', 'steps:', '  - skip: P1D'));
    expect(problems.map((p) => p.line)).toEqual([2, 2, 2]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^start\.next: .*"friday"/),
      'start.at: a local time of day, HH:MM (e.g. "16:00", quoted)',
      'start.timezone: an IANA time zone, e.g. Europe/Paris',
    ]);
  });

  it('a holiday is a date or a day relative to the start; a relative instant in a body is checked too', () => {
    const problems = refusal(
      lines(
        ...HEAD,
        '  - calendar: { id: office, timezone: Europe/Paris, workingHours: { mon: ["09:00", "17:00"] }, holidays: ["start+3"] }', // 7
        '  - wait: ticket1', //                                     8
        '    by: alice', //                                         9
        '    with: { type: until, until: "now+3 days" }', //        10
      ),
    );
    expect(problems).toEqual([
      { line: 7, message: expect.stringMatching(/^calendar\.holidays\.0: a date YYYY-MM-DD, or start, start\+3d/) },
      { line: 10, message: expect.stringMatching(/^with\.until: expected an instant: now or start, .*; not "now\+3 days"$/) },
    ]);
  });

  it('a list expectation names a list there is, and whose it is', () => {
    const problems = refusal(lines(...HEAD, '  - expect-list: inbx', '    contains: [ticket1]', '  - expect-list: inbox', '    contains: [ticket1]'));
    expect(problems).toEqual([
      { line: 7, message: 'unknown list "inbx"; expected one of: inbox, owned-work, queue/<queue>, work-items' },
      { line: 9, message: 'inbox is a resource\'s own list: say whose, with by: <resource>' },
    ]);
  });

  it('a file that is not YAML is refused with the line of the error', () => {
    const problems = refusal(lines('name: x', 'steps:', '  - skip: P1D', '    skip: P2D'));
    expect(problems).toEqual([{ line: 4, message: 'not valid YAML: Map keys must be unique' }]);
  });

  it('every problem of a file is reported at once, in line order', () => {
    const problems = refusal(lines(...HEAD, '  - skip: soon', '  - wiat: ticket1', '  - expect: ticket1', '    sla.bannr: x'));
    expect(problems.map((p) => p.line)).toEqual([7, 8, 10]);
  });
});
