-- Items imported from v2020.1 (R43): each old reference is imported once, as one new ref. A row
-- is written (claimed) before the item's workflow starts, and removed again when its batch fails.

CREATE TABLE legacy_imports (
  legacy_ref   text PRIMARY KEY,
  ref          text NOT NULL UNIQUE,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
