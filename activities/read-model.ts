// Activities: store what a work item's history says outside it, in PostgreSQL (store/item-store.ts
// writes it: its state, list row, timeline entries and outbound email, the email delivered by
// email-delivery.ts), and what a workflow needs to launch other items. Every write is idempotent
// (entries by (ref, seq), emails by Message-ID, the state by version, a launch's ref by (origin,
// launch)), so an activity retried after a crash writes the same thing again and changes nothing.

import type pg from 'pg';
import { allocateLaunchRef, ItemStore } from '../store/item-store.js';
import { loadCurrentProcess } from '../store/process-store.js';
import type { WorkItemActivities } from './read-model-types.js';
import { createEmailDelivery, type EmailDeliveryOptions } from './email-delivery.js';

export function createWorkItemActivities(pool: pg.Pool, email: EmailDeliveryOptions = {}): WorkItemActivities {
  const delivery = createEmailDelivery(pool, email);
  const items = new ItemStore(pool);
  return {
    deliverEmail: delivery.deliverEmail,

    async recordChanges(changes) {
      await items.recordChanges(changes);
    },

    async allocateRef({ origin, launchId, kind }) {
      return allocateLaunchRef(pool, origin, launchId, kind);
    },

    async loadProcess(id) {
      // With the process's category, as the API copies it into a case it creates (R21, R22, R36).
      return loadCurrentProcess(pool, id);
    },
  };
}
