// Delivering a stored outbound email to the SMTP relay (SMTP_URL), from an activity the item's
// workflow schedules once the command that wrote the email is in its history and stored.
//
// At most one copy per command: the Message-ID is fixed by the item, and the row in
// outbound_emails says where the email is. An attempt marks it `sending` before it talks to the
// relay and records the outcome after; an attempt that finds it `sent` sends nothing, and one that
// finds it `sending` (an earlier attempt died with the relay, say by a kill -9, so nobody knows
// whether the relay took it) sends nothing either: the email fails as "outcome unknown", which
// highlights the item for its owner to check, rather than risk a second copy.
//
// A relay that is down or answers 4xx is retried by Temporal with backoff until the give-up time
// (SMTP_GIVE_UP_AFTER, an ISO-8601 duration, default PT1H) has passed since the first attempt; a
// 5xx refusal is final at once. Either way the failure is not retried and the item records it.

import { ApplicationFailure, Context } from '@temporalio/activity';
import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import { ConfigTables } from '../store/config-store.js';
import { OutboundEmailTable } from '../store/outbound-email-store.js';
import { parseDurationMs } from '../workflows/domain/item/duration.js';
import { outboundMessage } from './outbound-message.js';
import { inSmtpSpan } from './smtp-span.js';

export interface EmailDeliveryOptions {
  /** The relay, e.g. smtp://127.0.0.1:1025 (pooled unless the URL says pool=false). */
  smtpUrl?: string;
  /** The sender (SMTP_FROM); else the first configured mailbox; else desk@localhost. */
  from?: string;
  /** How long a failing relay is retried before the email is failed (SMTP_GIVE_UP_AFTER). */
  giveUpAfterMs?: number;
}

export const DEFAULT_GIVE_UP_AFTER_MS = 3_600_000;

export function emailDeliveryOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EmailDeliveryOptions {
  const giveUp = env.SMTP_GIVE_UP_AFTER ? parseDurationMs(env.SMTP_GIVE_UP_AFTER) : undefined;
  if (env.SMTP_GIVE_UP_AFTER && giveUp === undefined) {
    throw new Error(`SMTP_GIVE_UP_AFTER=${env.SMTP_GIVE_UP_AFTER} is not an ISO-8601 duration such as PT1H or PT10M.`);
  }
  return {
    ...(env.SMTP_URL ? { smtpUrl: env.SMTP_URL } : {}),
    ...(env.SMTP_FROM ? { from: env.SMTP_FROM } : {}),
    ...(giveUp !== undefined ? { giveUpAfterMs: giveUp } : {}),
  };
}

export function createEmailDelivery(pool: pg.Pool, options: EmailDeliveryOptions) {
  let transport: Transporter | undefined;
  const relay = (): Transporter => {
    if (!options.smtpUrl) throw ApplicationFailure.nonRetryable('no outbound SMTP relay is configured: set SMTP_URL (npm start runs a local mail catcher)', 'email_no_relay');
    if (!transport) {
      // Pooled unless the URL says otherwise; every attempt ends well within the activity's
      // 2-minute start-to-close timeout (the URL's own settings win over these).
      transport = nodemailer.createTransport({ url: options.smtpUrl, pool: true, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
    }
    return transport;
  };
  const giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
  const emails = new OutboundEmailTable(pool);
  const config = new ConfigTables(pool);

  async function sender(): Promise<string> {
    return options.from ?? (await config.firstMailboxAddress()) ?? 'desk@localhost';
  }

  return {
    async deliverEmail({ messageId }: { messageId: string }): Promise<void> {
      const email = await emails.email(messageId);
      if (!email) throw ApplicationFailure.nonRetryable(`outbound email ${messageId} is not stored`, 'email_not_stored');
      if (email.delivery === 'sent') return; // accepted by the relay on an earlier attempt
      if (!(await emails.claimForSending(messageId))) {
        const said = email.delivery === 'sending'
          ? `outcome unknown: the service stopped while the relay was taking this email, so it is not sent again; check the relay for Message-ID ${messageId}`
          : (await emails.lastError(messageId)) ?? 'failed';
        await emails.markFailed(messageId, said);
        throw ApplicationFailure.nonRetryable(said, 'email_outcome_unknown');
      }
      try {
        const message = outboundMessage(email, await sender());
        await inSmtpSpan(options.smtpUrl, () => relay().sendMail(message));
      } catch (error) {
        await failedAttempt(messageId, error);
      }
      await emails.markSent(messageId);
    },
  };

  /** Records a failed attempt and throws: retryably, unless the refusal is final or it is time to give up. */
  async function failedAttempt(messageId: string, error: unknown): Promise<never> {
    if (error instanceof ApplicationFailure) throw error;
    const message = relayError(error);
    const info = Context.current().info;
    const refused = isPermanent(error);
    const givingUp = refused || Date.now() - info.scheduledTimestampMs >= giveUpAfterMs;
    const said = refused ? `the relay refused the message: ${message}` : givingUp ? `gave up after ${info.attempt} attempts: ${message}` : message;
    await emails.noteFailedAttempt(messageId, said, givingUp);
    if (givingUp) throw ApplicationFailure.nonRetryable(said, refused ? 'email_refused' : 'email_gave_up');
    throw ApplicationFailure.retryable(said, 'email_relay_unavailable');
  }
}

/** A 5xx reply: the relay will not take this message however often it is sent. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

function relayError(error: unknown): string {
  const e = error as { response?: string; message?: string; code?: string };
  return (e.response ?? e.message ?? String(error)).slice(0, 500);
}
