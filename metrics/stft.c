/*
 * metrics/stft.c — STFT / least-squares inverse STFT equivalent to
 * scipy.signal.stft / istft (scipy 1.10 _spectral_helper and istft with
 * window='hann', boundary='zeros', padded=True, scaling='spectrum'), as
 * used by sigsep-mus-oracle.  See metrics/stft.h for the conventions.
 *
 * Every frame costs one FFTW r2c (forward) or c2r (inverse) of frame_len
 * points on the object's own aligned buffers; plans are made once per
 * object with FFTW_ESTIMATE, so results do not depend on timing.
 */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftplan.h"
#include "metrics/stft.h"

struct sb_stft {
  size_t frame_len;
  size_t hop_len;
  size_t n_bins;
  double *window;     /* analysis window w (periodic Hann) */
  double *synthesis;  /* w * sum(w) / frame_len: undoes the 'spectrum' scaling and FFTW's missing 1/N */
  double *window_sq;  /* w^2, for the overlap-add normalisation */
  double scale;       /* 1 / sum(w) */
  double *frame;      /* fftw_malloc'd: r2c input, c2r output */
  fftw_complex *bins; /* fftw_malloc'd: r2c output, c2r input */
  fftw_plan forward;
  fftw_plan inverse;
};

void sb_stft_free(sb_stft **stft)
{
  sb_stft *s;

  if (!stft || !*stft)
    return;
  s = *stft;
  sb_fftplan_destroy(&s->forward);
  sb_fftplan_destroy(&s->inverse);
  fftw_free(s->frame);
  fftw_free(s->bins);
  fftw_free(s->window);
  fftw_free(s->synthesis);
  fftw_free(s->window_sq);
  free(s);
  *stft = NULL;
}

sb_err sb_stft_new(size_t frame_len, size_t hop_len, sb_stft **out)
{
  sb_stft *s = NULL;
  double step, sum = 0.0;
  size_t n;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (frame_len < 4 || frame_len % 2 != 0 || frame_len > INT_MAX || hop_len < 1 || hop_len >= frame_len)
    return SB_EINVAL;

  s = calloc(1, sizeof *s);
  if (!s)
    return SB_ENOMEM;
  s->frame_len = frame_len;
  s->hop_len = hop_len;
  s->n_bins = frame_len / 2 + 1;
  s->window = fftw_malloc(frame_len * sizeof *s->window);
  s->synthesis = fftw_malloc(frame_len * sizeof *s->synthesis);
  s->window_sq = fftw_malloc(frame_len * sizeof *s->window_sq);
  s->frame = fftw_malloc(frame_len * sizeof *s->frame);
  s->bins = fftw_malloc(s->n_bins * sizeof *s->bins);
  if (!s->window || !s->synthesis || !s->window_sq || !s->frame || !s->bins)
    goto fail;

  /* scipy get_window('hann', N): general_cosine on linspace(-pi, pi, N+1)
   * with the last point dropped, w = 0.5 + 0.5 cos(fac). */
  step = 2.0 * M_PI / (double)frame_len;
  for (n = 0; n < frame_len; n++) {
    s->window[n] = 0.5 + 0.5 * cos((double)n * step + -M_PI);
    s->window_sq[n] = s->window[n] * s->window[n];
    sum += s->window[n];
  }
  s->scale = 1.0 / sum;
  for (n = 0; n < frame_len; n++)
    s->synthesis[n] = s->window[n] * (sum / (double)frame_len);

  s->forward = sb_fftplan_r2c((int)frame_len, s->frame, s->bins, FFTW_ESTIMATE);
  s->inverse = sb_fftplan_c2r((int)frame_len, s->bins, s->frame, FFTW_ESTIMATE);
  if (!s->forward || !s->inverse)
    goto fail;
  *out = s;
  return SB_OK;

fail:
  sb_stft_free(&s);
  return SB_ENOMEM;
}

size_t sb_stft_frame_len(const sb_stft *stft)
{
  return stft->frame_len;
}

size_t sb_stft_hop_len(const sb_stft *stft)
{
  return stft->hop_len;
}

size_t sb_stft_n_bins(const sb_stft *stft)
{
  return stft->n_bins;
}

sb_err sb_stft_n_frames(const sb_stft *stft, int64_t n_samples, int64_t *out)
{
  int64_t hop;

  if (!stft || !out || n_samples < 1)
    return SB_EINVAL;
  hop = (int64_t)stft->hop_len;
  *out = (n_samples + hop - 1) / hop + 1;
  return SB_OK;
}

/* Range [*lo, *hi) of in-frame offsets n whose signal index start + n lies
 * in [0, n_samples); empty (lo == hi) when the frame misses the signal. */
static void overlap(int64_t start, int64_t frame_len, int64_t n_samples, int64_t *lo, int64_t *hi)
{
  int64_t a = start < 0 ? -start : 0;
  int64_t b = n_samples - start < frame_len ? n_samples - start : frame_len;

  if (b < a)
    b = a;
  *lo = a;
  *hi = b;
}

sb_err sb_stft_forward_frame(sb_stft *stft, const double *x, int64_t n_samples, int64_t frame,
                             fftw_complex *bins)
{
  int64_t n_frames, frame_len, start, lo, hi, n;
  size_t k;

  if (!stft || !x || !bins || n_samples < 1)
    return SB_EINVAL;
  frame_len = (int64_t)stft->frame_len;
  sb_stft_n_frames(stft, n_samples, &n_frames);
  if (frame < 0 || frame >= n_frames)
    return SB_EINVAL;

  start = frame * (int64_t)stft->hop_len - frame_len / 2;
  overlap(start, frame_len, n_samples, &lo, &hi);
  for (n = 0; n < lo; n++)
    stft->frame[n] = 0.0;
  for (n = lo; n < hi; n++)
    stft->frame[n] = stft->window[n] * x[start + n];
  for (n = hi; n < frame_len; n++)
    stft->frame[n] = 0.0;

  fftw_execute(stft->forward);
  for (k = 0; k < stft->n_bins; k++) {
    bins[k][0] = stft->bins[k][0] * stft->scale;
    bins[k][1] = stft->bins[k][1] * stft->scale;
  }
  return SB_OK;
}

sb_err sb_stft_add_frame(sb_stft *stft, const fftw_complex *bins, int64_t frame, double *y,
                         int64_t n_samples)
{
  int64_t frame_len, start, lo, hi, n;

  if (!stft || !bins || !y || n_samples < 1 || frame < 0)
    return SB_EINVAL;
  frame_len = (int64_t)stft->frame_len;

  start = frame * (int64_t)stft->hop_len - frame_len / 2;
  overlap(start, frame_len, n_samples, &lo, &hi);
  if (lo == hi)
    return SB_OK;

  /* c2r overwrites its input: work on a copy.  The imaginary parts of the
   * DC and Nyquist bins do not exist in a real signal's spectrum (irfft
   * ignores them); zero them so that FFTW does too. */
  memcpy(stft->bins, bins, stft->n_bins * sizeof *stft->bins);
  stft->bins[0][1] = 0.0;
  stft->bins[stft->n_bins - 1][1] = 0.0;
  fftw_execute(stft->inverse);
  for (n = lo; n < hi; n++)
    y[start + n] += stft->synthesis[n] * stft->frame[n];
  return SB_OK;
}

sb_err sb_stft_normalize(const sb_stft *stft, int64_t n_frames, double *y, int64_t n_samples)
{
  int64_t frame_len, hop, half, end, i;

  if (!stft || !y || n_frames < 1 || n_samples < 1)
    return SB_EINVAL;
  frame_len = (int64_t)stft->frame_len;
  hop = (int64_t)stft->hop_len;
  half = frame_len / 2;

  end = (n_frames - 1) * hop;
  if (end > n_samples)
    end = n_samples;
  for (i = 0; i < end; i++) {
    /* position in the extended signal; frames t with t*hop <= p < t*hop + frame_len */
    const int64_t p = i + half;
    int64_t t_last = p / hop;
    int64_t t = p >= frame_len ? (p - frame_len) / hop + 1 : 0;
    double norm = 0.0;

    if (t_last > n_frames - 1)
      t_last = n_frames - 1;
    for (; t <= t_last; t++)
      norm += stft->window_sq[p - t * hop];
    if (norm > 1e-10)
      y[i] /= norm;
  }
  for (i = end; i < n_samples; i++)
    y[i] = 0.0;
  return SB_OK;
}

sb_err sb_stft_forward(sb_stft *stft, const double *x, int64_t n_samples, fftw_complex *spec)
{
  int64_t n_frames, t;
  sb_err err;

  if (!stft || !x || !spec)
    return SB_EINVAL;
  err = sb_stft_n_frames(stft, n_samples, &n_frames);
  if (err != SB_OK)
    return err;
  for (t = 0; t < n_frames; t++) {
    err = sb_stft_forward_frame(stft, x, n_samples, t, spec + (size_t)t * stft->n_bins);
    if (err != SB_OK)
      return err;
  }
  return SB_OK;
}

sb_err sb_stft_inverse(sb_stft *stft, const fftw_complex *spec, int64_t n_frames, double *y,
                       int64_t n_samples)
{
  int64_t t, last;
  sb_err err;

  if (!stft || !spec || !y || n_frames < 1 || n_samples < 1)
    return SB_EINVAL;
  memset(y, 0, (size_t)n_samples * sizeof *y);
  /* frames starting at or after the end of y contribute nothing */
  last = (n_samples + (int64_t)(stft->frame_len / 2)) / (int64_t)stft->hop_len;
  if (last > n_frames - 1)
    last = n_frames - 1;
  for (t = 0; t <= last; t++) {
    err = sb_stft_add_frame(stft, spec + (size_t)t * stft->n_bins, t, y, n_samples);
    if (err != SB_OK)
      return err;
  }
  return sb_stft_normalize(stft, n_frames, y, n_samples);
}
