/*
 * metrics/sasdr.c — SA-SDR and SI-SA-SDR (metrics/sasdr.h).
 */
#include <config.h>

#include "metrics/sasdr.h"

#include <math.h>
#include <stdlib.h>

#define CHUNK 4096
#define EPS 2.220446049250313e-16

/* The sums of one (reference, estimate) channel pair. */
typedef struct pair_sums {
  double ss, es, mean_s, mean_e;
} pair_sums;

/* Means of channel c of reference j and estimate e. */
static sb_err means(const sb_sources *ref, const sb_sources *est, int j, int e, int c, double *buf,
                    pair_sums *p)
{
  const double *s, *h;
  double ms = 0.0, me = 0.0;
  for (int64_t t0 = 0; t0 < ref->n_samples; t0 += CHUNK) {
    const int64_t n = ref->n_samples - t0 < CHUNK ? ref->n_samples - t0 : CHUNK;
    sb_err err = sb_sources_span(ref, j, c, t0, n, buf, &s);
    if (err || (err = sb_sources_span(est, e, c, t0, n, buf + CHUNK, &h)))
      return err;
    for (int64_t i = 0; i < n; i++) {
      ms += s[i];
      me += h[i];
    }
  }
  p->mean_s = ms / (double)ref->n_samples;
  p->mean_e = me / (double)ref->n_samples;
  return SB_OK;
}

/* Adds over one channel pair, the means removed: sum (a s)^2 to acc[0],
 * sum h s to acc[1], sum (a s - h)^2 to acc[2]. */
static sb_err pass(const sb_sources *ref, const sb_sources *est, int j, int e, int c, double *buf,
                   const pair_sums *p, double a, double acc[3])
{
  const double *s, *h;
  double ss = 0.0, es = 0.0, d = 0.0;
  for (int64_t t0 = 0; t0 < ref->n_samples; t0 += CHUNK) {
    const int64_t n = ref->n_samples - t0 < CHUNK ? ref->n_samples - t0 : CHUNK;
    sb_err err = sb_sources_span(ref, j, c, t0, n, buf, &s);
    if (err || (err = sb_sources_span(est, e, c, t0, n, buf + CHUNK, &h)))
      return err;
    for (int64_t i = 0; i < n; i++) {
      const double sv = a * (s[i] - p->mean_s), hv = h[i] - p->mean_e, r = sv - hv;
      ss += sv * sv;
      es += hv * sv;
      d += r * r;
    }
  }
  acc[0] += ss;
  acc[1] += es;
  acc[2] += d;
  return SB_OK;
}

sb_err sb_sasdr(const sb_sources *ref, const sb_sources *est, const int *perm, int zero_mean,
                sb_sasdr_values *out)
{
  double *buf = NULL, plain[3] = {0}, scaled[3] = {0}, a;
  pair_sums *p = NULL;
  sb_err err = SB_ENOMEM;
  if (!ref || !est || !out || !sb_sources_readable(ref) || !sb_sources_readable(est) ||
      ref->n_src != est->n_src || ref->n_chan != est->n_chan || ref->n_samples != est->n_samples ||
      ref->n_samples < 1)
    return SB_EINVAL;
  for (int j = 0; perm && j < ref->n_src; j++)
    if (perm[j] < 0 || perm[j] >= ref->n_src)
      return SB_EINVAL;
  out->sa_sdr = out->si_sa_sdr = NAN;
  buf = malloc(sizeof *buf * 2 * CHUNK);
  p = calloc((size_t)ref->n_src * (size_t)ref->n_chan, sizeof *p);
  if (!buf || !p)
    goto fail;
  for (int j = 0; j < ref->n_src; j++)
    for (int c = 0; c < ref->n_chan; c++) {
      const int e = perm ? perm[j] : j;
      if ((zero_mean && (err = means(ref, est, j, e, c, buf, p + j * ref->n_chan + c)) != SB_OK) ||
          (err = pass(ref, est, j, e, c, buf, p + j * ref->n_chan + c, 1.0, plain)) != SB_OK)
        goto fail;
    }
  a = (plain[1] + EPS) / (plain[0] + EPS);
  for (int j = 0; j < ref->n_src; j++)
    for (int c = 0; c < ref->n_chan; c++)
      if ((err = pass(ref, est, j, perm ? perm[j] : j, c, buf, p + j * ref->n_chan + c, a, scaled)) != SB_OK)
        goto fail;
  out->sa_sdr = 10.0 * log10((plain[0] + EPS) / (plain[2] + EPS));
  out->si_sa_sdr = 10.0 * log10((scaled[0] + EPS) / (scaled[2] + EPS));
  err = SB_OK;
fail:
  free(buf);
  free(p);
  return err;
}

sb_err sb_sasdr_arrays(const double *ref, const double *est, int n_src, int64_t n, int zero_mean,
                       sb_sasdr_values *out)
{
  const double **chan;
  sb_err err;
  if (!ref || !est || !out || n_src < 1 || n < 1)
    return SB_EINVAL;
  chan = malloc(sizeof *chan * 2 * (size_t)n_src);
  if (!chan)
    return SB_ENOMEM;
  for (int j = 0; j < n_src; j++) {
    chan[j] = ref + (size_t)j * (size_t)n;
    chan[n_src + j] = est + (size_t)j * (size_t)n;
  }
  err = sb_sasdr(&(sb_sources){n_src, 1, n, 1, chan, NULL, NULL},
                 &(sb_sources){n_src, 1, n, 1, chan + n_src, NULL, NULL}, NULL, zero_mean, out);
  free(chan);
  return err;
}
