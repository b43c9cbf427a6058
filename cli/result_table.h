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
#include "metrics/evaluate.h"

/* SB_EIO when the stream reports an error. */
sb_err sb_result_table_write(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts,
                             const char *const *names);

/* Median of the finite values among n (NaN when none); the input is not
 * modified.  SB_ENOMEM. */
sb_err sb_median_finite(const double *values, int64_t n, double *out);

#endif /* SB_CLI_RESULT_TABLE_H */
