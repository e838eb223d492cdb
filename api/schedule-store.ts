// Cases started on a schedule (R9): each schedule is a Temporal Schedule (through the gateway, the
// one door to Temporal) and a row (store/schedule-store.ts), which is what GET /v1/schedules lists. A save writes the
// row and then the Temporal Schedule; a save that fails half way is repaired by saving again (both
// writes replace what was there).

import type pg from 'pg';
import type { z } from 'zod';
import { parseDurationMs } from '../workflows/domain/item/duration.js';
import { ProcessTable } from '../store/process-store.js';
import { ScheduleTable, type ScheduleRecord } from '../store/schedule-store.js';
import { ApiError, invalid } from './errors.js';
import type { ScheduleView, SchedulePut } from './schemas.js';
import type { WorkItemGateway } from './work-item-gateway.js';

type Schedule = z.output<typeof ScheduleView>;

export class ScheduleStore {
  private readonly table: ScheduleTable;
  private readonly processes: ProcessTable;

  constructor(
    pool: pg.Pool,
    private readonly gateway: WorkItemGateway,
    /** False in time-skipping mode: Temporal's test server has no Schedules. */
    private readonly available = true,
  ) {
    this.table = new ScheduleTable(pool);
    this.processes = new ProcessTable(pool);
  }

  async put(id: string, body: z.output<typeof SchedulePut>): Promise<Schedule> {
    if (!this.available) {
      throw new ApiError('not_implemented', "Schedules are not available in time-skipping mode: Temporal's test server has no Schedules. Start the cases by hand (POST /v1/work-items) or from a mailbox.");
    }
    if (!(await this.processes.exists(body.processId))) {
      throw invalid([{ path: ['body', 'processId'], message: `no process ${body.processId}; PUT /v1/processes/${body.processId} defines it` }]);
    }
    const paused = body.paused ?? false;
    await this.gateway.putSchedule(id, {
      ...(body.cron ? { cron: body.cron } : { everyMs: parseDurationMs(body.every!)! }),
      paused,
      start: { scheduleId: id, processId: body.processId, shortDescription: body.shortDescription, ...(body.queue ? { queue: body.queue } : {}) },
    });
    const row = await this.table.put({ id, processId: body.processId, shortDescription: body.shortDescription, cron: body.cron ?? null, every: body.every ?? null, paused, queue: body.queue ?? null });
    return this.view(row);
  }

  async list(): Promise<Schedule[]> {
    const rows = await this.table.list();
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async delete(id: string): Promise<{ id: string; deleted: true }> {
    const deleted = await this.table.delete(id);
    await this.gateway.deleteSchedule(id);
    if (!deleted) throw new ApiError('not_found', `No schedule ${id}.`);
    return { id, deleted: true };
  }

  private async view(r: ScheduleRecord): Promise<Schedule> {
    const nextRunAt = r.paused ? undefined : await this.gateway.nextScheduledRun(r.id);
    return {
      id: r.id,
      processId: r.processId,
      shortDescription: r.shortDescription,
      ...(r.cron ? { cron: r.cron } : {}),
      ...(r.every ? { every: r.every } : {}),
      paused: r.paused,
      ...(r.queue ? { queue: r.queue } : {}),
      ...(nextRunAt ? { nextRunAt } : {}),
    };
  }
}
