/*
 * reports/plot.h — figures of the stored results, drawn by gnuplot
 * (reports/gnuplot.h) as PNG (pngcairo), SVG (svg) or PDF (pdfcairo):
 *
 *   boxplot   one panel per target (stacked), methods on the x axis in
 *             leaderboard order, a box of the per-track values of each
 *             method (quartiles, median, whiskers to 1.5 IQR) with every
 *             track drawn as a dot — the figure of the SiSEC 2018 results
 *             (Stöter, Liutkus, Ito, "The 2018 Signal Separation Evaluation
 *             Campaign", LVA/ICA 2018: per-track median-over-frames SDR of
 *             each method, one panel per target);
 *   heatmap   one panel per target, tracks x methods, each cell coloured
 *             and labelled with the per-track value (one colour scale for
 *             every panel, spanning the 2nd to 98th percentile of the
 *             values, cells outside it outlined; blank = no value); more
 *             than 40 methods split a target into several panels, and
 *             panels wrap into rows at most 2400 px wide
 *             (reports/plot_heatmap.c);
 *   timeline  one panel per target, the frame values of one track (x =
 *             frame start in s) with one line per method;
 *   scatter   one point per (method, track, target): per-track values of
 *             one metric against another (SDR vs SI-SDR, PS vs PM), colour
 *             = method, point shape = target, the line y = x when both are
 *             in dB.
 *
 * The per-track values are those of reports/scores.h (median over frames
 * of a frame metric, or the per-track value), so a figure shows exactly
 * what the leaderboard aggregates, in its method order and colours that
 * follow that order.  Titles name the metric, unit and aggregation; axes
 * carry units (dB); a legend names the methods.  Names (methods, tracks,
 * targets, suites) reach gnuplot only as single-quoted string expressions
 * (common/escape.h, sb_escape_gnuplot) with the terminal in `noenhanced`
 * mode: gnuplot never runs or expands any part of a name (backquotes, @
 * macros, backslashes), and quotes, '&', '_', '^' and line breaks are
 * printed as they are; the data are numbers only.
 *
 * Workload: one gnuplot process per figure; data of methods x targets x
 * tracks values (timeline: methods x targets x frames).
 * Thread-safety: concurrent calls on different stores are safe; a call
 * that reads the store (timeline) uses it as store.h says.
 */
#ifndef SB_REPORTS_PLOT_H
#define SB_REPORTS_PLOT_H

#include <stddef.h>
#include "sepbench/error.h"
#include "reports/scores.h"
#include "schemas/store.h"

typedef enum sb_plot_kind {
  SB_PLOT_BOXPLOT = 0,
  SB_PLOT_HEATMAP,
  SB_PLOT_TIMELINE,
  SB_PLOT_SCATTER
} sb_plot_kind;

typedef enum sb_plot_format {
  SB_PLOT_PNG = 0, /* pngcairo */
  SB_PLOT_SVG,     /* svg (no JavaScript) */
  SB_PLOT_PDF      /* pdfcairo */
} sb_plot_format;

/* A zeroed struct gives the defaults. */
typedef struct sb_plot_opts {
  sb_plot_format format;
  int n_methods;                /* 0 = every method of the leaderboard */
  const char *const *methods;   /* n_methods names; shown in leaderboard order */
  const char *suite;            /* named in titles; timeline: suite filter (NULL = any) */
  const char *track;            /* timeline: track name; NULL = the first track */
  int width, height;            /* pixels (PDF: 1/96 in); 0 = sized to the data */
  const char *gnuplot;          /* program; NULL = sb_gnuplot_program() */
} sb_plot_opts;

/* "boxplot", "heatmap", "timeline", "scatter".  SB_EINVAL otherwise. */
sb_err sb_plot_parse_kind(const char *name, sb_plot_kind *out);

/* The format of an output path from its extension (.png, .svg, .pdf, any
 * case).  SB_EINVAL (msg: "PATH: the figure's file name must end in .png,
 * .svg or .pdf") otherwise. */
sb_err sb_plot_format_from_path(const char *path, sb_plot_format *out, sb_msg *msg);

/* Each figure function returns the image bytes in *image (malloc'd, *len
 * bytes, NUL-terminated; the caller frees it).  Common errors:
 *   SB_EINVAL    NULL argument, width/height < 0, format out of range;
 *   SB_ENOTFOUND a method of o->methods is not in the leaderboard, or
 *                there is nothing to draw (no finite value);
 *   SB_EBACKEND, SB_ETIMEOUT, SB_EIO  gnuplot missing or failing (see
 *                sb_gnuplot_run: one line quoting gnuplot's error);
 *   SB_ENOMEM. */
sb_err sb_plot_boxplot(const sb_scores *sc, const sb_plot_opts *o, char **image, size_t *len,
                       sb_msg *msg);
sb_err sb_plot_heatmap(const sb_scores *sc, const sb_plot_opts *o, char **image, size_t *len,
                       sb_msg *msg);
/* The frame values of sc's metric and config for track o->track (NULL =
 * sc's first track), every target of sc, read from s
 * (sb_store_each_point, schemas/store_read.h).  Also SB_ENOTFOUND when the track is unknown or the
 * metric has no frame values for it (e.g. SI-SDR, a per-track metric);
 * SB_EDB. */
sb_err sb_plot_timeline(sb_store *s, const sb_scores *sc, const sb_plot_opts *o, char **image,
                        size_t *len, sb_msg *msg);
/* x and y are the scores of two metrics (build y with x's config, see
 * sb_leaderboard_config); methods, targets and tracks are matched by name
 * and points need a finite value in both. */
sb_err sb_plot_scatter(const sb_scores *x, const sb_scores *y, const sb_plot_opts *o,
                       char **image, size_t *len, sb_msg *msg);

/* Writes len bytes to path (created or truncated); a partial file is
 * removed.  SB_EINVAL (NULL), SB_EIO ("PATH: cannot write: REASON"). */
sb_err sb_plot_save(const char *path, const char *image, size_t len, sb_msg *msg);

#endif /* SB_REPORTS_PLOT_H */
