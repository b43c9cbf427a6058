/*
 * reports/plot.c — gnuplot figures of the stored results (contract in
 * reports/plot.h).
 *
 * Each figure is one gnuplot script built in memory (open_memstream): the
 * terminal, the data as inline `$name << EOD` blocks of numbers, then a
 * multiplot with one panel per target.  Names (methods, tracks, targets,
 * suites, titles that quote them) only appear as single-quoted gnuplot
 * string expressions (sb_escape_gnuplot), which gnuplot neither expands
 * (backquotes, @macros) nor interprets (backslashes), with the terminal in
 * `noenhanced` mode.  Layout sizes are in pixels; panels
 * of the heat map are placed with `set lmargin at screen` so that only
 * the first one carries the track names and only the last the colour box.
 */
#include <config.h>

#include "reports/plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"
#include "reports/gnuplot.h"
#include "reports/stats.h"
#include "schemas/store_read.h"

/* Method colours in leaderboard order (Tableau 10), repeated after 10. */
static const char *const method_colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                            "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                            "#bcbd22", "#17becf"};
#define N_COLORS ((int)(sizeof method_colors / sizeof method_colors[0]))

/* Filled point types for the targets of the scatter plot. */
static const int target_points[] = {7, 5, 9, 11, 13, 15};
#define N_POINTS ((int)(sizeof target_points / sizeof target_points[0]))

/* A script being written. */
typedef struct script {
  FILE *f;
  char *text;
  size_t len;
} script;

/* The methods drawn: indices into the leaderboard rows, in its order. */
typedef struct selection {
  int *rows;
  int n;
} selection;

sb_err sb_plot_parse_kind(const char *name, sb_plot_kind *out)
{
  static const char *const names[] = {"boxplot", "heatmap", "timeline", "scatter"};
  if (!name || !out)
    return SB_EINVAL;
  for (int i = 0; i < 4; i++)
    if (strcmp(name, names[i]) == 0) {
      *out = (sb_plot_kind)i;
      return SB_OK;
    }
  return SB_EINVAL;
}

sb_err sb_plot_format_from_path(const char *path, sb_plot_format *out, sb_msg *msg)
{
  static const struct {
    const char *ext;
    sb_plot_format format;
  } exts[] = {{".png", SB_PLOT_PNG}, {".svg", SB_PLOT_SVG}, {".pdf", SB_PLOT_PDF}};
  if (!path || !out)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL path");
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
    if (n > 4 && strcasecmp(path + n - 4, exts[i].ext) == 0) {
      *out = exts[i].format;
      return SB_OK;
    }
  return sb_msg_set(msg, SB_EINVAL, "%s: the figure's file name must end in .png, .svg or .pdf",
                    path);
}

/* ------------------------------------------------------------ script text */

static sb_err script_open(script *sp, sb_msg *msg)
{
  sp->text = NULL;
  sp->len = 0;
  sp->f = open_memstream(&sp->text, &sp->len);
  return sp->f ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
}

static void script_discard(script *sp)
{
  if (sp->f)
    fclose(sp->f);
  sp->f = NULL;
  free(sp->text);
  sp->text = NULL;
}

/* A formatted title as a gnuplot string that gnuplot never evaluates. */
__attribute__((format(printf, 2, 3)))
static void put_strf(FILE *f, const char *fmt, ...)
{
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  sb_escape_gnuplot(f, text);
}

static void put_terminal(FILE *f, sb_plot_format format, int width, int height)
{
  switch (format) {
  case SB_PLOT_SVG:
    fprintf(f, "set terminal svg size %d,%d noenhanced font \"Sans,12\" background \"#ffffff\"\n",
            width, height);
    break;
  case SB_PLOT_PDF:
    fprintf(f, "set terminal pdfcairo size %.3fin,%.3fin noenhanced font \"Sans,9\"\n",
            width / 96.0, height / 96.0);
    break;
  default:
    fprintf(f, "set terminal pngcairo size %d,%d noenhanced font \"Sans,10\" background "
               "\"#ffffff\"\n", width, height);
    break;
  }
  fputs("set encoding utf8\n", f);
}

/* Finishes the script and runs gnuplot on it. */
static sb_err script_render(script *sp, const sb_plot_opts *o, char **image, size_t *len,
                            sb_msg *msg)
{
  int bad = ferror(sp->f);
  bad |= fclose(sp->f) != 0;
  sp->f = NULL;
  if (bad) {
    script_discard(sp);
    return sb_msg_set(msg, SB_ENOMEM, "plot: out of memory writing the gnuplot script");
  }
  sb_err err = sb_gnuplot_run(o->gnuplot, sp->text, sp->len, 0, image, len, msg);
  script_discard(sp);
  return err;
}

/* ------------------------------------------------------------ common parts */

static sb_err check_args(const void *sc, const sb_plot_opts *o, char **image, size_t *len,
                         sb_msg *msg)
{
  if (image)
    *image = NULL;
  if (len)
    *len = 0;
  if (!sc || !o || !image || !len)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL argument");
  if ((int)o->format < 0 || o->format > SB_PLOT_PDF || o->width < 0 || o->height < 0 ||
      o->n_methods < 0 || (o->n_methods > 0 && !o->methods))
    return sb_msg_set(msg, SB_EINVAL, "plot: bad options (format, size or methods)");
  return SB_OK;
}

/* The leaderboard rows to draw: o->methods (each must exist) in leaderboard
 * order, or every row. */
static sb_err select_methods(const sb_scores *sc, const sb_plot_opts *o, selection *sel,
                             sb_msg *msg)
{
  int n_rows = sb_scores_n_methods(sc);
  sel->n = 0;
  sel->rows = malloc(sizeof *sel->rows * (size_t)(n_rows > 0 ? n_rows : 1));
  if (!sel->rows)
    return sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
  for (int i = 0; i < o->n_methods; i++)
    if (!o->methods[i] || sb_scores_find_method(sc, o->methods[i]) < 0) {
      sb_err err = sb_msg_set(msg, SB_ENOTFOUND, "plot: method '%s' has no %s values in the store",
                              o->methods[i] ? o->methods[i] : "(null)",
                              sb_leaderboard_metric(sb_scores_leaderboard(sc)));
      free(sel->rows);
      sel->rows = NULL;
      return err;
    }
  for (int row = 0; row < n_rows; row++) {
    const char *name = sb_leaderboard_method(sb_scores_leaderboard(sc), row);
    int wanted = o->n_methods == 0;
    for (int i = 0; i < o->n_methods && !wanted; i++)
      wanted = strcmp(o->methods[i], name) == 0;
    if (wanted)
      sel->rows[sel->n++] = row;
  }
  if (sel->n == 0) {
    free(sel->rows);
    sel->rows = NULL;
    return sb_msg_set(msg, SB_ENOTFOUND, "plot: no method to draw");
  }
  return SB_OK;
}

static const char *color_of(int row)
{
  return method_colors[row % N_COLORS];
}

/* "dB" for the SDR family and the other energy ratios; NULL otherwise
 * (PS and PM are probabilities). */
static const char *metric_unit(const char *metric)
{
  static const char *const db_words[] = {"SDR", "SIR", "SAR", "ISR", "SNR"};
  for (size_t i = 0; i < sizeof db_words / sizeof db_words[0]; i++)
    if (strstr(metric, db_words[i]))
      return "dB";
  return NULL;
}

/* "SDR (dB)" or "PS" into buf. */
static const char *axis_label(const char *metric, char *buf, size_t size)
{
  const char *unit = metric_unit(metric);
  if (unit)
    snprintf(buf, size, "%s (%s)", metric, unit);
  else
    snprintf(buf, size, "%s", metric);
  return buf;
}

/* How one track's value is obtained from the store. */
static const char *per_track_words(const sb_leaderboard *lb)
{
  sb_lb_agg agg = sb_leaderboard_aggregation(lb);
  return agg == SB_LB_MEDIAN || agg == SB_LB_MEAN_MEDIAN ? "median over frames"
                                                         : "whole-track value";
}

/* " — suite S" or "". */
static const char *suite_words(const sb_plot_opts *o, char *buf, size_t size)
{
  if (o->suite)
    snprintf(buf, size, ", suite %s", o->suite);
  else
    buf[0] = '\0';
  return buf;
}

static int max_len(int n, const char *(*name)(const void *, int), const void *ctx)
{
  int longest = 0;
  for (int i = 0; i < n; i++) {
    int len = (int)strlen(name(ctx, i));
    longest = len > longest ? len : longest;
  }
  return longest;
}

static const char *track_name(const void *sc, int i)
{
  return sb_scores_track(sc, i);
}

/* x tics with the method names at 1..n. */
static void put_method_tics(FILE *f, const sb_scores *sc, const selection *sel, int rotate)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  fprintf(f, "set xtics nomirror%s (", rotate ? " rotate by 35 right" : "");
  for (int i = 0; i < sel->n; i++) {
    fputs(i ? ", " : "", f);
    sb_escape_gnuplot(f, sb_leaderboard_method(lb, sel->rows[i]));
    fprintf(f, " %d", i + 1);
  }
  fputs(")\n", f);
}

/* A panel with nothing to draw (gnuplot refuses a plot without points). */
static void put_empty_panel(FILE *f)
{
  fputs("set label 99 \"no finite values\" at graph 0.5, graph 0.5 center\n"
        "plot [0:1] [0:1] NaN notitle\nunset label 99\n", f);
}

static int size_or(int requested, int computed)
{
  return requested > 0 ? requested : computed;
}

/* ------------------------------------------------------------ box plot */

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The box of n sorted values: quartiles and median (numpy's linear
 * quantiles), whiskers at the farthest values within 1.5 IQR (Tukey). */
static void put_box(FILE *f, int x, const double *sorted, int n)
{
  double q1 = sb_stats_quantile_sorted(sorted, n, 0.25);
  double median = sb_stats_quantile_sorted(sorted, n, 0.5);
  double q3 = sb_stats_quantile_sorted(sorted, n, 0.75);
  double reach = 1.5 * (q3 - q1), low = q1, high = q3;
  for (int i = 0; i < n; i++) {
    if (sorted[i] >= q1 - reach && sorted[i] < low)
      low = sorted[i];
    if (sorted[i] <= q3 + reach && sorted[i] > high)
      high = sorted[i];
  }
  fprintf(f, "%d %.9g %.9g %.9g %.9g %.9g\n", x, q1, low, high, q3, median);
}

sb_err sb_plot_boxplot(const sb_scores *sc, const sb_plot_opts *o, char **image, size_t *len,
                       sb_msg *msg)
{
  selection sel = {0};
  script sp = {0};
  double *sorted = NULL;
  char label[128], suite[256];
  sb_err err = check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if ((err = select_methods(sc, o, &sel, msg)) != SB_OK)
    return err;

  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  const char *metric = sb_leaderboard_metric(lb);
  int n_targets = sb_scores_n_targets(sc), n_tracks = sb_scores_n_tracks(sc);
  int width = size_or(o->width, 200 + 90 * (sel.n > 8 ? sel.n : 8));
  int height = size_or(o->height, 90 + 250 * n_targets);
  sorted = malloc(sizeof *sorted * (size_t)(n_tracks > 0 ? n_tracks : 1));
  if (!sorted) {
    err = sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
    goto fail;
  }
  if ((err = script_open(&sp, msg)) != SB_OK)
    goto fail;
  FILE *f = sp.f;

  put_terminal(f, o->format, width, height);
  /* Data per (target, method): $b = "x q1 low high q3 median" (one line)
   * and $v = "offset value" per track, offset = a fixed jitter
   * (golden-ratio sequence over the tracks) for the dots. */
  for (int t = 0; t < n_targets; t++)
    for (int m = 0; m < sel.n; m++) {
      int n = 0;
      fprintf(f, "$v%d_%d << EOD\n", t, m);
      for (int k = 0; k < n_tracks; k++) {
        double value = sb_scores_value(sc, sel.rows[m], t, k);
        double phase = fmod(0.6180339887498949 * (k + 1), 1.0);
        if (isfinite(value)) {
          fprintf(f, "%.4f %.9g\n", 0.36 * (phase - 0.5), value);
          sorted[n++] = value;
        }
      }
      fprintf(f, "EOD\n$b%d_%d << EOD\n", t, m);
      qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
      if (n > 0)
        put_box(f, m + 1, sorted, n);
      fputs("EOD\n", f);
    }
  fputs("set multiplot layout ", f);
  fprintf(f, "%d,1 title ", n_targets);
  put_strf(f, "%s per track (%s)%s, %d tracks\nmethods in leaderboard order: %s\n"
              "box: quartiles and median; whiskers: farthest tracks within 1.5 IQR; dots: tracks",
           axis_label(metric, label, sizeof label), per_track_words(lb),
           suite_words(o, suite, sizeof suite), n_tracks, sb_leaderboard_title(lb));
  fputs(" font \",11\"\n", f);
  fputs("set style fill solid 0.25 border -1\nset boxwidth 0.55 absolute\nset key off\n"
        "set grid ytics lc rgb \"#dddddd\"\n", f);
  fprintf(f, "set xrange [0.4:%g]\n", sel.n + 0.6);
  put_method_tics(f, sc, &sel, sel.n > 6);
  fputs("set ylabel ", f);
  sb_escape_gnuplot(f, axis_label(metric, label, sizeof label));
  fputs("\n", f);
  for (int t = 0; t < n_targets; t++) {
    int any = 0;
    fputs("set title ", f);
    sb_escape_gnuplot(f, sb_leaderboard_target(lb, t));
    fputs("\n", f);
    for (int m = 0; m < sel.n; m++) {
      int n_values = 0;
      for (int k = 0; k < n_tracks; k++)
        n_values += isfinite(sb_scores_value(sc, sel.rows[m], t, k));
      if (n_values == 0)
        continue;
      const char *color = color_of(sel.rows[m]);
      fputs(any ? ", \\\n  " : "plot ", f);
      fprintf(f, "$b%d_%d using 1:2:3:4:5 with candlesticks whiskerbars 0.5 lw 1.5 lc rgb \"%s\", "
                 "$b%d_%d using 1:6:6:6:6 with candlesticks lw 3 lc rgb \"%s\", "
                 "$v%d_%d using (%d+$1):2 with points pt 7 ps 0.6 lc rgb \"%s\"",
              t, m, color, t, m, color, t, m, m + 1, color);
      any = 1;
    }
    if (any)
      fputs("\n", f);
    else
      put_empty_panel(f);
  }
  fputs("unset multiplot\n", f);
  err = script_render(&sp, o, image, len, msg);

fail:
  script_discard(&sp);
  free(sorted);
  free(sel.rows);
  return err;
}

/* ------------------------------------------------------------ heat map */

sb_err sb_plot_heatmap(const sb_scores *sc, const sb_plot_opts *o, char **image, size_t *len,
                       sb_msg *msg)
{
  selection sel = {0};
  script sp = {0};
  char label[128], suite[256];
  sb_err err = check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if ((err = select_methods(sc, o, &sel, msg)) != SB_OK)
    return err;
  if ((err = script_open(&sp, msg)) != SB_OK)
    goto fail;

  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  const char *metric = sb_leaderboard_metric(lb);
  int n_targets = sb_scores_n_targets(sc), n_tracks = sb_scores_n_tracks(sc);
  double lo = INFINITY, hi = -INFINITY;
  for (int t = 0; t < n_targets; t++)
    for (int m = 0; m < sel.n; m++)
      for (int k = 0; k < n_tracks; k++) {
        double value = sb_scores_value(sc, sel.rows[m], t, k);
        if (isfinite(value)) {
          lo = value < lo ? value : lo;
          hi = value > hi ? value : hi;
        }
      }
  if (!isfinite(lo)) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "plot: no finite %s value to draw", metric);
    goto fail;
  }
  if (hi - lo < 1e-6) {
    lo -= 0.5;
    hi += 0.5;
  }

  /* Layout in pixels: track names left, method names below (rotated),
   * a colour box right. */
  int method_chars = 0;
  for (int m = 0; m < sel.n; m++) {
    int n = (int)strlen(sb_leaderboard_method(lb, sel.rows[m]));
    method_chars = n > method_chars ? n : method_chars;
  }
  int track_chars = max_len(n_tracks, track_name, sc);
  int cell_w = 64, cell_h = 28, gap = 24, top = 110;
  int left = 24 + 7 * (track_chars < 48 ? track_chars : 48);
  int bottom = 40 + 5 * (method_chars < 40 ? method_chars : 40);
  int panel_w = sel.n * cell_w;
  int right = 110;
  int def_w = left + n_targets * panel_w + (n_targets - 1) * gap + right;
  int def_h = top + n_tracks * cell_h + bottom;
  if (def_w < 640) {
    panel_w += (640 - def_w) / n_targets;
    def_w = left + n_targets * panel_w + (n_targets - 1) * gap + right;
  }
  int width = size_or(o->width, def_w), height = size_or(o->height, def_h);
  FILE *f = sp.f;

  put_terminal(f, o->format, width, height);
  for (int t = 0; t < n_targets; t++) {
    fprintf(f, "$h%d << EOD\n", t);
    for (int m = 0; m < sel.n; m++)
      for (int k = 0; k < n_tracks; k++) {
        double value = sb_scores_value(sc, sel.rows[m], t, k);
        double level = (value - lo) / (hi - lo);
        if (isfinite(value)) /* x y value text-colour (white on the dark half) */
          fprintf(f, "%d %d %.9g %d\n", m + 1, k + 1, value, level < 0.55 ? 0xffffff : 0);
      }
    fputs("EOD\n", f);
  }
  fputs("set multiplot title ", f);
  put_strf(f, "%s per track (%s)%s\nmethods in leaderboard order: %s; blank = no value",
           axis_label(metric, label, sizeof label), per_track_words(lb),
           suite_words(o, suite, sizeof suite), sb_leaderboard_title(lb));
  fputs(" font \",11\"\n", f);
  fputs("set palette defined (0 \"#440154\", 1 \"#3b528b\", 2 \"#21918c\", 3 \"#5ec962\", "
        "4 \"#fde725\")\n", f);
  fprintf(f, "set cbrange [%.9g:%.9g]\nset cblabel ", lo, hi);
  sb_escape_gnuplot(f, axis_label(metric, label, sizeof label));
  fprintf(f, "\nset xrange [0.5:%g]\nset yrange [%g:0.5]\n", sel.n + 0.5, n_tracks + 0.5);
  fputs("set style fill solid 1.0 noborder\nset tics scale 0\nset key off\n", f);
  put_method_tics(f, sc, &sel, 1);
  fprintf(f, "set tmargin at screen %.5f\nset bmargin at screen %.5f\n",
          1.0 - (double)top / def_h, (double)bottom / def_h);
  for (int t = 0; t < n_targets; t++) {
    double x0 = (double)(left + t * (panel_w + gap)) / def_w;
    double x1 = (double)(left + t * (panel_w + gap) + panel_w) / def_w;
    fprintf(f, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n", x0, x1);
    if (t == 0) {
      fputs("set ytics (", f);
      for (int k = 0; k < n_tracks; k++) {
        fputs(k ? ", " : "", f);
        sb_escape_gnuplot(f, sb_scores_track(sc, k));
        fprintf(f, " %d", k + 1);
      }
      fputs(")\n", f);
    } else {
      fputs("unset ytics\n", f);
    }
    if (t == n_targets - 1)
      fprintf(f, "set colorbox user origin screen %.5f, screen %.5f size screen %.5f, "
                 "screen %.5f\n",
              x1 + 16.0 / def_w, (double)bottom / def_h, 14.0 / def_w,
              1.0 - (double)(top + bottom) / def_h);
    else
      fputs("unset colorbox\n", f);
    fputs("set title ", f);
    sb_escape_gnuplot(f, sb_leaderboard_target(lb, t));
    fputs("\n", f);
    int any = 0;
    for (int m = 0; m < sel.n && !any; m++)
      for (int k = 0; k < n_tracks; k++)
        any |= isfinite(sb_scores_value(sc, sel.rows[m], t, k));
    if (any)
      fprintf(f, "plot $h%d using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, "
                 "$h%d using 1:2:(sprintf(\"%%.1f\", $3)):4 with labels tc rgb variable\n", t, t);
    else
      fputs("set label 99 \"no finite values\" at graph 0.5, graph 0.5 center\n"
            "plot NaN notitle\nunset label 99\n", f);
  }
  fputs("unset multiplot\n", f);
  err = script_render(&sp, o, image, len, msg);

fail:
  script_discard(&sp);
  free(sel.rows);
  return err;
}

/* ------------------------------------------------------------ timeline */

/* Frame values of one (target, method): time_s, value pairs. */
typedef struct series {
  double *time_s, *value;
  int n, cap;
} series;

static sb_err series_add(series *s, double time_s, double value)
{
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 256;
    double *t = realloc(s->time_s, sizeof *t * (size_t)cap);
    if (!t)
      return SB_ENOMEM;
    s->time_s = t;
    double *v = realloc(s->value, sizeof *v * (size_t)cap);
    if (!v)
      return SB_ENOMEM;
    s->value = v;
    s->cap = cap;
  }
  s->time_s[s->n] = time_s;
  s->value[s->n] = value;
  s->n++;
  return SB_OK;
}

/* Where the frames of one target go while the store is read. */
typedef struct timeline_sink {
  const sb_leaderboard *lb;
  const selection *sel;
  series *lines; /* sel->n lines of the target */
  int n_points;
} timeline_sink;

/* sb_store_point_fn: a frame of a drawn method into its line. */
static sb_err add_point(void *ctx, const sb_store_point *p, sb_msg *msg)
{
  timeline_sink *sink = ctx;
  int m = -1;
  for (int i = 0; i < sink->sel->n; i++)
    if (strcmp(sb_leaderboard_method(sink->lb, sink->sel->rows[i]), p->method) == 0)
      m = i;
  if (m < 0)
    return SB_OK;
  if (series_add(&sink->lines[m], p->time_s, p->value) != SB_OK)
    return sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
  sink->n_points++;
  return SB_OK;
}

/* Reads the frames of `track` for every target and drawn method into
 * lines[target * sel->n + method]; *n_points counts them. */
static sb_err read_timeline(sb_store *s, const sb_scores *sc, const sb_plot_opts *o,
                            const selection *sel, const char *track, series *lines,
                            int *n_points, sb_msg *msg)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  timeline_sink sink = {lb, sel, NULL, 0};
  sb_err err = SB_OK;
  for (int t = 0; t < sb_scores_n_targets(sc) && !err; t++) {
    sink.lines = lines + (size_t)t * (size_t)sel->n;
    err = sb_store_each_point(s, o->suite, sb_leaderboard_config(lb), track,
                              sb_leaderboard_target(lb, t), sb_leaderboard_metric(lb), add_point,
                              &sink, msg);
  }
  *n_points = sink.n_points;
  return err;
}

sb_err sb_plot_timeline(sb_store *s, const sb_scores *sc, const sb_plot_opts *o, char **image,
                        size_t *len, sb_msg *msg)
{
  selection sel = {0};
  script sp = {0};
  series *lines = NULL;
  char label[128], suite[256];
  sb_err err = check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL store");
  if ((err = select_methods(sc, o, &sel, msg)) != SB_OK)
    return err;

  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  const char *metric = sb_leaderboard_metric(lb);
  int n_targets = sb_scores_n_targets(sc), n_tracks = sb_scores_n_tracks(sc);
  const char *track = o->track ? o->track : (n_tracks > 0 ? sb_scores_track(sc, 0) : NULL);
  int known = 0;
  for (int k = 0; k < n_tracks && track; k++)
    known |= strcmp(sb_scores_track(sc, k), track) == 0;
  if (!known) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "plot: no track named '%s' has %s values",
                     track ? track : "", metric);
    goto fail;
  }
  lines = calloc((size_t)(n_targets * sel.n), sizeof *lines);
  if (!lines) {
    err = sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
    goto fail;
  }
  int n_points = 0;
  if ((err = read_timeline(s, sc, o, &sel, track, lines, &n_points, msg)) != SB_OK)
    goto fail;
  if (n_points == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND,
                     "plot: %s has no frame values for track '%s' (a per-track metric has no "
                     "timeline)", metric, track);
    goto fail;
  }
  if ((err = script_open(&sp, msg)) != SB_OK)
    goto fail;

  FILE *f = sp.f;
  put_terminal(f, o->format, size_or(o->width, 1000), size_or(o->height, 90 + 230 * n_targets));
  for (int t = 0; t < n_targets; t++)
    for (int m = 0; m < sel.n; m++) {
      const series *line = &lines[t * sel.n + m];
      fprintf(f, "$t%d_%d << EOD\n", t, m);
      for (int i = 0; i < line->n; i++)
        if (isfinite(line->value[i]))
          fprintf(f, "%.6f %.9g\n", line->time_s[i], line->value[i]);
        else /* a gap in the line */
          fprintf(f, "%.6f NaN\n", line->time_s[i]);
      fputs("EOD\n", f);
    }
  fprintf(f, "set multiplot layout %d,1 title ", n_targets);
  put_strf(f, "%s per frame, track '%s'%s\nmethods in leaderboard order: %s; gaps = "
              "frames without a value",
           axis_label(metric, label, sizeof label), track, suite_words(o, suite, sizeof suite),
           sb_leaderboard_title(lb));
  fputs(" font \",11\"\n", f);
  fputs("set key outside right top vertical\nset grid lc rgb \"#dddddd\"\n"
        "set xlabel \"frame start (s)\"\nset ylabel ", f);
  sb_escape_gnuplot(f, axis_label(metric, label, sizeof label));
  fputs("\nset rmargin 16\n", f);
  for (int t = 0; t < n_targets; t++) {
    int any = 0;
    fputs("set title ", f);
    sb_escape_gnuplot(f, sb_leaderboard_target(lb, t));
    fputs("\n", f);
    for (int m = 0; m < sel.n; m++) {
      const series *line = &lines[t * sel.n + m];
      int finite = 0;
      for (int i = 0; i < line->n; i++)
        finite |= isfinite(line->value[i]);
      if (!finite)
        continue;
      fputs(any ? ", \\\n  " : "plot ", f);
      fprintf(f, "$t%d_%d using 1:2 with linespoints pt 7 ps 0.5 lw 1.5 lc rgb \"%s\" title ",
              t, m, color_of(sel.rows[m]));
      sb_escape_gnuplot(f, sb_leaderboard_method(lb, sel.rows[m]));
      any = 1;
    }
    if (any)
      fputs("\n", f);
    else
      put_empty_panel(f);
  }
  fputs("unset multiplot\n", f);
  err = script_render(&sp, o, image, len, msg);

fail:
  script_discard(&sp);
  if (lines)
    for (int i = 0; i < n_targets * sel.n; i++) {
      free(lines[i].time_s);
      free(lines[i].value);
    }
  free(lines);
  free(sel.rows);
  return err;
}

/* ------------------------------------------------------------ scatter */

static int find_target(const sb_leaderboard *lb, const char *name)
{
  for (int t = 0; t < sb_leaderboard_n_targets(lb); t++)
    if (strcmp(sb_leaderboard_target(lb, t), name) == 0)
      return t;
  return -1;
}

static int find_track(const sb_scores *sc, const char *name)
{
  for (int k = 0; k < sb_scores_n_tracks(sc); k++)
    if (strcmp(sb_scores_track(sc, k), name) == 0)
      return k;
  return -1;
}

sb_err sb_plot_scatter(const sb_scores *x, const sb_scores *y, const sb_plot_opts *o,
                       char **image, size_t *len, sb_msg *msg)
{
  selection sel = {0};
  script sp = {0};
  char xlabel[128], ylabel[128], suite[256];
  sb_err err = check_args(x, o, image, len, msg);
  if (err)
    return err;
  if (!y)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL argument");
  if ((err = select_methods(x, o, &sel, msg)) != SB_OK)
    return err;
  if ((err = script_open(&sp, msg)) != SB_OK)
    goto fail;

  const sb_leaderboard *xlb = sb_scores_leaderboard(x), *ylb = sb_scores_leaderboard(y);
  const char *xm = sb_leaderboard_metric(xlb), *ym = sb_leaderboard_metric(ylb);
  int n_targets = sb_scores_n_targets(x), n_tracks = sb_scores_n_tracks(x);
  int n_points = 0;
  FILE *f = sp.f;

  put_terminal(f, o->format, size_or(o->width, 860), size_or(o->height, 640));
  /* Per method "x y point-type" lines. */
  for (int m = 0; m < sel.n; m++) {
    const char *name = sb_leaderboard_method(xlb, sel.rows[m]);
    int ym_row = sb_scores_find_method(y, name);
    fprintf(f, "$s%d << EOD\n", m);
    for (int t = 0; t < n_targets && ym_row >= 0; t++) {
      int yt = find_target(ylb, sb_leaderboard_target(xlb, t));
      for (int k = 0; k < n_tracks && yt >= 0; k++) {
        int yk = find_track(y, sb_scores_track(x, k));
        double xv = sb_scores_value(x, sel.rows[m], t, k);
        double yv = yk >= 0 ? sb_scores_value(y, ym_row, yt, yk) : NAN;
        if (isfinite(xv) && isfinite(yv)) {
          fprintf(f, "%.9g %.9g %d\n", xv, yv, target_points[t % N_POINTS]);
          n_points++;
        }
      }
    }
    fputs("EOD\n", f);
  }
  if (n_points == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "plot: no (method, track, target) has both %s and %s",
                     xm, ym);
    goto fail;
  }
  fputs("set title ", f);
  put_strf(f, "%s vs %s per track and target%s\n%s: %s; %s: %s\ncolour = method "
              "(leaderboard order), shape = target",
           ym, xm, suite_words(o, suite, sizeof suite), xm, per_track_words(xlb), ym,
           per_track_words(ylb));
  fputs(" font \",11\"\nset xlabel ", f);
  sb_escape_gnuplot(f, axis_label(xm, xlabel, sizeof xlabel));
  fputs("\nset ylabel ", f);
  sb_escape_gnuplot(f, axis_label(ym, ylabel, sizeof ylabel));
  fputs("\nset key outside right top vertical\nset grid lc rgb \"#dddddd\"\n", f);
  fputs("plot ", f);
  for (int m = 0; m < sel.n; m++) {
    /* The key entry of a method is a separate filled square in its colour
     * (the points themselves take their shape from the target). */
    fprintf(f, "$s%d using 1:2:3 with points pt variable ps 1.1 lc rgb \"%s\" notitle, "
               "NaN with points pt 5 ps 1.1 lc rgb \"%s\" title ", m, color_of(sel.rows[m]),
            color_of(sel.rows[m]));
    sb_escape_gnuplot(f, sb_leaderboard_method(xlb, sel.rows[m]));
    fputs(", \\\n  ", f);
  }
  for (int t = 0; t < n_targets; t++) {
    fprintf(f, "NaN with points pt %d ps 1.1 lc rgb \"#444444\" title ",
            target_points[t % N_POINTS]);
    sb_escape_gnuplot(f, sb_leaderboard_target(xlb, t));
    fputs(t + 1 < n_targets ? ", \\\n  " : "", f);
  }
  if (metric_unit(xm) && metric_unit(ym) && strcmp(metric_unit(xm), metric_unit(ym)) == 0)
    fputs(", \\\n  x with lines dt 2 lc rgb \"#888888\" title \"y = x\"", f);
  fputs("\n", f);
  err = script_render(&sp, o, image, len, msg);

fail:
  script_discard(&sp);
  free(sel.rows);
  return err;
}

/* ------------------------------------------------------------ saving */

sb_err sb_plot_save(const char *path, const char *image, size_t len, sb_msg *msg)
{
  if (!path || !image)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL argument");
  FILE *f = fopen(path, "wb");
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", path, strerror(errno));
  int saved_errno = 0;
  int bad = fwrite(image, 1, len, f) != len;
  if (bad)
    saved_errno = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    saved_errno = errno;
  }
  if (bad) {
    remove(path);
    return sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", path,
                      saved_errno ? strerror(saved_errno) : "write error");
  }
  return SB_OK;
}
