// Configuration in PostgreSQL: resources (their token hashes and audit trail), calendars,
// categories and mailboxes. This is the one module that writes those tables. What a request may
// change, and how a refusal is answered, is the API's (api/config-store.ts); the worker reads the
// category snapshot a case started by a workflow copies in (store/process-store.ts).

import type pg from 'pg';
import type { BusinessCalendar } from '../workflows/domain/calendar/business-calendar.js';
import { parseDurationMs } from '../workflows/domain/item/duration.js';
import type { CategorySnapshot } from '../workflows/domain/item/types.js';
import { DEFAULT_AT_RISK_SHARE, type SlaRule } from '../workflows/domain/sla/sla.js';
import { RESPONSE_CLOCKS, type ResponseClockName, type ResponseRules } from '../workflows/domain/sla/response-clocks.js';

/** The channel a token change is announced on (store/resource-token-notifications.ts listens). */
export const RESOURCE_TOKENS_CHANNEL = 'resource_tokens';

export type ResourceKind = 'human' | 'robot' | 'integration';

export interface Resource {
  id: string;
  name: string;
  kind: ResourceKind;
  roles: string[];
  queues: string[];
  email: string | null;
}

export type ResourceView = Omit<Resource, 'email'> & {
  email?: string;
  active: boolean;
  audit: Array<{ action: 'created' | 'token_rotated' | 'deactivated'; by: string; at: string }>;
};

/** Who an active resource's token stands for. */
export interface TokenHolder {
  id: string;
  kind: ResourceKind;
  roles: string[];
  queues: string[];
}

export interface Mailbox {
  address: string;
  starts: 'ticket' | 'case';
  categoryId: string | null;
  processId: string | null;
  queue: string | null;
}

/** A category's due-date rule as stored (durations as ISO-8601 text). */
export interface StoredSla {
  target: string;
  calendarId?: string;
  addWaitingTime?: boolean;
  stopOn?: SlaRule['stopOn'];
  atRiskShare?: number;
}

export interface StoredCategory {
  name: string;
  requireResolutionCommunication?: boolean;
  feedbackWindow?: string;
  sla?: StoredSla;
  /** R44: the response clocks' rules. */
  slas?: Partial<Record<ResponseClockName, StoredSla>>;
  launchedCaseResolution?: CategorySnapshot['launchedCaseResolution'];
}

/** A row a lookup needed and did not find (the API answers it as a 400 naming the field). */
export class NotStored extends Error {
  constructor(
    readonly what: 'category' | 'calendar',
    readonly id: string,
  ) {
    super(`no ${what} ${id}`);
    this.name = 'NotStored';
  }
}

export class ConfigTables {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates a resource with its first audit entry; false when one with this id exists already. */
  async insertResource(r: Resource & { tokenHash: string }, by: string): Promise<boolean> {
    const inserted = await this.pool.query(
      `WITH inserted AS (
         INSERT INTO resources (id, name, kind, roles, queues, email, token_hash) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (id) DO NOTHING RETURNING id
       )
       INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'created', $8 FROM inserted`,
      [r.id, r.name, r.kind, r.roles, r.queues, r.email, r.tokenHash, by],
    );
    return inserted.rowCount !== 0;
  }

  /**
   * Replaces an active resource's token hash, audits it and notifies the replicas (one
   * statement). Undefined when there is no such resource; `rotated: false` when it is deactivated.
   */
  async rotateTokenHash(id: string, tokenHash: string, by: string): Promise<{ rotated: boolean } | undefined> {
    const { rows } = await this.pool.query<{ active: boolean; rotated: boolean }>(
      `WITH r AS (SELECT active FROM resources WHERE id = $1),
       rotated AS (UPDATE resources SET token_hash = $2 WHERE id = $1 AND active RETURNING id),
       audited AS (INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'token_rotated', $3 FROM rotated),
       notified AS (SELECT pg_notify('${RESOURCE_TOKENS_CHANNEL}', id) FROM rotated)
       SELECT r.active, EXISTS (SELECT 1 FROM rotated) AS rotated FROM r LEFT JOIN notified ON true`,
      [id, tokenHash, by],
    );
    return rows[0] && { rotated: rows[0].rotated };
  }

  /** Deactivates a resource (its token goes), audits it and notifies the replicas; a no-op when it is not active. */
  async deactivate(id: string, by: string): Promise<void> {
    await this.pool.query(
      `WITH deactivated AS (UPDATE resources SET active = false, token_hash = NULL WHERE id = $1 AND active RETURNING id),
       audited AS (INSERT INTO resource_audit (resource_id, action, by_id) SELECT id, 'deactivated', $2 FROM deactivated)
       SELECT pg_notify('${RESOURCE_TOKENS_CHANNEL}', id) FROM deactivated`,
      [id, by],
    );
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

  async activeResource(id: string): Promise<Resource | undefined> {
    const { rows } = await this.pool.query<Resource>('SELECT id, name, kind, roles, queues, email FROM resources WHERE id = $1 AND active', [id]);
    return rows[0];
  }

  /** The active resource whose token has this SHA-256 hash. */
  async activeTokenHolder(tokenHash: string): Promise<TokenHolder | undefined> {
    const { rows } = await this.pool.query<TokenHolder>('SELECT id, kind, roles, queues FROM resources WHERE token_hash = $1 AND active', [tokenHash]);
    return rows[0];
  }

  async putCalendar(id: string, calendar: BusinessCalendar): Promise<void> {
    await this.pool.query(
      `INSERT INTO calendars (id, definition, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [id, JSON.stringify(calendar)],
    );
  }

  async calendar(id: string): Promise<BusinessCalendar | undefined> {
    const { rows } = await this.pool.query<{ definition: BusinessCalendar }>('SELECT definition FROM calendars WHERE id = $1', [id]);
    return rows[0]?.definition;
  }

  async putCategory(id: string, c: StoredCategory): Promise<void> {
    await this.pool.query(
      `INSERT INTO categories (id, name, require_resolution_communication, feedback_window, sla, launched_case_resolution, slas, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
         require_resolution_communication = EXCLUDED.require_resolution_communication,
         feedback_window = EXCLUDED.feedback_window, sla = EXCLUDED.sla,
         launched_case_resolution = EXCLUDED.launched_case_resolution, slas = EXCLUDED.slas, updated_at = now()`,
      [id, c.name, c.requireResolutionCommunication ?? false, c.feedbackWindow ?? null, c.sla ? JSON.stringify(c.sla) : null, c.launchedCaseResolution ?? null, c.slas && Object.keys(c.slas).length ? JSON.stringify(c.slas) : null],
    );
  }

  /**
   * The category as a workflow holds it (R21, R22, R36), its SLA's calendar copied in. Throws
   * NotStored when the category, or the calendar its SLA names, does not exist.
   */
  async categorySnapshot(id: string): Promise<CategorySnapshot> {
    const { rows } = await this.pool.query<{
      id: string;
      require_resolution_communication: boolean;
      feedback_window: string | null;
      sla: StoredSla | null;
      slas: StoredCategory['slas'] | null;
      launched_case_resolution: CategorySnapshot['launchedCaseResolution'] | null;
    }>('SELECT id, require_resolution_communication, feedback_window, sla, slas, launched_case_resolution FROM categories WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) throw new NotStored('category', id);
    return {
      id: row.id,
      requireResolutionCommunication: row.require_resolution_communication,
      feedbackWindowMs: row.feedback_window ? (parseDurationMs(row.feedback_window) ?? 0) : 0,
      ...(row.launched_case_resolution ? { launchedCaseResolution: row.launched_case_resolution } : {}),
      ...(row.sla ? { sla: await this.slaRule(row.sla) } : {}),
      ...(row.slas ? { slas: await this.responseRules(row.slas) } : {}),
    };
  }

  private async responseRules(slas: NonNullable<StoredCategory['slas']>): Promise<ResponseRules> {
    const rules: ResponseRules = {};
    for (const name of RESPONSE_CLOCKS) {
      const stored = slas[name];
      if (stored) rules[name] = await this.slaRule(stored);
    }
    return rules;
  }

  /** The category's due-date rule as the workflow holds it, with its calendar copied in. */
  async slaRule(sla: StoredSla): Promise<SlaRule> {
    const calendar = sla.calendarId ? await this.calendar(sla.calendarId) : undefined;
    if (sla.calendarId && !calendar) throw new NotStored('calendar', sla.calendarId);
    return {
      targetMs: parseDurationMs(sla.target) ?? 0,
      ...(sla.calendarId ? { calendarId: sla.calendarId, calendar } : {}),
      addWaitingTime: sla.addWaitingTime ?? false,
      stopOn: sla.stopOn ?? [],
      atRiskShare: sla.atRiskShare ?? DEFAULT_AT_RISK_SHARE,
    };
  }

  /** `m.address` is a bare, lower-case address. */
  async putMailbox(m: Mailbox): Promise<void> {
    await this.pool.query(
      `INSERT INTO mailboxes (address, starts, category_id, process_id, queue, updated_at) VALUES ($1,$2,$3,$4,$5, now())
       ON CONFLICT (address) DO UPDATE SET starts = EXCLUDED.starts, category_id = EXCLUDED.category_id,
         process_id = EXCLUDED.process_id, queue = EXCLUDED.queue, updated_at = now()`,
      [m.address, m.starts, m.categoryId, m.processId, m.queue],
    );
  }

  /** R35: whether a mailbox is configured for this bare address or for any address of its domain. */
  async receivesMailFor(bare: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM mailboxes WHERE address = $1 OR split_part(address, '@', 2) = split_part($1, '@', 2) LIMIT 1`, [bare]);
    return rows.length > 0;
  }

  /** The mailboxes configured for these bare addresses (in no particular order). */
  async mailboxes(bare: string[]): Promise<Mailbox[]> {
    const { rows } = await this.pool.query<Mailbox>(
      `SELECT address, starts, category_id AS "categoryId", process_id AS "processId", queue FROM mailboxes WHERE address = ANY($1)`,
      [bare],
    );
    return rows;
  }

  /** The first configured mailbox address (alphabetically): the sender when none is configured. */
  async firstMailboxAddress(): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ address: string }>('SELECT address FROM mailboxes ORDER BY address LIMIT 1');
    return rows[0]?.address;
  }
}
