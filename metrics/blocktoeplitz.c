/*
 * metrics/blocktoeplitz.c — dense (LAPACK) and block-Levinson solvers for
 * the Gram systems of BSS Eval; see metrics/blocktoeplitz.h.
 *
 * The block Levinson recursion follows Whittle (1963), "On the fitting of
 * multivariate autoregressions", and Wiggins & Robinson (1965), "Recursive
 * solution to the multichannel filtering problem": forward and backward
 * predictors F, B of growing order p with T_p F = [E_f; 0], T_p B = [0; E_b],
 * and the solution x of T_p x = d_{0..p} updated with the new backward
 * predictor at every order.  Per order the work is m (m + r) dot products
 * and m (2 m + r) axpy updates over p m values, written as plain loops
 * that the compiler vectorises (cloned for AVX2/AVX-512 on x86-64 GCC).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/blocktoeplitz.h"
#include "common/vectorize.h"

/* LAPACK (Fortran ABI) as shipped by OpenBLAS. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t l_uplo);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t l_uplo);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t l_trans);
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);

/* Iterative refinement of the Levinson solution (sb_btoep_solve). */
#define REFINE_MAX 5
#define LEVINSON_BERR_MAX 0x1p-40

#ifdef _OPENMP
#define SB_SIMD_SUM _Pragma("omp simd reduction(+:sum)")
#define SB_SIMD_SUM4 _Pragma("omp simd reduction(+:s0, s1, s2, s3)")
#else
#define SB_SIMD_SUM
#define SB_SIMD_SUM4
#endif

/* How a factor was obtained. */
typedef enum sb_gram_kind { SB_GRAM_CHOLESKY = 0, SB_GRAM_LU, SB_GRAM_LSTSQ } sb_gram_kind;

struct sb_gram_factor {
  int size;          /* m n */
  sb_gram_kind kind;
  double *a;         /* factor (Cholesky, LU) or the matrix itself (least squares) */
  int *ipiv;         /* LU pivots */
};

/* Fills the dense (m n)^2 matrix T + load I, column-major (T is symmetric). */
static void build_dense(const double *R, int m, int n, double load, double *a)
{
  size_t size = (size_t)m * (size_t)n;
  for (int k = 0; k < m; k++) {
    for (int kp = 0; kp < m; kp++) {
      for (int a_ = 0; a_ < n; a_++) {
        double *row = a + ((size_t)k * n + a_) * size + (size_t)kp * n;
        for (int b = 0; b < n; b++) {
          row[b] = b >= a_ ? R[((size_t)(b - a_) * m + k) * m + kp]
                           : R[((size_t)(a_ - b) * m + kp) * m + k];
        }
      }
    }
  }
  for (size_t i = 0; i < size; i++)
    a[i * size + i] += load;
}

static int all_finite(const double *a, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return 0;
  return 1;
}

sb_err sb_gram_factor_new(const double *R, int m, int n, double load, sb_gram_factor **out)
{
  sb_gram_factor *f = NULL;
  sb_err err = SB_OK;
  int info = 0;
  size_t cells;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!R || m < 1 || n < 1 || (int64_t)m * n > 65536)
    return SB_EINVAL;
  f = calloc(1, sizeof *f);
  if (!f)
    return SB_ENOMEM;
  f->size = m * n;
  cells = (size_t)f->size * (size_t)f->size;
  f->a = malloc(sizeof(double) * cells);
  if (!f->a) {
    err = SB_ENOMEM;
    goto fail;
  }
  build_dense(R, m, n, load, f->a);
  if (!all_finite(f->a, cells)) {
    err = SB_ENUMERIC;
    goto fail;
  }
  dpotrf_("L", &f->size, f->a, &f->size, &info, 1);
  if (info == 0) {
    f->kind = SB_GRAM_CHOLESKY;
    *out = f;
    return SB_OK;
  }
  if (info < 0) {
    err = SB_ENUMERIC;
    goto fail;
  }
  /* Not positive definite: LU with partial pivoting, like numpy's solve. */
  build_dense(R, m, n, load, f->a);
  f->ipiv = malloc(sizeof(int) * (size_t)f->size);
  if (!f->ipiv) {
    err = SB_ENOMEM;
    goto fail;
  }
  dgetrf_(&f->size, &f->size, f->a, &f->size, f->ipiv, &info);
  if (info < 0) {
    err = SB_ENUMERIC;
    goto fail;
  }
  if (info == 0) {
    f->kind = SB_GRAM_LU;
    *out = f;
    return SB_OK;
  }
  /* Exactly singular: least squares on the matrix itself, like the
   * reference's lstsq fallback (which drops the diagonal load too). */
  free(f->ipiv);
  f->ipiv = NULL;
  build_dense(R, m, n, 0.0, f->a);
  f->kind = SB_GRAM_LSTSQ;
  *out = f;
  return SB_OK;

fail:
  sb_gram_factor_free(&f);
  return err;
}

static sb_err lstsq_solve(const sb_gram_factor *f, int n_rhs, double *rhs)
{
  size_t cells = (size_t)f->size * (size_t)f->size;
  double *a = malloc(sizeof(double) * cells);
  double *s = malloc(sizeof(double) * (size_t)f->size);
  double *work = NULL, query = 0.0, rcond = -1.0;
  int *iwork = NULL, iquery = 0, lwork = -1, rank = 0, info = 0;
  sb_err err = SB_OK;

  if (!a || !s) {
    err = SB_ENOMEM;
    goto done;
  }
  memcpy(a, f->a, sizeof(double) * cells);
  dgelsd_(&f->size, &f->size, &n_rhs, a, &f->size, rhs, &f->size, s, &rcond, &rank, &query,
          &lwork, &iquery, &info);
  if (info != 0) {
    err = SB_ENUMERIC;
    goto done;
  }
  lwork = (int)query + 1;
  work = malloc(sizeof(double) * (size_t)lwork);
  iwork = malloc(sizeof(int) * (size_t)(iquery > 1 ? iquery : 1));
  if (!work || !iwork) {
    err = SB_ENOMEM;
    goto done;
  }
  dgelsd_(&f->size, &f->size, &n_rhs, a, &f->size, rhs, &f->size, s, &rcond, &rank, work,
          &lwork, iwork, &info);
  if (info != 0)
    err = SB_ENUMERIC;
done:
  free(a);
  free(s);
  free(work);
  free(iwork);
  return err;
}

sb_err sb_gram_factor_solve(const sb_gram_factor *f, int n_rhs, double *rhs)
{
  int info = 0;
  if (!f || !rhs || n_rhs < 0)
    return SB_EINVAL;
  if (n_rhs == 0)
    return SB_OK;
  switch (f->kind) {
  case SB_GRAM_CHOLESKY:
    dpotrs_("L", &f->size, &n_rhs, f->a, &f->size, rhs, &f->size, &info, 1);
    break;
  case SB_GRAM_LU:
    dgetrs_("N", &f->size, &n_rhs, f->a, &f->size, f->ipiv, rhs, &f->size, &info, 1);
    break;
  case SB_GRAM_LSTSQ:
    return lstsq_solve(f, n_rhs, rhs);
  }
  return info == 0 ? SB_OK : SB_ENUMERIC;
}

void sb_gram_factor_free(sb_gram_factor **f)
{
  if (!f || !*f)
    return;
  free((*f)->a);
  free((*f)->ipiv);
  free(*f);
  *f = NULL;
}

/* ------------------------------------------------------------ block Levinson */

/* In-place lower Cholesky of the m x m row-major SPD matrix a; 0 on success,
 * -1 when a pivot is not positive (or not finite). */
static int small_chol(double *a, int m)
{
  for (int j = 0; j < m; j++) {
    double d = a[j * m + j];
    for (int k = 0; k < j; k++)
      d -= a[j * m + k] * a[j * m + k];
    if (!(d > 0.0) || !isfinite(d))
      return -1;
    d = sqrt(d);
    a[j * m + j] = d;
    for (int i = j + 1; i < m; i++) {
      double s = a[i * m + j];
      for (int k = 0; k < j; k++)
        s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / d;
    }
    for (int i = 0; i < j; i++)
      a[i * m + j] = 0.0;
  }
  return 0;
}

/* Solves (L L^T) X = B in place, B m x cols row-major with leading dim ldb. */
static void small_chol_solve(const double *l, int m, double *b, int cols, int ldb)
{
  for (int q = 0; q < cols; q++) {
    for (int i = 0; i < m; i++) {
      double s = b[(size_t)i * ldb + q];
      for (int k = 0; k < i; k++)
        s -= l[i * m + k] * b[(size_t)k * ldb + q];
      b[(size_t)i * ldb + q] = s / l[i * m + i];
    }
    for (int i = m - 1; i >= 0; i--) {
      double s = b[(size_t)i * ldb + q];
      for (int k = i + 1; k < m; k++)
        s -= l[k * m + i] * b[(size_t)k * ldb + q];
      b[(size_t)i * ldb + q] = s / l[i * m + i];
    }
  }
}

/* Work arrays of one recursion.  Block vectors of n blocks of m rows are
 * stored as columns of N = n m values, row index a m + i (block a, row i),
 * so that every inner loop runs over a long contiguous range. */
typedef struct levinson_ws {
  int m, n, r;      /* channels, taps, right-hand sides */
  size_t len;       /* N = n m */
  double *q;        /* m rows of N: q[i][c m + k] = R(n - c)[k][i] (c >= 1) */
  double *f;        /* m columns: forward predictor F */
  double *b, *b2;   /* m columns: backward predictor B (two buffers) */
  double *x;        /* r columns: solution */
  double *d;        /* r columns: right-hand sides */
  double *small;    /* 10 m x max(m, r) scratch matrices */
  double *energy;   /* r energies (energy mode) or NULL (solution mode) */
} levinson_ws;

SB_CLONES
static double dot(const double *restrict a, const double *restrict b, size_t n)
{
  double sum = 0.0;
  SB_SIMD_SUM
  for (size_t i = 0; i < n; i++)
    sum += a[i] * b[i];
  return sum;
}

/* y[0..n) += sum_u c[u] x_u[0..n) for the n_x (<= 4) vectors x_u at
 * x + u * stride: one pass over y for up to four vectors. */
SB_CLONES
static void axpy_multi(int n_x, const double *c, const double *restrict x, size_t stride,
                       double *restrict y, size_t n)
{
  int u = 0;
  for (; u + 4 <= n_x; u += 4) {
    const double *restrict x0 = x + (size_t)u * stride, *restrict x1 = x0 + stride;
    const double *restrict x2 = x1 + stride, *restrict x3 = x2 + stride;
    const double c0 = c[u], c1 = c[u + 1], c2 = c[u + 2], c3 = c[u + 3];
    SB_SIMD
    for (size_t i = 0; i < n; i++)
      y[i] += c0 * x0[i] + c1 * x1[i] + c2 * x2[i] + c3 * x3[i];
  }
  for (; u < n_x; u++) {
    const double *restrict x0 = x + (size_t)u * stride;
    const double c0 = c[u];
    SB_SIMD
    for (size_t i = 0; i < n; i++)
      y[i] += c0 * x0[i];
  }
}

/* out[v] = <a, b_v> for the four vectors b_v at b + v * stride. */
SB_CLONES
static void dot4(const double *restrict a, const double *restrict b, size_t stride, size_t n,
                 double *out)
{
  const double *restrict b0 = b, *restrict b1 = b + stride, *restrict b2 = b1 + stride,
                         *restrict b3 = b2 + stride;
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  SB_SIMD_SUM4
  for (size_t i = 0; i < n; i++) {
    s0 += a[i] * b0[i];
    s1 += a[i] * b1[i];
    s2 += a[i] * b2[i];
    s3 += a[i] * b3[i];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/* out[v] = <a, b_v> for n_b vectors at b + v * stride. */
static void dots(const double *a, const double *b, size_t stride, int n_b, size_t n, double *out)
{
  int v = 0;
  for (; v + 4 <= n_b; v += 4)
    dot4(a, b + (size_t)v * stride, stride, n, out + v);
  for (; v < n_b; v++)
    out[v] = dot(a, b + (size_t)v * stride, n);
}

/* energy[c] += g_c^T E_b^{-1} g_c with g = B^T d_{0..K} (m x r, B's columns
 * over the first K rows) and lb the Cholesky factor of E_b: the order's
 * term of d^T T^{-1} d = sum_p g_p^T E_b,p^{-1} g_p (T^{-1} = U E_b^{-1}
 * U^T with the backward predictors as the columns of U). */
static void add_energy(const levinson_ws *ws, const double *bcols, const double *lb, size_t K,
                       double *g)
{
  const int m = ws->m, r = ws->r;
  for (int t = 0; t < m; t++)
    dots(bcols + (size_t)t * ws->len, ws->d, ws->len, r, K, g + t * r);
  for (int c = 0; c < r; c++) {
    double e = 0.0;
    for (int i = 0; i < m; i++) {
      double v = g[i * r + c];
      for (int k = 0; k < i; k++)
        v -= lb[i * m + k] * g[k * r + c];
      v /= lb[i * m + i];
      g[i * r + c] = v;
      e += v * v;
    }
    ws->energy[c] += e;
  }
}

/* The recursion proper; returns -1 when an error covariance loses positive
 * definiteness.  With ws->energy set only the energies are accumulated
 * (no solution vector). */
static int levinson_run(levinson_ws *ws)
{
  const int m = ws->m, n = ws->n, r = ws->r;
  const size_t N = ws->len, mm = (size_t)m * m;
  const size_t big = (size_t)m * (size_t)(r > m ? r : m);
  double *ef = ws->small, *eb = ef + big, *lf = eb + big, *lb = lf + big;
  double *delta = lb + big, *kf = delta + big, *kb = kf + big, *gam = kb + big;
  double *eps = gam + big, *coef = eps + big;

  /* order 0: F = B = I, E_f = E_b = R(0), X_0 = R(0)^{-1} d_0; R(0)[k][i]
   * is q[i][n m + k] -- stored as the block after the last one. */
  for (int i = 0; i < m; i++)
    for (int k = 0; k < m; k++)
      ef[i * m + k] = ws->q[(size_t)i * (N + m) + N + k];
  memcpy(eb, ef, sizeof(double) * mm);
  memcpy(lf, ef, sizeof(double) * mm);
  if (small_chol(lf, m) != 0)
    return -1;
  memcpy(lb, lf, sizeof(double) * mm);
  for (int i = 0; i < m; i++) {
    ws->f[(size_t)i * N + i] = 1.0;
    ws->b[(size_t)i * N + i] = 1.0;
  }
  if (ws->energy) {
    add_energy(ws, ws->b, lb, (size_t)m, gam);
  } else {
    for (int i = 0; i < m; i++)
      for (int c = 0; c < r; c++)
        gam[i * r + c] = ws->d[(size_t)c * N + i];
    small_chol_solve(lf, m, gam, r, r);
    for (int i = 0; i < m; i++)
      for (int c = 0; c < r; c++)
        ws->x[(size_t)c * N + i] = gam[i * r + c];
  }

  for (int p = 0; p + 1 < n; p++) {
    const size_t K = (size_t)(p + 1) * m, K2 = K + m;
    double *bn = ws->b2;
    /* Delta_f[i][t] = sum_a (R(p+1-a)^T F_a)[i][t], eps likewise with X */
    for (int i = 0; i < m; i++) {
      const double *ai = ws->q + (size_t)i * (N + m) + (size_t)(n - p - 1) * m;
      dots(ai, ws->f, N, m, K, delta + i * m);
      if (!ws->energy)
        dots(ai, ws->x, N, r, K, eps + i * r);
    }
    /* K_f = -E_b^{-1} Delta_f, K_b = -E_f^{-1} Delta_f^T */
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++) {
        kf[i * m + j] = delta[i * m + j];
        kb[i * m + j] = delta[j * m + i];
      }
    small_chol_solve(lb, m, kf, m, m);
    small_chol_solve(lf, m, kb, m, m);
    for (size_t i = 0; i < mm; i++) {
      kf[i] = -kf[i];
      kb[i] = -kb[i];
    }
    /* E_f += Delta_f^T K_f, E_b += Delta_f K_b, kept symmetric */
    for (int i = 0; i < m; i++)
      for (int j = 0; j <= i; j++) {
        double sf1 = 0.0, sf2 = 0.0, sb1 = 0.0, sb2 = 0.0;
        for (int k = 0; k < m; k++) {
          sf1 += delta[k * m + i] * kf[k * m + j];
          sf2 += delta[k * m + j] * kf[k * m + i];
          sb1 += delta[i * m + k] * kb[k * m + j];
          sb2 += delta[j * m + k] * kb[k * m + i];
        }
        ef[i * m + j] += 0.5 * (sf1 + sf2);
        ef[j * m + i] = ef[i * m + j];
        eb[i * m + j] += 0.5 * (sb1 + sb2);
        eb[j * m + i] = eb[i * m + j];
      }
    memcpy(lf, ef, sizeof(double) * mm);
    memcpy(lb, eb, sizeof(double) * mm);
    if (small_chol(lf, m) != 0 || small_chol(lb, m) != 0)
      return -1;
    /* gamma = E_b'^{-1} (d_{p+1} - eps) */
    if (!ws->energy) {
      for (int i = 0; i < m; i++)
        for (int c = 0; c < r; c++)
          gam[i * r + c] = ws->d[(size_t)c * N + K + i] - eps[i * r + c];
      small_chol_solve(lb, m, gam, r, r);
    }
    /* B' = shift(B) + F K_b (new buffer), F' = F + shift(B) K_f,
     * X' = X + B' gamma; columns over the first K2 rows */
    for (int t = 0; t < m; t++) {
      double *col = bn + (size_t)t * N;
      memset(col, 0, sizeof(double) * (size_t)m);
      memcpy(col + m, ws->b + (size_t)t * N, sizeof(double) * K);
      for (int u = 0; u < m; u++)
        coef[u] = kb[u * m + t];
      axpy_multi(m, coef, ws->f, N, col, K);
    }
    for (int t = 0; t < m; t++) {
      for (int u = 0; u < m; u++)
        coef[u] = kf[u * m + t];
      axpy_multi(m, coef, ws->b, N, ws->f + (size_t)t * N + m, K);
    }
    if (ws->energy) {
      add_energy(ws, bn, lb, K2, gam);
    } else {
      for (int c = 0; c < r; c++) {
        for (int u = 0; u < m; u++)
          coef[u] = gam[u * r + c];
        axpy_multi(m, coef, bn, N, ws->x + (size_t)c * N, K2);
      }
    }
    ws->b2 = ws->b;
    ws->b = bn;
  }
  return 0;
}

/* Runs the recursion on T + load I for the n_rhs columns of d; on success
 * ws->x holds the solutions (row a m + k).  The caller frees ws. */
static sb_err levinson_solve(const double *R, int m, int n, double load, int n_rhs,
                             const double *d, double *energy, levinson_ws *ws)
{
  size_t N, big;
  memset(ws, 0, sizeof *ws);
  ws->energy = energy;
  if (energy)
    memset(energy, 0, sizeof(double) * (size_t)n_rhs);
  ws->m = m;
  ws->n = n;
  ws->r = n_rhs;
  N = ws->len = (size_t)n * m;
  big = (size_t)m * (size_t)(n_rhs > m ? n_rhs : m);
  ws->q = calloc((size_t)m * (N + m), sizeof(double));
  ws->f = calloc((size_t)m * N, sizeof(double));
  ws->b = calloc((size_t)m * N, sizeof(double));
  ws->b2 = calloc((size_t)m * N, sizeof(double));
  ws->x = energy ? NULL : calloc((size_t)n_rhs * N, sizeof(double));
  ws->d = malloc(sizeof(double) * (size_t)n_rhs * N);
  ws->small = malloc(sizeof(double) * 10 * big);
  if (!ws->q || !ws->f || !ws->b || !ws->b2 || (!energy && !ws->x) || !ws->d || !ws->small)
    return SB_ENOMEM;
  /* q[i][c m + k] = R(n - c)[k][i] for c = 1..n (c = n: R(0) + load I) */
  for (int c = 1; c <= n; c++)
    for (int i = 0; i < m; i++)
      for (int k = 0; k < m; k++)
        ws->q[(size_t)i * (N + m) + (size_t)c * m + k] =
          R[((size_t)(n - c) * m + k) * m + i] + (c == n && i == k ? load : 0.0);
  for (int c = 0; c < n_rhs; c++)
    for (int k = 0; k < m; k++)
      for (int a = 0; a < n; a++)
        ws->d[(size_t)c * N + (size_t)a * m + k] = d[(size_t)c * N + (size_t)k * n + a];
  if (!all_finite(ws->q, (size_t)m * (N + m)) || levinson_run(ws) != 0)
    return SB_ENUMERIC;
  return SB_OK;
}

static void levinson_free(levinson_ws *ws)
{
  free(ws->q);
  free(ws->f);
  free(ws->b);
  free(ws->b2);
  free(ws->x);
  free(ws->d);
  free(ws->small);
}

sb_err sb_btoep_energy(const double *R, int m, int n, int n_rhs, const double *d,
                       double *energy)
{
  levinson_ws ws;
  sb_err err;
  if (!R || !d || !energy || m < 1 || n < 1 || n_rhs < 1)
    return SB_EINVAL;
  err = levinson_solve(R, m, n, 0.0, n_rhs, d, energy, &ws);
  levinson_free(&ws);
  return err;
}

/* The blocks of T as lag rows, t[(k m + k') (2 n - 1) + n - 1 + l] =
 * T[(k, a), (k', a + l)] for l = -(n - 1) .. n - 1 (R(l)[k][k'] for l >= 0,
 * R(-l)[k'][k] for l < 0), and their absolute values in abs_t: row (k, a)
 * of block (k, k') is then the contiguous range starting at n - 1 - a. */
static void lag_rows(const double *R, int m, int n, double *t, double *abs_t)
{
  const size_t w = 2 * (size_t)n - 1;
  for (int k = 0; k < m; k++)
    for (int kp = 0; kp < m; kp++) {
      double *row = t + ((size_t)k * m + kp) * w, *arow = abs_t + ((size_t)k * m + kp) * w;
      for (int l = 0; l < n; l++) {
        row[n - 1 + l] = R[((size_t)l * m + k) * m + kp];
        row[n - 1 - l] = R[((size_t)l * m + kp) * m + k];
      }
      for (size_t i = 0; i < w; i++)
        arow[i] = fabs(row[i]);
    }
}

/* r = b - (T + load I) x for the n_rhs columns (layout k n + a) and the
 * componentwise backward error of x (Oettli & Prager 1964, LAPACK dgerfs):
 * max_i |r_i| / ((|T| |x|)_i + |load x_i| + |b_i|).  absx holds m n
 * doubles. */
static double residual(const double *t, const double *abs_t, int m, int n, double load, int n_rhs,
                       const double *b, const double *x, double *r, double *absx)
{
  const size_t N = (size_t)m * n, w = 2 * (size_t)n - 1;
  double berr = 0.0;
  for (int c = 0; c < n_rhs; c++) {
    const double *xc = x + (size_t)c * N, *bc = b + (size_t)c * N;
    double *rc = r + (size_t)c * N;
    for (size_t i = 0; i < N; i++)
      absx[i] = fabs(xc[i]);
    for (int k = 0; k < m; k++)
      for (int a = 0; a < n; a++) {
        const size_t i = (size_t)k * n + a, off = (size_t)(n - 1 - a);
        double tx = 0.0, den = 0.0;
        for (int kp = 0; kp < m; kp++) {
          tx += dot(t + ((size_t)k * m + kp) * w + off, xc + (size_t)kp * n, (size_t)n);
          den += dot(abs_t + ((size_t)k * m + kp) * w + off, absx + (size_t)kp * n, (size_t)n);
        }
        rc[i] = bc[i] - tx - load * xc[i];
        den += fabs(load * xc[i]) + fabs(bc[i]);
        if (den > 0.0) {
          if (fabs(rc[i]) / den > berr)
            berr = fabs(rc[i]) / den;
        } else if (rc[i] != 0.0) {
          berr = INFINITY;
        }
      }
  }
  return berr;
}

/* One Levinson pass: x (layout k n + a) = T^{-1} d. */
static sb_err levinson_pass(const double *R, int m, int n, double load, int n_rhs, const double *d,
                            double *x)
{
  levinson_ws ws;
  sb_err err = levinson_solve(R, m, n, load, n_rhs, d, NULL, &ws);
  if (err == SB_OK)
    for (int c = 0; c < n_rhs; c++)
      for (int k = 0; k < m; k++)
        for (int a = 0; a < n; a++)
          x[(size_t)c * ws.len + (size_t)k * n + a] = ws.x[(size_t)c * ws.len + (size_t)a * m + k];
  levinson_free(&ws);
  return err;
}

sb_err sb_btoep_solve(const double *R, int m, int n, double load, int n_rhs, double *x)
{
  const size_t N = (size_t)m * n, cells = N * (size_t)n_rhs, w = 2 * (size_t)n - 1;
  double *sol = NULL, *r = NULL, *t = NULL, *abs_t = NULL, *absx = NULL;
  double berr, last = INFINITY;
  sb_err err;
  if (!R || !x || m < 1 || n < 1 || n_rhs < 1)
    return SB_EINVAL;
  sol = malloc(sizeof(double) * cells);
  r = malloc(sizeof(double) * cells);
  t = malloc(sizeof(double) * (size_t)m * m * w);
  abs_t = malloc(sizeof(double) * (size_t)m * m * w);
  absx = malloc(sizeof(double) * N);
  if (!sol || !r || !t || !abs_t || !absx) {
    err = SB_ENOMEM;
    goto done;
  }
  err = levinson_pass(R, m, n, load, n_rhs, x, sol);
  if (err != SB_OK)
    goto done;
  lag_rows(R, m, n, t, abs_t);
  /* Iterative refinement as LAPACK's dgerfs does it (at most REFINE_MAX
   * corrections, while the backward error exceeds the unit roundoff and
   * still halves): Levinson alone leaves residuals ~20x those of a dense
   * factorisation on the near-singular Gram matrices of band-limited
   * references, and SIR, SAR and ISR depend on the residual to first order. */
  for (int it = 0;; it++) {
    berr = residual(t, abs_t, m, n, load, n_rhs, x, sol, r, absx);
    if (!(berr > 0x1p-53 && 2.0 * berr <= last && it < REFINE_MAX))
      break;
    last = berr;
    err = levinson_pass(R, m, n, load, n_rhs, r, r);
    if (err != SB_OK)
      goto done;
    for (size_t i = 0; i < cells; i++)
      sol[i] += r[i];
  }
  if (!(berr <= LEVINSON_BERR_MAX)) {
    err = SB_ENUMERIC; /* the recursion is too inaccurate: the caller factorises */
    goto done;
  }
  memcpy(x, sol, sizeof(double) * cells);
done:
  free(sol);
  free(r);
  free(t);
  free(abs_t);
  free(absx);
  return err;
}
