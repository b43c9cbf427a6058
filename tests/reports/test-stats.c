/* tests/reports/test-stats.c — bootstrap CI, Wilcoxon signed-rank, Holm,
 * Friedman and Conover against values computed independently with Debian's
 * python3-scipy 1.10.1 / numpy 1.24.2 at development time (the generator,
 * rng = numpy.random.default_rng(7), is quoted before each block; the
 * arrays are its output).  p-values to 1e-6 (they agree to ~1e-15); each
 * has a regression pin of the current implementation (tests/reports/test-stats.pins). */
#include <config.h>

#include <math.h>
#include <stdio.h>

#include "reports/stats.h"
#include "tap.h"

/* x, y = rounded normal draws; scipy.stats.wilcoxon(x, y) (defaults).
 * A: 20 pairs, no ties or zeros -> exact; B: 15 pairs with 4 zero
 * differences -> normal approximation, zeros dropped, ties; C: 60 pairs ->
 * normal approximation with ties; D: 12 pairs with tied |d| -> exact with
 * a non-integer R+ truncated by int(). */
static const double wx_A[20] = {5.002, 5.597, 4.452, 3.219, 4.091, 3.017, 5.12, 7.68, 4.016, 3.759, 5.98, 5.714, 5.211, 3.139, 4.941, 6.391, 2.312, 4.085, 1.198, 2.421};
static const double wy_A[20] = {3.76, 5.962, 3.785, 4.09, 4.848, 3.43, 3.203, 7.741, 4.567, 4.472, 5.05, 5.836, 4.832, 2.93, 6.602, 6.183, 2.879, 5.569, 1.214, 2.909};
static const double wx_B[15] = {3.1, 3.1, 1.8, 3.1, 4.4, 1.5, 3.9, 3.1, 2.4, 5.0, 3.8, 1.8, 3.1, 3.6, 2.8};
static const double wy_B[15] = {3.1, 3.1, 1.8, 3.1, 5.0, 1.8, 4.5, 4.1, 2.4, 5.4, 3.9, 2.2, 2.8, 3.6, 3.0};
static const double wx_C[60] = {0.9, 1.1, -1.3, -0.8, 0.6, -2.0, -0.5, -0.1, 1.3, 0.7, -0.3, -0.4, -0.3, 1.5, -0.4, -0.3, 0.4, -0.1, -0.2, -1.1, -0.0, -0.4, 1.2, 0.7, -0.0, 0.7, -0.3, 1.1, -0.0, 0.6, -1.3, 0.3, -1.7, -2.0, -0.3, -0.9, 0.2, 2.2, -0.8, -0.6, 0.2, 0.5, -0.2, -0.2, 0.7, 0.5, -1.0, -0.1, 0.0, -1.1, 0.3, -0.9, 1.0, 0.2, 0.1, -0.6, -0.1, -2.0, -1.1, 0.4};
static const double wy_C[60] = {-1.9, 1.0, -1.5, 1.0, -0.6, 1.0, 0.3, -1.3, 1.4, 1.6, 0.1, -0.1, 0.0, -0.8, 1.3, -0.3, 0.1, -0.6, -0.4, -1.1, 1.5, 0.0, 1.2, 0.2, -0.5, -0.1, -0.4, 0.2, -0.2, -0.1, -1.2, -0.6, 1.9, -0.5, -0.9, 0.5, 1.6, -1.3, -0.0, -0.4, -1.6, 0.9, 0.2, 0.3, -0.6, 0.7, -0.3, 0.1, -0.9, -1.0, 1.5, -0.3, 0.5, 0.2, -0.2, -0.3, 0.8, -0.1, 0.0, 0.2};
static const double wx_D[12] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0};
static const double wy_D[12] = {1.5, 1.5, 4.0, 5.0, 3.5, 8.0, 9.5, 7.75, 12.0, 10.75, 8.0, 16.0};
static const double fr[48] = {1.2, 1.0, 1.2, -0.1, -1.4, 1.2, 1.8, 0.4, 0.5, 1.1, 1.6, 1.4, -0.5, -0.4, -0.4, 1.4, 0.5, 1.2, 2.7, 2.0, -1.1, -1.4, 1.6, -0.5, -0.0, 1.1, -0.8, -1.6, 0.3, 0.3, 0.6, 0.5, -0.9, -1.2, 0.6, -0.5, -1.6, 0.8, 0.7, 0.9, -1.0, -0.4, -0.2, -0.4, 0.2, -0.5, 1.2, 0.8};
static const double bx[30] = {10.075, -0.178, 6.664, 3.732, 3.958, -0.35, 2.619, 6.23, 3.753, 4.243, 3.128, 7.464, 3.936, -2.601, 1.924, -1.906, -5.754, 2.41, 8.001, 4.141, 0.482, 1.178, 7.392, 4.473, 4.144, 3.84, 4.115, 6.416, 5.658, 4.647};

static void check_wilcoxon(const char *name, const double *x, const double *y, int n,
                           double want_stat, double want_p, int want_exact)
{
  double stat, p;
  int exact;
  tap_ok(sb_stats_wilcoxon(x, y, n, &stat, &p, &exact) == SB_OK, "wilcoxon %s runs", name);
  tap_near(stat, want_stat, 1e-12, "wilcoxon %s statistic (scipy)", name);
  tap_near(p, want_p, 1e-6, "wilcoxon %s p (scipy %.17g)", name, want_p);
  tap_pin(p, "wilcoxon %s p", name);
  tap_ok(exact == want_exact, "wilcoxon %s %s", name, want_exact ? "exact" : "normal approximation");
  tap_diag("wilcoxon %s: T %.17g p %.17g", name, stat, p);
}

int main(void)
{
  tap_pins_load("reports/test-stats.pins");
  double p[5], adj[5], chi2, fp, sums[4], conover[16], lo, hi;
  double stat, pw;
  int exact;
  /* scipy: friedmanchisquare(*F.T) over 12 blocks x 4 groups */
  const double want_chi2 = 13.991379310344833, want_fp = 0.0029169105215420166;
  /* Conover 1999 textbook formula in numpy + scipy.stats.t.sf (gen.py) */
  const double want_conover[16] = {
    1, 0.28662963501468547, 0.00012984227021577851, 0.01923241830404324,
    0.28662963501468547, 1, 0.0026627137400229428, 0.17733930570265716,
    0.00012984227021577851, 0.0026627137400229428, 1, 0.070270017914485686,
    0.01923241830404324, 0.17733930570265716, 0.070270017914485686, 1};

  check_wilcoxon("A", wx_A, wy_A, 20, 81, 0.38837623596191406, 1);
  check_wilcoxon("B", wx_B, wy_B, 15, 4, 0.028401837044201694, 0);
  check_wilcoxon("C", wx_C, wy_C, 60, 701.5, 0.43108550727417971, 0);
  check_wilcoxon("D", wx_D, wy_D, 12, 21, 0.17626953125, 1);
  /* bad input */
  tap_ok(sb_stats_wilcoxon(wx_A, wx_A, 20, &stat, &pw, &exact) == SB_OK && isnan(pw),
         "all differences zero -> NaN p (scipy raises)");
  tap_ok(sb_stats_wilcoxon(NULL, wx_A, 20, &stat, &pw, &exact) == SB_EINVAL, "NULL -> SB_EINVAL");

  /* Holm by hand: sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max 0.06 */
  p[0] = 0.01; p[1] = 0.04; p[2] = 0.03; p[3] = 0.005; p[4] = NAN;
  tap_ok(sb_stats_holm(p, 5, adj) == SB_OK, "holm runs");
  tap_near(adj[0], 0.03, 1e-15, "holm 0.01 -> 0.03");
  tap_near(adj[1], 0.06, 1e-15, "holm 0.04 -> 0.06 (monotone)");
  tap_near(adj[2], 0.06, 1e-15, "holm 0.03 -> 0.06");
  tap_near(adj[3], 0.02, 1e-15, "holm 0.005 -> 0.02");
  tap_ok(isnan(adj[4]), "holm keeps NaN");

  tap_ok(sb_stats_friedman(fr, 12, 4, &chi2, &fp, sums) == SB_OK, "friedman runs");
  tap_near(chi2, want_chi2, 1e-9, "friedman chi2 (scipy)");
  tap_near(fp, want_fp, 1e-6, "friedman p (scipy)");
  tap_pin(fp, "friedman p");
  tap_near(sums[0] + sums[1] + sums[2] + sums[3], 12 * 10.0, 1e-12, "rank sums total b k(k+1)/2");
  tap_ok(sb_stats_friedman(fr, 12, 2, &chi2, &fp, NULL) == SB_EINVAL, "friedman needs 3 groups");
  tap_ok(sb_stats_conover_friedman(fr, 12, 4, conover) == SB_OK, "conover runs");
  for (int i = 0; i < 16; i++)
    tap_near(conover[i], want_conover[i], 1e-6, "conover p[%d][%d]", i / 4, i % 4);
  tap_pin(conover[2], "conover p[0][2]");

  /* Percentile bootstrap vs scipy.stats.bootstrap(method='percentile',
   * n_resamples=20000, random_state=1): different generators, so agreement
   * within Monte-Carlo error (~0.02 for the mean's quantiles; the median's
   * bootstrap distribution is discrete, its quantiles move by one order
   * statistic gap ~0.1). */
  tap_diag("bootstrap seed 2018, MT19937");
  tap_ok(sb_stats_bootstrap_ci(bx, 30, SB_STAT_MEAN, 20000, 2018, 0.95, &lo, &hi) == SB_OK,
         "bootstrap mean");
  tap_near(lo, 2.2363300000000002, 0.06, "mean CI low vs scipy");
  tap_near(hi, 4.6172266666666637, 0.06, "mean CI high vs scipy");
  tap_pin(lo, "mean CI low");
  tap_ok(sb_stats_bootstrap_ci(bx, 30, SB_STAT_MEDIAN, 20000, 2018, 0.95, &lo, &hi) == SB_OK,
         "bootstrap median");
  tap_near(lo, 2.8734999999999999, 0.25, "median CI low vs scipy");
  tap_near(hi, 4.3955000000000002, 0.25, "median CI high vs scipy");
  tap_pin(hi, "median CI high");
  tap_diag("median CI [%.17g, %.17g]", lo, hi);
  tap_ok(sb_stats_bootstrap_ci(bx, 30, SB_STAT_MEDIAN, 1, 2018, 0.95, &lo, &hi) == SB_EINVAL,
         "one resample -> SB_EINVAL");
  tap_ok(sb_stats_bootstrap_ci(bx, 0, SB_STAT_MEDIAN, 100, 2018, 0.95, &lo, &hi) == SB_EINVAL,
         "no values -> SB_EINVAL");
  return tap_done();
}
