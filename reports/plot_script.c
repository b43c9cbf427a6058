/*
 * reports/plot_script.c — the gnuplot script and the parts every figure
 * shares (see plot_script.h).
 */
#include <config.h>

#include "reports/plot_script.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "reports/gnuplot.h"

sb_err sb_plot_script_open(sb_plot_script *sp, sb_msg *msg)
{
  sp->text = NULL;
  sp->len = 0;
  sp->f = open_memstream(&sp->text, &sp->len);
  return sp->f ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
}

void sb_plot_script_discard(sb_plot_script *sp)
{
  if (sp->f)
    fclose(sp->f);
  sp->f = NULL;
  free(sp->text);
  sp->text = NULL;
}

/* A formatted title as a gnuplot string that gnuplot never evaluates. */
void sb_plot_put_strf(FILE *f, const char *fmt, ...)
{
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  sb_escape_gnuplot(f, text);
}

void sb_plot_put_set(FILE *f, const char *setting, const char *text)
{
  fprintf(f, "set %s ", setting);
  sb_escape_gnuplot(f, text);
  fputc('\n', f);
}

void sb_plot_put_terminal(FILE *f, sb_plot_format format, int width, int height)
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
sb_err sb_plot_script_render(sb_plot_script *sp, const sb_plot_opts *o, char **image, size_t *len, sb_msg *msg)
{
  int bad = ferror(sp->f);
  bad |= fclose(sp->f) != 0;
  sp->f = NULL;
  if (bad) {
    sb_plot_script_discard(sp);
    return sb_msg_set(msg, SB_ENOMEM, "plot: out of memory writing the gnuplot script");
  }
  sb_err err = sb_gnuplot_run(o->gnuplot, sp->text, sp->len, 0, image, len, msg);
  sb_plot_script_discard(sp);
  return err;
}

sb_err sb_plot_check_args(const void *sc, const sb_plot_opts *o, char **image, size_t *len, sb_msg *msg)
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
sb_err sb_plot_select_methods(const sb_scores *sc, const sb_plot_opts *o, sb_plot_selection *sel, sb_msg *msg)
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

/* "dB" for the SDR family and the other energy ratios; NULL otherwise
 * (PS and PM are probabilities). */
const char *sb_plot_metric_unit(const char *metric)
{
  static const char *const db_words[] = {"SDR", "SIR", "SAR", "ISR", "SNR"};
  for (size_t i = 0; i < sizeof db_words / sizeof db_words[0]; i++)
    if (strstr(metric, db_words[i]))
      return "dB";
  return NULL;
}

/* "SDR (dB)" or "PS" into buf. */
const char *sb_plot_axis_label(const char *metric, char *buf, size_t size)
{
  const char *unit = sb_plot_metric_unit(metric);
  if (unit)
    snprintf(buf, size, "%s (%s)", metric, unit);
  else
    snprintf(buf, size, "%s", metric);
  return buf;
}

/* How one track's value is obtained from the store. */
const char *sb_plot_per_track_words(const sb_leaderboard *lb)
{
  sb_lb_agg agg = sb_leaderboard_aggregation(lb);
  return agg == SB_LB_MEDIAN || agg == SB_LB_MEAN_MEDIAN ? "median over frames"
                                                         : "whole-track value";
}

/* " — suite S" or "". */
const char *sb_plot_suite_words(const sb_plot_opts *o, char *buf, size_t size)
{
  if (o->suite)
    snprintf(buf, size, ", suite %s", o->suite);
  else
    buf[0] = '\0';
  return buf;
}

void sb_plot_end_panel(FILE *f, int any)
{
  if (any)
    fputs("\n", f);
  else
    fputs("set label 99 \"no finite values\" at graph 0.5, graph 0.5 center\n"
          "plot [0:1] [0:1] NaN notitle\nunset label 99\n", f);
}

sb_err sb_plot_script_render_multiplot(sb_plot_script *sp, const sb_plot_opts *o, char **image, size_t *len,
                                       sb_msg *msg)
{
  fputs("unset multiplot\n", sp->f);
  return sb_plot_script_render(sp, o, image, len, msg);
}

int sb_plot_size_or(int requested, int computed)
{
  return requested > 0 ? requested : computed;
}

int sb_plot_compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
