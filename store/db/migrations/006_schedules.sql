-- Cases started on a schedule (R9): what each schedule says, as the API was told. The schedule
-- itself is a Temporal Schedule of the same id; this row is what GET /v1/schedules lists.

CREATE TABLE schedules (
  id                 text PRIMARY KEY,
  process_id         text NOT NULL,
  short_description  text NOT NULL,
  cron               text,
  every              text,
  paused             boolean NOT NULL DEFAULT false,
  queue              text,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
