-- The refs of the items each item launched (R1, R26): a case's actions by its launch number, the
-- case a start_case action starts (launch 0). A launch retried after a crash gets the ref it was
-- given the first time.

CREATE TABLE launched_items (
  origin_ref  text NOT NULL,
  launch_id   integer NOT NULL,
  ref         text NOT NULL UNIQUE,
  PRIMARY KEY (origin_ref, launch_id)
);
