/*
 * schemas/store.c — the results store on SQLite (see store.h).
 *
 * Follows the SQLite documentation for WAL mode (sqlite.org/wal.html),
 * atomic commit (sqlite.org/atomiccommit.html) and UPSERT (3.24+).  Every
 * statement comes from schemas/queries.sql (by generated id) or a
 * migration (sql_text.h), is prepared once per connection
 * (schemas/statements.h) and receives every value through bound
 * parameters.  The readers are in store_read.c, merging in store_merge.c.
 *
 * Workload: put_item writes ~3,000-10,000 frame rows in one transaction
 * with one reused prepared statement; everything else is a handful of
 * single-row statements per item.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schemas/store.h"
#include "common/revision.h"
#include "metrics/metric_config.h"
#include "schemas/statements.h"
#include "schemas/store_plugins.h"

/* PRAGMA application_id of a sepbench store ("sepB"), set by 001_init.sql. */
#define SB_STORE_APPLICATION_ID 1936027714
/* Pause between two tries of the WAL switch (store_set_wal). */
#define SB_STORE_BUSY_RETRY_MS 5

/* Applies the migrations after schema version `version`, each in its own
 * write transaction. */
static sb_err store_migrate(sb_store *s, int64_t version, sb_msg *msg)
{
  sb_err err = SB_OK;
  for (; version < sb_sql_n_migrations; version++) {
    int64_t current = 0;
    int found = 0;
    char *why = NULL;
    err = sb_stmt_exec(s, SB_SQL_BEGIN_IMMEDIATE, msg);
    if (err)
      return err;
    /* Re-read inside the write lock: another process may have migrated. */
    err = sb_stmt_query_int(s, SB_SQL_GET_USER_VERSION, &current, &found, msg);
    if (err)
      goto fail;
    if (current > version) {
      err = sb_stmt_exec(s, SB_SQL_COMMIT, msg);
      if (err)
        goto fail;
      continue;
    }
    if (sqlite3_exec(s->db, sb_sql_migrations[version], NULL, NULL, &why) != SQLITE_OK) {
      err = sb_stmt_error(s, msg, SB_EDB, "%s: migration to schema version %lld failed: %s",
                          s->path, (long long)version + 1, why ? why : sqlite3_errmsg(s->db));
      sqlite3_free(why);
      goto fail;
    }
    err = sb_stmt_query_int(s, SB_SQL_GET_USER_VERSION, &current, &found, msg);
    if (err)
      goto fail;
    if (current != version + 1) {
      err = sb_stmt_error(s, msg, SB_EDB, "%s: migration %lld left user_version at %lld", s->path,
                          (long long)version + 1, (long long)current);
      goto fail;
    }
    err = sb_stmt_exec(s, SB_SQL_COMMIT, msg);
    if (err)
      goto fail;
  }
  return SB_OK;

fail:
  sb_stmt_rollback_if_open(s);
  return err;
}

/* Reads the schema version, application id and number of schema objects
 * in one read transaction: a concurrent opener may be migrating the new
 * file, and three separate reads could see the version before its commit
 * and the tables after it. */
static sb_err store_read_identity(sb_store *s, int64_t *version, int64_t *app_id,
                                  int64_t *n_objects, sb_msg *msg)
{
  int found = 0;
  sb_err err = sb_stmt_exec(s, SB_SQL_BEGIN_DEFERRED, msg);
  if (err)
    return err;
  err = sb_stmt_query_int(s, SB_SQL_GET_USER_VERSION, version, &found, NULL);
  if (err) {
    /* Stepping the first statement reads the file header. */
    if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB)
      err = sb_stmt_error(s, msg, SB_EDB, "%s: not a sepbench store (%s)", s->path,
                          sqlite3_errmsg(s->db));
    else
      err = sb_msg_set(msg, err, "%s", s->errmsg);
    goto fail;
  }
  err = sb_stmt_query_int(s, SB_SQL_GET_APPLICATION_ID, app_id, &found, msg);
  if (!err)
    err = sb_stmt_query_int(s, SB_SQL_COUNT_SCHEMA_OBJECTS, n_objects, &found, msg);
  if (!err)
    err = sb_stmt_exec(s, SB_SQL_COMMIT, msg);
  if (!err)
    return SB_OK;
fail:
  sb_stmt_rollback_if_open(s);
  return err;
}

/* Refuses files that are not (yet) sepbench stores of a version we know,
 * before anything is written to them. */
static sb_err store_check_identity(sb_store *s, int64_t *version_out, sb_msg *msg)
{
  int64_t version = 0, app_id = 0, n_objects = 0;
  sb_err err = store_read_identity(s, &version, &app_id, &n_objects, msg);
  if (err)
    return err;
  if (version > 0 && app_id != SB_STORE_APPLICATION_ID)
    return sb_stmt_error(s, msg, SB_EDB,
                         "%s: not a sepbench store (SQLite database of application id %lld)",
                         s->path, (long long)app_id);
  if (version > sb_sql_n_migrations)
    return sb_stmt_error(s, msg, SB_EDB,
                         "%s: store schema version %lld is newer than this sepbench %s supports"
                         " (%d); upgrade sepbench",
                         s->path, (long long)version, PACKAGE_VERSION, sb_sql_n_migrations);
  if (version == 0 && n_objects > 0)
    return sb_stmt_error(s, msg, SB_EDB,
                         "%s: not a sepbench store (an SQLite database with other tables)",
                         s->path);
  *version_out = version;
  return SB_OK;
}

/* Switches the store to WAL.  On a file still in rollback mode (a new
 * store) the switch upgrades a read lock to a write lock, and SQLite does
 * not call the busy handler for that upgrade (waiting could deadlock two
 * such upgraders): a concurrent opener gets SQLITE_BUSY at once.  The
 * statement holds no lock after its reset, so it is retried here, for as
 * long as the busy timeout. */
static sb_err store_set_wal(sb_store *s, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, SB_SQL_SET_JOURNAL_WAL, &st, msg);
  const char *mode;
  int rc, waited_ms = 0;
  if (err)
    return err;
  while ((rc = sqlite3_step(st)) != SQLITE_ROW) {
    if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= SB_STORE_BUSY_TIMEOUT_MS) {
      err = sb_stmt_db_error(s, SB_SQL_SET_JOURNAL_WAL, msg);
      sb_stmt_release(st);
      return err;
    }
    sqlite3_reset(st);
    waited_ms += sqlite3_sleep(SB_STORE_BUSY_RETRY_MS);
  }
  mode = (const char *)sqlite3_column_text(st, 0);
  if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
    err = sb_stmt_error(s, msg, SB_EDB, "%s: cannot use WAL journal mode (mode stays '%s')",
                        s->path, mode ? mode : "?");
  sb_stmt_release(st);
  return err;
}

/* The message of a failed sqlite3_open_v2 (db may be NULL).  SQLite's
 * text is generic ("unable to open database file") and its errno is that
 * of its last try, so the reason is asked of the file system: a missing
 * store whose folder cannot be written, or a store that cannot be read. */
static sb_err open_failure(const char *path, sqlite3 *db, int rc, sb_msg *msg)
{
  char folder[4096];
  const char *slash = strrchr(path, '/');
  const char *why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (rc == SQLITE_NOMEM)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
  if (access(path, F_OK) != 0 && access(folder, W_OK) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot create the store: %s (%s)", path, why,
                      strerror(errno));
  if (access(path, F_OK) == 0 && access(path, R_OK) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s (%s)", path, why, strerror(errno));
  return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, why);
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
  if (!s->path) {
    err = sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  /* NOMUTEX (multi-thread mode): the caller serialises every call on one
   * sb_store (store.h), so SQLite need not lock the connection around each
   * of the ~10 calls per row a reader makes. */
  rc = sqlite3_open_v2(path, &s->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                         (create ? SQLITE_OPEN_CREATE : 0),
                       NULL);
  if (rc != SQLITE_OK) {
    err = open_failure(path, s->db, rc, msg);
    goto fail;
  }
  /* SQLite opens a file it may not write read-only, and says so only at the
   * first write: a writer refuses it now, with the system's reason. */
  if (create && sqlite3_db_readonly(s->db, "main") == 1) {
    err = sb_msg_set(msg, SB_EIO, "%s: the store is read-only (%s): results cannot be written", path,
                     access(path, W_OK) != 0 ? strerror(errno) : "opened read-only");
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
  err = sb_stmt_exec(s, SB_SQL_SET_FOREIGN_KEYS, msg);
  if (err)
    goto fail;
  err = sb_stmt_exec(s, SB_SQL_SET_SYNCHRONOUS, msg);
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
  for (int i = 0; i < SB_SQL_N_QUERIES; i++)
    sqlite3_finalize((*s)->cache[i]);
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
  err = sb_stmt_get(s, SB_SQL_INSERT_RUN, &st, NULL);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, PACKAGE_VERSION, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, sb_git_revision()[0] ? sb_git_revision() : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, host[0] ? host : NULL, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, info->command, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, info->suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, info->backends, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, info->metric_params, -1, SQLITE_STATIC);
  err = sb_stmt_run(s, st, SB_SQL_INSERT_RUN, NULL);
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
    return sb_stmt_error(s, NULL, SB_EINVAL, "%s: run status '%s' is not one of running, done,"
                         " interrupted, failed", s->path, status ? status : "(null)");
  err = sb_stmt_get(s, SB_SQL_END_RUN, &st, NULL);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
  err = sb_stmt_run(s, st, SB_SQL_END_RUN, NULL);
  if (err)
    return err;
  if (sqlite3_changes(s->db) == 0)
    return sb_stmt_error(s, NULL, SB_ENOTFOUND, "%s: no run %lld", s->path, (long long)run_id);
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
static sb_err get_or_create(sb_store *s, sb_sql_id insert, sb_sql_id select, int64_t parent,
                            const char *name, const char *const attr[2], int64_t *id)
{
  sqlite3_stmt *st;
  int found = 0;
  int column;
  sb_err err;

  if (!s)
    return SB_EINVAL;
  if (!name || !id)
    return sb_stmt_error(s, NULL, SB_EINVAL, "%s: %s: name or output NULL", s->path,
                         sb_sql_queries[insert].name);
  err = sb_stmt_get(s, insert, &st, NULL);
  if (err)
    return err;
  column = bind_key(st, parent, name);
  for (int a = 0; a < 2 && column <= sqlite3_bind_parameter_count(st); a++)
    sqlite3_bind_text(st, column++, attr[a], -1, SQLITE_STATIC);
  err = sb_stmt_run(s, st, insert, NULL);
  if (err)
    return err;

  err = sb_stmt_get(s, select, &st, NULL);
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
    err = sb_stmt_db_error(s, select, NULL);
    break;
  }
  sb_stmt_release(st);
  if (!err && !found)
    err = sb_stmt_error(s, NULL, SB_EDB, "%s: %s: row vanished after insert", s->path,
                        sb_sql_queries[select].name);
  return err;
}

sb_err sb_store_suite(sb_store *s, const char *name, const char *kind, const char *root,
                      int64_t *suite_id)
{
  const char *const attr[2] = {kind, root};
  return get_or_create(s, SB_SQL_INSERT_SUITE, SB_SQL_SELECT_SUITE, 0, name, attr, suite_id);
}

sb_err sb_store_track(sb_store *s, int64_t suite_id, const char *name, const char *subset,
                      int64_t *track_id)
{
  const char *const attr[2] = {subset, NULL};
  if (s && suite_id <= 0)
    return sb_stmt_error(s, NULL, SB_EINVAL, "%s: track '%s': invalid suite id %lld", s->path,
                         name ? name : "(null)", (long long)suite_id);
  return get_or_create(s, SB_SQL_INSERT_TRACK, SB_SQL_SELECT_TRACK, suite_id, name, attr, track_id);
}

sb_err sb_store_method(sb_store *s, const char *name, const char *backend, const char *params,
                       int64_t *method_id)
{
  const char *const attr[2] = {backend, params};
  return get_or_create(s, SB_SQL_INSERT_METHOD, SB_SQL_SELECT_METHOD, 0, name, attr, method_id);
}

/* ---------------------------------------------------------------- items */

/* Looks up the item of (track, method, config): *item_id = 0 when absent,
 * *is_done = 1 when its status is 'done'. */
static sb_err find_item(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                        int64_t *item_id, int *is_done, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, SB_SQL_SELECT_ITEM, &st, msg);
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
    err = sb_stmt_db_error(s, SB_SQL_SELECT_ITEM, msg);
    break;
  }
  sb_stmt_release(st);
  return err;
}

sb_err sb_store_item_done(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                          int *done)
{
  int64_t item_id;
  if (!s || !config || !done)
    return s ? sb_stmt_error(s, NULL, SB_EINVAL, "%s: item_done: config or output NULL", s->path)
             : SB_EINVAL;
  return find_item(s, track_id, method_id, config, &item_id, done, NULL);
}

sb_err sb_store_item_forget(sb_store *s, int64_t track_id, int64_t method_id,
                            const char *config)
{
  sqlite3_stmt *st;
  sb_err err;
  if (!s || !config)
    return s ? sb_stmt_error(s, NULL, SB_EINVAL, "%s: item_forget: config NULL", s->path)
             : SB_EINVAL;
  err = sb_stmt_get(s, SB_SQL_FORGET_ITEM, &st, NULL);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, track_id);
  sqlite3_bind_int64(st, 2, method_id);
  sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
  return sb_stmt_run(s, st, SB_SQL_FORGET_ITEM, NULL);
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
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: item record or its config is NULL", s->path);
  if (rec->track_id <= 0 || rec->method_id <= 0)
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: item record without track or method id", s->path);
  r = rec->result;
  if (!r)
    return need_result ? sb_stmt_error(s, msg, SB_EINVAL, "%s: item record without result",
                                       s->path)
                       : SB_OK;
  if (r->rate <= 0 || r->n_frames < 0 || r->win < 0 || r->hop < 0 || r->n_src < 1)
    return sb_stmt_error(s, msg, SB_EINVAL,
                         "%s: result with rate %d, n_src %d, %lld frames, win %lld, hop %lld",
                         s->path, r->rate, r->n_src, (long long)r->n_frames, (long long)r->win,
                         (long long)r->hop);
  if (!need_result)
    return SB_OK;
  if (rec->n_targets != r->n_src || !rec->targets)
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: %d target names for %d evaluated sources",
                         s->path, rec->n_targets, r->n_src);
  for (int j = 0; j < rec->n_targets; j++)
    if (!rec->targets[j])
      return sb_stmt_error(s, msg, SB_EINVAL, "%s: target name %d is NULL", s->path, j);
  if (!r->whole)
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: result without whole-signal values", s->path);
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
    err = sb_stmt_get(s, SB_SQL_DELETE_ITEM, &st, msg);
    if (err)
      return err;
    sqlite3_bind_int64(st, 1, old_id);
    err = sb_stmt_run(s, st, SB_SQL_DELETE_ITEM, msg);
    if (err)
      return err;
  }
  if (r && (perm_json(r->perm, r->n_src, &perm) != SB_OK ||
            perm_json(r->perm_si, r->n_src, &perm_si) != SB_OK)) {
    err = sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
    goto done;
  }
  err = sb_stmt_get(s, SB_SQL_INSERT_ITEM, &st, msg);
  if (err)
    goto done;
  if (rec->run_id > 0)
    sqlite3_bind_int64(st, 1, rec->run_id);
  sqlite3_bind_int64(st, 2, rec->track_id);
  sqlite3_bind_int64(st, 3, rec->method_id);
  sqlite3_bind_text(st, 4, rec->config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
  sb_stmt_bind_real(st, 7, rec->wall_s);
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
  err = sb_stmt_run(s, st, SB_SQL_INSERT_ITEM, msg);
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
  sb_err err = sb_stmt_get(s, SB_SQL_INSERT_FRAME_VALUE, &st, msg);
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
        sb_stmt_bind_real(st, 7, values[k]);
        if (sqlite3_step(st) != SQLITE_DONE) {
          err = sb_stmt_db_error(s, SB_SQL_INSERT_FRAME_VALUE, msg);
          sb_stmt_release(st);
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
        sb_stmt_bind_real(st, 7, values[k]);
        if (sqlite3_step(st) != SQLITE_DONE) {
          err = sb_stmt_db_error(s, SB_SQL_INSERT_FRAME_VALUE, msg);
          sb_stmt_release(st);
          return err;
        }
        sqlite3_reset(st);
      }
    }
  }
  sb_stmt_release(st);
  return SB_OK;
}

static sb_err insert_track_values(sb_store *s, int64_t item_id, const sb_item_record *rec,
                                  sb_msg *msg)
{
  const sb_eval_result *r = rec->result;
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, SB_SQL_INSERT_TRACK_VALUE, &st, msg);
  if (err)
    return err;
  for (int m = 0; m < SB_WM_COUNT; m++) {
    int computed = 0;
    if (sb_whole_metric_groups(m) & rec->recorded)
      continue;
    for (int j = 0; j < r->n_src; j++)
      computed |= !isnan(r->whole[(size_t)j * SB_WM_COUNT + (size_t)m]);
    if (!computed)
      continue;
    for (int j = 0; j < r->n_src; j++) {
      sqlite3_bind_int64(st, 1, item_id);
      sqlite3_bind_text(st, 2, rec->targets[j], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, sb_whole_metric_name(m), -1, SQLITE_STATIC);
      sb_stmt_bind_real(st, 4, r->whole[(size_t)j * SB_WM_COUNT + (size_t)m]);
      if (sqlite3_step(st) != SQLITE_DONE) {
        err = sb_stmt_db_error(s, SB_SQL_INSERT_TRACK_VALUE, msg);
        sb_stmt_release(st);
        return err;
      }
      sqlite3_reset(st);
    }
  }
  sb_stmt_release(st);
  return SB_OK;
}

sb_err sb_store_put_item(sb_store *s, const sb_item_record *rec, sb_msg *msg)
{
  return sb_store_put_item_plugins(s, rec, 0, NULL, msg);
}

sb_err sb_store_put_item_plugins(sb_store *s, const sb_item_record *rec, int n_plugins,
                                 const sb_plugin_record *plugins, sb_msg *msg)
{
  int64_t item_id = 0;
  int skip = 0;
  sb_err err;

  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_put_item: no store");
  if (n_plugins < 0 || (n_plugins > 0 && !plugins))
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: %d plug-in records without data", s->path, n_plugins);
  err = check_record(s, rec, 1, msg);
  if (err)
    return err;
  err = sb_stmt_exec(s, SB_SQL_BEGIN_IMMEDIATE, msg);
  if (err)
    return err;
  err = insert_item_row(s, rec, "done", NULL, &item_id, &skip, msg);
  if (err)
    goto fail;
  if (skip) {
    err = sb_stmt_exec(s, SB_SQL_ROLLBACK, msg);
    return err;
  }
  err = insert_frame_values(s, item_id, rec, msg);
  if (err)
    goto fail;
  err = insert_track_values(s, item_id, rec, msg);
  if (err)
    goto fail;
  err = sb_store_write_plugins(s, item_id, rec, n_plugins, plugins, msg);
  if (err)
    goto fail;
  err = sb_stmt_exec(s, SB_SQL_COMMIT, msg);
  if (err)
    goto fail;
  return SB_OK;

fail:
  sb_stmt_rollback_if_open(s);
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
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: failed item without error text", s->path);
  err = check_record(s, rec, 0, msg);
  if (err)
    return err;
  err = sb_stmt_exec(s, SB_SQL_BEGIN_IMMEDIATE, msg);
  if (err)
    return err;
  err = insert_item_row(s, rec, "failed", error, &item_id, &skip, msg);
  if (err)
    goto fail;
  err = sb_stmt_exec(s, skip ? SB_SQL_ROLLBACK : SB_SQL_COMMIT, msg);
  if (err)
    goto fail;
  return SB_OK;

fail:
  sb_stmt_rollback_if_open(s);
  return err;
}
