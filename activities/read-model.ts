// Activities: store what a work item's history says outside it, in PostgreSQL: its timeline
// entries, its summary row for the lists, and its outbound email (delivered by email-delivery.ts). Every write is idempotent
// (entries by (ref, seq), emails by Message-ID, the summary by version), so an activity retried
// after a crash writes the same thing again and changes nothing.

import type pg from 'pg';
import { ConfigStore } from '../api/config-store.js';
import type { ProcessDefinition } from '../workflows/domain/case/process-definition.js';
import type { WorkItemSummary } from '../workflows/domain/item/types.js';
import type { WorkItemActivities } from './read-model-types.js';
import { createEmailDelivery, type EmailDeliveryOptions } from './email-delivery.js';

/** The summary upsert; an older version never overwrites a newer one. */
export const UPSERT_SUMMARY = `
  INSERT INTO work_items (ref, kind, state, wait_type, highlighted, assignee, queue, needs_human, title,
    category_id, parent_ref, due_at, breached, created_at, updated_at, version)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
  ON CONFLICT (ref) DO UPDATE SET
    kind = EXCLUDED.kind, state = EXCLUDED.state, wait_type = EXCLUDED.wait_type,
    highlighted = EXCLUDED.highlighted, assignee = EXCLUDED.assignee, queue = EXCLUDED.queue,
    needs_human = EXCLUDED.needs_human, title = EXCLUDED.title, category_id = EXCLUDED.category_id,
    parent_ref = EXCLUDED.parent_ref, due_at = EXCLUDED.due_at, breached = EXCLUDED.breached,
    updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
  WHERE work_items.version < EXCLUDED.version`;

/**
 * The ref of the item that `origin` launches as its `launchId`-th: taken from the sequence the
 * first time, the same ref every later time (a launch retried after a crash, R1).
 */
export async function allocateLaunchRef(pool: pg.Pool, origin: string, launchId: number, kind: 'ticket' | 'case' | 'action'): Promise<string> {
  const prefix = { ticket: 'T', case: 'C', action: 'A' }[kind];
  // The sequence is read only when no ref was given yet, so a retried launch uses up no number.
  const launched = () =>
    pool.query<{ ref: string }>(
      `WITH existing AS (SELECT ref FROM launched_items WHERE origin_ref = $1 AND launch_id = $2),
       inserted AS (
         INSERT INTO launched_items (origin_ref, launch_id, ref)
         SELECT $1, $2, '${prefix}-' || lpad(nextval('${kind}_ref_seq')::text, 6, '0') WHERE NOT EXISTS (SELECT 1 FROM existing)
         ON CONFLICT (origin_ref, launch_id) DO NOTHING
         RETURNING ref
       )
       SELECT ref FROM existing UNION ALL SELECT ref FROM inserted`,
      [origin, launchId],
    );
  // Two first launches at once: one inserts, the other finds nothing yet and looks again.
  const rows = (await launched()).rows;
  return (rows[0] ?? (await launched()).rows[0])!.ref;
}

export function summaryParams(s: WorkItemSummary): unknown[] {
  return [s.ref, s.kind, s.state, s.waitType, s.highlighted, s.assignee, s.queue, s.needsHuman, s.title,
    s.categoryId, s.parentRef, s.dueAt, s.breached, s.createdAt, s.updatedAt, s.version];
}

export function createWorkItemActivities(pool: pg.Pool, email: EmailDeliveryOptions = {}): WorkItemActivities {
  const delivery = createEmailDelivery(pool, email);
  return {
    deliverEmail: delivery.deliverEmail,
    async recordChanges({ summary, entries, resolutionTags, emails, deliveries = [] }) {
      // One statement, so one round trip and one transaction. Data-modifying CTEs share one
      // snapshot: a tag or a delivery outcome applies to entries stored by an earlier call
      // (entries in this batch carry theirs already), and both go in one UPDATE, as a row may
      // be modified once per statement.
      await pool.query(
        `WITH entries AS (
           INSERT INTO timeline_entries (ref, seq, entry)
           SELECT $1, (e->>'seq')::int, e FROM jsonb_array_elements($17::jsonb) AS e
           ON CONFLICT (ref, seq) DO NOTHING
         ), deliveries AS (
           SELECT d.seq, jsonb_strip_nulls(jsonb_build_object('delivery', d.delivery, 'error', d.error)) AS mark
           FROM jsonb_to_recordset($20::jsonb) AS d(seq int, delivery text, error text)
         ), marks AS (
           UPDATE timeline_entries t
           SET entry = t.entry
             || CASE WHEN t.seq = ANY($18::int[]) THEN '{"isResolution": true}'::jsonb ELSE '{}'::jsonb END
             || COALESCE((SELECT d.mark FROM deliveries d WHERE d.seq = t.seq LIMIT 1), '{}'::jsonb)
           WHERE t.ref = $1 AND (t.seq = ANY($18::int[]) OR t.seq IN (SELECT seq FROM deliveries))
         ), emails AS (
           INSERT INTO outbound_emails (message_id, ref, recipients, subject, body, is_resolution, seq, in_reply_to)
           SELECT m."messageId", m.ref, m."to", m.subject, m.body, m."isResolution", m.seq, m."inReplyTo"
           FROM jsonb_to_recordset($19::jsonb) AS m("messageId" text, ref text, "to" text[], subject text, body text, "isResolution" boolean, seq int, "inReplyTo" text)
           ON CONFLICT (message_id) DO NOTHING
         )
         ${UPSERT_SUMMARY}`,
        [...summaryParams(summary), JSON.stringify(entries), resolutionTags, JSON.stringify(emails), JSON.stringify(deliveries)],
      );
      if (process.env.WORK_ITEMS_FAULT === 'kill-after-store') process.kill(process.pid, 'SIGKILL'); // fault tests only
    },

    async allocateRef({ origin, launchId, kind }) {
      return allocateLaunchRef(pool, origin, launchId, kind);
    },

    async loadProcess(id) {
      const { rows } = await pool.query<{ version: number; definition: ProcessDefinition }>('SELECT version, definition FROM processes WHERE id = $1 ORDER BY version DESC LIMIT 1', [id]);
      if (!rows[0]) return null;
      const process = { id, version: rows[0].version, ...rows[0].definition };
      // The process's category, as the API copies it into a case it creates (R21, R22, R36).
      const category = process.categoryId ? await new ConfigStore(pool).categorySnapshot(process.categoryId).catch(() => undefined) : undefined;
      return { process, ...(category ? { category } : {}) };
    },

    async syncSummary(s) {
      await pool.query(UPSERT_SUMMARY, summaryParams(s));
    },

    async deliverEmails(emails) {
      for (const e of emails) {
        await pool.query(
          `INSERT INTO outbound_emails (message_id, ref, recipients, subject, body, is_resolution)
           VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (message_id) DO NOTHING`,
          [e.messageId, e.ref, e.to, e.subject, e.body, e.isResolution],
        );
      }
    },
  };
}
