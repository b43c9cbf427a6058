/*
 * reports/table.h — a results table ready for a paper: the leaderboard's
 * values with 95% bootstrap confidence intervals, the best value of each
 * column in bold, paired Wilcoxon signed-rank tests against a reference
 * method (Holm-corrected across all method x target comparisons), and per
 * target a Friedman test across all methods with Conover's post-hoc
 * comparisons (Holm-corrected across the pairs), as the SiSEC 2018
 * analysis did (Stöter, Liutkus, Ito 2018, "The 2018 Signal Separation
 * Evaluation Campaign").  Statistics: reports/stats.h.
 *
 * Every statistic is computed on the per-track values of reports/scores.h:
 * the CI resamples tracks (percentile bootstrap of the leaderboard's
 * over-tracks statistic: median for median-median/track-median, mean for
 * mean-median/mean); paired tests use the tracks where both methods have a
 * finite value, Friedman/Conover the tracks where every method has one.
 * The footnote names the tests, the correction, the number of resamples
 * and the seed.
 *
 * Workload: methods x targets bootstraps of B resamples of ~50 tracks
 * (1000 resamples x 10 methods x 4 targets: ~0.1 s).
 * Thread-safety: reentrant; uses the store only through sb_scores_new.
 */
#ifndef SB_REPORTS_TABLE_H
#define SB_REPORTS_TABLE_H

#include <stdio.h>
#include "sepbench/error.h"
#include "reports/scores.h"

typedef enum sb_table_format { SB_TABLE_LATEX = 0, SB_TABLE_MARKDOWN } sb_table_format;

typedef struct sb_table_opts {
  const char *reference;   /* reference method; NULL = the leaderboard's first */
  int n_resamples;         /* bootstrap resamples; 0 = 1000 */
  unsigned long seed;      /* MT19937 seed; 0 = 2018 */
  double level;            /* confidence level; 0 = 0.95 */
  double alpha;            /* significance level of the markers; 0 = 0.05 */
  int ci_brackets;         /* 1: "7.67 [7.12, 8.01]"; 0: "7.67 ± 0.45" (half width) */
} sb_table_opts;

typedef struct sb_table sb_table;

/* Computes every statistic.  Errors: SB_EINVAL (NULL scores or out, bad
 * option values), SB_ENOTFOUND (reference method not in the leaderboard;
 * msg names it), SB_ENOMEM. */
sb_err sb_table_new(const sb_scores *sc, const sb_table_opts *o, sb_table **out, sb_msg *msg);
void sb_table_free(sb_table **t);

/* Writes the table (LaTeX booktabs tabular in a table environment, or
 * GitHub markdown) with its footnote.  SB_EINVAL, SB_EIO (write error). */
sb_err sb_table_write(const sb_table *t, FILE *f, sb_table_format fmt);

/* "latex"/"tex", "markdown"/"md".  SB_EINVAL otherwise. */
sb_err sb_table_parse_format(const char *name, sb_table_format *out);

/* Results (row = leaderboard row, col = target).  NaN when not defined
 * (e.g. the reference row, too few tracks). */
double sb_table_ci_low(const sb_table *t, int row, int col);
double sb_table_ci_high(const sb_table *t, int row, int col);
double sb_table_wilcoxon_p(const sb_table *t, int row, int col);      /* raw */
double sb_table_wilcoxon_p_holm(const sb_table *t, int row, int col); /* Holm-adjusted */
double sb_table_friedman_chi2(const sb_table *t, int col);
double sb_table_friedman_p(const sb_table *t, int col);
/* Conover post-hoc p of rows a and b for target col, Holm-adjusted over the
 * pairs of that target. */
double sb_table_conover_p(const sb_table *t, int col, int a, int b);
int sb_table_reference(const sb_table *t); /* the reference row */

#endif /* SB_REPORTS_TABLE_H */
