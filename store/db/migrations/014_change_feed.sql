-- R47: changes leave the service.
--
-- item_changes: one row per stored version of an item, written by the statement that stores the
-- version (store/item-store.ts), once per (ref, version). A row's feed `position` is given after
-- its commit by sequence_item_changes(), under one advisory lock, in the order the rows became
-- visible: a reader that has read up to a position never finds a row below it later. (The row's
-- `id`, taken at insert, is not enough: a transaction that took a lower id may commit later.)

CREATE TABLE item_changes (
  id           bigserial PRIMARY KEY,
  position     bigint UNIQUE,
  ref          text NOT NULL,
  version      integer NOT NULL,
  kind         text NOT NULL,
  state        text NOT NULL,
  queue        text,
  assignee     text,
  parent_ref   text,
  change       text NOT NULL,
  entry_types  text[] NOT NULL,
  at           timestamptz NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (ref, version)
);
CREATE INDEX item_changes_unsequenced ON item_changes (id) WHERE position IS NULL;

-- The feed's head (the last position given) and how far retention has pruned it.
CREATE TABLE change_feed (
  one            boolean PRIMARY KEY DEFAULT true CHECK (one),
  head           bigint NOT NULL DEFAULT 0,
  pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO change_feed DEFAULT VALUES;
-- Its one row, known to the planner from the start: a never-analysed table is guessed at
-- thousands of rows, which made a bounded read of the feed cost enough to be JIT-compiled.
ANALYZE change_feed;

-- Gives positions to the committed rows that have none, in id order; answers the head.
CREATE FUNCTION sequence_item_changes() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  last bigint;
  added bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7310047);
  SELECT head INTO last FROM change_feed;
  WITH pending AS (
    SELECT id, last + row_number() OVER (ORDER BY id) AS pos
    FROM (SELECT id FROM item_changes WHERE position IS NULL ORDER BY id LIMIT 50000) p
  ), given AS (
    UPDATE item_changes c SET position = pending.pos FROM pending WHERE c.id = pending.id RETURNING pending.pos
  )
  SELECT max(pos) INTO added FROM given;
  IF added IS NOT NULL THEN
    UPDATE change_feed SET head = added;
    RETURN added;
  END IF;
  RETURN last;
END $$;

-- Webhooks (R47): what each one receives, and how far it has taken the feed.
CREATE TABLE webhooks (
  id             text PRIMARY KEY,
  url            text NOT NULL,
  secret         text NOT NULL,
  events         text[],
  queues         text[],
  give_up_after_ms bigint NOT NULL,
  feed_cursor    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One change to deliver to one webhook; delivered, given up, or pending (then `next_attempt_at`).
-- `window_start` is when its give-up window began: when it was taken, or asked to be sent again.
CREATE TABLE webhook_deliveries (
  id              bigserial PRIMARY KEY,
  webhook_id      text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  position        bigint NOT NULL,
  ref             text NOT NULL,
  version         integer NOT NULL,
  message_id      text NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'given_up')),
  attempts        integer NOT NULL DEFAULT 0,
  window_start    timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  last_attempt_at timestamptz,
  UNIQUE (webhook_id, position)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, ref, position) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL,
  status      integer,
  error       text,
  response    text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
