/*
 * metrics/embedders.c — the raw and log-mel frame embedders of the MAPSS
 * measures; see metrics/embedders.h.  "raw" follows models.py
 * embed_batch_raw of Amir-Ivry/MAPSS-measures 3157d20a; the mel filterbank
 * follows librosa.filters.mel defaults (Slaney scale, Slaney area
 * normalisation).
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "common/fftplan.h"
#include "common/first_error.h"
#include "metrics/embedders.h"

enum { FRAME = 320, MEL_WIN = 400, MEL_FFT = 512, N_MELS = 64 };

/* The state of one built-in embedder (mel and window for logmel only). */
typedef struct builtin {
  int logmel;
  double *mel;          /* [N_MELS][MEL_FFT / 2 + 1] */
  double window[MEL_WIN];
} builtin;

static double hz_to_mel(double f)
{
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, logstep = log(6.4) / 27.0;
  return f < min_log_hz ? f / f_sp : min_log_hz / f_sp + log(f / min_log_hz) / logstep;
}

static double mel_to_hz(double m)
{
  const double f_sp = 200.0 / 3.0, min_log_mel = 1000.0 / f_sp, logstep = log(6.4) / 27.0;
  return m < min_log_mel ? m * f_sp : 1000.0 * exp(logstep * (m - min_log_mel));
}

static void build_mel(double *w)
{
  const size_t nb = MEL_FFT / 2 + 1;
  double pts[N_MELS + 2], m_hi = hz_to_mel(8000.0);
  for (int i = 0; i < N_MELS + 2; i++)
    pts[i] = mel_to_hz(m_hi * i / (N_MELS + 1));
  for (int i = 0; i < N_MELS; i++) {
    double enorm = 2.0 / (pts[i + 2] - pts[i]);
    for (size_t k = 0; k < nb; k++) {
      double f = (double)k * 16000.0 / MEL_FFT;
      double lower = (f - pts[i]) / (pts[i + 1] - pts[i]);
      double upper = (pts[i + 2] - f) / (pts[i + 2] - pts[i + 1]);
      double v = lower < upper ? lower : upper;
      w[i * nb + k] = (v > 0.0 ? v : 0.0) * enorm;
    }
  }
}

/* Rows 0..n_sel of out: the listed 320-sample frames of x, rounded to
 * float32. */
static void embed_raw(const double *x, const size_t *frames, size_t n_sel, double *out)
{
  for (size_t i = 0; i < n_sel; i++) {
    const double *src = x + frames[i] * FRAME;
    for (size_t j = 0; j < FRAME; j++)
      out[i * FRAME + j] = (double)(float)src[j];
  }
}

/* Rows 0..n_sel of out: the log-mel energies of the listed frames of x
 * (n samples). */
static sb_err embed_logmel(const builtin *b, const double *x, size_t n, const size_t *frames,
                           size_t n_sel, double *out)
{
  const size_t nb = MEL_FFT / 2 + 1;
  double *buf = fftw_malloc(MEL_FFT * sizeof *buf), power[MEL_FFT / 2 + 1];
  fftw_complex *bins = fftw_malloc(nb * sizeof *bins);
  fftw_plan plan = NULL;
  if (buf && bins)
    plan = sb_fftplan_r2c(MEL_FFT, buf, bins, FFTW_ESTIMATE);
  if (!plan) {
    fftw_free(buf);
    fftw_free(bins);
    return SB_ENOMEM;
  }
  for (size_t i = 0; i < n_sel; i++) {
    size_t t = frames[i];
    for (size_t j = 0; j < MEL_FFT; j++) {
      size_t p = t * FRAME + j;
      buf[j] = (j < MEL_WIN && p < n) ? x[p] * b->window[j] : 0.0;
    }
    fftw_execute(plan);
    for (size_t k = 0; k < nb; k++)
      power[k] = creal(bins[k]) * creal(bins[k]) + cimag(bins[k]) * cimag(bins[k]);
    for (int m = 0; m < N_MELS; m++) {
      double acc = 0.0;
      for (size_t k = 0; k < nb; k++)
        acc += b->mel[m * nb + k] * power[k];
      out[i * N_MELS + m] = log(acc + 1e-6);
    }
  }
  sb_fftplan_destroy(&plan);
  fftw_free(buf);
  fftw_free(bins);
  return SB_OK;
}

static sb_err builtin_dim(void *ctx, const double *signal, size_t n_samples, const char *name, size_t *dim,
                          sb_msg *msg)
{
  const builtin *b = ctx;
  (void)signal;
  (void)n_samples;
  (void)name;
  (void)msg;
  *dim = b->logmel ? N_MELS : FRAME;
  return SB_OK;
}

static sb_err builtin_embed(void *ctx, const double *const *signals, size_t n_signals, size_t n_samples,
                            const char *const *names, const size_t *frames, size_t n_sel, size_t dim,
                            double *out, sb_msg *msg)
{
  const builtin *b = ctx;
  sb_err err = SB_OK;
  (void)names;
  if (dim != (b->logmel ? N_MELS : FRAME))
    return sb_msg_set(msg, SB_EFORMAT, "the %s embedder has dimension %d, not %zu", b->logmel ? "logmel" : "raw",
                      b->logmel ? N_MELS : FRAME, dim);
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < n_signals; i++) {
    if (!b->logmel)
      embed_raw(signals[i], frames, n_sel, out + i * n_sel * dim);
    else
      sb_first_error_keep(&err, embed_logmel(b, signals[i], n_samples, frames, n_sel, out + i * n_sel * dim));
  }
  return err;
}

static void builtin_free(void *ctx)
{
  builtin *b = ctx;
  if (!b)
    return;
  free(b->mel);
  free(b);
}

sb_err sb_embedder_builtin_new(const char *kind, sb_embedder **out, sb_msg *msg)
{
  builtin *b;
  int logmel;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!kind || !*kind || strcmp(kind, "raw") == 0)
    logmel = 0;
  else if (strcmp(kind, "logmel") == 0)
    logmel = 1;
  else
    return sb_msg_set(msg, SB_EINVAL, "%s: not a built-in PS/PM embedder (raw, logmel)", kind);
  if (!(b = calloc(1, sizeof *b)))
    return SB_ENOMEM;
  b->logmel = logmel;
  if (logmel) {
    if (!(b->mel = malloc((size_t)N_MELS * (MEL_FFT / 2 + 1) * sizeof *b->mel))) {
      builtin_free(b);
      return SB_ENOMEM;
    }
    build_mel(b->mel);
    for (int i = 0; i < MEL_WIN; i++)
      b->window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / MEL_WIN);
  }
  return sb_embedder_new_custom(logmel ? "logmel" : "raw", 0, builtin_dim, builtin_embed, builtin_free, b, out);
}
