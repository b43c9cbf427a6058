/*
 * schemas/store_read.c — typed reads of the results store (see
 * store_read.h).
 *
 * Each reader binds its parameters to one statement of queries.sql (by
 * id); step_rows steps it and a row function per reader turns every row
 * into the struct the caller's callback receives.  The statement is reset
 * whatever happens, so no read transaction outlives the call.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schemas/store_read.h"
#include "schemas/statements.h"

/* Text column (NULL for SQL NULL). */
static const char *text_at(sqlite3_stmt *st, int col)
{
  return (const char *)sqlite3_column_text(st, col);
}

/* complete: every required argument is there. */
static sb_err check_args(sb_store *s, int complete, sb_msg *msg)
{
  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "store: NULL store");
  if (!complete)
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: read with a NULL argument", s->path);
  return SB_OK;
}

/* The arguments checked, the statement `id` ready for its bindings. */
static sb_err begin_read(sb_store *s, int complete, sb_sql_id id, sqlite3_stmt **st,
                         sb_msg *msg)
{
  sb_err err = check_args(s, complete, msg);
  return err ? err : sb_stmt_get(s, id, st, msg);
}

/* One reading: the caller's callback and its context. */
typedef struct reader {
  sb_store *s;
  void *ctx;
  union {
    sb_store_value_fn value;
    sb_store_item_fn item;
    sb_store_item_value_fn item_value;
    sb_store_point_fn point;
    sb_store_run_fn run;
    sb_store_metric_fn metric;
  } fn;
  int frames; /* item values: frame rows (else per-track rows) */
} reader;

/* Turns the current row of st into a struct for the callback. */
typedef sb_err (*row_fn)(sqlite3_stmt *st, const reader *r, sb_msg *msg);

/* A text column that the schema declares NOT NULL came back NULL: SQLite
 * ran out of memory converting it. */
static sb_err out_of_memory(const reader *r, sb_msg *msg)
{
  return sb_stmt_error(r->s, msg, SB_ENOMEM, "%s: out of memory", r->s->path);
}

/* Steps the bound statement `id` and hands every row to `row` until the
 * end, a callback's error or an SQLite failure; releases it either way. */
static sb_err step_rows(sqlite3_stmt *st, sb_sql_id id, row_fn row, const reader *r,
                        sb_msg *msg)
{
  sb_err err = SB_OK;
  int rc = SQLITE_DONE;
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
    err = row(st, r, msg);
  if (!err && rc != SQLITE_DONE)
    err = sb_stmt_db_error(r->s, id, msg);
  sb_stmt_release(st);
  return err;
}

sb_err sb_store_newest_config(sb_store *s, const char *suite, const char *metric,
                              sb_store_kind kind, char **config, sb_msg *msg)
{
  sb_sql_id id =
    kind == SB_STORE_FRAMES ? SB_SQL_NEWEST_CONFIG_FRAMES : SB_SQL_NEWEST_CONFIG_TRACKS;
  sqlite3_stmt *st;
  sb_err err = check_args(s, metric && config, msg);
  int rc;
  if (err)
    return err;
  *config = NULL;
  if ((err = sb_stmt_get(s, id, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *config = text_at(st, 0) ? strdup(text_at(st, 0)) : NULL;
    if (!*config)
      err = sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
  } else if (rc != SQLITE_DONE) {
    err = sb_stmt_db_error(s, id, msg);
  }
  sb_stmt_release(st);
  return err;
}

static sb_err value_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  sb_store_value row = {text_at(st, 0), text_at(st, 1), text_at(st, 3), text_at(st, 4),
                        sqlite3_column_int64(st, 2), sb_stmt_column_real(st, 5),
                        sb_stmt_column_real(st, 6)};
  if (!row.suite || !row.method || !row.track || !row.target)
    return out_of_memory(r, msg);
  return r->fn.value(r->ctx, &row, msg);
}

sb_err sb_store_each_value(sb_store *s, const char *suite, const char *config,
                           const char *metric, sb_store_kind kind, sb_store_value_fn fn,
                           void *ctx, sb_msg *msg)
{
  sb_sql_id id = kind == SB_STORE_FRAMES ? SB_SQL_CONFIG_FRAME_VALUES : SB_SQL_CONFIG_TRACK_VALUES;
  reader r = {s, ctx, {.value = fn}, 0};
  sqlite3_stmt *st;
  sb_err err = begin_read(s, config && metric && fn, id, &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
  return step_rows(st, id, value_row, &r, msg);
}

static sb_err metric_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  const char *metric = text_at(st, 0);
  return metric ? r->fn.metric(r->ctx, metric, msg) : out_of_memory(r, msg);
}

sb_err sb_store_each_track_metric(sb_store *s, const char *suite, const char *config, sb_store_metric_fn fn,
                                  void *ctx, sb_msg *msg)
{
  reader r = {s, ctx, {.metric = fn}, 0};
  sqlite3_stmt *st;
  sb_err err = begin_read(s, config && fn, SB_SQL_CONFIG_TRACK_METRICS, &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  return step_rows(st, SB_SQL_CONFIG_TRACK_METRICS, metric_row, &r, msg);
}

static sb_err item_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  sb_store_item item = {sqlite3_column_int64(st, 0), text_at(st, 1), text_at(st, 2),
                        text_at(st, 3), text_at(st, 4)};
  if (!item.suite || !item.method || !item.track)
    return out_of_memory(r, msg);
  return r->fn.item(r->ctx, &item, msg);
}

sb_err sb_store_each_item(sb_store *s, const char *suite, const char *config, const char *method,
                          sb_store_item_fn fn, void *ctx, sb_msg *msg)
{
  reader r = {s, ctx, {.item = fn}, 0};
  sqlite3_stmt *st;
  sb_err err = begin_read(s, config && fn, SB_SQL_CONFIG_ITEMS, &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, method, -1, SQLITE_STATIC);
  return step_rows(st, SB_SQL_CONFIG_ITEMS, item_row, &r, msg);
}

static sb_err item_value_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  sb_store_item_value v = {text_at(st, 0), text_at(st, 1), -1, NAN, NAN, NAN};
  if (r->frames) {
    v.frame = sqlite3_column_int64(st, 2);
    v.time_s = sqlite3_column_double(st, 3);
    v.duration_s = sqlite3_column_double(st, 4);
    v.value = sb_stmt_column_real(st, 5);
  } else {
    v.value = sb_stmt_column_real(st, 2);
  }
  if (!v.target || !v.metric)
    return out_of_memory(r, msg);
  return r->fn.item_value(r->ctx, &v, msg);
}

sb_err sb_store_each_item_value(sb_store *s, int64_t item_id, sb_store_kind kind,
                                sb_store_item_value_fn fn, void *ctx, sb_msg *msg)
{
  reader r = {s, ctx, {.item_value = fn}, kind == SB_STORE_FRAMES};
  sb_sql_id id = r.frames ? SB_SQL_ITEM_FRAME_VALUES : SB_SQL_ITEM_TRACK_VALUES;
  sqlite3_stmt *st;
  sb_err err = begin_read(s, fn != NULL, id, &st, msg);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, item_id);
  return step_rows(st, id, item_value_row, &r, msg);
}

static sb_err point_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  sb_store_point p = {text_at(st, 0), sqlite3_column_double(st, 1), sb_stmt_column_real(st, 2)};
  if (!p.method)
    return out_of_memory(r, msg);
  return r->fn.point(r->ctx, &p, msg);
}

sb_err sb_store_each_point(sb_store *s, const char *suite, const char *config, const char *track,
                           const char *target, const char *metric, sb_store_point_fn fn,
                           void *ctx, sb_msg *msg)
{
  reader r = {s, ctx, {.point = fn}, 0};
  sqlite3_stmt *st;
  sb_err err = begin_read(s, config && track && target && metric && fn, SB_SQL_TRACK_TIMELINE,
                          &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, track, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
  return step_rows(st, SB_SQL_TRACK_TIMELINE, point_row, &r, msg);
}

static sb_err run_row(sqlite3_stmt *st, const reader *r, sb_msg *msg)
{
  sb_store_run run = {sqlite3_column_int64(st, 0), text_at(st, 1), text_at(st, 2),
                      text_at(st, 3), text_at(st, 4), text_at(st, 5), text_at(st, 6),
                      text_at(st, 7), text_at(st, 8), text_at(st, 9), text_at(st, 10)};
  return r->fn.run(r->ctx, &run, msg);
}

sb_err sb_store_each_run(sb_store *s, const char *config, sb_store_run_fn fn, void *ctx,
                         sb_msg *msg)
{
  reader r = {s, ctx, {.run = fn}, 0};
  sqlite3_stmt *st;
  sb_err err = begin_read(s, fn != NULL, SB_SQL_CONFIG_RUNS, &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, config, -1, SQLITE_STATIC);
  return step_rows(st, SB_SQL_CONFIG_RUNS, run_row, &r, msg);
}
