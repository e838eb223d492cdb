// R47: wakes webhooks' dispatchers (workflows/webhook-dispatcher.ts), starting any that is not
// running: when a webhook is set or asked to send again, and when items change (the service
// listens for the feed's notifications, and wakes every webhook at most once per WAKE_EVERY_MS).

import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { webhookChangesSignal, webhookDispatcher, webhookWorkflowId } from '../workflows/webhook-dispatcher.js';
import type { WebhookStore } from '../store/webhook-store.js';

const WAKE_EVERY_MS = 200;

export class WebhookDispatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly store: WebhookStore,
    private readonly logger?: Logger,
  ) {}

  /** Signals webhook `id`'s dispatcher, starting it if it is not running. */
  async wake(id: string): Promise<void> {
    await this.client.workflow.signalWithStart(webhookDispatcher, {
      workflowId: webhookWorkflowId(id),
      taskQueue: this.taskQueue,
      args: [{ id }],
      signal: webhookChangesSignal,
      signalArgs: [],
    });
  }

  /** Items changed: wakes every webhook soon, once for all the changes until then. */
  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.wakeAll().catch((err) => this.logger?.warn({ err }, 'could not wake the webhooks'));
    }, WAKE_EVERY_MS);
  }

  async wakeAll(): Promise<void> {
    for (const id of await this.store.ids()) await this.wake(id);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
