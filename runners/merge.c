/*
 * runners/merge.c — merging result stores (see runners/merge.h).  The SQL
 * is in schemas/queries.sql, blocks merge_*.
 */
#include <config.h>

#include "runners/merge.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Prepares and runs the named statement to completion, with an optional
 * text parameter ?1. */
static sb_err exec_query(sb_store *s, const char *name, const char *param, sb_msg *msg)
{
  sqlite3_stmt *st = NULL;
  sb_err err = sb_store_query(s, name, &st, msg);
  int rc;

  if (err)
    return err;
  if (param)
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    err = sb_msg_set(msg, SB_EDB, "merge: %s: %s", name, sqlite3_errmsg(sqlite3_db_handle(st)));
  sqlite3_finalize(st);
  return err;
}

/* Prints the conflicts; counts them. */
static sb_err report_conflicts(sb_store *out, const char *out_path, FILE *report, int *n, sb_msg *msg)
{
  sqlite3_stmt *st = NULL;
  sb_err err = sb_store_query(out, "merge_conflicts", &st, msg);
  int rc;

  *n = 0;
  if (err)
    return err;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    (*n)++;
    if (report)
      fprintf(report, "conflict: %s / %s / %s [%s]: values differ; %s keeps its own\n",
              (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
              (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3), out_path);
  }
  if (rc != SQLITE_DONE)
    err = sb_msg_set(msg, SB_EDB, "merge: conflicts: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
  sqlite3_finalize(st);
  return err;
}

static sb_err read_counts(sb_store *out, sb_merge_stats *stats, sb_msg *msg)
{
  sqlite3_stmt *st = NULL;
  sb_err err = sb_store_query(out, "merge_counts", &st, msg);

  if (err)
    return err;
  if (sqlite3_step(st) == SQLITE_ROW) {
    stats->n_items = sqlite3_column_int(st, 0);
    stats->n_copied = sqlite3_column_int(st, 1);
    stats->n_present = stats->n_items - stats->n_copied;
  } else {
    err = sb_msg_set(msg, SB_EDB, "merge: counts: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
  }
  sqlite3_finalize(st);
  return err;
}

sb_err sb_merge_store(sb_store *out, const char *out_path, const char *src_path, FILE *report, sb_merge_stats *stats,
                      sb_msg *msg)
{
  static const char *const copy_steps[] = {"merge_drop_failed", "merge_items", "merge_frame_values",
                                           "merge_track_values"};
  char out_real[PATH_MAX], src_real[PATH_MAX];
  sb_store *src = NULL;
  int attached = 0, in_tx = 0;
  sb_err err;

  if (!out || !out_path || !src_path || !stats)
    return sb_msg_set(msg, SB_EINVAL, "merge: NULL argument");
  memset(stats, 0, sizeof *stats);
  /* Checks that src is a sepbench store (and brings its schema up to date). */
  err = sb_store_open_existing(src_path, &src, msg);
  sb_store_free(&src);
  if (err)
    return err;
  if (realpath(out_path, out_real) && realpath(src_path, src_real) && strcmp(out_real, src_real) == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: cannot merge a store into itself", src_path);
  err = exec_query(out, "merge_attach", src_path, msg);
  if (err)
    goto done;
  attached = 1;
  err = exec_query(out, "begin_immediate", NULL, msg);
  if (err)
    goto done;
  in_tx = 1;
  err = exec_query(out, "merge_suites", NULL, msg);
  if (!err)
    err = exec_query(out, "merge_tracks", NULL, msg);
  if (!err)
    err = exec_query(out, "merge_methods", NULL, msg);
  if (!err)
    err = exec_query(out, "merge_runs", NULL, msg);
  if (!err)
    err = exec_query(out, "merge_map_drop", NULL, msg);
  if (!err)
    err = exec_query(out, "merge_map_create", NULL, msg);
  if (!err)
    err = read_counts(out, stats, msg);
  if (!err)
    err = report_conflicts(out, out_path, report, &stats->n_conflicts, msg);
  for (size_t k = 0; !err && k < sizeof copy_steps / sizeof *copy_steps; k++)
    err = exec_query(out, copy_steps[k], NULL, msg);
  if (!err)
    err = exec_query(out, "merge_map_drop", NULL, msg);
  if (err)
    goto done;
  err = exec_query(out, "commit", NULL, msg);
  in_tx = err != SB_OK;
done:
  if (in_tx)
    exec_query(out, "rollback", NULL, NULL);
  if (attached)
    exec_query(out, "merge_detach", NULL, NULL);
  if (err && msg && !strstr(msg->text, src_path)) {
    char text[sizeof msg->text];
    snprintf(text, sizeof text, "%s", msg->text);
    sb_msg_set(msg, err, "%s: %s", src_path, text);
  }
  return err;
}
