-- Each running service process (a replica) says it is alive every few seconds
-- (api/service-instance.ts), and each Idempotency-Key records the process running its first
-- request. A key whose process stopped saying so is taken over by the next retry at once,
-- rather than after two minutes (api/idempotency.ts).

CREATE TABLE service_instances (
  id          text PRIMARY KEY,
  started_at  timestamptz NOT NULL DEFAULT now(),
  seen_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE idempotency_keys ADD COLUMN owner text;
