/*
 * metrics/diffmap.c — diffusion maps for the MAPSS measures; see
 * metrics/diffmap.h.  Follows metrics.py diffusion_map_torch of
 * Amir-Ivry/MAPSS-measures 3157d20a (eig_solver="full") in double
 * precision: Gram matrix by cblas_dsyrk, lower median by quickselect,
 * eigen-decomposition by LAPACK dsyevr (OpenBLAS).
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "metrics/diffmap.h"

void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t l_jobz, size_t l_range, size_t l_uplo);

void sb_diffmap_clear(sb_diffmap *dm)
{
  if (!dm)
    return;
  free(dm->lam);
  free(dm->degree);
  free(dm->coords);
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

sb_err sb_diffmap_compute(const double *points, size_t n_points, size_t dim,
                          const unsigned char *is_out, int v11, sb_diffmap *dm)
{
  sb_err err = SB_ENOMEM;
  size_t n = n_points, n_pairs, pos = 0;
  double *gram = NULL, *pairs = NULL, *z = NULL, *w = NULL, *work = NULL;
  int *iwork = NULL, *isuppz = NULL;

  if (!dm)
    return SB_EINVAL;
  sb_diffmap_clear(dm);
  if (!points || n < 3 || dim == 0 || n > 46340)
    return SB_EINVAL;
  for (size_t i = 0; i < n * dim; i++)
    if (!isfinite(points[i]))
      return SB_EINVAL;

  n_pairs = n * (n - 1) / 2;
  gram = malloc(n * n * sizeof *gram);
  pairs = malloc(n_pairs * sizeof *pairs);
  dm->degree = malloc(n * sizeof *dm->degree);
  dm->lam = malloc((n - 1) * sizeof *dm->lam);
  dm->coords = malloc(n * (n - 1) * sizeof *dm->coords);
  z = malloc(n * n * sizeof *z);
  w = malloc(n * sizeof *w);
  isuppz = malloc(2 * n * sizeof *isuppz);
  if (!gram || !pairs || !dm->degree || !dm->lam || !dm->coords || !z || !w || !isuppz)
    goto fail;

  /* Gram matrix (upper triangle of the row-major matrix = lower of the
   * column-major one), then squared distances |x_i|^2 + |x_j|^2 - 2 x_i.x_j
   * clamped at 0 (the reference's cdist formula), mirrored to full. */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)dim, 1.0, points, (int)dim,
              0.0, gram, (int)n);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      double d2 = gram[i * n + i] + gram[j * n + j] - 2.0 * gram[i * n + j];
      pairs[pos++] = d2 > 0.0 ? d2 : 0.0;
    }
  }
  pos = 0;
  for (size_t i = 0; i < n; i++) {
    gram[i * n + i] = 0.0;
    for (size_t j = i + 1; j < n; j++) {
      gram[i * n + j] = pairs[pos];
      gram[j * n + i] = pairs[pos];
      pos++;
    }
  }
  /* torch.median: the lower of the two middle elements. */
  dm->eps = select_kth(pairs, n_pairs, (n_pairs - 1) / 2);
  if (v11 && dm->eps < DBL_EPSILON)
    dm->eps = DBL_EPSILON;
  if (!(dm->eps > 0.0)) {
    err = SB_ENUMERIC;
    goto fail;
  }

  /* Kernel, alpha = 1 normalisation, symmetric normalisation. */
  {
    double scale = -1.0 / (2.0 * dm->eps);
    double *d = dm->degree;
    for (size_t i = 0; i < n; i++) {
      double sum = 0.0;
      for (size_t j = 0; j < n; j++) {
        double k = exp(gram[i * n + j] * scale);
        gram[i * n + j] = k;
        sum += k;
      }
      d[i] = 1.0 / sum;
    }
    for (size_t i = 0; i < n; i++) {
      double sum = 0.0;
      for (size_t j = 0; j < n; j++) {
        gram[i * n + j] *= d[i] * d[j];
        sum += gram[i * n + j];
      }
      w[i] = sum;
    }
    for (size_t i = 0; i < n; i++) {
      d[i] = w[i];
      w[i] = 1.0 / sqrt(w[i]);
    }
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++)
        gram[i * n + j] *= w[i] * w[j];
  }

  /* Eigen-decomposition (all pairs), ascending. */
  {
    int nn = (int)n, m_found = 0, info = 0, lwork = -1, liwork = -1, iwork_query = 0;
    double vl = 0.0, vu = 0.0, abstol = 0.0, work_query = 0.0;
    int il = 0, iu = 0;
    dsyevr_("V", "A", "U", &nn, gram, &nn, &vl, &vu, &il, &iu, &abstol, &m_found, w, z, &nn,
            isuppz, &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1, 1);
    if (info != 0) {
      err = SB_ENUMERIC;
      goto fail;
    }
    lwork = (int)work_query;
    liwork = iwork_query;
    work = malloc((size_t)lwork * sizeof *work);
    iwork = malloc((size_t)liwork * sizeof *iwork);
    if (!work || !iwork)
      goto fail;
    dsyevr_("V", "A", "U", &nn, gram, &nn, &vl, &vu, &il, &iu, &abstol, &m_found, w, z, &nn,
            isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
    if (info != 0 || m_found != nn) {
      err = SB_ENUMERIC;
      goto fail;
    }
  }

  /* Descending order without the trivial pair: lam_k = w[n-1-k]. */
  {
    size_t nc = n - 1, keep = 0;
    double total = 0.0, cum = 0.0;
    for (size_t k = 1; k < n; k++) {
      double lam = w[n - 1 - k];
      if (v11 && lam < 0.0)
        lam = 0.0;
      dm->lam[k - 1] = lam;
      total += lam;
    }
    for (size_t k = 0; k < nc; k++) {
      cum += dm->lam[k];
      if (cum / total < 0.99)
        keep++;
    }
    keep += 1;
    if (keep > nc)
      keep = nc;
    for (size_t i = 0; i < n; i++)
      for (size_t k = 1; k < n; k++)
        dm->coords[i * nc + (k - 1)] = z[i + (n - 1 - k) * n] * dm->lam[k - 1];
    dm->n_points = n;
    dm->n_coords = nc;
    dm->n_keep = keep;
  }

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
  free(gram);
  free(pairs);
  free(z);
  free(w);
  free(work);
  free(iwork);
  free(isuppz);
  if (err != SB_OK)
    sb_diffmap_clear(dm);
  return err;
}
