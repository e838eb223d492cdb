-- Read model, configuration, email bookkeeping and idempotency keys.

CREATE TABLE resources (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('human', 'robot', 'integration')),
  roles       text[] NOT NULL DEFAULT '{}',
  queues      text[] NOT NULL DEFAULT '{}',
  email       text,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
  id                                 text PRIMARY KEY,
  name                               text NOT NULL,
  require_resolution_communication   boolean NOT NULL DEFAULT false,
  feedback_window                    text,
  sla                                jsonb,
  updated_at                         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailboxes (
  address      text PRIMARY KEY,
  starts       text NOT NULL CHECK (starts IN ('ticket', 'case')),
  category_id  text,
  process_id   text,
  queue        text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE ticket_ref_seq;
CREATE SEQUENCE case_ref_seq;
CREATE SEQUENCE action_ref_seq;

CREATE TABLE work_items (
  ref          text PRIMARY KEY,
  kind         text NOT NULL,
  state        text NOT NULL,
  wait_type    text,
  highlighted  boolean NOT NULL,
  assignee     text,
  queue        text,
  needs_human  boolean NOT NULL,
  title        text,
  category_id  text,
  parent_ref   text,
  due_at       timestamptz,
  breached     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  version      integer NOT NULL
);
CREATE INDEX work_items_assignee_state ON work_items (assignee, state);
CREATE INDEX work_items_queue_state ON work_items (queue, state) WHERE assignee IS NULL;
CREATE INDEX work_items_due ON work_items (due_at, ref);

CREATE TABLE work_item_links (
  from_ref  text NOT NULL,
  to_ref    text NOT NULL,
  relation  text NOT NULL,
  PRIMARY KEY (from_ref, to_ref)
);

CREATE TABLE inbound_emails (
  message_id   text PRIMARY KEY,
  ref          text NOT NULL,
  outcome      text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE outbound_emails (
  message_id     text PRIMARY KEY,
  ref            text NOT NULL,
  recipients     text[] NOT NULL,
  subject        text NOT NULL,
  body           text NOT NULL,
  is_resolution  boolean NOT NULL,
  queued_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotency_keys (
  caller        text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status        integer,
  response      jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);
