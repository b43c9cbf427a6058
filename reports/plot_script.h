/*
 * reports/plot_script.h — what every gnuplot figure of reports/ shares
 * (reports/plot.c: box plot, timeline, scatter; reports/plot_heatmap.c): the
 * script built in memory and run through gnuplot (reports/gnuplot.h), the
 * terminal line, the methods drawn, and the words of titles and axes.
 * Names reach a script only through sb_escape_gnuplot (common/escape.h) or
 * sb_plot_put_strf, so gnuplot never evaluates them.
 *
 * Internal to libsepbench (no public header includes it).  Workload: one
 * script per figure.  Thread-safety: no state; a script belongs to one
 * caller.
 */
#ifndef SB_REPORTS_PLOT_SCRIPT_H
#define SB_REPORTS_PLOT_SCRIPT_H

#include <stddef.h>
#include <stdio.h>
#include "sepbench/error.h"
#include "reports/plot.h"

/* A script being written into memory (open_memstream). */
typedef struct sb_plot_script {
  FILE *f;
  char *text;
  size_t len;
} sb_plot_script;

/* The methods drawn: indices into the leaderboard rows, in its order. */
typedef struct sb_plot_selection {
  int *rows;
  int n;
} sb_plot_selection;

/* Opens an empty script.  SB_ENOMEM (msg says so). */
sb_err sb_plot_script_open(sb_plot_script *sp, sb_msg *msg);

/* Closes and frees a script; accepts one already discarded. */
void sb_plot_script_discard(sb_plot_script *sp);

/* Finishes the script, runs o->gnuplot on it (sb_gnuplot_run) and discards
 * it; *image (malloc'd, *len bytes) is the figure.  SB_ENOMEM and the
 * errors of sb_gnuplot_run. */
sb_err sb_plot_script_render(sb_plot_script *sp, const sb_plot_opts *o, char **image, size_t *len, sb_msg *msg);

/* Ends the script's multiplot ("unset multiplot"), then renders as
 * sb_plot_script_render. */
sb_err sb_plot_script_render_multiplot(sb_plot_script *sp, const sb_plot_opts *o, char **image, size_t *len,
                                       sb_msg *msg);

/* Writes a formatted text (at most 2047 bytes) as a gnuplot string that
 * gnuplot never evaluates (sb_escape_gnuplot). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_plot_put_strf(FILE *f, const char *fmt, ...);

/* One line "set SETTING 'text'\n" (title, xlabel, ylabel, ...), the text
 * as a gnuplot string that gnuplot never evaluates. */
void sb_plot_put_set(FILE *f, const char *setting, const char *text);

/* The terminal line of format at width x height pixels (PDF: 1/96 in),
 * noenhanced, UTF-8. */
void sb_plot_put_terminal(FILE *f, sb_plot_format format, int width, int height);

/* Clears *image and *len, then checks the common arguments of a figure
 * function.  SB_EINVAL (msg says which). */
sb_err sb_plot_check_args(const void *sc, const sb_plot_opts *o, char **image, size_t *len, sb_msg *msg);

/* The leaderboard rows to draw: o->methods (each must exist) in leaderboard
 * order, or every row; sel->rows is malloc'd (the caller frees it).
 * SB_ENOTFOUND (an unknown method, or none to draw), SB_ENOMEM. */
sb_err sb_plot_select_methods(const sb_scores *sc, const sb_plot_opts *o, sb_plot_selection *sel, sb_msg *msg);

/* "dB" for the SDR family and the other energy ratios; NULL otherwise
 * (PS and PM are probabilities). */
const char *sb_plot_metric_unit(const char *metric);

/* "SDR (dB)" or "PS" into buf (size bytes); returns buf. */
const char *sb_plot_axis_label(const char *metric, char *buf, size_t size);

/* How one track's value is obtained from the store: "median over frames"
 * or "whole-track value". */
const char *sb_plot_per_track_words(const sb_leaderboard *lb);

/* ", suite S" or "" into buf; returns buf. */
const char *sb_plot_suite_words(const sb_plot_opts *o, char *buf, size_t size);

/* Ends a panel's plot command: the line break after its series when any
 * was written, else (any == 0) a panel with nothing to draw in its place
 * (gnuplot refuses a plot without points). */
void sb_plot_end_panel(FILE *f, int any);

/* requested when positive, else computed. */
int sb_plot_size_or(int requested, int computed);

/* qsort comparison of doubles, ascending. */
int sb_plot_compare_doubles(const void *a, const void *b);

#endif /* SB_REPORTS_PLOT_SCRIPT_H */
