-- schemas/002_done_items.sql — schema version 2 of the sepbench results
-- store: the view of the evaluated items with their names.
--
-- Every report selects 'done' items by suite, config and method and needs
-- the suite, track and method names beside the item: that join of items,
-- tracks, suites and methods is written once here.  SQLite flattens the
-- view into each query that reads it, so the indices of 001_init.sql serve
-- as before (items_by_config, the primary keys of the value tables).
-- Stores of version 1 gain the view and keep every row.

CREATE VIEW done_items AS
SELECT i.id AS item_id, i.config AS config, i.method_id AS method_id,
       i.track_id AS track_id, s.name AS suite, t.name AS track, t.subset AS subset,
       m.name AS method
FROM items AS i
JOIN tracks AS t ON t.id = i.track_id
JOIN suites AS s ON s.id = t.suite_id
JOIN methods AS m ON m.id = i.method_id
WHERE i.status = 'done';

PRAGMA user_version = 2;
