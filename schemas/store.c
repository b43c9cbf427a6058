/*
 * schemas/store.c — the results store on SQLite (see store.h).
 *
 * Follows the SQLite documentation for WAL mode (sqlite.org/wal.html),
 * atomic commit (sqlite.org/atomiccommit.html) and UPSERT (3.24+).  Every
 * statement comes from schemas/queries.sql or a migration (sql_text.h), is
 * prepared once per connection (SQLITE_PREPARE_PERSISTENT) and receives
 * every value through bound parameters.
 *
 * Workload: put_item writes ~3,000-10,000 frame rows in one transaction
 * with one reused prepared statement; everything else is a handful of
 * single-row statements per item.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schemas/store.h"
#include "common/revision.h"
#include "schemas/sql_text.h"

/* PRAGMA application_id of a sepbench store ("sepB"), set by 001_init.sql. */
#define SB_STORE_APPLICATION_ID 1936027714
#define SB_STORE_BUSY_TIMEOUT_MS 10000

struct sb_store {
  sqlite3 *db;
  char *path;
  sqlite3_stmt **cache; /* sb_sql_n_queries prepared statements, lazily */
  char errmsg[sizeof(((sb_msg *)0)->text)];
};

/* Records an SQLite failure of statement `what`: s->errmsg and msg get
 * "PATH: WHAT: sqlite message".  Returns SB_EDB. */
static sb_err store_db_error(sb_store *s, const char *what, sb_msg *msg)
{
  snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
  return sb_msg_set(msg, SB_EDB, "%s", s->errmsg);
}

/* Records a failure that is not SQLite's (invalid argument, memory). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static sb_err store_error(sb_store *s, sb_msg *msg, sb_err err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
  va_end(ap);
  return sb_msg_set(msg, err, "%s", s->errmsg);
}

static int query_index(const char *name)
{
  for (int i = 0; i < sb_sql_n_queries; i++)
    if (strcmp(sb_sql_queries[i].name, name) == 0)
      return i;
  return -1;
}

/* The cached prepared statement of a named query, reset and unbound.  The
 * caller resets it again when done (stmt_release) so that no read
 * transaction stays open.  The names are the store's own: an unknown name
 * is a mismatch between this file and queries.sql, reported as SB_EDB. */
static sb_err stmt_get(sb_store *s, const char *name, sqlite3_stmt **out, sb_msg *msg)
{
  int i = query_index(name);
  if (i < 0)
    return store_error(s, msg, SB_EDB, "%s: statement '%s' missing from queries.sql", s->path,
                       name);
  if (!s->cache[i]) {
    if (sqlite3_prepare_v3(s->db, sb_sql_queries[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &s->cache[i], NULL) != SQLITE_OK)
      return store_db_error(s, name, msg);
  }
  *out = s->cache[i];
  return SB_OK;
}

static void stmt_release(sqlite3_stmt *st)
{
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
}

/* Runs a statement that returns no rows we need (BEGIN, COMMIT, PRAGMA
 * setters, INSERT, UPDATE, DELETE) with the bindings already made, then
 * releases it. */
static sb_err stmt_run(sb_store *s, sqlite3_stmt *st, const char *what, sb_msg *msg)
{
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE) {
    sb_err err = store_db_error(s, what, msg);
    stmt_release(st);
    return err;
  }
  stmt_release(st);
  return SB_OK;
}

/* Runs a named statement without parameters. */
static sb_err exec_named(sb_store *s, const char *name, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, name, &st, msg);
  if (err)
    return err;
  return stmt_run(s, st, name, msg);
}

/* Runs a named statement without parameters and returns the integer in
 * column 0 of its first row; *found = 0 when there is no row. */
static sb_err query_int(sb_store *s, const char *name, int64_t *value, int *found, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, name, &st, msg);
  int rc;
  if (err)
    return err;
  rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE)
    err = store_db_error(s, name, msg);
  stmt_release(st);
  return err;
}

/* Ends an open transaction after a failure; keeps the first error. */
static void rollback_if_open(sb_store *s)
{
  if (!sqlite3_get_autocommit(s->db))
    exec_named(s, "rollback", NULL);
}

/* Applies the migrations after schema version `version`, each in its own
 * write transaction. */
static sb_err store_migrate(sb_store *s, int64_t version, sb_msg *msg)
{
  sb_err err = SB_OK;
  for (; version < sb_sql_n_migrations; version++) {
    int64_t current = 0;
    int found = 0;
    char *why = NULL;
    err = exec_named(s, "begin_immediate", msg);
    if (err)
      return err;
    /* Re-read inside the write lock: another process may have migrated. */
    err = query_int(s, "get_user_version", &current, &found, msg);
    if (err)
      goto fail;
    if (current > version) {
      err = exec_named(s, "commit", msg);
      if (err)
        goto fail;
      continue;
    }
    if (sqlite3_exec(s->db, sb_sql_migrations[version], NULL, NULL, &why) != SQLITE_OK) {
      err = store_error(s, msg, SB_EDB, "%s: migration to schema version %lld failed: %s",
                        s->path, (long long)version + 1, why ? why : sqlite3_errmsg(s->db));
      sqlite3_free(why);
      goto fail;
    }
    err = query_int(s, "get_user_version", &current, &found, msg);
    if (err)
      goto fail;
    if (current != version + 1) {
      err = store_error(s, msg, SB_EDB, "%s: migration %lld left user_version at %lld", s->path,
                        (long long)version + 1, (long long)current);
      goto fail;
    }
    err = exec_named(s, "commit", msg);
    if (err)
      goto fail;
  }
  return SB_OK;

fail:
  rollback_if_open(s);
  return err;
}

/* Refuses files that are not (yet) sepbench stores of a version we know,
 * before anything is written to them. */
static sb_err store_check_identity(sb_store *s, int64_t *version_out, sb_msg *msg)
{
  int64_t version = 0, app_id = 0, n_objects = 0;
  int found = 0;
  sb_err err = query_int(s, "get_user_version", &version, &found, NULL);
  if (err) {
    /* Preparing or stepping the first statement reads the file header. */
    if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB)
      return store_error(s, msg, SB_EDB, "%s: not a sepbench store (%s)", s->path,
                         sqlite3_errmsg(s->db));
    return sb_msg_set(msg, err, "%s", s->errmsg);
  }
  err = query_int(s, "get_application_id", &app_id, &found, msg);
  if (err)
    return err;
  if (version > 0 && app_id != SB_STORE_APPLICATION_ID)
    return store_error(s, msg, SB_EDB,
                       "%s: not a sepbench store (SQLite database of application id %lld)", s->path,
                       (long long)app_id);
  if (version > sb_sql_n_migrations)
    return store_error(s, msg, SB_EDB,
                       "%s: store schema version %lld is newer than this sepbench %s supports (%d);"
                       " upgrade sepbench",
                       s->path, (long long)version, PACKAGE_VERSION, sb_sql_n_migrations);
  if (version == 0) {
    err = query_int(s, "count_schema_objects", &n_objects, &found, msg);
    if (err)
      return err;
    if (n_objects > 0)
      return store_error(s, msg, SB_EDB,
                         "%s: not a sepbench store (an SQLite database with other tables)",
                         s->path);
  }
  *version_out = version;
  return SB_OK;
}

static sb_err store_set_wal(sb_store *s, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, "set_journal_wal", &st, msg);
  const char *mode;
  if (err)
    return err;
  if (sqlite3_step(st) != SQLITE_ROW) {
    err = store_db_error(s, "set_journal_wal", msg);
    stmt_release(st);
    return err;
  }
  mode = (const char *)sqlite3_column_text(st, 0);
  if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
    err = store_error(s, msg, SB_EDB, "%s: cannot use WAL journal mode (mode stays '%s')", s->path,
                      mode ? mode : "?");
  stmt_release(st);
  return err;
}

/* sb_store_open (create = 1) and sb_store_open_existing (create = 0). */
static sb_err store_open(const char *path, int create, sb_store **out, sb_msg *msg)
{
  sb_store *s = NULL;
  int64_t version = 0;
  sb_err err;
  int rc;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_open: no output pointer");
  *out = NULL;
  if (!path || !*path)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_open: no store path");
  if (!create && access(path, F_OK) != 0)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such store", path);
  s = calloc(1, sizeof *s);
  if (!s)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  s->path = strdup(path);
  s->cache = calloc((size_t)sb_sql_n_queries, sizeof *s->cache);
  if (!s->path || !s->cache) {
    err = sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0),
                       NULL);
  if (rc != SQLITE_OK) {
    err = rc == SQLITE_NOMEM ? sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path)
                             : sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path,
                                          s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    goto fail;
  }
  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, SB_STORE_BUSY_TIMEOUT_MS);

  err = store_check_identity(s, &version, msg);
  if (err)
    goto fail;
  if (!create && version == 0) {
    err = sb_msg_set(msg, SB_EDB, "%s: not a sepbench store (empty file)", path);
    goto fail;
  }
  err = store_set_wal(s, msg);
  if (err)
    goto fail;
  err = exec_named(s, "set_foreign_keys", msg);
  if (err)
    goto fail;
  err = exec_named(s, "set_synchronous", msg);
  if (err)
    goto fail;
  err = store_migrate(s, version, msg);
  if (err)
    goto fail;
  s->errmsg[0] = '\0';
  *out = s;
  return SB_OK;

fail:
  sb_store_free(&s);
  return err;
}

sb_err sb_store_open(const char *path, sb_store **out, sb_msg *msg)
{
  return store_open(path, 1, out, msg);
}

sb_err sb_store_open_existing(const char *path, sb_store **out, sb_msg *msg)
{
  return store_open(path, 0, out, msg);
}

void sb_store_free(sb_store **s)
{
  if (!s || !*s)
    return;
  if ((*s)->cache) {
    for (int i = 0; i < sb_sql_n_queries; i++)
      sqlite3_finalize((*s)->cache[i]);
    free((*s)->cache);
  }
  sqlite3_close_v2((*s)->db);
  free((*s)->path);
  free(*s);
  *s = NULL;
}

const char *sb_store_errmsg(const sb_store *s)
{
  return s ? s->errmsg : "";
}

/* ---------------------------------------------------------------- runs */

sb_err sb_store_run_begin(sb_store *s, const sb_run_info *info, int64_t *run_id)
{
  static const sb_run_info none = {0};
  char host[256];
  sqlite3_stmt *st;
  sb_err err;

  if (!s || !run_id)
    return SB_EINVAL;
  if (!info)
    info = &none;
  if (gethostname(host, sizeof host) != 0)
    host[0] = '\0';
  host[sizeof host - 1] = '\0';
  err = stmt_get(s, "insert_run", &st, NULL);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, PACKAGE_VERSION, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, sb_git_revision()[0] ? sb_git_revision() : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, host[0] ? host : NULL, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, info->command, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, info->suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, info->backends, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, info->metric_params, -1, SQLITE_STATIC);
  err = stmt_run(s, st, "insert_run", NULL);
  if (err)
    return err;
  *run_id = sqlite3_last_insert_rowid(s->db);
  return SB_OK;
}

sb_err sb_store_run_end(sb_store *s, int64_t run_id, const char *status)
{
  static const char *const valid[] = {"running", "done", "interrupted", "failed"};
  sqlite3_stmt *st;
  sb_err err;
  int ok = 0;

  if (!s)
    return SB_EINVAL;
  for (size_t i = 0; status && i < sizeof valid / sizeof valid[0]; i++)
    ok |= strcmp(status, valid[i]) == 0;
  if (!ok)
    return store_error(s, NULL, SB_EINVAL, "%s: run status '%s' is not one of running, done,"
                       " interrupted, failed", s->path, status ? status : "(null)");
  err = stmt_get(s, "end_run", &st, NULL);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
  err = stmt_run(s, st, "end_run", NULL);
  if (err)
    return err;
  if (sqlite3_changes(s->db) == 0)
    return store_error(s, NULL, SB_ENOTFOUND, "%s: no run %lld", s->path, (long long)run_id);
  return SB_OK;
}

/* ---------------------------------------------------------------- suites, tracks, methods */

/* Binds the lookup key of a suite/method (?1 name) or of a track (?1 suite
 * id, ?2 name); returns the next parameter index. */
static int bind_key(sqlite3_stmt *st, int64_t parent, const char *name)
{
  int column = 1;
  if (parent > 0)
    sqlite3_bind_int64(st, column++, parent);
  sqlite3_bind_text(st, column++, name, -1, SQLITE_STATIC);
  return column;
}

/* INSERT ... ON CONFLICT DO NOTHING of (key, attributes...), then SELECT id
 * by key.  parent > 0 for tracks (suite id).  attr holds the values of the
 * insert's remaining parameters. */
static sb_err get_or_create(sb_store *s, const char *insert, const char *select, int64_t parent,
                            const char *name, const char *const attr[2], int64_t *id)
{
  sqlite3_stmt *st;
  int found = 0;
  int column;
  sb_err err;

  if (!s)
    return SB_EINVAL;
  if (!name || !id)
    return store_error(s, NULL, SB_EINVAL, "%s: %s: name or output NULL", s->path, insert);
  err = stmt_get(s, insert, &st, NULL);
  if (err)
    return err;
  column = bind_key(st, parent, name);
  for (int a = 0; a < 2 && column <= sqlite3_bind_parameter_count(st); a++)
    sqlite3_bind_text(st, column++, attr[a], -1, SQLITE_STATIC);
  err = stmt_run(s, st, insert, NULL);
  if (err)
    return err;

  err = stmt_get(s, select, &st, NULL);
  if (err)
    return err;
  bind_key(st, parent, name);
  switch (sqlite3_step(st)) {
  case SQLITE_ROW:
    *id = sqlite3_column_int64(st, 0);
    found = 1;
    break;
  case SQLITE_DONE:
    break;
  default:
    err = store_db_error(s, select, NULL);
    break;
  }
  stmt_release(st);
  if (!err && !found)
    err = store_error(s, NULL, SB_EDB, "%s: %s: row vanished after insert", s->path, select);
  return err;
}

sb_err sb_store_suite(sb_store *s, const char *name, const char *kind, const char *root,
                      int64_t *suite_id)
{
  const char *const attr[2] = {kind, root};
  return get_or_create(s, "insert_suite", "select_suite", 0, name, attr, suite_id);
}

sb_err sb_store_track(sb_store *s, int64_t suite_id, const char *name, const char *subset,
                      int64_t *track_id)
{
  const char *const attr[2] = {subset, NULL};
  if (s && suite_id <= 0)
    return store_error(s, NULL, SB_EINVAL, "%s: track '%s': invalid suite id %lld", s->path,
                       name ? name : "(null)", (long long)suite_id);
  return get_or_create(s, "insert_track", "select_track", suite_id, name, attr, track_id);
}

sb_err sb_store_method(sb_store *s, const char *name, const char *backend, const char *params,
                       int64_t *method_id)
{
  const char *const attr[2] = {backend, params};
  return get_or_create(s, "insert_method", "select_method", 0, name, attr, method_id);
}

/* ---------------------------------------------------------------- items */

/* Looks up the item of (track, method, config): *item_id = 0 when absent,
 * *is_done = 1 when its status is 'done'. */
static sb_err find_item(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                        int64_t *item_id, int *is_done, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, "select_item", &st, msg);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, track_id);
  sqlite3_bind_int64(st, 2, method_id);
  sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
  *item_id = 0;
  *is_done = 0;
  switch (sqlite3_step(st)) {
  case SQLITE_ROW: {
    const char *status = (const char *)sqlite3_column_text(st, 1);
    *item_id = sqlite3_column_int64(st, 0);
    *is_done = status && strcmp(status, "done") == 0;
    break;
  }
  case SQLITE_DONE:
    break;
  default:
    err = store_db_error(s, "select_item", msg);
    break;
  }
  stmt_release(st);
  return err;
}

sb_err sb_store_item_done(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                          int *done)
{
  int64_t item_id;
  if (!s || !config || !done)
    return s ? store_error(s, NULL, SB_EINVAL, "%s: item_done: config or output NULL", s->path)
             : SB_EINVAL;
  return find_item(s, track_id, method_id, config, &item_id, done, NULL);
}

sb_err sb_store_item_forget(sb_store *s, int64_t track_id, int64_t method_id,
                            const char *config)
{
  sqlite3_stmt *st;
  sb_err err;
  if (!s || !config)
    return s ? store_error(s, NULL, SB_EINVAL, "%s: item_forget: config NULL", s->path)
             : SB_EINVAL;
  err = stmt_get(s, "forget_item", &st, NULL);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, track_id);
  sqlite3_bind_int64(st, 2, method_id);
  sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
  return stmt_run(s, st, "forget_item", NULL);
}

static void bind_real_or_null(sqlite3_stmt *st, int column, double value)
{
  if (isnan(value))
    sqlite3_bind_null(st, column);
  else
    sqlite3_bind_double(st, column, value);
}

/* A permutation of n_src entries as a JSON array "[p0,p1,...]"; NULL (and
 * SB_OK) when perm is NULL. */
static sb_err perm_json(const int *perm, int n_src, char **out)
{
  size_t cap, len = 0;
  char *text;
  *out = NULL;
  if (!perm || n_src <= 0)
    return SB_OK;
  cap = (size_t)n_src * 12 + 3;
  text = malloc(cap);
  if (!text)
    return SB_ENOMEM;
  text[len++] = '[';
  for (int j = 0; j < n_src; j++)
    len += (size_t)snprintf(text + len, cap - len, j ? ",%d" : "%d", perm[j]);
  text[len++] = ']';
  text[len] = '\0';
  *out = text;
  return SB_OK;
}

static sb_err check_record(sb_store *s, const sb_item_record *rec, int need_result, sb_msg *msg)
{
  const sb_eval_result *r;
  if (!rec || !rec->config)
    return store_error(s, msg, SB_EINVAL, "%s: item record or its config is NULL", s->path);
  if (rec->track_id <= 0 || rec->method_id <= 0)
    return store_error(s, msg, SB_EINVAL, "%s: item record without track or method id", s->path);
  r = rec->result;
  if (!r)
    return need_result ? store_error(s, msg, SB_EINVAL, "%s: item record without result",
                                     s->path)
                       : SB_OK;
  if (r->rate <= 0 || r->n_frames < 0 || r->win < 0 || r->hop < 0 || r->n_src < 1)
    return store_error(s, msg, SB_EINVAL,
                       "%s: result with rate %d, n_src %d, %lld frames, win %lld, hop %lld",
                       s->path, r->rate, r->n_src, (long long)r->n_frames, (long long)r->win,
                       (long long)r->hop);
  if (!need_result)
    return SB_OK;
  if (rec->n_targets != r->n_src || !rec->targets)
    return store_error(s, msg, SB_EINVAL, "%s: %d target names for %d evaluated sources",
                       s->path, rec->n_targets, r->n_src);
  for (int j = 0; j < rec->n_targets; j++)
    if (!rec->targets[j])
      return store_error(s, msg, SB_EINVAL, "%s: target name %d is NULL", s->path, j);
  if (!r->whole)
    return store_error(s, msg, SB_EINVAL, "%s: result without whole-signal values", s->path);
  return SB_OK;
}

/* Inside an open transaction: replaces an earlier failed item and inserts
 * the item row.  *skip = 1 when a 'done' item exists (nothing written). */
static sb_err insert_item_row(sb_store *s, const sb_item_record *rec, const char *status,
                              const char *error, int64_t *item_id, int *skip, sb_msg *msg)
{
  const sb_eval_result *r = rec->result;
  int64_t old_id;
  int old_done;
  char *perm = NULL, *perm_si = NULL;
  sqlite3_stmt *st;
  sb_err err = find_item(s, rec->track_id, rec->method_id, rec->config, &old_id, &old_done, msg);
  *skip = 0;
  if (err)
    return err;
  if (old_done) {
    *skip = 1;
    return SB_OK;
  }
  if (old_id > 0) {
    err = stmt_get(s, "delete_item", &st, msg);
    if (err)
      return err;
    sqlite3_bind_int64(st, 1, old_id);
    err = stmt_run(s, st, "delete_item", msg);
    if (err)
      return err;
  }
  if (r && (perm_json(r->perm, r->n_src, &perm) != SB_OK ||
            perm_json(r->perm_si, r->n_src, &perm_si) != SB_OK)) {
    err = store_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
    goto done;
  }
  err = stmt_get(s, "insert_item", &st, msg);
  if (err)
    goto done;
  if (rec->run_id > 0)
    sqlite3_bind_int64(st, 1, rec->run_id);
  sqlite3_bind_int64(st, 2, rec->track_id);
  sqlite3_bind_int64(st, 3, rec->method_id);
  sqlite3_bind_text(st, 4, rec->config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
  bind_real_or_null(st, 7, rec->wall_s);
  if (rec->peak_rss_kb >= 0)
    sqlite3_bind_int64(st, 8, rec->peak_rss_kb);
  if (r) {
    sqlite3_bind_int(st, 9, r->rate);
    sqlite3_bind_int64(st, 10, r->win);
    sqlite3_bind_int64(st, 11, r->hop);
    sqlite3_bind_int64(st, 12, r->n_frames);
    sqlite3_bind_text(st, 13, perm, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, perm_si, -1, SQLITE_STATIC);
    if (r->note[0])
      sqlite3_bind_text(st, 15, r->note, -1, SQLITE_STATIC);
  }
  err = stmt_run(s, st, "insert_item", msg);
  if (!err)
    *item_id = sqlite3_last_insert_rowid(s->db);
done:
  free(perm);
  free(perm_si);
  return err;
}

static sb_err insert_frame_values(sb_store *s, int64_t item_id, const sb_item_record *rec,
                                  sb_msg *msg)
{
  const sb_eval_result *r = rec->result;
  const double duration = (double)r->win / r->rate;
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, "insert_frame_value", &st, msg);
  if (err)
    return err;
  for (int m = 0; m < SB_FM_COUNT; m++) {
    const char *metric = sb_frame_metric_name(m);
    if (!r->frame[m])
      continue;
    for (int j = 0; j < r->n_src; j++) {
      const double *values = r->frame[m] + (size_t)j * (size_t)r->n_frames;
      sqlite3_bind_int64(st, 1, item_id);
      sqlite3_bind_text(st, 2, rec->targets[j], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
      sqlite3_bind_double(st, 6, duration);
      for (int64_t k = 0; k < r->n_frames; k++) {
        sqlite3_bind_int64(st, 4, k);
        sqlite3_bind_double(st, 5, (double)k * (double)r->hop / r->rate);
        bind_real_or_null(st, 7, values[k]);
        if (sqlite3_step(st) != SQLITE_DONE) {
          err = store_db_error(s, "insert_frame_value", msg);
          stmt_release(st);
          return err;
        }
        sqlite3_reset(st);
      }
    }
  }
  /* PS/PM series (SB_METRIC_PSPM): their own 20-ms frames, time k hop. */
  for (int m = 0; m < SB_PSM_COUNT; m++) {
    if (!r->pspm[m])
      continue;
    for (int j = 0; j < r->n_src; j++) {
      const double *values = r->pspm[m] + (size_t)j * (size_t)r->pspm_n_frames;
      sqlite3_bind_int64(st, 1, item_id);
      sqlite3_bind_text(st, 2, rec->targets[j], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, sb_pspm_metric_name(m), -1, SQLITE_STATIC);
      sqlite3_bind_double(st, 6, r->pspm_hop_s);
      for (int64_t k = 0; k < r->pspm_n_frames; k++) {
        sqlite3_bind_int64(st, 4, k);
        sqlite3_bind_double(st, 5, (double)k * r->pspm_hop_s);
        bind_real_or_null(st, 7, values[k]);
        if (sqlite3_step(st) != SQLITE_DONE) {
          err = store_db_error(s, "insert_frame_value", msg);
          stmt_release(st);
          return err;
        }
        sqlite3_reset(st);
      }
    }
  }
  stmt_release(st);
  return SB_OK;
}

static sb_err insert_track_values(sb_store *s, int64_t item_id, const sb_item_record *rec,
                                  sb_msg *msg)
{
  const sb_eval_result *r = rec->result;
  sqlite3_stmt *st;
  sb_err err = stmt_get(s, "insert_track_value", &st, msg);
  if (err)
    return err;
  for (int m = 0; m < SB_WM_COUNT; m++) {
    int computed = 0;
    for (int j = 0; j < r->n_src; j++)
      computed |= !isnan(r->whole[(size_t)j * SB_WM_COUNT + (size_t)m]);
    if (!computed)
      continue;
    for (int j = 0; j < r->n_src; j++) {
      sqlite3_bind_int64(st, 1, item_id);
      sqlite3_bind_text(st, 2, rec->targets[j], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, sb_whole_metric_name(m), -1, SQLITE_STATIC);
      bind_real_or_null(st, 4, r->whole[(size_t)j * SB_WM_COUNT + (size_t)m]);
      if (sqlite3_step(st) != SQLITE_DONE) {
        err = store_db_error(s, "insert_track_value", msg);
        stmt_release(st);
        return err;
      }
      sqlite3_reset(st);
    }
  }
  stmt_release(st);
  return SB_OK;
}

sb_err sb_store_put_item(sb_store *s, const sb_item_record *rec, sb_msg *msg)
{
  int64_t item_id = 0;
  int skip = 0;
  sb_err err;

  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_put_item: no store");
  err = check_record(s, rec, 1, msg);
  if (err)
    return err;
  err = exec_named(s, "begin_immediate", msg);
  if (err)
    return err;
  err = insert_item_row(s, rec, "done", NULL, &item_id, &skip, msg);
  if (err)
    goto fail;
  if (skip) {
    err = exec_named(s, "rollback", msg);
    return err;
  }
  err = insert_frame_values(s, item_id, rec, msg);
  if (err)
    goto fail;
  err = insert_track_values(s, item_id, rec, msg);
  if (err)
    goto fail;
  err = exec_named(s, "commit", msg);
  if (err)
    goto fail;
  return SB_OK;

fail:
  rollback_if_open(s);
  return err;
}

sb_err sb_store_put_failure(sb_store *s, const sb_item_record *rec, const char *error,
                            sb_msg *msg)
{
  int64_t item_id = 0;
  int skip = 0;
  sb_err err;

  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_put_failure: no store");
  if (!error)
    return store_error(s, msg, SB_EINVAL, "%s: failed item without error text", s->path);
  err = check_record(s, rec, 0, msg);
  if (err)
    return err;
  err = exec_named(s, "begin_immediate", msg);
  if (err)
    return err;
  err = insert_item_row(s, rec, "failed", error, &item_id, &skip, msg);
  if (err)
    goto fail;
  err = exec_named(s, skip ? "rollback" : "commit", msg);
  if (err)
    goto fail;
  return SB_OK;

fail:
  rollback_if_open(s);
  return err;
}

sb_err sb_store_query(sb_store *s, const char *name, sqlite3_stmt **stmt, sb_msg *msg)
{
  int i;
  if (!s || !name || !stmt)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_query: NULL argument");
  *stmt = NULL;
  i = query_index(name);
  if (i < 0)
    return store_error(s, msg, SB_ENOTFOUND, "%s: no query named '%s' in queries.sql", s->path,
                       name);
  if (sqlite3_prepare_v2(s->db, sb_sql_queries[i].sql, -1, stmt, NULL) != SQLITE_OK) {
    sqlite3_finalize(*stmt);
    *stmt = NULL;
    return store_db_error(s, name, msg);
  }
  return SB_OK;
}
