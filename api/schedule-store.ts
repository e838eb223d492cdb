// Cases started on a schedule (R9): each schedule is a Temporal Schedule (through the gateway, the
// one door to Temporal) and a row here, which is what GET /v1/schedules lists. A save writes the
// row and then the Temporal Schedule; a save that fails half way is repaired by saving again (both
// writes replace what was there).

import type pg from 'pg';
import type { z } from 'zod';
import { parseDurationMs } from '../workflows/domain/item/duration.js';
import { ApiError, invalid } from './errors.js';
import type { ScheduleView, SchedulePut } from './schemas.js';
import type { WorkItemGateway } from './work-item-gateway.js';

type Schedule = z.output<typeof ScheduleView>;

interface Row {
  id: string;
  process_id: string;
  short_description: string;
  cron: string | null;
  every: string | null;
  paused: boolean;
  queue: string | null;
}

export class ScheduleStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly gateway: WorkItemGateway,
    /** False in time-skipping mode: Temporal's test server has no Schedules. */
    private readonly available = true,
  ) {}

  async put(id: string, body: z.output<typeof SchedulePut>): Promise<Schedule> {
    if (!this.available) {
      throw new ApiError('not_implemented', "Schedules are not available in time-skipping mode: Temporal's test server has no Schedules. Start the cases by hand (POST /v1/work-items) or from a mailbox.");
    }
    if ((await this.pool.query('SELECT 1 FROM processes WHERE id = $1', [body.processId])).rowCount === 0) {
      throw invalid([{ path: ['body', 'processId'], message: `no process ${body.processId}; PUT /v1/processes/${body.processId} defines it` }]);
    }
    const paused = body.paused ?? false;
    await this.gateway.putSchedule(id, {
      ...(body.cron ? { cron: body.cron } : { everyMs: parseDurationMs(body.every!)! }),
      paused,
      start: { scheduleId: id, processId: body.processId, shortDescription: body.shortDescription, ...(body.queue ? { queue: body.queue } : {}) },
    });
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO schedules (id, process_id, short_description, cron, every, paused, queue) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET process_id = EXCLUDED.process_id, short_description = EXCLUDED.short_description,
         cron = EXCLUDED.cron, every = EXCLUDED.every, paused = EXCLUDED.paused, queue = EXCLUDED.queue, updated_at = now()
       RETURNING *`,
      [id, body.processId, body.shortDescription, body.cron ?? null, body.every ?? null, paused, body.queue ?? null],
    );
    return this.view(rows[0]);
  }

  async list(): Promise<Schedule[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM schedules ORDER BY id');
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async delete(id: string): Promise<{ id: string; deleted: true }> {
    const { rowCount } = await this.pool.query('DELETE FROM schedules WHERE id = $1', [id]);
    await this.gateway.deleteSchedule(id);
    if (rowCount === 0) throw new ApiError('not_found', `No schedule ${id}.`);
    return { id, deleted: true };
  }

  private async view(r: Row): Promise<Schedule> {
    const nextRunAt = r.paused ? undefined : await this.gateway.nextScheduledRun(r.id);
    return {
      id: r.id,
      processId: r.process_id,
      shortDescription: r.short_description,
      ...(r.cron ? { cron: r.cron } : {}),
      ...(r.every ? { every: r.every } : {}),
      paused: r.paused,
      ...(r.queue ? { queue: r.queue } : {}),
      ...(nextRunAt ? { nextRunAt } : {}),
    };
  }
}
