/*
 * schemas/store_merge.c — merging result stores (see store_merge.h), on
 * SQLite's ATTACH DATABASE (sqlite.org/lang_attach.html): the source is
 * schema "src" of the destination's connection for the duration of one
 * transaction.
 */
#include <config.h>

#include "schemas/store_merge.h"
#include "schemas/statements.h"

static sb_err read_counts(sb_store *out, sb_store_merge_counts *counts, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(out, SB_SQL_MERGE_COUNTS, &st, msg);
  if (err)
    return err;
  if (sqlite3_step(st) == SQLITE_ROW) {
    counts->n_items = sqlite3_column_int(st, 0);
    counts->n_copied = sqlite3_column_int(st, 1);
  } else {
    err = sb_stmt_db_error(out, SB_SQL_MERGE_COUNTS, msg);
  }
  sb_stmt_release(st);
  return err;
}

static sb_err report_conflicts(sb_store *out, sb_store_conflict_fn conflict, void *ctx,
                               sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(out, SB_SQL_MERGE_CONFLICTS, &st, msg);
  int rc = SQLITE_DONE;
  if (err)
    return err;
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *text[4];
    for (int col = 0; col < 4; col++)
      text[col] = (const char *)sqlite3_column_text(st, col);
    if (!text[0] || !text[1] || !text[2] || !text[3])
      err = sb_stmt_error(out, msg, SB_ENOMEM, "%s: out of memory", out->path);
    else if (conflict)
      err = conflict(ctx, text[0], text[1], text[2], text[3], msg);
  }
  if (!err && rc != SQLITE_DONE)
    err = sb_stmt_db_error(out, SB_SQL_MERGE_CONFLICTS, msg);
  sb_stmt_release(st);
  return err;
}

sb_err sb_store_merge(sb_store *out, const char *src_path, sb_store_conflict_fn conflict,
                      void *ctx, sb_store_merge_counts *counts, sb_msg *msg)
{
  /* In order, inside the transaction: names first, then the item map. */
  static const sb_sql_id names[] = {SB_SQL_MERGE_SUITES, SB_SQL_MERGE_TRACKS,
                                    SB_SQL_MERGE_METHODS, SB_SQL_MERGE_RUNS,
                                    SB_SQL_MERGE_MAP_DROP, SB_SQL_MERGE_MAP_CREATE};
  static const sb_sql_id copy[] = {SB_SQL_MERGE_DROP_FAILED, SB_SQL_MERGE_ITEMS,
                                   SB_SQL_MERGE_FRAME_VALUES, SB_SQL_MERGE_TRACK_VALUES,
                                   SB_SQL_MERGE_PLUGIN_METRICS, SB_SQL_MERGE_MAP_DROP};
  sb_err err;

  if (!out || !src_path || !counts)
    return sb_msg_set(msg, SB_EINVAL, "merge: NULL argument");
  counts->n_items = counts->n_copied = 0;
  err = sb_stmt_exec_text(out, SB_SQL_MERGE_ATTACH, src_path, msg);
  if (err)
    return err;
  err = sb_stmt_exec(out, SB_SQL_BEGIN_IMMEDIATE, msg);
  for (size_t k = 0; !err && k < sizeof names / sizeof names[0]; k++)
    err = sb_stmt_exec(out, names[k], msg);
  if (!err)
    err = read_counts(out, counts, msg);
  if (!err)
    err = report_conflicts(out, conflict, ctx, msg);
  for (size_t k = 0; !err && k < sizeof copy / sizeof copy[0]; k++)
    err = sb_stmt_exec(out, copy[k], msg);
  if (!err)
    err = sb_stmt_exec(out, SB_SQL_COMMIT, msg);
  if (err)
    sb_stmt_rollback_if_open(out);
  sb_stmt_exec(out, SB_SQL_MERGE_DETACH, NULL);
  return err;
}
