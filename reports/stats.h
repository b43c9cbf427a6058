/*
 * reports/stats.h — the statistics of the paper tables: percentile
 * bootstrap confidence intervals, the Wilcoxon signed-rank test, Holm's
 * step-down correction, the Friedman test and Conover's post-hoc test.
 *
 * References: Efron & Tibshirani 1993, ch. 13 (percentile bootstrap);
 * Wilcoxon 1945 and scipy.stats.wilcoxon 1.10 (defaults: zero_method
 * "wilcox", no continuity correction, method "auto" = exact null
 * distribution when there are <= 50 differences and none is zero, else the
 * normal approximation with the tie correction of the variance); Holm
 * 1979; Friedman 1937 and scipy.stats.friedmanchisquare (tie-corrected
 * chi-square); Conover 1999, "Practical Nonparametric Statistics" §5.8
 * (pairwise comparisons after Friedman: t statistic with (b-1)(k-1)
 * degrees of freedom), the post-hoc test of the SiSEC 2018 analysis
 * (Stöter et al. 2018).  Distributions from GSL (gsl_cdf_*), random numbers
 * from GSL's MT19937 (gsl_rng_mt19937).
 *
 * Workload: tens of methods x ~50 tracks; everything is O(n log n) per
 * test, the bootstrap O(B n log n) (B = 1000-10000 resamples).
 * Thread-safety: every function is reentrant (no shared state).
 */
#ifndef SB_REPORTS_STATS_H
#define SB_REPORTS_STATS_H

#include "sepbench/error.h"

typedef enum sb_stat_kind { SB_STAT_MEDIAN = 0, SB_STAT_MEAN } sb_stat_kind;

/* numpy's default quantile (linear interpolation between order statistics)
 * of n values sorted ascending; q in [0, 1].  NaN when n == 0. */
double sb_stats_quantile_sorted(const double *sorted, int n, double q);

/* Percentile bootstrap CI of the median or mean of values[0..n): n_resamples
 * resamples of n values drawn with replacement (gsl_rng_mt19937 seeded with
 * seed, gsl_rng_uniform_int), CI = the (1-level)/2 and (1+level)/2
 * quantiles of the resampled statistics.  Non-finite values must have been
 * removed by the caller.  Errors: SB_EINVAL (NULL pointer, n < 1,
 * n_resamples < 2, level outside (0, 1)), SB_ENOMEM. */
sb_err sb_stats_bootstrap_ci(const double *values, int n, sb_stat_kind stat, int n_resamples,
                             unsigned long seed, double level, double *lo, double *hi);

/* Two-sided Wilcoxon signed-rank test of the pairs (x[i], y[i]) as
 * scipy.stats.wilcoxon(x, y) computes it (see above); pairs with a
 * non-finite member are dropped first.  *statistic = min(R+, R-), *p in
 * [0, 1], *exact = 1 when the exact distribution was used.  With no pair
 * left, or only zero differences, *statistic and *p are NaN (scipy returns
 * NaN or raises).  SB_EINVAL (NULL pointer, n < 0), SB_ENOMEM. */
sb_err sb_stats_wilcoxon(const double *x, const double *y, int n, double *statistic, double *p,
                         int *exact);

/* Holm's step-down adjustment of n p-values (as statsmodels multipletests
 * "holm"): sorted ascending, p_(i) * (n - i) (0-based), running maximum,
 * capped at 1.  NaN p-values are kept NaN and not counted.  adjusted may
 * equal p.  SB_EINVAL, SB_ENOMEM. */
sb_err sb_stats_holm(const double *p, int n, double *adjusted);

/* Friedman test of n_blocks blocks (tracks) x n_groups groups (methods),
 * values row-major [block * n_groups + group], all finite; n_groups >= 3
 * and n_blocks >= 1.  Ranks within a block average ties.  *chi2 and *p as
 * scipy.stats.friedmanchisquare; rank_sums (n_groups, may be NULL) gets the
 * rank sum of each group.  *p is NaN when every block is tied throughout.
 * SB_EINVAL, SB_ENOMEM. */
sb_err sb_stats_friedman(const double *values, int n_blocks, int n_groups, double *chi2,
                         double *p, double *rank_sums);

/* Conover's all-pairs comparison after a Friedman test (same data layout):
 * t_ab = |R_a - R_b| / sqrt(2 (b A1 - sum_j R_j^2) / ((b-1)(k-1))) with
 * A1 = the sum of the squared within-block ranks, two-sided p from
 * Student's t with (b-1)(k-1) degrees of freedom, unadjusted.  p is an
 * n_groups x n_groups matrix (diagonal 1); NaN when the denominator is 0
 * (every block tied) or n_blocks < 2.  SB_EINVAL, SB_ENOMEM. */
sb_err sb_stats_conover_friedman(const double *values, int n_blocks, int n_groups, double *p);

#endif /* SB_REPORTS_STATS_H */
