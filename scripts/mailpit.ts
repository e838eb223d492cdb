// Mailpit, the mail catcher of `npm start`: a child process with SMTP and a web UI on 127.0.0.1,
// waited for while it makes progress (scripts/dependency.ts). Ports given as 0 are picked free; a
// start that finds one taken is tried again on other ports.

import { connect } from 'node:net';
import { freePort } from '../worker/free-port.js';
import { type DependencyOptions, retryOnPortInUse, type RunningDependency, startDependency } from './dependency.js';

export interface MailpitOptions {
  path: string;
  /** Its database file. */
  database: string;
  /** 0: a free port. */
  smtpPort: number;
  /** 0: a free port. */
  uiPort: number;
  pickPort?: () => Promise<number>;
  /** Gets a stop function as soon as a process is started, so that it can be stopped during the wait. */
  onSpawn?: (stop: () => Promise<void>) => void;
  wait: Pick<DependencyOptions, 'log' | 'output' | 'stallMs' | 'timeoutMs' | 'reportEveryMs'>;
}

export interface Mailpit {
  smtpPort: number;
  uiPort: number;
  process: RunningDependency;
  stop(): Promise<void>;
}

export async function startMailpit(options: MailpitOptions): Promise<Mailpit> {
  const pickPort = options.pickPort ?? freePort;
  let current: RunningDependency | undefined;
  options.onSpawn?.(async () => current?.stop());
  return retryOnPortInUse('Mailpit', options.wait.log, async () => {
    const smtpPort = options.smtpPort || (await pickPort());
    const uiPort = options.uiPort || (await pickPort());
    const args = [
      ...['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${uiPort}`, '--database', options.database],
      // Errors only; no look-ups of GitHub releases or of clients' reverse DNS.
      ...['--quiet', '--disable-version-check', '--smtp-disable-rdns'],
    ];
    const running = await startDependency(
      {
        ...options.wait,
        name: 'Mailpit',
        command: options.path,
        args,
        waitingFor: `to listen on 127.0.0.1:${smtpPort} (SMTP) and 127.0.0.1:${uiPort} (web UI)`,
        // What answers must be Mailpit: a port it failed to take may have another listener.
        ready: async () => (await smtpGreeting(smtpPort)).includes('Mailpit') && (await fetch(`http://127.0.0.1:${uiPort}/api/v1/info`, { signal: AbortSignal.timeout(2_000) })).ok,
        stopGraceMs: 5_000,
      },
      (started) => (current = started),
    );
    return { smtpPort, uiPort, process: running, stop: running.stop };
  });
}

/** The first line an SMTP server on 127.0.0.1:port sends ('' if none within 2 s). */
function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (line: string) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(2_000, () => done(''));
    socket.once('data', (data) => done(data.toString('utf8')));
    socket.once('error', () => done(''));
  });
}
