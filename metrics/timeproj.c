/*
 * metrics/timeproj.c — whole-signal BSS Eval decomposition energies by
 * explicit time-domain projections (overlap-save FFT convolution); see
 * metrics/timeproj.h and shared/specs/bsseval.md §1.3.
 */
#include <config.h>

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftplan.h"
#include "common/first_error.h"
#include "metrics/timeproj.h"
#include "common/vectorize.h"

/* Memory for the filter spectra of one batch of estimates. */
#define BATCH_BYTES ((size_t)64 << 20)
/* Sums per estimate: ||e - P e||^2, ||P e||^2. */
#define N_SUM 2

typedef struct tp_ctx {
  const sb_sources *ref, *est;
  int L, m, I, nfft, nb, step;
  int nbs;                      /* stride of the spectra: nb rounded up to 4 (alignment) */
  int64_t T, n_out, n_block;
  fftw_plan fwd, inv;
  int n_est;                    /* estimates of the batch */
  const int *est_idx;           /* their source indices in est */
  const double *coef;           /* their filters, [((e I + c) m + k) L + a] */
  fftw_complex *u;              /* filter spectra, [((e I + c) m + k) nbs + f] */
  double *part;                 /* [(block n_est + e) N_SUM + q] */
} tp_ctx;

/* Per-thread buffers. */
typedef struct tp_buf {
  double *x, *y, *e, *scratch; /* x: the m reference inputs, nfft each */
  fftw_complex *spec, *acc;
} tp_buf;

static void tp_buf_free(tp_buf *w)
{
  fftw_free(w->x);
  fftw_free(w->y);
  fftw_free(w->spec);
  fftw_free(w->acc);
  free(w->e);
  free(w->scratch);
}

static int tp_buf_init(const tp_ctx *c, tp_buf *w)
{
  w->x = fftw_malloc(sizeof(double) * (size_t)c->nfft * (size_t)c->m);
  w->y = fftw_malloc(sizeof(double) * (size_t)c->nfft);
  w->spec = fftw_malloc(sizeof(fftw_complex) * (size_t)c->m * c->nbs);
  w->acc = fftw_malloc(sizeof(fftw_complex) * (size_t)c->nb);
  w->e = malloc(sizeof(double) * (size_t)c->step);
  w->scratch = malloc(sizeof(double) * (size_t)c->nfft);
  return w->x && w->y && w->spec && w->acc && w->e && w->scratch;
}

/* buf[i] = channel k of view v at t0 + i for i < n (zero outside [0, T)). */
static sb_err read_range(const sb_sources *v, int k, int64_t t0, int n, double *buf, double *scratch)
{
  int64_t a = t0 < 0 ? 0 : t0, b = t0 + n < v->n_samples ? t0 + n : v->n_samples;
  const double *x;
  sb_err err;
  memset(buf, 0, sizeof(double) * (size_t)n);
  if (b <= a)
    return SB_OK;
  err = sb_sources_span(v, k / v->n_chan, k % v->n_chan, a, b - a, scratch, &x);
  if (err == SB_OK)
    memcpy(buf + (a - t0), x, sizeof(double) * (size_t)(b - a));
  return err;
}

/* acc[f] = sum over k < n_k of h[k][f] s[k][f] (complex, interleaved,
 * spectra nbs apart), for f < nb. */
SB_CLONES
static void mac(const double *restrict h, const double *restrict s, int n_k, size_t nbs, int nb,
                double *restrict acc)
{
  SB_SIMD
  for (int f = 0; f < nb; f++) {
    double re = 0.0, im = 0.0;
    for (int k = 0; k < n_k; k++) {
      const double *hk = h + 2 * ((size_t)k * nbs + (size_t)f), *sk = s + 2 * ((size_t)k * nbs + (size_t)f);
      re += hk[0] * sk[0] - hk[1] * sk[1];
      im += hk[0] * sk[1] + hk[1] * sk[0];
    }
    acc[2 * f] = re;
    acc[2 * f + 1] = im;
  }
}

/* y = inverse FFT of sum over the m channels of u[k] spec[k] (unscaled:
 * nfft times the convolution). */
static void apply(const tp_ctx *c, tp_buf *w, const fftw_complex *u, double *y)
{
  mac((const double *)u, (const double *)w->spec, c->m, (size_t)c->nbs, c->nb, (double *)w->acc);
  fftw_execute_dft_c2r(c->inv, w->acc, y);
}

/* The sums of block b for every estimate of the batch. */
static sb_err block_sums(const tp_ctx *c, tp_buf *w, int64_t b)
{
  const int64_t o0 = b * c->step;
  const int len = (int)(o0 + c->step < c->n_out ? c->step : c->n_out - o0);
  const double scale = 1.0 / c->nfft;
  sb_err err = SB_OK;
  for (int k = 0; k < c->m && err == SB_OK; k++) {
    double *x = w->x + (size_t)k * c->nfft;
    err = read_range(c->ref, k, o0 - (c->L - 1), c->nfft, x, w->scratch);
    fftw_execute_dft_r2c(c->fwd, x, w->spec + (size_t)k * c->nbs);
  }
  for (int e = 0; e < c->n_est && err == SB_OK; e++) {
    double *sum = c->part + ((size_t)b * c->n_est + e) * N_SUM;
    sum[0] = sum[1] = 0.0;
    for (int ch = 0; ch < c->I && err == SB_OK; ch++) {
      err = read_range(c->est, c->est_idx[e] * c->I + ch, o0, len, w->e, w->scratch);
      if (err != SB_OK)
        break;
      apply(c, w, c->u + ((size_t)e * c->I + ch) * c->m * c->nbs, w->y);
      for (int i = 0; i < len; i++) {
        double p = w->y[c->L - 1 + i] * scale, r = w->e[i] - p;
        sum[0] += r * r;
        sum[1] += p * p;
      }
    }
  }
  return err;
}

/* Spectra of the filters of the batch. */
static sb_err batch_spectra(tp_ctx *c)
{
  double *buf = fftw_malloc(sizeof(double) * (size_t)c->nfft);
  if (!buf)
    return SB_ENOMEM;
  for (int i = 0; i < c->n_est * c->I * c->m; i++) {
    memset(buf, 0, sizeof(double) * (size_t)c->nfft);
    memcpy(buf, c->coef + (size_t)i * c->L, sizeof(double) * (size_t)c->L);
    fftw_execute_dft_r2c(c->fwd, buf, c->u + (size_t)i * c->nbs);
  }
  fftw_free(buf);
  return SB_OK;
}

static sb_err run_batch(tp_ctx *c, double *artif, double *proj)
{
  sb_err err = batch_spectra(c);
  if (err != SB_OK)
    return err;
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    tp_buf w;
    sb_err terr;
    memset(&w, 0, sizeof w);
    terr = tp_buf_init(c, &w) ? SB_OK : SB_ENOMEM;
    /* contiguous ranges of blocks per thread: a streamed view then decodes
     * every part of its files once */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int64_t b = 0; b < c->n_block; b++)
      if (terr == SB_OK)
        terr = block_sums(c, &w, b);
    sb_first_error_keep(&err, terr);
    tp_buf_free(&w);
  }
  if (err != SB_OK)
    return err;
  for (int e = 0; e < c->n_est; e++) {
    double s0 = 0.0, s1 = 0.0;
    for (int64_t b = 0; b < c->n_block; b++) {
      s0 += c->part[((size_t)b * c->n_est + e) * N_SUM];
      s1 += c->part[((size_t)b * c->n_est + e) * N_SUM + 1];
    }
    artif[e] = s0;
    proj[e] = s1;
  }
  return SB_OK;
}

static sb_err check_args(const sb_sources *ref, const sb_sources *est, int L, int n_est,
                         const int *est_idx, const double *coef, const double *artif,
                         const double *proj)
{
  if (!sb_sources_readable(ref) || !sb_sources_readable(est) || !est_idx || !coef || !artif ||
      !proj || n_est < 1 || L < 1 || L > 4096 || ref->n_chan != est->n_chan ||
      ref->n_samples != est->n_samples || ref->n_samples < 1)
    return SB_EINVAL;
  for (int e = 0; e < n_est; e++)
    if (est_idx[e] < 0 || est_idx[e] >= est->n_src)
      return SB_EINVAL;
  return SB_OK;
}

sb_err sb_timeproj_residual(const sb_sources *ref, const sb_sources *est, int L, int n_est,
                            const int *est_idx, const double *coef, double *artif, double *proj)
{
  tp_ctx c;
  double *buf = NULL;
  fftw_complex *spec = NULL;
  size_t per_est;
  int batch;
  sb_err err = check_args(ref, est, L, n_est, est_idx, coef, artif, proj);
  if (err != SB_OK)
    return err;
  memset(&c, 0, sizeof c);
  c.ref = ref;
  c.est = est;
  c.L = L;
  c.I = ref->n_chan;
  c.m = ref->n_src * ref->n_chan;
  c.T = ref->n_samples;
  c.nfft = 8192;
  while (c.nfft < 4 * L)
    c.nfft *= 2;
  c.nb = c.nfft / 2 + 1;
  c.nbs = (c.nb + 3) / 4 * 4;
  c.step = c.nfft - (L - 1);
  c.n_out = c.T + L - 1;
  c.n_block = (c.n_out + c.step - 1) / c.step;
  per_est = sizeof(fftw_complex) * (size_t)c.I * (size_t)c.m * (size_t)c.nbs;
  batch = BATCH_BYTES / per_est > 0 ? (int)(BATCH_BYTES / per_est) : 1;
  if (batch > n_est)
    batch = n_est;
  buf = fftw_malloc(sizeof(double) * (size_t)c.nfft);
  spec = fftw_malloc(sizeof(fftw_complex) * (size_t)c.nb);
  c.u = fftw_malloc(sizeof(fftw_complex) * (size_t)batch * c.I * c.m * c.nbs);
  c.part = malloc(sizeof(double) * (size_t)c.n_block * (size_t)batch * N_SUM);
  if (!buf || !spec || !c.u || !c.part) {
    err = SB_ENOMEM;
    goto done;
  }
  c.fwd = sb_fftplan_r2c(c.nfft, buf, spec, FFTW_ESTIMATE);
  c.inv = sb_fftplan_c2r(c.nfft, spec, buf, FFTW_ESTIMATE);
  if (!c.fwd || !c.inv) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int e0 = 0; e0 < n_est && err == SB_OK; e0 += batch) {
    c.n_est = n_est - e0 < batch ? n_est - e0 : batch;
    c.est_idx = est_idx + e0;
    c.coef = coef + (size_t)e0 * c.I * c.m * c.L;
    err = run_batch(&c, artif + e0, proj + e0);
  }
done:
  sb_fftplan_destroy(&c.fwd);
  sb_fftplan_destroy(&c.inv);
  fftw_free(buf);
  fftw_free(spec);
  fftw_free(c.u);
  free(c.part);
  return err;
}
