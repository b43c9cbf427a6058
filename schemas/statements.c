/*
 * schemas/statements.c — the prepared-statement cache and error text of a
 * store connection (see statements.h).
 *
 * Follows the SQLite C interface documentation (sqlite.org/c3ref):
 * sqlite3_prepare_v3 with SQLITE_PREPARE_PERSISTENT for statements kept for
 * the connection's lifetime, sqlite3_reset after every use so that the read
 * transaction a SELECT holds ends as soon as the caller is done.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schemas/statements.h"

sb_err sb_stmt_db_error(sb_store *s, sb_sql_id id, sb_msg *msg)
{
  /* For a file that cannot be read or written SQLite's text is generic
   * ("disk I/O error"): the system's reason tells which ("File too
   * large", "Input/output error"). */
  int code = sqlite3_errcode(s->db) & 0xff, sys = sqlite3_system_errno(s->db);
  if (code == SQLITE_IOERR && sys > 0)
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s (%s)", s->path, sb_sql_queries[id].name,
             sqlite3_errmsg(s->db), strerror(sys));
  else if (code == SQLITE_BUSY)
    snprintf(s->errmsg, sizeof s->errmsg,
             "%s: %s: %s (another connection kept it locked for more than %d s)", s->path,
             sb_sql_queries[id].name, sqlite3_errmsg(s->db), SB_STORE_BUSY_TIMEOUT_MS / 1000);
  else
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s", s->path, sb_sql_queries[id].name,
             sqlite3_errmsg(s->db));
  return sb_msg_set(msg, SB_EDB, "%s", s->errmsg);
}

sb_err sb_stmt_error(sb_store *s, sb_msg *msg, sb_err err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
  va_end(ap);
  return sb_msg_set(msg, err, "%s", s->errmsg);
}

sb_err sb_stmt_get(sb_store *s, sb_sql_id id, sqlite3_stmt **out, sb_msg *msg)
{
  if (!s->cache[id]) {
    if (sqlite3_prepare_v3(s->db, sb_sql_queries[id].sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &s->cache[id], NULL) != SQLITE_OK)
      return sb_stmt_db_error(s, id, msg);
  } else if (sqlite3_stmt_busy(s->cache[id])) {
    return sb_stmt_error(s, msg, SB_EDB, "%s: %s: statement used again before it finished",
                         s->path, sb_sql_queries[id].name);
  }
  *out = s->cache[id];
  return SB_OK;
}

void sb_stmt_release(sqlite3_stmt *st)
{
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
}

sb_err sb_stmt_run(sb_store *s, sqlite3_stmt *st, sb_sql_id id, sb_msg *msg)
{
  sb_err err = SB_OK;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    err = sb_stmt_db_error(s, id, msg);
  sb_stmt_release(st);
  return err;
}

sb_err sb_stmt_exec(sb_store *s, sb_sql_id id, sb_msg *msg)
{
  return sb_stmt_exec_text(s, id, NULL, msg);
}

sb_err sb_stmt_exec_text(sb_store *s, sb_sql_id id, const char *text, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, id, &st, msg);
  if (err)
    return err;
  if (text)
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
  return sb_stmt_run(s, st, id, msg);
}

sb_err sb_stmt_query_int(sb_store *s, sb_sql_id id, int64_t *value, int *found, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, id, &st, msg);
  int rc;
  if (err)
    return err;
  rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE)
    err = sb_stmt_db_error(s, id, msg);
  sb_stmt_release(st);
  return err;
}

void sb_stmt_rollback_if_open(sb_store *s)
{
  if (!sqlite3_get_autocommit(s->db))
    sb_stmt_exec(s, SB_SQL_ROLLBACK, NULL);
}

double sb_stmt_column_real(sqlite3_stmt *st, int col)
{
  return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

void sb_stmt_bind_real(sqlite3_stmt *st, int col, double value)
{
  if (isnan(value))
    sqlite3_bind_null(st, col);
  else
    sqlite3_bind_double(st, col, value);
}
