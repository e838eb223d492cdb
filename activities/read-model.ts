// Activities: mirror a work item to the PostgreSQL read model and queue its outbound email.

import type pg from 'pg';
import type { WorkItemActivities } from './read-model-types.js';

export function createWorkItemActivities(pool: pg.Pool): WorkItemActivities {
  return {
    async syncSummary(s) {
      await pool.query(
        `INSERT INTO work_items (ref, kind, state, wait_type, highlighted, assignee, queue, needs_human, title,
           category_id, parent_ref, due_at, breached, created_at, updated_at, version)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
         ON CONFLICT (ref) DO UPDATE SET
           kind = EXCLUDED.kind, state = EXCLUDED.state, wait_type = EXCLUDED.wait_type,
           highlighted = EXCLUDED.highlighted, assignee = EXCLUDED.assignee, queue = EXCLUDED.queue,
           needs_human = EXCLUDED.needs_human, title = EXCLUDED.title, category_id = EXCLUDED.category_id,
           parent_ref = EXCLUDED.parent_ref, due_at = EXCLUDED.due_at, breached = EXCLUDED.breached,
           updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
         WHERE work_items.version < EXCLUDED.version`,
        [s.ref, s.kind, s.state, s.waitType, s.highlighted, s.assignee, s.queue, s.needsHuman, s.title,
          s.categoryId, s.parentRef, s.dueAt, s.breached, s.createdAt, s.updatedAt, s.version],
      );
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
