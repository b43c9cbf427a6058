/*
 * tests/schemas/test-store-plugins.c — schemas/store_plugins.c and the
 * plug-in records of sb_store_put_item_plugins: values per target and under
 * "_track" (NaN as NULL), the records (key, outcome, reason, note, value
 * names), the look-ups a run plans with (done for the same key only, not
 * for another key or a failed record; the stored permutation, the identity
 * without one, none without an item), a record of the same name replacing
 * the old one and its values, a value name another metric holds refused
 * with nothing written, an item that is not stored, --force's forget
 * removing the records, the list of a config's metrics, and merge carrying
 * the records.  Checked with plain SQL on the file.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schemas/store.h"
#include "schemas/store_merge.h"
#include "schemas/store_plugins.h"
#include "schemas/store_read.h"
#include "common/paths.h"
#include "tap.h"

#define CONFIG "cfg"

static char dir[128], path[200];

/* First column of the first row of sql on store file; -1 on any error. */
static int64_t raw_int(const char *file, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t value = -1;
  if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

static const char *raw_text(const char *file, const char *sql, char *buf, size_t len)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  buf[0] = '\0';
  if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_text(st, 0))
    snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return buf;
}

static const char *const targets[] = {"s1", "s2"};
static const char *const names_a[] = {"A"}, *const names_a_all[] = {"A_all"}, *const names_b[] = {"B"};

/* Stores the item (track, method) with SI-SDR values and perm {1, 0}
 * (perm NULL when no_perm) and plug-in records a (done) and b (failed). */
static sb_err put_item(sb_store *s, int64_t track_id, int64_t method_id, int no_perm, sb_msg *msg)
{
  double whole[2 * SB_WM_COUNT];
  int perm[2] = {1, 0};
  const double a_values[] = {-3.0, -6.0}, a_all[] = {-4.5}, b_values[] = {NAN, 2.5};
  const sb_plugin_record records[] = {
    {"plugin:a", "plugin:a;version=1", NULL, "", 0.25, 1, names_a, a_values, 1, names_a_all, a_all},
    {"cmd:b", "cmd:b;version=1", "cmd:b on 't': exit status 1", NULL, 1.5, 1, names_b, b_values, 0, NULL, NULL}};
  sb_eval_result r = {0};
  for (int i = 0; i < 2 * SB_WM_COUNT; i++)
    whole[i] = NAN;
  whole[SB_WM_SI_SDR] = 7.0;
  whole[SB_WM_COUNT + SB_WM_SI_SDR] = 8.0;
  r.n_src = 2;
  r.rate = 8000;
  r.win = r.hop = 8000;
  r.whole = whole;
  r.perm = no_perm ? NULL : perm;
  sb_item_record rec = {0, track_id, method_id, CONFIG, 2, targets, &r, 1.0, -1, 0};
  return sb_store_put_item_plugins(s, &rec, 2, records, msg);
}

static void test_put(sb_store *s, int64_t track_id, int64_t method_id)
{
  char text[256];
  sb_msg msg;
  sb_msg_clear(&msg);
  tap_ok(put_item(s, track_id, method_id, 0, &msg) == SB_OK, "an item with two plug-in records is stored (%s)",
         msg.text);
  tap_ok(raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'SI-SDR'") == 2, "its built-in values");
  tap_ok(raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'A' AND value = -6 AND target = 's2'") == 1 &&
           raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'A_all' AND target = '_track'"
                         " AND value = -4.5") == 1,
         "per-target values under their targets, per-track values under '_track'");
  tap_ok(raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'B' AND target = 's1' AND value IS NULL") == 1 &&
           raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'B' AND value = 2.5") == 1,
         "a failed record's values are stored, NaN as NULL");
  tap_ok(strcmp(raw_text(path, "SELECT status || '|' || key || '|' || metrics || '|' || wall_s || '|' ||"
                               " coalesce(note, '-') FROM plugin_metrics WHERE name = 'plugin:a'",
                         text, sizeof text),
                "done|plugin:a;version=1|[\"A\",\"A_all\"]|0.25|-") == 0,
         "record a: done, its key, value names, time, no note (%s)", text);
  tap_ok(strcmp(raw_text(path, "SELECT status || '|' || error FROM plugin_metrics WHERE name = 'cmd:b'", text,
                         sizeof text),
                "failed|cmd:b on 't': exit status 1") == 0,
         "record b: failed with its reason (%s)", text);
  tap_ok(put_item(s, track_id, method_id, 0, &msg) == SB_OK &&
           raw_int(path, "SELECT count(*) FROM plugin_metrics") == 2 && raw_int(path, "SELECT count(*) FROM items") == 1,
         "storing the done item again writes nothing");
}

static void test_lookups(sb_store *s, int64_t track_id, int64_t method_id, int64_t other_method)
{
  int done = -1, perm[2] = {-1, -1}, found = -1;
  sb_msg msg;
  sb_msg_clear(&msg);
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, "plugin:a", "plugin:a;version=1", &done) == SB_OK &&
           done == 1,
         "done: the same name and key");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, "plugin:a", "plugin:a;version=2", &done) == SB_OK &&
           done == 0,
         "not done: another key (version)");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, "cmd:b", "cmd:b;version=1", &done) == SB_OK && done == 0,
         "not done: a failed record");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, "cmd:c", "cmd:c;version=1", &done) == SB_OK && done == 0,
         "not done: no record");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, "other", "plugin:a", "plugin:a;version=1", &done) == SB_OK &&
           done == 0,
         "not done: another configuration");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, NULL, "k", &done) == SB_EINVAL, "a NULL name");
  tap_ok(sb_store_item_perm(s, track_id, method_id, CONFIG, 2, perm, &found) == SB_OK && found && perm[0] == 1 &&
           perm[1] == 0,
         "the stored permutation [1,0]");
  tap_ok(sb_store_item_perm(s, track_id, other_method, CONFIG, 2, perm, &found) == SB_OK && !found,
         "no permutation without an item");
  tap_ok(sb_store_item_perm(s, track_id, method_id, CONFIG, 3, perm, &found) == SB_EFORMAT,
         "a permutation of another length is refused: %s", sb_store_errmsg(s));
  tap_ok(put_item(s, track_id, other_method, 1, &msg) == SB_OK &&
           sb_store_item_perm(s, track_id, other_method, CONFIG, 2, perm, &found) == SB_OK && found && perm[0] == 0 &&
           perm[1] == 1,
         "an item stored without a permutation gives the identity");
}

static sb_err list_metric(void *ctx, const char *metric, sb_msg *msg)
{
  char *names = ctx;
  (void)msg;
  strcat(names, metric);
  strcat(names, " ");
  return SB_OK;
}

static void test_replace(sb_store *s, int64_t track_id, int64_t method_id, int64_t missing_method)
{
  static const char *const names_a2[] = {"A2"}, *const names_clash[] = {"SI-SDR"};
  const double a2[] = {1.0, 2.0};
  const sb_plugin_record newer = {"plugin:a", "plugin:a;version=2", NULL, "a note", 0.5, 1, names_a2, a2, 0, NULL, NULL};
  const sb_plugin_record clash = {"cmd:c", "cmd:c;version=1", NULL, NULL, 0.1, 1, names_clash, a2, 0, NULL, NULL};
  sb_item_record rec = {0, track_id, method_id, CONFIG, 2, targets, NULL, 1.0, -1, 0};
  char names[256] = "", want[512];
  sb_msg msg;
  int done = 0;

  sb_msg_clear(&msg);
  tap_ok(sb_store_put_plugins(s, &rec, 1, &newer, &msg) == SB_OK, "a newer version of a is stored (%s)", msg.text);
  tap_ok(raw_int(path, "SELECT count(*) FROM track_values WHERE metric IN ('A', 'A_all')") == 3 &&
           raw_int(path, "SELECT count(*) FROM track_values WHERE metric = 'A2'") == 2,
         "the old values of a are gone from this item (the other item keeps its own), the new ones stored");
  tap_ok(sb_store_plugin_done(s, track_id, method_id, CONFIG, "plugin:a", "plugin:a;version=2", &done) == SB_OK && done &&
           raw_int(path, "SELECT count(*) FROM plugin_metrics WHERE name = 'cmd:b'") == 2,
         "its record has the new key; b is kept");
  tap_ok(sb_store_put_plugins(s, &rec, 1, &clash, &msg) == SB_EINVAL, "a value name the item holds is refused");
  snprintf(want, sizeof want, "%s: 'SI-SDR' of cmd:c is already stored for this item by another metric", path);
  if (!tap_ok(strcmp(msg.text, want) == 0, "the refusal names the value and the metric"))
    tap_diag("got:  %s\nwant: %s", msg.text, want);
  tap_ok(raw_int(path, "SELECT count(*) FROM plugin_metrics WHERE name = 'cmd:c'") == 0, "nothing of it is written");
  rec.method_id = missing_method;
  tap_ok(sb_store_put_plugins(s, &rec, 1, &newer, &msg) == SB_ENOTFOUND, "an item that is not stored: %s", msg.text);
  tap_ok(sb_store_each_track_metric(s, NULL, CONFIG, list_metric, names, &msg) == SB_OK &&
           strcmp(names, "A A2 A_all B SI-SDR ") == 0,
         "the config's per-track metrics are listed, each once, by name (%s)", names);
}

static void test_merge_and_forget(sb_store *s, int64_t track_id, int64_t method_id)
{
  char merged[220];
  sb_store *out = NULL;
  sb_store_merge_counts counts;
  sb_msg msg;
  sb_msg_clear(&msg);
  snprintf(merged, sizeof merged, "%s/merged.db", dir);
  tap_ok(sb_store_open(merged, &out, &msg) == SB_OK &&
           sb_store_merge(out, path, NULL, NULL, &counts, &msg) == SB_OK && counts.n_copied == 2,
         "merge copies both items (%s)", msg.text);
  sb_store_free(&out);
  tap_ok(raw_int(merged, "SELECT count(*) FROM plugin_metrics") == raw_int(path, "SELECT count(*) FROM plugin_metrics") &&
           raw_int(merged, "SELECT count(*) FROM track_values") == raw_int(path, "SELECT count(*) FROM track_values"),
         "the merged store holds every plug-in record and value");
  tap_ok(sb_store_item_forget(s, track_id, method_id, CONFIG) == SB_OK &&
           raw_int(path, "SELECT count(*) FROM plugin_metrics WHERE name = 'plugin:a'") == 1,
         "forgetting an item (--force) removes its records");
}

int main(void)
{
  sb_store *s = NULL;
  int64_t suite_id = 0, track_id = 0, method_id = 0, other = 0, missing = 0;
  sb_msg msg;
  snprintf(dir, sizeof dir, "%s/sb-test-store-plugins-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!tap_ok(mkdtemp(dir) != NULL, "a temporary folder"))
    return tap_done();
  snprintf(path, sizeof path, "%s/s.db", dir);
  sb_msg_clear(&msg);
  tap_ok(sb_store_open(path, &s, &msg) == SB_OK && sb_store_suite(s, "x", NULL, NULL, &suite_id) == SB_OK &&
           sb_store_track(s, suite_id, "t", NULL, &track_id) == SB_OK &&
           sb_store_method(s, "m", NULL, NULL, &method_id) == SB_OK &&
           sb_store_method(s, "m2", NULL, NULL, &other) == SB_OK && sb_store_method(s, "m3", NULL, NULL, &missing) == SB_OK,
         "a store with a track and three methods (%s)", msg.text);
  if (s) {
    test_put(s, track_id, method_id);
    test_lookups(s, track_id, method_id, other);
    test_replace(s, track_id, method_id, missing);
    test_merge_and_forget(s, track_id, method_id);
  }
  sb_store_free(&s);
  sb_path_remove_tree(dir);
  return tap_done();
}
