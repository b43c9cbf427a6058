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

/* What one walk over a channel pair adds up: with means the plain sums of
 * s and h; else, the means of p removed and s scaled by scale, sum (a s)^2,
 * sum h s and sum (a s - h)^2. */
typedef struct walk_sums {
  int means;
  const pair_sums *p;
  double scale;
  double sum[3];
} walk_sums;

static void add_chunk(const double *s, const double *h, int64_t n, walk_sums *w)
{
  if (w->means) {
    for (int64_t i = 0; i < n; i++) {
      w->sum[0] += s[i];
      w->sum[1] += h[i];
    }
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const double sv = w->scale * (s[i] - w->p->mean_s), hv = h[i] - w->p->mean_e, r = sv - hv;
    w->sum[0] += sv * sv;
    w->sum[1] += hv * sv;
    w->sum[2] += r * r;
  }
}

/* Walks channel c of reference j and estimate e in CHUNK pieces, in order. */
static sb_err walk(const sb_sources *ref, const sb_sources *est, int j, int e, int c, double *buf, walk_sums *w)
{
  const double *s, *h;
  for (int64_t t0 = 0; t0 < ref->n_samples; t0 += CHUNK) {
    const int64_t n = ref->n_samples - t0 < CHUNK ? ref->n_samples - t0 : CHUNK;
    sb_err err = sb_sources_span(ref, j, c, t0, n, buf, &s);
    if (err || (err = sb_sources_span(est, e, c, t0, n, buf + CHUNK, &h)))
      return err;
    add_chunk(s, h, n, w);
  }
  return SB_OK;
}

/* Means of channel c of reference j and estimate e. */
static sb_err means(const sb_sources *ref, const sb_sources *est, int j, int e, int c, double *buf,
                    pair_sums *p)
{
  walk_sums w = {1, p, 1.0, {0.0, 0.0, 0.0}};
  sb_err err = walk(ref, est, j, e, c, buf, &w);
  p->mean_s = w.sum[0] / (double)ref->n_samples;
  p->mean_e = w.sum[1] / (double)ref->n_samples;
  return err;
}

/* Adds over one channel pair, the means removed: sum (a s)^2 to acc[0],
 * sum h s to acc[1], sum (a s - h)^2 to acc[2]. */
static sb_err pass(const sb_sources *ref, const sb_sources *est, int j, int e, int c, double *buf,
                   const pair_sums *p, double a, double acc[3])
{
  walk_sums w = {0, p, a, {0.0, 0.0, 0.0}};
  sb_err err = walk(ref, est, j, e, c, buf, &w);
  for (int k = 0; !err && k < 3; k++)
    acc[k] += w.sum[k];
  return err;
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
