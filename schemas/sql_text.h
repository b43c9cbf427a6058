/*
 * schemas/sql_text.h — the SQL of the results store, embedded at build time.
 *
 * schemas/embed-sql.awk generates the definitions (schemas/sql_text.c, in
 * the build directory) and the statement ids (schemas/sql_ids.h, enum
 * sb_sql_id) from the numbered migrations schemas/NNN_*.sql and the named
 * statements of schemas/queries.sql.  Only the store's own .c files read
 * these tables; everything outside schemas/ reaches the data through the
 * typed functions of schemas/store.h, store_read.h and store_merge.h.
 * All data is constant: safe from any thread.
 */
#ifndef SB_SCHEMAS_SQL_TEXT_H
#define SB_SCHEMAS_SQL_TEXT_H

#include "schemas/sql_ids.h"

/* One named statement of queries.sql: name from its "-- name:" line, sql
 * without the comment lines.  Static storage. */
typedef struct sb_sql_query {
  const char *name;
  const char *sql;
} sb_sql_query;

/* sb_sql_migrations[i] turns a store of schema version i into version i + 1
 * (several statements; the last one sets PRAGMA user_version = i + 1).
 * sb_sql_n_migrations is therefore the schema version this build writes. */
extern const int sb_sql_n_migrations;
extern const char *const sb_sql_migrations[];

/* The named statements, indexed by their id (sb_sql_queries[SB_SQL_COMMIT]
 * is the block "-- name: commit"). */
extern const sb_sql_query sb_sql_queries[SB_SQL_N_QUERIES];

#endif /* SB_SCHEMAS_SQL_TEXT_H */
