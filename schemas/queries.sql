-- schemas/queries.sql — every SQL statement that sepbench runs against the
-- results store, one named block each.  schemas/embed-sql.awk compiles this
-- file into the table sb_sql_queries (schemas/sql_text.h); schemas/store.c
-- prepares the blocks by name and binds every value as a parameter (?N).
--
-- Format: a line "-- name: NAME" starts a block; every other line that
-- starts with "--" is a comment and is dropped, as are blank lines.  A
-- block is one statement unless its comment says otherwise.

-- ---------------------------------------------------------------- connection

-- name: get_user_version
PRAGMA user_version

-- name: get_application_id
PRAGMA application_id

-- Number of tables, indices, views and triggers: 0 in a new file.
-- name: count_schema_objects
SELECT count(*) FROM sqlite_master

-- Result: one row, the journal mode now in effect ("wal"; "memory" for an
-- in-memory database).
-- name: set_journal_wal
PRAGMA journal_mode = WAL

-- name: set_foreign_keys
PRAGMA foreign_keys = ON

-- WAL + NORMAL: a crashed process never corrupts the store nor leaves half
-- a transaction; only a power failure may lose the last commits.
-- name: set_synchronous
PRAGMA synchronous = NORMAL

-- name: begin_immediate
BEGIN IMMEDIATE

-- name: commit
COMMIT

-- name: rollback
ROLLBACK

-- ---------------------------------------------------------------- runs

-- ?1 version, ?2 git revision, ?3 host, ?4 command line, ?5 suite,
-- ?6 backends, ?7 metric parameters.
-- name: insert_run
INSERT INTO runs (started_at, status, sepbench_version, git_revision, host,
                  command, suite, backends, metric_params)
VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'running', ?1, ?2, ?3, ?4, ?5, ?6, ?7)

-- ?1 run id, ?2 final status.
-- name: end_run
UPDATE runs SET status = ?2, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1

-- ---------------------------------------------------------------- suites, tracks, methods

-- ?1 name, ?2 kind, ?3 root.  An existing suite keeps its kind and root.
-- name: insert_suite
INSERT INTO suites (name, kind, root) VALUES (?1, ?2, ?3)
ON CONFLICT (name) DO NOTHING

-- name: select_suite
SELECT id FROM suites WHERE name = ?1

-- ?1 suite id, ?2 name, ?3 subset.
-- name: insert_track
INSERT INTO tracks (suite_id, name, subset) VALUES (?1, ?2, ?3)
ON CONFLICT (suite_id, name) DO NOTHING

-- name: select_track
SELECT id FROM tracks WHERE suite_id = ?1 AND name = ?2

-- ?1 name, ?2 backend, ?3 parameters.
-- name: insert_method
INSERT INTO methods (name, backend, params) VALUES (?1, ?2, ?3)
ON CONFLICT (name) DO NOTHING

-- name: select_method
SELECT id FROM methods WHERE name = ?1

-- ---------------------------------------------------------------- items

-- ?1 track id, ?2 method id, ?3 config.  Result: id, status.
-- name: select_item
SELECT id, status FROM items WHERE track_id = ?1 AND method_id = ?2 AND config = ?3

-- Deletes the item and, by ON DELETE CASCADE, its values.
-- name: delete_item
DELETE FROM items WHERE id = ?1

-- The same by key: ?1 track id, ?2 method id, ?3 config.
-- name: forget_item
DELETE FROM items WHERE track_id = ?1 AND method_id = ?2 AND config = ?3

-- ?1 run id, ?2 track id, ?3 method id, ?4 config, ?5 status, ?6 error,
-- ?7 wall_s, ?8 peak_rss_kb, ?9 rate, ?10 win, ?11 hop, ?12 n_frames,
-- ?13 perm (JSON), ?14 perm_si (JSON), ?15 note.
-- name: insert_item
INSERT INTO items (run_id, track_id, method_id, config, status, error, wall_s,
                   peak_rss_kb, rate, win, hop, n_frames, perm, perm_si, note,
                   finished_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))

-- ?1 item id, ?2 target, ?3 metric, ?4 frame, ?5 time_s, ?6 duration_s, ?7 value.
-- name: insert_frame_value
INSERT INTO frame_values (item_id, target, metric, frame, time_s, duration_s, value)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)

-- ?1 item id, ?2 target, ?3 metric, ?4 value.
-- name: insert_track_value
INSERT INTO track_values (item_id, target, metric, value) VALUES (?1, ?2, ?3, ?4)

-- ---------------------------------------------------------------- leaderboard

-- The config of the newest 'done' item that has frame values of a metric.
-- ?1 suite name (NULL = any suite), ?2 metric.  Result: config.
-- name: lb_default_config_frame
SELECT i.config
FROM items AS i
JOIN tracks AS t ON t.id = i.track_id
JOIN suites AS s ON s.id = t.suite_id
WHERE i.status = 'done' AND (?1 IS NULL OR s.name = ?1)
  AND EXISTS (SELECT 1 FROM frame_values AS v WHERE v.item_id = i.id AND v.metric = ?2)
ORDER BY i.id DESC
LIMIT 1

-- The same for per-track values.
-- name: lb_default_config_track
SELECT i.config
FROM items AS i
JOIN tracks AS t ON t.id = i.track_id
JOIN suites AS s ON s.id = t.suite_id
WHERE i.status = 'done' AND (?1 IS NULL OR s.name = ?1)
  AND EXISTS (SELECT 1 FROM track_values AS v WHERE v.item_id = i.id AND v.metric = ?2)
ORDER BY i.id DESC
LIMIT 1

-- Every frame value of one metric and config, grouped by (method, track,
-- target).  ?1 suite name (NULL = any suite), ?2 config, ?3 metric.
-- Result: method name, track id, target, value (NULL = NaN), duration_s.
-- The order follows items_by_config and the primary key of frame_values,
-- so SQLite only sorts the targets inside each item.
-- name: lb_frame_values
SELECT m.name, t.id, v.target, v.value, v.duration_s
FROM items AS i
JOIN tracks AS t ON t.id = i.track_id
JOIN suites AS s ON s.id = t.suite_id
JOIN methods AS m ON m.id = i.method_id
JOIN frame_values AS v ON v.item_id = i.id
WHERE i.status = 'done' AND i.config = ?2 AND (?1 IS NULL OR s.name = ?1)
  AND v.metric = ?3
ORDER BY i.method_id, i.track_id, v.target

-- Every per-track value of one metric and config.  Parameters as above.
-- Result: method name, track id, target, value (NULL = NaN).
-- name: lb_track_values
SELECT m.name, t.id, v.target, v.value
FROM items AS i
JOIN tracks AS t ON t.id = i.track_id
JOIN suites AS s ON s.id = t.suite_id
JOIN methods AS m ON m.id = i.method_id
JOIN track_values AS v ON v.item_id = i.id
WHERE i.status = 'done' AND i.config = ?2 AND (?1 IS NULL OR s.name = ?1)
  AND v.metric = ?3
ORDER BY i.method_id, i.track_id, v.target
