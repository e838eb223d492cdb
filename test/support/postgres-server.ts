// Starts a private, throwaway PostgreSQL cluster for tests: temp data dir, free port on
// 127.0.0.1, durability off, trust auth, database `workitems`. When we are root the server
// binaries run as the `postgres` user, because initdb and postgres refuse to run as root.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../worker/free-port.js';

const run = promisify(execFile);
const FIX = 'run `npm run provision` (installs the postgresql package) or set DATABASE_URL to an existing server';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/workitems */
  url: string;
  stop(): Promise<void>;
  /**
   * Stops the server (`pg_ctl stop -m fast`: open connections are cut) and keeps its data dir,
   * so that `resume` starts it again with the same data on the same port. For fault tests.
   */
  pause(): Promise<void>;
  /** Starts the paused server again: same data dir, same port, same settings. */
  resume(): Promise<void>;
}

/** Directory holding initdb and pg_ctl: PATH first, else the newest /usr/lib/postgresql/N/bin. */
function findBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found: ${FIX}`);
  return join(base, versions[0]!, 'bin');
}

function reason(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim();
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);

  const dir = mkdtempSync(join(tmpdir(), 'workitems-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  const log = join(dir, 'postgres.log');
  mkdirSync(sock);
  const stop = async () => {
    // postmaster.pid exists while a server runs on this data dir (also after a failed `pg_ctl -w start`).
    if (existsSync(join(data, 'postmaster.pid'))) {
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch((err) => {
        console.error(`pg_ctl stop failed for ${data}: ${reason(err)}`);
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (asRoot) {
      const ids = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).catch(() => {
        throw new Error(`running as root but there is no 'postgres' user to run PostgreSQL as: ${FIX}`);
      });
      const [uid, gid] = ids.map((r) => Number(r.stdout.trim()));
      for (const d of [dir, sock]) chownSync(d, uid!, gid!);
    }
    await tool('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-sync']).catch((err) => {
      throw new Error(`initdb failed: ${reason(err)}`);
    });
    const port = await freePort();
    const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const pgStart = () =>
      tool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', opts, 'start']).catch((err) => {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
        throw new Error(`pg_ctl start failed: ${reason(err)}${tail ? `\n${tail}` : ''}`);
      });
    await pgStart();
    const pause = async () => {
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch((err) => {
        throw new Error(`pg_ctl stop failed for ${data}: ${reason(err)}`);
      });
    };
    const resume = async () => {
      await pgStart();
    };

    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await client.connect();
    try {
      await client.query('CREATE DATABASE workitems');
    } finally {
      await client.end();
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/workitems`, stop, pause, resume };
  } catch (err) {
    await stop();
    throw new Error(`could not start a throwaway PostgreSQL (${bin}): ${(err as Error).message}`, { cause: err });
  }
}
