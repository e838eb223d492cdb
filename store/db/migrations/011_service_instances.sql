-- Each running service process (a replica) says it is alive every few seconds
-- (api/service-instance.ts), and each Idempotency-Key, and each inbound email being taken,
-- records the process running it. A key or email whose process stopped saying so is taken over
-- by the next retry at once, rather than after two minutes (api/idempotency.ts,
-- api/read-model-store.ts).

CREATE TABLE service_instances (
  id          text PRIMARY KEY,
  started_at  timestamptz NOT NULL DEFAULT now(),
  seen_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE idempotency_keys ADD COLUMN owner text;

ALTER TABLE inbound_emails ADD COLUMN owner text;
