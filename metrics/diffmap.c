/*
 * metrics/diffmap.c — diffusion maps for the MAPSS measures; see
 * metrics/diffmap.h.  Follows metrics.py diffusion_map_torch of
 * Amir-Ivry/MAPSS-measures 3157d20a (eig_solver="full") in double
 * precision: Gram matrix by cblas_dsyrk, lower median by sampled selection,
 * Householder tridiagonalisation (dsytrd), eigenvalues by dsterf per
 * unreduced block, the leading eigenvectors of the tridiagonal matrix by
 * twisted factorisations (Fernando 1997; Parlett and Dhillon 1997, the
 * kernel of LAPACK's MRRR) or MRRR itself (dstemr), back-transformed by
 * dormtr (LAPACK through OpenBLAS).
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "metrics/diffmap.h"

void dsytrd_(const char *uplo, const int *n, double *a, const int *lda, double *d, double *e,
             double *tau, double *work, const int *lwork, int *info, size_t l_uplo);
void dsterf_(const int *n, double *d, double *e, int *info);
void dstemr_(const char *jobz, const char *range, const int *n, double *d, double *e,
             const double *vl, const double *vu, const int *il, const int *iu, int *m, double *w,
             double *z, const int *ldz, const int *nzc, int *isuppz, int *tryrac, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t l_jobz,
             size_t l_range);
void dormtr_(const char *side, const char *uplo, const char *trans, const int *m, const int *n,
             const double *a, const int *lda, const double *tau, double *c, const int *ldc,
             double *work, const int *lwork, int *info, size_t l_side, size_t l_uplo,
             size_t l_trans);

void sb_diffmap_clear(sb_diffmap *dm)
{
  if (!dm)
    return;
  free(dm->lam);
  free(dm->degree);
  free(dm->coords);
  free(dm->trivial);
  free(dm->kernel);
  memset(dm, 0, sizeof *dm);
}

/* k-th smallest of v[0..n-1] (0-based), reordering v: quickselect with a
 * median-of-three pivot and a three-way partition (O(n) expected). */
static double select_kth(double *v, size_t n, size_t k)
{
  size_t lo = 0, hi = n - 1;
  while (hi > lo) {
    double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
    double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    size_t lt = lo, i = lo, gt = hi;
    while (i <= gt) {
      double t = v[i];
      if (t < pivot) {
        v[i++] = v[lt];
        v[lt++] = t;
      } else if (t > pivot) {
        v[i] = v[gt];
        v[gt--] = t;
      } else {
        i++;
      }
    }
    if (k < lt)
      hi = lt - 1;
    else if (k > gt)
      lo = gt + 1;
    else
      return pivot;
  }
  return v[k];
}

/* k-th smallest of v[0..n-1] (v unchanged; buf has room for n values).
 * Floyd-Rivest style: two values bracketing rank k are taken from an evenly
 * spaced sample of 256, one branch-free pass counts the values below the
 * bracket and gathers those inside it, and only those are partitioned;
 * when the bracket misses rank k, the whole copy is.  Quickselect's
 * data-dependent branches cost ~10 ns per value on random data; the pass
 * costs ~1 ns. */
static double kth_smallest(const double *v, size_t n, size_t k, double *buf)
{
  enum { N_SAMPLE = 256, MARGIN = 24 };
  double sample[N_SAMPLE], lo, hi;
  size_t below = 0, inside = 0, r_lo, r_hi, r_k;
  if (n < 8 * N_SAMPLE) {
    memcpy(buf, v, n * sizeof *buf);
    return select_kth(buf, n, k);
  }
  for (size_t i = 0; i < N_SAMPLE; i++)
    sample[i] = v[(2 * i + 1) * n / (2 * N_SAMPLE)];
  r_k = k * N_SAMPLE / n;
  r_lo = r_k > MARGIN ? r_k - MARGIN : 0;
  r_hi = r_k + MARGIN < N_SAMPLE - 1 ? r_k + MARGIN : N_SAMPLE - 1;
  lo = select_kth(sample, N_SAMPLE, r_lo);
  hi = select_kth(sample, N_SAMPLE, r_hi);
  for (size_t i = 0; i < n; i++) {
    double x = v[i];
    below += x < lo;
    buf[inside] = x;
    inside += (x >= lo) & (x <= hi);
  }
  if (k >= below && k < below + inside)
    return select_kth(buf, inside, k - below);
  memcpy(buf, v, n * sizeof *buf);
  return select_kth(buf, n, k);
}

static int by_value_desc(const void *pa, const void *pb)
{
  double a = *(const double *)pa, b = *(const double *)pb;
  return a > b ? -1 : (a < b ? 1 : 0);
}

/* Workspace of the eigen-decomposition (n = N). */
typedef struct eig_work {
  double *a;      /* n * n: S, then dsytrd's reflectors */
  double *diag;   /* n */
  double *off;    /* n (the last entry is dstemr workspace) */
  double *tau;    /* 2 n: dsytrd's scalars, then dstemr's eigenvalues */
  double *tmp;    /* 2 n */
  double *eig;    /* n: every eigenvalue, descending */
  double *work;   /* lwork */
  int lwork;
  int *iwork;     /* 12 n */
  int *col_of;    /* n: column of z holding the eigenvector of rank k */
} eig_work;

/* Splits the tridiagonal matrix where the off-diagonal is negligible
 * (|e_j|^2 <= ulp^2 |d_j d_(j+1)| + safe minimum, the criterion of LAPACK's
 * bisection), computes each block's eigenvalues with dsterf and sorts all
 * of them descending into w->eig.  Returns the number of blocks, or -1. */
static int block_eigenvalues(int n, eig_work *w)
{
  const double ulp = DBL_EPSILON;
  int n_blocks = 0, start = 0;
  for (int j = 1; j <= n; j++) {
    if (j < n &&
        !(fabs(w->diag[j] * w->diag[j - 1]) * ulp * ulp + DBL_MIN > w->off[j - 1] * w->off[j - 1]))
      continue;
    {
      int len = j - start, info = 0;
      double *e = w->tmp;
      memcpy(w->eig + start, w->diag + start, (size_t)len * sizeof *w->eig);
      if (len > 1)
        memcpy(e, w->off + start, (size_t)(len - 1) * sizeof *e);
      dsterf_(&len, w->eig + start, e, &info);
      if (info != 0)
        return -1;
      n_blocks++;
      start = j;
    }
  }
  qsort(w->eig, (size_t)n, sizeof *w->eig, by_value_desc);
  return n_blocks;
}

/*
 * Eigenvector of the unreduced symmetric tridiagonal matrix T (diagonal d,
 * off-diagonal e, order n) for its eigenvalue lambda (known to ~ulp ||T||):
 * the twisted factorisation T - lambda I = N_r Delta_r N_r^T built from the
 * forward L D L^T and backward U D U^T factorisations, twisted at the index r
 * of the smallest |gamma_r|; z solves N_r^T z = e_r, so (T - lambda I) z =
 * gamma_r e_r (Fernando 1997; Parlett and Dhillon 1997).  z (n values) is
 * normalised; l, p, u are scratch of n values.  Returns the residual
 * ||(T - lambda I) z|| = |gamma_r| / ||N_r^-T e_r||.
 */
static double twisted_vector(int n, const double *d, const double *e, double lambda, double pivmin,
                             double *z, double *l, double *p, double *u)
{
  double q, best, norm = 0.0;
  int r = n - 1;
  p[0] = d[0] - lambda;
  if (fabs(p[0]) < pivmin)
    p[0] = -pivmin;
  for (int i = 0; i + 1 < n; i++) {
    l[i] = e[i] / p[i];
    p[i + 1] = d[i + 1] - lambda - l[i] * e[i];
    if (fabs(p[i + 1]) < pivmin)
      p[i + 1] = -pivmin;
  }
  q = d[n - 1] - lambda;
  if (fabs(q) < pivmin)
    q = -pivmin;
  best = fabs(p[n - 1]);
  for (int i = n - 2; i >= 0; i--) {
    double gamma;
    u[i] = e[i] / q;
    q = d[i] - lambda - u[i] * e[i];
    if (fabs(q) < pivmin)
      q = -pivmin;
    gamma = p[i] + q - (d[i] - lambda);
    if (fabs(gamma) < best) {
      best = fabs(gamma);
      r = i;
    }
  }
  z[r] = 1.0;
  for (int i = r - 1; i >= 0; i--)
    z[i] = -l[i] * z[i + 1];
  for (int i = r; i + 1 < n; i++)
    z[i + 1] = -u[i] * z[i];
  for (int i = 0; i < n; i++)
    norm += z[i] * z[i];
  norm = sqrt(norm);
  for (int i = 0; i < n; i++)
    z[i] /= norm;
  return best / norm;
}

/* Eigenvectors of the n_vec largest eigenvalues of the tridiagonal matrix
 * into z (column-major n x n_vec); w->col_of[rank] names the column.
 * One twisted factorisation per vector when the matrix is unreduced, at
 * most half of the spectrum is wanted and the wanted eigenvalues are apart
 * by more than 1e-7 ||T|| (then the vectors are orthogonal to ~1e-9 without
 * re-orthogonalisation), each residual checked; MRRR (dstemr) otherwise. */
static sb_err leading_vectors(int n, int n_vec, int n_blocks, eig_work *w, double *z)
{
  int info = 0;
  if (n_blocks == 1 && 2 * n_vec <= n) {
    double tnorm = 0.0, pivmin, max_res = 0.0, min_gap = INFINITY;
    for (int i = 0; i < n; i++) {
      double row = fabs(w->diag[i]) + (i > 0 ? fabs(w->off[i - 1]) : 0.0) +
                   (i + 1 < n ? fabs(w->off[i]) : 0.0);
      tnorm = row > tnorm ? row : tnorm;
    }
    pivmin = DBL_MIN * (tnorm * tnorm > 1.0 ? tnorm * tnorm : 1.0);
    for (int j = 0; j + 1 < n_vec + (n_vec < n); j++)
      if (w->eig[j] - w->eig[j + 1] < min_gap)
        min_gap = w->eig[j] - w->eig[j + 1];
    if (min_gap > 1e-7 * tnorm) {
      for (int j = 0; j < n_vec; j++) {
        double res = twisted_vector(n, w->diag, w->off, w->eig[j], pivmin, z + (size_t)j * n,
                                    w->tmp, w->tmp + n, w->work);
        max_res = res > max_res ? res : max_res;
        w->col_of[j] = j;
      }
      if (max_res <= 8.0 * n * DBL_EPSILON * tnorm)
        return SB_OK;
    }
  }
  {
    int m_found = 0, il = n - n_vec + 1, iu = n, tryrac = 1, liwork = 10 * n;
    double vl = 0.0, vu = 0.0, *d = w->tmp, *e = w->tmp + n;
    memcpy(d, w->diag, (size_t)n * sizeof *d);
    memcpy(e, w->off, (size_t)n * sizeof *e);
    dstemr_("V", "I", &n, d, e, &vl, &vu, &il, &iu, &m_found, w->tau + n, z, &n, &n_vec,
            w->iwork + 10 * n, &tryrac, w->work, &w->lwork, w->iwork, &liwork, &info, 1, 1);
    if (info != 0 || m_found != n_vec)
      return SB_ENUMERIC;
    for (int j = 0; j < n_vec; j++)
      w->col_of[n_vec - 1 - j] = j;
  }
  return SB_OK;
}

static double dot_n(const double *x, const double *y, int n)
{
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    sum += x[i] * y[i];
  return sum;
}

/* x -= (x . u) u for the unit vector u. */
static void project_out(double *x, const double *u, int n)
{
  double c = dot_n(x, u, n);
  for (int i = 0; i < n; i++)
    x[i] -= c * u[i];
}

/* Eigenvalues within this distance of the trivial one (= 1) are taken as
 * degenerate with it; further away, the computed vectors mix with the
 * trivial one by an angle of at most ~ulp / gap, below 1e-7. */
#define TRIVIAL_GAP 1e-8

/*
 * Makes the split between the trivial and the leading non-trivial
 * eigenvectors canonical where they are degenerate (a point set in
 * several groups whose kernel between groups underflows: the graph has
 * several components).  S's trivial eigenvector is known in closed form,
 * u = sqrt(d) / ||sqrt(d)|| (S sqrt(d) = sqrt(d) for the degrees d of S's
 * kernel), but an eigen-solver returns an arbitrary orthonormal basis of a
 * degenerate eigenspace, and which of its vectors is dropped as trivial
 * then follows the last bits of the solver: with other BLAS kernels a
 * retained coordinate moved by O(1) and PS by 1e-4.  Here the trivial
 * column becomes u and the cluster's other columns an orthonormal basis
 * of u's complement in the eigenspace (Gram-Schmidt with pivoting on the
 * projections), unique up to rotations among retained coordinates of
 * equal eigenvalue, which leave the MAPSS distances unchanged.  Without a
 * degeneracy (the usual case) nothing changes.  z: column-major n x n_vec
 * in S's basis; w->tmp is scratch.
 */
static void canonical_trivial(int n, int n_vec, const double *degree, eig_work *w, double *z)
{
  int n_clu = 1;
  double *u = w->tmp, norm = 0.0;
  while (n_clu < n_vec && w->eig[0] - w->eig[n_clu] <= TRIVIAL_GAP)
    n_clu++;
  if (n_clu == 1)
    return;
  for (int i = 0; i < n; i++) {
    u[i] = sqrt(degree[i]);
    norm += degree[i];
  }
  for (int i = 0; i < n; i++)
    u[i] /= sqrt(norm);
  for (int r = 0; r < n_clu; r++)
    project_out(z + (size_t)w->col_of[r] * n, u, n);
  /* Ranks 1 .. n_clu - 1 take the largest remaining projection in turn;
   * the last column left over becomes u (rank 0). */
  for (int k = 1; k < n_clu; k++) {
    int best = k - 1;
    double best_norm = -1.0;
    for (int r = k - 1; r < n_clu; r++) {
      double nr = dot_n(z + (size_t)w->col_of[r] * n, z + (size_t)w->col_of[r] * n, n);
      if (nr > best_norm) {
        best_norm = nr;
        best = r;
      }
    }
    {
      int col = w->col_of[best];
      double *v = z + (size_t)col * n, scale = 1.0 / sqrt(best_norm);
      w->col_of[best] = w->col_of[k - 1];
      w->col_of[k - 1] = col;
      for (int i = 0; i < n; i++)
        v[i] *= scale;
      for (int r = k; r < n_clu; r++)
        project_out(z + (size_t)w->col_of[r] * n, v, n);
    }
  }
  /* col_of[0 .. n_clu - 2] now hold the basis and col_of[n_clu - 1] the
   * remainder: rotate so that the remainder is rank 0 and holds u. */
  {
    int rest = w->col_of[n_clu - 1];
    memmove(w->col_of + 1, w->col_of, (size_t)(n_clu - 1) * sizeof *w->col_of);
    w->col_of[0] = rest;
    memcpy(z + (size_t)rest * n, u, (size_t)n * sizeof *u);
  }
}

static void eig_work_free(eig_work *w)
{
  free(w->a);
  free(w->diag);
  free(w->off);
  free(w->tau);
  free(w->tmp);
  free(w->work);
  free(w->iwork);
  free(w->eig);
  free(w->col_of);
}

static sb_err eig_work_alloc(int n, eig_work *w)
{
  int info = 0, lwork = -1, nn = n;
  double query = 0.0, query2 = 0.0;
  memset(w, 0, sizeof *w);
  w->a = malloc((size_t)n * n * sizeof *w->a);
  w->diag = malloc((size_t)n * sizeof *w->diag);
  w->off = malloc((size_t)n * sizeof *w->off);
  w->tau = malloc(2 * (size_t)n * sizeof *w->tau);
  w->tmp = malloc(2 * (size_t)n * sizeof *w->tmp);
  w->eig = malloc((size_t)n * sizeof *w->eig);
  w->iwork = malloc(12 * (size_t)n * sizeof *w->iwork);
  w->col_of = malloc((size_t)n * sizeof *w->col_of);
  if (!w->a || !w->diag || !w->off || !w->tau || !w->tmp || !w->eig || !w->iwork || !w->col_of)
    return SB_ENOMEM;
  /* Workspace: the larger of dsytrd's and dormtr's optimum and dstemr's
   * 18 n (n of it is scratch of the twisted factorisations). */
  dsytrd_("L", &nn, w->a, &nn, w->diag, w->off, w->tau, &query, &lwork, &info, 1);
  dormtr_("L", "L", "N", &nn, &nn, w->a, &nn, w->tau, w->a, &nn, &query2, &lwork, &info, 1, 1, 1);
  if (query2 > query)
    query = query2;
  w->lwork = (int)query > 18 * n ? (int)query : 18 * n;
  if (!(w->work = malloc((size_t)w->lwork * sizeof *w->work)))
    return SB_ENOMEM;
  return SB_OK;
}

/* Squared distances of the points (Gram matrix in the upper triangle of
 * the row-major s, then |x_i|^2 + |x_j|^2 - 2 x_i.x_j clamped at 0, the
 * reference's cdist formula, in its place; the diagonal stays readable
 * until its row is done) and their median, dm->eps (torch.median: the
 * lower of the two middle elements; at least DBL_EPSILON with v11).
 * pairs and sel_buf hold n (n - 1) / 2 values.  SB_ENUMERIC when the
 * median is not positive. */
static sb_err squared_distances(const double *points, size_t n, size_t dim, int v11, double *s, double *pairs,
                                double *sel_buf, sb_diffmap *dm)
{
  size_t n_pairs = n * (n - 1) / 2, pos = 0;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)dim, 1.0, points, (int)dim, 0.0, s, (int)n);
  for (size_t i = 0; i < n; i++) {
    double g_ii = s[i * n + i];
    for (size_t j = i + 1; j < n; j++) {
      double d2 = g_ii + s[j * n + j] - 2.0 * s[i * n + j];
      d2 = d2 > 0.0 ? d2 : 0.0;
      s[i * n + j] = d2;
      pairs[pos++] = d2;
    }
  }
  dm->eps = kth_smallest(pairs, n_pairs, (n_pairs - 1) / 2, sel_buf);
  if (v11 && dm->eps < DBL_EPSILON)
    dm->eps = DBL_EPSILON;
  return dm->eps > 0.0 ? SB_OK : SB_ENUMERIC;
}

/* The kernel in place of the distances (one exp per pair), its alpha = 1
 * normalisation, then the symmetric normalisation: s becomes S, d the
 * degrees of the alpha-normalised kernel; inv_sqrt is n scratch. */
static void normalised_kernel(double *s, size_t n, double eps, double *d, double *inv_sqrt)
{
  double scale = -1.0 / (2.0 * eps);
  for (size_t i = 0; i < n; i++) {
    s[i * n + i] = 1.0;
    for (size_t j = i + 1; j < n; j++) {
      double k = exp(s[i * n + j] * scale);
      s[i * n + j] = k;
      s[j * n + i] = k;
    }
  }
  for (size_t i = 0; i < n; i++) {
    double sum = 0.0;
    for (size_t j = 0; j < n; j++)
      sum += s[i * n + j];
    d[i] = 1.0 / sum;
  }
  for (size_t i = 0; i < n; i++) {
    double sum = 0.0, di = d[i];
    double *row = s + i * n;
    for (size_t j = 0; j < n; j++) {
      row[j] *= di * d[j];
      sum += row[j];
    }
    inv_sqrt[i] = sum;
  }
  for (size_t i = 0; i < n; i++) {
    d[i] = inv_sqrt[i];
    inv_sqrt[i] = 1.0 / sqrt(inv_sqrt[i]);
  }
  for (size_t i = 0; i < n; i++) {
    double *row = s + i * n, wi = inv_sqrt[i];
    for (size_t j = 0; j < n; j++)
      row[j] *= wi * inv_sqrt[j];
  }
}

/* The non-trivial eigenvalues w->eig[1..n) into dm->lam (clamped at 0
 * with v11) and the number of coordinates kept: those before 99 % of
 * their sum, plus one, at most n - 1. */
static size_t retained_count(size_t n, int v11, const eig_work *w, sb_diffmap *dm)
{
  double total = 0.0, cum = 0.0;
  size_t keep = 0;
  for (size_t k = 1; k < n; k++) {
    double lam = w->eig[k];
    if (v11 && lam < 0.0)
      lam = 0.0;
    dm->lam[k - 1] = lam;
    total += lam;
  }
  for (size_t k = 0; k < n - 1; k++) {
    cum += dm->lam[k];
    if (cum / total < 0.99)
      keep++;
  }
  keep += 1;
  return keep > n - 1 ? n - 1 : keep;
}

/* The trivial and the keep retained eigenvectors (in S's basis, back from
 * the tridiagonal one) scaled by their eigenvalues into dm. */
static sb_err retained_vectors(int nn, size_t keep, int n_blocks, eig_work *w, sb_diffmap *dm)
{
  size_t n = (size_t)nn;
  int n_vec = (int)keep + 1, info = 0;
  double *z = malloc(n * (size_t)n_vec * sizeof *z);
  sb_err err = SB_ENOMEM;
  if (!z || !(dm->coords = malloc(n * keep * sizeof *dm->coords)))
    goto done;
  if ((err = leading_vectors(nn, n_vec, n_blocks, w, z)))
    goto done;
  dormtr_("L", "L", "N", &nn, &n_vec, w->a, &nn, w->tau, z, &nn, w->work, &w->lwork, &info, 1, 1, 1);
  if (info != 0) {
    err = SB_ENUMERIC;
    goto done;
  }
  canonical_trivial(nn, n_vec, dm->degree, w, z);
  for (size_t i = 0; i < n; i++) {
    dm->trivial[i] = z[i + (size_t)w->col_of[0] * n] * w->eig[0];
    for (size_t k = 1; k <= keep; k++)
      dm->coords[i * keep + (k - 1)] = z[i + (size_t)w->col_of[k] * n] * dm->lam[k - 1];
  }
  dm->n_points = n;
  dm->n_coords = n - 1;
  dm->n_keep = keep;
  err = SB_OK;
done:
  free(z);
  return err;
}

sb_err sb_diffmap_compute(const double *points, size_t n_points, size_t dim,
                          const unsigned char *is_out, int v11, sb_diffmap *dm)
{
  sb_err err = SB_ENOMEM;
  size_t n = n_points, n_pairs;
  double *s = NULL, *pairs = NULL, *sel_buf = NULL;
  eig_work w;
  int nn = (int)n, info = 0, n_blocks = 0;

  memset(&w, 0, sizeof w);
  if (!dm)
    return SB_EINVAL;
  sb_diffmap_clear(dm);
  if (!points || n < 3 || dim == 0 || n > 46340)
    return SB_EINVAL;
  for (size_t i = 0; i < n * dim; i++)
    if (!isfinite(points[i]))
      return SB_EINVAL;

  n_pairs = n * (n - 1) / 2;
  dm->kernel = s = malloc(n * n * sizeof *s);
  pairs = malloc(n_pairs * sizeof *pairs);
  sel_buf = malloc(n_pairs * sizeof *sel_buf);
  dm->degree = malloc(n * sizeof *dm->degree);
  dm->lam = malloc((n - 1) * sizeof *dm->lam);
  dm->trivial = malloc(n * sizeof *dm->trivial);
  if (!s || !pairs || !sel_buf || !dm->degree || !dm->lam || !dm->trivial)
    goto fail;
  if ((err = eig_work_alloc(nn, &w)))
    goto fail;
  if ((err = squared_distances(points, n, dim, v11, s, pairs, sel_buf, dm)))
    goto fail;
  normalised_kernel(s, n, dm->eps, dm->degree, w.tmp);

  /* Tridiagonal form and every eigenvalue, descending. */
  memcpy(w.a, s, n * n * sizeof *s);
  dsytrd_("L", &nn, w.a, &nn, w.diag, w.off, w.tau, w.work, &w.lwork, &info, 1);
  if (info != 0 || (n_blocks = block_eigenvalues(nn, &w)) < 0) {
    err = SB_ENUMERIC;
    goto fail;
  }
  if ((err = retained_vectors(nn, retained_count(n, v11, &w, dm), n_blocks, &w, dm)))
    goto fail;

  /* c_val over the non-output points. */
  {
    double d_min = INFINITY, d_sum = 0.0;
    for (size_t i = 0; i < n; i++) {
      if (is_out && is_out[i])
        continue;
      if (dm->degree[i] < d_min)
        d_min = dm->degree[i];
      d_sum += dm->degree[i];
    }
    dm->c_val = d_sum > 0.0 ? dm->lam[0] / sqrt(d_min / d_sum) / log(2.0) : NAN;
  }
  err = SB_OK;

fail:
  free(pairs);
  free(sel_buf);
  eig_work_free(&w);
  if (err != SB_OK)
    sb_diffmap_clear(dm);
  return err;
}

sb_err sb_diffmap_rest_gram(const sb_diffmap *dm, const size_t *idx, size_t n_idx, double *gram)
{
  size_t n, keep;
  double *rows, *head;
  if (!dm || !idx || !gram || !dm->kernel || n_idx == 0)
    return SB_EINVAL;
  n = dm->n_points;
  keep = dm->n_keep;
  for (size_t a = 0; a < n_idx; a++)
    if (idx[a] >= n)
      return SB_EINVAL;
  rows = malloc(n_idx * n * sizeof *rows);
  head = malloc(n_idx * (keep + 1) * sizeof *head);
  if (!rows || !head) {
    free(rows);
    free(head);
    return SB_ENOMEM;
  }
  for (size_t a = 0; a < n_idx; a++) {
    memcpy(rows + a * n, dm->kernel + idx[a] * n, n * sizeof *rows);
    head[a * (keep + 1)] = dm->trivial[idx[a]];
    memcpy(head + a * (keep + 1) + 1, dm->coords + idx[a] * keep, keep * sizeof *head);
  }
  /* (S^2)_ab = S_a . S_b (S symmetric), minus the leading terms. */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n_idx, (int)n, 1.0, rows, (int)n, 0.0,
              gram, (int)n_idx);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n_idx, (int)keep + 1, -1.0, head,
              (int)keep + 1, 1.0, gram, (int)n_idx);
  for (size_t a = 0; a < n_idx; a++)
    for (size_t b = 0; b < a; b++)
      gram[a * n_idx + b] = gram[b * n_idx + a];
  free(rows);
  free(head);
  return SB_OK;
}
