-- Business calendars for working-time due dates (R36).

CREATE TABLE calendars (
  id          text PRIMARY KEY,
  definition  jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
