/* tests/schemas/test-store-concurrent.c — one NEW store opened by several
 * processes at the same instant (issue 12 item 5): each of N children
 * waits on a pipe until the parent closes it (a barrier, no sleep), then
 * opens the store (creation, WAL switch and migration race), records a
 * run, registers the shared suite and track, and writes its own item and
 * one item every child writes.  Every child must succeed, and the store
 * must hold each item once with all its values.  Repeated on fresh files,
 * since the race is won or lost at random (before the fix 10-20% of the
 * children failed with "set_journal_wal: database is locked" or "not a
 * sepbench store (an SQLite database with other tables)").
 *
 * Expectations are read with the test's own SQLite connection. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schemas/sql_text.h"
#include "schemas/store.h"
#include "tap.h"

#define N_CHILDREN 8
#define N_ROUNDS 12
#define N_FRAMES 50
#define CONFIG "v4;images;win=1;hop=1"

static const char *const targets[] = {"vocals", "accompaniment"};

/* A result of 2 sources with N_FRAMES SDR values and whole SDR values
 * that depend on `seed_value` (so distinct items hold distinct values). */
static sb_eval_result *make_result(double seed_value)
{
  sb_eval_result *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->n_src = 2;
  r->rate = 8000;
  r->n_frames = N_FRAMES;
  r->win = r->hop = 8000;
  r->frame[SB_FM_SDR] = malloc(2 * N_FRAMES * sizeof(double));
  r->whole = malloc(2 * SB_WM_COUNT * sizeof(double));
  if (!r->frame[SB_FM_SDR] || !r->whole) {
    free(r->frame[SB_FM_SDR]);
    free(r->whole);
    free(r);
    return NULL;
  }
  for (int i = 0; i < 2 * N_FRAMES; i++)
    r->frame[SB_FM_SDR][i] = seed_value + 0.01 * i;
  for (int i = 0; i < 2 * SB_WM_COUNT; i++)
    r->whole[i] = NAN;
  r->whole[SB_WM_SDR] = r->whole[SB_WM_COUNT + SB_WM_SDR] = seed_value;
  return r;
}

static void free_result(sb_eval_result **r)
{
  if (*r) {
    free((*r)->frame[SB_FM_SDR]);
    free((*r)->whole);
    free(*r);
    *r = NULL;
  }
}

/* Writes one item of method `method` (created when absent). */
static sb_err put(sb_store *s, int64_t run_id, int64_t track_id, const char *method, double value,
                  sb_msg *msg)
{
  int64_t method_id = 0;
  sb_eval_result *r = make_result(value);
  sb_err err = r ? sb_store_method(s, method, "test", NULL, &method_id) : SB_ENOMEM;
  if (!err) {
    sb_item_record rec = {run_id, track_id, method_id, CONFIG, 2, targets, r, 0.1, 1, 0};
    err = sb_store_put_item(s, &rec, msg);
  } else {
    sb_msg_set(msg, err, "%s", sb_store_errmsg(s));
  }
  free_result(&r);
  return err;
}

/* What a child does after the barrier; 0 on success. */
static int child(const char *path, int k)
{
  sb_store *s = NULL;
  sb_msg msg;
  int64_t run_id = 0, suite_id = 0, track_id = 0;
  char method[32];
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_store_open(path, &s, &msg);
  if (!err && (err = sb_store_run_begin(s, NULL, &run_id)) == SB_OK &&
      (err = sb_store_suite(s, "suite", "test", NULL, &suite_id)) == SB_OK)
    err = sb_store_track(s, suite_id, "track", "test", &track_id);
  if (err && s && !msg.text[0])
    sb_msg_set(&msg, err, "%s", sb_store_errmsg(s));
  snprintf(method, sizeof method, "m%d", k);
  if (!err)
    err = put(s, run_id, track_id, method, 10.0 * k, &msg);
  if (!err)
    err = put(s, run_id, track_id, "shared", -1.0, &msg);
  if (!err && sb_store_run_end(s, run_id, "done") != SB_OK) {
    err = SB_EDB;
    sb_msg_set(&msg, err, "%s", sb_store_errmsg(s));
  }
  if (err)
    printf("# child %d: %s\n", k, msg.text);
  sb_store_free(&s);
  return err != SB_OK;
}

static int64_t query_int(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t value = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

static void remove_store(const char *path)
{
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  char name[256];
  for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
    snprintf(name, sizeof name, "%s%s", path, suffix[i]);
    unlink(name);
  }
}

/* One round: N_CHILDREN processes start at once on the new store `path`.
 * Returns the number of children that failed. */
static int round_of_openers(const char *path)
{
  int barrier[2], failed = 0, status;
  pid_t pid;
  if (pipe(barrier) != 0)
    return N_CHILDREN;
  fflush(stdout);
  for (int k = 0; k < N_CHILDREN; k++) {
    pid = fork();
    if (pid == 0) {
      char byte;
      close(barrier[1]);
      /* read() returns 0 for every child when the parent closes the pipe. */
      if (read(barrier[0], &byte, 1) != 0)
        _exit(2);
      fflush(stdout);
      _exit(child(path, k));
    }
    if (pid < 0)
      failed++;
  }
  close(barrier[0]);
  close(barrier[1]);
  while ((pid = wait(&status)) > 0 || (pid < 0 && errno == EINTR))
    if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
      failed++;
  return failed;
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  char dir[128], path[192];
  int failed_children = 0, bad_stores = 0;
  const int64_t n_items = N_CHILDREN + 1;

  snprintf(dir, sizeof dir, "%s/sb-concurrent-XXXXXX", tmp && strlen(tmp) < 80 ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp %s: %s", dir, strerror(errno));
    return tap_done();
  }
  for (int round = 0; round < N_ROUNDS; round++) {
    int failed;
    snprintf(path, sizeof path, "%s/new-%d.db", dir, round);
    failed = round_of_openers(path);
    failed_children += failed;
    if (query_int(path, "PRAGMA user_version") != sb_sql_n_migrations ||
        query_int(path, "SELECT count(*) FROM runs WHERE status = 'done'") != N_CHILDREN ||
        query_int(path, "SELECT count(*) FROM items WHERE status = 'done'") != n_items ||
        query_int(path, "SELECT count(*) FROM frame_values") != n_items * 2 * N_FRAMES ||
        query_int(path, "SELECT count(*) FROM track_values") != n_items * 2 ||
        query_int(path, "SELECT count(*) FROM suites") != 1 ||
        query_int(path, "SELECT count(*) FROM tracks") != 1 ||
        query_int(path, "SELECT count(*) FROM methods") != n_items) {
      bad_stores++;
      tap_diag("round %d: %d children failed; store %s", round, failed, path);
    }
    if (round + 1 < N_ROUNDS || (failed_children == 0 && bad_stores == 0))
      remove_store(path);
  }
  tap_ok(failed_children == 0, "%d processes x %d rounds opened a new store at once and wrote"
         " their items (%d failed)", N_CHILDREN, N_ROUNDS, failed_children);
  tap_ok(bad_stores == 0, "every store holds %d runs, each of the %lld items once with all its"
         " values, one suite, track and method each (%d stores wrong)", N_CHILDREN,
         (long long)n_items, bad_stores);
  rmdir(dir);
  return tap_done();
}
