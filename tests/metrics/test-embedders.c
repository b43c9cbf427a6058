/*
 * tests/metrics/test-embedders.c — the built-in frame embedders of
 * metrics/embedders.c ("raw", "logmel"): kinds and dimensions; raw frames
 * are the float32-rounded samples [320 t, 320 t + 320) in the listed order
 * (unsorted, with repeats); logmel of silence is log(1e-6) in every band,
 * a 1-kHz tone peaks in the band whose Slaney-mel centre (computed here
 * from the scale's definition) is nearest 1 kHz, a list of frames gives
 * the rows of the whole embedding; bad input: unknown kinds, frames out of
 * range, empty lists, signals shorter than one frame, a wrong dimension.
 * The file: and cmd: embedders are tested in tests/backends/.  No
 * randomness.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/embedders.h"
#include "tap.h"

enum { N_SAMPLES = 1000, N_FRAMES = 3 };

/* Slaney's mel scale (librosa.hz_to_mel / mel_to_hz, htk=False). */
static double slaney_mel_to_hz(double m)
{
  return m < 15.0 ? m * 200.0 / 3.0 : 1000.0 * exp(log(6.4) / 27.0 * (m - 15.0));
}

static double slaney_hz_to_mel(double f)
{
  return f < 1000.0 ? f * 3.0 / 200.0 : 15.0 + log(f / 1000.0) / (log(6.4) / 27.0);
}

static void check_kinds(void)
{
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  double sig[N_SAMPLES] = {0};
  size_t dim = 0;
  tap_ok(sb_embedder_builtin_new("nonsense", &e, &msg) == SB_EINVAL && !e && strstr(msg.text, "nonsense"),
         "unknown kind -> EINVAL naming it (%s)", msg.text);
  msg.text[0] = 0;
  tap_ok(sb_embedder_builtin_new("cmd:true", &e, &msg) == SB_EINVAL && !e && strstr(msg.text, "built-in"),
         "cmd: is not built in (%s)", msg.text);
  tap_ok(sb_embedder_builtin_new(NULL, NULL, NULL) == SB_EINVAL, "NULL out -> EINVAL");
  tap_ok(sb_embedder_builtin_new(NULL, &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "raw") == 0 && e->batch == 0 &&
             sb_embedder_dim(e, sig, N_SAMPLES, NULL, &dim, NULL) == SB_OK && dim == 320,
         "NULL kind: raw, not batching, dimension 320");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_builtin_new("", &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "raw") == 0, "\"\": raw");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_builtin_new("logmel", &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "logmel") == 0 &&
             sb_embedder_dim(e, sig, N_SAMPLES, NULL, &dim, NULL) == SB_OK && dim == 64,
         "logmel: dimension 64");
  sb_embedder_free(&e);
}

static void check_raw(const double *x)
{
  const size_t frames[4] = {1, 0, 2, 1};
  const double *sigs[2] = {x, x + 7};
  double *out = malloc(2 * 4 * 320 * sizeof *out);
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  size_t bad = 0;
  sb_err err = sb_embedder_builtin_new("raw", &e, &msg);
  if (!err && out)
    err = sb_embedder_embed(e, sigs, 2, N_SAMPLES - 7, NULL, frames, 4, 320, out, &msg);
  if (tap_ok(!err && out, "raw: frames 1, 0, 2, 1 of two signals (%s)", msg.text))
    for (size_t p = 0; p < 2; p++)
      for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 320; j++)
          bad += out[(p * 4 + i) * 320 + j] != (double)(float)sigs[p][frames[i] * 320 + j];
  tap_ok(!err && bad == 0, "raw: each row is the float32-rounded samples [320 t, 320 t + 320) (%zu differ)", bad);
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 2, N_SAMPLES, NULL, frames, 4, 64, out, &msg) == SB_EFORMAT &&
             strstr(msg.text, "320"),
         "raw: a caller expecting dimension 64 -> EFORMAT (%s)", msg.text);
  sb_embedder_free(&e);
  free(out);
}

static void check_logmel(const double *x)
{
  enum { N = 1700 }; /* 5 frames */
  const size_t all[5] = {0, 1, 2, 3, 4}, some[4] = {2, 0, 2, 1};
  double silence[N] = {0}, tone[N], *whole = malloc(5 * 64 * sizeof *whole), sel[4 * 64];
  const double *one[1] = {silence};
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  size_t bad = 0, peak = 0, want = 0;
  double best = INFINITY, m_hi = slaney_hz_to_mel(8000.0);
  sb_err err = sb_embedder_builtin_new("logmel", &e, &msg);

  if (!tap_ok(!err && whole, "logmel embedder made (%s)", msg.text))
    goto done;
  err = sb_embedder_embed(e, one, 1, N, NULL, all, 5, 64, whole, &msg);
  for (size_t i = 0; !err && i < 5 * 64; i++)
    bad += whole[i] != log(1e-6);
  tap_ok(!err && bad == 0, "logmel of silence: log(1e-6) in every band of every frame (%zu differ)", bad);

  for (int t = 0; t < N; t++)
    tone[t] = 0.5 * sin(2.0 * M_PI * 1000.0 * t / 16000.0);
  one[0] = tone;
  err = sb_embedder_embed(e, one, 1, N, NULL, all, 5, 64, whole, &msg);
  for (size_t b = 0; b < 64; b++) {
    double centre = slaney_mel_to_hz(m_hi * (double)(b + 1) / 65.0);
    if (fabs(centre - 1000.0) < best) {
      best = fabs(centre - 1000.0);
      want = b;
    }
    if (whole[2 * 64 + b] > whole[2 * 64 + peak])
      peak = b;
  }
  tap_ok(!err && (peak == want || peak + 1 == want || peak == want + 1),
         "logmel of a 1-kHz tone peaks in band %zu, the band centred nearest 1 kHz is %zu", peak, want);

  one[0] = x;
  err = sb_embedder_embed(e, one, 1, N_SAMPLES, NULL, all, N_FRAMES, 64, whole, &msg);
  if (!err)
    err = sb_embedder_embed(e, one, 1, N_SAMPLES, NULL, some, 4, 64, sel, &msg);
  bad = 0;
  for (size_t i = 0; !err && i < 4; i++)
    bad += memcmp(sel + i * 64, whole + some[i] * 64, 64 * sizeof *sel) != 0;
  tap_ok(!err && bad == 0, "logmel: frames 2, 0, 2, 1 equal those rows of the whole embedding (%zu differ)", bad);
done:
  sb_embedder_free(&e);
  free(whole);
}

/* Bad lists and short signals, for both kinds. */
static void check_bad_input(const double *x)
{
  const char *const kinds[2] = {"raw", "logmel"};
  const double *sigs[1] = {x};
  double out[2 * 320];
  for (int k = 0; k < 2; k++) {
    sb_embedder *e = NULL;
    sb_msg msg = {{0}};
    size_t dim = k ? 64 : 320, d = 0;
    const size_t past_end[2] = {0, N_FRAMES}, frames[1] = {0};
    if (sb_embedder_builtin_new(kinds[k], &e, &msg) != SB_OK)
      continue;
    tap_ok(sb_embedder_embed(e, sigs, 1, N_SAMPLES, NULL, past_end, 2, dim, out, &msg) == SB_EINVAL &&
               strstr(msg.text, "frame 3"),
           "%s: a frame past the end -> EINVAL naming it (%s)", kinds[k], msg.text);
    tap_ok(sb_embedder_embed(e, sigs, 1, N_SAMPLES, NULL, NULL, 2, dim, out, NULL) == SB_EINVAL &&
               sb_embedder_embed(e, sigs, 1, N_SAMPLES, NULL, frames, 0, dim, out, NULL) == SB_EINVAL,
           "%s: no frame list or an empty one -> EINVAL", kinds[k]);
    msg.text[0] = 0;
    tap_ok(sb_embedder_embed(e, sigs, 1, 320, NULL, frames, 1, dim, out, &msg) == SB_ELENGTH &&
               sb_embedder_dim(e, x, 320, NULL, &d, NULL) == SB_ELENGTH && strstr(msg.text, "20-ms"),
           "%s: a signal of 320 samples, shorter than one frame -> ELENGTH (%s)", kinds[k], msg.text);
    sb_embedder_free(&e);
  }
}

int main(void)
{
  static double x[N_SAMPLES];
  for (int k = 0; k < N_SAMPLES; k++)
    x[k] = sin(0.05 * k) + (double)((k * 7) % 17 - 8) / 64.0;
  check_kinds();
  check_raw(x);
  check_logmel(x);
  check_bad_input(x);
  return tap_done();
}
