/*
 * metrics/bsseval.c — BSS Eval v3/v4 images and sources criteria; see
 * metrics/bsseval.h and shared/specs/bsseval.md §1-§2.
 *
 * Reference behaviour: museval 0.4.1 metrics.bss_eval (v4: whole-track
 * filters C = (G + eps I)^{-1} D applied to the frames of the references,
 * refs cut to the frame before filtering) and mir_eval.separation
 * bss_eval_images / bss_eval_images_framewise (v3: filters per frame, no
 * eps), after Vincent, Gribonval & Févotte, IEEE TASLP 14(4), 2006.
 *
 * Notation inside functions follows the paper and the spec: J sources, I
 * channels, m = J I reference channels, L taps, s the target image, e the
 * estimate, p = P e (all sources), q = P_j e (target source only).
 *
 * "Filter mode" (v4 framewise, and the whole signal in v3 or v4): the
 * filters come from the whole track; in a frame [t0, t1) with references
 * cut to the frame, every energy of museval's decomposition
 *     ||e_spat||^2 = ||q - s||^2, ||e_interf||^2 = ||p - q||^2,
 *     ||e_artif||^2 = ||e||^2 - 2 <e, p> + ||p||^2, ||q||^2, ||p||^2
 * is a quadratic form u^T T_frame u of a coefficient vector u (C, Cj,
 * C - Cj, Cj - delta) with the frame's block-Toeplitz Gram matrix T_frame,
 * or a dot product with the frame's correlations D_frame.  The quadratic
 * forms are evaluated exactly through the circulant embedding of each
 * Toeplitz block (size n_fft2 >= 2L - 1): u^T T v = (1/N) sum_f E(f) U(f)
 * conj(V(f)).
 *
 * "Frame-filter mode" (v3 framewise): inside each frame the projections are
 * orthogonal, so ||p||^2 = D^T G^{-1} D and ||q||^2 = D_j^T G_j^{-1} D_j
 * (spec §1.4b), obtained by block Levinson without forming any filter.
 *
 * Workload: 4 stereo sources, 512 taps, 3-10 min at 44.1 kHz, 1-s frames;
 * frames run in parallel (OpenMP), each writing only its own outputs, so
 * results do not depend on the number of threads.
 */
#include <config.h>

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/blocktoeplitz.h"
#include "metrics/bsseval.h"
#include "metrics/fftcorr.h"
#include "metrics/timeproj.h"

/* museval's regularisation: np.finfo(float).eps, absolute (spec §1.2). */
#define MUSEVAL_EPS 2.220446049250313e-16
/* Length of the pieces of a whole-track correlation computed in parallel. */
#define CHUNK_LEN ((int64_t)1 << 18)

/* A whole-track Gram system over a subset of the reference channels. */
typedef struct gram_sys {
  int n_keep;   /* channels kept (0: nothing to project on) */
  int keep[64]; /* their indices, ascending */
  double *R;    /* R restricted to them (L n_keep^2), NULL when n_keep == 0 */
  double load;  /* added to the diagonal (museval's eps in v4) */
} gram_sys;

struct sb_bsseval {
  sb_bss_opts opts;
  int n_src, n_chan, m, L, n_lag; /* J, I, J I, taps, 2 L - 1 */
  int64_t T;
  sb_sources ref;                 /* the references' view; channel k = j I + c */
  int *ref_idx;                   /* 0 .. m - 1 */
  int whole;                      /* one frame = [0, T) */
  int frame_filters;              /* v3 framewise */
  int64_t n_frames, win, hop;
  sb_fftcorr *fc;
  double *R_whole;                /* L m m: R(l)[k][k'] over [0, T) (filter mode) */
  double *R_frame;                /* n_frames L m m (framewise modes) */
  gram_sys all;                   /* filter mode: every source */
  gram_sys *src;                  /* filter mode: one per source */
  int n_fft2, n_bin2;             /* quadratic forms */
  fftw_plan plan2;                /* r2c of n_fft2 points */
};

/* ------------------------------------------------------------------ helpers */

/* 10 log10(num / den) with numpy's conventions (spec §1.4 _safe_db). */
static double safe_db(double num, double den)
{
  if (den < 0.0)
    den = 0.0;
  if (num < 0.0)
    num = 0.0;
  if (den == 0.0)
    return INFINITY;
  return 10.0 * log10(num / den);
}

static void frame_bounds(const sb_bsseval *b, int64_t k, int64_t *t0, int64_t *t1)
{
  if (b->whole) {
    *t0 = 0;
    *t1 = b->T;
    return;
  }
  *t0 = k * b->hop;
  *t1 = *t0 + b->win < b->T ? *t0 + b->win : b->T;
}

/* R[(l m + k) m + k'] = sum_t s_k[t + l] s_k'[t] from fftcorr's symmetric
 * output r_ij[l] = sum_n x_i[n] x_j[n + l] (R(l)[k][k'] = r_k'k[l]). */
static void corr_to_R(const double *corr, int m, int L, double *R)
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
static sb_err select_channels(const sb_sources *s, const int *cand, int n_cand, int64_t t0,
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
static double *sub_R(const double *R, int m, int L, const int *keep, int n_keep)
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
static void fill_rhs(const double *corr, int n_y, int n_lag, int L, const int *keep, int n_keep,
                     const int *cols, int n_cols, double *rhs)
{
  for (int c = 0; c < n_cols; c++)
    for (int a = 0; a < n_keep; a++) {
      const double *src = corr + ((size_t)keep[a] * n_y + cols[c]) * n_lag + (L - 1);
      memcpy(rhs + ((size_t)c * n_keep + a) * L, src, sizeof(double) * (size_t)L);
    }
}

static sb_err gram_sys_build(gram_sys *g, const sb_sources *s, const double *R, int m, int L,
                             const int *cand, int n_cand, int64_t t0, int64_t t1, double load,
                             double *scratch)
{
  sb_err err = select_channels(s, cand, n_cand, t0, t1, scratch, g->keep, &g->n_keep);
  g->load = load;
  g->R = NULL;
  if (err != SB_OK)
    return err;
  if (g->n_keep == 0)
    return SB_OK;
  g->R = sub_R(R, m, L, g->keep, g->n_keep);
  return g->R ? SB_OK : SB_ENOMEM;
}

/* Solves the system for n_rhs columns in place: block Levinson, or when it
 * breaks down the dense factorisation (Cholesky, LU, least squares). */
static sb_err gram_sys_solve(const gram_sys *g, int L, int n_rhs, double *rhs)
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
static sb_err corr_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x,
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
    if (e != SB_OK) {
#ifdef _OPENMP
#pragma omp critical(sb_bsseval_err)
#endif
      err = e;
    }
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

/* Receives the correlations of frame k (x and y cut to the frame). */
typedef void (*frame_sink)(void *ctx, int64_t k, const double *corr);

/* Correlations of x against y cut to every frame (given to sink), and with
 * whole != NULL their sum over the whole track [0, T).  When the frames do
 * not overlap, the whole-track sum is assembled from the frame results:
 * whole = sum over frames of (cut + the pairs that cross the frame's edges,
 * y within max_lag outside it) + the samples outside every frame, which
 * is exact and saves a second pass over the track. */
static sb_err frames_and_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x,
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
        frame_bounds(b, k, &t0, &t1);
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
    if (terr != SB_OK) {
#ifdef _OPENMP
#pragma omp critical(sb_bsseval_err)
#endif
      err = terr;
    }
    free(buf);
  }
  if (err == SB_OK && whole && !partition)
    err = corr_whole(b, xs, n_x, x, ys, n_y, y, sym, whole);
  if (err == SB_OK && partition) {
    memset(whole, 0, sizeof(double) * size);
    for (int64_t g = 0; g < n_group; g++)
      for (size_t i = 0; i < size; i++)
        whole[i] += acc[(size_t)g * size + i];
    /* samples outside every frame: the gaps (hop > win) and the tail */
    for (int64_t k = 0; k < b->n_frames && err == SB_OK; k++) {
      int64_t t0, t1, next;
      frame_bounds(b, k, &t0, &t1);
      next = k + 1 < b->n_frames ? (k + 1) * b->hop : b->T;
      if (next > t1)
        err = sb_fftcorr_add(b->fc, xs, n_x, x, t1, next, ys, n_y, y, 0, b->T, 0, whole);
    }
  }
  free(acc);
  return err;
}

/* frame_sink for the reference Gram correlations: R(l) of frame k. */
typedef struct r_sink_ctx {
  const sb_bsseval *b;
  double *R_frame;
} r_sink_ctx;

static void r_sink(void *ctx, int64_t k, const double *corr)
{
  const r_sink_ctx *c = ctx;
  size_t per = (size_t)c->b->L * c->b->m * c->b->m;
  corr_to_R(corr, c->b->m, c->b->L, c->R_frame + per * (size_t)k);
}

/* ------------------------------------------------------------------- new */

/* SB_ENONFINITE naming the first NaN/Inf sample of the references, or the
 * reader's error. scratch holds SB_SPAN_MAX doubles. */
static sb_err check_finite(const sb_sources *ref, double *scratch, sb_msg *msg)
{
  for (int k = 0; k < ref->n_src * ref->n_chan; k++)
    for (int64_t a = 0; a < ref->n_samples; a += SB_SPAN_MAX) {
      int64_t n = ref->n_samples - a < SB_SPAN_MAX ? ref->n_samples - a : SB_SPAN_MAX;
      const double *x;
      sb_err err = sb_sources_span(ref, k / ref->n_chan, k % ref->n_chan, a, n, scratch, &x);
      if (err != SB_OK)
        return sb_msg_set(msg, err, "bsseval: reference %d channel %d: %s", k / ref->n_chan,
                          k % ref->n_chan, sb_strerror(err));
      for (int64_t t = 0; t < n; t++)
        if (!isfinite(x[t]))
          return sb_msg_set(msg, SB_ENONFINITE,
                            "bsseval: reference %d channel %d: non-finite sample at %lld",
                            k / ref->n_chan, k % ref->n_chan, (long long)(a + t));
    }
  return SB_OK;
}

sb_err sb_bsseval_new(const sb_bss_opts *opts, const sb_sources *ref, sb_bsseval **out,
                      sb_msg *msg)
{
  sb_bsseval *b = NULL;
  sb_err err = SB_OK;
  double *corr = NULL, *scratch = NULL;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: NULL output pointer");
  *out = NULL;
  if (!opts || !sb_sources_readable(ref))
    return sb_msg_set(msg, SB_EINVAL, "bsseval: NULL options or references");
  if (opts->mode != SB_BSS_V4 && opts->mode != SB_BSS_V3)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: unknown mode %d", (int)opts->mode);
  if (opts->crit != SB_CRIT_IMAGES && opts->crit != SB_CRIT_SOURCES)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: unknown criterion %d", (int)opts->crit);
  if (opts->filter_len < 1 || opts->filter_len > 65536)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: filter length %d out of range [1, 65536]",
                      opts->filter_len);
  if (ref->n_src < 1 || ref->n_chan < 1 || ref->n_src * ref->n_chan > 64)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: %d sources x %d channels (need 1..64 in all)",
                      ref->n_src, ref->n_chan);
  if (ref->n_samples < opts->filter_len)
    return sb_msg_set(msg, SB_ELENGTH, "bsseval: %lld samples, shorter than the %d-tap filter",
                      (long long)ref->n_samples, opts->filter_len);
  if (opts->win > 0 && opts->win < ref->n_samples && opts->hop < 1)
    return sb_msg_set(msg, SB_EINVAL, "bsseval: hop %lld must be >= 1", (long long)opts->hop);
  for (int k = 0; ref->chan && k < ref->n_src * ref->n_chan; k++)
    if (!ref->chan[k])
      return sb_msg_set(msg, SB_EINVAL, "bsseval: reference channel %d is NULL", k);
  scratch = malloc(sizeof(double) * 2 * (size_t)SB_SPAN_MAX);
  if (!scratch)
    return sb_msg_set(msg, SB_ENOMEM, "bsseval: out of memory");
  if ((err = check_finite(ref, scratch, msg)) != SB_OK) {
    free(scratch);
    return err;
  }

  b = calloc(1, sizeof *b);
  if (!b)
    return sb_msg_set(msg, SB_ENOMEM, "bsseval: out of memory");
  b->opts = *opts;
  b->n_src = ref->n_src;
  b->n_chan = ref->n_chan;
  b->m = ref->n_src * ref->n_chan;
  b->L = opts->filter_len;
  b->n_lag = 2 * b->L - 1;
  b->T = ref->n_samples;
  b->ref = *ref;
  b->ref_idx = malloc(sizeof(*b->ref_idx) * (size_t)b->m);
  if (!b->ref_idx) {
    err = SB_ENOMEM;
    goto fail;
  }
  for (int k = 0; k < b->m; k++)
    b->ref_idx[k] = k;

  /* framing (museval Framing; mir_eval's whole-signal fallback for v3) */
  if (opts->win <= 0 || opts->win >= b->T) {
    b->n_frames = 1;
  } else {
    b->n_frames = (b->T - opts->win + opts->hop) / opts->hop;
  }
  b->whole = opts->win <= 0 || opts->win >= b->T ||
             (opts->mode == SB_BSS_V3 && opts->v3_whole_fallback && b->n_frames < 2);
  if (b->whole) {
    b->n_frames = 1;
    b->win = b->hop = b->T;
  } else {
    b->win = opts->win;
    b->hop = opts->hop;
  }
  b->frame_filters = opts->mode == SB_BSS_V3 && !b->whole;

  err = sb_fftcorr_new(b->L - 1, &b->fc);
  if (err != SB_OK)
    goto fail;
  corr = malloc(sizeof(double) * (size_t)b->m * b->m * b->n_lag);
  if (!corr) {
    err = SB_ENOMEM;
    goto fail;
  }

  if (!b->whole) {
    r_sink_ctx ctx;
    size_t per = (size_t)b->L * b->m * b->m;
    b->R_frame = malloc(sizeof(double) * per * (size_t)b->n_frames);
    if (!b->R_frame) {
      err = SB_ENOMEM;
      goto fail;
    }
    ctx.b = b;
    ctx.R_frame = b->R_frame;
    err = frames_and_whole(b, &b->ref, b->m, b->ref_idx, &b->ref, b->m, b->ref_idx, 1, r_sink,
                           &ctx, b->frame_filters ? NULL : corr);
  } else {
    err = corr_whole(b, &b->ref, b->m, b->ref_idx, &b->ref, b->m, b->ref_idx, 1, corr);
  }
  if (err != SB_OK)
    goto fail;

  if (!b->frame_filters) {
    int cand[64];
    double load = opts->mode == SB_BSS_V4 ? MUSEVAL_EPS : 0.0;
    b->R_whole = malloc(sizeof(double) * (size_t)b->L * b->m * b->m);
    b->src = calloc((size_t)b->n_src, sizeof *b->src);
    if (!b->R_whole || !b->src) {
      err = SB_ENOMEM;
      goto fail;
    }
    corr_to_R(corr, b->m, b->L, b->R_whole);
    for (int k = 0; k < b->m; k++)
      cand[k] = k;
    err = gram_sys_build(&b->all, &b->ref, b->R_whole, b->m, b->L, cand, b->m, 0, b->T, load,
                         scratch);
    for (int j = 0; j < b->n_src && err == SB_OK; j++)
      err = gram_sys_build(&b->src[j], &b->ref, b->R_whole, b->m, b->L, cand + j * b->n_chan,
                           b->n_chan, 0, b->T, load, scratch);
    if (err != SB_OK)
      goto fail;

    b->n_fft2 = 2;
    while (b->n_fft2 < 2 * b->L - 1)
      b->n_fft2 *= 2;
    b->n_bin2 = b->n_fft2 / 2 + 1;
    {
      double *buf = fftw_malloc(sizeof(double) * (size_t)b->n_fft2);
      fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * (size_t)b->n_bin2);
      if (buf && spec) {
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
        b->plan2 = fftw_plan_dft_r2c_1d(b->n_fft2, buf, spec, FFTW_ESTIMATE);
      }
      fftw_free(buf);
      fftw_free(spec);
      if (!b->plan2) {
        err = SB_ENOMEM;
        goto fail;
      }
    }
  }
  free(corr);
  free(scratch);
  *out = b;
  return SB_OK;

fail:
  free(corr);
  free(scratch);
  sb_bsseval_free(&b);
  if (err == SB_ENOMEM)
    return sb_msg_set(msg, err, "bsseval: out of memory");
  return sb_msg_set(msg, err, "bsseval: %s while preparing the references", sb_strerror(err));
}

int64_t sb_bsseval_n_frames(const sb_bsseval *b)
{
  return b ? b->n_frames : 0;
}

int64_t sb_bsseval_win(const sb_bsseval *b)
{
  return b ? b->win : 0;
}

int64_t sb_bsseval_hop(const sb_bsseval *b)
{
  return b ? b->hop : 0;
}

void sb_bsseval_free(sb_bsseval **pb)
{
  sb_bsseval *b;
  if (!pb || !*pb)
    return;
  b = *pb;
  free(b->all.R);
  if (b->src)
    for (int j = 0; j < b->n_src; j++)
      free(b->src[j].R);
  free(b->src);
  if (b->plan2) {
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
    fftw_destroy_plan(b->plan2);
  }
  sb_fftcorr_free(&b->fc);
  free(b->R_whole);
  free(b->R_frame);
  free(b->ref_idx);
  free(b);
  *pb = NULL;
}

/* ------------------------------------------------------------ evaluation */

/* The estimates of a call: the distinct estimate indices of its pairs. */
typedef struct est_set {
  const sb_sources *view;    /* the estimates */
  int n_est;
  int *of_pair;              /* pair -> estimate slot */
  int *col;                  /* n_est * I flat channel indices of view, column y = e I + c */
} est_set;

static sb_err est_set_init(est_set *es, const sb_bsseval *b, const sb_sources *view, int n_pair,
                           const sb_bss_pair *pair)
{
  const int I = b->n_chan;
  es->view = view;
  es->n_est = 0;
  es->of_pair = malloc(sizeof(int) * (size_t)n_pair);
  es->col = malloc(sizeof(int) * (size_t)n_pair * I);
  if (!es->of_pair || !es->col)
    return SB_ENOMEM;
  for (int p = 0; p < n_pair; p++) {
    int e;
    for (e = 0; e < es->n_est; e++)
      if (es->col[(size_t)e * I] == pair[p].est * I)
        break;
    if (e == es->n_est) {
      for (int c = 0; c < I; c++)
        es->col[(size_t)e * I + c] = pair[p].est * I + c;
      es->n_est++;
    }
    es->of_pair[p] = e;
  }
  return SB_OK;
}

static void est_set_free(est_set *es)
{
  free(es->of_pair);
  free(es->col);
}

/* Time-domain energies of a pair in a frame, summed over channels. */
typedef struct frame_energy {
  double s, e, err, es; /* ||s||^2, ||e||^2, ||e - s||^2, <e, s> */
} frame_energy;

/* Energies of reference target against estimate est of view over [t0, t1);
 * scratch holds 2 SB_SPAN_MAX doubles. */
static sb_err pair_energy(const sb_bsseval *b, int target, const sb_sources *view, int est,
                          int64_t t0, int64_t t1, double *scratch, frame_energy *fe)
{
  fe->s = fe->e = fe->err = fe->es = 0.0;
  for (int c = 0; c < b->n_chan; c++) {
    double ss = 0.0, ee = 0.0, dd = 0.0, es = 0.0;
    for (int64_t a = t0; a < t1; a += SB_SPAN_MAX) {
      int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
      const double *s, *e;
      sb_err err = sb_sources_span(&b->ref, target, c, a, n, scratch, &s);
      if (err == SB_OK)
        err = sb_sources_span(view, est, c, a, n, scratch + SB_SPAN_MAX, &e);
      if (err != SB_OK)
        return err;
      for (int64_t t = 0; t < n; t++) {
        double d = e[t] - s[t];
        ss += s[t] * s[t];
        ee += e[t] * e[t];
        dd += d * d;
        es += e[t] * s[t];
      }
    }
    fe->s += ss;
    fe->e += ee;
    fe->err += dd;
    fe->es += es;
  }
  return SB_OK;
}

static void write_nan(int64_t k, int64_t n_frames, int p, double *sdr, double *isr, double *sir,
                      double *sar)
{
  size_t i = (size_t)p * n_frames + k;
  if (sdr)
    sdr[i] = NAN;
  if (isr)
    isr[i] = NAN;
  if (sir)
    sir[i] = NAN;
  if (sar)
    sar[i] = NAN;
}

/* Writes the criteria of §1.4 from the energies of the decomposition:
 * spat = ||e_spat||^2, interf = ||e_interf||^2, artif = ||e_artif||^2,
 * q = ||P_j e||^2, p = ||P e||^2, filt_err = ||e_interf + e_artif||^2. */
static void write_crit(const sb_bsseval *b, size_t i, const frame_energy *fe, double spat,
                       double interf, double artif, double q, double p, double filt_err,
                       double *sdr, double *isr, double *sir, double *sar)
{
  if (b->opts.crit == SB_CRIT_IMAGES) {
    if (sdr)
      sdr[i] = safe_db(fe->s, fe->err);
    if (isr)
      isr[i] = safe_db(fe->s, spat);
  } else {
    if (sdr)
      sdr[i] = safe_db(q, filt_err);
    if (isr)
      isr[i] = NAN;
  }
  if (sir)
    sir[i] = safe_db(q, interf);
  if (sar)
    sar[i] = safe_db(p, artif);
}

/* --------------------------------------------- filter mode (v4, whole) */

/* Spectra of coefficient sets: n_set sets of m channels x I outputs,
 * spec[((set I + c) m + k) n_bin2 + f]; has[set m + k] says whether channel
 * k is non-zero in the set. */
typedef struct coef_spec {
  fftw_complex *spec;
  unsigned char *has;
} coef_spec;

/* sum_{k,k'} (1/N) sum_f E_kk'(f) V_k(f) conj(V_k'(f)) for the channel
 * spectra v[k] (NULL = zero channel); E holds k <= k' (others by
 * conjugation). */
static double quad_form(const sb_bsseval *b, const fftw_complex *E, const fftw_complex *const *v)
{
  const int m = b->m, nb = b->n_bin2, last = b->n_fft2 / 2;
  double total = 0.0;
  for (int k = 0; k < m; k++) {
    if (!v[k])
      continue;
    for (int kp = k; kp < m; kp++) {
      const fftw_complex *e = E + ((size_t)k * m + kp) * nb, *x = v[k], *y = v[kp];
      double acc = 0.0, edge;
      if (!y)
        continue;
      for (int f = 1; f < last; f++) {
        double zr = e[f][0] * x[f][0] - e[f][1] * x[f][1];
        double zi = e[f][0] * x[f][1] + e[f][1] * x[f][0];
        acc += zr * y[f][0] + zi * y[f][1];
      }
      acc *= 2.0;
      edge = (e[0][0] * x[0][0] - e[0][1] * x[0][1]) * y[0][0] +
             (e[0][0] * x[0][1] + e[0][1] * x[0][0]) * y[0][1];
      edge += (e[last][0] * x[last][0] - e[last][1] * x[last][1]) * y[last][0] +
              (e[last][0] * x[last][1] + e[last][1] * x[last][0]) * y[last][1];
      acc += edge;
      total += (kp == k ? 1.0 : 2.0) * acc;
    }
  }
  return total / b->n_fft2;
}

/* Circulant-embedding spectra of the Toeplitz blocks of the Gram matrix of
 * R (k <= k' only): t_kk'[l] = R(l)[k][k'] (l >= 0), R(-l)[k'][k] (l < 0). */
static sb_err gram_spectra(const sb_bsseval *b, const double *R, fftw_complex *E)
{
  const int m = b->m, L = b->L, N = b->n_fft2;
  double *buf = fftw_malloc(sizeof(double) * (size_t)N);
  if (!buf)
    return SB_ENOMEM;
  for (int k = 0; k < m; k++)
    for (int kp = k; kp < m; kp++) {
      memset(buf, 0, sizeof(double) * (size_t)N);
      for (int l = 0; l < L; l++)
        buf[l] = R[((size_t)l * m + k) * m + kp];
      for (int l = 1; l < L; l++)
        buf[N - l] = R[((size_t)l * m + kp) * m + k];
      fftw_execute_dft_r2c(b->plan2, buf, E + ((size_t)k * m + kp) * b->n_bin2);
    }
  fftw_free(buf);
  return SB_OK;
}

/* FFT of L taps (zero-padded to n_fft2). */
static void taps_spectrum(const sb_bsseval *b, double *buf, const double *taps, fftw_complex *out)
{
  memset(buf, 0, sizeof(double) * (size_t)b->n_fft2);
  memcpy(buf, taps, sizeof(double) * (size_t)b->L);
  fftw_execute_dft_r2c(b->plan2, buf, out);
}

/* Per-pair data of filter mode. */
typedef struct pair_filters {
  double *cj;            /* I outputs x m channels x L taps (zero outside the target) */
  fftw_complex *u_cj;    /* spectra of Cj, [(c m + k) n_bin2 + f], only target channels */
  fftw_complex *u_diff;  /* spectra of C - Cj, all channels */
  fftw_complex *u_spat;  /* spectra of Cj - delta, target channels */
} pair_filters;

/* frame_sink for the reference/estimate correlations: lags 0..L-1 of
 * frame k, [((k n_x n_y) + pair) L + lag]. */
typedef struct d_sink_ctx {
  const sb_bsseval *b;
  int n_xy;
  double *d_frame;
} d_sink_ctx;

static void d_sink(void *ctx, int64_t k, const double *corr)
{
  const d_sink_ctx *c = ctx;
  const int L = c->b->L;
  double *dst = c->d_frame + (size_t)k * c->n_xy * L;
  for (int i = 0; i < c->n_xy; i++)
    memcpy(dst + (size_t)i * L, corr + (size_t)i * c->b->n_lag + (L - 1), sizeof(double) * (size_t)L);
}

static sb_err eval_filter_mode(sb_bsseval *b, int n_pair, const sb_bss_pair *pair,
                               const est_set *es, const unsigned char *skip, double *sdr,
                               double *isr, double *sir, double *sar)
{
  const int m = b->m, I = b->n_chan, L = b->L, nb = b->n_bin2, n_y = es->n_est * I;
  const size_t n_corr = (size_t)m * n_y * b->n_lag;
  double *corr = NULL, *rhs = NULL, *coef = NULL, *buf = NULL, *d_frame = NULL;
  fftw_complex *u_c = NULL;
  pair_filters *pf = NULL;
  double *tp_artif = NULL; /* whole signal: ||e - P e||^2, then ||P e||^2, per estimate */
  int *cols = NULL;
  sb_err err = SB_OK;

  corr = malloc(sizeof(double) * n_corr);
  coef = calloc((size_t)n_y * m * L, sizeof(double)); /* [(y m + k) L + a] */
  u_c = fftw_malloc(sizeof(fftw_complex) * (size_t)n_y * m * nb);
  buf = fftw_malloc(sizeof(double) * (size_t)b->n_fft2);
  pf = calloc((size_t)n_pair, sizeof *pf);
  cols = malloc(sizeof(int) * (size_t)n_y);
  rhs = malloc(sizeof(double) * (size_t)n_y * m * L);
  if (!corr || !coef || !u_c || !buf || !pf || !cols || !rhs) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int y = 0; y < n_y; y++)
    cols[y] = y;
  /* D over the whole track (and of every frame), then the all-source
   * filters C of every estimate */
  if (b->whole) {
    err = corr_whole(b, &b->ref, m, b->ref_idx, es->view, n_y, es->col, 0, corr);
  } else {
    d_sink_ctx ctx;
    d_frame = malloc(sizeof(double) * (size_t)m * n_y * L * (size_t)b->n_frames);
    if (!d_frame) {
      err = SB_ENOMEM;
      goto done;
    }
    ctx.b = b;
    ctx.n_xy = m * n_y;
    ctx.d_frame = d_frame;
    err = frames_and_whole(b, &b->ref, m, b->ref_idx, es->view, n_y, es->col, 0, d_sink, &ctx,
                           corr);
  }
  if (err != SB_OK)
    goto done;
  if (b->all.n_keep > 0) {
    const int nk = b->all.n_keep;
    fill_rhs(corr, n_y, b->n_lag, L, b->all.keep, nk, cols, n_y, rhs);
    err = gram_sys_solve(&b->all, L, n_y, rhs);
    if (err != SB_OK)
      goto done;
    for (int y = 0; y < n_y; y++)
      for (int a = 0; a < nk; a++)
        memcpy(coef + ((size_t)y * m + b->all.keep[a]) * L, rhs + ((size_t)y * nk + a) * L,
               sizeof(double) * (size_t)L);
  }
  for (int y = 0; y < n_y; y++)
    for (int k = 0; k < m; k++)
      taps_spectrum(b, buf, coef + ((size_t)y * m + k) * L, u_c + ((size_t)y * m + k) * nb);

  /* per pair: Cj and the spectra of Cj, C - Cj, Cj - delta */
  for (int p = 0; p < n_pair; p++) {
    const int j = pair[p].target, e = es->of_pair[p];
    const gram_sys *g = &b->src[j];
    pair_filters *f = &pf[p];
    f->cj = calloc((size_t)I * m * L, sizeof(double));
    f->u_cj = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
    f->u_diff = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
    f->u_spat = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
    if (!f->cj || !f->u_cj || !f->u_diff || !f->u_spat) {
      err = SB_ENOMEM;
      goto done;
    }
    if (g->n_keep > 0) {
      int ecols[64];
      for (int c = 0; c < I; c++)
        ecols[c] = e * I + c;
      fill_rhs(corr, n_y, b->n_lag, L, g->keep, g->n_keep, ecols, I, rhs);
      err = gram_sys_solve(g, L, I, rhs);
      if (err != SB_OK)
        goto done;
      for (int c = 0; c < I; c++)
        for (int a = 0; a < g->n_keep; a++)
          memcpy(f->cj + ((size_t)c * m + g->keep[a]) * L, rhs + ((size_t)c * g->n_keep + a) * L,
                 sizeof(double) * (size_t)L);
    }
    for (int c = 0; c < I; c++)
      for (int k = 0; k < m; k++) {
        size_t o = ((size_t)c * m + k) * nb;
        const fftw_complex *uc = u_c + ((size_t)(e * I + c) * m + k) * nb;
        taps_spectrum(b, buf, f->cj + ((size_t)c * m + k) * L, f->u_cj + o);
        for (int q = 0; q < nb; q++) {
          f->u_diff[o + q][0] = uc[q][0] - f->u_cj[o + q][0];
          f->u_diff[o + q][1] = uc[q][1] - f->u_cj[o + q][1];
          f->u_spat[o + q][0] = f->u_cj[o + q][0] - (k == j * I + c ? 1.0 : 0.0);
          f->u_spat[o + q][1] = f->u_cj[o + q][1];
        }
      }
  }

  /* the whole signal: ||e_artif||^2 and ||P e||^2 in the time domain (timeproj.h) */
  if (b->whole) {
    int *idx = malloc(sizeof(int) * (size_t)es->n_est);
    tp_artif = malloc(sizeof(double) * 2 * (size_t)es->n_est);
    err = idx && tp_artif ? SB_OK : SB_ENOMEM;
    for (int e = 0; e < es->n_est && err == SB_OK; e++)
      idx[e] = es->col[(size_t)e * I] / I;
    if (err == SB_OK)
      err = sb_timeproj_residual(&b->ref, es->view, L, es->n_est, idx, coef, tp_artif,
                                 tp_artif + es->n_est);
    free(idx);
    if (err != SB_OK)
      goto done;
  }

  /* frames */
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    const size_t per = (size_t)L * m * m;
    fftw_complex *E = fftw_malloc(sizeof(fftw_complex) * (size_t)m * m * nb);
    double *p_est = malloc(sizeof(double) * (size_t)es->n_est);
    double *scratch = malloc(sizeof(double) * 2 * (size_t)SB_SPAN_MAX);
    const fftw_complex **v = malloc(sizeof(*v) * (size_t)m);
    sb_err terr = (E && p_est && v && scratch) ? SB_OK : SB_ENOMEM;
    /* frame correlations: lags 0..L-1 at d_off in rows of d_stride */
    const size_t d_stride = b->whole ? (size_t)b->n_lag : (size_t)L;
    const size_t d_off = b->whole ? (size_t)(L - 1) : 0;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = 0; k < b->n_frames; k++) {
      int64_t t0, t1;
      const double *dk = b->whole ? corr : d_frame + (size_t)k * m * n_y * L;
      if (terr != SB_OK)
        continue;
      if (skip && skip[k]) {
        for (int p = 0; p < n_pair; p++)
          write_nan(k, b->n_frames, p, sdr, isr, sir, sar);
        continue;
      }
      frame_bounds(b, k, &t0, &t1);
      terr = gram_spectra(b, b->whole ? b->R_whole : b->R_frame + per * (size_t)k, E);
      if (terr != SB_OK)
        continue;
      /* ||P e||^2 per estimate */
      for (int e = 0; e < es->n_est; e++) {
        double acc = 0.0;
        for (int c = 0; c < I; c++) {
          for (int q = 0; q < m; q++)
            v[q] = u_c + ((size_t)(e * I + c) * m + q) * nb;
          acc += quad_form(b, E, v);
        }
        p_est[e] = acc;
      }
      for (int p = 0; p < n_pair; p++) {
        const int j = pair[p].target, e = es->of_pair[p];
        const pair_filters *f = &pf[p];
        frame_energy fe;
        double q = 0.0, interf = 0.0, spat = 0.0, lin_p = 0.0, lin_q = 0.0;
        double pp = p_est[e], artif, filt_err;
        size_t idx = (size_t)p * b->n_frames + k;
        terr = pair_energy(b, j, es->view, pair[p].est, t0, t1, scratch, &fe);
        if (terr != SB_OK)
          break;
        for (int c = 0; c < I; c++) {
          for (int r = 0; r < m; r++)
            v[r] = r / I == j ? f->u_cj + ((size_t)c * m + r) * nb : NULL;
          q += quad_form(b, E, v);
          for (int r = 0; r < m; r++)
            v[r] = r / I == j ? f->u_spat + ((size_t)c * m + r) * nb : NULL;
          spat += quad_form(b, E, v);
          for (int r = 0; r < m; r++)
            v[r] = f->u_diff + ((size_t)c * m + r) * nb;
          interf += quad_form(b, E, v);
          for (int r = 0; r < m; r++) {
            const double *d = dk + ((size_t)r * n_y + e * I + c) * d_stride + d_off;
            const double *cp = coef + ((size_t)(e * I + c) * m + r) * L;
            const double *cq = f->cj + ((size_t)c * m + r) * L;
            for (int a = 0; a < L; a++) {
              lin_p += cp[a] * d[a];
              lin_q += cq[a] * d[a];
            }
          }
        }
        artif = tp_artif ? tp_artif[e] : fe.e - 2.0 * lin_p + pp;
        if (tp_artif)
          pp = tp_artif[es->n_est + e];
        filt_err = fe.e - 2.0 * lin_q + q;
        write_crit(b, idx, &fe, spat, interf, artif, q, pp, filt_err, sdr, isr, sir, sar);
      }
    }
    if (terr != SB_OK) {
#ifdef _OPENMP
#pragma omp critical(sb_bsseval_err)
#endif
      err = terr;
    }
    fftw_free(E);
    free(p_est);
    free(scratch);
    free(v);
  }

done:
  if (pf)
    for (int p = 0; p < n_pair; p++) {
      free(pf[p].cj);
      fftw_free(pf[p].u_cj);
      fftw_free(pf[p].u_diff);
      fftw_free(pf[p].u_spat);
    }
  free(pf);
  free(tp_artif);
  free(corr);
  free(d_frame);
  free(coef);
  fftw_free(u_c);
  fftw_free(buf);
  free(cols);
  free(rhs);
  return err;
}

/* ---------------------------------------- frame-filter mode (v3 framewise) */

/* d^T G^{-1} d for the columns cols of the frame correlations, over the
 * kept channels: block Levinson, dense factorisation when Levinson breaks
 * down or its result is not a projection energy (0 <= . <= ||e||^2). */
static sb_err frame_energies(const sb_bsseval *b, const double *R, const int *keep, int n_keep,
                             const double *dfr, int n_y, const int *cols, int n_cols,
                             const double *col_energy, double *out)
{
  double *rs = NULL, *rhs = NULL;
  sb_err err = SB_OK;
  int ok = 1;
  if (n_keep == 0 || n_cols == 0) {
    for (int c = 0; c < n_cols; c++)
      out[c] = 0.0;
    return SB_OK;
  }
  rs = sub_R(R, b->m, b->L, keep, n_keep);
  rhs = malloc(sizeof(double) * (size_t)n_cols * n_keep * b->L);
  if (!rs || !rhs) {
    err = SB_ENOMEM;
    goto done;
  }
  fill_rhs(dfr, n_y, b->n_lag, b->L, keep, n_keep, cols, n_cols, rhs);
  err = sb_btoep_energy(rs, n_keep, b->L, n_cols, rhs, out);
  if (err == SB_OK) {
    for (int c = 0; c < n_cols; c++)
      ok &= isfinite(out[c]) && out[c] >= -1e-9 * col_energy[c] &&
            out[c] <= col_energy[c] * (1.0 + 1e-9);
  }
  if (err == SB_ENUMERIC || (err == SB_OK && !ok)) {
    sb_gram_factor *f = NULL;
    double *x = malloc(sizeof(double) * (size_t)n_cols * n_keep * b->L);
    err = x ? sb_gram_factor_new(rs, n_keep, b->L, 0.0, &f) : SB_ENOMEM;
    if (err == SB_OK) {
      memcpy(x, rhs, sizeof(double) * (size_t)n_cols * n_keep * b->L);
      err = sb_gram_factor_solve(f, n_cols, x);
    }
    if (err == SB_OK)
      for (int c = 0; c < n_cols; c++) {
        double acc = 0.0;
        for (size_t i = 0; i < (size_t)n_keep * b->L; i++)
          acc += rhs[(size_t)c * n_keep * b->L + i] * x[(size_t)c * n_keep * b->L + i];
        out[c] = acc;
      }
    sb_gram_factor_free(&f);
    free(x);
  }
done:
  free(rs);
  free(rhs);
  return err;
}

static sb_err eval_frame_filters(sb_bsseval *b, int n_pair, const sb_bss_pair *pair,
                                 const est_set *es, const unsigned char *skip, double *sdr,
                                 double *isr, double *sir, double *sar)
{
  const int m = b->m, I = b->n_chan, n_y = es->n_est * I;
  const size_t n_corr = (size_t)m * n_y * b->n_lag, per = (size_t)b->L * m * m;
  sb_err err = SB_OK;

#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    double *dfr = malloc(sizeof(double) * n_corr);
    double *p_col = malloc(sizeof(double) * (size_t)n_y);
    double *q_col = malloc(sizeof(double) * (size_t)n_y);
    double *e_col = malloc(sizeof(double) * (size_t)n_y);
    int *cols = malloc(sizeof(int) * (size_t)n_y);
    int *ecols = malloc(sizeof(int) * (size_t)n_y);
    double *ecol_e = malloc(sizeof(double) * (size_t)n_y);
    double *qv = malloc(sizeof(double) * (size_t)n_y);
    double *scratch = malloc(sizeof(double) * 2 * (size_t)SB_SPAN_MAX);
    sb_err terr = (dfr && p_col && q_col && e_col && cols && ecols && ecol_e && qv && scratch)
                    ? SB_OK : SB_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = 0; k < b->n_frames; k++) {
      int64_t t0, t1;
      const double *R = b->R_frame + per * (size_t)k;
      int cand[64], keep[64], n_keep;
      if (terr != SB_OK)
        continue;
      if (skip && skip[k]) {
        for (int p = 0; p < n_pair; p++)
          write_nan(k, b->n_frames, p, sdr, isr, sir, sar);
        continue;
      }
      frame_bounds(b, k, &t0, &t1);
      memset(dfr, 0, sizeof(double) * n_corr);
      terr = sb_fftcorr_add(b->fc, &b->ref, m, b->ref_idx, t0, t1, es->view, n_y, es->col, t0, t1,
                            0, dfr);
      for (int y = 0; y < n_y && terr == SB_OK; y++) {
        double acc = 0.0;
        const int col = es->col[y];
        for (int64_t a = t0; a < t1 && terr == SB_OK; a += SB_SPAN_MAX) {
          int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
          const double *x;
          terr = sb_sources_span(es->view, col / I, col % I, a, n, scratch, &x);
          for (int64_t t = 0; t < n && terr == SB_OK; t++)
            acc += x[t] * x[t];
        }
        e_col[y] = acc;
        cols[y] = y;
      }
      /* all sources */
      for (int r = 0; r < m; r++)
        cand[r] = r;
      if (terr == SB_OK)
        terr = select_channels(&b->ref, cand, m, t0, t1, scratch, keep, &n_keep);
      if (terr == SB_OK)
        terr = frame_energies(b, R, keep, n_keep, dfr, n_y, cols, n_y, e_col, p_col);
      /* each target source, with the estimates paired with it */
      for (int j = 0; j < b->n_src && terr == SB_OK; j++) {
        int n_cols = 0;
        for (int e = 0; e < es->n_est; e++) {
          int used = 0;
          for (int p = 0; p < n_pair && !used; p++)
            used = pair[p].target == j && es->of_pair[p] == e;
          if (!used)
            continue;
          for (int c = 0; c < I; c++) {
            ecols[n_cols] = e * I + c;
            ecol_e[n_cols] = e_col[e * I + c];
            n_cols++;
          }
        }
        if (n_cols == 0)
          continue;
        terr = select_channels(&b->ref, cand + j * I, I, t0, t1, scratch, keep, &n_keep);
        if (terr == SB_OK)
          terr = frame_energies(b, R, keep, n_keep, dfr, n_y, ecols, n_cols, ecol_e, qv);
        for (int c = 0; c < n_cols; c++)
          q_col[ecols[c]] = qv[c];
      }
      if (terr != SB_OK)
        continue;
      for (int p = 0; p < n_pair; p++) {
        const int j = pair[p].target, e = es->of_pair[p];
        frame_energy fe;
        double pp = 0.0, q = 0.0;
        terr = pair_energy(b, j, es->view, pair[p].est, t0, t1, scratch, &fe);
        if (terr != SB_OK)
          break;
        for (int c = 0; c < I; c++) {
          pp += p_col[e * I + c];
          q += q_col[e * I + c];
        }
        write_crit(b, (size_t)p * b->n_frames + k, &fe, q - 2.0 * fe.es + fe.s, pp - q, fe.e - pp,
                   q, pp, fe.e - q, sdr, isr, sir, sar);
      }
    }
    if (terr != SB_OK) {
#ifdef _OPENMP
#pragma omp critical(sb_bsseval_err)
#endif
      err = terr;
    }
    free(dfr);
    free(p_col);
    free(q_col);
    free(e_col);
    free(cols);
    free(ecols);
    free(ecol_e);
    free(qv);
    free(scratch);
  }
  return err;
}

sb_err sb_bsseval_eval_pairs(sb_bsseval *b, const sb_sources *est, int n_pair,
                             const sb_bss_pair *pair, const unsigned char *skip, double *sdr,
                             double *isr, double *sir, double *sar)
{
  est_set es = {NULL, 0, NULL, NULL};
  sb_err err;
  if (!b || !sb_sources_readable(est) || !pair || n_pair < 1 || n_pair > 64 * 64 ||
      est->n_chan != b->n_chan || est->n_samples != b->T)
    return SB_EINVAL;
  for (int p = 0; p < n_pair; p++)
    if (pair[p].target < 0 || pair[p].target >= b->n_src || pair[p].est < 0 ||
        pair[p].est >= est->n_src)
      return SB_EINVAL;
  for (int k = 0; est->chan && k < est->n_src * est->n_chan; k++)
    if (!est->chan[k])
      return SB_EINVAL;
  err = est_set_init(&es, b, est, n_pair, pair);
  if (err == SB_OK) {
    if (b->frame_filters)
      err = eval_frame_filters(b, n_pair, pair, &es, skip, sdr, isr, sir, sar);
    else
      err = eval_filter_mode(b, n_pair, pair, &es, skip, sdr, isr, sir, sar);
  }
  est_set_free(&es);
  return err;
}

sb_err sb_bsseval_eval(sb_bsseval *b, int target, const sb_sources *est, int e,
                       const unsigned char *skip, double *sdr, double *isr, double *sir,
                       double *sar)
{
  sb_bss_pair pair;
  pair.target = target;
  pair.est = e;
  return sb_bsseval_eval_pairs(b, est, 1, &pair, skip, sdr, isr, sir, sar);
}
