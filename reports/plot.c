/*
 * reports/plot.c — gnuplot figures of the stored results (contract in
 * reports/plot.h).
 *
 * Each figure is one gnuplot script built in memory (reports/plot_script.h):
 * the terminal, the data as inline `$name << EOD` blocks of numbers, then a
 * multiplot with one panel per target.  Names (methods, tracks, targets,
 * suites, titles that quote them) only appear as single-quoted gnuplot
 * string expressions (sb_escape_gnuplot), which gnuplot neither expands
 * (backquotes, @macros) nor interprets (backslashes), with the terminal in
 * `noenhanced` mode.  The heat map has its own file, reports/plot_heatmap.c.
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
#include "reports/plot_script.h"
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

static const char *color_of(int row)
{
  return method_colors[row % N_COLORS];
}

/* x tics with the method names at 1..n. */
static void put_method_tics(FILE *f, const sb_scores *sc, const sb_plot_selection *sel, int rotate)
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

/* ------------------------------------------------------------ box plot */

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
  sb_plot_selection sel = {0};
  sb_plot_script sp = {0};
  double *sorted = NULL;
  char label[128], suite[256];
  sb_err err = sb_plot_check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if ((err = sb_plot_select_methods(sc, o, &sel, msg)) != SB_OK)
    return err;

  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  const char *metric = sb_leaderboard_metric(lb);
  int n_targets = sb_scores_n_targets(sc), n_tracks = sb_scores_n_tracks(sc);
  int width = sb_plot_size_or(o->width, 200 + 90 * (sel.n > 8 ? sel.n : 8));
  int height = sb_plot_size_or(o->height, 90 + 250 * n_targets);
  sorted = malloc(sizeof *sorted * (size_t)(n_tracks > 0 ? n_tracks : 1));
  if (!sorted) {
    err = sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
    goto fail;
  }
  if ((err = sb_plot_script_open(&sp, msg)) != SB_OK)
    goto fail;
  FILE *f = sp.f;

  sb_plot_put_terminal(f, o->format, width, height);
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
      qsort(sorted, (size_t)n, sizeof *sorted, sb_plot_compare_doubles);
      if (n > 0)
        put_box(f, m + 1, sorted, n);
      fputs("EOD\n", f);
    }
  fputs("set multiplot layout ", f);
  fprintf(f, "%d,1 title ", n_targets);
  sb_plot_put_strf(f, "%s per track (%s)%s, %d tracks\nmethods in leaderboard order: %s\n"
              "box: quartiles and median; whiskers: farthest tracks within 1.5 IQR; dots: tracks",
           sb_plot_axis_label(metric, label, sizeof label), sb_plot_per_track_words(lb),
           sb_plot_suite_words(o, suite, sizeof suite), n_tracks, sb_leaderboard_title(lb));
  fputs(" font \",11\"\n", f);
  fputs("set style fill solid 0.25 border -1\nset boxwidth 0.55 absolute\nset key off\n"
        "set grid ytics lc rgb \"#dddddd\"\n", f);
  fprintf(f, "set xrange [0.4:%g]\n", sel.n + 0.6);
  put_method_tics(f, sc, &sel, sel.n > 6);
  sb_plot_put_set(f, "ylabel", sb_plot_axis_label(metric, label, sizeof label));
  for (int t = 0; t < n_targets; t++) {
    int any = 0;
    sb_plot_put_set(f, "title", sb_leaderboard_target(lb, t));
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
    sb_plot_end_panel(f, any);
  }
  err = sb_plot_script_render_multiplot(&sp, o, image, len, msg);

fail:
  sb_plot_script_discard(&sp);
  free(sorted);
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
  const sb_plot_selection *sel;
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
                            const sb_plot_selection *sel, const char *track, series *lines,
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
  sb_plot_selection sel = {0};
  sb_plot_script sp = {0};
  series *lines = NULL;
  char label[128], suite[256];
  sb_err err = sb_plot_check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL store");
  if ((err = sb_plot_select_methods(sc, o, &sel, msg)) != SB_OK)
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
  if ((err = sb_plot_script_open(&sp, msg)) != SB_OK)
    goto fail;

  FILE *f = sp.f;
  sb_plot_put_terminal(f, o->format, sb_plot_size_or(o->width, 1000), sb_plot_size_or(o->height, 90 + 230 * n_targets));
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
  sb_plot_put_strf(f, "%s per frame, track '%s'%s\nmethods in leaderboard order: %s; gaps = "
              "frames without a value",
           sb_plot_axis_label(metric, label, sizeof label), track, sb_plot_suite_words(o, suite, sizeof suite),
           sb_leaderboard_title(lb));
  fputs(" font \",11\"\n", f);
  fputs("set key outside right top vertical\nset grid lc rgb \"#dddddd\"\n"
        "set xlabel \"frame start (s)\"\n", f);
  sb_plot_put_set(f, "ylabel", sb_plot_axis_label(metric, label, sizeof label));
  fputs("set rmargin 16\n", f);
  for (int t = 0; t < n_targets; t++) {
    int any = 0;
    sb_plot_put_set(f, "title", sb_leaderboard_target(lb, t));
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
    sb_plot_end_panel(f, any);
  }
  err = sb_plot_script_render_multiplot(&sp, o, image, len, msg);

fail:
  sb_plot_script_discard(&sp);
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
  sb_plot_selection sel = {0};
  sb_plot_script sp = {0};
  char xlabel[128], ylabel[128], suite[256];
  sb_err err = sb_plot_check_args(x, o, image, len, msg);
  if (err)
    return err;
  if (!y)
    return sb_msg_set(msg, SB_EINVAL, "plot: NULL argument");
  if ((err = sb_plot_select_methods(x, o, &sel, msg)) != SB_OK)
    return err;
  if ((err = sb_plot_script_open(&sp, msg)) != SB_OK)
    goto fail;

  const sb_leaderboard *xlb = sb_scores_leaderboard(x), *ylb = sb_scores_leaderboard(y);
  const char *xm = sb_leaderboard_metric(xlb), *ym = sb_leaderboard_metric(ylb);
  int n_targets = sb_scores_n_targets(x), n_tracks = sb_scores_n_tracks(x);
  int n_points = 0;
  FILE *f = sp.f;

  sb_plot_put_terminal(f, o->format, sb_plot_size_or(o->width, 860), sb_plot_size_or(o->height, 640));
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
  sb_plot_put_strf(f, "%s vs %s per track and target%s\n%s: %s; %s: %s\ncolour = method "
              "(leaderboard order), shape = target",
           ym, xm, sb_plot_suite_words(o, suite, sizeof suite), xm, sb_plot_per_track_words(xlb), ym,
           sb_plot_per_track_words(ylb));
  fputs(" font \",11\"\n", f);
  sb_plot_put_set(f, "xlabel", sb_plot_axis_label(xm, xlabel, sizeof xlabel));
  sb_plot_put_set(f, "ylabel", sb_plot_axis_label(ym, ylabel, sizeof ylabel));
  fputs("set key outside right top vertical\nset grid lc rgb \"#dddddd\"\n", f);
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
  if (sb_plot_metric_unit(xm) && sb_plot_metric_unit(ym) &&
      strcmp(sb_plot_metric_unit(xm), sb_plot_metric_unit(ym)) == 0)
    fputs(", \\\n  x with lines dt 2 lc rgb \"#888888\" title \"y = x\"", f);
  fputs("\n", f);
  err = sb_plot_script_render(&sp, o, image, len, msg);

fail:
  sb_plot_script_discard(&sp);
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
