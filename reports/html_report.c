/*
 * reports/html_report.c — the static HTML report (contract in
 * reports/html_report.h).
 *
 * The page is HTML5 with inline CSS only.  gnuplot's SVG output starts
 * with an XML declaration, which is not allowed inside HTML: the figure is
 * inlined from its "<svg" element on (HTML5 parses inline SVG natively).
 */
#include <config.h>

#include "reports/html_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/escape.h"
#include "metrics/metric_config.h"
#include "reports/board_writers.h"
#include "reports/leaderboard.h"
#include "reports/plot.h"
#include "reports/scores.h"
#include "schemas/store_read.h"

/* The metrics shown, in this order, when the store holds them. */
static const char *const report_metrics[] = {"SDR", "SI-SDR", "global_SDR", "SIR", "SAR",
                                             "ISR", "SD-SDR", "SNR", "SDRi", "SI-SDRi",
                                             "PS", "PM", "STOI", "ESTOI", "dSTOI", "dESTOI",
                                             "SA-SDR", "SI-SA-SDR"};
#define N_REPORT_METRICS ((int)(sizeof report_metrics / sizeof report_metrics[0]))

static const char page_style[] =
  "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;"
  "color:#222}\n"
  "table{border-collapse:collapse;margin:1em 0}\n"
  "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}\n"
  "th:first-child{text-align:left}\n"
  "thead th{background:#f0f0f0}\n"
  "caption{text-align:left;font-weight:600;padding:.3em 0}\n"
  "figure{margin:1em 0}\n"
  "figure svg{max-width:100%;height:auto}\n"
  "code{font-size:90%}\n"
  "td.text{text-align:left}\n"
  "section{overflow-x:auto}\n"
  "table.runs{font-size:85%}\n"
  "table.runs code,caption code{word-break:break-all}\n";

/* A number with 2 decimals, or an en dash when not finite. */
static void put_value(FILE *f, double value)
{
  if (isfinite(value))
    fprintf(f, "%.2f", value);
  else
    fputs("&ndash;", f);
}

static void put_text_cell(FILE *f, const char *text, int code)
{
  fputs(code ? "<td class=\"text\"><code>" : "<td class=\"text\">", f);
  sb_escape_html(f, text);
  fputs(code ? "</code></td>" : "</td>", f);
}

/* The provenance table being written. */
typedef struct run_table {
  FILE *f;
  int n_runs;
} run_table;

/* sb_store_run_fn: one row of the provenance table. */
static sb_err put_run(void *ctx, const sb_store_run *run, sb_msg *msg)
{
  run_table *table = ctx;
  FILE *f = table->f;
  (void)msg;
  table->n_runs++;
  fprintf(f, "<tr><th>%lld</th>", (long long)run->id);
  put_text_cell(f, run->started_at, 0);
  put_text_cell(f, run->ended_at, 0);
  put_text_cell(f, run->status, 0);
  put_text_cell(f, run->sepbench_version, 0);
  put_text_cell(f, run->git_revision, 1);
  put_text_cell(f, run->host, 0);
  put_text_cell(f, run->command, 1);
  put_text_cell(f, run->suite, 0);
  put_text_cell(f, run->backends, 0);
  put_text_cell(f, run->metric_params, 1);
  fputs("</tr>\n", f);
  return SB_OK;
}

/* The runs behind the config, newest first. */
static sb_err put_provenance(FILE *f, sb_store *s, const char *config, sb_msg *msg)
{
  static const char *const heads[] = {"run", "started (UTC)", "ended (UTC)", "status",
                                      "sepbench", "git", "host", "command", "suite",
                                      "backends", "metric parameters"};
  run_table table = {f, 0};
  sb_err err;
  fputs("<section id=\"provenance\">\n<h2>Run provenance</h2>\n"
        "<table class=\"runs\">\n<thead><tr>", f);
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
    fprintf(f, "<th>%s</th>", heads[i]);
  fputs("</tr></thead>\n<tbody>\n", f);
  if ((err = sb_store_each_run(s, config, put_run, &table, msg)) != SB_OK)
    return err;
  fputs("</tbody>\n</table>\n", f);
  if (table.n_runs == 0)
    fputs("<p>No run is recorded for these values (e.g. they were imported).</p>\n", f);
  fputs("</section>\n", f);
  return SB_OK;
}

/* Per track: methods x targets of the per-track values. */
static void put_track_tables(FILE *f, const sb_scores *sc)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  int n_targets = sb_scores_n_targets(sc);
  fputs("<section id=\"tracks\">\n<h2>Per-track values</h2>\n<p>", f);
  sb_escape_html(f, sb_leaderboard_metric(lb));
  fputs(" of each track (", f);
  fputs(sb_leaderboard_aggregation(lb) == SB_LB_MEDIAN ||
            sb_leaderboard_aggregation(lb) == SB_LB_MEAN_MEDIAN
          ? "median over frames"
          : "whole-track value",
        f);
  fputs("), methods in leaderboard order; &ndash; = no value.</p>\n", f);
  for (int k = 0; k < sb_scores_n_tracks(sc); k++) {
    fputs("<details open>\n<summary>", f);
    sb_escape_html(f, sb_scores_track(sc, k));
    fputs("</summary>\n<table class=\"track\">\n<thead><tr><th>method</th>", f);
    for (int t = 0; t < n_targets; t++) {
      fputs("<th>", f);
      sb_escape_html(f, sb_leaderboard_target(lb, t));
      fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int m = 0; m < sb_scores_n_methods(sc); m++) {
      fputs("<tr><th>", f);
      sb_escape_html(f, sb_leaderboard_method(lb, m));
      fputs("</th>", f);
      for (int t = 0; t < n_targets; t++) {
        fputs("<td>", f);
        put_value(f, sb_scores_value(sc, m, t, k));
        fputs("</td>", f);
      }
      fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</details>\n", f);
  }
  fputs("</section>\n", f);
}

/* The box plot as inline SVG. */
static sb_err put_figure(FILE *f, const sb_scores *sc, const sb_html_report_opts *o,
                         sb_msg *msg)
{
  sb_plot_opts po = {0};
  char *image = NULL;
  size_t len = 0;
  po.format = SB_PLOT_SVG;
  po.suite = o->suite;
  po.gnuplot = o->gnuplot;
  sb_err err = sb_plot_boxplot(sc, &po, &image, &len, msg);
  if (err)
    return err;
  const char *svg = strstr(image, "<svg");
  if (!svg) {
    free(image);
    return sb_msg_set(msg, SB_EBACKEND, "report: gnuplot's SVG output has no <svg> element");
  }
  fputs("<section id=\"figures\">\n<h2>Per-track distribution</h2>\n<figure>\n", f);
  fwrite(svg, 1, len - (size_t)(svg - image), f);
  fputs("\n<figcaption>Per-track ", f);
  sb_escape_html(f, sb_leaderboard_metric(sb_scores_leaderboard(sc)));
  fputs(" of each method and target (box: quartiles and median; whiskers: farthest tracks "
        "within 1.5 IQR; dots: tracks).</figcaption>\n</figure>\n</section>\n", f);
  free(image);
  return SB_OK;
}

static sb_err make_dir(const char *dir, sb_msg *msg)
{
  struct stat st;
  if (mkdir(dir, 0777) == 0)
    return SB_OK;
  if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
    return SB_OK;
  if (errno == EEXIST)
    return sb_msg_set(msg, SB_EIO, "%s: cannot create the report directory: not a directory",
                      dir);
  return sb_msg_set(msg, SB_EIO, "%s: cannot create the report directory: %s", dir,
                    strerror(errno));
}

static sb_err write_file(const char *path, const char *text, size_t len, sb_msg *msg)
{
  FILE *f = fopen(path, "wb");
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", path, strerror(errno));
  int bad = fwrite(text, 1, len, f) != len;
  int saved_errno = bad ? errno : 0;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    saved_errno = errno;
  }
  if (bad) {
    remove(path);
    return sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", path, strerror(saved_errno));
  }
  return SB_OK;
}

/* The scores of the first metric of report_metrics the store holds (for
 * the suite and o->config); *first is its index.  SB_ENOTFOUND when the
 * store holds none. */
static sb_err first_scores(sb_store *s, const sb_html_report_opts *o, sb_scores **sc, int *first,
                           sb_msg *msg)
{
  for (int i = 0; i < N_REPORT_METRICS; i++) {
    sb_leaderboard_opts lo = {0};
    sb_err err;
    lo.suite = o->suite;
    lo.metric = report_metrics[i];
    lo.config = o->config;
    err = sb_scores_new(s, &lo, sc, msg);
    if (err != SB_ENOTFOUND) {
      *first = i;
      return err;
    }
  }
  return sb_msg_set(msg, SB_ENOTFOUND, "report: the store holds no values%s%s%s",
                    o->suite ? " for suite '" : "", o->suite ? o->suite : "",
                    o->suite ? "'" : "");
}

static sb_err put_board(FILE *f, const sb_leaderboard *lb, sb_msg *msg)
{
  sb_err err;
  fprintf(f, "<div class=\"board\" id=\"leaderboard-%s\">\n", sb_leaderboard_metric(lb));
  if ((err = sb_leaderboard_write(lb, f, SB_LB_HTML)) != SB_OK)
    return sb_msg_set(msg, err, "report: cannot write the %s leaderboard",
                      sb_leaderboard_metric(lb));
  fputs("</div>\n", f);
  return SB_OK;
}

/* The leaderboard of one metric of config, when the store holds values of
 * it (SB_ENOTFOUND otherwise); *n_boards counts the boards written. */
static sb_err put_metric_board(FILE *f, sb_store *s, const sb_html_report_opts *o, const char *config,
                               const char *metric, int *n_boards, sb_msg *msg)
{
  sb_leaderboard_opts lo = {0};
  sb_leaderboard *lb = NULL;
  sb_err err;
  lo.suite = o->suite;
  lo.metric = metric;
  lo.config = config;
  err = sb_leaderboard_new(s, &lo, &lb, msg);
  if (!err)
    err = put_board(f, lb, msg);
  sb_leaderboard_free(&lb);
  *n_boards += !err;
  return err;
}

/* The per-track metrics of a config that are not sepbench's own (plug-in
 * metrics users added: "PESQ"), for the boards after report_metrics'. */
typedef struct other_metrics {
  FILE *f;
  sb_store *s;
  const sb_html_report_opts *o;
  const char *config;
  int n_boards;
} other_metrics;

static sb_err put_other_metric(void *ctx, const char *metric, sb_msg *msg)
{
  other_metrics *om = ctx;
  sb_err err;
  if (sb_metric_name_is_builtin(metric))
    return SB_OK;
  err = put_metric_board(om->f, om->s, om->o, om->config, metric, &om->n_boards, msg);
  return err == SB_ENOTFOUND ? SB_OK : err;
}

/* The leaderboards: the first metric's (sc) with the figure below it, then
 * every other metric the store holds for the same config: those of
 * report_metrics in its order, then the others (plug-in metrics) by name. */
static sb_err put_boards(FILE *f, sb_store *s, const sb_html_report_opts *o, const sb_scores *sc,
                         int first, sb_msg *msg)
{
  const char *config = sb_leaderboard_config(sb_scores_leaderboard(sc));
  other_metrics om = {f, s, o, config, 0};
  sb_err err;
  fputs("<section id=\"leaderboards\">\n<h2>Leaderboard</h2>\n", f);
  if ((err = put_board(f, sb_scores_leaderboard(sc), msg)) != SB_OK)
    return err;
  fputs("</section>\n", f);
  if (!o->no_figures && (err = put_figure(f, sc, o, msg)) != SB_OK)
    return err;
  fputs("<section id=\"other-metrics\">\n<h2>Other metrics</h2>\n", f);
  for (int i = first + 1; i < N_REPORT_METRICS; i++) {
    err = put_metric_board(f, s, o, config, report_metrics[i], &om.n_boards, msg);
    if (err && err != SB_ENOTFOUND)
      return err;
  }
  err = sb_store_each_track_metric(s, o->suite, config, put_other_metric, &om, msg);
  if (err)
    return err;
  fputs(om.n_boards ? "</section>\n" : "<p>No other metric is stored.</p>\n</section>\n", f);
  return SB_OK;
}

/* The whole page into f. */
static sb_err put_page(FILE *f, sb_store *s, const sb_html_report_opts *o, sb_msg *msg)
{
  sb_scores *sc = NULL;
  const char *suite;
  char stamp[32] = "";
  time_t now = time(NULL);
  struct tm utc;
  int first = 0;
  sb_err err = first_scores(s, o, &sc, &first, msg);
  if (err)
    return err;
  if (gmtime_r(&now, &utc))
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &utc);
  fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>sepbench report</title>\n<link rel=\"icon\" href=\"data:,\">\n"
             "<style>\n%s</style>\n</head>\n<body>\n<h1>sepbench report</h1>\n<p>",
          page_style);
  fputs("Store <code>", f);
  sb_escape_html(f, o->store_name ? o->store_name : "(unnamed)");
  fputs("</code>, suite ", f);
  suite = sb_leaderboard_suite(sb_scores_leaderboard(sc));
  sb_escape_html(f, suite ? suite : "(all)");
  fprintf(f, "; written by sepbench %s on %s.</p>\n", PACKAGE_VERSION, stamp);
  err = put_boards(f, s, o, sc, first, msg);
  if (!err) {
    put_track_tables(f, sc);
    err = put_provenance(f, s, sb_leaderboard_config(sb_scores_leaderboard(sc)), msg);
  }
  if (!err)
    fputs("</body>\n</html>\n", f);
  sb_scores_free(&sc);
  return err;
}

sb_err sb_html_report_write(sb_store *s, const sb_html_report_opts *o, const char *dir,
                            sb_msg *msg)
{
  static const sb_html_report_opts defaults = {0};
  char *page = NULL, *path = NULL;
  size_t page_len = 0, path_len;
  FILE *f;
  sb_err err;
  int bad;

  if (!s || !dir)
    return sb_msg_set(msg, SB_EINVAL, "report: NULL argument");
  if (!o)
    o = &defaults;
  f = open_memstream(&page, &page_len);
  if (!f)
    return sb_msg_set(msg, SB_ENOMEM, "report: out of memory");
  err = put_page(f, s, o, msg);
  bad = ferror(f);
  bad |= fclose(f) != 0;
  if (!err && bad)
    err = sb_msg_set(msg, SB_ENOMEM, "report: out of memory");
  if (!err)
    err = make_dir(dir, msg);
  path_len = strlen(dir) + sizeof "/index.html";
  if (!err && !(path = malloc(path_len)))
    err = sb_msg_set(msg, SB_ENOMEM, "report: out of memory");
  if (!err) {
    snprintf(path, path_len, "%s/index.html", dir);
    err = write_file(path, page, page_len, msg);
  }
  free(page);
  free(path);
  return err;
}
