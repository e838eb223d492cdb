-- The timeline leaves the workflow (issue 7): every entry stored once by (ref, seq), and long
-- texts (email bodies, long notes and descriptions) stored once by their content's hash.

CREATE TABLE timeline_entries (
  ref    text NOT NULL,
  seq    integer NOT NULL,
  entry  jsonb NOT NULL,
  PRIMARY KEY (ref, seq)
);

CREATE TABLE texts (
  id          text PRIMARY KEY,          -- sha256 of the body, hex
  body        text NOT NULL,
  stored_at   timestamptz NOT NULL DEFAULT now()
);
