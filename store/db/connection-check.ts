// Whether PostgreSQL answers: on a fresh connection (a start waiting for the database) or on the
// pool (GET /readyz).

import pg from 'pg';

/** Connects to `databaseUrl`, runs `SELECT 1` and disconnects; throws when PostgreSQL does not answer. */
export async function checkDatabase(databaseUrl: string, connectTimeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `SELECT 1` on the pool; throws when PostgreSQL does not answer. */
export async function pingPool(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}
