/*
 * schemas/statements.h — the SQLite side of an sb_store, shared by the
 * store's own files (store.c: open, migrate, write; store_read.c: typed
 * reads; store_merge.c: merging stores).  Nothing outside schemas/
 * includes this header: it is the only place besides them that knows the
 * store is SQLite.
 *
 * Every statement is a named block of schemas/queries.sql addressed by its
 * generated id (sb_sql_id, schemas/sql_ids.h), prepared once per
 * connection (SQLITE_PREPARE_PERSISTENT) and bound with parameters only.
 *
 * Thread-safety: as sb_store (store.h): one thread at a time per store.
 */
#ifndef SB_SCHEMAS_STATEMENTS_H
#define SB_SCHEMAS_STATEMENTS_H

#include <stdint.h>
#include <sqlite3.h>
#include "sepbench/error.h"
#include "schemas/sql_text.h"

/* How long a statement waits for another connection's lock (store.h). */
#define SB_STORE_BUSY_TIMEOUT_MS 10000

struct sb_store {
  sqlite3 *db;
  char *path;
  sqlite3_stmt *cache[SB_SQL_N_QUERIES]; /* prepared lazily */
  char errmsg[sizeof(((sb_msg *)0)->text)];
};

typedef struct sb_store sb_store;

/* Records an SQLite failure of statement `id`: s->errmsg and msg (may be
 * NULL) get "PATH: NAME: sqlite message".  Returns SB_EDB. */
sb_err sb_stmt_db_error(sb_store *s, sb_sql_id id, sb_msg *msg);

/* Records a failure that is not SQLite's (invalid argument, memory) in
 * s->errmsg and msg.  Returns err. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
sb_err sb_stmt_error(sb_store *s, sb_msg *msg, sb_err err, const char *fmt, ...);

/* The connection's prepared statement `id`, reset and without bindings.
 * The caller binds, steps, and gives it back with sb_stmt_release so that
 * no read transaction stays open.  A statement still being stepped (a
 * callback of a reader calling the same reader) is not handed out twice:
 * SB_EDB.  Errors: SB_EDB (prepare failed: msg quotes SQLite). */
sb_err sb_stmt_get(sb_store *s, sb_sql_id id, sqlite3_stmt **out, sb_msg *msg);

/* Resets st and clears its bindings; NULL is accepted. */
void sb_stmt_release(sqlite3_stmt *st);

/* Steps st (bindings already made) until done, ignoring rows, then
 * releases it.  SB_EDB on failure. */
sb_err sb_stmt_run(sb_store *s, sqlite3_stmt *st, sb_sql_id id, sb_msg *msg);

/* Runs statement `id` without parameters.  SB_EDB. */
sb_err sb_stmt_exec(sb_store *s, sb_sql_id id, sb_msg *msg);

/* The same with one text parameter ?1 (NULL binds NULL).  SB_EDB. */
sb_err sb_stmt_exec_text(sb_store *s, sb_sql_id id, const char *text, sb_msg *msg);

/* Runs statement `id` without parameters and returns the integer in
 * column 0 of its first row; *found = 0 when there is no row.  SB_EDB. */
sb_err sb_stmt_query_int(sb_store *s, sb_sql_id id, int64_t *value, int *found, sb_msg *msg);

/* Ends an open transaction after a failure (ROLLBACK); nothing when none
 * is open.  Keeps the first error: reports nothing. */
void sb_stmt_rollback_if_open(sb_store *s);

/* Column col of the current row of st as a double: NaN for SQL NULL
 * (the store's encoding of NaN), +-inf as stored. */
double sb_stmt_column_real(sqlite3_stmt *st, int col);

/* Binds value to parameter col: SQL NULL for NaN, +-inf as REAL. */
void sb_stmt_bind_real(sqlite3_stmt *st, int col, double value);

#endif /* SB_SCHEMAS_STATEMENTS_H */
