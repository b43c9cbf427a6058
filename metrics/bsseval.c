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
 * The parts live in four files (metrics/bsseval_parts.h): this one
 * (options, framing, Gram systems of the references, criteria), the
 * correlations and systems (bsseval_corr.c), filter mode
 * (bsseval_filter.c) and frame-filter mode (bsseval_frame.c).
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

#include "common/fftplan.h"
#include "metrics/blocktoeplitz.h"
#include "metrics/bsseval_parts.h"

/* museval's regularisation: np.finfo(float).eps, absolute (spec §1.2). */
#define MUSEVAL_EPS 2.220446049250313e-16

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

void sb_bss_frame_bounds(const sb_bsseval *b, int64_t k, int64_t *t0, int64_t *t1)
{
  if (b->whole) {
    *t0 = 0;
    *t1 = b->T;
    return;
  }
  *t0 = k * b->hop;
  *t1 = *t0 + b->win < b->T ? *t0 + b->win : b->T;
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
  sb_bss_corr_to_R(corr, c->b->m, c->b->L, c->R_frame + per * (size_t)k);
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

/* Framing (museval Framing; mir_eval's whole-signal fallback for v3). */
static void set_framing(sb_bsseval *b, const sb_bss_opts *opts)
{
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
}

/* The references' correlations: R of every frame (framewise modes) and,
 * unless the filters are per frame, over the whole track into corr. */
static sb_err reference_correlations(sb_bsseval *b, double *corr)
{
  r_sink_ctx ctx;
  size_t per = (size_t)b->L * b->m * b->m;
  if (b->whole)
    return sb_bss_corr_whole(b, &b->ref, b->m, b->ref_idx, &b->ref, b->m, b->ref_idx, 1, corr);
  b->R_frame = malloc(sizeof(double) * per * (size_t)b->n_frames);
  if (!b->R_frame)
    return SB_ENOMEM;
  ctx.b = b;
  ctx.R_frame = b->R_frame;
  return sb_bss_frames_and_whole(b, &b->ref, b->m, b->ref_idx, &b->ref, b->m, b->ref_idx, 1, r_sink, &ctx,
                                 b->frame_filters ? NULL : corr);
}

/* Filter mode: the whole-track Gram systems of all sources and of each
 * source (museval's eps on the diagonal in v4), and the FFT plan of the
 * quadratic forms. */
static sb_err filter_systems(sb_bsseval *b, const double *corr, double *scratch)
{
  int cand[64];
  double load = b->opts.mode == SB_BSS_V4 ? MUSEVAL_EPS : 0.0, *buf;
  fftw_complex *spec;
  sb_err err;
  b->R_whole = malloc(sizeof(double) * (size_t)b->L * b->m * b->m);
  b->src = calloc((size_t)b->n_src, sizeof *b->src);
  if (!b->R_whole || !b->src)
    return SB_ENOMEM;
  sb_bss_corr_to_R(corr, b->m, b->L, b->R_whole);
  for (int k = 0; k < b->m; k++)
    cand[k] = k;
  err = sb_bss_gram_build(&b->all, &b->ref, b->R_whole, b->m, b->L, cand, b->m, 0, b->T, load, scratch);
  for (int j = 0; j < b->n_src && err == SB_OK; j++)
    err = sb_bss_gram_build(&b->src[j], &b->ref, b->R_whole, b->m, b->L, cand + j * b->n_chan, b->n_chan, 0, b->T,
                            load, scratch);
  if (err != SB_OK)
    return err;
  b->n_fft2 = 2;
  while (b->n_fft2 < 2 * b->L - 1)
    b->n_fft2 *= 2;
  b->n_bin2 = b->n_fft2 / 2 + 1;
  buf = fftw_malloc(sizeof(double) * (size_t)b->n_fft2);
  spec = fftw_malloc(sizeof(fftw_complex) * (size_t)b->n_bin2);
  if (buf && spec)
    b->plan2 = sb_fftplan_r2c(b->n_fft2, buf, spec, FFTW_ESTIMATE);
  fftw_free(buf);
  fftw_free(spec);
  return b->plan2 ? SB_OK : SB_ENOMEM;
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
  if (!b) {
    free(scratch);
    return sb_msg_set(msg, SB_ENOMEM, "bsseval: out of memory");
  }
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

  set_framing(b, opts);
  err = sb_fftcorr_new(b->L - 1, &b->fc);
  if (err != SB_OK)
    goto fail;
  corr = malloc(sizeof(double) * (size_t)b->m * b->m * b->n_lag);
  if (!corr) {
    err = SB_ENOMEM;
    goto fail;
  }
  if ((err = reference_correlations(b, corr)) != SB_OK)
    goto fail;
  if (!b->frame_filters && (err = filter_systems(b, corr, scratch)) != SB_OK)
    goto fail;
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
  sb_fftplan_destroy(&b->plan2);
  sb_fftcorr_free(&b->fc);
  free(b->R_whole);
  free(b->R_frame);
  free(b->ref_idx);
  free(b);
  *pb = NULL;
}

/* ------------------------------------------------------------ evaluation */

sb_err sb_bss_est_set_init(est_set *es, const sb_bsseval *b, const sb_sources *view, int n_pair,
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

void sb_bss_est_set_free(est_set *es)
{
  free(es->of_pair);
  free(es->col);
}

/* Energies of reference target against estimate est of view over [t0, t1);
 * scratch holds 2 SB_SPAN_MAX doubles. */
sb_err sb_bss_pair_energy(const sb_bsseval *b, int target, const sb_sources *view, int est,
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

sb_err sb_bss_energy(const sb_bsseval *b, const sb_sources *view, int src, int64_t t0, int64_t t1,
                     double *scratch, double *out)
{
  *out = 0.0;
  for (int c = 0; c < b->n_chan; c++) {
    double acc = 0.0;
    for (int64_t a = t0; a < t1; a += SB_SPAN_MAX) {
      int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
      const double *x;
      sb_err err = sb_sources_span(view, src, c, a, n, scratch, &x);
      if (err != SB_OK)
        return err;
      for (int64_t t = 0; t < n; t++)
        acc += x[t] * x[t];
    }
    *out += acc;
  }
  return SB_OK;
}

int sb_bss_skipped(const sb_bsseval *b, const unsigned char *skip, int64_t k, int n_pair, double *sdr, double *isr,
                   double *sir, double *sar)
{
  if (!skip || !skip[k])
    return 0;
  for (int p = 0; p < n_pair; p++) {
    size_t i = (size_t)p * b->n_frames + k;
    if (sdr)
      sdr[i] = NAN;
    if (isr)
      isr[i] = NAN;
    if (sir)
      sir[i] = NAN;
    if (sar)
      sar[i] = NAN;
  }
  return 1;
}

/* Writes the criteria of §1.4 from the energies of the decomposition:
 * spat = ||e_spat||^2, interf = ||e_interf||^2, artif = ||e_artif||^2,
 * q = ||P_j e||^2, p = ||P e||^2, filt_err = ||e_interf + e_artif||^2. */
void sb_bss_write_crit(const sb_bsseval *b, size_t i, const frame_energy *fe, double spat,
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

sb_err sb_bsseval_eval_pairs_whole(sb_bsseval *b, const sb_sources *est, int n_pair, const sb_bss_pair *pair,
                                   const unsigned char *skip, const sb_bss_out *frames, const sb_bss_out *whole)
{
  static const sb_bss_out none = {NULL, NULL, NULL, NULL};
  est_set es = {NULL, 0, NULL, NULL};
  sb_err err;
  if (!b || !sb_sources_readable(est) || !pair || n_pair < 1 || n_pair > 64 * 64 ||
      est->n_chan != b->n_chan || est->n_samples != b->T || (whole && b->frame_filters))
    return SB_EINVAL;
  for (int p = 0; p < n_pair; p++)
    if (pair[p].target < 0 || pair[p].target >= b->n_src || pair[p].est < 0 ||
        pair[p].est >= est->n_src)
      return SB_EINVAL;
  for (int k = 0; est->chan && k < est->n_src * est->n_chan; k++)
    if (!est->chan[k])
      return SB_EINVAL;
  if (!frames)
    frames = &none;
  err = sb_bss_est_set_init(&es, b, est, n_pair, pair);
  if (err == SB_OK) {
    if (b->frame_filters)
      err = sb_bss_eval_frame_filters(b, n_pair, pair, &es, skip, frames->sdr, frames->isr, frames->sir,
                                      frames->sar);
    else
      err = sb_bss_eval_filter_mode(b, n_pair, pair, &es, skip, frames, whole);
  }
  sb_bss_est_set_free(&es);
  return err;
}

sb_err sb_bsseval_eval_pairs(sb_bsseval *b, const sb_sources *est, int n_pair,
                             const sb_bss_pair *pair, const unsigned char *skip, double *sdr,
                             double *isr, double *sir, double *sar)
{
  sb_bss_out frames;
  frames.sdr = sdr;
  frames.isr = isr;
  frames.sir = sir;
  frames.sar = sar;
  return sb_bsseval_eval_pairs_whole(b, est, n_pair, pair, skip, &frames, NULL);
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
