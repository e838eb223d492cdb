-- R44: a category's response clocks (first_response, next_response) beside its `sla` (the
-- resolution clock), and which of an item's clocks have breached, for `breached=<clock>` lists.

ALTER TABLE categories ADD COLUMN slas jsonb;
ALTER TABLE work_items ADD COLUMN breached_clocks text[] NOT NULL DEFAULT '{}';
