/* tests/schemas/test-store.c — the results store: creation and migration
 * (user_version, application_id, WAL), reopening, get-or-create of suites,
 * tracks and methods, runs, an item with planted values (NaN -> NULL, +inf
 * and -inf kept), idempotent puts, failure then success, bad arguments, a
 * writer killed (SIGKILL) or _exit()ing in the middle of a transaction,
 * a garbage file, a foreign SQLite file, a newer schema version, and a
 * store of schema version 1 (001 only) migrated to the version of this
 * build (sb_sql_n_migrations: 3 with 003_plugin_metrics.sql).
 *
 * Every expectation is read back with an independent SQLite connection of
 * the test (plain SQL on the file), never through the code under test. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schemas/sql_text.h"
#include "schemas/store.h"
#include "schemas/store_read.h"
#include "tap.h"

#define SEED 20241121u
#define CONFIG "v4:images:win=8000:hop=4000:taps=512:silent=all"

static char dir[64];
static char path[128];

/* ---------------------------------------------------------------- helpers */

/* xorshift64*: seeded uniform numbers in [-1, 1). */
static double uniform(uint64_t *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (double)((*state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* First column of the first row of sql on a fresh connection (?1 = int
 * parameter when bind >= 0); -1 on any error. */
static int64_t raw_int(const char *sql, int64_t bind)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t value = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
    if (bind >= 0)
      sqlite3_bind_int64(st, 1, bind);
    if (sqlite3_step(st) == SQLITE_ROW)
      value = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

/* The same for a text column, copied into buf ("" when absent/NULL). */
static const char *raw_text(const char *sql, int64_t bind, char *buf, size_t len)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  buf[0] = '\0';
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
    if (bind >= 0)
      sqlite3_bind_int64(st, 1, bind);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return buf;
}

/* One frame value: *type = SQLITE_NULL/SQLITE_FLOAT/..., -1 when absent. */
static double raw_frame(int64_t item, const char *target, const char *metric, int frame,
                        int *type, double *time_s, double *duration_s)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  double value = NAN;
  *type = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT value, time_s, duration_s FROM frame_values WHERE item_id = ?1"
                         " AND target = ?2 AND metric = ?3 AND frame = ?4",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, item);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, frame);
    if (sqlite3_step(st) == SQLITE_ROW) {
      *type = sqlite3_column_type(st, 0);
      value = sqlite3_column_double(st, 0);
      *time_s = sqlite3_column_double(st, 1);
      *duration_s = sqlite3_column_double(st, 2);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

static double raw_track(int64_t item, const char *target, const char *metric, int *type)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  double value = NAN;
  *type = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT value FROM track_values WHERE item_id = ?1 AND target = ?2"
                         " AND metric = ?3",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, item);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      *type = sqlite3_column_type(st, 0);
      value = sqlite3_column_double(st, 0);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

/* Runs a statement that writes (test setup of foreign or future files). */
static int raw_exec(const char *file, const char *sql)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open(file, &db);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

/* A fake evaluation result: n_src sources, n_frames frames, the frame
 * metrics in `frame_mask` (bit m = SB_FM m) allocated and zero, every whole
 * value NaN. */
static sb_eval_result *fake_result(int n_src, int64_t n_frames, unsigned frame_mask)
{
  sb_eval_result *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->n_src = n_src;
  r->rate = 8000;
  r->n_frames = n_frames;
  r->win = 8000;
  r->hop = 4000;
  for (int m = 0; m < SB_FM_COUNT; m++)
    if (frame_mask & (1u << m))
      r->frame[m] = calloc((size_t)(n_src * n_frames), sizeof(double));
  r->whole = malloc((size_t)n_src * SB_WM_COUNT * sizeof(double));
  r->perm = malloc((size_t)n_src * sizeof(int));
  if (r->whole)
    for (int i = 0; i < n_src * SB_WM_COUNT; i++)
      r->whole[i] = NAN;
  if (r->perm)
    for (int j = 0; j < n_src; j++)
      r->perm[j] = j;
  return r;
}

static void fake_free(sb_eval_result **r)
{
  if (!*r)
    return;
  for (int m = 0; m < SB_FM_COUNT; m++)
    free((*r)->frame[m]);
  free((*r)->whole);
  free((*r)->perm);
  free((*r)->perm_si);
  free((*r)->frame_flags);
  free(*r);
  *r = NULL;
}

static void remove_store_files(const char *base)
{
  char name[160];
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
    snprintf(name, sizeof name, "%s%s", base, suffix[i]);
    unlink(name);
  }
}

static const char *const targets2[] = {"vocals", "accompaniment"};
static const char *const targets4[] = {"vocals", "drums", "bass", "other"};

/* ---------------------------------------------------------------- tests */

static void test_create(void)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  char text[64];

  tap_ok(sb_store_open(path, &s, &msg) == SB_OK && s, "a new store opens (%s)", msg.text);
  tap_ok(sb_sql_n_migrations >= 3 && raw_int("PRAGMA user_version", -1) == sb_sql_n_migrations,
         "user_version is %d after every migration (001, 002, 003, ...)", sb_sql_n_migrations);
  tap_ok(raw_int("PRAGMA application_id", -1) == 1936027714,
         "application_id marks a sepbench store");
  tap_ok(strcmp(raw_text("PRAGMA journal_mode", -1, text, sizeof text), "wal") == 0,
         "the journal mode is WAL (got '%s')", text);
  tap_ok(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs',"
                 " 'suites', 'tracks', 'methods', 'items', 'frame_values', 'track_values')",
                 -1) == 7,
         "the seven tables exist");
  tap_ok(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                 " ('frame_values', 'track_values') AND sql LIKE '%WITHOUT ROWID%'", -1) == 2,
         "frame_values and track_values are WITHOUT ROWID");
  tap_ok(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'done_items'",
                 -1) == 1,
         "the view done_items exists (002)");
  tap_ok(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'plugin_metrics'"
                 " AND sql LIKE '%WITHOUT ROWID%'", -1) == 1,
         "the table plugin_metrics exists (003)");
  sb_store_free(&s);
  tap_ok(s == NULL, "free NULLs the handle");
  /* Freeing again (and NULL) must be a no-op; under ASan a second close
   * would abort the program here. */
  sb_store_free(&s);
  sb_store_free(NULL);
  tap_ok(s == NULL, "free of a NULL handle and of NULL leaves the handle NULL");
}

static void test_entities(int64_t *suite_id, int64_t *track_ids, int64_t *method_id,
                          int64_t *run_id)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  int64_t again = 0, other = 0, bogus = 0;
  char text[128];

  tap_ok(sb_store_open(path, &s, &msg) == SB_OK, "the store reopens (%s)", msg.text);
  if (!s)
    return;
  tap_ok(raw_int("PRAGMA user_version", -1) == sb_sql_n_migrations, "reopening keeps user_version %d",
         sb_sql_n_migrations);
  tap_ok(sb_store_suite(s, "music", "musdb18hq", "/data/musdb", suite_id) == SB_OK &&
             *suite_id > 0,
         "suite created");
  tap_ok(sb_store_suite(s, "music", "other-kind", "/elsewhere", &again) == SB_OK &&
             again == *suite_id,
         "get-or-create returns the same suite id");
  tap_ok(strcmp(raw_text("SELECT kind FROM suites WHERE id = ?1", *suite_id, text, sizeof text),
                "musdb18hq") == 0,
         "an existing suite keeps its kind");
  tap_ok(sb_store_track(s, *suite_id, "A - One", "test", &track_ids[0]) == SB_OK &&
             sb_store_track(s, *suite_id, "B - Two", "test", &track_ids[1]) == SB_OK &&
             sb_store_track(s, *suite_id, "C - Three", "test", &track_ids[2]) == SB_OK &&
             track_ids[0] != track_ids[1] && track_ids[1] != track_ids[2],
         "three tracks created");
  tap_ok(sb_store_track(s, *suite_id, "A - One", NULL, &again) == SB_OK && again == track_ids[0],
         "get-or-create of a track");
  tap_ok(sb_store_suite(s, "speech", NULL, NULL, &other) == SB_OK && other != *suite_id &&
             sb_store_track(s, other, "A - One", NULL, &again) == SB_OK && again != track_ids[0],
         "the same track name in another suite is another track");
  tap_ok(sb_store_track(s, 999999, "X", NULL, &bogus) == SB_EDB,
         "a track of a missing suite violates the foreign key (foreign keys ON): %s",
         sb_store_errmsg(s));
  tap_ok(sb_store_track(s, 0, "X", NULL, &bogus) == SB_EINVAL, "suite id 0 is rejected");
  tap_ok(sb_store_suite(s, NULL, NULL, NULL, &bogus) == SB_EINVAL, "a NULL suite name is rejected");
  tap_ok(sb_store_method(s, "IRM2", "oracle", "{\"alpha\": 2}", method_id) == SB_OK &&
             *method_id > 0,
         "method created");
  tap_ok(sb_store_method(s, "IRM2", NULL, NULL, &again) == SB_OK && again == *method_id,
         "get-or-create of a method");

  {
    sb_run_info info = {"sepbench run --suite music", "music", "IRM2", "{\"win\": 1.0}"};
    tap_ok(sb_store_run_begin(s, &info, run_id) == SB_OK && *run_id > 0, "run begins");
  }
  tap_ok(strcmp(raw_text("SELECT status FROM runs WHERE id = ?1", *run_id, text, sizeof text),
                "running") == 0,
         "a new run is 'running'");
  tap_ok(strcmp(raw_text("SELECT sepbench_version FROM runs WHERE id = ?1", *run_id, text,
                         sizeof text),
                PACKAGE_VERSION) == 0,
         "the run records the version " PACKAGE_VERSION);
  tap_ok(strcmp(raw_text("SELECT command FROM runs WHERE id = ?1", *run_id, text, sizeof text),
                "sepbench run --suite music") == 0,
         "the run records its command line");
  {
    char host[256] = "";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    tap_ok(strcmp(raw_text("SELECT host FROM runs WHERE id = ?1", *run_id, text, sizeof text),
                  host) == 0,
           "the run records the host name '%s'", host);
  }
  raw_text("SELECT started_at FROM runs WHERE id = ?1", *run_id, text, sizeof text);
  {
    /* "YYYY-MM-DDTHH:MM:SS.sssZ", and close to the clock of the test. */
    struct tm tm = {0};
    char *end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    time_t now = time(NULL);
    time_t then = end ? timegm(&tm) : 0;
    tap_ok(strlen(text) == 24 && end && strcmp(end + 4, "Z") == 0 && end[0] == '.' &&
               llabs((long long)(now - then)) < 120,
           "started_at is UTC ISO 8601 of now ('%s')", text);
  }
  tap_ok(sb_store_run_end(s, *run_id, "finished") == SB_EINVAL, "an unknown run status is refused");
  tap_ok(sb_store_run_end(s, *run_id + 1000, "done") == SB_ENOTFOUND, "a missing run is reported");
  tap_ok(sb_store_run_end(s, *run_id, "done") == SB_OK, "run ends");
  tap_ok(strcmp(raw_text("SELECT status FROM runs WHERE id = ?1", *run_id, text, sizeof text),
                "done") == 0 &&
             raw_int("SELECT ended_at IS NOT NULL FROM runs WHERE id = ?1", *run_id) == 1,
         "the run is 'done' with ended_at");
  tap_ok(sb_store_run_begin(s, NULL, &again) == SB_OK && again == *run_id + 1,
         "a run without info begins");
  sb_store_free(&s);
}

/* The planted item: 2 targets, 3 frames of 1 s every 0.5 s; SDR and SIR
 * frames computed, ISR and SAR not; whole SDR, SNR (one NaN) and
 * global_SDR (+inf) computed, the rest NaN (not computed). */
static sb_eval_result *planted_result(void)
{
  sb_eval_result *r = fake_result(2, 3, (1u << SB_FM_SDR) | (1u << SB_FM_SIR));
  if (!r || !r->frame[SB_FM_SDR] || !r->frame[SB_FM_SIR] || !r->whole || !r->perm)
    return r;
  const double sdr[6] = {1.5, NAN, INFINITY, -2.25, -INFINITY, 0.0};
  const double sir[6] = {10, 11, 12, 20, 21, 22};
  memcpy(r->frame[SB_FM_SDR], sdr, sizeof sdr);
  memcpy(r->frame[SB_FM_SIR], sir, sizeof sir);
  r->whole[0 * SB_WM_COUNT + SB_WM_SDR] = 4.0;
  r->whole[1 * SB_WM_COUNT + SB_WM_SDR] = 5.0;
  r->whole[0 * SB_WM_COUNT + SB_WM_SNR] = NAN;
  r->whole[1 * SB_WM_COUNT + SB_WM_SNR] = 7.5;
  r->whole[0 * SB_WM_COUNT + SB_WM_GLOBAL_SDR] = INFINITY;
  r->whole[1 * SB_WM_COUNT + SB_WM_GLOBAL_SDR] = -1.0;
  r->perm[0] = 1;
  r->perm[1] = 0;
  r->perm_si = malloc(2 * sizeof(int));
  if (r->perm_si) {
    r->perm_si[0] = 0;
    r->perm_si[1] = 1;
  }
  snprintf(r->note, sizeof r->note, "accompaniment: silent in 2 frames");
  return r;
}

static void test_put_item(int64_t track_id, int64_t method_id, int64_t run_id)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  sb_eval_result *r = planted_result();
  sb_item_record rec = {run_id, track_id, method_id, CONFIG, 2, targets2, r, 12.5, 123456, 0};
  int64_t item;
  int done = -1, type;
  double value, time_s = -1, duration_s = -1;
  char text[128];

  if (sb_store_open(path, &s, &msg) != SB_OK || !r) {
    tap_ok(0, "setup of the planted item: %s", msg.text);
    fake_free(&r);
    sb_store_free(&s);
    return;
  }
  tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 0,
         "the item is not done before it is stored");
  tap_ok(sb_store_put_item(s, &rec, &msg) == SB_OK, "put_item stores the planted item (%s)",
         msg.text);
  tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 1,
         "item_done sees it");
  tap_ok(sb_store_item_done(s, track_id, method_id, "other-config", &done) == SB_OK && done == 0,
         "another config is not done");
  item = raw_int("SELECT id FROM items WHERE status = 'done' AND track_id = ?1", track_id);
  tap_ok(item > 0, "one 'done' item row");

  /* 2 frame metrics x 2 targets x 3 frames. */
  tap_ok(raw_int("SELECT count(*) FROM frame_values WHERE item_id = ?1", item) == 12,
         "12 frame values (SDR and SIR only: ISR/SAR were not computed)");
  value = raw_frame(item, "vocals", "SDR", 0, &type, &time_s, &duration_s);
  tap_ok(type == SQLITE_FLOAT && value == 1.5 && time_s == 0.0 && duration_s == 1.0,
         "vocals SDR frame 0 = 1.5 at 0 s for 1 s");
  value = raw_frame(item, "vocals", "SDR", 1, &type, &time_s, &duration_s);
  tap_ok(type == SQLITE_NULL && time_s == 0.5, "NaN is stored as NULL (frame 1 at 0.5 s)");
  value = raw_frame(item, "vocals", "SDR", 2, &type, &time_s, &duration_s);
  tap_ok(type == SQLITE_FLOAT && value == INFINITY && time_s == 1.0, "+inf is stored as +inf");
  value = raw_frame(item, "accompaniment", "SDR", 1, &type, &time_s, &duration_s);
  tap_ok(type == SQLITE_FLOAT && value == -INFINITY, "-inf is stored as -inf");
  value = raw_frame(item, "accompaniment", "SIR", 2, &type, &time_s, &duration_s);
  tap_ok(type == SQLITE_FLOAT && value == 22.0, "accompaniment SIR frame 2 = 22");
  raw_frame(item, "vocals", "ISR", 0, &type, &time_s, &duration_s);
  tap_ok(type == -1, "no ISR row for a metric that was not computed");

  /* Whole metrics: SDR, SNR, global_SDR computed -> 3 x 2 rows. */
  tap_ok(raw_int("SELECT count(*) FROM track_values WHERE item_id = ?1", item) == 6,
         "6 track values (SDR, SNR, global_SDR for 2 targets)");
  value = raw_track(item, "accompaniment", "SDR", &type);
  tap_ok(type == SQLITE_FLOAT && value == 5.0, "accompaniment SDR = 5");
  value = raw_track(item, "vocals", "SNR", &type);
  tap_ok(type == SQLITE_NULL, "a NaN SNR of a computed metric is a NULL row");
  value = raw_track(item, "accompaniment", "SNR", &type);
  tap_ok(type == SQLITE_FLOAT && value == 7.5, "accompaniment SNR = 7.5");
  value = raw_track(item, "vocals", "global_SDR", &type);
  tap_ok(type == SQLITE_FLOAT && value == INFINITY, "global_SDR +inf kept");
  raw_track(item, "vocals", "SI-SDR", &type);
  tap_ok(type == -1, "SI-SDR, NaN for every target, is not stored");

  tap_ok(strcmp(raw_text("SELECT perm FROM items WHERE id = ?1", item, text, sizeof text),
                "[1,0]") == 0,
         "perm is the JSON array [1,0] (got '%s')", text);
  tap_ok(strcmp(raw_text("SELECT perm_si FROM items WHERE id = ?1", item, text, sizeof text),
                "[0,1]") == 0,
         "perm_si is the JSON array [0,1] (got '%s')", text);
  tap_ok(strcmp(raw_text("SELECT note FROM items WHERE id = ?1", item, text, sizeof text),
                "accompaniment: silent in 2 frames") == 0,
         "note stored");
  tap_ok(raw_int("SELECT rate = 8000 AND win = 8000 AND hop = 4000 AND n_frames = 3 AND"
                 " peak_rss_kb = 123456 AND wall_s = 12.5 AND error IS NULL"
                 " AND finished_at LIKE '20%Z' FROM items WHERE id = ?1",
                 item) == 1 &&
             raw_int("SELECT run_id FROM items WHERE id = ?1", item) == run_id,
         "framing, resources, run and finished_at stored");

  /* Idempotent: a second put changes nothing. */
  tap_ok(sb_store_put_item(s, &rec, &msg) == SB_OK, "a second put of a done item succeeds");
  tap_ok(raw_int("SELECT count(*) FROM items WHERE track_id = ?1", track_id) == 1 &&
             raw_int("SELECT id FROM items WHERE track_id = ?1", track_id) == item &&
             raw_int("SELECT count(*) FROM frame_values", -1) == 12 &&
             raw_int("SELECT count(*) FROM track_values", -1) == 6,
         "no duplicate rows after the second put");
  tap_ok(sb_store_put_failure(s, &rec, "late failure", &msg) == SB_OK &&
             raw_int("SELECT count(*) FROM items WHERE status = 'done' AND id = ?1", item) == 1,
         "a failure after success keeps the done item");

  /* Bad records write nothing. */
  {
    sb_item_record bad = rec;
    bad.n_targets = 1;
    sb_msg_clear(&msg);
    tap_ok(sb_store_put_item(s, &bad, &msg) == SB_EINVAL && strstr(msg.text, path),
           "1 target name for 2 sources is refused: %s", msg.text);
    bad = rec;
    bad.config = NULL;
    tap_ok(sb_store_put_item(s, &bad, NULL) == SB_EINVAL, "a NULL config is refused");
    bad = rec;
    bad.result = NULL;
    tap_ok(sb_store_put_item(s, &bad, NULL) == SB_EINVAL, "put_item without result is refused");
    tap_ok(sb_store_put_failure(s, &rec, NULL, NULL) == SB_EINVAL,
           "put_failure without error text is refused");
    tap_ok(sb_store_put_item(NULL, &rec, NULL) == SB_EINVAL, "a NULL store is refused");
    /* A constraint failure half-way through the values rolls back. */
    static const char *const twice[] = {"vocals", "vocals"};
    bad = rec;
    bad.config = "another-config";
    bad.targets = twice;
    tap_ok(sb_store_put_item(s, &bad, &msg) == SB_EDB && strstr(msg.text, "insert_frame_value"),
           "a target named twice fails in the middle of the item: %s", msg.text);
    tap_ok(raw_int("SELECT count(*) FROM items", -1) == 1 &&
               raw_int("SELECT count(*) FROM frame_values", -1) == 12,
           "bad records wrote nothing (the failed transaction was rolled back)");
    tap_ok(sb_store_item_done(s, track_id, method_id, "another-config", &done) == SB_OK &&
               done == 0 && sb_store_put_item(s, &rec, &msg) == SB_OK,
           "the store is usable after the rollback");
  }
  sb_store_free(&s);
  fake_free(&r);
}

static void test_failure_then_success(int64_t track_id, int64_t method_id)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  sb_eval_result *r = planted_result();
  sb_item_record rec = {0, track_id, method_id, CONFIG, 2, targets2, NULL, NAN, -1, 0};
  int done = -1;
  char text[128];
  int64_t n_frames_before = raw_int("SELECT count(*) FROM frame_values", -1);

  if (sb_store_open(path, &s, &msg) != SB_OK || !r) {
    tap_ok(0, "setup: %s", msg.text);
    fake_free(&r);
    sb_store_free(&s);
    return;
  }
  tap_ok(sb_store_put_failure(s, &rec, "separator exited with status 1", &msg) == SB_OK,
         "a failure without result is recorded (%s)", msg.text);
  tap_ok(raw_int("SELECT count(*) FROM items WHERE track_id = ?1 AND status = 'failed'"
                 " AND run_id IS NULL AND wall_s IS NULL AND peak_rss_kb IS NULL"
                 " AND rate IS NULL AND perm IS NULL AND perm_si IS NULL",
                 track_id) == 1,
         "one failed row, NULL run, time, memory and framing");
  tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 0,
         "a failed item is not done");
  rec.result = r;
  tap_ok(sb_store_put_failure(s, &rec, "timeout after 240 s", &msg) == SB_OK,
         "a second failure (with result) is recorded");
  tap_ok(raw_int("SELECT count(*) FROM items WHERE track_id = ?1", track_id) == 1 &&
             strcmp(raw_text("SELECT error FROM items WHERE track_id = ?1", track_id, text,
                             sizeof text),
                    "timeout after 240 s") == 0 &&
             raw_int("SELECT rate FROM items WHERE track_id = ?1", track_id) == 8000,
         "the second failure replaces the first (one row, new error, framing from the result)");
  tap_ok(raw_int("SELECT count(*) FROM frame_values", -1) == n_frames_before,
         "a failure stores no values");
  tap_ok(sb_store_put_item(s, &rec, &msg) == SB_OK, "success after failure (%s)", msg.text);
  tap_ok(raw_int("SELECT count(*) FROM items WHERE track_id = ?1", track_id) == 1 &&
             raw_int("SELECT count(*) FROM items WHERE track_id = ?1 AND status = 'done' AND"
                     " error IS NULL",
                     track_id) == 1,
         "the failed row is replaced by one done row");
  tap_ok(raw_int("SELECT count(*) FROM frame_values", -1) == n_frames_before + 12,
         "its 12 frame values are stored");
  tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 1,
         "the item is done now");
  sb_store_free(&s);
  fake_free(&r);
}

static void test_forget(int64_t track_id, int64_t method_id)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  int done = -1;
  int64_t item = raw_int("SELECT id FROM items WHERE track_id = ?1", track_id);
  int64_t n_frames = raw_int("SELECT count(*) FROM frame_values", -1);
  int64_t n_item_frames = raw_int("SELECT count(*) FROM frame_values WHERE item_id = ?1", item);
  int64_t n_item_tracks = raw_int("SELECT count(*) FROM track_values WHERE item_id = ?1", item);
  int64_t n_tracks = raw_int("SELECT count(*) FROM track_values", -1);

  if (sb_store_open(path, &s, &msg) != SB_OK) {
    tap_ok(0, "setup: %s", msg.text);
    return;
  }
  tap_ok(item > 0 && n_item_frames == 12 && n_item_tracks == 6, "setup: a done item to forget");
  tap_ok(sb_store_item_forget(s, track_id, method_id, "no-such-config") == SB_OK &&
             raw_int("SELECT count(*) FROM items WHERE id = ?1", item) == 1,
         "forgetting another config changes nothing");
  tap_ok(sb_store_item_forget(s, track_id, method_id, CONFIG) == SB_OK, "item_forget");
  tap_ok(raw_int("SELECT count(*) FROM items WHERE id = ?1", item) == 0 &&
             raw_int("SELECT count(*) FROM frame_values", -1) == n_frames - 12 &&
             raw_int("SELECT count(*) FROM track_values", -1) == n_tracks - 6,
         "the item and its 12 frame and 6 track values are gone");
  tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 0,
         "a forgotten item is not done");
  tap_ok(sb_store_item_forget(s, track_id, method_id, NULL) == SB_EINVAL,
         "item_forget without config is refused");
  sb_store_free(&s);
}

/* ---------------------------------------------------------------- crash */

static void exit_now(int sig)
{
  (void)sig;
  _exit(42);
}

static off_t file_size(const char *name)
{
  struct stat st;
  return stat(name, &st) == 0 ? st.st_size : 0;
}

/* A child writes one large item (4 targets x 4 metrics x n_frames rows)
 * and is stopped once more than 1 MiB of its uncommitted transaction has
 * reached the WAL: by SIGKILL, or (use_exit) by a SIGUSR1 handler calling
 * _exit().  Returns 1 when the stop landed inside the transaction (the
 * child never reported the put as finished). */
static int crash_writer(int64_t track_id, int64_t method_id, int64_t n_frames, int use_exit,
                        uint64_t *seed)
{
  int fd[2];
  char wal[160];
  char byte = 0;
  pid_t pid;
  int status = 0, landed = 0;
  sb_eval_result *r = fake_result(4, n_frames, 0xf);

  snprintf(wal, sizeof wal, "%s-wal", path);
  if (!r || pipe(fd) != 0) {
    fake_free(&r);
    return 0;
  }
  for (int m = 0; m < SB_FM_COUNT; m++)
    for (int64_t i = 0; r->frame[m] && i < 4 * n_frames; i++)
      r->frame[m][i] = 20.0 * uniform(seed);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    sb_store *s = NULL;
    sb_item_record rec = {0, track_id, method_id, CONFIG, 4, targets4, r, 1.0, 1, 0};
    close(fd[0]);
    signal(SIGUSR1, exit_now);
    if (sb_store_open(path, &s, NULL) != SB_OK)
      _exit(3);
    if (write(fd[1], "S", 1) != 1)
      _exit(4);
    sb_store_put_item(s, &rec, NULL);
    if (write(fd[1], "D", 1) != 1)
      _exit(5);
    for (;;)
      pause();
  }
  close(fd[1]);
  if (pid > 0 && read(fd[0], &byte, 1) == 1 && byte == 'S') {
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 20000 && file_size(wal) < (1 << 20); i++)
      nanosleep(&nap, NULL);
    tap_diag("stopping the writer with WAL at %lld bytes", (long long)file_size(wal));
    kill(pid, use_exit ? SIGUSR1 : SIGKILL);
  } else if (pid > 0) {
    kill(pid, SIGKILL);
  }
  if (pid > 0)
    waitpid(pid, &status, 0);
  /* 'D' would follow 'S' if the put finished before the stop. */
  landed = read(fd[0], &byte, 1) == 0 &&
           (use_exit ? WIFEXITED(status) && WEXITSTATUS(status) == 42
                     : WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  close(fd[0]);
  fake_free(&r);
  return landed;
}

static void test_crash(int64_t track_id, int64_t method_id, int use_exit, uint64_t *seed)
{
  const char *how = use_exit ? "_exit()" : "SIGKILL";
  int64_t items_before = raw_int("SELECT count(*) FROM items", -1);
  int64_t frames_before = raw_int("SELECT count(*) FROM frame_values", -1);
  int64_t tracks_before = raw_int("SELECT count(*) FROM track_values", -1);
  int landed = 0;
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  char text[64];
  int done = -1;

  for (int attempt = 0, n_frames = 20000; attempt < 4 && !landed; attempt++, n_frames *= 2)
    landed = crash_writer(track_id, method_id, n_frames, use_exit, seed);
  tap_ok(landed, "%s stopped the writer inside its transaction", how);

  tap_ok(sb_store_open(path, &s, &msg) == SB_OK, "the store reopens after %s (%s)", how,
         msg.text);
  tap_ok(strcmp(raw_text("PRAGMA integrity_check", -1, text, sizeof text), "ok") == 0,
         "integrity_check is ok after %s", how);
  tap_ok(raw_int("SELECT count(*) FROM items", -1) == items_before &&
             raw_int("SELECT count(*) FROM frame_values", -1) == frames_before &&
             raw_int("SELECT count(*) FROM track_values", -1) == tracks_before,
         "no partial item after %s: items, frame and track values unchanged", how);
  tap_ok(raw_int("SELECT count(*) FROM frame_values WHERE item_id NOT IN (SELECT id FROM items)",
                 -1) == 0,
         "no orphan frame values after %s", how);
  if (s) {
    sb_eval_result *r = fake_result(4, 10, 1u << SB_FM_SDR);
    sb_item_record rec = {0, track_id, method_id, CONFIG, 4, targets4, r, 1.0, 1, 0};
    tap_ok(sb_store_item_done(s, track_id, method_id, CONFIG, &done) == SB_OK && done == 0,
           "the interrupted item is not done");
    tap_ok(r && sb_store_put_item(s, &rec, &msg) == SB_OK &&
               raw_int("SELECT count(*) FROM frame_values", -1) == frames_before + 40,
           "the store accepts the item again after %s (40 rows)", how);
    fake_free(&r);
  }
  sb_store_free(&s);
}

/* ---------------------------------------------------------------- bad files */

static void test_bad_files(void)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  char garbage_path[160], foreign_path[160], want[256];
  char block[4096];
  FILE *f;

  snprintf(garbage_path, sizeof garbage_path, "%s/garbage.db", dir);
  for (size_t i = 0; i < sizeof block; i++)
    block[i] = (char)('a' + i % 26);
  f = fopen(garbage_path, "wb");
  if (f) {
    fwrite(block, 1, sizeof block, f);
    fclose(f);
  }
  tap_ok(sb_store_open(garbage_path, &s, &msg) == SB_EDB && s == NULL,
         "a garbage file is refused with SB_EDB");
  snprintf(want, sizeof want, "%s: not a sepbench store (file is not a database)", garbage_path);
  tap_ok(strcmp(msg.text, want) == 0, "message: '%s'", msg.text);
  {
    char back[4096];
    size_t n = 0;
    f = fopen(garbage_path, "rb");
    if (f) {
      n = fread(back, 1, sizeof back, f);
      fclose(f);
    }
    tap_ok(n == sizeof block && memcmp(back, block, n) == 0 && file_size(garbage_path) == 4096,
           "the garbage file is left untouched");
  }
  remove_store_files(garbage_path);

  snprintf(foreign_path, sizeof foreign_path, "%s/foreign.db", dir);
  raw_exec(foreign_path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)");
  tap_ok(sb_store_open(foreign_path, &s, &msg) == SB_EDB && strstr(msg.text, foreign_path) &&
             strstr(msg.text, "not a sepbench store"),
         "an SQLite file of another application is refused: %s", msg.text);
  remove_store_files(foreign_path);

  /* A store written by a newer sepbench. */
  {
    char set[64], newer[64];
    snprintf(set, sizeof set, "PRAGMA user_version = %d", sb_sql_n_migrations + 1);
    snprintf(newer, sizeof newer, "schema version %d is newer", sb_sql_n_migrations + 1);
    tap_ok(raw_exec(path, set) == SQLITE_OK, "setup: user_version %d", sb_sql_n_migrations + 1);
    tap_ok(sb_store_open(path, &s, &msg) == SB_EDB && s == NULL && strstr(msg.text, path) && strstr(msg.text, newer),
           "a newer schema version is refused: %s", msg.text);
    tap_ok(raw_int("PRAGMA user_version", -1) == sb_sql_n_migrations + 1, "the newer store is not modified");
    snprintf(set, sizeof set, "PRAGMA user_version = %d", sb_sql_n_migrations);
    raw_exec(path, set);
  }

  tap_ok(sb_store_open("/nonexistent-dir-sepbench/x.db", &s, &msg) == SB_EIO &&
             strstr(msg.text, "/nonexistent-dir-sepbench/x.db: cannot create the store"),
         "a path in a missing directory gives SB_EIO: %s", msg.text);
  {
    char missing[160], empty[160];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    tap_ok(sb_store_open_existing(missing, &s, &msg) == SB_ENOTFOUND && s == NULL &&
               strstr(msg.text, "missing.db: no such store") && access(missing, F_OK) != 0,
           "open_existing of a missing file: %s (and no file created)", msg.text);
    f = fopen(empty, "wb");
    if (f)
      fclose(f);
    tap_ok(sb_store_open_existing(empty, &s, &msg) == SB_EDB && s == NULL &&
               file_size(empty) == 0,
           "open_existing of an empty file: %s", msg.text);
    remove_store_files(empty);
    tap_ok(sb_store_open_existing(path, &s, &msg) == SB_OK && s, "open_existing of the store");
    sb_store_free(&s);
  }
  tap_ok(sb_store_open(NULL, &s, &msg) == SB_EINVAL, "a NULL path is refused");
  tap_ok(sb_store_open(path, NULL, &msg) == SB_EINVAL, "a NULL output is refused");
}

/* sb_store_value_fn of test_migrate_v1: copies the frame values. */
typedef struct seen_values {
  int n;
  double value[4];
  char method[16], track[16], suite[16];
} seen_values;

static sb_err see_value(void *ctx, const sb_store_value *row, sb_msg *msg)
{
  seen_values *seen = ctx;
  (void)msg;
  if (seen->n < 4)
    seen->value[seen->n] = row->value;
  snprintf(seen->method, sizeof seen->method, "%s", row->method);
  snprintf(seen->track, sizeof seen->track, "%s", row->track);
  snprintf(seen->suite, sizeof seen->suite, "%s", row->suite);
  seen->n++;
  return SB_OK;
}

/* A store written by a sepbench of schema version 1: the 001 SQL only (the
 * text this build embeds, sb_sql_migrations[0]), one item planted by plain
 * SQL.  Opening it migrates it to this build's version (the view
 * done_items, the table plugin_metrics), keeps every row, and the readers
 * and writers work on it. */
static void test_migrate_v1(void)
{
  static const char *const plant =
    "INSERT INTO suites (id, name) VALUES (1, 'old');"
    "INSERT INTO tracks (id, suite_id, name, subset) VALUES (1, 1, 't1', 'test');"
    "INSERT INTO methods (id, name) VALUES (1, 'm1');"
    "INSERT INTO items (id, track_id, method_id, config, status, finished_at)"
    " VALUES (1, 1, 1, 'cfg1', 'done', '2024-01-01T00:00:00.000Z');"
    "INSERT INTO frame_values VALUES (1, 'vocals', 'SDR', 0, 0.0, 1.0, 4.5),"
    " (1, 'vocals', 'SDR', 1, 1.0, 1.0, NULL);"
    "INSERT INTO track_values VALUES (1, 'vocals', 'SI-SDR', 3.25);";
  char old[sizeof path], path_saved[sizeof path];
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  seen_values seen = {0};
  char *config = NULL;
  int64_t suite_id = 0;

  snprintf(old, sizeof old, "%.100s/v1.db", dir);
  tap_ok(raw_exec(old, sb_sql_migrations[0]) == SQLITE_OK && raw_exec(old, plant) == SQLITE_OK,
         "setup: a store of schema version 1 with one planted item");
  /* raw_int reads `path`: point it at the old store for these checks. */
  memcpy(path_saved, path, sizeof path);
  snprintf(path, sizeof path, "%s", old);
  tap_ok(raw_int("PRAGMA user_version", -1) == 1 &&
             raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'view'", -1) == 0,
         "setup: version 1 has no view");
  tap_ok(sb_store_open_existing(old, &s, &msg) == SB_OK && s, "the version 1 store opens (%s)",
         msg.text);
  tap_ok(raw_int("PRAGMA user_version", -1) == sb_sql_n_migrations &&
             raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND"
                     " name = 'done_items'", -1) == 1 &&
             raw_int("SELECT count(*) FROM sqlite_master WHERE name = 'plugin_metrics'", -1) == 1,
         "it is migrated to version %d (view done_items, table plugin_metrics)", sb_sql_n_migrations);
  tap_ok(raw_int("SELECT count(*) FROM items", -1) == 1 &&
             raw_int("SELECT count(*) FROM frame_values", -1) == 2 &&
             raw_int("SELECT count(*) FROM track_values", -1) == 1,
         "the migration keeps every row");
  tap_ok(s && sb_store_each_value(s, NULL, "cfg1", "SDR", SB_STORE_FRAMES, see_value, &seen,
                                  &msg) == SB_OK && seen.n == 2,
         "the migrated store is read: 2 frame values (%s)", msg.text);
  tap_ok(seen.n == 2 && seen.value[0] == 4.5 && isnan(seen.value[1]) &&
             strcmp(seen.method, "m1") == 0 && strcmp(seen.track, "t1") == 0 &&
             strcmp(seen.suite, "old") == 0,
         "the planted values and names come back (4.5, NULL as NaN)");
  tap_ok(s && sb_store_newest_config(s, "old", "SI-SDR", SB_STORE_TRACKS, &config, &msg) == SB_OK &&
             config && strcmp(config, "cfg1") == 0,
         "the newest config of the per-track values is cfg1");
  free(config);
  tap_ok(s && sb_store_suite(s, "old", NULL, NULL, &suite_id) == SB_OK && suite_id == 1,
         "writing works: get-or-create finds the planted suite");
  sb_store_free(&s);
  tap_ok(sb_store_open(old, &s, &msg) == SB_OK && raw_int("PRAGMA user_version", -1) == sb_sql_n_migrations,
         "reopening the migrated store changes nothing (%s)", msg.text);
  sb_store_free(&s);
  memcpy(path, path_saved, sizeof path);
  remove_store_files(old);
}

int main(void)
{
  uint64_t seed = SEED;
  int64_t suite_id = 0, method_id = 0, run_id = 0;
  int64_t track_ids[3] = {0, 0, 0};
  const char *tmp = getenv("TMPDIR");

  tap_diag("seed %u", SEED);
  snprintf(dir, sizeof dir, "%s/sb-store-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp %s: %s", dir, strerror(errno));
    return tap_done();
  }
  snprintf(path, sizeof path, "%s/store.db", dir);
  tap_diag("store %s", path);

  test_create();
  test_entities(&suite_id, track_ids, &method_id, &run_id);
  test_put_item(track_ids[0], method_id, run_id);
  test_failure_then_success(track_ids[1], method_id);
  test_forget(track_ids[1], method_id);
  test_crash(track_ids[2], method_id, 0, &seed);
  {
    /* The _exit() variant needs its own (track, method, config). */
    sb_store *s = NULL;
    int64_t method2 = 0;
    if (sb_store_open(path, &s, NULL) == SB_OK)
      sb_store_method(s, "IRM1", "oracle", NULL, &method2);
    sb_store_free(&s);
    test_crash(track_ids[2], method2, 1, &seed);
  }
  test_bad_files();
  test_migrate_v1();

  remove_store_files(path);
  rmdir(dir);
  return tap_done();
}
