/*
 * metrics/pspm_frame.c — PS, PM and their error radii for one frame; see
 * metrics/pspm_frame.h.  Follows metrics.py and utils.py (safe_cov_torch,
 * mahalanobis_torch) of Amir-Ivry/MAPSS-measures 3157d20a.  Per-cluster
 * statistics (means, full covariance of all diffusion coordinates split
 * into the retained block, the complement block and the cross block, the
 * Schur complement used by the radii) are computed once per source and
 * shared by every source that compares against that cluster.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "metrics/pspm_frame.h"

void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t l_jobz, size_t l_range, size_t l_uplo);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work,
             const int *lwork, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t l_trans);

/* The reference adds float32 identities (torch.eye(n) * c) to its matrices. */
#define RIDGE_F32 ((double)1e-6f)
#define SCHUR_RIDGE_F32 ((double)1e-9f)
#define MAHA_EPS 1e-6

double sb_pspm_gamma_q(double a, double x)
{
  double lnpre;
  if (!(a > 0.0) || isnan(x))
    return NAN;
  if (x <= 0.0)
    return 1.0;
  if (isinf(x))
    return 0.0;
  lnpre = a * log(x) - x - lgamma(a);
  if (x < a + 1.0) {
    /* P(a, x) by its power series. */
    double ap = a, term = 1.0 / a, sum = term;
    for (int n = 0; n < 100000; n++) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
      if (fabs(term) < fabs(sum) * 1e-17)
        break;
    }
    return 1.0 - sum * exp(lnpre);
  }
  /* Q(a, x) by the continued fraction (modified Lentz). */
  {
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 100000; i++) {
      double an = -i * (i - a), del;
      b += 2.0;
      d = an * d + b;
      if (fabs(d) < tiny)
        d = tiny;
      c = b + an / c;
      if (fabs(c) < tiny)
        c = tiny;
      d = 1.0 / d;
      del = d * c;
      h *= del;
      if (fabs(del - 1.0) < 1e-16)
        break;
    }
    return exp(lnpre) * h;
  }
}

/* Scratch shared by the linear-algebra helpers (sized for nc = N - 1). */
typedef struct scratch {
  int nc;
  double *mat;   /* nc * nc */
  double *eig;   /* nc */
  double *work;  /* 64 nc */
  int *iwork;    /* 10 nc */
  int *ipiv;     /* nc */
} scratch;

/* Is the symmetric n x n matrix a (row-major) rank deficient by the
 * float32 tolerance?  rank_bound is an upper bound of its rank known from
 * its construction (number of rows minus one, or rows): a bound below n
 * decides without a decomposition. */
static sb_err rank_deficient(const double *a, int n, int rank_bound, scratch *s, int *deficient)
{
  int m_found = 0, info = 0, lwork = 64 * s->nc, liwork = 10 * s->nc, il = 0, iu = 0;
  double vl = 0.0, vu = 0.0, abstol = 0.0, smax = 0.0;
  int rank = 0;
  if (rank_bound < n) {
    *deficient = 1;
    return SB_OK;
  }
  memcpy(s->mat, a, (size_t)n * (size_t)n * sizeof *a);
  dsyevr_("N", "A", "U", &n, s->mat, &n, &vl, &vu, &il, &iu, &abstol, &m_found, s->eig, NULL, &n,
          NULL, s->work, &lwork, s->iwork, &liwork, &info, 1, 1, 1);
  if (info != 0)
    return SB_ENUMERIC;
  for (int i = 0; i < n; i++)
    if (fabs(s->eig[i]) > smax)
      smax = fabs(s->eig[i]);
  for (int i = 0; i < n; i++)
    if (fabs(s->eig[i]) > smax * n * FLT_EPSILON)
      rank++;
  *deficient = rank < n;
  return SB_OK;
}

/* Adds the ridge to the symmetric n x n matrix a when the rule asks for it. */
static sb_err apply_ridge(double *a, int n, int rank_bound, sb_pspm_ridge ridge, scratch *s)
{
  int deficient = 1;
  double value = ridge == SB_PSPM_RIDGE_V11 ? 1e-6 : RIDGE_F32;
  if (ridge == SB_PSPM_RIDGE_V1) {
    sb_err err = rank_deficient(a, n, rank_bound, s, &deficient);
    if (err)
      return err;
  }
  if (deficient)
    for (int i = 0; i < n; i++)
      a[i * n + i] += value;
  return SB_OK;
}

/* In-place inverse of the n x n matrix a (LU with partial pivoting, as
 * torch.linalg.inv).  For the symmetric matrices used here the storage
 * order does not matter. */
static sb_err invert(double *a, int n, scratch *s)
{
  int info = 0, lwork = 64 * s->nc;
  dgetrf_(&n, &n, a, &n, s->ipiv, &info);
  if (info != 0)
    return SB_ENUMERIC;
  dgetri_(&n, a, &n, s->ipiv, s->work, &lwork, &info);
  return info == 0 ? SB_OK : SB_ENUMERIC;
}

/* x^T a x for the n x n row-major matrix a. */
static double quad_form(const double *a, const double *x, int n)
{
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    double row = 0.0;
    for (int j = 0; j < n; j++)
      row += a[i * n + j] * x[j];
    sum += x[i] * row;
  }
  return sum;
}

/* out[p] = y_p^T a y_p for P rows of k values (row stride ld), through one
 * matrix product z = Y a (z: P x k scratch). */
static void row_quad_forms(const double *y, int ld, int P, int k, const double *a, double *z,
                           double *out)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, k, k, 1.0, y, ld, a, k, 0.0, z, k);
  for (int p = 0; p < P; p++) {
    double sum = 0.0;
    for (int c = 0; c < k; c++)
      sum += z[(size_t)p * k + c] * y[(size_t)p * ld + c];
    out[p] = sum;
  }
}

static double maha(double q, sb_pspm_ridge ridge)
{
  if (ridge == SB_PSPM_RIDGE_V11 && q < 0.0)
    q = 0.0;
  return sqrt(q + MAHA_EPS);
}

/* Statistics of one set of rows of the diffusion coordinates (nc columns:
 * the first L retained, the m = nc - L others). */
typedef struct block_stats {
  double *mean;   /* nc: mean of the rows (centred) or 0 (about a point) */
  double *inv_d;  /* L x L: inverse of the (ridged) retained covariance */
  double *cov_d;  /* L x L: the ridged retained covariance */
  double *t_dc;   /* L x m: inv_d * C_dc */
  double *schur;  /* m x m: LU factors of S = Sigma_c - C_dc^T inv_d C_dc + 1e-9 I */
  int *ipiv;      /* m */
  int explicit_inverse; /* schur holds S^-1 instead of its LU factors */
  double lam_min, lam_max, trace; /* of cov_d (PS probabilistic radius) */
} block_stats;

static void block_stats_free(block_stats *b)
{
  free(b->mean);
  free(b->inv_d);
  free(b->cov_d);
  free(b->t_dc);
  free(b->schur);
  free(b->ipiv);
  memset(b, 0, sizeof *b);
}

/*
 * Builds the statistics of the n_rows rows y (row-major n_rows x nc,
 * already centred or offset by the caller) with covariance divisor
 * n_rows - 1.  centred_y, if not NULL, is the centred version used for the
 * block covariances (PM's radius uses the centred covariances but the
 * uncentred cross block); else y is used for everything.  with_rest asks
 * for the complement statistics.  rank_bound_d/c bound the ranks.
 */
static sb_err block_stats_build(const double *y, const double *centred_y, int n_rows, int nc, int L,
                                int with_rest, int rank_bound, sb_pspm_ridge ridge, scratch *s,
                                double *full, block_stats *b)
{
  sb_err err;
  int m = nc - L, info = 0;
  double scale = 1.0 / (n_rows - 1);
  const double *yc = centred_y ? centred_y : y;

  b->inv_d = malloc((size_t)L * L * sizeof *b->inv_d);
  b->cov_d = malloc((size_t)L * L * sizeof *b->cov_d);
  if (!b->inv_d || !b->cov_d)
    return SB_ENOMEM;

  /* The retained block on its own (a product small enough for OpenBLAS to
   * run it on one thread, so the values that decide PS and PM do not depend
   * on OpenBLAS's thread count), then, for the radii, the whole
   * yc^T yc / (n - 1) (upper triangle, mirrored). */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, L, n_rows, scale, yc, nc, 0.0, b->cov_d, L);
  for (int i = 0; i < L; i++)
    for (int j = 0; j < i; j++)
      b->cov_d[i * L + j] = b->cov_d[j * L + i];
  if (with_rest && m > 0) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, nc, n_rows, scale, yc, nc, 0.0, full, nc);
    for (int i = 0; i < nc; i++)
      for (int j = 0; j < i; j++)
        full[i * nc + j] = full[j * nc + i];
  }
  if ((err = apply_ridge(b->cov_d, L, rank_bound, ridge, s)))
    return err;
  memcpy(b->inv_d, b->cov_d, (size_t)L * L * sizeof(double));
  if ((err = invert(b->inv_d, L, s)))
    return err;
  if (!with_rest || m == 0)
    return SB_OK;

  {
    int lwork = 64 * s->nc, liwork = 10 * s->nc, m_found = 0, il = 0, iu = 0;
    double vl = 0.0, vu = 0.0, abstol = 0.0;
    memcpy(s->mat, b->cov_d, (size_t)L * L * sizeof(double));
    dsyevr_("N", "A", "U", &L, s->mat, &L, &vl, &vu, &il, &iu, &abstol, &m_found, s->eig, NULL,
            &L, NULL, s->work, &lwork, s->iwork, &liwork, &info, 1, 1, 1);
    if (info != 0)
      return SB_ENUMERIC;
    b->lam_min = s->eig[0] > 1e-9 ? s->eig[0] : 1e-9;
    b->lam_max = s->eig[L - 1];
    b->trace = 0.0;
    for (int i = 0; i < L; i++)
      b->trace += b->cov_d[i * L + i];
  }

  b->t_dc = malloc((size_t)L * m * sizeof *b->t_dc);
  b->schur = malloc((size_t)m * m * sizeof *b->schur);
  b->ipiv = malloc((size_t)m * sizeof *b->ipiv);
  if (!b->t_dc || !b->schur || !b->ipiv)
    return SB_ENOMEM;
  /* Sigma_c (complement block) with its own ridge rule. */
  for (int i = 0; i < m; i++)
    memcpy(b->schur + (size_t)i * m, full + (size_t)(L + i) * nc + L, (size_t)m * sizeof(double));
  if ((err = apply_ridge(b->schur, m, rank_bound, ridge, s)))
    return err;
  /* Cross block C_dc (L x m): from y itself (uncentred when centred_y is
   * given, as pm_ci_components_full does). */
  if (centred_y) {
    double *cdc = s->mat;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L, m, n_rows, scale, y, nc, y + L, nc,
                0.0, cdc, m);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, m, L, 1.0, b->inv_d, L, cdc, m, 0.0,
                b->t_dc, m);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, L, -1.0, cdc, m, b->t_dc, m, 1.0,
                b->schur, m);
  } else {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, m, L, 1.0, b->inv_d, L, full + L, nc,
                0.0, b->t_dc, m);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, L, -1.0, full + L, nc, b->t_dc, m,
                1.0, b->schur, m);
  }
  for (int i = 0; i < m; i++)
    b->schur[i * m + i] += SCHUR_RIDGE_F32;
  if (b->explicit_inverse)
    return invert(b->schur, m, s);
  dgetrf_(&m, &m, b->schur, &m, b->ipiv, &info);
  return info == 0 ? SB_OK : SB_ENUMERIC;
}

/* r^T S^-1 r with r = (x_c - mean_c) - T^T (x_d - mean_d) for a point x
 * (nc coordinates); r_buf, diff_buf have room for nc values. */
static sb_err schur_form(const block_stats *b, const double *x, int nc, int L, double *r_buf,
                         double *diff_buf, double *out)
{
  int m = nc - L, one = 1, info = 0;
  double sum = 0.0;
  for (int k = 0; k < nc; k++)
    diff_buf[k] = x[k] - b->mean[k];
  memcpy(r_buf, diff_buf + L, (size_t)m * sizeof(double));
  cblas_dgemv(CblasRowMajor, CblasTrans, L, m, -1.0, b->t_dc, m, diff_buf, 1, 1.0, r_buf, 1);
  if (b->explicit_inverse) {
    *out = quad_form(b->schur, r_buf, m);
    return SB_OK;
  }
  memcpy(diff_buf, r_buf, (size_t)m * sizeof(double));
  dgetrs_("N", &m, &one, b->schur, &m, b->ipiv, diff_buf, &m, &info, 1);
  if (info != 0)
    return SB_ENUMERIC;
  for (int k = 0; k < m; k++)
    sum += r_buf[k] * diff_buf[k];
  *out = sum;
  return SB_OK;
}

static double maha_eps(double a_hat, double lam_min, double lam_max, double mean_dev,
                       double rel_dev)
{
  return 2.0 * sqrt(a_hat) * mean_dev * sqrt(lam_max / lam_min) + a_hat * rel_dev;
}

/* PS and its radii for every source. */
static sb_err measures_ps(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                          const size_t *offset, sb_pspm_ridge ridge, double delta, scratch *s,
                          sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  int nc = (int)dm->n_coords, L = (int)dm->n_keep, m = nc - L;
  size_t max_rows = 0;
  block_stats *stats = calloc(n_src, sizeof *stats);
  double *y = NULL, *full = malloc((size_t)nc * nc * sizeof *full);
  double *r_buf = malloc((size_t)nc * sizeof *r_buf), *d_buf = malloc((size_t)nc * sizeof *d_buf);

  for (size_t k = 0; k < n_src; k++)
    if (n_dist[k] + 1 > max_rows)
      max_rows = n_dist[k] + 1;
  y = malloc(max_rows * (size_t)nc * sizeof *y);
  if (!stats || !y || !full || !r_buf || !d_buf)
    goto fail;

  /* Cluster statistics: reference + distortions (output excluded). */
  for (size_t k = 0; k < n_src; k++) {
    int n_rows = (int)n_dist[k] + 1;
    const double *c = dm->coords;
    block_stats *b = &stats[k];
    if (!(b->mean = calloc((size_t)nc, sizeof *b->mean)))
      goto fail;
    memcpy(y, c + offset[k] * nc, (size_t)nc * sizeof(double));
    memcpy(y + nc, c + (offset[k] + 2) * nc, n_dist[k] * (size_t)nc * sizeof(double));
    for (int r = 0; r < n_rows; r++)
      for (int j = 0; j < nc; j++)
        b->mean[j] += y[(size_t)r * nc + j];
    for (int j = 0; j < nc; j++)
      b->mean[j] /= n_rows;
    for (int r = 0; r < n_rows; r++)
      for (int j = 0; j < nc; j++)
        y[(size_t)r * nc + j] -= b->mean[j];
    if (n_rows < 2) {
      err = SB_EINVAL;
      goto fail;
    }
    if ((err = block_stats_build(y, NULL, n_rows, nc, L, m > 0, n_rows - 1, ridge, s, full, b)))
      goto fail;
    err = SB_ENOMEM;
  }

  for (size_t k = 0; k < n_src; k++) {
    const double *o = dm->coords + (offset[k] + 1) * nc;
    double A, B = INFINITY, ps;
    size_t j_min = k;
    for (int j = 0; j < L; j++)
      d_buf[j] = o[j] - stats[k].mean[j];
    A = maha(quad_form(stats[k].inv_d, d_buf, L), ridge);
    for (size_t q = 0; q < n_src; q++) {
      double Bq;
      if (q == k)
        continue;
      for (int j = 0; j < L; j++)
        d_buf[j] = o[j] - stats[q].mean[j];
      Bq = maha(quad_form(stats[q].inv_d, d_buf, L), ridge);
      if (Bq < B) {
        B = Bq;
        j_min = q;
      }
    }
    if (n_src < 2) {
      out[k].ps = out[k].ps_bias = out[k].ps_prob = NAN;
      continue;
    }
    ps = 1.0 - A / (A + B + 1e-6);
    if (ridge == SB_PSPM_RIDGE_V11)
      ps = ps < 0.0 ? 0.0 : (ps > 1.0 ? 1.0 : ps);
    out[k].ps = ps;
    if (m == 0) {
      out[k].ps_bias = out[k].ps_prob = 0.0;
      continue;
    }
    {
      double ti, tj, n_eff, lg, mean_i, mean_j, rel_i, rel_j, eps_i, eps_j, lmin_i, lmin_j;
      const block_stats *bi = &stats[k], *bj = &stats[j_min];
      if ((err = schur_form(bi, o, nc, L, r_buf, d_buf, &ti)))
        goto fail;
      if ((err = schur_form(bj, o, nc, L, r_buf, d_buf, &tj)))
        goto fail;
      ti = sqrt(ti);
      tj = sqrt(tj);
      out[k].ps_bias = (B * ti + A * tj) / ((A + B) * (A + B));
      n_eff = floor(0.7 * (double)(n_dist[k] + 1));
      if (n_eff < 3.0)
        n_eff = 3.0;
      lg = log(2.0 / (delta / 2.0));
      mean_i = sqrt(2.0 * bi->lam_max * lg / n_eff);
      mean_j = sqrt(2.0 * bj->lam_max * lg / n_eff);
      rel_i = sqrt(bi->trace / bi->lam_max / n_eff) + (bi->trace / bi->lam_max + lg) / n_eff;
      rel_j = sqrt(bj->trace / bj->lam_max / n_eff) + (bj->trace / bj->lam_max + lg) / n_eff;
      lmin_i = bi->lam_min > 0.05 * bi->lam_max ? bi->lam_min : 0.05 * bi->lam_max;
      lmin_j = bj->lam_min > 0.05 * bj->lam_max ? bj->lam_min : 0.05 * bj->lam_max;
      eps_i = maha_eps(A, lmin_i, bi->lam_max, mean_i, rel_i);
      eps_j = maha_eps(B, lmin_j, bj->lam_max, mean_j, rel_j);
      {
        double radius = hypot(A, B) / ((A + B) * (A + B)) * hypot(eps_i, eps_j);
        out[k].ps_prob = radius < 1.0 ? radius : 1.0;
      }
    }
  }
  err = SB_OK;

fail:
  if (stats)
    for (size_t k = 0; k < n_src; k++)
      block_stats_free(&stats[k]);
  free(stats);
  free(y);
  free(full);
  free(r_buf);
  free(d_buf);
  return err;
}

/* Max over the 8 corners (k +- dk, theta +- dth, a +- da) of
 * |Q(k_c, a_c / theta_c) - centre|; floors applied when `floors`. */
static double corner_spread(double k, double th, double a, double dk, double dth, double da,
                            double centre, int floors)
{
  double best = 0.0;
  for (int sk = -1; sk <= 1; sk += 2)
    for (int st = -1; st <= 1; st += 2)
      for (int sa = -1; sa <= 1; sa += 2) {
        double kc = k + sk * dk, tc = th + st * dth, ac = a + sa * da, v;
        if (floors) {
          kc = kc > 1e-6 ? kc : 1e-6;
          tc = tc > 1e-6 ? tc : 1e-6;
        }
        ac = ac > 1e-8 ? ac : 1e-8;
        v = fabs(sb_pspm_gamma_q(kc, ac / (tc > 1e-12 ? tc : 1e-12)) - centre);
        if (v > best)
          best = v;
      }
  return best;
}

/* PM and its radii for every source. */
static sb_err measures_pm(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                          const size_t *offset, sb_pspm_ridge ridge, double delta, scratch *s,
                          sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  int nc = (int)dm->n_coords, L = (int)dm->n_keep, m = nc - L;
  size_t max_rows = 0;
  double *y = NULL, *yc = NULL, *full = malloc((size_t)nc * nc * sizeof *full);
  double *r_buf = malloc((size_t)nc * sizeof *r_buf), *d_buf = malloc((size_t)nc * sizeof *d_buf);
  double *g = NULL, *dg = NULL, *zbuf = NULL, *rbuf = NULL;
  block_stats plain = {0}, ci = {0};

  for (size_t k = 0; k < n_src; k++)
    if (n_dist[k] > max_rows)
      max_rows = n_dist[k];
  y = malloc((max_rows + 1) * (size_t)nc * sizeof *y);
  yc = malloc((max_rows + 1) * (size_t)nc * sizeof *yc);
  g = malloc((max_rows + 1) * sizeof *g);
  dg = malloc((max_rows + 1) * sizeof *dg);
  zbuf = malloc((max_rows + 1) * (size_t)nc * sizeof *zbuf);
  rbuf = malloc((max_rows + 1) * (size_t)nc * sizeof *rbuf);
  if (!y || !yc || !full || !r_buf || !d_buf || !g || !dg || !zbuf || !rbuf)
    goto fail;

  for (size_t k = 0; k < n_src; k++) {
    int P = (int)n_dist[k];
    const double *ref = dm->coords + offset[k] * nc, *o = ref + nc;
    double mu = 0.0, var = 0.0, a_out, pm;
    if (P < 2) {
      out[k].pm = 0.0;
      out[k].pm_bias = out[k].pm_prob = 0.0;
      continue;
    }
    for (int p = 0; p < P; p++)
      for (int j = 0; j < nc; j++)
        y[(size_t)p * nc + j] = ref[(size_t)(2 + p) * nc + j] - ref[j];

    /* compute_pm: second moment about the reference, retained block. */
    if ((err = block_stats_build(y, NULL, P, nc, L, 0, P, ridge, s, full, &plain)))
      goto fail;
    row_quad_forms(y, nc, P, L, plain.inv_d, zbuf, g);
    for (int p = 0; p < P; p++) {
      g[p] = maha(g[p], ridge);
      g[p] *= g[p];
      mu += g[p];
    }
    mu /= P;
    for (int p = 0; p < P; p++)
      var += (g[p] - mu) * (g[p] - mu);
    var /= P - 1;
    for (int j = 0; j < L; j++)
      d_buf[j] = o[j] - ref[j];
    a_out = maha(quad_form(plain.inv_d, d_buf, L), ridge);
    a_out *= a_out;
    if (ridge == SB_PSPM_RIDGE_V11 && (!(mu > 0.0) || !(var > 0.0) || !isfinite(mu) || !isfinite(var)))
      pm = a_out <= 1e-12 ? 1.0 : 0.0;
    else if (var == 0.0)
      pm = 1.0;
    else
      pm = sb_pspm_gamma_q(mu * mu / var, a_out / (var / mu));
    out[k].pm = pm < 0.0 ? 0.0 : (pm > 1.0 ? 1.0 : pm);
    block_stats_free(&plain);
    err = SB_ENOMEM;

    if (m == 0) {
      out[k].pm_bias = out[k].pm_prob = 0.0;
      continue;
    }
    /* pm_ci_components_full: centred covariances, uncentred cross block. */
    {
      double mean, mu_g = 0.0, s2_g = 0.0, mu_f = 0.0, s2_f = 0.0, dg_max = -INFINITY;
      double r_sq = -INFINITY, da, k_d, th_d, a_d, centre, dk, dth, sig_g, lg;
      if (!(ci.mean = calloc((size_t)nc, sizeof *ci.mean)))
        goto fail;
      ci.explicit_inverse = 1;
      for (int j = 0; j < nc; j++) {
        mean = 0.0;
        for (int p = 0; p < P; p++)
          mean += y[(size_t)p * nc + j];
        mean /= P;
        for (int p = 0; p < P; p++)
          yc[(size_t)p * nc + j] = y[(size_t)p * nc + j] - mean;
      }
      if ((err = block_stats_build(y, yc, P, nc, L, 1, P - 1, ridge, s, full, &ci)))
        goto fail;
      /* ci.mean stays 0: points are taken relative to the reference. */
      for (int j = 0; j < nc; j++)
        r_buf[j] = o[j] - ref[j];
      memcpy(yc, r_buf, (size_t)nc * sizeof(double));
      if ((err = schur_form(&ci, yc, nc, L, r_buf, d_buf, &da)))
        goto fail;
      /* Residuals r_p = c_p - T^T d_p of all distortions, then their forms
       * with S^-1, and the retained forms with Sigma_d^-1. */
      for (int p = 0; p < P; p++)
        memcpy(rbuf + (size_t)p * m, y + (size_t)p * nc + L, (size_t)m * sizeof(double));
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, m, L, -1.0, y, nc, ci.t_dc, m, 1.0,
                  rbuf, m);
      row_quad_forms(rbuf, m, P, m, ci.schur, zbuf, dg);
      row_quad_forms(y, nc, P, L, ci.inv_d, zbuf, g);
      for (int p = 0; p < P; p++) {
        if (dg[p] > dg_max)
          dg_max = dg[p];
        if (g[p] > r_sq)
          r_sq = g[p];
        mu_g += g[p];
        mu_f += g[p] + dg[p];
      }
      mu_g /= P;
      mu_f /= P;
      for (int p = 0; p < P; p++) {
        s2_g += (g[p] - mu_g) * (g[p] - mu_g);
        s2_f += (g[p] + dg[p] - mu_f) * (g[p] + dg[p] - mu_f);
      }
      s2_g = s2_g / (P - 1) + 1e-12;
      s2_f = s2_f / (P - 1) + 1e-12;
      if (s2_g == 0.0) {
        dk = dth = 0.0;
      } else {
        double factor = dg_max * P / (P - 1);
        dk = factor * (mu_f + mu_g) / s2_g;
        dth = factor * (s2_f + s2_g) / (mu_g * mu_g + 1e-9);
      }
      k_d = mu_g * mu_g / (s2_g > 1e-12 ? s2_g : 1e-12);
      th_d = s2_g / (mu_g > 1e-12 ? mu_g : 1e-12);
      a_d = quad_form(ci.inv_d, yc, L);
      centre = sb_pspm_gamma_q(k_d, a_d / (th_d > 1e-12 ? th_d : 1e-12));
      out[k].pm_bias = corner_spread(k_d, th_d, a_d, dk, dth, da, centre, 1);

      r_sq += 1e-12;
      lg = log(6.0 / delta);
      sig_g = sqrt(s2_g);
      {
        double e_mu = sqrt(2.0 * s2_g * lg / P) + 3.0 * r_sq * lg / P;
        double e_s = sqrt(2.0 * r_sq * r_sq * lg / P) + 3.0 * r_sq * r_sq * lg / P;
        double g1x = 2.0 * mu_g / (s2_g + 1e-9), g1y = -2.0 * mu_g * mu_g / (sig_g * sig_g * sig_g + 1e-9);
        double g2x = -s2_g / (mu_g * mu_g + 1e-9), g2y = 2.0 * sig_g / (mu_g + 1e-9);
        double pk = fabs(g1x) * e_mu + fabs(g1y) * e_s, pt = fabs(g2x) * e_mu + fabs(g2y) * e_s;
        double pa = r_sq * sqrt(2.0 * lg / P);
        pk = pk < 0.5 * k_d ? pk : 0.5 * k_d;
        pt = pt < 0.5 * th_d ? pt : 0.5 * th_d;
        pa = pa < 0.5 * a_d + 1e-12 ? pa : 0.5 * a_d + 1e-12;
        out[k].pm_prob = corner_spread(k_d, th_d, a_d, pk, pt, pa, centre, 0);
      }
      block_stats_free(&ci);
    }
  }
  err = SB_OK;

fail:
  block_stats_free(&plain);
  block_stats_free(&ci);
  free(y);
  free(yc);
  free(full);
  free(r_buf);
  free(d_buf);
  free(g);
  free(dg);
  free(zbuf);
  free(rbuf);
  return err;
}

sb_err sb_pspm_frame_measures(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                              unsigned want, sb_pspm_ridge ridge, double delta,
                              sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  size_t total = 0, *offset = NULL;
  scratch s = {0};

  if (!dm || !n_dist || !out || n_src == 0 || !dm->coords || !(delta > 0.0 && delta < 1.0))
    return SB_EINVAL;
  for (size_t k = 0; k < n_src; k++)
    total += n_dist[k] + 2;
  if (total != dm->n_points)
    return SB_EINVAL;
  for (size_t k = 0; k < n_src; k++)
    out[k] = (sb_pspm_values){NAN, NAN, NAN, NAN, NAN, NAN};

  s.nc = (int)dm->n_coords;
  offset = malloc(n_src * sizeof *offset);
  s.mat = malloc((size_t)s.nc * s.nc * sizeof *s.mat);
  s.eig = malloc((size_t)s.nc * sizeof *s.eig);
  s.work = malloc(64 * (size_t)s.nc * sizeof *s.work);
  s.iwork = malloc(10 * (size_t)s.nc * sizeof *s.iwork);
  s.ipiv = malloc((size_t)s.nc * sizeof *s.ipiv);
  if (!offset || !s.mat || !s.eig || !s.work || !s.iwork || !s.ipiv)
    goto fail;
  total = 0;
  for (size_t k = 0; k < n_src; k++) {
    offset[k] = total;
    total += n_dist[k] + 2;
  }
  err = SB_OK;
  if (want & SB_PSPM_WANT_PS)
    err = measures_ps(dm, n_src, n_dist, offset, ridge, delta, &s, out);
  if (!err && (want & SB_PSPM_WANT_PM))
    err = measures_pm(dm, n_src, n_dist, offset, ridge, delta, &s, out);

fail:
  free(offset);
  free(s.mat);
  free(s.eig);
  free(s.work);
  free(s.iwork);
  free(s.ipiv);
  return err;
}

sb_err sb_pspm_frame_compute(const double *points, size_t n_points, size_t dim, size_t n_src,
                             const size_t *n_dist,
                             unsigned want, sb_pspm_ridge ridge, double delta,
                             sb_pspm_values *out, sb_diffmap *dm_out)
{
  sb_err err;
  sb_diffmap dm = {0};
  size_t total = 0;
  unsigned char *is_out;

  if (!points || !n_dist || !out || n_src == 0)
    return SB_EINVAL;
  for (size_t k = 0; k < n_src; k++)
    total += n_dist[k] + 2;
  if (total != n_points)
    return SB_EINVAL;
  if (!(is_out = calloc(total, 1)))
    return SB_ENOMEM;
  total = 0;
  for (size_t k = 0; k < n_src; k++) {
    is_out[total + 1] = 1;
    total += n_dist[k] + 2;
  }
  err = sb_diffmap_compute(points, total, dim, is_out, ridge == SB_PSPM_RIDGE_V11, &dm);
  free(is_out);
  if (!err)
    err = sb_pspm_frame_measures(&dm, n_src, n_dist, want, ridge, delta, out);
  if (!err && dm_out) {
    sb_diffmap_clear(dm_out);
    *dm_out = dm;
  } else {
    sb_diffmap_clear(&dm);
  }
  return err;
}
