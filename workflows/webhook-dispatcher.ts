// R47: a webhook's delivery as durable Temporal work, one workflow per webhook (`webhook:<id>`):
// rounds of the dispatchWebhook activity (activities/webhook-delivery.ts), which keeps its state
// in PostgreSQL; between rounds, a durable timer until the earliest retry is due, cut short by the
// `changes` Signal that the service sends when items change or the webhook is set. A worker that
// dies mid-round loses nothing: the round runs again, and a change sent twice carries one id.

import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/read-model-types.js';

/** Something may be ready: items changed, or the webhook was set or asked to send again. */
export const webhookChangesSignal = defineSignal('changes');

export function webhookWorkflowId(id: string): string {
  return `webhook:${id}`;
}

const { dispatchWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** With nothing pending, a round runs this often anyway (a Signal lost while the service was down). */
const IDLE_ROUND_MS = 5 * 60_000;
/** Rounds a run holds before it continues as new, keeping its history short. */
const ROUNDS_PER_RUN = 500;

export async function webhookDispatcher(input: { id: string }): Promise<void> {
  let woken = true;
  setHandler(webhookChangesSignal, () => void (woken = true));
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    woken = false;
    const r = await dispatchWebhook({ id: input.id, now: Date.now() });
    if (r.gone) return;
    if (r.more) continue;
    await condition(() => woken, r.nextAttemptAt !== undefined ? Math.max(1, r.nextAttemptAt - Date.now()) : IDLE_ROUND_MS);
  }
  await continueAsNew<typeof webhookDispatcher>(input);
}
