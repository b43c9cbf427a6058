-- schemas/001_init.sql — schema version 1 of the sepbench results store.
--
-- Migration files are numbered NNN_name.sql and applied in order by
-- schemas/store.c, each inside one transaction; the last statement of a
-- migration sets PRAGMA user_version to its number.  A migration is never
-- edited once released: later changes go into a new file.
--
-- Model: a run evaluates items; an item is one (track, method, config) with
-- the per-frame values of the frame metrics (BSS Eval SDR/ISR/SIR/SAR) and
-- the per-track values of every whole-signal metric.  Aggregates (median of
-- medians, means, global) are always derived from these rows, never stored.
-- NaN is stored as NULL; +inf and -inf are stored as REAL infinities.
-- config is the canonical key of the metric parameters (mode, window, hop,
-- filter length, silent-frame rule, ...), so results computed with other
-- parameters never mix.
--
-- Workload: one MUSDB18 test pass is 50 tracks x 4 targets x 4 frame
-- metrics x ~250 one-second frames = ~200k frame_values rows per method,
-- written one item (one transaction) at a time, read by the reports.

-- Marks the file as a sepbench store ("sepB").
PRAGMA application_id = 1936027714;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,                 -- UTC, ISO 8601
  ended_at TEXT,                            -- UTC, ISO 8601; NULL while running
  status TEXT NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'done', 'interrupted', 'failed')),
  sepbench_version TEXT NOT NULL,
  git_revision TEXT,                        -- NULL outside a git checkout
  host TEXT,
  command TEXT,                             -- the command line
  suite TEXT,                               -- the suite as given
  backends TEXT,                            -- backends/methods as given
  metric_params TEXT                        -- metric parameters (JSON text)
);

CREATE TABLE suites (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT,                                -- "musdb18hq", "demo-music", ...
  root TEXT                                 -- directory holding the audio
);

CREATE TABLE tracks (
  id INTEGER PRIMARY KEY,
  suite_id INTEGER NOT NULL REFERENCES suites(id),
  name TEXT NOT NULL,
  subset TEXT,
  UNIQUE (suite_id, name)
);

CREATE TABLE methods (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  backend TEXT,
  params TEXT
);

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs(id),
  track_id INTEGER NOT NULL REFERENCES tracks(id),
  method_id INTEGER NOT NULL REFERENCES methods(id),
  config TEXT NOT NULL,                     -- canonical metric-parameter key
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error TEXT,                               -- why it failed ('failed' only)
  wall_s REAL,                              -- separation + evaluation time, s
  peak_rss_kb INTEGER,
  rate INTEGER,                             -- Hz
  win INTEGER,                              -- frame length, samples
  hop INTEGER,                              -- frame hop, samples
  n_frames INTEGER,
  perm TEXT,                                -- JSON array: estimate of reference j
  perm_si TEXT,                             -- the same for the SI-SDR family
  note TEXT,                                -- evaluation notes (silent stems, ...)
  finished_at TEXT NOT NULL,                -- UTC, ISO 8601
  UNIQUE (track_id, method_id, config)
);

CREATE TABLE frame_values (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  metric TEXT NOT NULL,                     -- "SDR", "ISR", "SIR", "SAR"
  frame INTEGER NOT NULL,                   -- 0-based frame index
  time_s REAL NOT NULL,                     -- frame start, s
  duration_s REAL NOT NULL,                 -- frame length, s
  value REAL,                               -- dB; NULL = NaN
  PRIMARY KEY (item_id, target, metric, frame)
) WITHOUT ROWID;

CREATE TABLE track_values (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  metric TEXT NOT NULL,                     -- "SDR", ..., "global_SDR", "SI-SDRi"
  value REAL,                               -- NULL = NaN
  PRIMARY KEY (item_id, target, metric)
) WITHOUT ROWID;

-- The leaderboard selects the items of one config and suite, newest first
-- when it picks the default config; tracks(suite_id) is covered by the
-- UNIQUE index, frame_values/track_values by their primary keys.
CREATE INDEX items_by_config ON items (config, status, method_id, track_id);
CREATE INDEX items_by_method ON items (method_id);
CREATE INDEX items_by_run ON items (run_id);

PRAGMA user_version = 1;
