// The activities a work-item workflow calls, as types the workflow can import without I/O code.

import type { CaseProcess, CategorySnapshot, DeliveryUpdate, OutboundEmail, TimelineEntry, WorkItem, WorkItemSummary } from '../workflows/domain/item/types.js';

/** Everything about an item not yet stored outside its workflow, all of it already in history. */
export interface ItemChanges {
  /**
   * The item as it stands once this store is done: its tail, outbox, resolution tags and delivery
   * updates empty (they are stored by this same call). Views are read from it.
   */
  item: WorkItem;
  /** Its list row, figured at the workflow's time. */
  summary: WorkItemSummary;
  /** Timeline entries to store, by (ref, seq); a repeat is a no-op. */
  entries: TimelineEntry[];
  /** Seqs of stored entries now tagged as the resolution communication (R22). */
  resolutionTags: number[];
  /** Outbound emails to queue; a repeat is a no-op. */
  emails: OutboundEmail[];
  /** Delivery outcomes of stored `email_out` entries. */
  deliveries: DeliveryUpdate[];
}

export interface WorkItemActivities {
  /** Stores an item's changes in one transaction: timeline entries, outbox, summary row. */
  recordChanges(changes: ItemChanges): Promise<void>;
  /**
   * The ref of the item `origin` launches as its `launchId`-th launch (a case's actions, the case
   * of a start_case action): allocated once, the same on a retry (R1, R26).
   */
  allocateRef(launch: { origin: string; launchId: number; kind: 'ticket' | 'case' | 'action' }): Promise<string>;
  /** The current version of a process, with its category, for a case started by the workflow (R9, R26); null when none. */
  loadProcess(id: string): Promise<{ process: CaseProcess; category?: CategorySnapshot } | null>;
  /**
   * Hands a stored outbound email to the SMTP relay, once: an email the relay accepted before is
   * not sent again. Throws a failure that is not retried when the relay refuses it for good or
   * the worker's give-up time has passed since the first attempt.
   */
  deliverEmail(email: { messageId: string }): Promise<void>;
}

/** R47: what a round of a webhook's delivery answers (activities/webhook-delivery.ts). */
export interface DispatchRound {
  /** The webhook is gone: its dispatcher ends. */
  gone?: true;
  /** More is ready now (a full page of the feed, a failed attempt or a used-up round). */
  more?: true;
  /** When the earliest retry is due, epoch ms. */
  nextAttemptAt?: number;
}

export interface WebhookActivities {
  /** One round of webhook `id`'s delivery, at the workflow's time `now` (epoch ms). */
  dispatchWebhook(round: { id: string; now: number }): Promise<DispatchRound>;
}
