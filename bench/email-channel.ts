// Benchmark: email as a channel, end to end, in one run.
//   1. Inbound over SMTP on loopback: EMAILS new-customer messages to desk@example.com (each
//      becomes a ticket), sent with nodemailer's pooled transport to the service's listener; then
//      EMAILS replies, one to each of those tickets ([T-xxxxxx] in the subject: outcome attached).
//      Figures: messages/s from the first send to the last processed_at, and the latency from the
//      listener's 250 to the item's change (processed_at), on the client's clock (when sendMail
//      resolved) and on PostgreSQL's (received_at, stored just before the 250). Both clocks are
//      this machine's.
//   2. The baseline, beside each SMTP batch: the same kind of messages posted over HTTP as raw
//      RFC 822 (POST /v1/inbound-emails, message/rfc822), same number and concurrency; the answer
//      comes after the item's change, so request latency is the comparable figure.
//   3. Outbound: EMAILS emails through the API (POST /v1/work-items/:ref/emails) on tickets in
//      progress, delivered to Mailpit (.tools/bin/mailpit, started here) or, without it, to a sink
//      SMTP server in this process. Figures: emails/s from the first API call to the last sent_at,
//      the latency from the API's answer to sent_at, and the API commands' own latency.
//
//   npm run bench                                   # after the case stories: 200 emails, 8 at a time
//   EMAILS=50 EMAIL_CONCURRENCY=4 npx tsx bench/email-channel.ts
//
// EMAIL_SMTP_CONNECTIONS (4) sizes the SMTP client's pool; MAILPIT_PATH names another Mailpit. Always starts its own service (it needs
// the SMTP listener and the relay), on TEMPORAL_ADDRESS / DATABASE_URL when set, else on a dev
// server and a private PostgreSQL, as the other benches do; API_URL is not used.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import pg from 'pg';
import pino from 'pino';
import { freePort } from '../worker/free-port.js';
import { rawMessage, type Mail } from '../test/support/smtp-client.js';
import { SmtpRelay } from '../test/support/smtp-relay.js';
import { startService } from '../worker/service.js';
import { startBenchServers, benchPayloadKeys } from './bench-servers.js';
import { apiClient, callApi, request } from './http-client.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';
import { INBOUND_CONCURRENCY } from '../api/inbound-message-queue.js';
import { cpuFigures, ratioOf, recordResult } from './results.js';

const EMAILS = Number(process.env.EMAILS ?? 200);
const CONCURRENCY = Number(process.env.EMAIL_CONCURRENCY ?? 8);
const SMTP_CONNECTIONS = Number(process.env.EMAIL_SMTP_CONNECTIONS ?? Math.min(4, CONCURRENCY));
const MAILBOX = 'desk@example.com';
const MAILPIT = process.env.MAILPIT_PATH || fileURLToPath(new URL('../.tools/bin/mailpit', import.meta.url));

/** A local mail catcher the service relays its outbound email to. */
interface Catcher {
  smtpUrl: string;
  label: string;
  /** How many messages it holds now. */
  held(): Promise<number>;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already (an earlier bench of this process)
  }
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((e) => console.error('stop failed:', e));
  };
  try {
    const catcher = await startCatcher();
    stops.push(catcher.stop);
    const servers = await startBenchServers();
    stops.push(servers.stop);
    const adminToken = randomBytes(16).toString('hex');
    const service = await startService({
      ...servers,
      payloadKeys: benchPayloadKeys(),
      adminToken,
      taskQueue: `bench-${randomUUID()}`,
      logger: pino({ level: 'warn' }),
      smtp: { port: 0 },
      smtpUrl: catcher.smtpUrl,
    });
    stops.push(service.stop);
    const db = new pg.Pool({ connectionString: servers.databaseUrl, max: 2 });
    stops.push(() => db.end());
    const smtp = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port: service.smtpPort!,
      secure: false,
      ignoreTLS: true,
      maxConnections: SMTP_CONNECTIONS,
      maxMessages: Infinity,
    });
    stops.push(async () => smtp.close());
    const raw = rawPoster(service.url);
    stops.push(async () => raw.close());

    const call = (method: string, path: string, token: string, body?: unknown): Promise<any> => callApi(apiClient(service.url, token), method, path, body);
    const run = randomUUID().slice(0, 8); // a shared DATABASE_URL keeps earlier runs' messages
    await call('PUT', '/v1/categories/bench-mail', adminToken, { name: 'Bench mail' });
    await call('PUT', `/v1/mailboxes/${MAILBOX}`, adminToken, { starts: 'ticket', categoryId: 'bench-mail' });
    const agent = (await call('POST', '/v1/resources', adminToken, { id: `mail-agent-${run}`, name: 'Agent', kind: 'human' })).token as string;
    const intake = (await call('POST', '/v1/resources', adminToken, { id: `mail-intake-${run}`, name: 'Intake', kind: 'integration' })).token as string;

    const customer = (batch: string, i: number) => `${batch}-${i}-${run}@acme.example`;
    const newMail = (batch: string, i: number): Mail => ({
      from: customer(batch, i),
      to: [MAILBOX],
      subject: `Invoice ${batch}-${i} unpaid`,
      body: `Supplier says invoice ${i} was never paid.`,
      messageId: `<${batch}-${i}-${run}@acme.example>`,
    });
    const replyMail = (batch: string, i: number, ref: string): Mail => ({
      from: customer(batch, i),
      to: [MAILBOX],
      subject: `Re: [${ref}] Invoice ${batch}-${i} unpaid`,
      body: `It was supplier ${i}.\n\nOn Sun, 29 Nov 2026 at 09:00, Desk <${MAILBOX}> wrote:\n> Which supplier?\n`,
      messageId: `<${batch}-${i}-reply-${run}@acme.example>`,
    });

    /** One SMTP batch: sends every mail, then waits until the listener's queue has taken them all. */
    const smtpBatch = async (mails: Mail[], expected: string) => {
      const sent: Array<{ id: number; startedAt: number; acceptedAt: number }> = [];
      const sendMs: number[] = [];
      const t0 = Date.now();
      await pool(mails.length, CONCURRENCY, async (i) => {
        const s = performance.now();
        const startedAt = Date.now();
        const info = await smtp.sendMail({ envelope: { from: mails[i].from, to: mails[i].to }, raw: rawMessage(mails[i]) });
        const acceptedAt = Date.now();
        sendMs.push(performance.now() - s);
        const id = Number(/Stored as message (\d+)/.exec(info.response)?.[1]);
        if (!id) throw new Error(`SMTP answered ${info.response}`);
        sent.push({ id, startedAt, acceptedAt });
      });
      const rows = await processed(db, sent.map((m) => m.id));
      const wrong = rows.filter((r) => r.outcome !== expected);
      if (wrong.length) throw new Error(`${wrong.length} SMTP messages ended ${wrong[0].outcome} (${wrong[0].last_error ?? ''}), not ${expected}`);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const refOf = new Map(rows.map((r) => [r.message_id, r.ref]));
      const lastProcessed = Math.max(...rows.map((r) => r.processed_ms));
      return {
        refs: mails.map((m) => refOf.get(m.messageId!)!), // in the order of `mails` (lanes finish out of order)
        clientLatency: summarise(sent.map((m) => byId.get(m.id)!.processed_ms - m.acceptedAt)),
        endToEnd: summarise(sent.map((m) => byId.get(m.id)!.processed_ms - m.startedAt)),
        dbLatency: summarise(rows.map((r) => r.processed_ms - r.received_ms)),
        send: summarise(sendMs),
        perSecond: mails.length / ((lastProcessed - t0) / 1000),
      };
    };

    /** One HTTP batch: the same messages as raw RFC 822; the answer comes after the item's change. */
    const httpBatch = async (mails: Mail[], expected: string) => {
      const latencies: number[] = [];
      const refs: string[] = new Array(mails.length);
      const t0 = performance.now();
      await pool(mails.length, CONCURRENCY, async (i) => {
        const s = performance.now();
        const answer = await raw.post('/v1/inbound-emails', intake, rawMessage(mails[i]));
        latencies.push(performance.now() - s);
        if (answer.outcome !== expected) throw new Error(`HTTP message ${i} ended ${answer.outcome}, not ${expected}`);
        refs[i] = answer.ref;
      });
      const seconds = (performance.now() - t0) / 1000;
      return { refs, latency: summarise(latencies), perSecond: mails.length / seconds };
    };

    /** Outbound: one email per ticket (to its customer) through the API, then waits until the relay has taken them all. */
    const outboundBatch = async (tickets: Array<{ ref: string; customer: string }>) => {
      const commandMs: number[] = [];
      const answered: Array<{ messageId: string; answeredAt: number }> = [];
      const t0 = Date.now();
      await pool(tickets.length, CONCURRENCY, async (i) => {
        const { ref, customer } = tickets[i];
        const s = performance.now();
        const view = await call('POST', `/v1/work-items/${ref}/emails`, agent, {
          to: [customer],
          subject: 'Which supplier?',
          body: `Which supplier sent invoice ${i}?`,
        });
        const answeredAt = Date.now();
        commandMs.push(performance.now() - s);
        const entry = view.timeline.findLast((e: any) => e.type === 'email_out');
        if (!entry?.messageId) throw new Error(`${ref}: no email_out entry in the answer`);
        answered.push({ messageId: entry.messageId, answeredAt });
      });
      const rows = await delivered(db, answered.map((a) => a.messageId));
      const byId = new Map(rows.map((r) => [r.message_id, r]));
      const lastSent = Math.max(...rows.map((r) => r.sent_ms));
      return {
        command: summarise(commandMs),
        toSent: summarise(answered.map((a) => byId.get(a.messageId)!.sent_ms - a.answeredAt)),
        queuedToSent: summarise(rows.map((r) => r.sent_ms - r.queued_ms)),
        perSecond: tickets.length / ((lastSent - t0) / 1000),
      };
    };
    /** Untimed: each item then records the relay's acceptance on its timeline; waiting for that
     * keeps the worker's stop from cutting a workflow task short. */
    const settled = (refs: string[]) =>
      pool(refs.length, CONCURRENCY, async (i) => {
        await until(`${refs[i]} to show its email sent`, async () => {
          const v = await call('GET', `/v1/work-items/${refs[i]}`, agent);
          return v.timeline.findLast((e: any) => e.type === 'email_out')?.delivery === 'sent';
        });
      });
    const pickUp = (refs: string[]) => pool(refs.length, CONCURRENCY, async (i) => void (await call('POST', `/v1/work-items/${refs[i]}/pick-up`, agent)));

    // Warm up every path once (bundles, connections, the relay's pooled connection), then measure.
    const warmSmtp = await smtpBatch([newMail('warm-smtp', 0)], 'created');
    await smtpBatch([replyMail('warm-smtp', 0, warmSmtp.refs[0])], 'attached');
    const warmHttp = await httpBatch([newMail('warm-http', 0)], 'created');
    await httpBatch([replyMail('warm-http', 0, warmHttp.refs[0])], 'attached');
    await pickUp(warmSmtp.refs);
    await outboundBatch([{ ref: warmSmtp.refs[0], customer: customer('warm-smtp', 0) }]);
    await settled(warmSmtp.refs);

    const temporalPort = servers.temporalAddress.split(':').at(-1) ?? '';
    const cpuOf = async <T>(n: number, phase: () => Promise<T>): Promise<T & { cpu: string }> => {
      const before = cpuSnapshot(temporalPort);
      const result = await phase();
      return { ...result, cpu: cpuPerRequest(before, cpuSnapshot(temporalPort), n) };
    };
    const ids = Array.from({ length: EMAILS }, (_, i) => i);
    const smtpNewMails = ids.map((i) => newMail('smtp', i));
    const httpNewMails = ids.map((i) => newMail('http', i));
    const smtpNew = await cpuOf(EMAILS, () => smtpBatch(smtpNewMails, 'created'));
    const httpNew = await cpuOf(EMAILS, () => httpBatch(httpNewMails, 'created'));
    const smtpTickets = smtpNew.refs;
    const smtpReplies = await cpuOf(EMAILS, () => smtpBatch(ids.map((i) => replyMail('smtp', i, smtpTickets[i])), 'attached'));
    const httpReplies = await cpuOf(EMAILS, () => httpBatch(ids.map((i) => replyMail('http', i, httpNew.refs[i])), 'attached'));
    await pickUp(smtpTickets);
    const heldBefore = await catcher.held();
    const outbound = await cpuOf(EMAILS, () => outboundBatch(smtpTickets.map((ref, i) => ({ ref, customer: customer('smtp', i) }))));
    const heldAfter = await catcher.held();
    await settled(smtpTickets);

    const row = (name: string, s: Summary, extra = '') =>
      `  ${name.padEnd(46)} n=${String(s.count).padStart(5)}  p50=${s.p50.toFixed(1).padStart(7)} ms  p99=${s.p99.toFixed(1).padStart(7)} ms  ${extra}`;
    const rate = (x: number, unit: string) => `${x.toFixed(1)} ${unit}/s`;
    const cores = cpus();
    console.log(`\nEmail channel: ${EMAILS} messages a batch, ${CONCURRENCY} at a time`);
    console.log(
      `  machine: ${cores.length} cores (${cores[0]?.model.trim() ?? '?'}), Node ${process.version}; the service (API, worker, SMTP listener) and ` +
        'this client share one process, the Temporal dev server and PostgreSQL run beside it',
    );
    console.log(
      `  SMTP: nodemailer pool of ${SMTP_CONNECTIONS} connections to the listener on 127.0.0.1:${service.smtpPort}; the listener's queue takes ${INBOUND_CONCURRENCY} messages at a time. ` +
        'Latency from the 250 on the client clock (sendMail resolved, Date.now()) and on PostgreSQL\'s (received_at), both to processed_at',
    );
    const inbound = (title: string, s: typeof smtpNew, h: typeof httpNew) => {
      console.log(title);
      console.log(row('SMTP: 250 (client) -> processed_at', s.clientLatency, `${rate(s.perSecond, 'msgs')} (first send -> last processed_at)`));
      console.log(row('SMTP: received_at -> processed_at (PostgreSQL)', s.dbLatency));
      console.log(row('SMTP: sendMail -> 250 (incl. pool queue)', s.send));
      console.log(row('SMTP: sendMail -> processed_at (end to end)', s.endToEnd));
      console.log(row('HTTP raw RFC 822: request -> answer (baseline)', h.latency, `${rate(h.perSecond, 'msgs')} (first request -> last answer)`));
      const ratio = (a: Summary, b: Summary) => `p50 ${(a.p50 / b.p50).toFixed(2)}x  p99 ${(a.p99 / b.p99).toFixed(2)}x`;
      console.log(
        `  ratio SMTP / HTTP: msgs/s ${(s.perSecond / h.perSecond).toFixed(2)}x;  250 -> processed_at vs request -> answer: ${ratio(s.clientLatency, h.latency)};  ` +
          `end to end vs request -> answer: ${ratio(s.endToEnd, h.latency)}`,
      );
      console.log(`    SMTP ${s.cpu}\n    HTTP ${h.cpu}`);
    };
    inbound('Inbound, new customers (outcome created: one ticket each):', smtpNew, httpNew);
    inbound('Inbound, replies with [T-xxxxxx] in the subject (outcome attached):', smtpReplies, httpReplies);
    console.log(`Outbound: POST /v1/work-items/:ref/emails on ${EMAILS} tickets in progress, delivered to ${catcher.label}`);
    console.log(row('API answer -> sent_at (relay accepted)', outbound.toSent, `${rate(outbound.perSecond, 'emails')} (first API call -> last sent_at)`));
    console.log(row('queued_at -> sent_at (PostgreSQL)', outbound.queuedToSent));
    console.log(row('POST .../emails command latency', outbound.command));
    console.log(`    ${outbound.cpu}`);
    console.log(`  the catcher holds ${heldAfter - heldBefore} more messages after the batch (expected ${EMAILS})`);
    const batch = (s: typeof smtpNew, h: typeof httpNew) => ({
      smtp: { clientToProcessed: s.clientLatency, receivedToProcessed: s.dbLatency, sendTo250: s.send, endToEnd: s.endToEnd, perSecond: s.perSecond, cpuPerRequest: cpuFigures(s.cpu) },
      http: { requestToAnswer: h.latency, perSecond: h.perSecond, cpuPerRequest: cpuFigures(h.cpu) },
    });
    recordResult('email-channel', {
      newCustomers: batch(smtpNew, httpNew),
      replies: batch(smtpReplies, httpReplies),
      outbound: { answerToSent: outbound.toSent, queuedToSent: outbound.queuedToSent, command: outbound.command, perSecond: outbound.perSecond, cpuPerRequest: cpuFigures(outbound.cpu), caught: heldAfter - heldBefore },
      ratios: {
        'new: SMTP 250 -> processed / HTTP answer': ratioOf(smtpNew.clientLatency, httpNew.latency),
        'new: SMTP end to end / HTTP answer': ratioOf(smtpNew.endToEnd, httpNew.latency),
        'new: SMTP / HTTP msgs/s': smtpNew.perSecond / httpNew.perSecond,
        'replies: SMTP 250 -> processed / HTTP answer': ratioOf(smtpReplies.clientLatency, httpReplies.latency),
        'replies: SMTP end to end / HTTP answer': ratioOf(smtpReplies.endToEnd, httpReplies.latency),
        'replies: SMTP / HTTP msgs/s': smtpReplies.perSecond / httpReplies.perSecond,
      },
    }, { EMAILS, EMAIL_CONCURRENCY: CONCURRENCY, EMAIL_SMTP_CONNECTIONS: SMTP_CONNECTIONS, INBOUND_CONCURRENCY, catcher: catcher.label.replace(/ \(.*$/, '') }, servers);
  } finally {
    await stopAll();
  }
}

/** Polls until every stored message is processed; their times in ms since the epoch (PostgreSQL's clock). */
async function processed(db: pg.Pool, ids: number[]) {
  type Row = { id: number; message_id: string; outcome: string; ref: string; last_error: string | null; received_ms: number; processed_ms: number };
  await until(`${ids.length} inbound messages to be processed`, async () => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages WHERE id = ANY($1) AND processed_at IS NOT NULL', [ids]);
    return rows[0].n === ids.length;
  });
  const { rows } = await db.query<Row>(
    `SELECT id::int AS id, message_id, outcome, ref, last_error, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms,
            (extract(epoch FROM processed_at) * 1000)::float8 AS processed_ms
     FROM inbound_messages WHERE id = ANY($1)`,
    [ids],
  );
  return rows;
}

/** Polls until the relay has accepted every email (a failed one throws, with its error). */
async function delivered(db: pg.Pool, messageIds: string[]) {
  type Row = { message_id: string; delivery: string; last_error: string | null; queued_ms: number; sent_ms: number };
  await until(`${messageIds.length} outbound emails to be sent`, async () => {
    const { rows } = await db.query<{ sent: number; failed: number; error: string | null }>(
      `SELECT count(*) FILTER (WHERE delivery = 'sent')::int AS sent, count(*) FILTER (WHERE delivery = 'failed')::int AS failed,
              max(last_error) FILTER (WHERE delivery = 'failed') AS error
       FROM outbound_emails WHERE message_id = ANY($1)`,
      [messageIds],
    );
    if (rows[0].failed) throw new Error(`${rows[0].failed} outbound emails failed: ${rows[0].error}`);
    return rows[0].sent === messageIds.length;
  });
  const { rows } = await db.query<Row>(
    `SELECT message_id, delivery, last_error, (extract(epoch FROM queued_at) * 1000)::float8 AS queued_ms,
            (extract(epoch FROM sent_at) * 1000)::float8 AS sent_ms
     FROM outbound_emails WHERE message_id = ANY($1)`,
    [messageIds],
  );
  return rows;
}

/** Polls `done` every 20 ms, for at most `timeoutMs`. */
async function until(what: string, done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** POST of raw RFC 822 (message/rfc822) over kept-alive connections, as http-client.ts does for JSON. */
function rawPoster(baseUrl: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return {
    post(path: string, token: string, message: string): Promise<any> {
      const body = Buffer.from(message, 'utf8');
      return new Promise((resolve, reject) => {
        const req = http.request(
          new URL(path, baseUrl),
          { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822', 'content-length': body.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if ((res.statusCode ?? 0) >= 300) reject(new Error(`POST ${path}: ${res.statusCode} ${text}`));
              else resolve(JSON.parse(text));
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Mailpit when provisioned (.tools/bin/mailpit), on free ports and a throwaway database; else a sink SMTP server here. */
async function startCatcher(): Promise<Catcher> {
  if (!existsSync(MAILPIT)) {
    const relay = await SmtpRelay.start();
    return {
      smtpUrl: relay.url,
      label: `a sink SMTP server in this process (test/support/smtp-relay.ts, port ${relay.port}; no Mailpit at ${MAILPIT}), which parses each message here`,
      held: async () => relay.received.length,
      stop: () => relay.stop(),
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-mailpit-'));
  const [smtpPort, uiPort] = [await freePort(), await freePort()];
  const args = [
    ...['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${uiPort}`, '--database', join(dir, 'mailpit.db')],
    ...['--quiet', '--disable-version-check', '--smtp-disable-rdns', '--max', String(EMAILS * 2 + 100)],
  ];
  const child: ChildProcess = spawn(MAILPIT, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of [smtpPort, uiPort]) {
      await until(`Mailpit to listen on 127.0.0.1:${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`Mailpit exited with code ${child.exitCode}`);
        return new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
      }, 15_000);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    label: `Mailpit (${MAILPIT}, SMTP on 127.0.0.1:${smtpPort})`,
    held: async () => {
      const res = await request(`http://127.0.0.1:${uiPort}`, 'GET', '/api/v1/messages?limit=1', '');
      return Number(JSON.parse(res.text).total);
    },
    stop,
  };
}

export const runEmailChannel = main;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main().catch((error) => {
  console.error(error);
  process.exit(1);
});
