// What operators read of an item in the Temporal UI (R40, R42): the static summary and details
// given at start, the current details the workflow keeps up to date (a pure function of the item
// and the time), and the name of the item's one durable timer.

import { describe, expect, it } from 'vitest';
import { operatorDetails, operatorStaticDetails, operatorSummary } from '../../workflows/domain/item/operator-details.js';
import { nextDeadline, nextNamedDeadline, onDeadline } from '../../workflows/domain/rules/deadlines.js';
import { actionClosedNotice, applyCommand, createWorkItem } from '../../workflows/domain/rules/transitions.js';
import type { CategorySnapshot, WorkItem } from '../../workflows/domain/item/types.js';
import {
  after,
  alice,
  caseInput,
  closedTicket,
  DAY,
  deepFreeze,
  draftTicket,
  email,
  HOUR,
  inProgressTicket,
  LENIENT,
  MINUTE,
  ONBOARDING,
  resolvedTicket,
  run,
  runningCase,
  T0,
  ticketInput,
  todoTicket,
  waitingTicket,
} from './fixtures.js';

/** Eight hours from submission, stopped while waiting for more information, at risk at 75%. */
const WITH_SLA: CategorySnapshot = { ...LENIENT, id: 'it', sla: { targetMs: 8 * HOUR, addWaitingTime: true, stopOn: ['more_info'], atRiskShare: 0.75 } };
const lines = (details: string): string[] => details.split('\n');
const line = (details: string, label: string): string | undefined => lines(details).find((l) => l.startsWith(`- **${label}`));

describe('static summary and details', () => {
  it('R40: the summary is ref · kind · title, or the short description of a case', () => {
    expect(operatorSummary(ticketInput())).toBe('T-000001 · ticket · Invoice 42 unpaid');
    expect(operatorSummary(caseInput())).toBe('C-000001 · case · Onboard supplier');
  });

  it('R40: a ticket without a title yet shows its email subject, or says it has none', () => {
    expect(operatorSummary(ticketInput({ fields: {}, initialEmail: email({ subject: 'Where is my refund?' }) }))).toBe('T-000001 · ticket · Where is my refund?');
    expect(operatorSummary(ticketInput({ fields: {} }))).toBe('T-000001 · ticket · (no title yet)');
  });

  it('R40: the summary stays one line of at most 200 characters, within Temporal\'s 400-byte summary payload', () => {
    const long = operatorSummary(ticketInput({ fields: { title: `Invoice\n\n 42   ${'x'.repeat(500)}` } }));
    expect(long).not.toMatch(/\n/);
    expect(long.startsWith('T-000001 · ticket · Invoice 42 xxx')).toBe(true);
    expect(Array.from(long)).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    const wide = operatorSummary(ticketInput({ fields: { title: 'ăîșț😀'.repeat(60) } }));
    expect(new TextEncoder().encode(JSON.stringify(wide)).length).toBeLessThanOrEqual(400);
    expect(wide.endsWith('…')).toBe(true);
  });

  it('R40: the static details name the category, the process and who created the item', () => {
    expect(operatorStaticDetails(ticketInput())).toBe('- **Category:** `general`\n- **Created by:** `alice` (human)');
    const details = operatorStaticDetails(caseInput({ process: ONBOARDING, parentRef: 'T-000009' }));
    expect(details).toContain('- **Process:** `onboarding v1`');
    expect(details).toContain('- **Started by:** T-000009');
  });
});

describe('current details', () => {
  it('R40: a draft says it is not submitted, that its SLA starts on submission, and that nobody has it', () => {
    const details = operatorDetails(draftTicket({ category: WITH_SLA }), T0);
    expect(lines(details)).toEqual(['- **State:** draft (not submitted)', '- **Assignee:** none · **Queue:** none', '- **SLA:** starts on submission']);
  });

  it('R40: a submitted item shows its assignee and queue, and its SLA due date while the clock runs (R36)', () => {
    const item = run(todoTicket({ category: WITH_SLA, queue: 'finance' }), [[alice, { type: 'pickUp' }]]);
    const details = operatorDetails(item, after(HOUR));
    expect(line(details, 'State')).toBe('- **State:** in_progress');
    expect(line(details, 'Assignee')).toBe('- **Assignee:** `alice` · **Queue:** `finance`');
    expect(line(details, 'SLA')).toBe('- **SLA:** due 2026-03-02 17:00 UTC');
  });

  it('R14, R16: a waiting item shows its wait type and when the wait ends', () => {
    const details = operatorDetails(waitingTicket({}, true), after(HOUR));
    expect(line(details, 'State')).toBe('- **State:** waiting: more_info (3 days, closes if no response), ends 2026-03-05 09:02 UTC');
    const until = run(inProgressTicket(), [[alice, { type: 'wait', wait: { type: 'until', until: after(2 * DAY + 30 * 1000).toISOString() } }]]);
    expect(line(operatorDetails(until, after(HOUR)), 'State')).toBe('- **State:** waiting: until, ends 2026-03-04 09:00:30 UTC');
  });

  it('R44: each response clock has its line: due while it runs, answered or breached once it is', () => {
    const category: CategorySnapshot = { ...WITH_SLA, slas: { first_response: { targetMs: HOUR, addWaitingTime: false, stopOn: [], atRiskShare: 1 } } };
    const running = run(todoTicket({ category }), [[alice, { type: 'pickUp' }]]);
    expect(line(operatorDetails(running, after(10 * 60_000)), 'SLA first response')).toBe('- **SLA first response:** due 2026-03-02 10:00 UTC');
    const breached = onDeadline(running, after(2 * HOUR));
    expect(line(operatorDetails(breached, after(2 * HOUR)), 'SLA first response')).toBe('- **SLA first response:** due 2026-03-02 10:00 UTC · **BREACHED** at 2026-03-02 10:00 UTC');
    const answered = applyCommand(breached, alice, { type: 'sendEmail', to: ['a@x.example'], subject: 'Hi', body: 'Late, sorry.' }, after(3 * HOUR));
    expect(line(operatorDetails(answered, after(3 * HOUR)), 'SLA first response')).toBe('- **SLA first response:** answered 2026-03-02 12:00 UTC · **BREACHED** at 2026-03-02 10:00 UTC');
  });

  it('R38: while the SLA clock is stopped the details show the banner instead of a due date', () => {
    const details = operatorDetails(waitingTicket({ category: WITH_SLA }), after(5 * HOUR));
    expect(line(details, 'SLA')).toBe('- **SLA:** Waiting: Paused 7h 58m before due');
    expect(details).not.toContain('due 2026');
  });

  it('R15: a wait that ended highlights the item, and the details say so and why the wait ended', () => {
    const ended = onDeadline(waitingTicket(), after(4 * DAY));
    const details = operatorDetails(ended, after(4 * DAY));
    expect(line(details, 'State')).toBe('- **State:** in_progress');
    expect(line(details, 'Highlighted')).toBe('- **Highlighted** (until its owner next acts on it)');
    expect(line(details, 'Last wait ended')).toBe('- **Last wait ended:** days_elapsed');
    const actedOn = applyCommand(ended, alice, { type: 'addNote', text: 'Chasing the customer' }, after(4 * DAY + MINUTE));
    expect(line(operatorDetails(actedOn, after(4 * DAY + MINUTE)), 'Highlighted')).toBeUndefined();
  });

  it('R39: a breached item says when it breached; before that, since when it is at risk', () => {
    const item = inProgressTicket({ category: WITH_SLA });
    const atRisk = onDeadline(item, after(7 * HOUR));
    expect(line(operatorDetails(atRisk, after(7 * HOUR)), 'SLA')).toBe('- **SLA:** due 2026-03-02 17:00 UTC · at risk since 2026-03-02 15:00 UTC');
    const breached = onDeadline(atRisk, after(9 * HOUR));
    expect(line(operatorDetails(breached, after(9 * HOUR)), 'SLA')).toBe('- **SLA:** due 2026-03-02 17:00 UTC · **BREACHED** at 2026-03-02 17:00 UTC');
  });

  it('R21: a resolved item shows its method and the end of its feedback window; a closed one its method and time', () => {
    expect(line(operatorDetails(resolvedTicket(), after(HOUR)), 'State')).toBe('- **State:** resolved as customer_communication, feedback window ends 2026-03-07 09:02 UTC');
    expect(line(operatorDetails(closedTicket(), after(HOUR)), 'State')).toBe('- **State:** closed as rejected_spam at 2026-03-02 09:02 UTC');
  });

  it('R27, R32: a case shows its stage and its actions; an action names its case', () => {
    const details = operatorDetails(runningCase(), after(HOUR));
    expect(line(details, 'Stage')).toBe('- **Stage:** 1 (Check)');
    expect(line(details, 'Children')).toBe('- **Children:** A-000001, A-000002');
    const action = createWorkItem({ ref: 'A-000001', kind: 'action', createdBy: alice, fields: { title: 'Verify documents' }, submit: false, parentRef: 'C-000001', action: { type: 'review', stageIndex: 0 } }, T0);
    expect(line(operatorDetails(action, T0), 'Parent')).toBe('- **Parent:** C-000001');
  });

  it('R29: a case needing attention shows the reason and the action, its Markdown escaped, on one line', () => {
    const kase = actionClosedNotice(runningCase(), ONBOARDING, { ref: 'A-000001', method: 'unable_to_complete', reason: 'Docs *expired*\n see [portal]' }, after(3 * MINUTE));
    expect(line(operatorDetails(kase, after(HOUR)), 'Needs attention')).toBe('- **Needs attention:** Docs \\*expired\\* see \\[portal\\] (A-000001)');
  });

  it('R40: a long list of children is cut, saying how many more', () => {
    const many: WorkItem = { ...runningCase(), childRefs: Array.from({ length: 45 }, (_, i) => `A-${String(i + 1).padStart(6, '0')}`) };
    expect(line(operatorDetails(many, after(HOUR)), 'Children')).toMatch(/A-000020 and 25 more$/);
  });

  it('R40: the details are a pure function of the item and the time given (no clock read, the item untouched)', () => {
    const item = deepFreeze(waitingTicket({ category: WITH_SLA }));
    const first = operatorDetails(item, after(5 * HOUR));
    expect(operatorDetails(item, after(5 * HOUR))).toBe(first);
    // Stopped, the figures shown do not move with the time: the string changes only when the item does.
    expect(operatorDetails(item, after(50 * HOUR))).toBe(first);
  });
});

describe('named deadlines (the timer summary)', () => {
  it('R42: the timer names the wait end, the feedback window end, the SLA at-risk mark, then the breach, at nextDeadline\'s instant', () => {
    const cases: Array<[WorkItem, string]> = [
      [waitingTicket({}, true), 'wait end (more_info, closes if no response)'],
      [resolvedTicket(), 'feedback window end'],
      [inProgressTicket({ category: WITH_SLA }), 'SLA at risk'],
      [onDeadline(inProgressTicket({ category: WITH_SLA }), after(7 * HOUR)), 'SLA breach'],
    ];
    for (const [item, what] of cases) expect(nextNamedDeadline(item)).toEqual({ at: nextDeadline(item), what });
    expect(nextNamedDeadline(inProgressTicket())).toBeUndefined();
  });

  it('R42: an own deadline that falls with an SLA mark is named as the one applied first (the wait end)', () => {
    // Until the SLA's at-risk instant exactly (6 h after submission, the clock not stopped by `until`).
    const item = run(inProgressTicket({ category: WITH_SLA }), [[alice, { type: 'wait', wait: { type: 'until', until: after(6 * HOUR).toISOString() } }]]);
    expect(nextNamedDeadline(item)).toEqual({ at: after(6 * HOUR).getTime(), what: 'wait end (until)' });
  });
});
