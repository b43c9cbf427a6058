/*
 * metrics/pspm_frame.c — PS, PM and their error radii for one frame; see
 * metrics/pspm_frame.h.  Follows metrics.py and utils.py (safe_cov_torch,
 * mahalanobis_torch) of Amir-Ivry/MAPSS-measures 3157d20a.
 *
 * The retained-coordinate statistics (cluster means, covariances, their
 * ridged inverses) are computed once per source and shared by every source
 * that compares against that cluster.  For the deterministic radii the
 * reference forms, per cluster of n rows, the Schur complement
 *   S = Sigma_c - C_dc^T Sigma_d^-1 C_dc + 1e-9 I
 * of the covariance of all N - 1 coordinates split into the L retained and
 * the m = N - 1 - L complement ones, and evaluates r^T S^-1 r for
 * r = x_c - C_dc^T Sigma_d^-1 x_d.  With R the n x m complement rows
 * (centred for PS, about the reference for PM) and Y the n x L retained
 * rows, Sigma_c = R^T J R / (n - 1) + rho I and C_dc = Y^T R / (n - 1),
 * so S = c I + R^T W R with c = rho + 1e-9 and
 *   W = (J - Y Sigma_d^-1 Y^T / (n - 1)) / (n - 1)   (J: centring),
 * and r = x_c - R^T b with b = Y Sigma_d^-1 x_d / (n - 1).  By the
 * push-through identity, with H = R R^T and M = c I + W H (both n x n):
 *   r^T S^-1 r = (r.r - (R r)^T M^-1 W (R r)) / c      for any x, and
 *   r^T S^-1 r = u^T H M^-1 u                           when r = R^T u,
 * which only needs the complement inner products of the rows and queries
 * (sb_diffmap_rest_gram).  The ridge decision for Sigma_c uses the
 * non-zero spectrum of J H J / (n - 1), the same as Sigma_c's.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "metrics/pspm_frame.h"

void dsytrd_(const char *uplo, const int *n, double *a, const int *lda, double *d, double *e,
             double *tau, double *work, const int *lwork, int *info, size_t l_uplo);
void dsterf_(const int *n, double *d, double *e, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t l_uplo);
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

/* Scratch of the LAPACK helpers, for matrices up to cap x cap. */
typedef struct scratch {
  int cap;
  double *mat;   /* cap * cap */
  double *eig;   /* cap */
  double *work;  /* 64 cap */
  int *ipiv;     /* cap */
} scratch;

/* Eigenvalues (ascending, into s->eig) of the symmetric n x n matrix a:
 * Householder tridiagonalisation and the root-free QR of dsterf (what
 * dsyevr does for eigenvalues only, without its extra passes). */
static sb_err sym_eigvals(const double *a, int n, scratch *s)
{
  int info = 0, lwork = 64 * s->cap;
  double *off = s->work, *tau = s->work + s->cap, *work = s->work + 2 * s->cap;
  lwork -= 2 * s->cap;
  memcpy(s->mat, a, (size_t)n * (size_t)n * sizeof *a);
  dsytrd_("U", &n, s->mat, &n, s->eig, off, tau, work, &lwork, &info, 1);
  if (info == 0)
    dsterf_(&n, s->eig, off, &info);
  return info == 0 ? SB_OK : SB_ENUMERIC;
}

/* Does the ridge rule need the spectrum of a covariance of dimension dim
 * whose rank is at most rank_bound by construction? */
static int needs_spectrum(sb_pspm_ridge ridge, int dim, int rank_bound)
{
  return ridge == SB_PSPM_RIDGE_V1 && rank_bound >= dim;
}

/* The ridge (0 or float32(1e-6); 1e-6 for v1.1) for a covariance of
 * dimension dim: v1 adds it iff the rank, counted with float32's tolerance
 * on eigs (n_eigs eigenvalues of the covariance or of a matrix with the
 * same non-zero spectrum; read only if needs_spectrum), is below dim. */
static double ridge_for(sb_pspm_ridge ridge, int dim, int rank_bound, const double *eigs,
                        int n_eigs)
{
  double smax = 0.0;
  int rank = 0;
  if (ridge == SB_PSPM_RIDGE_V11)
    return 1e-6;
  if (rank_bound < dim)
    return RIDGE_F32;
  for (int i = 0; i < n_eigs; i++)
    if (fabs(eigs[i]) > smax)
      smax = fabs(eigs[i]);
  for (int i = 0; i < n_eigs; i++)
    if (fabs(eigs[i]) > smax * dim * FLT_EPSILON)
      rank++;
  return rank < dim ? RIDGE_F32 : 0.0;
}

/* In-place inverse of the n x n matrix a (LU with partial pivoting, as
 * torch.linalg.inv).  For the symmetric matrices used here the storage
 * order does not matter. */
static sb_err invert(double *a, int n, scratch *s)
{
  int info = 0, lwork = 64 * s->cap;
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

static double dot(const double *x, const double *y, int n)
{
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    sum += x[i] * y[i];
  return sum;
}

/* out[p] = y_p^T a y_p for P rows of k values (row stride ld), through one
 * matrix product z = Y a (z: P x k scratch). */
static void row_quad_forms(const double *y, int ld, int P, int k, const double *a, double *z,
                           double *out)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, k, k, 1.0, y, ld, a, k, 0.0, z, k);
  for (int p = 0; p < P; p++)
    out[p] = dot(z + (size_t)p * k, y + (size_t)p * ld, k);
}

static double maha(double q, sb_pspm_ridge ridge)
{
  if (ridge == SB_PSPM_RIDGE_V11 && q < 0.0)
    q = 0.0;
  return sqrt(q + MAHA_EPS);
}

/* Extreme eigenvalues (lam_min floored at 1e-9) and trace of a ridged
 * retained covariance (PS probabilistic radius). */
typedef struct spectrum {
  double lam_min, lam_max, trace;
} spectrum;

/* Is the symmetric positive semi-definite n x n matrix a - shift I
 * positive definite (Cholesky succeeds)? */
static int shifted_pd(const double *a, int n, double shift, scratch *s)
{
  int info = 0;
  memcpy(s->mat, a, (size_t)n * (size_t)n * sizeof *a);
  for (int i = 0; i < n; i++)
    s->mat[i * n + i] -= shift;
  dpotrf_("U", &n, s->mat, &n, &info, 1);
  return info == 0;
}

/*
 * The v1 rank test of the covariance a (n x n): rank by float32's
 * tolerance (eigenvalues above lam_max n FLT_EPSILON) below n, i.e.
 * lam_min <= tau = lam_max n FLT_EPSILON.  lam_max lies between the
 * largest diagonal entry and the largest absolute row sum, so tau lies in
 * [tau_lo, tau_hi]; two Cholesky factorisations of a - tau_x I (n^3 / 3
 * each, against ~4 n^3 / 3 for the eigenvalues) decide unless lam_min
 * falls inside that bracket, when the eigenvalues do.  The margins (1e-6
 * relative) cover the Cholesky's backward error (~n ulp lam_max).
 */
static sb_err float32_rank_deficient(const double *a, int n, scratch *s, int *deficient)
{
  sb_err err;
  double diag_max = 0.0, row_max = 0.0, tau_lo, tau_hi;
  for (int i = 0; i < n; i++) {
    double row = 0.0;
    for (int j = 0; j < n; j++)
      row += fabs(a[i * n + j]);
    row_max = row > row_max ? row : row_max;
    diag_max = a[i * n + i] > diag_max ? a[i * n + i] : diag_max;
  }
  tau_lo = diag_max * n * FLT_EPSILON * (1.0 - 1e-6);
  tau_hi = row_max * n * FLT_EPSILON * (1.0 + 1e-6);
  if (shifted_pd(a, n, tau_hi, s)) {
    *deficient = 0;
    return SB_OK;
  }
  if (!shifted_pd(a, n, tau_lo, s)) {
    *deficient = 1;
    return SB_OK;
  }
  if ((err = sym_eigvals(a, n, s)))
    return err;
  *deficient = ridge_for(SB_PSPM_RIDGE_V1, n, n, s->eig, n) > 0.0;
  return SB_OK;
}

/*
 * inv = inverse of the ridged covariance y^T y / (n_rows - 1) of n_rows
 * rows of L values (row stride ld), whose rank is at most rank_bound; spec
 * (may be NULL) receives the ridged covariance's spectrum summary.
 */
static sb_err ridged_inverse(const double *y, int n_rows, int ld, int L, int rank_bound,
                             sb_pspm_ridge ridge, scratch *s, double *inv, spectrum *spec)
{
  sb_err err;
  double rho;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, L, n_rows, 1.0 / (n_rows - 1), y, ld, 0.0,
              inv, L);
  for (int i = 0; i < L; i++)
    for (int j = 0; j < i; j++)
      inv[i * L + j] = inv[j * L + i];
  if (spec) {
    if ((err = sym_eigvals(inv, L, s)))
      return err;
    rho = ridge_for(ridge, L, rank_bound, s->eig, L);
  } else if (needs_spectrum(ridge, L, rank_bound)) {
    int deficient = 0;
    if ((err = float32_rank_deficient(inv, L, s, &deficient)))
      return err;
    rho = deficient ? RIDGE_F32 : 0.0;
  } else {
    rho = ridge_for(ridge, L, rank_bound, NULL, 0);
  }
  for (int i = 0; i < L; i++)
    inv[i * L + i] += rho;
  if (spec) {
    spec->lam_min = s->eig[0] + rho > 1e-9 ? s->eig[0] + rho : 1e-9;
    spec->lam_max = s->eig[L - 1] + rho;
    spec->trace = 0.0;
    for (int i = 0; i < L; i++)
      spec->trace += inv[i * L + i];
  }
  if ((err = invert(inv, L, s)))
    return err;
  /* Symmetric to the last bit, so that the push-through identities used
   * for the radii hold exactly as written. */
  for (int i = 0; i < L; i++)
    for (int j = 0; j < i; j++)
      inv[i * L + j] = inv[j * L + i] = 0.5 * (inv[i * L + j] + inv[j * L + i]);
  return SB_OK;
}

/* The complement system of one cluster of n rows (see the file comment):
 * H, the LU factors of M = c I + W H, and the retained rows y and inverse
 * a that define W. */
typedef struct rest_system {
  int n, L;
  double c;
  const double *y;  /* n x L retained rows (not owned) */
  const double *a;  /* L x L ridged inverse (not owned) */
  double *h;        /* n x n */
  double *m_lu;     /* n x n: LU factors of M^T (M stored row-major) */
  double *bm_h;     /* n x n: Y a Y^T H / (n - 1) */
  int *ipiv;        /* n */
} rest_system;

static void rest_system_free(rest_system *r)
{
  free(r->h);
  free(r->m_lu);
  free(r->bm_h);
  free(r->ipiv);
  memset(r, 0, sizeof *r);
}

/*
 * Completes r (r->h, y, a, n, L set): the ridge of Sigma_c (dimension m,
 * rank at most rank_bound), c, Bm H and M's factors.  bm (may be NULL) is
 * Bm = Y a Y^T / (n - 1) when the caller has it (then Bm H costs n^3
 * instead of 2 n^2 L + n L^2).
 */
static sb_err rest_system_factor(rest_system *r, const double *bm, int m, int rank_bound,
                                 sb_pspm_ridge ridge, scratch *s)
{
  sb_err err;
  int n = r->n, L = r->L, info = 0;
  double inv_n1 = 1.0 / (n - 1), *yt_h = NULL, *ayt_h = NULL;

  r->m_lu = malloc((size_t)n * n * sizeof *r->m_lu);
  r->bm_h = malloc((size_t)n * n * sizeof *r->bm_h);
  r->ipiv = malloc((size_t)n * sizeof *r->ipiv);
  if (!bm) {
    yt_h = malloc((size_t)L * n * sizeof *yt_h);
    ayt_h = malloc((size_t)L * n * sizeof *ayt_h);
  }
  if (!r->m_lu || !r->bm_h || !r->ipiv || (!bm && (!yt_h || !ayt_h))) {
    err = SB_ENOMEM;
    goto done;
  }
  /* J H (column means removed), kept in m_lu for now; Sigma_c's non-zero
   * spectrum is that of J H J / (n - 1). */
  for (int j = 0; j < n; j++) {
    double mean = 0.0;
    for (int i = 0; i < n; i++)
      mean += r->h[i * n + j];
    mean /= n;
    for (int i = 0; i < n; i++)
      r->m_lu[i * n + j] = r->h[i * n + j] - mean;
  }
  if (needs_spectrum(ridge, m, rank_bound)) {
    for (int i = 0; i < n; i++) {
      double mean = 0.0;
      for (int j = 0; j < n; j++)
        mean += r->m_lu[i * n + j];
      mean /= n;
      for (int j = 0; j < n; j++)
        r->bm_h[i * n + j] = (r->m_lu[i * n + j] - mean) * inv_n1;
    }
    if ((err = sym_eigvals(r->bm_h, n, s)))
      goto done;
  }
  r->c = ridge_for(ridge, m, rank_bound, s->eig, n) + SCHUR_RIDGE_F32;

  /* Bm H;  M = c I + (J H - Bm H) / (n - 1). */
  if (bm) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, bm, n, r->h, n, 0.0,
                r->bm_h, n);
  } else {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L, n, n, 1.0, r->y, L, r->h, n, 0.0,
                yt_h, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, n, L, 1.0, r->a, L, yt_h, n, 0.0,
                ayt_h, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, L, inv_n1, r->y, L, ayt_h, n,
                0.0, r->bm_h, n);
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++)
      r->m_lu[i * n + j] = (r->m_lu[i * n + j] - r->bm_h[i * n + j]) * inv_n1;
    r->m_lu[i * n + i] += r->c;
  }
  dgetrf_(&n, &n, r->m_lu, &n, r->ipiv, &info);
  err = info == 0 ? SB_OK : SB_ENUMERIC;

done:
  free(yt_h);
  free(ayt_h);
  return err;
}

/* Solves M z = v in place (v: n values). */
static sb_err rest_solve(const rest_system *r, double *v, int nrhs)
{
  int info = 0, n = r->n;
  dgetrs_("T", &n, &nrhs, r->m_lu, &n, r->ipiv, v, &n, &info, 1);
  return info == 0 ? SB_OK : SB_ENUMERIC;
}

/*
 * r^T S^-1 r for a query point x given by its retained offset x_d (L),
 * the complement products h_x = R x_c (n) and xx = x_c . x_c.
 * buf: 4 n + 2 L doubles.
 */
static sb_err rest_query(const rest_system *r, const double *x_d, const double *h_x, double xx,
                         double *buf, double *q)
{
  sb_err err;
  int n = r->n, L = r->L;
  double inv_n1 = 1.0 / (n - 1), rr, mean = 0.0;
  double *b = buf, *hb = buf + n, *rx = buf + 2 * n, *wv = buf + 3 * n, *tmp = buf + 4 * n;

  /* b = Y a x_d / (n - 1); R r = h_x - H b; r.r = xx - 2 b.h_x + b.H b. */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, L, L, 1.0, r->a, L, x_d, 1, 0.0, tmp, 1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, L, inv_n1, r->y, L, tmp, 1, 0.0, b, 1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, r->h, n, b, 1, 0.0, hb, 1);
  rr = xx - 2.0 * dot(b, h_x, n) + dot(b, hb, n);
  for (int i = 0; i < n; i++) {
    rx[i] = h_x[i] - hb[i];
    mean += rx[i];
  }
  mean /= n;
  /* W R r = (J R r - Y a Y^T R r / (n - 1)) / (n - 1). */
  cblas_dgemv(CblasRowMajor, CblasTrans, n, L, 1.0, r->y, L, rx, 1, 0.0, tmp, 1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, L, L, 1.0, r->a, L, tmp, 1, 0.0, tmp + L, 1);
  for (int i = 0; i < n; i++)
    wv[i] = (rx[i] - mean) * inv_n1;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, L, -inv_n1 * inv_n1, r->y, L, tmp + L, 1, 1.0, wv, 1);
  if ((err = rest_solve(r, wv, 1)))
    return err;
  *q = (rr - dot(rx, wv, n)) / r->c;
  return SB_OK;
}

static double maha_eps(double a_hat, double lam_min, double lam_max, double mean_dev,
                       double rel_dev)
{
  return 2.0 * sqrt(a_hat) * mean_dev * sqrt(lam_max / lam_min) + a_hat * rel_dev;
}

/* One PS cluster: retained statistics and, for the radii, its complement
 * system with the complement products of every output as queries. */
typedef struct ps_cluster {
  double *mean;  /* L */
  double *y;     /* n x L centred retained rows */
  double *inv;   /* L x L */
  spectrum spec;
  rest_system rest;
  double *hq;    /* n_src x n: R (x_c - mu_c) for every output x */
  double *xx;    /* n_src: |x_c - mu_c|^2 */
} ps_cluster;

static void ps_cluster_free(ps_cluster *c)
{
  free(c->mean);
  free(c->y);
  free(c->inv);
  free(c->hq);
  free(c->xx);
  rest_system_free(&c->rest);
  memset(c, 0, sizeof *c);
}

/* Complement part of cluster k (rows ref, d_1..d_P at offset): centred H
 * and the products with every output. */
static sb_err ps_cluster_rest(const sb_diffmap *dm, size_t n_src, const size_t *offset, int n,
                              size_t base, sb_pspm_ridge ridge, scratch *s, ps_cluster *c)
{
  sb_err err = SB_ENOMEM;
  int m = (int)(dm->n_coords - dm->n_keep), b = n + (int)n_src;
  size_t *idx = malloc((size_t)b * sizeof *idx);
  double *g = malloc((size_t)b * b * sizeof *g), *g_bar = malloc((size_t)n * sizeof *g_bar);
  double g_mm = 0.0;

  c->rest.h = malloc((size_t)n * n * sizeof *c->rest.h);
  c->hq = malloc(n_src * (size_t)n * sizeof *c->hq);
  c->xx = malloc(n_src * sizeof *c->xx);
  if (!idx || !g || !g_bar || !c->rest.h || !c->hq || !c->xx)
    goto done;
  idx[0] = base;
  for (int i = 1; i < n; i++)
    idx[i] = base + 1 + (size_t)i;
  for (size_t q = 0; q < n_src; q++)
    idx[n + (int)q] = offset[q] + 1;
  if ((err = sb_diffmap_rest_gram(dm, idx, (size_t)b, g)))
    goto done;
  for (int i = 0; i < n; i++) {
    g_bar[i] = 0.0;
    for (int j = 0; j < n; j++)
      g_bar[i] += g[i * b + j];
    g_bar[i] /= n;
    g_mm += g_bar[i];
  }
  g_mm /= n;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      c->rest.h[i * n + j] = g[i * b + j] - g_bar[i] - g_bar[j] + g_mm;
  for (size_t q = 0; q < n_src; q++) {
    int col = n + (int)q;
    double mq = 0.0;
    for (int i = 0; i < n; i++)
      mq += g[i * b + col];
    mq /= n;
    for (int i = 0; i < n; i++)
      c->hq[q * n + (size_t)i] = g[i * b + col] - g_bar[i] - mq + g_mm;
    c->xx[q] = g[col * b + col] - 2.0 * mq + g_mm;
  }
  c->rest.n = n;
  c->rest.L = (int)dm->n_keep;
  c->rest.y = c->y;
  c->rest.a = c->inv;
  err = rest_system_factor(&c->rest, NULL, m, n - 1, ridge, s);

done:
  free(idx);
  free(g);
  free(g_bar);
  return err;
}

/* PS and its radii for every source. */
static sb_err measures_ps(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                          const size_t *offset, sb_pspm_ridge ridge, double delta, scratch *s,
                          sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  int L = (int)dm->n_keep, m = (int)(dm->n_coords - dm->n_keep);
  int radii = n_src >= 2 && m > 0;
  size_t max_rows = 0;
  ps_cluster *cl = calloc(n_src, sizeof *cl);
  double *d_buf = NULL, *q_buf = NULL;
  const double *coords = dm->coords;

  for (size_t k = 0; k < n_src; k++)
    if (n_dist[k] + 1 > max_rows)
      max_rows = n_dist[k] + 1;
  d_buf = malloc((size_t)L * sizeof *d_buf);
  q_buf = malloc((4 * max_rows + 2 * (size_t)L) * sizeof *q_buf);
  if (!cl || !d_buf || !q_buf)
    goto fail;

  /* Cluster statistics: reference + distortions (output excluded). */
  for (size_t k = 0; k < n_src; k++) {
    int n_rows = (int)n_dist[k] + 1;
    ps_cluster *c = &cl[k];
    if (n_rows < 2) {
      err = SB_EINVAL;
      goto fail;
    }
    c->mean = calloc((size_t)L, sizeof *c->mean);
    c->y = malloc((size_t)n_rows * L * sizeof *c->y);
    c->inv = malloc((size_t)L * L * sizeof *c->inv);
    if (!c->mean || !c->y || !c->inv)
      goto fail;
    memcpy(c->y, coords + offset[k] * L, (size_t)L * sizeof(double));
    memcpy(c->y + L, coords + (offset[k] + 2) * L, n_dist[k] * (size_t)L * sizeof(double));
    for (int r = 0; r < n_rows; r++)
      for (int j = 0; j < L; j++)
        c->mean[j] += c->y[(size_t)r * L + j];
    for (int j = 0; j < L; j++)
      c->mean[j] /= n_rows;
    for (int r = 0; r < n_rows; r++)
      for (int j = 0; j < L; j++)
        c->y[(size_t)r * L + j] -= c->mean[j];
    if ((err = ridged_inverse(c->y, n_rows, L, L, n_rows - 1, ridge, s, c->inv,
                              radii ? &c->spec : NULL)))
      goto fail;
    if (radii && (err = ps_cluster_rest(dm, n_src, offset, n_rows, offset[k], ridge, s, c)))
      goto fail;
    err = SB_ENOMEM;
  }

  for (size_t k = 0; k < n_src; k++) {
    const double *o = coords + (offset[k] + 1) * L;
    double A, B = INFINITY, ps;
    size_t j_min = k;
    for (int j = 0; j < L; j++)
      d_buf[j] = o[j] - cl[k].mean[j];
    A = maha(quad_form(cl[k].inv, d_buf, L), ridge);
    for (size_t q = 0; q < n_src; q++) {
      double Bq;
      if (q == k)
        continue;
      for (int j = 0; j < L; j++)
        d_buf[j] = o[j] - cl[q].mean[j];
      Bq = maha(quad_form(cl[q].inv, d_buf, L), ridge);
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
      const ps_cluster *ci = &cl[k], *cj = &cl[j_min];
      const spectrum *si = &ci->spec, *sj = &cj->spec;
      for (int j = 0; j < L; j++)
        d_buf[j] = o[j] - ci->mean[j];
      if ((err = rest_query(&ci->rest, d_buf, ci->hq + k * (size_t)ci->rest.n, ci->xx[k], q_buf,
                            &ti)))
        goto fail;
      for (int j = 0; j < L; j++)
        d_buf[j] = o[j] - cj->mean[j];
      if ((err = rest_query(&cj->rest, d_buf, cj->hq + k * (size_t)cj->rest.n, cj->xx[k], q_buf,
                            &tj)))
        goto fail;
      ti = sqrt(ti);
      tj = sqrt(tj);
      out[k].ps_bias = (B * ti + A * tj) / ((A + B) * (A + B));
      n_eff = floor(0.7 * (double)(n_dist[k] + 1));
      if (n_eff < 3.0)
        n_eff = 3.0;
      lg = log(2.0 / (delta / 2.0));
      mean_i = sqrt(2.0 * si->lam_max * lg / n_eff);
      mean_j = sqrt(2.0 * sj->lam_max * lg / n_eff);
      rel_i = sqrt(si->trace / si->lam_max / n_eff) + (si->trace / si->lam_max + lg) / n_eff;
      rel_j = sqrt(sj->trace / sj->lam_max / n_eff) + (sj->trace / sj->lam_max + lg) / n_eff;
      lmin_i = si->lam_min > 0.05 * si->lam_max ? si->lam_min : 0.05 * si->lam_max;
      lmin_j = sj->lam_min > 0.05 * sj->lam_max ? sj->lam_min : 0.05 * sj->lam_max;
      eps_i = maha_eps(A, lmin_i, si->lam_max, mean_i, rel_i);
      eps_j = maha_eps(B, lmin_j, sj->lam_max, mean_j, rel_j);
      {
        double radius = hypot(A, B) / ((A + B) * (A + B)) * hypot(eps_i, eps_j);
        out[k].ps_prob = radius < 1.0 ? radius : 1.0;
      }
    }
  }
  err = SB_OK;

fail:
  if (cl)
    for (size_t k = 0; k < n_src; k++)
      ps_cluster_free(&cl[k]);
  free(cl);
  free(d_buf);
  free(q_buf);
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

/* The terms of PM's radii for one source (pm_ci_components_full), with
 * delta_d the P x L retained offsets from the reference, o_d the output's,
 * inv the ridged inverse of their centred covariance: g_p =
 * delta_p^T inv delta_p, and the complement terms da (output) and dg_p
 * (distortions). */
static sb_err pm_rest_terms(const sb_diffmap *dm, size_t base, int P, const double *delta_d,
                            const double *o_d, const double *inv, sb_pspm_ridge ridge, scratch *s,
                            double *g, double *da, double *dg)
{
  sb_err err = SB_ENOMEM;
  int L = (int)dm->n_keep, m = (int)(dm->n_coords - dm->n_keep), b = P + 2;
  rest_system r = {0};
  size_t *idx = malloc((size_t)b * sizeof *idx);
  double *gram = malloc((size_t)b * b * sizeof *gram), *h_o = malloc((size_t)P * sizeof *h_o);
  double *rhs = malloc((size_t)P * P * sizeof *rhs), *bm = malloc((size_t)P * P * sizeof *bm);
  double *q_buf = malloc((4 * (size_t)P + 2 * (size_t)L) * sizeof *q_buf);
  double *ya = malloc((size_t)P * L * sizeof *ya), oo;

  r.h = malloc((size_t)P * P * sizeof *r.h);
  if (!idx || !gram || !h_o || !rhs || !bm || !q_buf || !ya || !r.h)
    goto done;
  /* Complement products of ref, out, d_1..d_P, then about the reference. */
  for (int i = 0; i < b; i++)
    idx[i] = base + (size_t)i;
  if ((err = sb_diffmap_rest_gram(dm, idx, (size_t)b, gram)))
    goto done;
  for (int p = 0; p < P; p++) {
    for (int q = 0; q < P; q++)
      r.h[p * P + q] = gram[(2 + p) * b + 2 + q] - gram[(2 + p) * b] - gram[2 + q] + gram[0];
    h_o[p] = gram[(2 + p) * b + 1] - gram[(2 + p) * b] - gram[1] + gram[0];
  }
  oo = gram[b + 1] - 2.0 * gram[1] + gram[0];
  r.n = P;
  r.L = L;
  r.y = delta_d;
  r.a = inv;
  /* Bm = Y a Y^T / (P - 1) (symmetric: a is), then the system. */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, L, L, 1.0, delta_d, L, inv, L, 0.0,
              ya, L);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, P, P, L, 1.0 / (P - 1), ya, L, delta_d, L,
              0.0, bm, P);
  for (int p = 0; p < P; p++)
    g[p] = bm[p * P + p] * (P - 1);
  if ((err = rest_system_factor(&r, bm, m, P - 1, ridge, s)))
    goto done;
  if ((err = rest_query(&r, o_d, h_o, oo, q_buf, da)))
    goto done;
  /* Distortion rows: r_p = R^T u_p with u_p = e_p - Bm e_p, so dg_p =
   * (H u_p) . (M^-1 u_p); the columns u_p of U = I - Bm are its rows, as
   * the column-major right-hand sides of the solve. */
  for (int i = 0; i < P * P; i++)
    rhs[i] = -bm[i];
  for (int p = 0; p < P; p++)
    rhs[p * P + p] += 1.0;
  if ((err = rest_solve(&r, rhs, P)))
    goto done;
  for (int p = 0; p < P; p++) {
    double sum = 0.0;
    /* (H U)_ip = H_ip - (H Bm)_ip = H_ip - (Bm H)_pi (both symmetric). */
    for (int i = 0; i < P; i++)
      sum += (r.h[i * P + p] - r.bm_h[p * P + i]) * rhs[p * P + i];
    dg[p] = sum;
  }

done:
  rest_system_free(&r);
  free(idx);
  free(gram);
  free(h_o);
  free(rhs);
  free(bm);
  free(q_buf);
  free(ya);
  return err;
}

/* PM and its radii for every source. */
static sb_err measures_pm(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                          const size_t *offset, sb_pspm_ridge ridge, double delta, scratch *s,
                          sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  int L = (int)dm->n_keep, m = (int)(dm->n_coords - dm->n_keep);
  size_t max_rows = 0;
  double *y = NULL, *yc = NULL, *inv = NULL, *o_d = NULL, *g = NULL, *dg = NULL, *zbuf = NULL;

  for (size_t k = 0; k < n_src; k++)
    if (n_dist[k] > max_rows)
      max_rows = n_dist[k];
  y = malloc((max_rows + 1) * (size_t)L * sizeof *y);
  yc = malloc((max_rows + 1) * (size_t)L * sizeof *yc);
  inv = malloc((size_t)L * L * sizeof *inv);
  o_d = malloc((size_t)L * sizeof *o_d);
  g = malloc((max_rows + 1) * sizeof *g);
  dg = malloc((max_rows + 1) * sizeof *dg);
  zbuf = malloc((max_rows + 1) * (size_t)L * sizeof *zbuf);
  if (!y || !yc || !inv || !o_d || !g || !dg || !zbuf)
    goto fail;

  for (size_t k = 0; k < n_src; k++) {
    int P = (int)n_dist[k];
    const double *ref = dm->coords + offset[k] * L, *o = ref + L;
    double mu = 0.0, var = 0.0, a_out, pm;
    if (P < 2) {
      out[k].pm = 0.0;
      out[k].pm_bias = out[k].pm_prob = 0.0;
      continue;
    }
    for (int p = 0; p < P; p++)
      for (int j = 0; j < L; j++)
        y[(size_t)p * L + j] = ref[(size_t)(2 + p) * L + j] - ref[j];
    for (int j = 0; j < L; j++)
      o_d[j] = o[j] - ref[j];

    /* compute_pm: second moment about the reference, retained block. */
    if ((err = ridged_inverse(y, P, L, L, P, ridge, s, inv, NULL)))
      goto fail;
    row_quad_forms(y, L, P, L, inv, zbuf, g);
    for (int p = 0; p < P; p++) {
      g[p] = maha(g[p], ridge);
      g[p] *= g[p];
      mu += g[p];
    }
    mu /= P;
    for (int p = 0; p < P; p++)
      var += (g[p] - mu) * (g[p] - mu);
    var /= P - 1;
    a_out = maha(quad_form(inv, o_d, L), ridge);
    a_out *= a_out;
    if (ridge == SB_PSPM_RIDGE_V11 && (!(mu > 0.0) || !(var > 0.0) || !isfinite(mu) || !isfinite(var)))
      pm = a_out <= 1e-12 ? 1.0 : 0.0;
    else if (var == 0.0)
      pm = 1.0;
    else
      pm = sb_pspm_gamma_q(mu * mu / var, a_out / (var / mu));
    out[k].pm = pm < 0.0 ? 0.0 : (pm > 1.0 ? 1.0 : pm);

    if (m == 0) {
      out[k].pm_bias = out[k].pm_prob = 0.0;
      continue;
    }
    /* pm_ci_components_full: centred covariances, uncentred cross block. */
    {
      double mu_g = 0.0, s2_g = 0.0, mu_f = 0.0, s2_f = 0.0, dg_max = -INFINITY;
      double r_sq = -INFINITY, da, k_d, th_d, a_d, centre, dk, dth, sig_g, lg;
      for (int j = 0; j < L; j++) {
        double mean = 0.0;
        for (int p = 0; p < P; p++)
          mean += y[(size_t)p * L + j];
        mean /= P;
        for (int p = 0; p < P; p++)
          yc[(size_t)p * L + j] = y[(size_t)p * L + j] - mean;
      }
      if ((err = ridged_inverse(yc, P, L, L, P - 1, ridge, s, inv, NULL)))
        goto fail;
      if ((err = pm_rest_terms(dm, offset[k], P, y, o_d, inv, ridge, s, g, &da, dg)))
        goto fail;
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
      a_d = quad_form(inv, o_d, L);
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
    }
  }
  err = SB_OK;

fail:
  free(y);
  free(yc);
  free(inv);
  free(o_d);
  free(g);
  free(dg);
  free(zbuf);
  return err;
}

sb_err sb_pspm_frame_measures(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                              unsigned want, sb_pspm_ridge ridge, double delta,
                              sb_pspm_values *out)
{
  sb_err err = SB_ENOMEM;
  size_t total = 0, *offset = NULL;
  scratch s = {0};

  if (!dm || !n_dist || !out || n_src == 0 || !dm->coords || !dm->kernel ||
      !(delta > 0.0 && delta < 1.0))
    return SB_EINVAL;
  for (size_t k = 0; k < n_src; k++)
    total += n_dist[k] + 2;
  if (total != dm->n_points)
    return SB_EINVAL;
  for (size_t k = 0; k < n_src; k++)
    out[k] = (sb_pspm_values){NAN, NAN, NAN, NAN, NAN, NAN};

  s.cap = (int)dm->n_points;
  offset = malloc(n_src * sizeof *offset);
  s.mat = malloc((size_t)s.cap * s.cap * sizeof *s.mat);
  s.eig = malloc((size_t)s.cap * sizeof *s.eig);
  s.work = malloc(64 * (size_t)s.cap * sizeof *s.work);
  s.ipiv = malloc((size_t)s.cap * sizeof *s.ipiv);
  if (!offset || !s.mat || !s.eig || !s.work || !s.ipiv)
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
