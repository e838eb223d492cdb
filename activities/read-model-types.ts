// The activities a work-item workflow calls, as types the workflow can import without I/O code.

import type { OutboundEmail, WorkItemSummary } from '../workflows/domain/types.js';

export interface WorkItemActivities {
  /** Upserts the item's summary row; an older version never overwrites a newer one. */
  syncSummary(summary: WorkItemSummary): Promise<void>;
  /** Hands outbound emails to delivery (the outbox table); a repeat is a no-op. */
  deliverEmails(emails: OutboundEmail[]): Promise<void>;
}
