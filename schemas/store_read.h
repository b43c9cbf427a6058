/*
 * schemas/store_read.h — typed reads of the results store for the reports
 * (leaderboards, tables, figures, export, the HTML report).
 *
 * Every reader selects 'done' items (view done_items, schemas/002_*.sql)
 * and streams its rows, in a documented order, to a callback as a struct of
 * plain C values: names as NUL-terminated UTF-8 (or whatever bytes were
 * stored), numbers as double with NaN for a stored NULL (the store's NaN)
 * and +-inf as stored.  The pointers of a row are valid during the
 * callback only: copy what is kept.  A callback returns SB_OK to go on, or
 * an error (it fills msg itself) that stops the reading and is returned as
 * is.  A callback may call other readers of the same store, but not the one
 * that calls it (SB_EDB "statement used again before it finished").
 *
 * A suite argument NULL means every suite; config must not be NULL.
 * Common errors: SB_EINVAL (s, config, fn or another required argument
 * NULL), SB_EDB (SQLite failure; msg "PATH: STATEMENT: reason").
 *
 * Workload: a leaderboard streams ~200k frame values per method of a
 * MUSDB18 test pass through sb_store_each_value in one query; the exporter
 * reads ~4 x 4 x 250 rows per item.
 * Thread-safety: as sb_store (store.h).
 */
#ifndef SB_SCHEMAS_STORE_READ_H
#define SB_SCHEMAS_STORE_READ_H

#include <stdint.h>
#include "sepbench/error.h"
#include "schemas/store.h"

/* Which values: per-frame (BSS Eval SDR/ISR/SIR/SAR, PS/PM series) or
 * per-track (whole-signal metrics such as SI-SDR, global_SDR). */
typedef enum sb_store_kind { SB_STORE_FRAMES = 0, SB_STORE_TRACKS } sb_store_kind;

/* The config of the newest 'done' item (largest item id) holding values of
 * `metric` of the given kind in the suite.  *config (malloc'd, the caller
 * frees it) is NULL and SB_OK is returned when there is none.
 * Errors: SB_EINVAL, SB_ENOMEM, SB_EDB. */
sb_err sb_store_newest_config(sb_store *s, const char *suite, const char *metric,
                              sb_store_kind kind, char **config, sb_msg *msg);

/* One value of a metric: frame k of a target (kind SB_STORE_FRAMES) or
 * the per-track value (SB_STORE_TRACKS). */
typedef struct sb_store_value {
  const char *suite, *method, *track, *target;
  int64_t track_id;  /* tracks of the same name in two suites differ */
  double value;      /* in the metric's unit (dB); NaN for NULL */
  double duration_s; /* frame length, s; NaN for per-track values */
} sb_store_value;
typedef sb_err (*sb_store_value_fn)(void *ctx, const sb_store_value *row, sb_msg *msg);

/* Every value of `metric` and `config` of the given kind, grouped by
 * (method, track, target): rows come ordered by method id, track id, then
 * target name (frames of a group in no particular order). */
sb_err sb_store_each_value(sb_store *s, const char *suite, const char *config,
                           const char *metric, sb_store_kind kind, sb_store_value_fn fn,
                           void *ctx, sb_msg *msg);

/* The name of a per-track metric stored for a config: a built-in one
 * ("SI-SDR") or one a plug-in declared ("PESQ"). */
typedef sb_err (*sb_store_metric_fn)(void *ctx, const char *metric, sb_msg *msg);

/* Every per-track metric name that 'done' items of `config` (in the suite)
 * hold, each once, in bytewise order. */
sb_err sb_store_each_track_metric(sb_store *s, const char *suite, const char *config, sb_store_metric_fn fn,
                                  void *ctx, sb_msg *msg);

/* One 'done' item. */
typedef struct sb_store_item {
  int64_t id;
  const char *suite, *method, *track;
  const char *subset; /* NULL when unknown */
} sb_store_item;
typedef sb_err (*sb_store_item_fn)(void *ctx, const sb_store_item *item, sb_msg *msg);

/* The items of `config` (method NULL = every method), ordered by method
 * name, track name, then track id. */
sb_err sb_store_each_item(sb_store *s, const char *suite, const char *config, const char *method,
                          sb_store_item_fn fn, void *ctx, sb_msg *msg);

/* One stored value of an item: a frame value (frame >= 0, time_s and
 * duration_s in s) or a per-track value (frame -1, times NaN). */
typedef struct sb_store_item_value {
  const char *target, *metric;
  int64_t frame;
  double time_s, duration_s;
  double value; /* NaN for NULL */
} sb_store_item_value;
typedef sb_err (*sb_store_item_value_fn)(void *ctx, const sb_store_item_value *v, sb_msg *msg);

/* The frame values of item `item_id` (kind SB_STORE_FRAMES), ordered by
 * target, frame, metric; or its per-track values (SB_STORE_TRACKS),
 * ordered by target, metric.  No row (and SB_OK) for an unknown id. */
sb_err sb_store_each_item_value(sb_store *s, int64_t item_id, sb_store_kind kind,
                                sb_store_item_value_fn fn, void *ctx, sb_msg *msg);

/* One frame of a timeline: the value of `method` at time_s (frame start). */
typedef struct sb_store_point {
  const char *method;
  double time_s, value; /* s; NaN for NULL */
} sb_store_point;
typedef sb_err (*sb_store_point_fn)(void *ctx, const sb_store_point *p, sb_msg *msg);

/* The frame values of `metric` for one track name and target, every method,
 * ordered by method name then frame. */
sb_err sb_store_each_point(sb_store *s, const char *suite, const char *config, const char *track,
                           const char *target, const char *metric, sb_store_point_fn fn,
                           void *ctx, sb_msg *msg);

/* The provenance of a run (schemas/001_init.sql, table runs); every text
 * may be NULL. */
typedef struct sb_store_run {
  int64_t id;
  const char *started_at, *ended_at, *status; /* UTC, ISO 8601 */
  const char *sepbench_version, *git_revision, *host;
  const char *command, *suite, *backends, *metric_params;
} sb_store_run;
typedef sb_err (*sb_store_run_fn)(void *ctx, const sb_store_run *run, sb_msg *msg);

/* The runs that produced items of `config` (NULL: every run), newest
 * (largest id) first. */
sb_err sb_store_each_run(sb_store *s, const char *config, sb_store_run_fn fn, void *ctx,
                         sb_msg *msg);

#endif /* SB_SCHEMAS_STORE_READ_H */
