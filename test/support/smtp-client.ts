// Sends mail to the service's inbound SMTP listener, as a customer's mail server would, and
// finds what became of a message the listener stored.

import nodemailer from 'nodemailer';
import type pg from 'pg';

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  body: string;
  messageId?: string;
  inReplyTo?: string;
  /** More header lines, and the body replaced by a MIME body of its own when `mime` is given. */
  headers?: string[];
  mime?: string;
}

export function rawMessage(mail: Mail): string {
  const headers = [
    `From: ${mail.from}`,
    `To: ${mail.to.join(', ')}`,
    `Subject: ${mail.subject}`,
    `Date: ${new Date('2026-11-29T09:00:00Z').toUTCString()}`,
    ...(mail.messageId ? [`Message-ID: ${mail.messageId}`] : []),
    ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`, `References: ${mail.inReplyTo}`] : []),
    ...(mail.headers ?? []),
  ];
  return mail.mime !== undefined ? [...headers, mail.mime].join('\r\n') : [...headers, 'Content-Type: text/plain; charset=utf-8', '', mail.body, ''].join('\r\n');
}

export class SmtpClient {
  constructor(readonly port: number, private readonly pool: pg.Pool) {}

  /** Sends one message; the listener's reply names the id it stored it under. */
  async send(mail: Mail, raw = rawMessage(mail)): Promise<{ storedId: number; response: string }> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: this.port, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ envelope: { from: mail.from, to: mail.to }, raw });
      const storedId = Number(/Stored as message (\d+)/.exec(info.response)?.[1]);
      return { storedId, response: info.response };
    } finally {
      transport.close();
    }
  }

  /** Sends, and waits until the message has been taken: what it did, and to which item. */
  async deliver(mail: Mail, raw?: string): Promise<{ outcome: string; ref: string; storedId: number }> {
    const { storedId } = await this.send(mail, raw);
    return { ...(await this.processed(storedId)), storedId };
  }

  async processed(storedId: number, timeoutMs = 20_000): Promise<{ outcome: string; ref: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.pool.query('SELECT outcome, ref, last_error FROM inbound_messages WHERE id = $1 AND processed_at IS NOT NULL', [storedId]);
      if (rows[0]) return { outcome: rows[0].outcome, ref: rows[0].ref, ...(rows[0].last_error ? { error: rows[0].last_error } : {}) };
      if (Date.now() > deadline) throw new Error(`inbound message ${storedId} was not processed in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
