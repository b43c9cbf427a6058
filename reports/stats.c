/*
 * reports/stats.c — bootstrap CIs and rank tests (see stats.h for the
 * references).  The Wilcoxon code reproduces scipy 1.10's choices
 * (_morestats.py wilcoxon): exact null distribution of R+ by counting the
 * subsets of {1..n} per rank sum (dynamic programming, O(n^3)), int()
 * truncation of a tied R+ in exact mode, p = 2 min(P(R+ <= r), P(R+ >= r))
 * and 1 at the centre; normal approximation z = (T - n(n+1)/4) / se with
 * se^2 = (n(n+1)(2n+1) - sum t(t^2-1)/2) / 24 over tied rank groups.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "reports/stats.h"

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double sb_stats_quantile_sorted(const double *sorted, int n, double q)
{
  double h;
  int lo;
  if (!sorted || n < 1)
    return NAN;
  h = (n - 1) * q;
  lo = (int)floor(h);
  if (lo < 0)
    return sorted[0];
  if (lo >= n - 1)
    return sorted[n - 1];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

sb_err sb_stats_bootstrap_ci(const double *values, int n, sb_stat_kind stat, int n_resamples,
                             unsigned long seed, double level, double *lo, double *hi)
{
  gsl_rng *rng = NULL;
  double *sample = NULL, *stats = NULL;
  sb_err err = SB_OK;

  if (!values || !lo || !hi || n < 1 || n_resamples < 2 || !(level > 0 && level < 1) ||
      (stat != SB_STAT_MEDIAN && stat != SB_STAT_MEAN))
    return SB_EINVAL;
  rng = gsl_rng_alloc(gsl_rng_mt19937);
  sample = malloc((size_t)n * sizeof *sample);
  stats = malloc((size_t)n_resamples * sizeof *stats);
  if (!rng || !sample || !stats) {
    err = SB_ENOMEM;
    goto done;
  }
  gsl_rng_set(rng, seed);
  for (int b = 0; b < n_resamples; b++) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      sample[i] = values[gsl_rng_uniform_int(rng, (unsigned long)n)];
      sum += sample[i];
    }
    if (stat == SB_STAT_MEAN) {
      stats[b] = sum / n;
    } else {
      qsort(sample, (size_t)n, sizeof *sample, compare_double);
      stats[b] = n % 2 ? sample[n / 2] : 0.5 * (sample[n / 2 - 1] + sample[n / 2]);
    }
  }
  qsort(stats, (size_t)n_resamples, sizeof *stats, compare_double);
  *lo = sb_stats_quantile_sorted(stats, n_resamples, 0.5 * (1.0 - level));
  *hi = sb_stats_quantile_sorted(stats, n_resamples, 0.5 * (1.0 + level));
done:
  gsl_rng_free(rng);
  free(sample);
  free(stats);
  return err;
}

/* Average ranks (1-based) of v[0..n) into rank; order is workspace. */
typedef struct ranked {
  double value;
  int index;
} ranked;

static int compare_ranked(const void *a, const void *b)
{
  const ranked *x = a, *y = b;
  if (x->value != y->value)
    return (x->value > y->value) - (x->value < y->value);
  return x->index - y->index;
}

/* Fills rank[] with average ranks; *tie_term (may be NULL) gets
 * sum over tie groups of t^3 - t. */
static void average_ranks(const double *v, int n, ranked *order, double *rank, double *tie_term)
{
  double ties = 0.0;
  for (int i = 0; i < n; i++)
    order[i] = (ranked){v[i], i};
  qsort(order, (size_t)n, sizeof *order, compare_ranked);
  for (int i = 0; i < n;) {
    int j = i;
    while (j + 1 < n && order[j + 1].value == order[i].value)
      j++;
    for (int k = i; k <= j; k++)
      rank[order[k].index] = 0.5 * (i + j) + 1.0;
    if (j > i) {
      double t = j - i + 1;
      ties += t * t * t - t;
    }
    i = j + 1;
  }
  if (tie_term)
    *tie_term = ties;
}

/* P(R+ = s) for s = 0..n(n+1)/2 under H0 (exact, n <= 50). */
static sb_err wilcoxon_pmf(int n, double **pmf_out, int *n_sums)
{
  int max_sum = n * (n + 1) / 2;
  double *count = calloc((size_t)max_sum + 1, sizeof *count);
  if (!count)
    return SB_ENOMEM;
  count[0] = 1.0;
  for (int k = 1; k <= n; k++)
    for (int s = k * (k + 1) / 2; s >= k; s--)
      count[s] += count[s - k];
  for (int s = 0; s <= max_sum; s++)
    count[s] = ldexp(count[s], -n);
  *pmf_out = count;
  *n_sums = max_sum + 1;
  return SB_OK;
}

sb_err sb_stats_wilcoxon(const double *x, const double *y, int n, double *statistic, double *p,
                         int *exact)
{
  double *d = NULL, *rank = NULL, *absd = NULL, *pmf = NULL;
  ranked *order = NULL;
  int count = 0, n_zero = 0, use_exact;
  double r_plus = 0.0, r_minus = 0.0, tie_term = 0.0;
  sb_err err = SB_OK;

  if (!x || !y || !statistic || !p || n < 0)
    return SB_EINVAL;
  *statistic = NAN;
  *p = NAN;
  if (exact)
    *exact = 0;
  d = malloc((size_t)(n ? n : 1) * sizeof *d);
  absd = malloc((size_t)(n ? n : 1) * sizeof *absd);
  rank = malloc((size_t)(n ? n : 1) * sizeof *rank);
  order = malloc((size_t)(n ? n : 1) * sizeof *order);
  if (!d || !absd || !rank || !order) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int i = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i])) {
      d[count] = x[i] - y[i];
      n_zero += d[count] == 0.0;
      count++;
    }
  if (count == 0 || n_zero == count)
    goto done;
  use_exact = count <= 50 && n_zero == 0;
  if (!use_exact) { /* zero_method "wilcox": drop the zero differences */
    int kept = 0;
    for (int i = 0; i < count; i++)
      if (d[i] != 0.0)
        d[kept++] = d[i];
    count = kept;
  }
  for (int i = 0; i < count; i++)
    absd[i] = fabs(d[i]);
  average_ranks(absd, count, order, rank, &tie_term);
  for (int i = 0; i < count; i++) {
    if (d[i] > 0)
      r_plus += rank[i];
    else if (d[i] < 0)
      r_minus += rank[i];
  }
  *statistic = r_plus < r_minus ? r_plus : r_minus;
  if (use_exact) {
    int n_sums, r = (int)r_plus;
    double p_less = 0.0, p_greater = 0.0;
    err = wilcoxon_pmf(count, &pmf, &n_sums);
    if (err)
      goto done;
    if (r == (n_sums - 1) / 2) {
      *p = 1.0;
    } else {
      for (int s = 0; s <= r; s++)
        p_less += pmf[s];
      for (int s = r; s < n_sums; s++)
        p_greater += pmf[s];
      *p = 2.0 * (p_less < p_greater ? p_less : p_greater);
    }
    if (*p > 1.0)
      *p = 1.0;
    if (exact)
      *exact = 1;
  } else {
    double nn = count;
    double mean = nn * (nn + 1.0) * 0.25;
    double var = nn * (nn + 1.0) * (2.0 * nn + 1.0) - 0.5 * tie_term;
    double z = (*statistic - mean) / sqrt(var / 24.0);
    *p = 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
  }
done:
  free(d);
  free(absd);
  free(rank);
  free(order);
  free(pmf);
  return err;
}

sb_err sb_stats_holm(const double *p, int n, double *adjusted)
{
  ranked *order;
  int m = 0;
  double running = 0.0;
  if (!p || !adjusted || n < 0)
    return SB_EINVAL;
  order = malloc((size_t)(n ? n : 1) * sizeof *order);
  if (!order)
    return SB_ENOMEM;
  for (int i = 0; i < n; i++)
    if (!isnan(p[i]))
      order[m++] = (ranked){p[i], i};
  qsort(order, (size_t)m, sizeof *order, compare_ranked);
  for (int i = 0; i < n; i++)
    if (isnan(p[i]))
      adjusted[i] = NAN;
  for (int i = 0; i < m; i++) {
    double value = order[i].value * (m - i);
    if (value > running)
      running = value;
    adjusted[order[i].index] = running < 1.0 ? running : 1.0;
  }
  free(order);
  return SB_OK;
}

/* Within-block ranks of the whole matrix; *ties = sum of t^3 - t. */
static sb_err block_ranks(const double *values, int n_blocks, int n_groups, double *ranks,
                          double *ties)
{
  ranked *order = malloc((size_t)n_groups * sizeof *order);
  if (!order)
    return SB_ENOMEM;
  *ties = 0.0;
  for (int b = 0; b < n_blocks; b++) {
    double t;
    average_ranks(values + (size_t)b * (size_t)n_groups, n_groups, order,
                  ranks + (size_t)b * (size_t)n_groups, &t);
    *ties += t;
  }
  free(order);
  return SB_OK;
}

static int all_finite(const double *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return 0;
  return 1;
}

sb_err sb_stats_friedman(const double *values, int n_blocks, int n_groups, double *chi2,
                         double *p, double *rank_sums)
{
  double *ranks, ties, ssbn = 0.0, k = n_groups, b = n_blocks, correction;
  sb_err err;
  if (!values || !chi2 || !p || n_groups < 3 || n_blocks < 1 ||
      !all_finite(values, (size_t)n_blocks * (size_t)n_groups))
    return SB_EINVAL;
  ranks = malloc((size_t)n_blocks * (size_t)n_groups * sizeof *ranks);
  if (!ranks)
    return SB_ENOMEM;
  err = block_ranks(values, n_blocks, n_groups, ranks, &ties);
  if (err) {
    free(ranks);
    return err;
  }
  for (int g = 0; g < n_groups; g++) {
    double sum = 0.0;
    for (int i = 0; i < n_blocks; i++)
      sum += ranks[(size_t)i * (size_t)n_groups + (size_t)g];
    ssbn += sum * sum;
    if (rank_sums)
      rank_sums[g] = sum;
  }
  correction = 1.0 - ties / (k * (k * k - 1.0) * b);
  *chi2 = (12.0 / (k * b * (k + 1.0)) * ssbn - 3.0 * b * (k + 1.0)) / correction;
  *p = correction > 0 ? gsl_cdf_chisq_Q(*chi2, k - 1.0) : NAN;
  if (!(correction > 0))
    *chi2 = NAN;
  free(ranks);
  return SB_OK;
}

sb_err sb_stats_conover_friedman(const double *values, int n_blocks, int n_groups, double *p)
{
  double *ranks = NULL, *sums = NULL, ties, a1 = 0.0, sum_sq = 0.0, scale, df;
  sb_err err;
  if (!values || !p || n_groups < 2 || n_blocks < 1 ||
      !all_finite(values, (size_t)n_blocks * (size_t)n_groups))
    return SB_EINVAL;
  ranks = malloc((size_t)n_blocks * (size_t)n_groups * sizeof *ranks);
  sums = calloc((size_t)n_groups, sizeof *sums);
  if (!ranks || !sums) {
    err = SB_ENOMEM;
    goto done;
  }
  err = block_ranks(values, n_blocks, n_groups, ranks, &ties);
  if (err)
    goto done;
  for (size_t i = 0; i < (size_t)n_blocks * (size_t)n_groups; i++) {
    a1 += ranks[i] * ranks[i];
    sums[i % (size_t)n_groups] += ranks[i];
  }
  for (int g = 0; g < n_groups; g++)
    sum_sq += sums[g] * sums[g];
  df = (n_blocks - 1.0) * (n_groups - 1.0);
  scale = df > 0 ? sqrt(2.0 * (n_blocks * a1 - sum_sq) / df) : 0.0;
  for (int a = 0; a < n_groups; a++)
    for (int b = 0; b < n_groups; b++) {
      double *out = &p[(size_t)a * (size_t)n_groups + (size_t)b];
      if (a == b)
        *out = 1.0;
      else if (!(scale > 0))
        *out = NAN;
      else
        *out = 2.0 * gsl_cdf_tdist_Q(fabs(sums[a] - sums[b]) / scale, df);
    }
done:
  free(ranks);
  free(sums);
  return err;
}
