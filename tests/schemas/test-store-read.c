/* tests/schemas/test-store-read.c — the typed readers of the store
 * (schemas/store_read.c) on rows planted with plain SQL (an independent
 * SQLite connection of the test, never the store's writers): values of a
 * config by kind with their order, suite filter and NaN/inf encoding,
 * 'failed' items left out, tracks of one name in two suites kept apart, the
 * newest config, items and their values, timeline points, runs, a callback
 * that stops the reading, a reader re-entered from its own callback, and
 * NULL arguments. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schemas/store.h"
#include "schemas/store_read.h"
#include "tap.h"

/* suites music (1), speech (2); tracks t1 (music), t2 (music, no subset),
 * t1 (speech); methods zeta (id 1) and alpha (id 2): ids and names sort in
 * opposite orders.  Items: 1 zeta/t1, 2 zeta/t2, 3 alpha/t1, 4 alpha/t1
 * (speech), 5 alpha/t2 'failed', all cfgA; 6 zeta/t1 cfgB (newest, per-track
 * values only). */
static const char plant[] =
  "INSERT INTO suites (id, name) VALUES (1, 'music'), (2, 'speech');"
  "INSERT INTO tracks (id, suite_id, name, subset) VALUES (1, 1, 't1', 'test'),"
  " (2, 1, 't2', NULL), (3, 2, 't1', 'dev');"
  "INSERT INTO methods (id, name) VALUES (1, 'zeta'), (2, 'alpha');"
  "INSERT INTO runs (id, started_at, status, sepbench_version, host, command, suite, backends,"
  " metric_params) VALUES (1, '2024-01-01T00:00:00.000Z', 'done', '0.1.0', 'h1', 'run one',"
  " 'music', 'zeta,alpha', '{\"mode\": \"v4\"}'),"
  " (2, '2024-01-02T00:00:00.000Z', 'interrupted', '0.1.0', NULL, 'run two', NULL, NULL, NULL);"
  "INSERT INTO items (id, run_id, track_id, method_id, config, status, finished_at) VALUES"
  " (1, 1, 1, 1, 'cfgA', 'done', 'x'), (2, 1, 2, 1, 'cfgA', 'done', 'x'),"
  " (3, 1, 1, 2, 'cfgA', 'done', 'x'), (4, 1, 3, 2, 'cfgA', 'done', 'x'),"
  " (5, 1, 2, 2, 'cfgA', 'failed', 'x'), (6, 2, 1, 1, 'cfgB', 'done', 'x');"
  "INSERT INTO frame_values (item_id, target, metric, frame, time_s, duration_s, value) VALUES"
  " (1, 'vocals', 'SDR', 0, 0.0, 1.0, 1.0), (1, 'vocals', 'SDR', 1, 1.0, 1.0, NULL),"
  " (1, 'drums', 'SDR', 0, 0.0, 1.0, 2.0), (1, 'vocals', 'SIR', 0, 0.0, 1.0, 9.0),"
  " (2, 'vocals', 'SDR', 0, 0.0, 1.0, 3.0), (3, 'vocals', 'SDR', 0, 0.0, 1.0, -9e999),"
  " (4, 'vocals', 'SDR', 0, 0.0, 1.0, 5.0), (5, 'vocals', 'SDR', 0, 0.0, 1.0, 100.0);"
  "INSERT INTO track_values (item_id, target, metric, value) VALUES"
  " (1, 'vocals', 'SI-SDR', 7.5), (6, 'vocals', 'SI-SDR', 8.5), (6, 'drums', 'SI-SDR', 9e999);";

static char dir[64], path[128];

/* Rows as text, one per line, for comparing with a literal. */
typedef struct rows {
  char text[2048];
  int n;
  int stop_after; /* > 0: the callback fails with SB_EIO after this many rows */
  sb_store *s;    /* for the re-entry check */
} rows;

static void add_line(rows *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(rows *r, const char *fmt, ...)
{
  size_t used = strlen(r->text);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->text + used, sizeof r->text - used, fmt, ap);
  va_end(ap);
  r->n++;
}

static sb_err on_value(void *ctx, const sb_store_value *v, sb_msg *msg)
{
  rows *r = ctx;
  add_line(r, "%s %s %s#%lld %s %g %g\n", v->suite, v->method, v->track, (long long)v->track_id,
           v->target, v->value, v->duration_s);
  if (r->stop_after > 0 && r->n >= r->stop_after)
    return sb_msg_set(msg, SB_EIO, "stopped after %d rows", r->n);
  return SB_OK;
}

static sb_err on_item(void *ctx, const sb_store_item *it, sb_msg *msg)
{
  (void)msg;
  add_line(ctx, "%lld %s %s %s %s\n", (long long)it->id, it->suite, it->method, it->track,
           it->subset ? it->subset : "(null)");
  return SB_OK;
}

static sb_err on_item_value(void *ctx, const sb_store_item_value *v, sb_msg *msg)
{
  (void)msg;
  add_line(ctx, "%s %s %lld %g %g %g\n", v->target, v->metric, (long long)v->frame, v->time_s,
           v->duration_s, v->value);
  return SB_OK;
}

static sb_err on_point(void *ctx, const sb_store_point *p, sb_msg *msg)
{
  (void)msg;
  add_line(ctx, "%s %g %g\n", p->method, p->time_s, p->value);
  return SB_OK;
}

static sb_err on_run(void *ctx, const sb_store_run *run, sb_msg *msg)
{
  (void)msg;
  add_line(ctx, "%lld %s %s %s %s %s %s\n", (long long)run->id, run->status, run->command,
           run->host ? run->host : "(null)", run->suite ? run->suite : "(null)",
           run->backends ? run->backends : "(null)",
           run->metric_params ? run->metric_params : "(null)");
  return SB_OK;
}

/* Calls the reader that is calling it. */
static sb_err reenter(void *ctx, const sb_store_value *v, sb_msg *msg)
{
  rows *r = ctx;
  (void)v;
  r->n++;
  return sb_store_each_value(r->s, NULL, "cfgA", "SDR", SB_STORE_FRAMES, on_value, r, msg);
}

static int plant_rows(void)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open(path, &db);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, plant, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

static void test_values(sb_store *s)
{
  rows r = {.n = 0};
  sb_msg msg = {{0}};
  tap_ok(sb_store_each_value(s, NULL, "cfgA", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) == SB_OK,
         "frame values of cfgA/SDR (%s)", msg.text);
  /* method id, track id, target; the two frames of zeta/t1/vocals in either order */
  tap_ok(strstr(r.text, "music zeta t1#1 drums 2 1\n") == r.text &&
             (strstr(r.text, "music zeta t1#1 vocals 1 1\nmusic zeta t1#1 vocals nan 1\n") ||
              strstr(r.text, "music zeta t1#1 vocals nan 1\nmusic zeta t1#1 vocals 1 1\n")) &&
             strstr(r.text, "1\nmusic zeta t2#2 vocals 3 1\nmusic alpha t1#1 vocals -inf 1\n"
                            "speech alpha t1#3 vocals 5 1\n") &&
             r.n == 6,
         "6 rows grouped by method id, track id, target; NULL as NaN, -inf kept; the failed"
         " item left out:\n%s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_value(s, "speech", "cfgA", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) ==
                 SB_OK &&
             strcmp(r.text, "speech alpha t1#3 vocals 5 1\n") == 0,
         "the suite filter keeps speech's t1 apart from music's: %s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_value(s, NULL, "cfgB", "SI-SDR", SB_STORE_TRACKS, on_value, &r, &msg) ==
                 SB_OK &&
             strcmp(r.text, "music zeta t1#1 drums inf nan\nmusic zeta t1#1 vocals 8.5 nan\n") == 0,
         "per-track values: +inf kept, no duration: %s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_value(s, NULL, "cfgZ", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) == SB_OK &&
             r.n == 0,
         "an unknown config reads no row");
  memset(&r, 0, sizeof r);
  r.stop_after = 2;
  tap_ok(sb_store_each_value(s, NULL, "cfgA", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) ==
                 SB_EIO &&
             r.n == 2 && strcmp(msg.text, "stopped after 2 rows") == 0,
         "a failing callback stops the reading and its error is returned (%s)", msg.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_value(s, NULL, "cfgA", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) == SB_OK &&
             r.n == 6,
         "the store reads again after a stopped reading");
  memset(&r, 0, sizeof r);
  r.s = s;
  tap_ok(sb_store_each_value(s, NULL, "cfgA", "SDR", SB_STORE_FRAMES, reenter, &r, &msg) == SB_EDB &&
             strstr(msg.text, "used again before it finished") && r.n == 1,
         "a reader called from its own callback is refused: %s", msg.text);
}

static void test_configs(sb_store *s)
{
  static const struct {
    const char *suite, *metric;
    sb_store_kind kind;
    const char *want, *what; /* want NULL: no config */
  } cases[] = {
    {NULL, "SI-SDR", SB_STORE_TRACKS, "cfgB", "per-track SI-SDR: cfgB, the newest"},
    {NULL, "SDR", SB_STORE_FRAMES, "cfgA", "frame SDR: cfgA (cfgB has none)"},
    {"speech", "SI-SDR", SB_STORE_TRACKS, NULL, "speech's per-track SI-SDR: none (NULL, SB_OK)"},
    {NULL, "SIR", SB_STORE_FRAMES, "cfgA", "frame SIR: cfgA"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *config = NULL;
    sb_msg msg = {{0}};
    sb_err err = sb_store_newest_config(s, cases[i].suite, cases[i].metric, cases[i].kind, &config,
                                        &msg);
    tap_ok(err == SB_OK && (cases[i].want ? config && strcmp(config, cases[i].want) == 0 : !config),
           "newest config with %s", cases[i].what);
    free(config);
  }
}

static void test_items(sb_store *s)
{
  rows r = {.n = 0};
  sb_msg msg = {{0}};
  tap_ok(sb_store_each_item(s, NULL, "cfgA", NULL, on_item, &r, &msg) == SB_OK &&
             strcmp(r.text, "3 music alpha t1 test\n4 speech alpha t1 dev\n1 music zeta t1 test\n"
                            "2 music zeta t2 (null)\n") == 0,
         "items by method name, track name, track id; subset NULL kept; no failed item:\n%s",
         r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_item(s, "music", "cfgA", "zeta", on_item, &r, &msg) == SB_OK &&
             strcmp(r.text, "1 music zeta t1 test\n2 music zeta t2 (null)\n") == 0,
         "the method and suite filters: %s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_item_value(s, 1, SB_STORE_FRAMES, on_item_value, &r, &msg) == SB_OK &&
             strcmp(r.text, "drums SDR 0 0 1 2\nvocals SDR 0 0 1 1\nvocals SIR 0 0 1 9\n"
                            "vocals SDR 1 1 1 nan\n") == 0,
         "an item's frame values by target, frame, metric:\n%s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_item_value(s, 6, SB_STORE_TRACKS, on_item_value, &r, &msg) == SB_OK &&
             strcmp(r.text, "drums SI-SDR -1 nan nan inf\nvocals SI-SDR -1 nan nan 8.5\n") == 0,
         "an item's per-track values (frame -1, no times): %s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_item_value(s, 99, SB_STORE_FRAMES, on_item_value, &r, &msg) == SB_OK &&
             r.n == 0,
         "an unknown item has no values");
}

static void test_points_and_runs(sb_store *s)
{
  rows r = {.n = 0};
  sb_msg msg = {{0}};
  tap_ok(sb_store_each_point(s, "music", "cfgA", "t1", "vocals", "SDR", on_point, &r, &msg) ==
                 SB_OK &&
             strcmp(r.text, "alpha 0 -inf\nzeta 0 1\nzeta 1 nan\n") == 0,
         "timeline points by method name then frame:\n%s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_run(s, "cfgA", on_run, &r, &msg) == SB_OK &&
             strcmp(r.text, "1 done run one h1 music zeta,alpha {\"mode\": \"v4\"}\n") == 0,
         "the runs of cfgA: %s", r.text);
  memset(&r, 0, sizeof r);
  tap_ok(sb_store_each_run(s, "cfgB", on_run, &r, &msg) == SB_OK &&
             strcmp(r.text, "2 interrupted run two (null) (null) (null) (null)\n") == 0,
         "the runs of cfgB, NULL texts kept: %s", r.text);
}

static void test_bad_arguments(sb_store *s)
{
  rows r = {.n = 0};
  char *config = NULL;
  sb_msg msg = {{0}};
  tap_ok(sb_store_each_value(NULL, NULL, "cfgA", "SDR", SB_STORE_FRAMES, on_value, &r, &msg) ==
             SB_EINVAL,
         "a NULL store: %s", msg.text);
  tap_ok(sb_store_each_value(s, NULL, NULL, "SDR", SB_STORE_FRAMES, on_value, &r, &msg) ==
                 SB_EINVAL &&
             strstr(msg.text, path),
         "a NULL config: %s", msg.text);
  tap_ok(sb_store_each_item(s, NULL, "cfgA", NULL, NULL, &r, &msg) == SB_EINVAL,
         "a NULL callback: %s", msg.text);
  tap_ok(sb_store_each_point(s, NULL, "cfgA", NULL, "vocals", "SDR", on_point, &r, &msg) ==
             SB_EINVAL,
         "a NULL track: %s", msg.text);
  tap_ok(sb_store_newest_config(s, NULL, NULL, SB_STORE_FRAMES, &config, &msg) == SB_EINVAL,
         "a NULL metric: %s", msg.text);
  tap_ok(r.n == 0, "no callback ran for bad arguments");
}

int main(void)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/sb-read-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp %s", dir);
    return tap_done();
  }
  snprintf(path, sizeof path, "%s/store.db", dir);
  tap_ok(sb_store_open(path, &s, &msg) == SB_OK, "a new store (%s)", msg.text);
  sb_store_free(&s);
  tap_ok(plant_rows(), "rows planted with plain SQL");
  tap_ok(sb_store_open_existing(path, &s, &msg) == SB_OK && s, "the store opens (%s)", msg.text);
  if (s) {
    test_values(s);
    test_configs(s);
    test_items(s);
    test_points_and_runs(s);
    test_bad_arguments(s);
  }
  sb_store_free(&s);
  {
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    tap_ok(system(cmd) == 0, "clean up");
  }
  return tap_done();
}
