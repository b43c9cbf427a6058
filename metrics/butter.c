/*
 * metrics/butter.c — Butterworth design and (zero-phase) filtering
 * following scipy.signal (butter -> buttap, lp2lp_zpk / lp2hp_zpk /
 * lp2bp_zpk, bilinear_zpk, zpk2tf; lfilter; lfilter_zi; filtfilt); see
 * metrics/butter.h.
 *
 * The recursions are latency-bound (one dependency chain through the
 * state per sample); the batch functions interleave up to 8 independent
 * chains (filters of one signal, or signals through one filter) sample by
 * sample so that they fill the vector units, with unchanged arithmetic.
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/butter.h"
#include "common/vectorize.h"

/* Filters (or signals) run side by side, one per vector lane, by the
 * batch entry points; every lane does exactly the scalar arithmetic. */
enum { LANES = SB_BUTTER_MAX_BATCH, MAX_STATE = 2 * SB_BUTTER_MAX_ORDER };

/* Polynomial with the given roots, highest power first (numpy.poly). */
static void poly_from_roots(const double complex *roots, size_t n, double complex *c)
{
  c[0] = 1.0;
  for (size_t i = 1; i <= n; i++)
    c[i] = 0.0;
  for (size_t k = 0; k < n; k++)
    for (size_t i = k + 1; i >= 1; i--)
      c[i] -= roots[k] * c[i - 1];
}

sb_err sb_butter_design(int order, sb_butter_type type, double w_lo, double w_hi, sb_butter *out)
{
  double complex p[2 * SB_BUTTER_MAX_ORDER], z[2 * SB_BUTTER_MAX_ORDER];
  double complex cb[2 * SB_BUTTER_MAX_ORDER + 1], ca[2 * SB_BUTTER_MAX_ORDER + 1];
  double complex num = 1.0, den = 1.0;
  size_t n_p = 0, n_z = 0;
  double k = 1.0, fs2 = 4.0;

  if (!out || order < 1 || order > SB_BUTTER_MAX_ORDER || !(w_lo > 0.0 && w_lo < 1.0))
    return SB_EINVAL;
  if (type == SB_BUTTER_BANDPASS && !(w_hi > w_lo && w_hi < 1.0))
    return SB_EINVAL;

  /* Analog prototype: p = -exp(i pi m / (2 N)), m = -N+1, -N+3, ..., N-1. */
  for (int m = -order + 1; m < order; m += 2)
    p[n_p++] = -cexp(I * M_PI * m / (2.0 * order));

  if (type == SB_BUTTER_LOWPASS || type == SB_BUTTER_HIGHPASS) {
    double wo = fs2 * tan(M_PI * w_lo / 2.0);
    if (type == SB_BUTTER_LOWPASS) {
      for (size_t i = 0; i < n_p; i++)
        p[i] *= wo;
      k = pow(wo, (double)n_p);
    } else {
      double complex prod_p = 1.0;
      for (size_t i = 0; i < n_p; i++)
        prod_p *= -p[i];
      k = creal(1.0 / prod_p);
      for (size_t i = 0; i < n_p; i++)
        p[i] = wo / p[i];
      for (size_t i = 0; i < n_p; i++)
        z[n_z++] = 0.0;
    }
  } else {
    double w1 = fs2 * tan(M_PI * w_lo / 2.0), w2 = fs2 * tan(M_PI * w_hi / 2.0);
    double wo = sqrt(w1 * w2), bw = w2 - w1;
    size_t n0 = n_p;
    for (size_t i = 0; i < n0; i++) {
      double complex pl = p[i] * bw / 2.0, root = csqrt(pl * pl - wo * wo);
      p[i] = pl + root;
      p[n0 + i] = pl - root;
    }
    n_p = 2 * n0;
    for (size_t i = 0; i < n0; i++)
      z[n_z++] = 0.0;
    k = pow(bw, (double)n0);
  }

  /* Bilinear transform with fs = 2 (fs2 = 2 fs). */
  for (size_t i = 0; i < n_z; i++) {
    num *= fs2 - z[i];
    z[i] = (fs2 + z[i]) / (fs2 - z[i]);
  }
  for (size_t i = 0; i < n_p; i++) {
    den *= fs2 - p[i];
    p[i] = (fs2 + p[i]) / (fs2 - p[i]);
  }
  while (n_z < n_p)
    z[n_z++] = -1.0;
  k *= creal(num / den);

  poly_from_roots(z, n_z, cb);
  poly_from_roots(p, n_p, ca);
  out->n_coef = n_p + 1;
  for (size_t i = 0; i <= n_p; i++) {
    out->b[i] = k * creal(cb[i]);
    out->a[i] = creal(ca[i]);
  }
  return SB_OK;
}

/* Direct form II transposed with state zi (n_coef - 1 values, updated). */
static void lfilter_state(const sb_butter *f, const double *x, double *y, size_t n, double *zi)
{
  size_t order = f->n_coef - 1;
  const double *b = f->b, *a = f->a;
  for (size_t t = 0; t < n; t++) {
    double xv = x[t], yv = b[0] * xv + zi[0];
    for (size_t i = 0; i + 1 < order; i++)
      zi[i] = b[i + 1] * xv + zi[i + 1] - a[i + 1] * yv;
    zi[order - 1] = b[order] * xv - a[order] * yv;
    y[t] = yv;
  }
}

sb_err sb_butter_lfilter(const sb_butter *f, const double *x, double *y, size_t n)
{
  double zi[2 * SB_BUTTER_MAX_ORDER] = {0};
  if (!f || (!x && n) || (!y && n) || f->n_coef < 2)
    return SB_EINVAL;
  lfilter_state(f, x, y, n, zi);
  return SB_OK;
}

/* scipy.signal.lfilter_zi: solve (I - companion(a)^T) zi = b[1:] - a[1:] b[0]
 * by Gaussian elimination with partial pivoting. */
static sb_err lfilter_zi(const sb_butter *f, double *zi)
{
  enum { MAXN = 2 * SB_BUTTER_MAX_ORDER };
  size_t n = f->n_coef - 1;
  double m[MAXN][MAXN + 1];
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++)
      m[i][j] = (i == j) ? 1.0 : 0.0;
    /* companion(a): row 0 = -a[1:], subdiagonal ones; its transpose:
     * column 0 = -a[1:], superdiagonal ones. */
    m[i][0] -= -f->a[i + 1];
    if (i + 1 < n)
      m[i][i + 1] -= 1.0;
    m[i][n] = f->b[i + 1] - f->a[i + 1] * f->b[0];
  }
  for (size_t c = 0; c < n; c++) {
    size_t piv = c;
    for (size_t r = c + 1; r < n; r++)
      if (fabs(m[r][c]) > fabs(m[piv][c]))
        piv = r;
    if (m[piv][c] == 0.0)
      return SB_ENUMERIC;
    if (piv != c)
      for (size_t j = 0; j <= n; j++) {
        double t = m[c][j];
        m[c][j] = m[piv][j];
        m[piv][j] = t;
      }
    for (size_t r = c + 1; r < n; r++) {
      double g = m[r][c] / m[c][c];
      for (size_t j = c; j <= n; j++)
        m[r][j] -= g * m[c][j];
    }
  }
  for (size_t c = n; c-- > 0;) {
    double s = m[c][n];
    for (size_t j = c + 1; j < n; j++)
      s -= m[c][j] * zi[j];
    zi[c] = s / m[c][c];
  }
  return SB_OK;
}

sb_err sb_butter_filtfilt(const sb_butter *f, const double *x, double *y, size_t n)
{
  sb_err err;
  size_t edge, len;
  double zi[2 * SB_BUTTER_MAX_ORDER], state[2 * SB_BUTTER_MAX_ORDER], *ext;

  if (!f || !x || !y || f->n_coef < 2)
    return SB_EINVAL;
  edge = 3 * f->n_coef;
  if (n <= edge)
    return SB_ELENGTH;
  if ((err = lfilter_zi(f, zi)))
    return err;
  len = n + 2 * edge;
  if (!(ext = malloc(len * sizeof *ext)))
    return SB_ENOMEM;
  /* Odd extension: 2 x[0] - x[edge..1], x, 2 x[n-1] - x[n-2..n-1-edge]. */
  for (size_t i = 0; i < edge; i++)
    ext[i] = 2.0 * x[0] - x[edge - i];
  memcpy(ext + edge, x, n * sizeof *x);
  for (size_t i = 0; i < edge; i++)
    ext[edge + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];

  for (size_t i = 0; i + 1 < f->n_coef; i++)
    state[i] = zi[i] * ext[0];
  lfilter_state(f, ext, ext, len, state);
  /* Backward pass on the reversed signal. */
  for (size_t i = 0, j = len - 1; i < j; i++, j--) {
    double t = ext[i];
    ext[i] = ext[j];
    ext[j] = t;
  }
  for (size_t i = 0; i + 1 < f->n_coef; i++)
    state[i] = zi[i] * ext[0];
  lfilter_state(f, ext, ext, len, state);
  for (size_t i = 0; i < n; i++)
    y[i] = ext[len - 1 - edge - i];
  free(ext);
  return SB_OK;
}

/* lfilter_state on LANES interleaved chains (sample t of lane l at
 * x[t LANES + l]) with per-lane coefficients b[i][l], a[i][l] and states
 * zi[i][l], all of n_coef - 1 = order; x and y may be the same array. */
SB_CLONES
static void lfilter_lanes(const double (*restrict b)[LANES], const double (*restrict a)[LANES],
                          size_t order, const double *x, double *y, size_t n,
                          double (*restrict zi)[LANES])
{
  for (size_t t = 0; t < n; t++) {
    double xv[LANES], yv[LANES];
    SB_SIMD
    for (int l = 0; l < LANES; l++) {
      xv[l] = x[t * LANES + l];
      yv[l] = b[0][l] * xv[l] + zi[0][l];
    }
    for (size_t i = 0; i + 1 < order; i++) {
      SB_SIMD
      for (int l = 0; l < LANES; l++)
        zi[i][l] = b[i + 1][l] * xv[l] + zi[i + 1][l] - a[i + 1][l] * yv[l];
    }
    SB_SIMD
    for (int l = 0; l < LANES; l++) {
      zi[order - 1][l] = b[order][l] * xv[l] - a[order][l] * yv[l];
      y[t * LANES + l] = yv[l];
    }
  }
}

/* Coefficients of n_filt filters (the last repeated in unused lanes) in
 * lane layout. */
static void lane_coefs(const sb_butter *filters, size_t n_filt, double (*b)[LANES],
                       double (*a)[LANES])
{
  for (size_t i = 0; i < filters[0].n_coef; i++)
    for (size_t l = 0; l < LANES; l++) {
      const sb_butter *f = &filters[l < n_filt ? l : n_filt - 1];
      b[i][l] = f->b[i];
      a[i][l] = f->a[i];
    }
}

sb_err sb_butter_lfilter_rows(const sb_butter *f, double *data, size_t n_sig, size_t stride,
                              size_t n)
{
  double b[MAX_STATE + 1][LANES], a[MAX_STATE + 1][LANES], *il;
  if (!f || f->n_coef < 2 || f->n_coef > MAX_STATE + 1 || (!data && n_sig && n) ||
      (n_sig > 1 && stride < n))
    return SB_EINVAL;
  if (!n_sig || !n)
    return SB_OK;
  if (!(il = malloc(n * LANES * sizeof *il)))
    return SB_ENOMEM;
  lane_coefs(f, 1, b, a);
  for (size_t first = 0; first < n_sig; first += LANES) {
    size_t n_lanes = n_sig - first < LANES ? n_sig - first : LANES;
    double zi[MAX_STATE][LANES] = {{0}};
    for (size_t t = 0; t < n; t++)
      for (size_t l = 0; l < LANES; l++)
        il[t * LANES + l] = l < n_lanes ? data[(first + l) * stride + t] : 0.0;
    lfilter_lanes((const double (*)[LANES])b, (const double (*)[LANES])a, f->n_coef - 1, il, il,
                  n, zi);
    for (size_t l = 0; l < n_lanes; l++)
      for (size_t t = 0; t < n; t++)
        data[(first + l) * stride + t] = il[t * LANES + l];
  }
  free(il);
  return SB_OK;
}

sb_err sb_butter_filtfilt_many(const sb_butter *filters, size_t n_filt, const double *x,
                               double *const *y, size_t n)
{
  double b[MAX_STATE + 1][LANES], a[MAX_STATE + 1][LANES], zi[MAX_STATE][LANES];
  double state[MAX_STATE][LANES], *ext;
  size_t order, edge, len;
  sb_err err;

  if (!filters || !x || !y || n_filt == 0 || n_filt > LANES || filters[0].n_coef < 2 ||
      filters[0].n_coef > MAX_STATE + 1)
    return SB_EINVAL;
  for (size_t f = 0; f < n_filt; f++)
    if (filters[f].n_coef != filters[0].n_coef || !y[f])
      return SB_EINVAL;
  order = filters[0].n_coef - 1;
  edge = 3 * filters[0].n_coef;
  if (n <= edge)
    return SB_ELENGTH;
  for (size_t l = 0; l < LANES; l++) {
    double z[MAX_STATE];
    if ((err = lfilter_zi(&filters[l < n_filt ? l : n_filt - 1], z)))
      return err;
    for (size_t i = 0; i < order; i++)
      zi[i][l] = z[i];
  }
  lane_coefs(filters, n_filt, b, a);
  len = n + 2 * edge;
  if (!(ext = malloc(len * LANES * sizeof *ext)))
    return SB_ENOMEM;
  /* Every lane starts from the same odd extension of x. */
  for (size_t i = 0; i < len; i++) {
    double v = i < edge ? 2.0 * x[0] - x[edge - i]
                        : (i < edge + n ? x[i - edge] : 2.0 * x[n - 1] - x[n - 2 - (i - edge - n)]);
    for (size_t l = 0; l < LANES; l++)
      ext[i * LANES + l] = v;
  }
  for (size_t i = 0; i < order; i++)
    for (size_t l = 0; l < LANES; l++)
      state[i][l] = zi[i][l] * ext[l];
  lfilter_lanes((const double (*)[LANES])b, (const double (*)[LANES])a, order, ext, ext, len,
                state);
  /* Backward pass on the reversed outputs. */
  for (size_t i = 0, j = len - 1; i < j; i++, j--)
    for (size_t l = 0; l < LANES; l++) {
      double t = ext[i * LANES + l];
      ext[i * LANES + l] = ext[j * LANES + l];
      ext[j * LANES + l] = t;
    }
  for (size_t i = 0; i < order; i++)
    for (size_t l = 0; l < LANES; l++)
      state[i][l] = zi[i][l] * ext[l];
  lfilter_lanes((const double (*)[LANES])b, (const double (*)[LANES])a, order, ext, ext, len,
                state);
  for (size_t f = 0; f < n_filt; f++)
    for (size_t i = 0; i < n; i++)
      y[f][i] = ext[(len - 1 - edge - i) * LANES + f];
  free(ext);
  return SB_OK;
}
