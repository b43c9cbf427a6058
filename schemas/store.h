/*
 * schemas/store.h — the sepbench results store: one SQLite file (WAL mode)
 * holding runs, suites, tracks, methods, items and every per-frame and
 * per-track metric value (schema: schemas/001_init.sql and the later
 * numbered migrations; statements: schemas/queries.sql).  Aggregates are
 * never stored: reports derive them.  This header opens the store and
 * writes to it; reports read typed rows through schemas/store_read.h and
 * stores are combined through schemas/store_merge.h.  No header of the
 * store exposes SQLite: everything outside schemas/ sees sb_store only.
 *
 * Workload: a run writes one item per (track, method) as it finishes —
 * ~4 targets x 4 frame metrics x 200-600 frames + 4 x 12 whole values, one
 * transaction each, a few per second at most; reports read whole configs.
 *
 * Crash safety: every write is one transaction, so a process killed at any
 * instant (kill -9) leaves either the whole item or nothing; the next open
 * recovers the WAL.  A failed write (I/O error, full disk) rolls its
 * transaction back: nothing of the item is kept.  Tested by
 * tests/schemas/test-store-faults.sh and tests/runners/test-run-crash.sh
 * (a VFS that fails or kills at the Nth write).
 *
 * Several processes may share a store, also a NEW one opened by all of
 * them at the same instant: the busy timeout (10 s) is set before the
 * first statement, the switch to WAL is retried while another opener
 * holds the file (SQLite does not call the busy handler for it), the
 * identity check reads in one transaction and each migration re-reads
 * the version under the write lock.  A statement that waits longer than
 * the busy timeout fails ("database is locked").  Shards on a cluster
 * should still write their own store and merge.
 *
 * Thread-safety: an sb_store is one SQLite connection.  It may be used from
 * any thread, but by one thread at a time: the caller serialises every call
 * on the same sb_store (e.g. one writer thread, or an OpenMP critical
 * section); the connection is opened in SQLite's multi-thread mode
 * (SQLITE_OPEN_NOMUTEX), so nothing else guards it.  Different sb_store
 * handles are independent.
 *
 * Values: NaN is stored as SQL NULL; +inf and -inf are stored as REAL
 * infinities and read back as such.
 */
#ifndef SB_SCHEMAS_STORE_H
#define SB_SCHEMAS_STORE_H

#include <stdint.h>
#include "sepbench/error.h"
#include "metrics/evaluate.h"

typedef struct sb_store sb_store;

/* Opens the store at path for writing, creating it when absent: WAL
 * journal, foreign keys on, synchronous=NORMAL, busy timeout 10 s, then
 * applies the migrations this build knows (schema version = PRAGMA
 * user_version).  Safe against other processes opening the same path at
 * the same time (see above).
 * Errors (msg names path and cause):
 *   SB_EINVAL  path or out NULL;
 *   SB_EIO     the file cannot be opened or created ("PATH: cannot create
 *              the store: ... (Read-only file system)"), or it may only be
 *              read ("PATH: the store is read-only (Permission denied):
 *              results cannot be written");
 *   SB_EDB     not a database ("PATH: not a sepbench store (file is not a
 *              database)"), an SQLite database of another application, a
 *              schema version newer than this build, or an SQLite failure;
 *   SB_ENOMEM. */
sb_err sb_store_open(const char *path, sb_store **out, sb_msg *msg);

/* The same for a store that must exist already (reports): never creates
 * a file.  SB_ENOTFOUND ("PATH: no such store") when path does not exist,
 * SB_EDB for an empty file; otherwise as sb_store_open (an older schema is
 * migrated), except that a read-only file is not refused.  (A store on a
 * read-only file system cannot be opened: SQLite cannot create the WAL
 * index there; SB_EDB "PATH: get_user_version: unable to open database
 * file".) */
sb_err sb_store_open_existing(const char *path, sb_store **out, sb_msg *msg);

/* Closes the store; *s becomes NULL; NULL and *s == NULL are accepted. */
void sb_store_free(sb_store **s);

/* The text of the last error of a function without an sb_msg argument
 * ("PATH: insert_run: database is locked"); "" when none.  Valid until the
 * next call on s. */
const char *sb_store_errmsg(const sb_store *s);

/* Provenance of a run; every field may be NULL (stored as NULL). */
typedef struct sb_run_info {
  const char *command;       /* the command line */
  const char *suite;         /* the suite as given */
  const char *backends;      /* the methods/backends as given */
  const char *metric_params; /* metric parameters, JSON text */
} sb_run_info;

/* Records a new run with status 'running', started_at = now (UTC, ISO 8601
 * "YYYY-MM-DDTHH:MM:SS.sssZ"), sepbench_version = PACKAGE_VERSION,
 * git_revision = sb_git_revision() (NULL when empty), host = gethostname().
 * info may be NULL.  SB_EINVAL (s or run_id NULL), SB_EDB. */
sb_err sb_store_run_begin(sb_store *s, const sb_run_info *info, int64_t *run_id);

/* Sets the final status ("done", "interrupted", "failed"; "running" is
 * accepted too) and ended_at = now.  SB_EINVAL (other status),
 * SB_ENOTFOUND (no such run), SB_EDB. */
sb_err sb_store_run_end(sb_store *s, int64_t run_id, const char *status);

/* Get-or-create by name: an existing suite (or track of the suite, or
 * method) keeps the kind/root (subset; backend/params) it was created with.
 * name must not be NULL; the other strings may be.  SB_EINVAL, SB_EDB. */
sb_err sb_store_suite(sb_store *s, const char *name, const char *kind, const char *root,
                      int64_t *suite_id);
sb_err sb_store_track(sb_store *s, int64_t suite_id, const char *name, const char *subset,
                      int64_t *track_id);
sb_err sb_store_method(sb_store *s, const char *name, const char *backend, const char *params,
                       int64_t *method_id);

/* *done = 1 if an item with status 'done' exists for (track, method,
 * config), else 0 (a 'failed' item counts as not done, so a resumed run
 * retries it).  SB_EINVAL, SB_EDB. */
sb_err sb_store_item_done(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                          int *done);

/* Deletes the item of (track, method, config), done or failed, with all
 * its values (one statement, so atomic), so that the next run recomputes
 * it (sepbench run --force).  SB_OK when there is no such item.
 * SB_EINVAL (s or config NULL), SB_EDB. */
sb_err sb_store_item_forget(sb_store *s, int64_t track_id, int64_t method_id,
                            const char *config);

/* The values of one plug-in metric for an item (backends/user_metrics.h),
 * stored as per-track values of the item under their value names, per
 * target or under the pseudo-target SB_TARGET_TRACK ("_track",
 * common/targets.h), NaN as NULL, with a record in plugin_metrics
 * (schemas/003_plugin_metrics.sql).  Strings are borrowed. */
typedef struct sb_plugin_record {
  const char *name;                  /* "cmd:pesq", "plugin:rmsratio" */
  const char *key;                   /* its key (metrics/metric_config.h sb_metric_user_key) */
  const char *error;                 /* NULL: 'done'; else 'failed' with this reason (a re-run
                                        computes it again); the values are stored either way */
  const char *note;                  /* NULL or "" = none */
  double wall_s;                     /* NaN stores NULL */
  int n_target_metrics;
  const char *const *target_metrics; /* per-target value names */
  const double *target_values;       /* [t * n_target_metrics + k] over the record's targets */
  int n_track_metrics;
  const char *const *track_metrics;  /* per-track value names */
  const double *track_values;        /* n_track_metrics */
} sb_plugin_record;

/* One evaluated (track, method, config).  targets[j] names reference j of
 * result (n_targets == result->n_src).  run_id <= 0 stores NULL (no run).
 * peak_rss_kb < 0 and NaN wall_s store NULL. */
typedef struct sb_item_record {
  int64_t run_id, track_id, method_id;
  const char *config;              /* canonical metric-parameter key */
  int n_targets;
  const char *const *targets;
  const sb_eval_result *result;
  double wall_s;                   /* s */
  int64_t peak_rss_kb;
  unsigned recorded;               /* the groups of SB_METRIC_RECORDED (metrics/metric_config.h:
                                      stoi, estoi, sasdr) that result holds: each is filed
                                      with its record, not with the other whole values */
} sb_item_record;

/* Stores an evaluated item in ONE transaction:
 *  - the item row (status 'done', rate, win, hop, n_frames of the framing
 *    used, perm and perm_si as JSON arrays "[0,1,...]" or NULL, note or
 *    NULL when empty), replacing a 'failed' row of the same (track, method,
 *    config);
 *  - frame_values: for every frame metric with result->frame[m] != NULL,
 *    every target and frame k: time_s = k hop / rate, duration_s = win /
 *    rate, value (NULL for NaN);
 *  - track_values: for every whole metric m (SB_WM_*, named by
 *    sb_whole_metric_name) that has a non-NaN value for at least one
 *    target, the value of every target (NULL for NaN).  A metric that is
 *    NaN for every target is taken as not computed and not stored; for a
 *    leaderboard this is the same as NULL rows, which are skipped.
 *    The whole metrics of the groups of rec->recorded are left to
 *  - one record per group of rec->recorded (plugin_metrics, name and key
 *    of sb_metric_group_record): its whole metrics (STOI and, when some
 *    target has one, dSTOI; ...) per target, its per-track metrics
 *    (SA-SDR, SI-SA-SDR: result->track) under the pseudo-target
 *    SB_TARGET_TRACK "_track", NaN as NULL, as a plug-in metric's values
 *    (schemas/store_plugins.h), so a later run finds which groups an item
 *    holds.
 * If a 'done' item already exists nothing is written and SB_OK is returned
 * (idempotent, so resumed and merged runs never duplicate rows).
 * Errors: SB_EINVAL (NULL fields, n_targets != result->n_src, rate <= 0,
 * negative framing), SB_ENOMEM, SB_EDB; on error nothing is written. */
sb_err sb_store_put_item(sb_store *s, const sb_item_record *rec, sb_msg *msg);

/* sb_store_put_item with the values of n_plugins plug-in metrics of the
 * item (schemas/store_plugins.h), in the same one transaction.  Errors as
 * sb_store_put_item and sb_store_put_plugins. */
sb_err sb_store_put_item_plugins(sb_store *s, const sb_item_record *rec, int n_plugins,
                                 const sb_plugin_record *plugins, sb_msg *msg);

/* Stores a failed item (status 'failed', error text; rate/win/hop/n_frames,
 * perms and note from rec->result when it is not NULL, never values) in one
 * transaction, replacing an earlier 'failed' row.  A 'done' item is kept:
 * nothing is written and SB_OK is returned.  SB_EINVAL (error or other
 * fields NULL), SB_ENOMEM, SB_EDB. */
sb_err sb_store_put_failure(sb_store *s, const sb_item_record *rec, const char *error,
                            sb_msg *msg);

#endif /* SB_SCHEMAS_STORE_H */
