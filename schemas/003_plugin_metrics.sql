-- schemas/003_plugin_metrics.sql — schema version 3 of the sepbench results
-- store: the metrics users plug in (backends/user_metrics.h).
--
-- A plug-in metric's values are per-track values like the built-in ones:
-- rows of track_values of the same item (the item of the run's metric
-- configuration key), under the value names it declares ("PESQ"), per
-- target or under the pseudo-target '_track' for values over the whole
-- track.  So every report reads them as it reads SI-SDR.  This table
-- records, per item and plug-in metric, what computed them: the metric's
-- key (name, version, options: metrics/metric_config.h sb_metric_user_key),
-- whether it succeeded, why not, and which value names it stored.  A run
-- that lists a plug-in metric computes it only for the items without a
-- 'done' record of the same key, so adding a metric to a finished run
-- computes that metric and nothing else; a new record of the same name
-- replaces the old one and its values.  Stores of version 2 gain the table
-- and keep every row.

CREATE TABLE plugin_metrics (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  name TEXT NOT NULL,                       -- "cmd:pesq", "plugin:rmsratio"
  key TEXT NOT NULL,                        -- "cmd:pesq;version=1"
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error TEXT,                               -- why values are NaN ('failed' only)
  note TEXT,                                -- e.g. which values are NaN (not defined)
  metrics TEXT NOT NULL,                    -- JSON array of its value names
  wall_s REAL,                              -- seconds the metric took
  finished_at TEXT NOT NULL,                -- UTC, ISO 8601
  PRIMARY KEY (item_id, name)
) WITHOUT ROWID;

PRAGMA user_version = 3;
