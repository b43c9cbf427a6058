/*
 * metrics/phasevocoder.c — librosa-compatible STFT phase vocoder,
 * time_stretch and pitch_shift; see metrics/phasevocoder.h.  Follows
 * librosa 0.11 core/spectrum.py (stft, istft, phase_vocoder),
 * filters.window_sumsquare, effects.py (time_stretch, pitch_shift),
 * core/audio.py resample (soxr_hq) and util.fix_length.
 *
 * Cost: the analysis (one FFT, atan2f and cabsf per column and bin) is
 * done once per signal and shared by every stretch; a stretch costs one
 * cosf/sinf pair per bin and one inverse FFT per synthesised column, and
 * synthesises only the columns the output needs (librosa computes all and
 * drops the tail in istft).
 */
#include <config.h>

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <soxr.h>

#include "common/fftplan.h"
#include "common/first_error.h"
#include "metrics/phasevocoder.h"
#include "common/vectorize.h"

/* Impulse responses per libsoxr stream when building a resampling matrix:
 * the channels of one multi-channel resampler (each channel is resampled
 * on its own, bit for bit as a mono stream; the filter set-up is shared). */
enum { MATRIX_CHANNELS = 32 };

/* Frames resampled together through a matrix, and output samples per
 * tile: 32 x 64 partial sums (16 KiB) stay in L1 while the matrix
 * streams once per 32 frames. */
enum { FRAME_BLOCK = 32, SAMPLE_BLOCK = 64 };

struct sb_pvoc {
  size_t n_fft, hop, n_bins;
  double *window;     /* periodic Hann */
  double *advance;    /* expected phase advance per hop of bin k */
  fftw_plan forward;  /* r2c of n_fft */
  fftw_plan inverse;  /* c2r of n_fft */
};

struct sb_pvoc_analysis {
  const sb_pvoc *pv;
  size_t n;           /* samples analysed */
  size_t n_frames;    /* STFT columns (the 2 zero columns librosa appends excluded) */
  size_t cap_frames;  /* columns allocated, zero columns included */
  float *ang, *amp;   /* [column][bin]: np.angle and np.abs in float32 */
  double *frame;      /* n_fft, FFTW-aligned */
  fftw_complex *spec; /* n_bins, FFTW-aligned */
};

sb_err sb_pvoc_new(size_t n_fft, sb_pvoc **out)
{
  sb_pvoc *pv;
  double *buf = NULL;
  fftw_complex *spec = NULL;
  if (!out || n_fft < 8 || n_fft % 2)
    return SB_EINVAL;
  *out = NULL;
  if (!(pv = calloc(1, sizeof *pv)))
    return SB_ENOMEM;
  pv->n_fft = n_fft;
  pv->hop = n_fft / 4;
  pv->n_bins = n_fft / 2 + 1;
  pv->window = malloc(n_fft * sizeof *pv->window);
  pv->advance = malloc(pv->n_bins * sizeof *pv->advance);
  buf = fftw_malloc(n_fft * sizeof *buf);
  spec = fftw_malloc(pv->n_bins * sizeof *spec);
  if (!pv->window || !pv->advance || !buf || !spec)
    goto fail;
  for (size_t k = 0; k < n_fft; k++)
    pv->window[k] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)k / (double)n_fft);
  for (size_t k = 0; k < pv->n_bins; k++)
    pv->advance[k] = (double)pv->hop * 2.0 * M_PI * (double)k / (double)n_fft;
  pv->forward = sb_fftplan_r2c((int)n_fft, buf, spec, FFTW_ESTIMATE);
  pv->inverse = sb_fftplan_c2r((int)n_fft, spec, buf, FFTW_ESTIMATE);
  fftw_free(buf);
  fftw_free(spec);
  if (!pv->forward || !pv->inverse) {
    sb_pvoc_free(&pv);
    return SB_ENOMEM;
  }
  *out = pv;
  return SB_OK;
fail:
  fftw_free(buf);
  fftw_free(spec);
  sb_pvoc_free(&pv);
  return SB_ENOMEM;
}

void sb_pvoc_free(sb_pvoc **pv)
{
  if (!pv || !*pv)
    return;
  sb_fftplan_destroy(&(*pv)->forward);
  sb_fftplan_destroy(&(*pv)->inverse);
  free((*pv)->window);
  free((*pv)->advance);
  free(*pv);
  *pv = NULL;
}

/* Python's round() (half to even) for lengths. */
static size_t round_half_even(double v)
{
  return (size_t)nearbyint(v);
}

sb_err sb_pvoc_analysis_new(const sb_pvoc *pv, sb_pvoc_analysis **out)
{
  sb_pvoc_analysis *a;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!pv)
    return SB_EINVAL;
  if (!(a = calloc(1, sizeof *a)))
    return SB_ENOMEM;
  a->pv = pv;
  a->frame = fftw_malloc(pv->n_fft * sizeof *a->frame);
  a->spec = fftw_malloc(pv->n_bins * sizeof *a->spec);
  if (!a->frame || !a->spec) {
    sb_pvoc_analysis_free(&a);
    return SB_ENOMEM;
  }
  *out = a;
  return SB_OK;
}

void sb_pvoc_analysis_free(sb_pvoc_analysis **a)
{
  if (!a || !*a)
    return;
  free((*a)->ang);
  free((*a)->amp);
  fftw_free((*a)->frame);
  fftw_free((*a)->spec);
  free(*a);
  *a = NULL;
}

/* np.abs of the complex64 values of spec: hypotf, which glibc computes as
 * the double square root of the double sum of squares rounded to float;
 * written out so that it vectorises (the same value: checked against
 * cabsf on 2e8 random pairs, extreme exponents included). */
SB_CLONES
static void magnitudes(const fftw_complex *restrict spec, size_t nb, float *restrict amp)
{
  SB_SIMD
  for (size_t k = 0; k < nb; k++) {
    double re = (double)(float)creal(spec[k]), im = (double)(float)cimag(spec[k]);
    amp[k] = (float)sqrt(re * re + im * im);
  }
}

sb_err sb_pvoc_analyze(sb_pvoc_analysis *a, const double *x, size_t n)
{
  const sb_pvoc *pv;
  size_t n_fft, hop, nb, half, padded, n_frames;

  if (!a || !x || n == 0)
    return SB_EINVAL;
  pv = a->pv;
  n_fft = pv->n_fft;
  hop = pv->hop;
  nb = pv->n_bins;
  half = n_fft / 2;
  padded = n + 2 * half;
  n_frames = 1 + (padded - n_fft) / hop;
  if (n_frames + 2 > a->cap_frames) {
    float *ang = realloc(a->ang, (n_frames + 2) * nb * sizeof *ang), *amp;
    if (!ang)
      return SB_ENOMEM;
    a->ang = ang;
    if (!(amp = realloc(a->amp, (n_frames + 2) * nb * sizeof *amp)))
      return SB_ENOMEM;
    a->amp = amp;
    a->cap_frames = n_frames + 2;
  }
  a->n = n;
  a->n_frames = n_frames;

  /* STFT in complex64 (the input rounded to float32 first, as librosa
   * keeps float32 signals), then np.angle / np.abs in float32; the two
   * zero columns librosa appends have angle and magnitude 0. */
  for (size_t t = 0; t < n_frames; t++) {
    float *ang = a->ang + t * nb, *amp = a->amp + t * nb;
    for (size_t j = 0; j < n_fft; j++) {
      size_t p = t * hop + j;
      double v = (p >= half && p - half < n) ? x[p - half] : 0.0;
      a->frame[j] = (double)(float)v * pv->window[j];
    }
    fftw_execute_dft_r2c(pv->forward, a->frame, a->spec);
    for (size_t k = 0; k < nb; k++) {
      float complex d = (float)creal(a->spec[k]) + I * (float)cimag(a->spec[k]);
      ang[k] = atan2f(cimagf(d), crealf(d));
    }
    magnitudes(a->spec, nb, amp);
  }
  memset(a->ang + n_frames * nb, 0, 2 * nb * sizeof *a->ang);
  memset(a->amp + n_frames * nb, 0, 2 * nb * sizeof *a->amp);
  return SB_OK;
}

sb_err sb_pvoc_stretched_len(const sb_pvoc_analysis *a, double rate, size_t *len)
{
  if (!a || !a->n || !len || !(rate > 0.0) || !isfinite(rate))
    return SB_EINVAL;
  *len = round_half_even((double)a->n / rate);
  return SB_OK;
}

/* Phase vocoder column (complex64) from the analysed columns i0 and
 * i0 + 1 (angles a0, a1, magnitudes m0, m1) at fraction w1 = 1 - w0:
 * magnitude interpolated, the current phase applied, then the phase
 * advanced by the expected advance plus the wrapped deviation; the result
 * into spec as numpy's irfft sees it (imaginary parts of the DC and
 * Nyquist bins ignored).  Three passes: the phase update (vectorised),
 * sincosf (libm, bin by bin; what GCC makes of cosf and sinf of one
 * value), the products (vectorised).  The column
 * value is librosa's mag * phasor(phase) in complex64, then widened,
 * written out as GCC evaluates (cos + I sin) * mag and re + I im: real
 * part (cos + 0 sin) mag, then + 0 im (a zero's sign is what may change),
 * imaginary part sin mag.  col: 4 nb floats of scratch. */
SB_CLONES
static void synth_column(size_t nb, const float *restrict a0, const float *restrict a1,
                         const float *restrict m0, const float *restrict m1, float w0, float w1,
                         const double *restrict advance, float *restrict phase,
                         float *restrict col, fftw_complex *restrict spec)
{
  float *mag = col, *now = col + nb, *c = col + 2 * nb, *sn = col + 3 * nb;
  double *out = (double *)spec;  /* re, im interleaved */
  SB_SIMD
  for (size_t k = 0; k < nb; k++) {
    double adv = advance[k], dphase = (double)(a1[k] - a0[k]) - adv;
    mag[k] = w0 * m0[k] + w1 * m1[k];
    now[k] = phase[k];
    dphase = dphase - 2.0 * M_PI * nearbyint(dphase / (2.0 * M_PI));
    phase[k] = (float)((double)phase[k] + (adv + dphase));
  }
  for (size_t k = 0; k < nb; k++)
    sincosf(now[k], &sn[k], &c[k]);
  SB_SIMD
  for (size_t k = 0; k < nb; k++) {
    float re = (c[k] + 0.0f * sn[k]) * mag[k], im = sn[k] * mag[k];
    out[2 * k] = (double)re + 0.0 * (double)im;
    out[2 * k + 1] = (double)im;
  }
  out[1] = 0.0;
  out[2 * nb - 1] = 0.0;
}

/* Windowed overlap-add (float32) of one inverse-transformed column into
 * ybuf, and of the squared window into wss. */
SB_CLONES
static void overlap_add(const double *restrict window, const double *restrict frame, size_t n_fft,
                        float *restrict ybuf, float *restrict wss)
{
  SB_SIMD
  for (size_t j = 0; j < n_fft; j++) {
    double v = window[j] * frame[j] / (double)n_fft;
    ybuf[j] = (float)((double)ybuf[j] + v);
    wss[j] = (float)((double)wss[j] + window[j] * window[j]);
  }
}

sb_err sb_pvoc_stretch(const sb_pvoc_analysis *a, double rate, double *y, size_t y_len)
{
  sb_err err = SB_ENOMEM;
  const sb_pvoc *pv;
  size_t n_fft, hop, nb, half, n_frames, n_steps, len, n_ola, buf_len, spec_at;
  float *phase = NULL, *col, *ybuf, *wss;
  double *frame = NULL;
  fftw_complex *spec;

  if (!a || !a->n || (!y && y_len) || !(rate > 0.0) || !isfinite(rate))
    return SB_EINVAL;
  pv = a->pv;
  n_fft = pv->n_fft;
  hop = pv->hop;
  nb = pv->n_bins;
  half = n_fft / 2;
  n_frames = a->n_frames;
  n_steps = (size_t)ceil((double)n_frames / rate);
  while (n_steps > 0 && (double)(n_steps - 1) * rate >= (double)n_frames)
    n_steps--;
  len = round_half_even((double)a->n / rate);
  /* istft(length = len) overlap-adds only the columns that reach the
   * output: the later ones are never synthesised. */
  n_ola = (size_t)ceil((double)(len + 2 * half) / (double)hop);
  if (n_ola > n_steps)
    n_ola = n_steps;
  buf_len = n_fft + hop * (n_ola ? n_ola - 1 : 0);
  spec_at = (n_fft * sizeof *frame + 63) / 64 * 64;

  /* Scratch in two blocks: float32 phase, column work, overlap-add and
   * window sums;
   * the FFT frame and spectrum (aligned like the plans' arrays). */
  phase = calloc(5 * nb + 2 * buf_len, sizeof *phase);
  frame = fftw_malloc(spec_at + nb * sizeof *spec);
  if (!phase || !frame)
    goto fail;
  col = phase + nb;
  ybuf = col + 4 * nb;
  wss = ybuf + buf_len;
  spec = (fftw_complex *)((char *)frame + spec_at);

  memcpy(phase, a->ang, nb * sizeof *phase);
  for (size_t t = 0; t < n_ola; t++) {
    double step = (double)t * rate, alpha = fmod(step, 1.0);
    size_t i0 = (size_t)step;
    synth_column(nb, a->ang + i0 * nb, a->ang + (i0 + 1) * nb, a->amp + i0 * nb,
                 a->amp + (i0 + 1) * nb, (float)(1.0 - alpha), (float)alpha, pv->advance, phase,
                 col, spec);
    fftw_execute_dft_c2r(pv->inverse, spec, frame);
    overlap_add(pv->window, frame, n_fft, ybuf + t * hop, wss + t * hop);
  }
  /* Centre padding removed, divided by the squared-window sum where it
   * exceeds float32's tiny; cut or zero-padded to y_len. */
  for (size_t i = 0; i < y_len; i++) {
    size_t p = i + half;
    float v = (i < len && p < buf_len) ? ybuf[p] : 0.0f, w = p < buf_len ? wss[p] : 0.0f;
    y[i] = w > FLT_MIN ? (double)(v / w) : (double)v;
  }
  err = SB_OK;

fail:
  free(phase);
  fftw_free(frame);
  return err;
}

sb_err sb_pvoc_time_stretch(const sb_pvoc *pv, const double *x, size_t n, double rate,
                            double **out, size_t *out_len)
{
  sb_pvoc_analysis *a = NULL;
  double *y = NULL;
  size_t len;
  sb_err err;

  if (!pv || !x || !out || !out_len || n == 0 || !(rate > 0.0) || !isfinite(rate))
    return SB_EINVAL;
  *out = NULL;
  *out_len = 0;
  if ((err = sb_pvoc_analysis_new(pv, &a)) || (err = sb_pvoc_analyze(a, x, n)) ||
      (err = sb_pvoc_stretched_len(a, rate, &len)))
    goto fail;
  if (!(y = malloc((len ? len : 1) * sizeof *y))) {
    err = SB_ENOMEM;
    goto fail;
  }
  if ((err = sb_pvoc_stretch(a, rate, y, len)))
    goto fail;
  *out = y;
  *out_len = len;
  y = NULL;

fail:
  free(y);
  sb_pvoc_analysis_free(&a);
  return err;
}

struct sb_pshift {
  double rate_hz, rate;  /* sample rate, stretch rate 2^(-steps/12) */
  soxr_t soxr;
  size_t frame_len;      /* input length the matrix is for (0: none) */
  size_t s_len;          /* stretched length round(frame_len / rate) */
  double *matrix;        /* [s_len][frame_len]: row j = response to impulse j */
};

/* librosa.resample(orig_sr = sr / rate, target_sr = sr) through the
 * cleared stream soxr of n_chan interleaved channels of s_len samples
 * each, then the flush (= soxr_oneshot); fix_length to ceil(s_len rate),
 * then to n: channel c of the output goes to y + c n. */
static sb_err resample_stream(soxr_t soxr, double rate, double rate_hz, const double *in,
                              size_t s_len, size_t n_chan, double *y, size_t n)
{
  size_t want = (size_t)ceil((double)s_len * (rate_hz / (rate_hz / rate)));
  size_t o_len = want + 64, o_done = 0, i_done = 0, chunk = 0;
  double *res = calloc(o_len * n_chan, sizeof *res);
  soxr_error_t serr;

  if (!res)
    return SB_ENOMEM;
  serr = soxr_clear(soxr);
  if (!serr)
    serr = soxr_process(soxr, in, s_len, &i_done, res, o_len, &o_done);
  do {
    chunk = 0;
    if (!serr && o_done < o_len)
      serr = soxr_process(soxr, NULL, 0, NULL, res + o_done * n_chan, o_len - o_done, &chunk);
    o_done += chunk;
  } while (!serr && chunk > 0);
  if (serr || i_done != s_len) {
    free(res);
    return SB_EBACKEND;
  }
  for (size_t c = 0; c < n_chan; c++)
    for (size_t i = 0; i < n; i++)
      y[c * n + i] = (i < o_done && i < want) ? res[i * n_chan + c] : 0.0;
  free(res);
  return SB_OK;
}

static soxr_t make_soxr(double rate, double rate_hz, unsigned n_chan)
{
  soxr_error_t serr = NULL;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT64_I, SOXR_FLOAT64_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  soxr_runtime_spec_t rt = soxr_runtime_spec(1);
  soxr_t soxr = soxr_create(rate_hz / rate, rate_hz, n_chan, &serr, &io, &q, &rt);
  if (serr && soxr) {
    soxr_delete(soxr);
    soxr = NULL;
  }
  return soxr;
}

/* The resampling matrix of frame_len-sample inputs: row j is libsoxr's
 * response to the unit impulse at j.  MATRIX_CHANNELS impulses go through
 * one multi-channel stream (channel c carries the impulse at j0 + c), each
 * thread with its own resampler. */
static sb_err build_matrix(sb_pshift *ps, size_t frame_len)
{
  sb_err err = SB_OK;
  size_t n_groups;
  ps->frame_len = frame_len;
  ps->s_len = round_half_even((double)frame_len / ps->rate);
  if (ps->s_len == 0)
    return SB_EINVAL;
  if (!(ps->matrix = malloc(frame_len * ps->s_len * sizeof *ps->matrix)))
    return SB_ENOMEM;
  n_groups = (ps->s_len + MATRIX_CHANNELS - 1) / MATRIX_CHANNELS;
#pragma omp parallel
  {
    soxr_t own = make_soxr(ps->rate, ps->rate_hz, MATRIX_CHANNELS);
    double *impulses = calloc(ps->s_len * MATRIX_CHANNELS, sizeof *impulses);
    double *cols = malloc(MATRIX_CHANNELS * frame_len * sizeof *cols);
    sb_err t_err = !own ? SB_EBACKEND : (!impulses || !cols ? SB_ENOMEM : SB_OK);
#pragma omp for schedule(dynamic, 1)
    for (size_t g = 0; g < n_groups; g++) {
      size_t j0 = g * MATRIX_CHANNELS;
      size_t n_here = ps->s_len - j0 < MATRIX_CHANNELS ? ps->s_len - j0 : MATRIX_CHANNELS;
      sb_err c_err = t_err;
      if (!c_err) {
        for (size_t c = 0; c < n_here; c++)
          impulses[(j0 + c) * MATRIX_CHANNELS + c] = 1.0;
        c_err = resample_stream(own, ps->rate, ps->rate_hz, impulses, ps->s_len,
                                MATRIX_CHANNELS, cols, frame_len);
        for (size_t c = 0; c < n_here; c++)
          impulses[(j0 + c) * MATRIX_CHANNELS + c] = 0.0;
      }
      if (c_err) {
        sb_first_error_keep(&err, c_err);
        continue;
      }
      memcpy(ps->matrix + j0 * frame_len, cols, n_here * frame_len * sizeof *cols);
    }
    if (own)
      soxr_delete(own);
    free(impulses);
    free(cols);
  }
  return err;
}

sb_err sb_pshift_new(double steps, double rate_hz, size_t frame_len, sb_pshift **out)
{
  sb_pshift *ps;
  sb_err err;
  if (!out || !(rate_hz > 0.0) || !isfinite(steps))
    return SB_EINVAL;
  *out = NULL;
  if (!(ps = calloc(1, sizeof *ps)))
    return SB_ENOMEM;
  ps->rate_hz = rate_hz;
  ps->rate = pow(2.0, -steps / 12.0);
  if (!(ps->soxr = make_soxr(ps->rate, rate_hz, 1))) {
    sb_pshift_free(&ps);
    return SB_EBACKEND;
  }
  if (frame_len > 0 && (err = build_matrix(ps, frame_len))) {
    sb_pshift_free(&ps);
    return err;
  }
  *out = ps;
  return SB_OK;
}

void sb_pshift_free(sb_pshift **ps)
{
  if (!ps || !*ps)
    return;
  if ((*ps)->soxr)
    soxr_delete((*ps)->soxr);
  free((*ps)->matrix);
  free(*ps);
  *ps = NULL;
}

/* Frame k of y (at y + k stride, n samples) = sum over j of v_k[j] times
 * row j of matrix, v_k = v + k s_len: j in increasing order for every
 * output sample, exactly the scalar loop's additions, but four rows per
 * pass (the partial sum stays in a register between them), vectorised
 * over the samples.  Tiles of FRAME_BLOCK frames x SAMPLE_BLOCK samples
 * keep the partial sums in L1 while the matrix streams once per tile
 * column. */
SB_CLONES
static void matrix_apply(const double *restrict matrix, const double *restrict v, size_t s_len,
                         size_t n_frames, double *restrict y, size_t stride, size_t n)
{
  for (size_t k0 = 0; k0 < n_frames; k0 += FRAME_BLOCK) {
    size_t k1 = n_frames - k0 < FRAME_BLOCK ? n_frames : k0 + FRAME_BLOCK;
    for (size_t i0 = 0; i0 < n; i0 += SAMPLE_BLOCK) {
      size_t i1 = n - i0 < SAMPLE_BLOCK ? n : i0 + SAMPLE_BLOCK, j = 0;
      for (size_t k = k0; k < k1; k++)
        for (size_t i = i0; i < i1; i++)
          y[k * stride + i] = 0.0;
      for (; j + 4 <= s_len; j += 4) {
        const double *r0 = matrix + j * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
        for (size_t k = k0; k < k1; k++) {
          double *yk = y + k * stride;
          const double *vk = v + k * s_len + j;
          const double v0 = vk[0], v1 = vk[1], v2 = vk[2], v3 = vk[3];
          SB_SIMD
          for (size_t i = i0; i < i1; i++)
            yk[i] = (((yk[i] + r0[i] * v0) + r1[i] * v1) + r2[i] * v2) + r3[i] * v3;
        }
      }
      for (; j < s_len; j++) {
        const double *row = matrix + j * n;
        for (size_t k = k0; k < k1; k++) {
          double *yk = y + k * stride;
          const double vj = v[k * s_len + j];
          SB_SIMD
          for (size_t i = i0; i < i1; i++)
            yk[i] += row[i] * vj;
        }
      }
    }
  }
}

sb_err sb_pshift_rate(const sb_pshift *ps, double *rate)
{
  if (!ps || !rate)
    return SB_EINVAL;
  *rate = ps->rate;
  return SB_OK;
}

sb_err sb_pshift_resample_frames(const sb_pshift *ps, const double *stretched, size_t n_frames,
                                 double *y, size_t y_stride)
{
  if (!ps || !ps->matrix || (n_frames && (!stretched || !y)) || y_stride < ps->frame_len)
    return SB_EINVAL;
  matrix_apply(ps->matrix, stretched, ps->s_len, n_frames, y, y_stride, ps->frame_len);
  return SB_OK;
}

sb_err sb_pshift_apply(sb_pshift *ps, const sb_pvoc_analysis *a, double *y)
{
  sb_err err;
  double *stretched;
  size_t s_len, n;

  if (!ps || !a || !a->n || !y)
    return SB_EINVAL;
  n = a->n;
  if ((err = sb_pvoc_stretched_len(a, ps->rate, &s_len)))
    return err;
  if (!(stretched = malloc((s_len ? s_len : 1) * sizeof *stretched)))
    return SB_ENOMEM;
  if ((err = sb_pvoc_stretch(a, ps->rate, stretched, s_len)))
    goto done;
  if (ps->matrix && n == ps->frame_len && s_len == ps->s_len)
    matrix_apply(ps->matrix, stretched, s_len, 1, y, n, n);
  else
    err = resample_stream(ps->soxr, ps->rate, ps->rate_hz, stretched, s_len, 1, y, n);
done:
  free(stretched);
  return err;
}

sb_err sb_pvoc_pitch_shift(const sb_pvoc *pv, sb_pshift *ps, const double *x, size_t n,
                           double *y)
{
  sb_pvoc_analysis *a = NULL;
  sb_err err;

  if (!pv || !ps || !x || !y || n == 0)
    return SB_EINVAL;
  if (!(err = sb_pvoc_analysis_new(pv, &a)) && !(err = sb_pvoc_analyze(a, x, n)))
    err = sb_pshift_apply(ps, a, y);
  sb_pvoc_analysis_free(&a);
  return err;
}
