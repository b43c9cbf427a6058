/* tests/reports/test-export.c — museval JSON export (byte-exact against the
 * museval 0.4.1 files of the reference vectors), schema validation of the
 * exported files, import of the exported directory (round trip: the same
 * leaderboard), CSV long format, two suites sharing a method, subset and
 * track (one file each under a suite level, never one overwritten file),
 * names that map to one file (refused before writing), and bad input
 * (empty store, unknown method, unwritable output, missing and malformed
 * input files, targets without a name string or frames, repeated keys).
 *
 * Expected bytes: shared/refvectors/bss/<case>/museval_track.json, written
 * by museval 0.4.1 from the raw framewise floats in expected.json
 * ("museval_v4" -> "framewise"), which the test feeds to the writer. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "metrics/evaluate.h"
#include "reports/export.h"
#include "reports/import.h"
#include "reports/leaderboard.h"
#include "schemas/store.h"
#include "tap.h"

static char *read_all(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
      buf[n] = '\0';
      *len = (size_t)n;
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

/* Feeds the raw museval framewise floats of a reference case to the writer
 * and compares with museval's own file byte for byte. */
static void check_refvector_case(const char *refdir, const char *name)
{
  static const char *const keys[SB_MUSEVAL_N] = {"SDR", "SIR", "SAR", "ISR"};
  char path[1024];
  sb_json *root = NULL;
  sb_msg msg;
  size_t want_len = 0, got_len = 0;
  char *want, *got = NULL;
  FILE *f;
  const sb_json *names, *mv, *fw;
  sb_museval_target targets[8];
  double *times = NULL, *durations = NULL, *values[8] = {0};
  int n_targets, ok = 1;
  int64_t n_frames;
  double hop_s, win_s;

  snprintf(path, sizeof path, "%s/bss/%s/expected.json", refdir, name);
  if (sb_json_parse_file(path, &root, &msg) != SB_OK) {
    tap_ok(0, "%s: parse expected.json: %s", name, msg.text);
    return;
  }
  names = sb_json_get(root, "names");
  mv = sb_json_get(root, "museval_v4");
  fw = sb_json_get(mv, "framewise");
  n_targets = names ? (int)names->n : 0;
  n_frames = (int64_t)sb_json_num(sb_json_get(mv, "nframes"));
  hop_s = sb_json_num(sb_json_get(mv, "hop_s"));
  win_s = sb_json_num(sb_json_get(mv, "win_s"));
  if (n_targets < 1 || n_targets > 8 || n_frames < 1 || !fw) {
    tap_ok(0, "%s: expected.json layout", name);
    sb_json_free(&root);
    return;
  }
  times = malloc((size_t)n_frames * sizeof *times);
  durations = malloc((size_t)n_frames * sizeof *durations);
  for (int64_t k = 0; k < n_frames; k++) {
    times[k] = (double)k * hop_s; /* museval TrackStore: t * hop, win */
    durations[k] = win_s;
  }
  for (int j = 0; j < n_targets; j++) {
    const char *target = sb_json_str(names->items[j]);
    const sb_json *metrics = sb_json_get(fw, target);
    values[j] = malloc((size_t)n_frames * SB_MUSEVAL_N * sizeof *values[j]);
    for (int m = 0; m < SB_MUSEVAL_N; m++) {
      const sb_json *arr = sb_json_get(metrics, keys[m]);
      ok &= arr && (int64_t)arr->n == n_frames;
      for (int64_t k = 0; k < n_frames; k++)
        values[j][k * SB_MUSEVAL_N + m] = sb_json_num(sb_json_at(arr, (size_t)k));
    }
    targets[j] = (sb_museval_target){target, n_frames, times, durations, values[j]};
  }
  snprintf(path, sizeof path, "%s/bss/%s/museval_track.json", refdir, name);
  want = read_all(path, &want_len);
  f = open_memstream(&got, &got_len);
  tap_ok(ok && f && sb_museval_write_track(f, n_targets, targets) == SB_OK, "%s: written", name);
  if (f)
    fclose(f);
  tap_ok(want && got && want_len == got_len && memcmp(want, got, want_len) == 0,
         "%s: byte-exact museval JSON (%zu bytes, want %zu)", name, got_len, want_len);
  if (want && got && (want_len != got_len || memcmp(want, got, want_len) != 0)) {
    size_t i = 0;
    while (i < want_len && i < got_len && want[i] == got[i])
      i++;
    tap_diag("first difference at byte %zu: got '%.40s' want '%.40s'", i, got + i, want + i);
  }
  free(want);
  free(got);
  free(times);
  free(durations);
  for (int j = 0; j < n_targets; j++)
    free(values[j]);
  sb_json_free(&root);
}

/* A validator of shared/specs/museval-track.schema.json: every constrained
 * property that is present has the schema's type. */
static int is_number(const sb_json *v)
{
  return v && v->type == SB_JSON_NUMBER;
}

static int validate_museval(const sb_json *root)
{
  const sb_json *targets, *version;
  if (!root || root->type != SB_JSON_OBJECT)
    return 0;
  version = sb_json_get(root, "museval_version");
  if (version && version->type != SB_JSON_STRING)
    return 0;
  targets = sb_json_get(root, "targets");
  if (!targets)
    return 1;
  if (targets->type != SB_JSON_ARRAY)
    return 0;
  for (size_t j = 0; j < targets->n; j++) {
    const sb_json *t = targets->items[j], *name, *frames;
    if (t->type != SB_JSON_OBJECT)
      return 0;
    name = sb_json_get(t, "name");
    frames = sb_json_get(t, "frames");
    if ((name && name->type != SB_JSON_STRING) || (frames && frames->type != SB_JSON_ARRAY))
      return 0;
    for (size_t k = 0; frames && k < frames->n; k++) {
      const sb_json *fr = frames->items[k], *metrics;
      static const char *const keys[] = {"SDR", "SIR", "SAR", "ISR"};
      if (fr->type != SB_JSON_OBJECT)
        return 0;
      if ((sb_json_get(fr, "time") && !is_number(sb_json_get(fr, "time"))) ||
          (sb_json_get(fr, "duration") && !is_number(sb_json_get(fr, "duration"))))
        return 0;
      metrics = sb_json_get(fr, "metrics");
      if (metrics && metrics->type != SB_JSON_OBJECT)
        return 0;
      for (int m = 0; metrics && m < 4; m++)
        if (sb_json_get(metrics, keys[m]) && !is_number(sb_json_get(metrics, keys[m])))
          return 0;
    }
  }
  return 1;
}

/* ---------------------------------------------------------------- planted store */

#define RATE 44100
#define N_FRAMES 5

/* Values with 5 decimals, so that the export is lossless and the imported
 * leaderboard must equal the original exactly. */
static void plant_in(sb_store *s, const char *suite, const char *method, const char *track,
                     double base, int nan_track)
{
  static const char *const targets[] = {"vocals", "drums"};
  double frames[SB_FM_COUNT][2 * N_FRAMES], whole[2 * SB_WM_COUNT];
  sb_eval_result r = {0};
  int64_t suite_id = 0, track_id = 0, method_id = 0;
  sb_msg msg;
  for (int m = 0; m < SB_FM_COUNT; m++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < N_FRAMES; k++)
        frames[m][j * N_FRAMES + k] =
          round((base + 1.25 * j + 0.03125 * k - 2.5 * m + 0.00001 * (k % 2)) * 1e5) / 1e5;
  frames[SB_FM_SDR][1] = NAN;
  frames[SB_FM_SIR][2] = INFINITY;
  if (nan_track)
    for (int k = 0; k < N_FRAMES; k++)
      frames[SB_FM_SDR][N_FRAMES + k] = NAN; /* drums all NaN: skipped by the leaderboard */
  for (int i = 0; i < 2 * SB_WM_COUNT; i++)
    whole[i] = NAN;
  whole[SB_WM_GLOBAL_SDR] = base;
  whole[SB_WM_COUNT + SB_WM_GLOBAL_SDR] = base + 1.0;
  r.n_src = 2;
  r.rate = RATE;
  r.n_frames = N_FRAMES;
  r.win = r.hop = RATE;
  for (int m = 0; m < SB_FM_COUNT; m++)
    r.frame[m] = frames[m];
  r.whole = whole;
  sb_store_suite(s, suite, "test", NULL, &suite_id);
  sb_store_track(s, suite_id, track, "test", &track_id);
  sb_store_method(s, method, NULL, NULL, &method_id);
  sb_item_record rec = {0, track_id, method_id, "cfg", 2, targets, &r, 1.0, -1, 0};
  tap_ok(sb_store_put_item(s, &rec, &msg) == SB_OK, "plant %s/%s/%s", suite, method, track);
}

static void plant(sb_store *s, const char *method, const char *track, double base, int nan_track)
{
  plant_in(s, "music", method, track, base, nan_track);
}

static sb_leaderboard *leaderboard(sb_store *s)
{
  sb_leaderboard *lb = NULL;
  sb_leaderboard_opts o = {0};
  sb_msg msg;
  o.metric = "SDR";
  if (sb_leaderboard_new(s, &o, &lb, &msg) != SB_OK)
    tap_diag("leaderboard: %s", msg.text);
  return lb;
}

static int count_lines(const char *text)
{
  int n = 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static int exists(const char *dir, const char *rel)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return access(path, F_OK) == 0;
}

/* Two suites sharing a method, subset and track: never one file for both
 * (a suite level on top when the export covers several suites, museval's
 * layout below it); two names of one suite that map to the same file: a
 * clear error before anything is written. */
/* Track files whose targets are wrong in one way each: the message says
 * which (a missing or numeric name used to read 'target 0 has no
 * "frames"'), and nothing is imported. */
static void check_bad_targets(sb_store *s, const sb_import_opts *io, const char *tmp)
{
#define FRAMES "\"frames\": [{\"time\": 0.0, \"duration\": 1.0, \"metrics\": {\"SDR\": 1.5}}]"
  static const struct {
    const char *json, *want;
  } cases[] = {
    {"{\"targets\": [{\"name\": 3}]}", "target 0: \"name\" is a number, not a string"},
    {"{\"targets\": [{\"name\": 3, " FRAMES "}]}", "target 0: \"name\" is a number, not a string"},
    {"{\"targets\": [{" FRAMES "}]}", "target 0 has no \"name\""},
    {"{\"targets\": [{}]}", "target 0 has no \"name\""},
    {"{\"targets\": [{\"name\": \"vocals\", " FRAMES "}, {\"name\": null, " FRAMES "}]}",
     "target 1: \"name\" is null, not a string"},
    {"{\"targets\": [{\"name\": \"vocals\", " FRAMES "}, {\"name\": \"acc\\nt\", \"frames\": [{}]}]}",
     "target 'acc?t' frame 0 needs numbers"},
    {"{\"targets\": [\"vocals\"]}", "target 0 is a string, not an object with \"name\" and \"frames\""},
    {"{\"targets\": [{\"name\": \"vocals\"}]}", "target 'vocals' has no \"frames\""},
    {"{\"targets\": [{\"name\": \"vocals\", \"frames\": {}}]}",
     "target 'vocals': \"frames\" is an object, not an array"},
    {"{\"targets\": [{\"name\": \"vocals\", \"frames\": []}]}", "target 'vocals' has no frames"},
    {"{\"targets\": [{\"name\": \"vocals\", \"name\": \"drums\", " FRAMES "}]}", "member \"name\" twice"},
    {"{\"subset\": 3, \"subset\": \"test\", \"targets\": [{\"name\": \"vocals\", " FRAMES "}]}",
     "member \"subset\" twice"},
  };
#undef FRAMES
  char path[1024];
  sb_msg msg;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int n_files = -1;
    FILE *f;
    snprintf(path, sizeof path, "%s/bad-target-%zu.json", tmp, i);
    f = fopen(path, "w");
    if (f) {
      fputs(cases[i].json, f);
      fclose(f);
    }
    sb_msg_clear(&msg);
    sb_err err = sb_import_museval(s, io, path, &n_files, &msg);
    tap_ok(err == SB_EFORMAT && n_files <= 0 && strstr(msg.text, path) && strstr(msg.text, cases[i].want),
           "bad target %zu: %s", i, msg.text);
  }
}

static void test_suites_and_collisions(const char *tmp)
{
  char db[256], out[256];
  sb_store *s = NULL;
  sb_export_opts eo = {0};
  sb_msg msg;
  int n_files = -1;
  snprintf(db, sizeof db, "%s/suites.db", tmp);
  tap_ok(sb_store_open(db, &s, &msg) == SB_OK, "open a store of two suites");
  plant_in(s, "music", "alpha", "t1", 1.0, 0);
  plant_in(s, "speech", "alpha", "t1", 2.0, 0);

  snprintf(out, sizeof out, "%s/both", tmp);
  tap_ok(sb_export_museval(s, &eo, out, &n_files, &msg) == SB_OK && n_files == 2,
         "two suites, same method/subset/track: 2 files written (%s)", msg.text);
  tap_ok(exists(out, "music/alpha/test/t1.json") && exists(out, "speech/alpha/test/t1.json") &&
             !exists(out, "alpha"),
         "one SiSEC tree per suite: DIR/<suite>/<method>/<subset>/<track>.json");
  eo.method = "alpha";
  snprintf(out, sizeof out, "%s/both-one", tmp);
  tap_ok(sb_export_museval(s, &eo, out, &n_files, &msg) == SB_OK && n_files == 2 &&
             exists(out, "music/test/t1.json") && exists(out, "speech/test/t1.json"),
         "one method over two suites: DIR/<suite>/<subset>/<track>.json");
  eo.method = NULL;
  eo.suite = "speech";
  snprintf(out, sizeof out, "%s/speech", tmp);
  tap_ok(sb_export_museval(s, &eo, out, &n_files, &msg) == SB_OK && n_files == 1 &&
             exists(out, "alpha/test/t1.json") && !exists(out, "speech"),
         "one suite: museval's layout without a suite level");

  plant_in(s, "music", "beta", "a/b", 3.0, 0);
  plant_in(s, "music", "beta", "a_b", 4.0, 0);
  eo.suite = "music";
  eo.method = "beta";
  snprintf(out, sizeof out, "%s/clash", tmp);
  tap_ok(sb_export_museval(s, &eo, out, &n_files, &msg) == SB_EINVAL && n_files == 0 &&
             strstr(msg.text, "test/a_b.json") && strstr(msg.text, "'a/b'") &&
             strstr(msg.text, "'a_b'"),
         "two tracks mapping to one file are refused: %s", msg.text);
  tap_ok(!exists(out, "test"), "and nothing is written");
  sb_store_free(&s);
}

int main(void)
{
  static const char *const cases[] = {"length_mismatch", "music3_silence_nan", "music4_stereo_44k1",
                                      "short_0p8s_22k", "speech2_16k_swapped"};
  const char *refdir = getenv("SB_REFVECTORS");
  char tmp[] = "/tmp/sb-export-XXXXXX", db[256], db2[256], out[256], path[512];
  char buf[64];
  sb_store *s = NULL, *s2 = NULL;
  sb_leaderboard *a = NULL, *b = NULL;
  sb_json *root = NULL;
  sb_msg msg;
  int n_files = 0;
  int64_t n_rows = 0;
  sb_export_opts eo = {0};
  sb_import_opts io = {"music", NULL, "cfg"};
  char *csv = NULL;
  size_t csv_len = 0;
  FILE *f;

  tap_ok(refdir && access(refdir, R_OK) == 0, "SB_REFVECTORS is set and readable");
  if (!refdir || access(refdir, R_OK) != 0)
    return tap_done();

  /* Number formats (hand-derived from Python's Decimal and repr). */
  sb_museval_format_value(0.015625, buf, sizeof buf); /* exact tie -> even */
  tap_ok(strcmp(buf, "0.01562") == 0, "0.015625 -> %s (half-even)", buf);
  sb_museval_format_value(-1e-7, buf, sizeof buf);
  tap_ok(strcmp(buf, "-0.00000") == 0, "-1e-7 -> %s", buf);
  sb_museval_format_value(-INFINITY, buf, sizeof buf);
  tap_ok(strcmp(buf, "NaN") == 0, "-inf -> %s", buf);
  sb_format_python_float(0.37, buf, sizeof buf);
  tap_ok(strcmp(buf, "0.37") == 0, "repr 0.37 -> %s", buf);
  sb_format_python_float(1e-5, buf, sizeof buf);
  tap_ok(strcmp(buf, "1e-05") == 0, "repr 1e-5 -> %s", buf);
  sb_format_python_float(1e16, buf, sizeof buf);
  tap_ok(strcmp(buf, "1e+16") == 0, "repr 1e16 -> %s", buf);
  sb_format_python_float(250.0, buf, sizeof buf);
  tap_ok(strcmp(buf, "250.0") == 0, "repr 250.0 -> %s", buf);

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_refvector_case(refdir, cases[i]);

  if (!mkdtemp(tmp))
    return tap_ok(0, "mkdtemp"), tap_done();
  snprintf(db, sizeof db, "%s/a.db", tmp);
  snprintf(db2, sizeof db2, "%s/b.db", tmp);
  snprintf(out, sizeof out, "%s/out", tmp);

  /* Empty store: a clear error, no files. */
  tap_ok(sb_store_open(db, &s, &msg) == SB_OK, "open store");
  tap_ok(sb_export_museval(s, NULL, out, &n_files, &msg) == SB_ENOTFOUND && n_files == 0,
         "empty store -> SB_ENOTFOUND (%s)", msg.text);

  plant(s, "alpha", "t1", 4.0, 0);
  plant(s, "alpha", "t2", 6.0, 1);
  plant(s, "beta", "t1", 2.0, 0);
  plant(s, "beta", "t2", 3.5, 0);

  eo.method = "gamma";
  tap_ok(sb_export_museval(s, &eo, out, &n_files, &msg) == SB_ENOTFOUND,
         "unknown method -> SB_ENOTFOUND (%s)", msg.text);
  eo.method = NULL;
  snprintf(path, sizeof path, "%s/a.db/sub", tmp); /* a file as a directory */
  tap_ok(sb_export_museval(s, NULL, path, &n_files, &msg) == SB_EIO,
         "unwritable output directory -> SB_EIO (%s)", msg.text);

  tap_ok(sb_export_museval(s, NULL, out, &n_files, &msg) == SB_OK && n_files == 4,
         "export 2 methods x 2 tracks: %d files", n_files);
  snprintf(path, sizeof path, "%s/alpha/test/t2.json", out);
  tap_ok(sb_json_parse_file(path, &root, &msg) == SB_OK, "SiSEC layout <method>/<subset>/<track>.json");
  tap_ok(validate_museval(root), "exported file validates against museval's schema");
  tap_ok(strcmp(sb_json_str(sb_json_get(sb_json_at(sb_json_get(root, "targets"), 0), "name")),
                "vocals") == 0, "targets in musdb order (vocals first)");
  tap_ok(isnan(sb_json_num(sb_json_get(sb_json_get(sb_json_at(sb_json_get(sb_json_at(
             sb_json_get(root, "targets"), 0), "frames"), 2), "metrics"), "SIR"))),
         "+inf frame exported as NaN");
  sb_json_free(&root);

  /* Round trip: import into a new store, same leaderboard. */
  tap_ok(sb_store_open(db2, &s2, &msg) == SB_OK, "open second store");
  tap_ok(sb_import_museval(s2, &io, out, &n_files, &msg) == SB_OK && n_files == 4,
         "import the SiSEC layout: %d items (%s)", n_files, msg.text);
  tap_ok(sb_import_museval(s2, &io, out, &n_files, &msg) == SB_OK && n_files == 0,
         "importing again writes nothing");
  a = leaderboard(s);
  b = leaderboard(s2);
  tap_ok(a && b && sb_leaderboard_n_methods(a) == 2 && sb_leaderboard_n_methods(b) == 2 &&
           sb_leaderboard_n_targets(a) == sb_leaderboard_n_targets(b),
         "same leaderboard shape");
  for (int row = 0; a && b && row < 2; row++) {
    tap_ok(strcmp(sb_leaderboard_method(a, row), sb_leaderboard_method(b, row)) == 0,
           "row %d: %s", row, sb_leaderboard_method(a, row));
    for (int col = 0; col < sb_leaderboard_n_targets(a); col++) {
      double va = sb_leaderboard_value(a, row, col), vb = sb_leaderboard_value(b, row, col);
      tap_ok(va == vb && sb_leaderboard_n_tracks(a, row, col) == sb_leaderboard_n_tracks(b, row, col),
             "row %d col %d: %.17g == %.17g (%d tracks)", row, col, va, vb,
             sb_leaderboard_n_tracks(b, row, col));
    }
  }
  /* Hand value: alpha vocals t1 frames SDR base 4 + 0.03125 k + 1e-5 (k odd), frame 1 NaN ->
   * {4, 4.0625, 4.09376, 4.125} median 4.078130; t2 base 6 -> 6.078130; median 5.07813. */
  tap_near(sb_leaderboard_value(b, 0, 0), 5.07813, 1e-12, "imported alpha vocals = 5.07813");
  sb_leaderboard_free(&a);
  sb_leaderboard_free(&b);

  /* One-method layout with --method: DIR/<subset>/<track>.json. */
  snprintf(path, sizeof path, "%s/one", tmp);
  eo.method = "beta";
  tap_ok(sb_export_museval(s, &eo, path, &n_files, &msg) == SB_OK && n_files == 2,
         "export one method: %d files", n_files);
  snprintf(path, sizeof path, "%s/one/test/t1.json", tmp);
  tap_ok(access(path, R_OK) == 0, "museval layout <subset>/<track>.json");
  snprintf(path, sizeof path, "%s/one", tmp);
  io.method = "beta-again";
  tap_ok(sb_import_museval(s2, &io, path, &n_files, &msg) == SB_OK && n_files == 2,
         "import one-method layout under a new name");
  b = leaderboard(s2);
  tap_ok(b && sb_leaderboard_n_methods(b) == 3, "imported method ranks in the same leaderboard");
  sb_leaderboard_free(&b);

  /* CSV long format: 2 methods x 2 tracks x (4 metrics x 2 targets x 5 frames + 2 global). */
  f = open_memstream(&csv, &csv_len);
  eo.method = NULL;
  tap_ok(sb_export_csv(s, &eo, f, &n_rows, &msg) == SB_OK && n_rows == 4 * (40 + 2),
         "CSV rows %lld", (long long)n_rows);
  fclose(f);
  tap_ok(csv && strncmp(csv, "method,track,target,metric,time,value\n", 38) == 0, "CSV header");
  tap_ok(csv && count_lines(csv) == 1 + 168, "CSV line count");
  tap_ok(csv && strstr(csv, "\nalpha,t1,drums,SDR,0,5.25\n") != NULL, "CSV row alpha t1 drums SDR frame 0");
  tap_ok(csv && strstr(csv, "\nalpha,t1,vocals,SDR,1,\n") != NULL, "CSV NaN as empty field");
  tap_ok(csv && strstr(csv, "\nalpha,t1,vocals,SIR,2,inf\n") != NULL, "CSV +inf as inf");
  free(csv);

  test_suites_and_collisions(tmp);

  /* Bad import input. */
  snprintf(path, sizeof path, "%s/missing", tmp);
  tap_ok(sb_import_museval(s2, &io, path, &n_files, &msg) == SB_ENOTFOUND, "missing dir (%s)", msg.text);
  snprintf(path, sizeof path, "%s/bad.json", tmp);
  f = fopen(path, "w");
  fputs("{\"targets\": [{\"name\": \"vocals\", \"frames\": [{\"time\": 0.0}]}]}", f);
  fclose(f);
  tap_ok(sb_import_museval(s2, &io, path, &n_files, &msg) == SB_EFORMAT, "malformed file (%s)", msg.text);
  check_bad_targets(s2, &io, tmp);
  io.config = NULL;
  tap_ok(sb_import_museval(s2, &io, out, &n_files, &msg) == SB_EINVAL, "import without config");

  sb_store_free(&s);
  sb_store_free(&s2);
  snprintf(path, sizeof path, "rm -rf '%s'", tmp);
  tap_ok(system(path) == 0, "clean up");
  return tap_done();
}
