// Inbound SMTP (R34, R35): a real SMTP listener (smtp-server) that takes mail for the configured
// mailboxes and, per R35, for any address of their domains; other domains are refused at RCPT
// (550, this is not an open relay). The size limit is announced with the SIZE extension and
// enforced with 552. A message is answered 250 only once its raw bytes are stored in PostgreSQL;
// it is then taken by the inbound-message queue. Only loopback clients and those in
// SMTP_ALLOWED_CLIENTS (addresses or CIDR ranges) may connect; others get 554 at once.

import { BlockList, isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ConfigStore } from './config-store.js';
import type { InboundMessageQueue } from './inbound-message-queue.js';
import { parseRawEmail } from './raw-email.js';

export interface InboundSmtpOptions {
  port: number;
  host?: string;
  /** The largest message taken, in bytes (SMTP_MAX_BYTES; default 10 MB). */
  maxBytes?: number;
  /** Clients besides loopback that may connect: addresses or CIDR ranges (SMTP_ALLOWED_CLIENTS). */
  allowedClients?: string[];
  /**
   * Called once a message is stored, as its 250 is answered. Returning `'leave'` leaves it stored
   * and untaken (taken at the next start, as after a crash); a test seam (test/support/serve-with-fault.ts).
   */
  onMessageAccepted?: (message: { id: number; messageId: string }) => 'take' | 'leave' | void;
}

export const DEFAULT_SMTP_MAX_BYTES = 10 * 1024 * 1024;

export interface SmtpListener {
  port: number;
  stop(): Promise<void>;
}

export function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Loopback, or an address the allow-list names. */
export function clientAllowed(remoteAddress: string, allowed: string[]): boolean {
  const address = remoteAddress.startsWith('::ffff:') && isIPv4(remoteAddress.slice(7)) ? remoteAddress.slice(7) : remoteAddress;
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const entry of allowed) {
    const [net, bits] = entry.trim().split('/');
    const type = isIPv4(net) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(bits), type);
  }
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

export function inboundSmtpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<InboundSmtpOptions, 'maxBytes' | 'allowedClients'> {
  const maxBytes = env.SMTP_MAX_BYTES ? Number(env.SMTP_MAX_BYTES) : undefined;
  if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes > 0)) throw new Error(`SMTP_MAX_BYTES=${env.SMTP_MAX_BYTES} is not a positive whole number of bytes.`);
  const allowedClients = env.SMTP_ALLOWED_CLIENTS?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of allowedClients ?? []) {
    const [net, bits] = entry.split('/');
    const valid = (isIPv4(net) || net.includes(':')) && (bits === undefined || /^\d{1,3}$/.test(bits));
    if (!valid) throw new Error(`SMTP_ALLOWED_CLIENTS: ${entry} is not an address or a CIDR range such as 10.0.0.0/8.`);
  }
  return { ...(maxBytes ? { maxBytes } : {}), ...(allowedClients?.length ? { allowedClients } : {}) };
}

export async function startSmtpListener(
  options: InboundSmtpOptions,
  deps: { config: ConfigStore; queue: InboundMessageQueue; logger: Logger },
): Promise<SmtpListener> {
  const fromEnv = inboundSmtpOptionsFromEnv();
  const maxBytes = options.maxBytes ?? fromEnv.maxBytes ?? DEFAULT_SMTP_MAX_BYTES;
  const allowed = options.allowedClients ?? fromEnv.allowedClients ?? [];
  const { config, queue, logger } = deps;

  const server = new SMTPServer({
    name: 'work-items',
    banner: 'work-items desk',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 5_000, // on stop, a client still connected is cut off after this
    onConnect(session, callback) {
      if (clientAllowed(session.remoteAddress, allowed)) return callback();
      callback(smtpError(554, `5.7.1 ${session.remoteAddress} may not send mail here (only loopback and SMTP_ALLOWED_CLIENTS)`));
    },
    onMailFrom(address, _session, callback) {
      const declared = Number((address.args as Record<string, string> | false || {}).SIZE);
      if (declared > maxBytes) return callback(smtpError(552, `5.3.4 Message too big: at most ${maxBytes} bytes are taken here`));
      callback();
    },
    onRcptTo(address, _session, callback) {
      config.receivesMailFor(address.address).then(
        (ok) => callback(ok ? undefined : smtpError(550, `5.1.2 ${address.address}: no mailbox or mailbox domain of this desk (this is not a relay)`)),
        (err) => {
          logger.warn({ err }, 'SMTP recipient check failed');
          callback(smtpError(451, '4.3.0 Cannot check the recipient now; try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => callback(null, reply),
        (err: Error) => callback(err),
      );
    },
  });
  server.on('error', (err) => logger.warn({ err }, 'SMTP connection error'));

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, `5.3.4 Message too big: at most ${maxBytes} bytes are taken here (SMTP_MAX_BYTES)`);
    const raw = Buffer.concat(chunks);
    const parsed = await parseRawEmail(raw).catch(() => undefined);
    if (!parsed) throw smtpError(550, '5.6.0 The message could not be read as RFC 822');
    if (!parsed.email.from) throw smtpError(550, '5.6.0 The message has no From address, so it cannot be answered');
    const rcptTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
    let id: number;
    try {
      id = await queue.store({ messageId: parsed.email.messageId, mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptTo, remoteAddress: session.remoteAddress, raw });
    } catch (err) {
      logger.error({ err }, 'could not store an inbound message');
      throw smtpError(451, '4.3.0 The message could not be stored; try again later');
    }
    if (options.onMessageAccepted?.({ id, messageId: parsed.email.messageId }) !== 'leave') queue.enqueue(id, parsed, rcptTo);
    return `2.0.0 Stored as message ${id}`;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE' ? new Error(`SMTP port ${options.port} on ${options.host ?? '127.0.0.1'} is in use: set SMTP_PORT to a free port.`) : err;
  });
  const resumed = await queue.resumeUnprocessed();
  if (resumed) logger.info({ resumed }, 'inbound messages stored before a stop are being taken now');
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop();
    },
  };
}
