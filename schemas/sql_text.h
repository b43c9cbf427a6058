/*
 * schemas/sql_text.h — the SQL of the results store, embedded at build time.
 *
 * schemas/embed-sql.awk generates the definitions (schemas/sql_text.c, in
 * the build directory) from the numbered migrations schemas/NNN_*.sql and
 * the named statements of schemas/queries.sql.  Only schemas/store.c reads
 * these tables; reports reach the named statements through
 * sb_store_query().  All data is constant: safe from any thread.
 */
#ifndef SB_SCHEMAS_SQL_TEXT_H
#define SB_SCHEMAS_SQL_TEXT_H

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

/* The named statements, in file order, each name once. */
extern const int sb_sql_n_queries;
extern const sb_sql_query sb_sql_queries[];

#endif /* SB_SCHEMAS_SQL_TEXT_H */
