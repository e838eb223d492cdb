// The response clocks (R44) in workflow code, on the time-skipping test server: each breaches at
// its exact instant from the item's one durable timer, beside the resolution clock; the histories
// replay.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlaRule } from '../../workflows/domain/sla/sla.js';
import type { CategorySnapshot } from '../../workflows/domain/item/types.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import { alice, WorkflowHarness } from '../support/workflow-harness.js';
import { DAY, HOUR, MINUTE } from '../unit/fixtures.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

const rule = (targetMs: number): SlaRule => ({ targetMs, addWaitingTime: true, stopOn: ['more_info'], atRiskShare: 0.75 });
const category: CategorySnapshot = {
  id: 'desk',
  requireResolutionCommunication: false,
  feedbackWindowMs: 2 * DAY,
  sla: rule(5 * DAY),
  slas: { first_response: rule(4 * HOUR), next_response: rule(HOUR) },
};
const sendEmail: Command = { type: 'sendEmail', to: ['ann@example.com'], subject: 'About your request', body: 'We are on it.' };

describe('response clocks on the time-skipping server (R44)', () => {
  it('R44, R39: first_response breaches at its instant from the item timer; the resolution clock runs on', async () => {
    const t = await h.ticket({ submit: true, category });
    const submitted = Date.parse((await h.command(t, alice, { type: 'pickUp' })).submittedAt!);
    await h.skip(4 * HOUR - MINUTE);
    expect((await h.view(t)).slas?.first_response?.breached).toBe(false);
    await h.skip(2 * MINUTE);
    const v = await h.until(t, (v) => v.slas?.first_response?.breached === true, 'the first-response breach');
    expect(Date.parse(v.slas!.first_response!.breachedAt!)).toBe(submitted + 4 * HOUR);
    expect(v.slas!.first_response!.atRiskAt).toBe(new Date(submitted + 3 * HOUR).toISOString());
    expect(v.sla).toMatchObject({ breached: false, clockRunning: true });
    expect(v.timeline.filter((e) => e.type === 'sla_breached')).toEqual([expect.objectContaining({ clock: 'first_response' })]);
  });

  it('R44, R39: next_response starts at the email after a reply and breaches at its instant', async () => {
    const t = await h.ticket({ submit: true, category });
    await h.command(t, alice, { type: 'pickUp' });
    await h.command(t, alice, sendEmail);
    await h.skip(HOUR);
    await h.email(t);
    const started = await h.view(t);
    const due = Date.parse(started.slas!.next_response!.dueAt!);
    await h.skip(HOUR - MINUTE);
    expect((await h.view(t)).slas?.next_response?.breached).toBe(false);
    await h.skip(2 * MINUTE);
    const v = await h.until(t, (v) => v.slas?.next_response?.breached === true, 'the next-response breach');
    expect(Date.parse(v.slas!.next_response!.breachedAt!)).toBe(due);
    const answered = await h.command(t, alice, sendEmail);
    expect(answered.slas!.next_response).toMatchObject({ endedBy: 'responded', breached: true, breaches: 1 });
    expect(answered.slas!.first_response).toMatchObject({ endedBy: 'responded', breached: false });
  });

  it('R44: the histories replay on the bundle', async () => {
    const { errors } = await h.replayAll();
    expect(errors).toEqual([]);
  });
});
