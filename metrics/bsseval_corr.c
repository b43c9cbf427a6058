/*
 * metrics/bsseval_corr.c — the correlations and Gram systems of BSS Eval
 * (metrics/bsseval_parts.h): correlations over the whole track in
 * parallel chunks and cut to every frame (with the whole-track sum
 * assembled from the frames when they do not overlap), the reference
 * channels that enter a system, and its solution by block Levinson or
 * the dense factorisation (metrics/blocktoeplitz.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "common/first_error.h"
#include "metrics/blocktoeplitz.h"
#include "metrics/bsseval_parts.h"

/* Length of the pieces of a whole-track correlation computed in parallel. */
#define CHUNK_LEN ((int64_t)1 << 18)

/* R[(l m + k) m + k'] = sum_t s_k[t + l] s_k'[t] from fftcorr's symmetric
 * output r_ij[l] = sum_n x_i[n] x_j[n + l] (R(l)[k][k'] = r_k'k[l]). */
void sb_bss_corr_to_R(const double *corr, int m, int L, double *R)
{
  int n_lag = 2 * L - 1;
  for (int l = 0; l < L; l++)
    for (int k = 0; k < m; k++)
      for (int kp = 0; kp < m; kp++)
        R[((size_t)l * m + k) * m + kp] = corr[((size_t)kp * m + k) * n_lag + l + L - 1];
}

/* *zero = 1 when channel idx of s is 0 over [t0, t1). */
static sb_err is_zero_range(const sb_sources *s, int idx, int64_t t0, int64_t t1, double *scratch,
                            int *zero)
{
  *zero = 1;
  for (int64_t a = t0; a < t1 && *zero; a += SB_SPAN_MAX) {
    int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
    const double *x;
    sb_err err = sb_sources_span(s, idx / s->n_chan, idx % s->n_chan, a, n, scratch, &x);
    if (err != SB_OK)
      return err;
    for (int64_t t = 0; t < n && *zero; t++)
      *zero = x[t] == 0.0;
  }
  return SB_OK;
}

/* *same = 1 when channels i and j of s are equal over [t0, t1). */
static sb_err same_range(const sb_sources *s, int i, int j, int64_t t0, int64_t t1,
                         double *scratch, int *same)
{
  *same = 1;
  if (i == j || (s->chan && s->chan[i] == s->chan[j]))
    return SB_OK;
  for (int64_t a = t0; a < t1 && *same; a += SB_SPAN_MAX) {
    int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
    const double *x, *y;
    sb_err err = sb_sources_span(s, i / s->n_chan, i % s->n_chan, a, n, scratch, &x);
    if (err == SB_OK)
      err = sb_sources_span(s, j / s->n_chan, j % s->n_chan, a, n, scratch + SB_SPAN_MAX, &y);
    if (err != SB_OK)
      return err;
    for (int64_t t = 0; t < n && *same; t++)
      *same = x[t] == y[t];
  }
  return SB_OK;
}

/* Chooses the channels of cand[0..n_cand) that enter a system over
 * [t0, t1): not all zero and not a copy of an earlier kept channel.
 * scratch holds 2 SB_SPAN_MAX doubles. */
sb_err sb_bss_select_channels(const sb_sources *s, const int *cand, int n_cand, int64_t t0,
                              int64_t t1, double *scratch, int *keep, int *n_keep)
{
  sb_err err = SB_OK;
  *n_keep = 0;
  for (int i = 0; i < n_cand && err == SB_OK; i++) {
    int dup;
    err = is_zero_range(s, cand[i], t0, t1, scratch, &dup);
    for (int j = 0; j < *n_keep && !dup && err == SB_OK; j++)
      err = same_range(s, keep[j], cand[i], t0, t1, scratch, &dup);
    if (!dup)
      keep[(*n_keep)++] = cand[i];
  }
  return err;
}

/* R restricted to the kept channels. */
double *sb_bss_sub_R(const double *R, int m, int L, const int *keep, int n_keep)
{
  double *s = malloc(sizeof(double) * (size_t)L * n_keep * n_keep);
  if (!s)
    return NULL;
  for (int l = 0; l < L; l++)
    for (int a = 0; a < n_keep; a++)
      for (int c = 0; c < n_keep; c++)
        s[((size_t)l * n_keep + a) * n_keep + c] = R[((size_t)l * m + keep[a]) * m + keep[c]];
  return s;
}

/* Right-hand sides of a system: column y of the correlations
 * corr[(k n_y + y) n_lag + lag] (lags 0..L-1) for the kept channels. */
void sb_bss_fill_rhs(const double *corr, int n_y, int n_lag, int L, const int *keep, int n_keep,
                     const int *cols, int n_cols, double *rhs)
{
  for (int c = 0; c < n_cols; c++)
    for (int a = 0; a < n_keep; a++) {
      const double *src = corr + ((size_t)keep[a] * n_y + cols[c]) * n_lag + (L - 1);
      memcpy(rhs + ((size_t)c * n_keep + a) * L, src, sizeof(double) * (size_t)L);
    }
}

sb_err sb_bss_gram_build(gram_sys *g, const sb_sources *s, const double *R, int m, int L,
                             const int *cand, int n_cand, int64_t t0, int64_t t1, double load,
                             double *scratch)
{
  sb_err err = sb_bss_select_channels(s, cand, n_cand, t0, t1, scratch, g->keep, &g->n_keep);
  g->load = load;
  g->R = NULL;
  if (err != SB_OK)
    return err;
  if (g->n_keep == 0)
    return SB_OK;
  g->R = sb_bss_sub_R(R, m, L, g->keep, g->n_keep);
  return g->R ? SB_OK : SB_ENOMEM;
}

/* Solves the system for n_rhs columns in place: block Levinson, or when it
 * breaks down the dense factorisation (Cholesky, LU, least squares). */
sb_err sb_bss_gram_solve(const gram_sys *g, int L, int n_rhs, double *rhs)
{
  sb_gram_factor *f = NULL;
  sb_err err = sb_btoep_solve(g->R, g->n_keep, L, g->load, n_rhs, rhs);
  if (err != SB_ENUMERIC)
    return err;
  err = sb_gram_factor_new(g->R, g->n_keep, L, g->load, &f);
  if (err == SB_OK)
    err = sb_gram_factor_solve(f, n_rhs, rhs);
  sb_gram_factor_free(&f);
  return err;
}

/* Sum over a partition of [0, T) into chunks of r_ij (x against y over the
 * whole signal), computed in parallel and added in chunk order. */
sb_err sb_bss_corr_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x,
                         const sb_sources *ys, int n_y, const int *y, int sym, double *out)
{
  int64_t n_chunk = (b->T + CHUNK_LEN - 1) / CHUNK_LEN;
  size_t size = (size_t)n_x * n_y * b->n_lag;
  double *part = calloc((size_t)n_chunk * size, sizeof(double));
  sb_err err = SB_OK;
  if (!part)
    return SB_ENOMEM;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (int64_t c = 0; c < n_chunk; c++) {
    int64_t t0 = c * CHUNK_LEN, t1 = t0 + CHUNK_LEN < b->T ? t0 + CHUNK_LEN : b->T;
    sb_err e = sb_fftcorr_add(b->fc, xs, n_x, x, t0, t1, ys, n_y, y, 0, b->T, sym,
                              part + (size_t)c * size);
    sb_first_error_keep(&err, e);
  }
  memset(out, 0, sizeof(double) * size);
  for (int64_t c = 0; c < n_chunk; c++)
    for (size_t i = 0; i < size; i++)
      out[i] += part[(size_t)c * size + i];
  free(part);
  return err;
}

/* Frames evaluated in groups of this many per task, so that sums over the
 * track are added in an order that does not depend on the threads. */
#define FRAME_GROUP 8

/* Correlations of x against y cut to every frame (given to sink), and with
 * whole != NULL their sum over the whole track [0, T).  When the frames do
 * not overlap, the whole-track sum is assembled from the frame results:
 * whole = sum over frames of (cut + the pairs that cross the frame's edges,
 * y within max_lag outside it) + the samples outside every frame, which
 * is exact and saves a second pass over the track. */
sb_err sb_bss_frames_and_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x,
                               const sb_sources *ys, int n_y, const int *y, int sym,
                               frame_sink sink, void *ctx, double *whole)
{
  const size_t size = (size_t)n_x * n_y * b->n_lag;
  const int ml = b->L - 1;
  const int partition = whole && b->hop >= b->win;
  const int64_t n_group = (b->n_frames + FRAME_GROUP - 1) / FRAME_GROUP;
  double *acc = partition ? calloc((size_t)n_group * size, sizeof(double)) : NULL;
  sb_err err = SB_OK;

  if (partition && !acc)
    return SB_ENOMEM;
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    double *buf = malloc(sizeof(double) * size);
    sb_err terr = buf ? SB_OK : SB_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t g = 0; g < n_group; g++) {
      for (int64_t k = g * FRAME_GROUP; k < (g + 1) * FRAME_GROUP && k < b->n_frames; k++) {
        int64_t t0, t1;
        double *a = partition ? acc + (size_t)g * size : NULL;
        if (terr != SB_OK)
          break;
        sb_bss_frame_bounds(b, k, &t0, &t1);
        memset(buf, 0, sizeof(double) * size);
        terr = sb_fftcorr_add(b->fc, xs, n_x, x, t0, t1, ys, n_y, y, t0, t1, sym, buf);
        if (terr != SB_OK)
          break;
        sink(ctx, k, buf);
        if (!a)
          continue;
        for (size_t i = 0; i < size; i++)
          a[i] += buf[i];
        memset(buf, 0, sizeof(double) * size);
        terr = sb_fftcorr_add(b->fc, xs, n_x, x, t0, t1, ys, n_y, y,
                              t0 - ml > 0 ? t0 - ml : 0, t0, 0, buf);
        if (terr == SB_OK)
          terr = sb_fftcorr_add(b->fc, xs, n_x, x, t0, t1, ys, n_y, y, t1,
                                t1 + ml < b->T ? t1 + ml : b->T, 0, buf);
        if (terr != SB_OK)
          break;
        for (size_t i = 0; i < size; i++)
          a[i] += buf[i];
      }
    }
    sb_first_error_keep(&err, terr);
    free(buf);
  }
  if (err == SB_OK && whole && !partition)
    err = sb_bss_corr_whole(b, xs, n_x, x, ys, n_y, y, sym, whole);
  if (err == SB_OK && partition) {
    memset(whole, 0, sizeof(double) * size);
    for (int64_t g = 0; g < n_group; g++)
      for (size_t i = 0; i < size; i++)
        whole[i] += acc[(size_t)g * size + i];
    /* samples outside every frame: the gaps (hop > win) and the tail */
    for (int64_t k = 0; k < b->n_frames && err == SB_OK; k++) {
      int64_t t0, t1, next;
      sb_bss_frame_bounds(b, k, &t0, &t1);
      next = k + 1 < b->n_frames ? (k + 1) * b->hop : b->T;
      if (next > t1)
        err = sb_fftcorr_add(b->fc, xs, n_x, x, t1, next, ys, n_y, y, 0, b->T, 0, whole);
    }
  }
  free(acc);
  return err;
}

