// Configuration in PostgreSQL: resources (with token hashes), categories and mailboxes.

import type pg from 'pg';
import { parseDurationMs } from '../workflows/domain/item/duration.js';
import type { CategorySnapshot } from '../workflows/domain/item/types.js';
import { hashToken, newToken } from './auth.js';
import { ApiError, invalid } from './errors.js';
import type { z } from 'zod';
import type { CalendarPut, CategoryPut, MailboxPut, ResourceCreate } from './schemas.js';
import { calendarProblems, type BusinessCalendar } from '../workflows/domain/calendar/business-calendar.js';
import { DEFAULT_AT_RISK_SHARE, type SlaRule } from '../workflows/domain/sla/sla.js';

export interface Resource {
  id: string;
  name: string;
  kind: 'human' | 'robot' | 'integration';
  roles: string[];
  queues: string[];
  email: string | null;
}

export type ResourceView = Omit<Resource, 'email'> & {
  email?: string;
  active: boolean;
  audit: Array<{ action: 'created' | 'token_rotated' | 'deactivated'; by: string; at: string }>;
};

export interface Mailbox {
  address: string;
  starts: 'ticket' | 'case';
  categoryId: string | null;
  processId: string | null;
  queue: string | null;
}

export class ConfigStore {
  constructor(private readonly pool: pg.Pool) {}

  async createResource(r: z.output<typeof ResourceCreate>, by = 'admin'): Promise<{ id: string; token: string }> {
    const token = newToken();
    const inserted = await this.pool.query(
      `WITH inserted AS (
         INSERT INTO resources (id, name, kind, roles, queues, email, token_hash) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (id) DO NOTHING RETURNING id
       )
       INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'created', $8 FROM inserted`,
      [r.id, r.name, r.kind, r.roles ?? [], r.queues ?? [], r.email ?? null, hashToken(token), by],
    );
    if (inserted.rowCount === 0) throw new ApiError('already_exists', `A resource with id ${r.id} exists already; choose another id.`);
    return { id: r.id, token };
  }

  /**
   * A new token for an active resource; the old one stops working at once (this replica forgets
   * it now, the others when PostgreSQL notifies them of the change).
   */
  async rotateToken(id: string, by: string): Promise<{ id: string; token: string }> {
    const token = newToken();
    const { rows } = await this.pool.query<{ active: boolean; rotated: boolean }>(
      `WITH r AS (SELECT active FROM resources WHERE id = $1),
       rotated AS (UPDATE resources SET token_hash = $2 WHERE id = $1 AND active RETURNING id),
       audited AS (INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'token_rotated', $3 FROM rotated),
       notified AS (SELECT pg_notify('resource_tokens', id) FROM rotated)
       SELECT r.active, EXISTS (SELECT 1 FROM rotated) AS rotated FROM r LEFT JOIN notified ON true`,
      [id, hashToken(token), by],
    );
    if (!rows[0]) throw new ApiError('not_found', `No resource ${id}.`);
    if (!rows[0].rotated) throw new ApiError('invalid_transition', `Resource ${id} is deactivated: it has no token to rotate.`);
    return { id, token };
  }

  /** Deactivates a resource: its token stops working at once; its items stay assigned to it. */
  async deactivate(id: string, by: string): Promise<ResourceView> {
    await this.pool.query(
      `WITH deactivated AS (UPDATE resources SET active = false, token_hash = NULL WHERE id = $1 AND active RETURNING id),
       audited AS (INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'deactivated', $2 FROM deactivated)
       SELECT pg_notify('resource_tokens', id) FROM deactivated`,
      [id, by],
    );
    const view = await this.resourceView(id);
    if (!view) throw new ApiError('not_found', `No resource ${id}.`);
    return view; // deactivating twice changes nothing the second time

  }

  /** A resource with its audit trail (who created it, rotated its token, deactivated it, and when). */
  async resourceView(id: string): Promise<ResourceView | undefined> {
    const resource = await this.pool.query('SELECT id, name, kind, roles, queues, email, active FROM resources WHERE id = $1', [id]);
    if (!resource.rows[0]) return undefined;
    const audit = await this.pool.query<{ action: ResourceView['audit'][number]['action']; by: string; at: Date }>(
      'SELECT action, by_id AS by, at FROM resource_audit WHERE resource_id = $1 ORDER BY id',
      [id],
    );
    return { ...resource.rows[0], email: resource.rows[0].email ?? undefined, audit: audit.rows.map((a) => ({ action: a.action, by: a.by, at: new Date(a.at).toISOString() })) };
  }

  async resource(id: string): Promise<Resource | undefined> {
    const { rows } = await this.pool.query('SELECT id, name, kind, roles, queues, email FROM resources WHERE id = $1 AND active', [id]);
    return rows[0];
  }

  /** A resource that can be assigned work (human or robot), or a 400 naming the field. */
  async assignable(id: string, field: string): Promise<Resource & { kind: 'human' | 'robot' }> {
    const resource = await this.resource(id);
    if (!resource || resource.kind === 'integration') {
      throw new ApiError('invalid_request', `${id} is not an active human or robot resource.`, { issues: [{ path: ['body', field], message: 'unknown or not assignable' }] });
    }
    return resource as Resource & { kind: 'human' | 'robot' };
  }

  async putCalendar(id: string, c: z.output<typeof CalendarPut>): Promise<BusinessCalendar & { id: string }> {
    const calendar: BusinessCalendar = { timezone: c.timezone, workingHours: c.workingHours, holidays: c.holidays };
    const problems = calendarProblems(calendar);
    if (problems.length) {
      throw new ApiError('invalid_request', `Calendar ${id} cannot be used: ${problems.join(' ')}`, { issues: problems.map((message) => ({ path: ['body'], message })) });
    }
    await this.pool.query(
      `INSERT INTO calendars (id, definition, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [id, JSON.stringify(calendar)],
    );
    return { id, ...calendar };
  }

  async calendar(id: string, field: string): Promise<BusinessCalendar> {
    const { rows } = await this.pool.query('SELECT definition FROM calendars WHERE id = $1', [id]);
    if (!rows[0]) {
      throw new ApiError('invalid_request', `No calendar ${id}: create it with PUT /v1/calendars/${id} first.`, { issues: [{ path: ['body', ...field.split('.')], message: 'unknown calendar' }] });
    }
    return rows[0].definition;
  }

  async putCategory(id: string, c: z.output<typeof CategoryPut>): Promise<Record<string, unknown>> {
    if (c.sla?.calendarId) await this.calendar(c.sla.calendarId, 'sla.calendarId');
    await this.pool.query(
      `INSERT INTO categories (id, name, require_resolution_communication, feedback_window, sla, launched_case_resolution, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
         require_resolution_communication = EXCLUDED.require_resolution_communication,
         feedback_window = EXCLUDED.feedback_window, sla = EXCLUDED.sla,
         launched_case_resolution = EXCLUDED.launched_case_resolution, updated_at = now()`,
      [id, c.name, c.requireResolutionCommunication ?? false, c.feedbackWindow ?? null, c.sla ? JSON.stringify(c.sla) : null, c.launchedCaseResolution ?? null],
    );
    return { id, ...c };
  }

  /** The category as the workflow needs it, or a 400 naming the field when it does not exist. */
  async categorySnapshot(id: string, field = 'categoryId'): Promise<CategorySnapshot> {
    const { rows } = await this.pool.query('SELECT id, require_resolution_communication, feedback_window, sla, launched_case_resolution FROM categories WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) {
      throw new ApiError('invalid_request', `No category ${id}: create it with PUT /v1/categories/${id} first.`, {
        issues: [{ path: ['body', field], message: 'unknown category' }],
      });
    }
    return {
      id: row.id,
      requireResolutionCommunication: row.require_resolution_communication,
      feedbackWindowMs: row.feedback_window ? (parseDurationMs(row.feedback_window) ?? 0) : 0,
      ...(row.launched_case_resolution ? { launchedCaseResolution: row.launched_case_resolution } : {}),
      ...(row.sla ? { sla: await this.slaRule(row.sla) } : {}),
    };
  }

  /** The category's due-date rule as the workflow holds it, with its calendar copied in. */
  private async slaRule(sla: NonNullable<z.output<typeof CategoryPut>['sla']>): Promise<SlaRule> {
    return {
      targetMs: parseDurationMs(sla.target) ?? 0,
      ...(sla.calendarId ? { calendarId: sla.calendarId, calendar: await this.calendar(sla.calendarId, 'sla.calendarId') } : {}),
      addWaitingTime: sla.addWaitingTime ?? false,
      stopOn: sla.stopOn ?? [],
      atRiskShare: sla.atRiskShare ?? DEFAULT_AT_RISK_SHARE,
    };
  }

  async putMailbox(address: string, m: z.output<typeof MailboxPut>): Promise<Mailbox> {
    if (m.categoryId) await this.categorySnapshot(m.categoryId);
    // R9: a mailbox that starts cases names the process they follow; one that starts tickets does not.
    if (m.starts === 'case' && !m.processId) throw invalid([{ path: ['body', 'processId'], message: 'a mailbox that starts cases names their process' }]);
    if (m.starts === 'ticket' && m.processId) throw invalid([{ path: ['body', 'processId'], message: 'only a mailbox that starts cases names a process' }]);
    if (m.processId && (await this.pool.query('SELECT 1 FROM processes WHERE id = $1', [m.processId])).rowCount === 0) {
      throw invalid([{ path: ['body', 'processId'], message: `no process ${m.processId}; PUT /v1/processes/${m.processId} defines it` }]);
    }
    await this.pool.query(
      `INSERT INTO mailboxes (address, starts, category_id, process_id, queue, updated_at) VALUES ($1,$2,$3,$4,$5, now())
       ON CONFLICT (address) DO UPDATE SET starts = EXCLUDED.starts, category_id = EXCLUDED.category_id,
         process_id = EXCLUDED.process_id, queue = EXCLUDED.queue, updated_at = now()`,
      [address.toLowerCase(), m.starts, m.categoryId ?? null, m.processId ?? null, m.queue ?? null],
    );
    return { address: address.toLowerCase(), starts: m.starts, categoryId: m.categoryId ?? null, processId: m.processId ?? null, queue: m.queue ?? null };
  }

  /** R35: mail is taken for a configured mailbox and for any other address of a mailbox's domain. */
  async receivesMailFor(address: string): Promise<boolean> {
    const bare = bareAddress(address);
    const { rows } = await this.pool.query(`SELECT 1 FROM mailboxes WHERE address = $1 OR split_part(address, '@', 2) = split_part($1, '@', 2) LIMIT 1`, [bare]);
    return rows.length > 0;
  }

  /** The first of the addresses that a mailbox configures. */
  async mailboxFor(addresses: string[]): Promise<Mailbox | undefined> {
    const wanted = addresses.map((a) => bareAddress(a));
    const { rows } = await this.pool.query(
      `SELECT address, starts, category_id AS "categoryId", process_id AS "processId", queue FROM mailboxes WHERE address = ANY($1)`,
      [wanted],
    );
    return wanted.map((a) => rows.find((r) => r.address === a)).find(Boolean);
  }
}

/** `Desk <desk@x.org>` -> `desk@x.org`, lower-cased. */
export function bareAddress(address: string): string {
  const match = /<([^>]+)>/.exec(address);
  return (match ? match[1] : address).trim().toLowerCase();
}
