-- Processes (R26), by version: a change is a new version, and a case keeps the version it
-- started with, so its flow never changes under it.

CREATE TABLE processes (
  id          text NOT NULL,
  version     integer NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);
