// A real SMTP relay on loopback for tests: it keeps every message it accepts (parsed), and can be
// told to fail the next deliveries (a relay that is down answers 421) or to refuse a sender (550).

import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export class SmtpRelay {
  readonly received: ParsedMail[] = [];
  /** How many deliveries to fail before accepting again. */
  failNext = 0;
  /** How many deliveries were failed on purpose. */
  failed = 0;
  /** Senders refused for good (550). */
  readonly refusedSenders = new Set<string>();

  private constructor(private readonly server: SMTPServer, readonly port: number) {}

  static async start(): Promise<SmtpRelay> {
    let relay: SmtpRelay | undefined;
    const server = new SMTPServer({
      closeTimeout: 100, // the service keeps pooled connections open; a test's stop does not wait for them
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onMailFrom(address, _session, callback) {
        if (relay!.refusedSenders.has(address.address)) return callback(Object.assign(new Error(`5.7.1 sender ${address.address} refused`), { responseCode: 550 }));
        callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            if (relay!.failNext > 0) {
              relay!.failNext--;
              relay!.failed++;
              return callback(Object.assign(new Error('4.3.2 relay unavailable, try again'), { responseCode: 421 }));
            }
            relay!.received.push(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    relay = new SmtpRelay(server, (server.server.address() as AddressInfo).port);
    return relay;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The messages accepted with this Message-ID. */
  withMessageId(messageId: string): ParsedMail[] {
    return this.received.filter((m) => m.messageId === messageId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
