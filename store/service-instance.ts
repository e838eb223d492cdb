// This service process as its replicas see it: a row in `service_instances` whose `seen_at` it
// renews every HEARTBEAT_MS while it runs, and deletes when it stops. An Idempotency-Key whose
// first request runs in a process that stopped renewing (killed, or cut off from PostgreSQL) is
// abandoned, and the next retry takes it over (api/idempotency.ts).

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';

/** How often a running process renews its row. */
export const HEARTBEAT_MS = 3_000;
/** How long after its last renewal a process counts as gone (several missed renewals). */
export const GONE_AFTER_S = 15;

/**
 * SQL: the process `ownerColumn` names is gone (or the row is older than the fallback rule).
 * Rows without an owner (written before replicas said who they were) follow the fallback only.
 */
export function abandonedSql(ownerColumn: string, startedColumn: string): string {
  return `(${startedColumn} < now() - interval '2 minutes'
    OR (${ownerColumn} IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM service_instances s WHERE s.id = ${ownerColumn} AND s.seen_at > now() - make_interval(secs => ${GONE_AFTER_S}))))`;
}

export class ServiceInstance {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((err) => this.logger?.warn({ err }, 'could not renew this replica in service_instances'));
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pool.query('DELETE FROM service_instances WHERE id = $1', [this.id]);
    // Rows of processes gone long ago (killed): nothing refers to them any more.
    await this.pool.query(`DELETE FROM service_instances WHERE seen_at < now() - interval '1 day'`);
  }

  private async renew(): Promise<void> {
    await this.pool.query('INSERT INTO service_instances (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET seen_at = now()', [this.id]);
  }
}
