-- Reads of an item come from here, never from its workflow: the item's state at `version` (the
-- domain's WorkItem, with the timeline entries not yet in timeline_entries), written by the API
-- from each command's result and by the workflow's own store, each only when newer.

ALTER TABLE work_items ADD COLUMN item jsonb;
