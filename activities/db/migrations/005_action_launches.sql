-- The refs of the actions each case launched (R1, R26), by the case's launch number, so that a
-- launch retried after a crash gets the ref it was given the first time.

CREATE TABLE action_launches (
  case_ref   text NOT NULL,
  launch_id  integer NOT NULL,
  ref        text NOT NULL UNIQUE,
  PRIMARY KEY (case_ref, launch_id)
);
