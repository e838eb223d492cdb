-- The email channel: outbound email is delivered to an SMTP relay (each message at most once,
-- by its Message-ID: `sending` while an attempt is with the relay), inbound SMTP messages are stored before the listener answers 250 and processed
-- after, and attachments are stored once by the hash of their content.

ALTER TABLE outbound_emails
  ADD COLUMN seq          integer,
  ADD COLUMN in_reply_to  text,
  ADD COLUMN delivery     text NOT NULL DEFAULT 'queued' CHECK (delivery IN ('queued', 'sending', 'sent', 'failed')),
  ADD COLUMN attempts     integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error   text,
  ADD COLUMN sent_at      timestamptz;

CREATE TABLE inbound_messages (
  id              bigserial PRIMARY KEY,
  message_id      text NOT NULL,
  mail_from       text NOT NULL,
  rcpt_to         text[] NOT NULL,
  remote_address  text NOT NULL,
  raw             bytea NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  processed_at    timestamptz,
  outcome         text,
  ref             text
);
CREATE INDEX inbound_messages_unprocessed ON inbound_messages (id) WHERE processed_at IS NULL;

CREATE TABLE attachments (
  sha256   text PRIMARY KEY,
  content  bytea NOT NULL
);
