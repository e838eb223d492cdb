// The schedules GET /v1/schedules lists (R9): the one module that writes `schedules`. Each is
// also a Temporal Schedule, which the API keeps in step (api/schedule-store.ts).

import type pg from 'pg';

export interface ScheduleRecord {
  id: string;
  processId: string;
  shortDescription: string;
  cron: string | null;
  every: string | null;
  paused: boolean;
  queue: string | null;
}

const COLUMNS = `id, process_id AS "processId", short_description AS "shortDescription", cron, every, paused, queue`;

export class ScheduleTable {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates or replaces a schedule's row. */
  async put(s: ScheduleRecord): Promise<ScheduleRecord> {
    const { rows } = await this.pool.query<ScheduleRecord>(
      `INSERT INTO schedules (id, process_id, short_description, cron, every, paused, queue) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET process_id = EXCLUDED.process_id, short_description = EXCLUDED.short_description,
         cron = EXCLUDED.cron, every = EXCLUDED.every, paused = EXCLUDED.paused, queue = EXCLUDED.queue, updated_at = now()
       RETURNING ${COLUMNS}`,
      [s.id, s.processId, s.shortDescription, s.cron, s.every, s.paused, s.queue],
    );
    return rows[0];
  }

  async list(): Promise<ScheduleRecord[]> {
    const { rows } = await this.pool.query<ScheduleRecord>(`SELECT ${COLUMNS} FROM schedules ORDER BY id`);
    return rows;
  }

  /** Deletes a schedule's row; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM schedules WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }
}
