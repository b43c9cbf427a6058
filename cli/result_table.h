/*
 * cli/result_table.h — a human-readable table of one evaluation
 * (`sepbench eval --format table`): one row per target with the median
 * over frames of each framewise metric (NaN/inf frames skipped, as the
 * SiSEC 2018 aggregation does) and the whole-signal values.  Target names
 * are printed with their control characters escaped (\xHH, \u00HH), so a
 * name with a newline or a terminal escape code cannot break the table or
 * reach the terminal raw.
 */
#ifndef SB_CLI_RESULT_TABLE_H
#define SB_CLI_RESULT_TABLE_H

#include <stdio.h>
#include "sepbench/error.h"
#include "backends/user_metrics.h"
#include "metrics/evaluate.h"

/* SB_EIO when the stream reports an error. */
sb_err sb_result_table_write(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts,
                             const char *const *names);

/* The values of the plug-in metrics of table below the table: one row per
 * target (names, n_targets) with a column per per-target value, then the
 * per-track values, then one line per metric that failed.  Nothing when
 * scores is NULL.  SB_EIO when the stream reports an error. */
sb_err sb_result_table_write_user(FILE *f, const char *const *names, int n_targets, const sb_user_metric_table *table,
                                  const sb_user_scores *scores);

/* Median of the finite values among n (NaN when none); the input is not
 * modified.  SB_ENOMEM. */
sb_err sb_median_finite(const double *values, int64_t n, double *out);

#endif /* SB_CLI_RESULT_TABLE_H */
