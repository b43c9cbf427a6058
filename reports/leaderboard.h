/*
 * reports/leaderboard.h — the leaderboard of a suite: methods x targets,
 * derived from the values in the results store (schemas/store.h) only.
 *
 * Aggregations (shared/specs/bsseval.md §3 and §6, conventions.md), with
 * their command-line names:
 *   SB_LB_MEDIAN       "median-median"; frame metric: per (method, track,
 *                      target) the median
 *                      over frames, then per (method, target) the median
 *                      over tracks.  SiSEC 2018 / museval (median over 1-s
 *                      frames of BSS Eval v4 SDR, median over tracks).
 *   SB_LB_MEAN_MEDIAN  "mean-median"; frame metric: per-track medians as
 *                      above, then the mean over tracks (Demucs "sdr").
 *   SB_LB_MEAN         "mean"; per-track metric (track_values, e.g.
 *                      global_SDR): mean over tracks (MDX 2021 / SDX 2023).
 *   SB_LB_TRACK_MEDIAN "track-median"; per-track metric: median over tracks.
 *   SB_LB_AUTO         "auto"; SB_LB_MEDIAN when the metric has frame
 *                      values, else SB_LB_MEAN.
 * Medians are numpy's (mean of the two middle values for an even count).
 * NaN (NULL) and +-inf values are skipped at every level, as museval's JSON
 * turns +-inf into NaN and pandas/np.nanmedian skip NaN: a track whose
 * frames are all skipped does not count for that cell.
 *
 * The avg column is the mean over the targets shown of the per-target
 * values (MDX: song score = mean of the 4 stems); it is NaN when a cell of
 * the row is NaN.  Rows are sorted by avg, descending, NaN last, ties by
 * method name.  Columns: the targets filter order, else vocals, drums,
 * bass, other, accompaniment, then any other target by name.
 *
 * Workload: reads ~200k frame values per method of a MUSDB18 test pass in
 * one reading of the store (schemas/store_read.h, sb_store_each_value);
 * memory O(values of one (method, track, target)) + O(tracks x cells).
 * The per-track values it aggregates are kept (sb_leaderboard_track_values)
 * for the paper tables and figures (reports/scores.h), so that every report
 * shows the same numbers from the same reduction.  The output formats are
 * in reports/board_writers.h.
 * Thread-safety: a finished sb_leaderboard is read-only and may be shared;
 * sb_leaderboard_new uses the store (see store.h: calls on one sb_store are
 * serialised by the caller).
 */
#ifndef SB_REPORTS_LEADERBOARD_H
#define SB_REPORTS_LEADERBOARD_H

#include <stddef.h>
#include "sepbench/error.h"
#include "schemas/store.h"

typedef enum sb_lb_agg {
  SB_LB_AUTO = 0,
  SB_LB_MEDIAN,
  SB_LB_MEAN_MEDIAN,
  SB_LB_MEAN,
  SB_LB_TRACK_MEDIAN
} sb_lb_agg;

/* A zeroed struct (or NULL) gives the defaults. */
typedef struct sb_leaderboard_opts {
  const char *suite;           /* suite name; NULL = every suite (when the
                                  values come from one suite only, the
                                  leaderboard names it: sb_leaderboard_suite) */
  const char *metric;          /* NULL = "SDR" */
  sb_lb_agg agg;               /* SB_LB_AUTO */
  const char *config;          /* config key; NULL = the config of the newest
                                  'done' item holding values of the metric */
  int n_targets;               /* 0 = every target found */
  const char *const *targets;  /* n_targets names, in column order */
} sb_leaderboard_opts;

typedef struct sb_leaderboard sb_leaderboard;

/* Sets the defaults: every suite, SDR, SB_LB_AUTO, newest config, every
 * target (the same as a zeroed struct). */
void sb_leaderboard_opts_default(sb_leaderboard_opts *o);

/* Names for the command line: "auto", "median-median" (or "median"),
 * "mean-median", "mean", "track-median".  SB_EINVAL for any other name (or
 * NULL). */
sb_err sb_leaderboard_parse_agg(const char *name, sb_lb_agg *out);
/* Splits a comma-separated target list ("vocals,drums") for
 * sb_leaderboard_opts.targets: *names (n entries, one allocation) is freed
 * with free(*names).  SB_EINVAL for NULL, an empty list or an empty name,
 * SB_ENOMEM. */
sb_err sb_leaderboard_parse_targets(const char *list, char ***names, int *n);
/* The name of an aggregation ("median-median", ...); "?" when out of range. */
const char *sb_leaderboard_agg_name(sb_lb_agg agg);

/* Computes the leaderboard.  Errors (msg says which):
 *   SB_EINVAL    s or out NULL, n_targets < 0 or a NULL target name,
 *                aggregation out of range;
 *   SB_ENOTFOUND no 'done' item holds values of the metric (for the suite
 *                and config, or with the requested kind: e.g. "median" of
 *                global_SDR, which has no frame values), or a requested
 *                target has no values;
 *   SB_EDB, SB_ENOMEM. */
sb_err sb_leaderboard_new(sb_store *s, const sb_leaderboard_opts *o, sb_leaderboard **out,
                          sb_msg *msg);

/* The config a report uses when none is given, as the leaderboard with
 * SB_LB_AUTO picks it: the config of the newest 'done' item with frame
 * values of `metric` in the suite (NULL = any), else of the newest with
 * per-track values.  *config is malloc'ed; the caller frees it.
 * SB_ENOTFOUND ("report: no values of M in ...") when there is none;
 * SB_EINVAL, SB_EDB, SB_ENOMEM. */
sb_err sb_leaderboard_default_config(sb_store *s, const char *suite, const char *metric,
                                     char **config, sb_msg *msg);

/* Accessors (for tests and other reports).  Indices are 0-based rows
 * (sorted as above) and columns; out of range gives NULL / NaN / 0. */
int sb_leaderboard_n_methods(const sb_leaderboard *lb);
int sb_leaderboard_n_targets(const sb_leaderboard *lb);
const char *sb_leaderboard_method(const sb_leaderboard *lb, int row);
const char *sb_leaderboard_target(const sb_leaderboard *lb, int col);
double sb_leaderboard_value(const sb_leaderboard *lb, int row, int col); /* dB */
int sb_leaderboard_n_tracks(const sb_leaderboard *lb, int row, int col);
double sb_leaderboard_avg(const sb_leaderboard *lb, int row);
/* The aggregation actually used (never SB_LB_AUTO), the config key, the
 * metric and the title line. */
sb_lb_agg sb_leaderboard_aggregation(const sb_leaderboard *lb);
const char *sb_leaderboard_config(const sb_leaderboard *lb);
const char *sb_leaderboard_metric(const sb_leaderboard *lb);
const char *sb_leaderboard_title(const sb_leaderboard *lb);
/* The suite of the values: the one asked for, or the only suite they come
 * from; NULL when they come from several suites. */
const char *sb_leaderboard_suite(const sb_leaderboard *lb);
/* The number of tracks of the most complete cell. */
int sb_leaderboard_max_tracks(const sb_leaderboard *lb);

/* One per-track value behind a cell: the median over frames of a frame
 * metric, or the stored per-track value; finite always. */
typedef struct sb_lb_track_value {
  int row, col;      /* the cell */
  const char *track; /* track name (two suites may share one) */
  double value;
} sb_lb_track_value;

/* The per-track values the cells aggregate, in the order the store gives
 * them (method, track id, target); *n (may be NULL) receives their number.
 * Owned by lb. */
const sb_lb_track_value *sb_leaderboard_track_values(const sb_leaderboard *lb, size_t *n);

void sb_leaderboard_free(sb_leaderboard **lb);

#endif /* SB_REPORTS_LEADERBOARD_H */
