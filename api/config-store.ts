// Configuration as the API changes it: resources (with their tokens), calendars, categories and
// mailboxes, checked and refused here (400/404/409), stored by store/config-store.ts.

import type pg from 'pg';
import type { CategorySnapshot } from '../workflows/domain/item/types.js';
import { ConfigTables, NotStored, type Mailbox, type Resource, type ResourceView } from '../store/config-store.js';
import { ProcessTable } from '../store/process-store.js';
import { hashToken, newToken } from './auth.js';
import { ApiError, invalid } from './errors.js';
import type { z } from 'zod';
import type { CalendarPut, CategoryPut, MailboxPut, ResourceCreate, SlaRulePut } from './schemas.js';
import type { SlaRule } from '../workflows/domain/sla/sla.js';
import { calendarProblems, type BusinessCalendar } from '../workflows/domain/calendar/business-calendar.js';

export type { Mailbox, Resource, ResourceView };

export class ConfigStore {
  private readonly tables: ConfigTables;
  private readonly processes: ProcessTable;

  constructor(pool: pg.Pool) {
    this.tables = new ConfigTables(pool);
    this.processes = new ProcessTable(pool);
  }

  async createResource(r: z.output<typeof ResourceCreate>, by = 'admin'): Promise<{ id: string; token: string }> {
    const token = newToken();
    const created = await this.tables.insertResource(
      { id: r.id, name: r.name, kind: r.kind, roles: r.roles ?? [], queues: r.queues ?? [], email: r.email ?? null, tokenHash: hashToken(token) },
      by,
    );
    if (!created) throw new ApiError('already_exists', `A resource with id ${r.id} exists already; choose another id.`);
    return { id: r.id, token };
  }

  /**
   * A new token for an active resource; the old one stops working at once (this replica forgets
   * it now, the others when PostgreSQL notifies them of the change).
   */
  async rotateToken(id: string, by: string): Promise<{ id: string; token: string }> {
    const token = newToken();
    const rotation = await this.tables.rotateTokenHash(id, hashToken(token), by);
    if (!rotation) throw new ApiError('not_found', `No resource ${id}.`);
    if (!rotation.rotated) throw new ApiError('invalid_transition', `Resource ${id} is deactivated: it has no token to rotate.`);
    return { id, token };
  }

  /** Deactivates a resource: its token stops working at once; its items stay assigned to it. */
  async deactivate(id: string, by: string): Promise<ResourceView> {
    await this.tables.deactivate(id, by);
    const view = await this.resourceView(id);
    if (!view) throw new ApiError('not_found', `No resource ${id}.`);
    return view; // deactivating twice changes nothing the second time
  }

  /** A resource with its audit trail (who created it, rotated its token, deactivated it, and when). */
  async resourceView(id: string): Promise<ResourceView | undefined> {
    return this.tables.resourceView(id);
  }

  async resource(id: string): Promise<Resource | undefined> {
    return this.tables.activeResource(id);
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
    await this.tables.putCalendar(id, calendar);
    return { id, ...calendar };
  }

  async calendar(id: string, field: string): Promise<BusinessCalendar> {
    const calendar = await this.tables.calendar(id);
    if (!calendar) throw noCalendar(id, field);
    return calendar;
  }

  async putCategory(id: string, c: z.output<typeof CategoryPut>): Promise<Record<string, unknown>> {
    if (c.sla?.calendarId) await this.calendar(c.sla.calendarId, 'sla.calendarId');
    for (const [name, rule] of Object.entries(c.slas ?? {})) if (rule?.calendarId) await this.calendar(rule.calendarId, `slas.${name}.calendarId`);
    await this.tables.putCategory(id, c);
    return { id, ...c };
  }

  /** One SLA clock's rule as the workflow holds it (its calendar copied in), or a 400 naming `field.calendarId`. */
  async slaRule(rule: z.output<typeof SlaRulePut>, field: string): Promise<SlaRule> {
    if (rule.calendarId) await this.calendar(rule.calendarId, `${field}.calendarId`);
    return this.tables.slaRule(rule);
  }

  /** The category as the workflow needs it, or a 400 naming the field when it does not exist. */
  async categorySnapshot(id: string, field = 'categoryId'): Promise<CategorySnapshot> {
    try {
      return await this.tables.categorySnapshot(id);
    } catch (error) {
      if (!(error instanceof NotStored)) throw error;
      if (error.what === 'calendar') throw noCalendar(error.id, 'sla.calendarId');
      throw new ApiError('invalid_request', `No category ${id}: create it with PUT /v1/categories/${id} first.`, {
        issues: [{ path: ['body', field], message: 'unknown category' }],
      });
    }
  }

  async putMailbox(address: string, m: z.output<typeof MailboxPut>): Promise<Mailbox> {
    if (m.categoryId) await this.categorySnapshot(m.categoryId);
    // R9: a mailbox that starts cases names the process they follow; one that starts tickets does not.
    if (m.starts === 'case' && !m.processId) throw invalid([{ path: ['body', 'processId'], message: 'a mailbox that starts cases names their process' }]);
    if (m.starts === 'ticket' && m.processId) throw invalid([{ path: ['body', 'processId'], message: 'only a mailbox that starts cases names a process' }]);
    if (m.processId && !(await this.processes.exists(m.processId))) {
      throw invalid([{ path: ['body', 'processId'], message: `no process ${m.processId}; PUT /v1/processes/${m.processId} defines it` }]);
    }
    const mailbox: Mailbox = { address: address.toLowerCase(), starts: m.starts, categoryId: m.categoryId ?? null, processId: m.processId ?? null, queue: m.queue ?? null };
    await this.tables.putMailbox(mailbox);
    return mailbox;
  }

  /** R35: mail is taken for a configured mailbox and for any other address of a mailbox's domain. */
  async receivesMailFor(address: string): Promise<boolean> {
    return this.tables.receivesMailFor(bareAddress(address));
  }

  /** The first of the addresses that a mailbox configures. */
  async mailboxFor(addresses: string[]): Promise<Mailbox | undefined> {
    const wanted = addresses.map((a) => bareAddress(a));
    const rows = await this.tables.mailboxes(wanted);
    return wanted.map((a) => rows.find((r) => r.address === a)).find(Boolean);
  }
}

function noCalendar(id: string, field: string): ApiError {
  return new ApiError('invalid_request', `No calendar ${id}: create it with PUT /v1/calendars/${id} first.`, { issues: [{ path: ['body', ...field.split('.')], message: 'unknown calendar' }] });
}

/** `Desk <desk@x.org>` -> `desk@x.org`, lower-cased. */
export function bareAddress(address: string): string {
  const match = /<([^>]+)>/.exec(address);
  return (match ? match[1] : address).trim().toLowerCase();
}
