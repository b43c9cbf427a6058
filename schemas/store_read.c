/*
 * schemas/store_read.c — typed reads of the results store (see
 * store_read.h).
 *
 * Each reader binds its parameters to one statement of queries.sql (by
 * id), steps it and hands every row to the caller's callback as a struct;
 * the statement is reset whatever happens, so no read transaction outlives
 * the call.
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

/* A text column that the schema declares NOT NULL came back NULL: SQLite
 * ran out of memory converting it. */
static sb_err out_of_memory(sb_store *s, sb_msg *msg)
{
  return sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
}

/* Ends a reading: SB_EDB when stepping failed (rc is neither a row nor
 * done), otherwise err; the statement is released either way. */
static sb_err finish(sb_store *s, sqlite3_stmt *st, sb_sql_id id, int rc, sb_err err,
                     sb_msg *msg)
{
  if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
    err = sb_stmt_db_error(s, id, msg);
  sb_stmt_release(st);
  return err;
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

sb_err sb_store_newest_config(sb_store *s, const char *suite, const char *metric,
                              sb_store_kind kind, char **config, sb_msg *msg)
{
  sb_sql_id id = kind == SB_STORE_FRAMES ? SB_SQL_NEWEST_CONFIG_FRAMES : SB_SQL_NEWEST_CONFIG_TRACKS;
  sqlite3_stmt *st;
  sb_err err = check_args(s, metric && config, msg);
  int rc = SQLITE_DONE;
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
      err = out_of_memory(s, msg);
  }
  return finish(s, st, id, rc, err, msg);
}

sb_err sb_store_each_value(sb_store *s, const char *suite, const char *config,
                           const char *metric, sb_store_kind kind, sb_store_value_fn fn,
                           void *ctx, sb_msg *msg)
{
  sb_sql_id id = kind == SB_STORE_FRAMES ? SB_SQL_CONFIG_FRAME_VALUES : SB_SQL_CONFIG_TRACK_VALUES;
  sqlite3_stmt *st;
  sb_err err = check_args(s, config && metric && fn, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  if ((err = sb_stmt_get(s, id, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sb_store_value row = {text_at(st, 0), text_at(st, 1), text_at(st, 3), text_at(st, 4),
                          sqlite3_column_int64(st, 2), sb_stmt_column_real(st, 5),
                          sb_stmt_column_real(st, 6)};
    err = row.suite && row.method && row.track && row.target ? fn(ctx, &row, msg)
                                                              : out_of_memory(s, msg);
  }
  return finish(s, st, id, rc, err, msg);
}

sb_err sb_store_each_item(sb_store *s, const char *suite, const char *config, const char *method,
                          sb_store_item_fn fn, void *ctx, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = check_args(s, config && fn, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  if ((err = sb_stmt_get(s, SB_SQL_CONFIG_ITEMS, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, method, -1, SQLITE_STATIC);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sb_store_item item = {sqlite3_column_int64(st, 0), text_at(st, 1), text_at(st, 2),
                          text_at(st, 3), text_at(st, 4)};
    err = item.suite && item.method && item.track ? fn(ctx, &item, msg) : out_of_memory(s, msg);
  }
  return finish(s, st, SB_SQL_CONFIG_ITEMS, rc, err, msg);
}

sb_err sb_store_each_item_value(sb_store *s, int64_t item_id, sb_store_kind kind,
                                sb_store_item_value_fn fn, void *ctx, sb_msg *msg)
{
  int frames = kind == SB_STORE_FRAMES;
  sb_sql_id id = frames ? SB_SQL_ITEM_FRAME_VALUES : SB_SQL_ITEM_TRACK_VALUES;
  sqlite3_stmt *st;
  sb_err err = check_args(s, fn != NULL, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  if ((err = sb_stmt_get(s, id, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_int64(st, 1, item_id);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sb_store_item_value v = {text_at(st, 0), text_at(st, 1), -1, NAN, NAN, NAN};
    if (frames) {
      v.frame = sqlite3_column_int64(st, 2);
      v.time_s = sqlite3_column_double(st, 3);
      v.duration_s = sqlite3_column_double(st, 4);
      v.value = sb_stmt_column_real(st, 5);
    } else {
      v.value = sb_stmt_column_real(st, 2);
    }
    err = v.target && v.metric ? fn(ctx, &v, msg) : out_of_memory(s, msg);
  }
  return finish(s, st, id, rc, err, msg);
}

sb_err sb_store_each_point(sb_store *s, const char *suite, const char *config, const char *track,
                           const char *target, const char *metric, sb_store_point_fn fn,
                           void *ctx, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = check_args(s, config && track && target && metric && fn, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  if ((err = sb_stmt_get(s, SB_SQL_TRACK_TIMELINE, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, track, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sb_store_point p = {text_at(st, 0), sqlite3_column_double(st, 1), sb_stmt_column_real(st, 2)};
    err = p.method ? fn(ctx, &p, msg) : out_of_memory(s, msg);
  }
  return finish(s, st, SB_SQL_TRACK_TIMELINE, rc, err, msg);
}

sb_err sb_store_each_run(sb_store *s, const char *config, sb_store_run_fn fn, void *ctx,
                         sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = check_args(s, config && fn, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  if ((err = sb_stmt_get(s, SB_SQL_CONFIG_RUNS, &st, msg)) != SB_OK)
    return err;
  sqlite3_bind_text(st, 1, config, -1, SQLITE_STATIC);
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sb_store_run run = {sqlite3_column_int64(st, 0), text_at(st, 1), text_at(st, 2),
                        text_at(st, 3), text_at(st, 4), text_at(st, 5), text_at(st, 6),
                        text_at(st, 7), text_at(st, 8), text_at(st, 9), text_at(st, 10)};
    err = fn(ctx, &run, msg);
  }
  return finish(s, st, SB_SQL_CONFIG_RUNS, rc, err, msg);
}
