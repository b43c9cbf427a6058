/* tests/reports/test-leaderboard.c — leaderboards from a store with planted
 * values: median of frame medians (SiSEC 2018) with NaN, +inf and -inf
 * frames and a track whose frames are all NaN, mean of frame medians
 * (Demucs), mean and median of per-track global_SDR (MDX), the default
 * config, suite and target filters, sorting, missing cells, bad options,
 * the suite named when the values come from one suite only ("(all)" and an
 * empty CSV field otherwise) and the text, markdown, CSV and JSON outputs.
 *
 * Every expected number is derived by hand from the planted values in the
 * comments below; they are exact in binary, so the checks use 1e-12. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "reports/board_writers.h"
#include "reports/leaderboard.h"
#include "schemas/store.h"
#include "tap.h"

#define TOL 1e-12
#define RATE 44100

/*
 * Planted data, suite "music", config "cfgA", 1-s frames (win = hop = RATE):
 *
 * method A            frames SDR                         median   global_SDR  whole SDR
 *   t1 vocals  [1, 3, 2, NaN, 5]     finite {1,2,3,5}     2.5      3           +inf
 *   t1 drums   [4, +inf, 6, NaN, NaN] finite {4,6}        5        5           1
 *   t2 vocals  [10, 0, -inf, 7]      finite {0,7,10}      7        6           2
 *   t2 drums   [2, 2, 8, 1]          {1,2,2,8}            2        1           1
 *   t3 vocals  [NaN, NaN, NaN]       none -> track skipped  -      NaN         4
 *   t3 drums   [3, NaN, NaN]         {3}                  3        2           1
 *   median over tracks: vocals median{2.5,7} = 4.75 (2 tracks), drums median{5,2,3} = 3 (3)
 *     avg (4.75 + 3) / 2 = 3.875
 *   mean over tracks:   vocals 4.75, drums 10/3, avg (4.75 + 10/3) / 2 = 24.25 / 6
 *   global_SDR mean:    vocals (3+6)/2 = 4.5 (2), drums (5+1+2)/3 = 8/3 (3),
 *                       avg (4.5 + 8/3) / 2 = 21.5 / 6
 *   global_SDR median:  vocals 4.5, drums median{5,1,2} = 2, avg 3.25
 *   whole SDR mean:     vocals (2+4)/2 = 3 (+inf skipped, 2 tracks), drums 1, avg 2
 *
 * method B
 *   t1 vocals  [6, 6, 6, 6, 6] -> 6     drums [1, 1, 1, 1, 1] -> 1     gSDR 7, 0
 *   t2 vocals  [11, 12, 13, 14] -> 12.5 drums [0, 0, 0, 0] -> 0        gSDR 8, 0.5
 *   t3 vocals  [5, 4, 3] -> 4           drums [2, NaN, 4] -> 3         gSDR 9, 1.5
 *   median: vocals median{6,12.5,4} = 6, drums median{1,0,3} = 1, avg 3.5
 *   mean:   vocals 22.5/3 = 7.5, drums 4/3, avg (7.5 + 4/3) / 2 = 26.5 / 6
 *   global_SDR mean: vocals 8, drums 2/3, avg 26 / 6; median: 8, 0.5, avg 4.25
 *   whole SDR: 1 everywhere -> mean 1, 1, avg 1
 *
 * method C: t1 vocals only, [20, 20, 20, 20, 20] -> 20 (1 track); gSDR 10;
 *   drums missing -> NaN cell, avg NaN, sorted last.
 *
 * Rows: median A (3.875), B (3.5), C; mean-median B (4.4167), A (4.0417), C;
 *       global_SDR mean B (4.333), A (3.583), C.
 *
 * Suite "speech", config cfgA: method D, track u1, targets s1 [1,2,3] -> 2,
 * s2 [4,5,6] -> 5.
 * Newest item: config "cfgB", method A, music t1, vocals [1, 2, 3] -> 2.
 */

static char dir[64];
static char path[128];

typedef struct planted {
  const char *suite, *track, *method, *config;
  int n_src;
  const char *targets[2];
  int n_frames;
  double sdr[2][5];    /* frame SDR per target */
  double gsdr[2];      /* whole global_SDR per target */
  double whole_sdr[2]; /* whole SDR per target */
} planted;

#define NA NAN
#define INF INFINITY

static const planted items[] = {
  {"music", "t1", "A", "cfgA", 2, {"vocals", "drums"}, 5,
   {{1, 3, 2, NA, 5}, {4, INF, 6, NA, NA}}, {3, 5}, {INF, 1}},
  {"music", "t2", "A", "cfgA", 2, {"vocals", "drums"}, 4,
   {{10, 0, -INF, 7}, {2, 2, 8, 1}}, {6, 1}, {2, 1}},
  {"music", "t3", "A", "cfgA", 2, {"vocals", "drums"}, 3,
   {{NA, NA, NA}, {3, NA, NA}}, {NA, 2}, {4, 1}},
  {"music", "t1", "B", "cfgA", 2, {"vocals", "drums"}, 5,
   {{6, 6, 6, 6, 6}, {1, 1, 1, 1, 1}}, {7, 0}, {1, 1}},
  {"music", "t2", "B", "cfgA", 2, {"vocals", "drums"}, 4,
   {{11, 12, 13, 14}, {0, 0, 0, 0}}, {8, 0.5}, {1, 1}},
  {"music", "t3", "B", "cfgA", 2, {"vocals", "drums"}, 3,
   {{5, 4, 3}, {2, NA, 4}}, {9, 1.5}, {1, 1}},
  {"music", "t1", "C", "cfgA", 1, {"vocals", NULL}, 5,
   {{20, 20, 20, 20, 20}, {0}}, {10, NA}, {NA, NA}},
  {"speech", "u1", "D", "cfgA", 2, {"s1", "s2"}, 3,
   {{1, 2, 3}, {4, 5, 6}}, {NA, NA}, {NA, NA}},
  {"music", "t1", "A", "cfgB", 1, {"vocals", NULL}, 3,
   {{1, 2, 3}, {0}}, {NA, NA}, {NA, NA}},
};

static int put_planted(sb_store *s, const planted *p)
{
  sb_eval_result r = {0};
  double frames[10];
  double whole[2 * SB_WM_COUNT];
  int perm[2] = {0, 1};
  int64_t suite_id, track_id, method_id;
  sb_item_record rec;
  sb_msg msg = {{0}};

  for (int i = 0; i < 2 * SB_WM_COUNT; i++)
    whole[i] = NAN;
  for (int j = 0; j < p->n_src; j++) {
    for (int k = 0; k < p->n_frames; k++)
      frames[j * p->n_frames + k] = p->sdr[j][k];
    whole[j * SB_WM_COUNT + SB_WM_GLOBAL_SDR] = p->gsdr[j];
    whole[j * SB_WM_COUNT + SB_WM_SDR] = p->whole_sdr[j];
  }
  r.n_src = p->n_src;
  r.rate = RATE;
  r.n_frames = p->n_frames;
  r.win = RATE;
  r.hop = RATE;
  r.frame[SB_FM_SDR] = frames;
  r.whole = whole;
  r.perm = perm;
  if (sb_store_suite(s, p->suite, "test", NULL, &suite_id) != SB_OK ||
      sb_store_track(s, suite_id, p->track, NULL, &track_id) != SB_OK ||
      sb_store_method(s, p->method, "test", NULL, &method_id) != SB_OK)
    return 0;
  rec = (sb_item_record){0, track_id, method_id, p->config, p->n_src, p->targets, &r, 1.0, -1, 0};
  if (sb_store_put_item(s, &rec, &msg) != SB_OK) {
    tap_diag("put %s/%s/%s: %s", p->method, p->track, p->config, msg.text);
    return 0;
  }
  return 1;
}

/* Text of the leaderboard in format fmt (malloc'ed; NULL on failure). */
static char *render(const sb_leaderboard *lb, sb_lb_format fmt)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  sb_err err;
  if (!f)
    return NULL;
  err = sb_leaderboard_write(lb, f, fmt);
  fclose(f);
  if (err != SB_OK) {
    free(text);
    return NULL;
  }
  return text;
}

static sb_leaderboard *make(sb_store *s, const char *suite, const char *metric, sb_lb_agg agg,
                            const char *config)
{
  sb_leaderboard_opts o = {suite, metric, agg, config, 0, NULL};
  sb_leaderboard *lb = NULL;
  sb_msg msg = {{0}};
  if (sb_leaderboard_new(s, &o, &lb, &msg) != SB_OK)
    tap_diag("leaderboard %s/%s: %s", metric ? metric : "default", sb_leaderboard_agg_name(agg), msg.text);
  return lb;
}

static int row_is(const sb_leaderboard *lb, int row, const char *method)
{
  const char *name = sb_leaderboard_method(lb, row);
  return name && strcmp(name, method) == 0;
}

static void test_default(sb_store *s)
{
  sb_leaderboard *lb = NULL;
  sb_msg msg = {{0}};
  tap_ok(sb_leaderboard_new(s, NULL, &lb, &msg) == SB_OK && lb, "default leaderboard (%s)",
         msg.text);
  if (!lb)
    return;
  tap_ok(strcmp(sb_leaderboard_config(lb), "cfgB") == 0, "the default config is the newest (cfgB)");
  tap_ok(strcmp(sb_leaderboard_metric(lb), "SDR") == 0, "the default metric is SDR");
  tap_ok(sb_leaderboard_aggregation(lb) == SB_LB_MEDIAN, "auto resolves to median for SDR");
  tap_ok(sb_leaderboard_n_methods(lb) == 1 && row_is(lb, 0, "A") &&
             sb_leaderboard_n_targets(lb) == 1 &&
             strcmp(sb_leaderboard_target(lb, 0), "vocals") == 0,
         "cfgB holds method A, target vocals");
  tap_near(sb_leaderboard_value(lb, 0, 0), 2.0, TOL, "cfgB: median{1,2,3} = 2");
  tap_ok(sb_leaderboard_n_tracks(lb, 0, 0) == 1, "cfgB: 1 track");
  sb_leaderboard_free(&lb);
  tap_ok(lb == NULL, "free NULLs the handle");
}

static void test_median(sb_store *s)
{
  sb_leaderboard *lb = make(s, "music", "SDR", SB_LB_MEDIAN, "cfgA");
  char *text;
  tap_ok(lb != NULL, "median leaderboard of music/cfgA");
  if (!lb)
    return;
  tap_ok(sb_leaderboard_n_methods(lb) == 3 && sb_leaderboard_n_targets(lb) == 2,
         "3 methods x 2 targets");
  tap_ok(strcmp(sb_leaderboard_target(lb, 0), "vocals") == 0 &&
             strcmp(sb_leaderboard_target(lb, 1), "drums") == 0,
         "columns in musdb order: vocals, drums");
  tap_ok(row_is(lb, 0, "A") && row_is(lb, 1, "B") && row_is(lb, 2, "C"),
         "rows sorted by avg: A (3.875), B (3.5), C (NaN)");
  tap_near(sb_leaderboard_value(lb, 0, 0), 4.75, TOL, "A vocals = median{2.5, 7} = 4.75");
  tap_ok(sb_leaderboard_n_tracks(lb, 0, 0) == 2, "A vocals: 2 tracks (t3 all NaN skipped)");
  tap_near(sb_leaderboard_value(lb, 0, 1), 3.0, TOL, "A drums = median{5, 2, 3} = 3");
  tap_ok(sb_leaderboard_n_tracks(lb, 0, 1) == 3, "A drums: 3 tracks");
  tap_near(sb_leaderboard_avg(lb, 0), 3.875, TOL, "A avg = 3.875");
  tap_near(sb_leaderboard_value(lb, 1, 0), 6.0, TOL, "B vocals = median{6, 12.5, 4} = 6");
  tap_near(sb_leaderboard_value(lb, 1, 1), 1.0, TOL, "B drums = median{1, 0, 3} = 1");
  tap_near(sb_leaderboard_avg(lb, 1), 3.5, TOL, "B avg = 3.5");
  tap_near(sb_leaderboard_value(lb, 2, 0), 20.0, TOL, "C vocals = 20");
  tap_ok(sb_leaderboard_n_tracks(lb, 2, 0) == 1, "C vocals: 1 track");
  tap_ok(isnan(sb_leaderboard_value(lb, 2, 1)) && sb_leaderboard_n_tracks(lb, 2, 1) == 0,
         "C drums is missing (NaN, 0 tracks)");
  tap_ok(isnan(sb_leaderboard_avg(lb, 2)), "C avg is NaN");
  tap_ok(isnan(sb_leaderboard_value(lb, 3, 0)) && sb_leaderboard_method(lb, 3) == NULL &&
             sb_leaderboard_target(lb, -1) == NULL && sb_leaderboard_n_tracks(lb, 0, 2) == 0,
         "out-of-range accessors give NaN/NULL/0");
  tap_ok(strcmp(sb_leaderboard_title(lb),
                "SDR (dB), median over 1-s frames, median over tracks — SiSEC 2018") == 0,
         "title: %s", sb_leaderboard_title(lb));

  text = render(lb, SB_LB_TEXT);
  tap_ok(text != NULL, "text output");
  if (text) {
    const char *row_a = strstr(text, "\nA ");
    const char *row_b = strstr(text, "\nB ");
    const char *row_c = strstr(text, "\nC ");
    tap_diag("text output:\n%s", text);
    tap_ok(strncmp(text, "SDR (dB), median over 1-s frames, median over tracks — SiSEC 2018\n",
                   strlen("SDR (dB), median over 1-s frames, median over tracks — SiSEC 2018\n")) ==
               0,
           "text starts with the title line");
    tap_ok(strstr(text, "suite music, config cfgA, 3 tracks, 3 methods") != NULL,
           "text names suite, config, tracks and methods");
    tap_ok(row_a && row_b && row_c && row_a < row_b && row_b < row_c, "text rows in order A, B, C");
    tap_ok(row_a && strstr(row_a, "4.75 (2)") && strstr(row_a, "3.00") && strstr(row_a, "3.88"),
           "row A shows 4.75 (2 tracks), 3.00 and avg 3.88");
    tap_ok(row_c && strstr(row_c, "20.00 (1)") && strstr(row_c, " -"),
           "row C shows 20.00 (1) and '-' for the missing cells");
    tap_ok(strstr(text, "(n): computed from n tracks only") != NULL, "footnote for partial cells");
    {
      const char *header = strstr(text, "\nmethod ");
      const char *end = header ? strchr(header + 1, '\n') : NULL;
      const char *vocals = header ? strstr(header, "vocals") : NULL;
      const char *drums = header ? strstr(header, "drums") : NULL;
      const char *avg = header ? strstr(header, "avg") : NULL;
      tap_ok(end && vocals && drums && avg && vocals < drums && drums < avg && avg < end,
             "the header line names method, vocals, drums, avg");
    }
    free(text);
  }
  text = render(lb, SB_LB_MARKDOWN);
  tap_ok(text && strstr(text, "**SDR (dB), median over 1-s frames, median over tracks — SiSEC"
                              " 2018**") &&
             strstr(text, "| method | vocals | drums | avg |\n|:---|---:|---:|---:|\n") &&
             strstr(text, "| A | 4.75 (2) | 3.00 | 3.88 |\n") &&
             strstr(text, "| C | 20.00 (1) | - | - |\n"),
         "markdown table");
  if (text)
    tap_diag("markdown output:\n%s", text);
  free(text);
  /* Best per column in bold: vocals C 20, drums A 3, avg A 3.875. */
  text = render(lb, SB_LB_LATEX);
  tap_ok(text && strstr(text, "\\toprule\nMethod & vocals & drums & avg \\\\\n\\midrule\n") &&
             strstr(text, "(aggregation median-median; 3 tracks)}") &&
             strstr(text, "A & 4.75 (2) & \\textbf{3.00} & \\textbf{3.88} \\\\\n") &&
             strstr(text, "C & \\textbf{20.00 (1)} & -- & -- \\\\\n"),
         "latex booktabs table, aggregation in the caption, best in bold");
  free(text);
  text = render(lb, SB_LB_HTML);
  tap_ok(text && strstr(text, "aggregation median-median") &&
             strstr(text, "<tr><th>A</th><td>4.75 (2)</td><td><b>3.00</b></td><td><b>3.88</b></td></tr>") &&
             strstr(text, "<tr><th>C</th><td><b>20.00 (1)</b></td><td>-</td><td>-</td></tr>"),
         "html table, best in bold");
  free(text);
  text = render(lb, SB_LB_CSV);
  tap_ok(text && strncmp(text, "suite,metric,aggregation,config,method,target,value,n_tracks\n",
                         61) == 0 &&
             strstr(text, "\nmusic,SDR,median-median,cfgA,A,vocals,4.75,2\n") &&
             strstr(text, "\nmusic,SDR,median-median,cfgA,A,avg,3.875,\n") &&
             strstr(text, "\nmusic,SDR,median-median,cfgA,C,drums,,0\n"),
         "CSV long format with full precision and empty NaN");
  free(text);
  text = render(lb, SB_LB_JSON);
  {
    sb_json *doc = NULL;
    const sb_json *methods, *a, *c;
    tap_ok(text && sb_json_parse(text, strlen(text), &doc, NULL) == SB_OK, "JSON output parses");
    methods = sb_json_get(doc, "methods");
    a = sb_json_at(methods, 0);
    c = sb_json_at(methods, 2);
    tap_ok(doc && strcmp(sb_json_str(sb_json_get(doc, "aggregation")), "median-median") == 0 &&
               strcmp(sb_json_str(sb_json_get(doc, "config")), "cfgA") == 0 &&
               strcmp(sb_json_str(sb_json_at(sb_json_get(doc, "targets"), 1)), "drums") == 0,
           "JSON metadata");
    tap_ok(a && strcmp(sb_json_str(sb_json_get(a, "name")), "A") == 0 &&
               sb_json_num(sb_json_at(sb_json_get(a, "values"), 0)) == 4.75 &&
               sb_json_num(sb_json_at(sb_json_get(a, "n_tracks"), 1)) == 3 &&
               sb_json_num(sb_json_get(a, "avg")) == 3.875,
           "JSON row A");
    tap_ok(c && sb_json_at(sb_json_get(c, "values"), 1)->type == SB_JSON_NULL &&
               sb_json_get(c, "avg")->type == SB_JSON_NULL,
           "JSON writes NaN as null");
    sb_json_free(&doc);
  }
  free(text);
  tap_ok(sb_leaderboard_write(lb, stdout, (sb_lb_format)99) == SB_EINVAL,
         "an unknown format is refused");
  {
    FILE *full = fopen("/dev/full", "w");
    tap_ok(full && sb_leaderboard_write(lb, full, SB_LB_TEXT) == SB_EIO,
           "a write error gives SB_EIO");
    if (full)
      fclose(full);
  }
  sb_leaderboard_free(&lb);
}

static void test_mean_median(sb_store *s)
{
  sb_leaderboard *lb = make(s, "music", NULL, SB_LB_MEAN_MEDIAN, "cfgA");
  tap_ok(lb != NULL, "mean-median leaderboard");
  if (!lb)
    return;
  tap_ok(row_is(lb, 0, "B") && row_is(lb, 1, "A") && row_is(lb, 2, "C"),
         "mean-median reorders: B, A, C");
  tap_near(sb_leaderboard_value(lb, 0, 0), 7.5, TOL, "B vocals = (6 + 12.5 + 4) / 3 = 7.5");
  tap_near(sb_leaderboard_value(lb, 0, 1), 4.0 / 3.0, TOL, "B drums = (1 + 0 + 3) / 3");
  tap_near(sb_leaderboard_avg(lb, 0), 26.5 / 6.0, TOL, "B avg = 26.5 / 6");
  tap_near(sb_leaderboard_value(lb, 1, 0), 4.75, TOL, "A vocals = (2.5 + 7) / 2");
  tap_near(sb_leaderboard_value(lb, 1, 1), 10.0 / 3.0, TOL, "A drums = (5 + 2 + 3) / 3");
  tap_near(sb_leaderboard_avg(lb, 1), 24.25 / 6.0, TOL, "A avg = 24.25 / 6");
  tap_ok(strcmp(sb_leaderboard_title(lb),
                "SDR (dB), median over 1-s frames, mean over tracks — Demucs") == 0,
         "title: %s", sb_leaderboard_title(lb));
  sb_leaderboard_free(&lb);
}

static void test_track_metrics(sb_store *s)
{
  sb_leaderboard *lb = make(s, "music", "global_SDR", SB_LB_AUTO, NULL);
  sb_msg msg = {{0}};
  sb_leaderboard_opts o = {"music", "global_SDR", SB_LB_MEDIAN, NULL, 0, NULL};
  sb_leaderboard *none = NULL;

  tap_ok(lb != NULL, "global_SDR leaderboard with auto aggregation");
  if (lb) {
    tap_ok(sb_leaderboard_aggregation(lb) == SB_LB_MEAN, "auto resolves to mean for global_SDR");
    tap_ok(strcmp(sb_leaderboard_config(lb), "cfgA") == 0,
           "default config of global_SDR is cfgA (cfgB has none)");
    tap_ok(row_is(lb, 0, "B") && row_is(lb, 1, "A") && row_is(lb, 2, "C"), "rows B, A, C");
    tap_near(sb_leaderboard_value(lb, 0, 0), 8.0, TOL, "B vocals mean{7,8,9} = 8");
    tap_near(sb_leaderboard_value(lb, 0, 1), 2.0 / 3.0, TOL, "B drums mean{0,0.5,1.5} = 2/3");
    tap_near(sb_leaderboard_avg(lb, 0), 26.0 / 6.0, TOL, "B avg = 26 / 6");
    tap_near(sb_leaderboard_value(lb, 1, 0), 4.5, TOL, "A vocals mean{3,6} = 4.5 (NaN skipped)");
    tap_ok(sb_leaderboard_n_tracks(lb, 1, 0) == 2 && sb_leaderboard_n_tracks(lb, 1, 1) == 3,
           "A: 2 and 3 tracks");
    tap_near(sb_leaderboard_value(lb, 1, 1), 8.0 / 3.0, TOL, "A drums mean{5,1,2} = 8/3");
    tap_near(sb_leaderboard_avg(lb, 1), 21.5 / 6.0, TOL, "A avg = 21.5 / 6");
    tap_near(sb_leaderboard_value(lb, 2, 0), 10.0, TOL, "C vocals = 10");
    tap_ok(strcmp(sb_leaderboard_title(lb),
                  "global_SDR (dB), whole track, mean over tracks — MDX 2021 / SDX 2023") == 0,
           "title: %s", sb_leaderboard_title(lb));
    sb_leaderboard_free(&lb);
  }
  lb = make(s, "music", "global_SDR", SB_LB_TRACK_MEDIAN, NULL);
  tap_ok(lb && row_is(lb, 0, "B") && row_is(lb, 1, "A"), "track-median rows B, A");
  tap_near(sb_leaderboard_value(lb, 1, 1), 2.0, TOL, "A drums median{5,1,2} = 2");
  tap_near(sb_leaderboard_avg(lb, 1), 3.25, TOL, "A avg = (4.5 + 2) / 2");
  tap_near(sb_leaderboard_value(lb, 0, 1), 0.5, TOL, "B drums median{0,0.5,1.5} = 0.5");
  sb_leaderboard_free(&lb);

  lb = make(s, "music", "SDR", SB_LB_MEAN, "cfgA");
  tap_ok(lb != NULL, "mean over tracks of the whole-signal SDR");
  tap_near(sb_leaderboard_value(lb, 0, 0), 3.0, TOL, "A vocals mean{2,4} = 3 (+inf skipped)");
  tap_ok(sb_leaderboard_n_tracks(lb, 0, 0) == 2, "A vocals: 2 tracks (+inf skipped)");
  tap_near(sb_leaderboard_avg(lb, 0), 2.0, TOL, "A avg = (3 + 1) / 2");
  tap_ok(sb_leaderboard_n_methods(lb) == 2, "C (all NaN whole SDR, not stored) is absent");
  sb_leaderboard_free(&lb);

  tap_ok(sb_leaderboard_new(s, &o, &none, &msg) == SB_ENOTFOUND && none == NULL,
         "median over frames of global_SDR: %s", msg.text);
  o.metric = "PS";
  o.agg = SB_LB_AUTO;
  tap_ok(sb_leaderboard_new(s, &o, &none, &msg) == SB_ENOTFOUND, "an unknown metric: %s", msg.text);
}

static void test_filters(sb_store *s)
{
  static const char *const drums[] = {"drums"};
  static const char *const bass[] = {"bass"};
  static const char *const twice[] = {"drums", "drums"};
  static const char *const null_name[] = {NULL};
  sb_leaderboard_opts o = {"music", "SDR", SB_LB_MEDIAN, "cfgA", 1, drums};
  sb_leaderboard *lb = NULL;
  sb_msg msg = {{0}};

  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_OK && sb_leaderboard_n_targets(lb) == 1 &&
             strcmp(sb_leaderboard_target(lb, 0), "drums") == 0,
         "target filter keeps drums only");
  tap_ok(row_is(lb, 0, "A") && row_is(lb, 1, "B") && row_is(lb, 2, "C"),
         "drums only: A (3), B (1), C (missing)");
  tap_near(sb_leaderboard_avg(lb, 0), 3.0, TOL, "avg over one target = its value");
  sb_leaderboard_free(&lb);
  o.targets = bass;
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_ENOTFOUND && strstr(msg.text, "bass"),
         "a target without values: %s", msg.text);
  o.targets = twice;
  o.n_targets = 2;
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_EINVAL, "a target requested twice: %s",
         msg.text);
  o.targets = null_name;
  o.n_targets = 1;
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_EINVAL, "a NULL target name: %s", msg.text);
  o.n_targets = -1;
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_EINVAL, "a negative target count");
  o.n_targets = 0;
  o.agg = (sb_lb_agg)42;
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_EINVAL, "an aggregation out of range");
  o.agg = SB_LB_MEDIAN;
  o.suite = "nope";
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_ENOTFOUND && lb == NULL,
         "an unknown suite: %s", msg.text);
  o.suite = "music";
  o.config = "cfgZ";
  tap_ok(sb_leaderboard_new(s, &o, &lb, &msg) == SB_ENOTFOUND && strstr(msg.text, "cfgZ"),
         "an unknown config: %s", msg.text);
  tap_ok(sb_leaderboard_new(NULL, &o, &lb, &msg) == SB_EINVAL &&
             sb_leaderboard_new(s, &o, NULL, &msg) == SB_EINVAL,
         "NULL store or output");

  /* Every suite, cfgA: music and speech targets side by side. */
  lb = make(s, NULL, "SDR", SB_LB_MEDIAN, "cfgA");
  tap_ok(lb && sb_leaderboard_n_methods(lb) == 4 && sb_leaderboard_n_targets(lb) == 4,
         "all suites: 4 methods x 4 targets");
  tap_ok(lb && strcmp(sb_leaderboard_target(lb, 0), "vocals") == 0 &&
             strcmp(sb_leaderboard_target(lb, 1), "drums") == 0 &&
             strcmp(sb_leaderboard_target(lb, 2), "s1") == 0 &&
             strcmp(sb_leaderboard_target(lb, 3), "s2") == 0,
         "musdb targets first, then the others by name");
  tap_ok(row_is(lb, 0, "A") && row_is(lb, 3, "D"), "all rows NaN avg: sorted by name");
  tap_near(sb_leaderboard_value(lb, 3, 3), 5.0, TOL, "D s2 = median{4,5,6} = 5");
  tap_ok(lb && sb_leaderboard_suite(lb) == NULL, "values of two suites: no suite name");
  {
    char *text = lb ? render(lb, SB_LB_TEXT) : NULL, *csv = lb ? render(lb, SB_LB_CSV) : NULL;
    tap_ok(text && strstr(text, "\nsuite (all), config cfgA,") &&
               csv && strstr(csv, "\n,SDR,median-median,cfgA,A,vocals,"),
           "the header says (all) and the CSV suite field is empty");
    free(text);
    free(csv);
  }
  sb_leaderboard_free(&lb);
  /* Every suite asked for, values of one suite only (cfgB is music's). */
  lb = make(s, NULL, "SDR", SB_LB_AUTO, "cfgB");
  tap_ok(lb && sb_leaderboard_suite(lb) && strcmp(sb_leaderboard_suite(lb), "music") == 0,
         "values of one suite: the leaderboard names it");
  {
    char *text = lb ? render(lb, SB_LB_TEXT) : NULL, *csv = lb ? render(lb, SB_LB_CSV) : NULL;
    char *json = lb ? render(lb, SB_LB_JSON) : NULL, *html = lb ? render(lb, SB_LB_HTML) : NULL;
    tap_ok(text && strstr(text, "\nsuite music, config cfgB,") && !strstr(text, "(all)"),
           "the text header names the suite, not (all)");
    tap_ok(csv && strstr(csv, "\nmusic,SDR,median-median,cfgB,A,vocals,2,1\n"),
           "the CSV suite field names it");
    tap_ok(json && strstr(json, "\"suite\": \"music\"") && html && strstr(html, "; suite music,"),
           "so do JSON and HTML");
    free(text);
    free(csv);
    free(json);
    free(html);
  }
  sb_leaderboard_free(&lb);
  lb = make(s, "speech", NULL, SB_LB_AUTO, NULL);
  tap_ok(lb && sb_leaderboard_n_methods(lb) == 1 && row_is(lb, 0, "D") &&
             strcmp(sb_leaderboard_config(lb), "cfgA") == 0,
         "the default config is chosen per suite");
  tap_near(sb_leaderboard_avg(lb, 0), 3.5, TOL, "D avg = (2 + 5) / 2");
  sb_leaderboard_free(&lb);
}

static void test_parse(void)
{
  sb_lb_agg agg = SB_LB_AUTO;
  sb_lb_format fmt = SB_LB_TEXT;
  sb_leaderboard_opts o;
  memset(&o, 0xff, sizeof o);
  sb_leaderboard_opts_default(&o);
  tap_ok(!o.suite && !o.metric && o.agg == SB_LB_AUTO && !o.config && o.n_targets == 0 &&
             !o.targets,
         "opts_default: every suite, SDR, auto, newest config, every target");
  tap_ok(sb_leaderboard_parse_agg("median-median", &agg) == SB_OK && agg == SB_LB_MEDIAN &&
             sb_leaderboard_parse_agg("median", &agg) == SB_OK && agg == SB_LB_MEDIAN,
         "parse median-median and its alias median");
  tap_ok(sb_leaderboard_parse_agg("auto", &agg) == SB_OK && agg == SB_LB_AUTO, "parse auto");
  tap_ok(sb_leaderboard_parse_agg("mean-median", &agg) == SB_OK && agg == SB_LB_MEAN_MEDIAN,
         "parse mean-median");
  tap_ok(sb_leaderboard_parse_agg("track-median", &agg) == SB_OK && agg == SB_LB_TRACK_MEDIAN,
         "parse track-median");
  tap_ok(sb_leaderboard_parse_agg("average", &agg) == SB_EINVAL && sb_leaderboard_parse_agg(NULL, &agg) == SB_EINVAL,
         "unknown aggregation names are refused");
  tap_ok(strcmp(sb_leaderboard_agg_name(SB_LB_MEAN), "mean") == 0 &&
             strcmp(sb_leaderboard_agg_name(SB_LB_MEDIAN), "median-median") == 0 &&
             strcmp(sb_leaderboard_agg_name((sb_lb_agg)17), "?") == 0,
         "aggregation names");
  tap_ok(sb_leaderboard_parse_format("md", &fmt) == SB_OK && fmt == SB_LB_MARKDOWN &&
             sb_leaderboard_parse_format("json", &fmt) == SB_OK && fmt == SB_LB_JSON,
         "parse formats");
  tap_ok(sb_leaderboard_parse_format("latex", &fmt) == SB_OK && fmt == SB_LB_LATEX &&
             sb_leaderboard_parse_format("html", &fmt) == SB_OK && fmt == SB_LB_HTML,
         "parse latex and html");
  tap_ok(sb_leaderboard_parse_format("pdf", &fmt) == SB_EINVAL, "unknown formats are refused");
}

int main(void)
{
  sb_store *s = NULL;
  sb_msg msg = {{0}};
  const char *tmp = getenv("TMPDIR");
  int n_ok = 0;

  snprintf(dir, sizeof dir, "%s/sb-lb-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp %s", dir);
    return tap_done();
  }
  snprintf(path, sizeof path, "%s/store.db", dir);
  tap_ok(sb_store_open(path, &s, &msg) == SB_OK, "store opens (%s)", msg.text);
  {
    sb_leaderboard *lb = NULL;
    tap_ok(s && sb_leaderboard_new(s, NULL, &lb, &msg) == SB_ENOTFOUND && lb == NULL,
           "an empty store has no leaderboard: %s", msg.text);
  }
  for (size_t i = 0; s && i < sizeof items / sizeof items[0]; i++)
    n_ok += put_planted(s, &items[i]);
  tap_ok(n_ok == (int)(sizeof items / sizeof items[0]), "%d planted items stored", n_ok);

  if (s) {
    test_default(s);
    test_median(s);
    test_mean_median(s);
    test_track_metrics(s);
    test_filters(s);
  }
  test_parse();

  sb_store_free(&s);
  {
    char name[160];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
      snprintf(name, sizeof name, "%s%s", path, suffix[i]);
      unlink(name);
    }
  }
  rmdir(dir);
  return tap_done();
}
