// The PostgreSQL pool. `max` is 1 for the embedded PGlite socket server, which drops
// connections when several are open at once.

import pg from 'pg';

// Return timestamptz columns as ISO strings, not Date objects, like the rest of the API.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (text) => new Date(text).toISOString());

export function createPool(connectionString: string, max = 5): pg.Pool {
  // A database that does not answer fails a request within 5 s (the API answers 503), not never.
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle client lost; the pool replaces it
  return pool;
}
