// Gives each test file its own database on the shared test PostgreSQL server,
// so files running in parallel never share tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(baseUrl: string): Promise<FreshDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      try {
        await admin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name}`));
      } catch (err) {
        throw new Error(`could not drop test database ${name} (close every pg Pool/Client using it first): ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
