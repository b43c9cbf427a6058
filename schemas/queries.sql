-- schemas/queries.sql — every SQL statement that sepbench runs against the
-- results store, one named block each.  schemas/embed-sql.awk compiles this
-- file into the table sb_sql_queries (schemas/sql_text.h) indexed by the
-- generated ids of schemas/sql_ids.h ("-- name: insert_run" is
-- SB_SQL_INSERT_RUN); schemas/*.c prepare the blocks by id and bind every
-- value as a parameter (?N).
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

-- A read transaction: the statements inside it see one snapshot.
-- name: begin_deferred
BEGIN DEFERRED

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

-- ---------------------------------------------------------------- plug-in metrics (schemas/store_plugins.c)

-- The record of plug-in metric ?4 in the 'done' item of (?1 track id,
-- ?2 method id, ?3 config).  Result: key, status.
-- name: select_plugin_metric
SELECT p.key, p.status
FROM plugin_metrics AS p
JOIN items AS i ON i.id = p.item_id
WHERE i.track_id = ?1 AND i.method_id = ?2 AND i.config = ?3 AND i.status = 'done' AND p.name = ?4

-- The 'done' item of (?1 track id, ?2 method id, ?3 config).  Result: id,
-- perm (JSON array or NULL).
-- name: select_done_item
SELECT id, perm FROM items WHERE track_id = ?1 AND method_id = ?2 AND config = ?3 AND status = 'done'

-- The values recorded by plug-in metric ?2 of item ?1 (its value names,
-- a JSON array), before its record is replaced.
-- name: delete_plugin_values
DELETE FROM track_values
WHERE item_id = ?1
  AND metric IN (SELECT value FROM json_each((SELECT metrics FROM plugin_metrics
                                              WHERE item_id = ?1 AND name = ?2)))

-- name: delete_plugin_metric
DELETE FROM plugin_metrics WHERE item_id = ?1 AND name = ?2

-- ?1 item id, ?2 name, ?3 key, ?4 status, ?5 error, ?6 note, ?7 value
-- names (JSON array), ?8 wall_s.
-- name: insert_plugin_metric
INSERT INTO plugin_metrics (item_id, name, key, status, error, note, metrics, wall_s, finished_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))

-- ---------------------------------------------------------------- reports (schemas/store_read.c)
-- Every report reads 'done' items through the view done_items
-- (002_done_items.sql).  A suite parameter NULL means every suite.

-- The config of the newest 'done' item that has frame values of a metric.
-- ?1 suite name, ?2 metric.  Result: config.
-- name: newest_config_frames
SELECT d.config
FROM done_items AS d
WHERE (?1 IS NULL OR d.suite = ?1)
  AND EXISTS (SELECT 1 FROM frame_values AS v WHERE v.item_id = d.item_id AND v.metric = ?2)
ORDER BY d.item_id DESC
LIMIT 1

-- The same for per-track values.
-- name: newest_config_tracks
SELECT d.config
FROM done_items AS d
WHERE (?1 IS NULL OR d.suite = ?1)
  AND EXISTS (SELECT 1 FROM track_values AS v WHERE v.item_id = d.item_id AND v.metric = ?2)
ORDER BY d.item_id DESC
LIMIT 1

-- Every frame value of one metric and config, grouped by (method, track,
-- target): what a leaderboard reduces.  ?1 suite name, ?2 config, ?3 metric.
-- Result: suite, method, track id, track name, target, value (NULL = NaN),
-- duration_s.  The order follows items_by_config and the primary key of
-- frame_values, so SQLite only sorts the targets inside each item.
-- name: config_frame_values
SELECT d.suite, d.method, d.track_id, d.track, v.target, v.value, v.duration_s
FROM done_items AS d
JOIN frame_values AS v ON v.item_id = d.item_id
WHERE d.config = ?2 AND (?1 IS NULL OR d.suite = ?1) AND v.metric = ?3
ORDER BY d.method_id, d.track_id, v.target

-- Every per-track value of one metric and config.  Parameters and result
-- as above, duration_s NULL.
-- name: config_track_values
SELECT d.suite, d.method, d.track_id, d.track, v.target, v.value, NULL
FROM done_items AS d
JOIN track_values AS v ON v.item_id = d.item_id
WHERE d.config = ?2 AND (?1 IS NULL OR d.suite = ?1) AND v.metric = ?3
ORDER BY d.method_id, d.track_id, v.target

-- The names of the per-track metrics stored for a config (built-in and
-- plug-in), by name.  ?1 suite name, ?2 config.  Result: metric.
-- name: config_track_metrics
SELECT DISTINCT v.metric
FROM done_items AS d
JOIN track_values AS v ON v.item_id = d.item_id
WHERE d.config = ?2 AND (?1 IS NULL OR d.suite = ?1)
ORDER BY v.metric

-- The 'done' items of a config, for the exporters.  ?1 suite name, ?2
-- config, ?3 method name (NULL = every method).
-- Result: item id, suite, method name, track name, subset (NULL when
-- unknown), in method and track name order (same names: by track id).
-- name: config_items
SELECT d.item_id, d.suite, d.method, d.track, d.subset
FROM done_items AS d
WHERE d.config = ?2 AND (?1 IS NULL OR d.suite = ?1) AND (?3 IS NULL OR d.method = ?3)
ORDER BY d.method, d.track, d.track_id

-- Every frame value of one item.  ?1 item id.
-- Result: target, metric, frame, time_s, duration_s, value (NULL = NaN).
-- name: item_frame_values
SELECT target, metric, frame, time_s, duration_s, value
FROM frame_values WHERE item_id = ?1
ORDER BY target, frame, metric

-- Every per-track value of one item.  ?1 item id.
-- Result: target, metric, value (NULL = NaN).
-- name: item_track_values
SELECT target, metric, value FROM track_values WHERE item_id = ?1
ORDER BY target, metric

-- The frames of one track and metric for every method (timeline figure).
-- ?1 suite name, ?2 config, ?3 track name, ?4 target, ?5 metric.
-- Result: method name, time_s, value (NULL = NaN).
-- name: track_timeline
SELECT d.method, v.time_s, v.value
FROM done_items AS d
JOIN frame_values AS v ON v.item_id = d.item_id
WHERE d.config = ?2 AND (?1 IS NULL OR d.suite = ?1)
  AND d.track = ?3 AND v.target = ?4 AND v.metric = ?5
ORDER BY d.method, v.frame

-- Provenance of the runs that produced the items of a config (every run
-- when ?1 is NULL), newest first.  ?1 config.  Result: run id, started_at, ended_at, status, version, git
-- revision, host, command, suite, backends, metric parameters.
-- name: config_runs
SELECT r.id, r.started_at, r.ended_at, r.status, r.sepbench_version, r.git_revision,
       r.host, r.command, r.suite, r.backends, r.metric_params
FROM runs AS r
WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM items AS i WHERE i.run_id = r.id AND i.config = ?1)
ORDER BY r.id DESC

-- ---------------------------------------------------------------- merge (schemas/store_merge.c)
-- `sepbench merge OUT IN...`: IN is attached as schema "src" and its rows
-- are matched to OUT's by name (suite, track, method) and by (track,
-- method, config) for items, never by id.  Every statement is idempotent.

-- ?1 path of the store to read.
-- name: merge_attach
ATTACH DATABASE ?1 AS src

-- name: merge_detach
DETACH DATABASE src

-- name: merge_suites
INSERT INTO main.suites (name, kind, root)
SELECT name, kind, root FROM src.suites WHERE true
ON CONFLICT (name) DO NOTHING

-- name: merge_tracks
INSERT INTO main.tracks (suite_id, name, subset)
SELECT ds.id, st.name, st.subset
FROM src.tracks AS st
JOIN src.suites AS ss ON ss.id = st.suite_id
JOIN main.suites AS ds ON ds.name = ss.name
WHERE true
ON CONFLICT (suite_id, name) DO NOTHING

-- name: merge_methods
INSERT INTO main.methods (name, backend, params)
SELECT name, backend, params FROM src.methods WHERE true
ON CONFLICT (name) DO NOTHING

-- A run is the same run when it started at the same instant on the same
-- host with the same command line.
-- name: merge_runs
INSERT INTO main.runs (started_at, ended_at, status, sepbench_version, git_revision, host,
                       command, suite, backends, metric_params)
SELECT r.started_at, r.ended_at, r.status, r.sepbench_version, r.git_revision, r.host,
       r.command, r.suite, r.backends, r.metric_params
FROM src.runs AS r
WHERE NOT EXISTS (SELECT 1 FROM main.runs AS m
                  WHERE m.started_at = r.started_at AND m.host IS r.host AND m.command IS r.command)
ORDER BY r.id

-- name: merge_map_drop
DROP TABLE IF EXISTS temp.merge_map

-- Every item of src with its ids in main and the matching item of main
-- (dst_id NULL when absent), taken before anything is copied.
-- name: merge_map_create
CREATE TEMP TABLE merge_map AS
SELECT si.id AS src_id, dt.id AS track_id, dm.id AS method_id, si.config AS config,
       si.status AS status, di.id AS dst_id, di.status AS dst_status,
       ss.name AS suite_name, st.name AS track_name, sm.name AS method_name
FROM src.items AS si
JOIN src.tracks AS st ON st.id = si.track_id
JOIN src.suites AS ss ON ss.id = st.suite_id
JOIN src.methods AS sm ON sm.id = si.method_id
JOIN main.suites AS ds ON ds.name = ss.name
JOIN main.tracks AS dt ON dt.suite_id = ds.id AND dt.name = st.name
JOIN main.methods AS dm ON dm.name = sm.name
LEFT JOIN main.items AS di
  ON di.track_id = dt.id AND di.method_id = dm.id AND di.config = si.config

-- Counts of src items: total, to copy (absent in main, or 'done' replacing
-- a 'failed' one), already present and identical in status.
-- name: merge_counts
SELECT count(*),
       coalesce(sum(dst_id IS NULL OR (status = 'done' AND dst_status = 'failed')), 0),
       coalesce(sum(dst_id IS NOT NULL AND dst_status = 'done' AND status = 'failed'), 0)
FROM temp.merge_map

-- Items done in both stores whose values differ: a value missing on one
-- side, NULL (NaN) on one side only, or apart by more than 1e-9 relative
-- (or 1e-9 absolute below 1).  Main's values are kept.
-- Result: suite, track, method, config.
-- name: merge_conflicts
SELECT mm.suite_name, mm.track_name, mm.method_name, mm.config
FROM temp.merge_map AS mm
WHERE mm.status = 'done' AND mm.dst_status = 'done' AND (
  (SELECT count(*) FROM src.track_values WHERE item_id = mm.src_id)
    <> (SELECT count(*) FROM main.track_values WHERE item_id = mm.dst_id)
  OR (SELECT count(*) FROM src.frame_values WHERE item_id = mm.src_id)
    <> (SELECT count(*) FROM main.frame_values WHERE item_id = mm.dst_id)
  OR EXISTS (SELECT 1 FROM src.track_values AS a
             LEFT JOIN main.track_values AS b
               ON b.item_id = mm.dst_id AND b.target = a.target AND b.metric = a.metric
             WHERE a.item_id = mm.src_id
               AND (b.item_id IS NULL OR NOT (a.value IS b.value OR
                    abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value)))))
  OR EXISTS (SELECT 1 FROM src.frame_values AS a
             LEFT JOIN main.frame_values AS b
               ON b.item_id = mm.dst_id AND b.target = a.target AND b.metric = a.metric
              AND b.frame = a.frame
             WHERE a.item_id = mm.src_id
               AND (b.item_id IS NULL OR NOT (a.value IS b.value OR
                    abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))))))
ORDER BY mm.suite_name, mm.track_name, mm.method_name

-- Failed items of main that src has done.
-- name: merge_drop_failed
DELETE FROM main.items
WHERE id IN (SELECT dst_id FROM temp.merge_map WHERE status = 'done' AND dst_status = 'failed')

-- name: merge_items
INSERT INTO main.items (run_id, track_id, method_id, config, status, error, wall_s, peak_rss_kb,
                        rate, win, hop, n_frames, perm, perm_si, note, finished_at)
SELECT (SELECT m.id FROM main.runs AS m JOIN src.runs AS r
          ON m.started_at = r.started_at AND m.host IS r.host AND m.command IS r.command
        WHERE r.id = si.run_id ORDER BY m.id LIMIT 1),
       mm.track_id, mm.method_id, si.config, si.status, si.error, si.wall_s, si.peak_rss_kb,
       si.rate, si.win, si.hop, si.n_frames, si.perm, si.perm_si, si.note, si.finished_at
FROM temp.merge_map AS mm
JOIN src.items AS si ON si.id = mm.src_id
WHERE mm.dst_id IS NULL OR (mm.status = 'done' AND mm.dst_status = 'failed')
ORDER BY mm.src_id

-- name: merge_frame_values
INSERT INTO main.frame_values (item_id, target, metric, frame, time_s, duration_s, value)
SELECT di.id, v.target, v.metric, v.frame, v.time_s, v.duration_s, v.value
FROM temp.merge_map AS mm
JOIN main.items AS di ON di.track_id = mm.track_id AND di.method_id = mm.method_id AND di.config = mm.config
JOIN src.frame_values AS v ON v.item_id = mm.src_id
WHERE mm.status = 'done' AND (mm.dst_id IS NULL OR mm.dst_status = 'failed')

-- name: merge_track_values
INSERT INTO main.track_values (item_id, target, metric, value)
SELECT di.id, v.target, v.metric, v.value
FROM temp.merge_map AS mm
JOIN main.items AS di ON di.track_id = mm.track_id AND di.method_id = mm.method_id AND di.config = mm.config
JOIN src.track_values AS v ON v.item_id = mm.src_id
WHERE mm.status = 'done' AND (mm.dst_id IS NULL OR mm.dst_status = 'failed')

-- The records of the plug-in metrics whose values merge_track_values copies.
-- name: merge_plugin_metrics
INSERT INTO main.plugin_metrics (item_id, name, key, status, error, note, metrics, wall_s, finished_at)
SELECT di.id, p.name, p.key, p.status, p.error, p.note, p.metrics, p.wall_s, p.finished_at
FROM temp.merge_map AS mm
JOIN main.items AS di ON di.track_id = mm.track_id AND di.method_id = mm.method_id AND di.config = mm.config
JOIN src.plugin_metrics AS p ON p.item_id = mm.src_id
WHERE mm.status = 'done' AND (mm.dst_id IS NULL OR mm.dst_status = 'failed')
