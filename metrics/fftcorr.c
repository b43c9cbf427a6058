/*
 * metrics/fftcorr.c — short-lag cross-correlations by block FFTs
 * (overlap-save); see metrics/fftcorr.h.
 *
 * Block b covers x samples [p, p + B) with B = N - 2 max_lag; its y window
 * is [p - max_lag, p + B + max_lag), so the circular correlation of the two
 * N-point buffers holds the lags -max_lag..max_lag without wrap-around.
 * Cross-spectra are summed over blocks (split real/imaginary arrays, a
 * vectorised loop) and inverted once per pair.  Plans are made with
 * FFTW_ESTIMATE so that results do not depend on timing.
 */
#include <config.h>

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftplan.h"
#include "metrics/fftcorr.h"
#include "common/vectorize.h"

/* One FFT size with its plans. */
typedef struct corr_plan {
  int n_fft;
  int n_bin;         /* n_fft / 2 + 1 */
  fftw_plan forward; /* r2c, n_fft points */
  fftw_plan inverse; /* c2r, n_fft points */
} corr_plan;

struct sb_fftcorr {
  int max_lag;
  corr_plan big;   /* for long ranges */
  corr_plan small; /* for ranges of at most max_lag + 1 samples */
};

static int pow2_at_least(int64_t n)
{
  int p = 1;
  while (p < n)
    p *= 2;
  return p;
}

static sb_err plan_make(corr_plan *p, int n_fft)
{
  double *buf = fftw_malloc(sizeof(double) * (size_t)n_fft);
  fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * (size_t)(n_fft / 2 + 1));
  sb_err err = SB_OK;
  p->n_fft = n_fft;
  p->n_bin = n_fft / 2 + 1;
  if (!buf || !spec) {
    err = SB_ENOMEM;
    goto done;
  }
  p->forward = sb_fftplan_r2c(n_fft, buf, spec, FFTW_ESTIMATE);
  p->inverse = sb_fftplan_c2r(n_fft, spec, buf, FFTW_ESTIMATE);
  if (!p->forward || !p->inverse)
    err = SB_ENOMEM;
done:
  fftw_free(buf);
  fftw_free(spec);
  return err;
}

static void plan_destroy(corr_plan *p)
{
  sb_fftplan_destroy(&p->forward);
  sb_fftplan_destroy(&p->inverse);
}

sb_err sb_fftcorr_new(int max_lag, sb_fftcorr **out)
{
  sb_fftcorr *c;
  sb_err err;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (max_lag < 0 || max_lag > (1 << 20))
    return SB_EINVAL;
  c = calloc(1, sizeof *c);
  if (!c)
    return SB_ENOMEM;
  c->max_lag = max_lag;
  {
    int n_big = pow2_at_least(8 * (2 * (int64_t)max_lag + 1));
    int n_small = pow2_at_least(3 * (int64_t)max_lag + 2);
    if (n_big < 1024)
      n_big = 1024;
    if (n_small < 64)
      n_small = 64;
    err = plan_make(&c->big, n_big);
    if (err == SB_OK)
      err = plan_make(&c->small, n_small);
  }
  if (err != SB_OK) {
    sb_fftcorr_free(&c);
    return err;
  }
  *out = c;
  return SB_OK;
}

/* acc += conj(x) y over n bins, spectra split into real and imaginary
 * arrays so that the loop vectorises. */
SB_CLONES
static void cross_acc(int n, const double *restrict xr, const double *restrict xi,
                      const double *restrict yr, const double *restrict yi, double *restrict ar,
                      double *restrict ai)
{
  SB_SIMD
  for (int f = 0; f < n; f++) {
    ar[f] += xr[f] * yr[f] + xi[f] * yi[f];
    ai[f] += xr[f] * yi[f] - xi[f] * yr[f];
  }
}

/* Splits an FFTW half spectrum into re[0..n) and im[0..n). */
static void split(const fftw_complex *z, int n, double *re, double *im)
{
  for (int f = 0; f < n; f++) {
    re[f] = z[f][0];
    im[f] = z[f][1];
  }
}

/* Loads channel idx of s over [start, start + len) clipped to [lo, hi)
 * into dst[a - start ..) and zeroes the rest of dst[0, n). */
static sb_err load_range(double *dst, int n, const sb_sources *s, int idx, int64_t start,
                         int64_t len, int64_t lo, int64_t hi)
{
  int64_t a = start > lo ? start : lo;
  int64_t b = start + len < hi ? start + len : hi;
  memset(dst, 0, sizeof(double) * (size_t)n);
  if (b <= a)
    return SB_OK;
  return sb_sources_copy(s, idx / s->n_chan, idx % s->n_chan, a, b - a, dst + (a - start));
}

sb_err sb_fftcorr_add(const sb_fftcorr *c, const sb_sources *xs, int n_x, const int *x,
                      int64_t x0, int64_t x1, const sb_sources *ys, int n_y, const int *y,
                      int64_t y0, int64_t y1, int sym, double *out)
{
  const corr_plan *pl;
  int ml, n_lag, block, n_pair, nb;
  double *buf = NULL, *xspec = NULL, *yspec = NULL, *acc = NULL;
  fftw_complex *spec = NULL;
  sb_err err = SB_OK;

  if (!c || !xs || !ys || !x || !y || !out || n_x < 1 || n_y < 1 || (sym && n_x != n_y))
    return SB_EINVAL;
  if (x0 < y0 - c->max_lag)
    x0 = y0 - c->max_lag;
  if (x1 > y1 + c->max_lag)
    x1 = y1 + c->max_lag;
  if (x1 <= x0 || y1 <= y0)
    return SB_OK;
  ml = c->max_lag;
  n_lag = 2 * ml + 1;
  pl = (x1 - x0) + 2 * (int64_t)ml <= c->small.n_fft ? &c->small : &c->big;
  block = pl->n_fft - 2 * ml;
  n_pair = n_x * n_y;
  nb = pl->n_bin;

  buf = fftw_malloc(sizeof(double) * (size_t)pl->n_fft);
  spec = fftw_malloc(sizeof(fftw_complex) * (size_t)nb);
  xspec = malloc(sizeof(double) * 2 * (size_t)nb * (size_t)n_x);
  yspec = malloc(sizeof(double) * 2 * (size_t)nb * (size_t)n_y);
  acc = calloc(2 * (size_t)nb * (size_t)n_pair, sizeof(double));
  if (!buf || !spec || !xspec || !yspec || !acc) {
    err = SB_ENOMEM;
    goto done;
  }

  /* spectra as rows [re | im] of 2 nb doubles */
  for (int64_t p = x0; p < x1 && err == SB_OK; p += block) {
    int64_t len = x1 - p < block ? x1 - p : block;
    for (int i = 0; i < n_x && err == SB_OK; i++) {
      double *row = xspec + 2 * (size_t)i * nb;
      err = load_range(buf, pl->n_fft, xs, x[i], p, len, x0, x1);
      fftw_execute_dft_r2c(pl->forward, buf, spec);
      split(spec, nb, row, row + nb);
    }
    for (int j = 0; j < n_y && err == SB_OK; j++) {
      double *row = yspec + 2 * (size_t)j * nb;
      err = load_range(buf, pl->n_fft, ys, y[j], p - ml, len + 2 * (int64_t)ml, y0, y1);
      fftw_execute_dft_r2c(pl->forward, buf, spec);
      split(spec, nb, row, row + nb);
    }
    if (err != SB_OK)
      break;
    for (int i = 0; i < n_x; i++) {
      const double *xi = xspec + 2 * (size_t)i * nb;
      for (int j = sym ? i : 0; j < n_y; j++) {
        const double *yj = yspec + 2 * (size_t)j * nb;
        double *a = acc + 2 * (size_t)(i * n_y + j) * nb;
        cross_acc(nb, xi, xi + nb, yj, yj + nb, a, a + nb);
      }
    }
  }

  if (err == SB_OK) {
    double scale = 1.0 / pl->n_fft;
    for (int i = 0; i < n_x; i++) {
      for (int j = sym ? i : 0; j < n_y; j++) {
        double *o = out + (size_t)(i * n_y + j) * n_lag;
        const double *a = acc + 2 * (size_t)(i * n_y + j) * nb;
        for (int f = 0; f < nb; f++) {
          spec[f][0] = a[f];
          spec[f][1] = a[nb + f];
        }
        fftw_execute_dft_c2r(pl->inverse, spec, buf);
        /* buf[k] holds lag k - ml */
        for (int k = 0; k < n_lag; k++)
          o[k] += buf[k] * scale;
        if (sym && j != i) {
          double *t = out + (size_t)(j * n_y + i) * n_lag;
          for (int k = 0; k < n_lag; k++)
            t[k] += buf[n_lag - 1 - k] * scale;
        }
      }
    }
  }

done:
  fftw_free(buf);
  fftw_free(spec);
  free(xspec);
  free(yspec);
  free(acc);
  return err;
}

void sb_fftcorr_free(sb_fftcorr **c)
{
  if (!c || !*c)
    return;
  plan_destroy(&(*c)->big);
  plan_destroy(&(*c)->small);
  free(*c);
  *c = NULL;
}
