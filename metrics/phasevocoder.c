/*
 * metrics/phasevocoder.c — librosa-compatible STFT phase vocoder,
 * time_stretch and pitch_shift; see metrics/phasevocoder.h.  Follows
 * librosa 0.11 core/spectrum.py (stft, istft, phase_vocoder),
 * filters.window_sumsquare, effects.py (time_stretch, pitch_shift),
 * core/audio.py resample (soxr_hq) and util.fix_length.
 */
#include <config.h>

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <soxr.h>

#include "metrics/phasevocoder.h"

struct sb_pvoc {
  size_t n_fft, hop, n_bins;
  double *window;     /* periodic Hann */
  fftw_plan forward;  /* r2c of n_fft */
  fftw_plan inverse;  /* c2r of n_fft */
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
  buf = fftw_malloc(n_fft * sizeof *buf);
  spec = fftw_malloc(pv->n_bins * sizeof *spec);
  if (!pv->window || !buf || !spec)
    goto fail;
  for (size_t k = 0; k < n_fft; k++)
    pv->window[k] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)k / (double)n_fft);
#pragma omp critical(sb_fftw_plan)
  {
    pv->forward = fftw_plan_dft_r2c_1d((int)n_fft, buf, spec, FFTW_ESTIMATE);
    pv->inverse = fftw_plan_dft_c2r_1d((int)n_fft, spec, buf, FFTW_ESTIMATE);
  }
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
#pragma omp critical(sb_fftw_plan)
  {
    if ((*pv)->forward)
      fftw_destroy_plan((*pv)->forward);
    if ((*pv)->inverse)
      fftw_destroy_plan((*pv)->inverse);
  }
  free((*pv)->window);
  free(*pv);
  *pv = NULL;
}

/* Python's round() (half to even) for lengths. */
static size_t round_half_even(double v)
{
  return (size_t)nearbyint(v);
}

sb_err sb_pvoc_time_stretch(const sb_pvoc *pv, const double *x, size_t n, double rate,
                            double **out, size_t *out_len)
{
  sb_err err = SB_ENOMEM;
  size_t n_fft, hop, nb, half, padded, n_frames, n_steps, len, n_ola, buf_len;
  float complex *D = NULL, *S = NULL;
  float *phase = NULL, *ybuf = NULL, *wss = NULL, *ang = NULL, *amp = NULL;
  double *frame = NULL, *y = NULL;
  fftw_complex *spec = NULL;

  if (!pv || !x || !out || !out_len || n == 0 || !(rate > 0.0) || !isfinite(rate))
    return SB_EINVAL;
  *out = NULL;
  *out_len = 0;
  n_fft = pv->n_fft;
  hop = pv->hop;
  nb = pv->n_bins;
  half = n_fft / 2;
  padded = n + 2 * half;
  if (padded < n_fft)
    return SB_EINVAL;
  n_frames = 1 + (padded - n_fft) / hop;
  n_steps = (size_t)ceil((double)n_frames / rate);
  while (n_steps > 0 && (double)(n_steps - 1) * rate >= (double)n_frames)
    n_steps--;
  len = round_half_even((double)n / rate);

  D = malloc((n_frames + 2) * nb * sizeof *D);
  S = malloc((n_steps ? n_steps : 1) * nb * sizeof *S);
  phase = malloc(nb * sizeof *phase);
  ang = malloc((n_frames + 2) * nb * sizeof *ang);
  amp = malloc((n_frames + 2) * nb * sizeof *amp);
  frame = fftw_malloc(n_fft * sizeof *frame);
  spec = fftw_malloc(nb * sizeof *spec);
  if (!D || !S || !phase || !ang || !amp || !frame || !spec)
    goto fail;

  /* STFT (complex64 storage, column t at D + t nb). */
  for (size_t t = 0; t < n_frames; t++) {
    for (size_t j = 0; j < n_fft; j++) {
      size_t p = t * hop + j;
      double v = (p >= half && p - half < n) ? x[p - half] : 0.0;
      frame[j] = (double)(float)v * pv->window[j];
    }
    fftw_execute_dft_r2c(pv->forward, frame, spec);
    for (size_t k = 0; k < nb; k++)
      D[t * nb + k] = (float)creal(spec[k]) + I * (float)cimag(spec[k]);
  }
  for (size_t k = 0; k < 2 * nb; k++)
    D[n_frames * nb + k] = 0.0f;

  /* Phase vocoder; the angle and magnitude of every column are computed
   * once (np.angle / np.abs in float32). */
  for (size_t i = 0; i < (n_frames + 2) * nb; i++) {
    ang[i] = atan2f(cimagf(D[i]), crealf(D[i]));
    amp[i] = cabsf(D[i]);
  }
  for (size_t k = 0; k < nb; k++)
    phase[k] = ang[k];
  for (size_t t = 0; t < n_steps; t++) {
    double step = (double)t * rate, alpha = fmod(step, 1.0);
    size_t i0 = (size_t)step;
    const float *a0 = ang + i0 * nb, *a1 = ang + (i0 + 1) * nb;
    const float *m0 = amp + i0 * nb, *m1 = amp + (i0 + 1) * nb;
    float w0 = (float)(1.0 - alpha), w1 = (float)alpha;
    for (size_t k = 0; k < nb; k++) {
      float mag = w0 * m0[k] + w1 * m1[k];
      double adv = (double)hop * 2.0 * M_PI * (double)k / (double)n_fft, dphase;
      S[t * nb + k] = (cosf(phase[k]) + I * sinf(phase[k])) * mag;
      dphase = (double)(a1[k] - a0[k]) - adv;
      dphase = dphase - 2.0 * M_PI * nearbyint(dphase / (2.0 * M_PI));
      phase[k] = (float)((double)phase[k] + (adv + dphase));
    }
  }

  /* ISTFT with length len: frames t < n_ola, overlap-added (float32) into
   * the centred buffer, then divided by the squared-window sum. */
  n_ola = (size_t)ceil((double)(len + 2 * half) / (double)hop);
  if (n_ola > n_steps)
    n_ola = n_steps;
  buf_len = n_fft + hop * (n_ola ? n_ola - 1 : 0);
  ybuf = calloc(buf_len, sizeof *ybuf);
  wss = calloc(buf_len, sizeof *wss);
  y = malloc((len ? len : 1) * sizeof *y);
  if (!ybuf || !wss || !y)
    goto fail;
  for (size_t t = 0; t < n_ola; t++) {
    for (size_t k = 0; k < nb; k++) {
      spec[k] = (double)crealf(S[t * nb + k]) + I * (double)cimagf(S[t * nb + k]);
    }
    /* numpy's irfft ignores the imaginary parts of the DC and Nyquist bins. */
    spec[0] = creal(spec[0]);
    spec[nb - 1] = creal(spec[nb - 1]);
    fftw_execute_dft_c2r(pv->inverse, spec, frame);
    for (size_t j = 0; j < n_fft; j++) {
      double v = pv->window[j] * frame[j] / (double)n_fft;
      ybuf[t * hop + j] = (float)((double)ybuf[t * hop + j] + v);
      wss[t * hop + j] = (float)((double)wss[t * hop + j] + pv->window[j] * pv->window[j]);
    }
  }
  for (size_t i = 0; i < len; i++) {
    size_t p = i + half;
    float v = p < buf_len ? ybuf[p] : 0.0f, w = p < buf_len ? wss[p] : 0.0f;
    y[i] = w > FLT_MIN ? (double)(v / w) : (double)v;
  }
  *out = y;
  *out_len = len;
  y = NULL;
  err = SB_OK;

fail:
  free(D);
  free(S);
  free(phase);
  free(ang);
  free(amp);
  fftw_free(frame);
  fftw_free(spec);
  free(ybuf);
  free(wss);
  free(y);
  return err;
}

struct sb_pshift {
  double rate_hz, rate;  /* sample rate, stretch rate 2^(-steps/12) */
  soxr_t soxr;
  size_t frame_len;      /* input length the matrix is for (0: none) */
  size_t s_len;          /* stretched length round(frame_len / rate) */
  double *matrix;        /* [s_len][frame_len]: column j = response to impulse j */
};

/* librosa.resample(orig_sr = sr / rate, target_sr = sr) of in (s_len
 * samples) through the cleared stream soxr, then the flush (=
 * soxr_oneshot); fix_length to ceil(s_len rate), then to n, into y. */
static sb_err resample_stream(soxr_t soxr, double rate, double rate_hz, const double *in,
                              size_t s_len, double *y, size_t n)
{
  size_t want = (size_t)ceil((double)s_len * (rate_hz / (rate_hz / rate)));
  size_t o_len = want + 64, o_done = 0, i_done = 0, chunk = 0;
  double *res = calloc(o_len, sizeof *res);
  soxr_error_t serr;

  if (!res)
    return SB_ENOMEM;
  serr = soxr_clear(soxr);
  if (!serr)
    serr = soxr_process(soxr, in, s_len, &i_done, res, o_len, &o_done);
  do {
    chunk = 0;
    if (!serr && o_done < o_len)
      serr = soxr_process(soxr, NULL, 0, NULL, res + o_done, o_len - o_done, &chunk);
    o_done += chunk;
  } while (!serr && chunk > 0);
  if (serr || i_done != s_len) {
    free(res);
    return SB_EBACKEND;
  }
  for (size_t i = 0; i < n; i++)
    y[i] = (i < o_done && i < want) ? res[i] : 0.0;
  free(res);
  return SB_OK;
}

static soxr_t make_soxr(double rate, double rate_hz)
{
  soxr_error_t serr = NULL;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT64_I, SOXR_FLOAT64_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  soxr_t soxr = soxr_create(rate_hz / rate, rate_hz, 1, &serr, &io, &q, NULL);
  if (serr && soxr) {
    soxr_delete(soxr);
    soxr = NULL;
  }
  return soxr;
}

/* The resampling matrix of frame_len-sample inputs: one impulse response
 * per column, each thread streaming through its own resampler. */
static sb_err build_matrix(sb_pshift *ps, size_t frame_len)
{
  sb_err err = SB_OK;
  ps->frame_len = frame_len;
  ps->s_len = round_half_even((double)frame_len / ps->rate);
  if (ps->s_len == 0)
    return SB_EINVAL;
  if (!(ps->matrix = malloc(frame_len * ps->s_len * sizeof *ps->matrix)))
    return SB_ENOMEM;
#pragma omp parallel
  {
    soxr_t own = make_soxr(ps->rate, ps->rate_hz);
    double *impulse = calloc(ps->s_len, sizeof *impulse), *col = malloc(frame_len * sizeof *col);
    sb_err t_err = !own ? SB_EBACKEND : (!impulse || !col ? SB_ENOMEM : SB_OK);
#pragma omp for schedule(dynamic, 16)
    for (size_t j = 0; j < ps->s_len; j++) {
      sb_err c_err = t_err;
      if (!c_err) {
        impulse[j] = 1.0;
        c_err = resample_stream(own, ps->rate, ps->rate_hz, impulse, ps->s_len, col, frame_len);
        impulse[j] = 0.0;
      }
      if (c_err) {
#pragma omp critical(sb_pshift_err)
        err = c_err;
        continue;
      }
      memcpy(ps->matrix + j * frame_len, col, frame_len * sizeof *col);
    }
    if (own)
      soxr_delete(own);
    free(impulse);
    free(col);
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
  if (!(ps->soxr = make_soxr(ps->rate, rate_hz))) {
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

sb_err sb_pvoc_pitch_shift(const sb_pvoc *pv, sb_pshift *ps, const double *x, size_t n,
                           double *y)
{
  sb_err err;
  double *stretched = NULL;
  size_t s_len = 0;

  if (!pv || !ps || !x || !y || n == 0)
    return SB_EINVAL;
  if ((err = sb_pvoc_time_stretch(pv, x, n, ps->rate, &stretched, &s_len)))
    return err;
  if (ps->matrix && n == ps->frame_len && s_len == ps->s_len) {
    /* Column by column (vectorises over i; each y[i] sums over j in order). */
    for (size_t i = 0; i < n; i++)
      y[i] = 0.0;
    for (size_t j = 0; j < s_len; j++) {
      const double *col = ps->matrix + j * n, v = stretched[j];
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        y[i] += col[i] * v;
    }
  } else {
    err = resample_stream(ps->soxr, ps->rate, ps->rate_hz, stretched, s_len, y, n);
  }
  free(stretched);
  return err;
}
