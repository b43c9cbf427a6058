/*
 * metrics/pspm.c — the PS/PM (MAPSS) pipeline with a reference-side cache;
 * see metrics/pspm.h.  Follows engine.compute_mapss_measures, audio.py
 * (loudness_normalize, frame_rms_torch, compute_speaker_activity_masks)
 * and models.py embed_batch_raw of Amir-Ivry/MAPSS-measures 3157d20a.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <soxr.h>

#include "common/first_error.h"
#include "metrics/distortions.h"
#include "metrics/loudness.h"
#include "metrics/npyrandom.h"
#include "metrics/pspm.h"

enum { SR = 16000, FRAME = 320, EMBED_CHUNK = 8 };

struct sb_pspm_track {
  size_t n_src, n_chan, n_samples, n16;
  int rate;
  sb_pspm_options opt;
  sb_embedder *own_embedder;   /* raw, when opt.embedder is NULL */
  const sb_embedder *embedder;
  size_t n_mask;               /* M: activity frames */
  unsigned char *active;       /* [n_src][M] */
  size_t n_scored;             /* K */
  size_t *scored;              /* [K] mask frame indices with >= 2 active */
  size_t n_emb, dim;           /* embedder frames T, dimension D */
  float *emb_ref;              /* [n_src][K][D] */
  size_t *n_dist[2];           /* [n_src] bank sizes (0: PS, 1: PM) */
  float **emb_dist[2];         /* [n_src], each [K][P_s][D] */
  double prep_s, dist_s;       /* wall time: whole reference side, banks */
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sb_pspm_options_default(sb_pspm_options *opt)
{
  if (!opt)
    return;
  opt->ridge = SB_PSPM_RIDGE_V1;
  opt->delta = 0.05;
  opt->seed = 42;
  opt->embedder = NULL;
  opt->key = NULL;
}

void sb_pspm_result_clear(sb_pspm_result *res)
{
  if (!res)
    return;
  free(res->ps);
  free(res->pm);
  free(res->ps_radius);
  free(res->pm_radius);
  free(res->ps_ci);
  free(res->pm_ci);
  free(res->ps_mean);
  free(res->pm_mean);
  memset(res, 0, sizeof *res);
}

void sb_pspm_track_free(sb_pspm_track **t)
{
  if (!t || !*t)
    return;
  sb_embedder_free(&(*t)->own_embedder);
  free((*t)->active);
  free((*t)->scored);
  free((*t)->emb_ref);
  for (int m = 0; m < 2; m++) {
    for (size_t s = 0; (*t)->emb_dist[m] && s < (*t)->n_src; s++)
      free((*t)->emb_dist[m][s]);
    free((*t)->n_dist[m]);
    free((*t)->emb_dist[m]);
  }
  free(*t);
  *t = NULL;
}

void sb_pspm_track_timing(const sb_pspm_track *t, double *dist_s, double *other_s)
{
  if (dist_s)
    *dist_s = t ? t->dist_s : 0.0;
  if (other_s)
    *other_s = t ? t->prep_s - t->dist_s : 0.0;
}

/* Down-mix, resample to 16 kHz (soxr HQ, length ceil(n 16000 / rate)),
 * loudness-normalise and round to float32: *out has n16 samples. */
static sb_err prepare_signal(const double *const *chan, size_t n_chan, size_t n, int rate,
                             const char *what, size_t s, double **out, size_t *n16, sb_msg *msg)
{
  double *mono = malloc(n * sizeof *mono), *res = NULL;
  size_t len = n;
  sb_err err;

  *out = NULL;
  if (!mono)
    return SB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    double acc = 0.0;
    for (size_t c = 0; c < n_chan; c++) {
      double v = chan[c][i];
      if (!isfinite(v)) {
        free(mono);
        return sb_msg_set(msg, SB_ENONFINITE, "%s %zu channel %zu sample %zu: not finite", what,
                          s, c, i);
      }
      acc += v;
    }
    mono[i] = acc / (double)n_chan;
  }
  if (rate != SR) {
    size_t o_done = 0;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT64_I, SOXR_FLOAT64_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_error_t serr;
    len = (size_t)ceil((double)n * SR / rate);
    if (!(res = calloc(len + 16, sizeof *res))) {
      free(mono);
      return SB_ENOMEM;
    }
    serr = soxr_oneshot(rate, SR, 1, mono, n, NULL, res, len + 16, &o_done, &io, &q, NULL);
    free(mono);
    if (serr) {
      free(res);
      return sb_msg_set(msg, SB_EBACKEND, "%s %zu: resampling to 16 kHz failed: %s", what, s,
                        serr);
    }
    for (size_t i = o_done; i < len; i++)
      res[i] = 0.0;
    mono = res;
  }
  if (len < FRAME + 1) {
    free(mono);
    return sb_msg_set(msg, SB_ELENGTH, "%s %zu: %zu samples at 16 kHz, shorter than one 20-ms frame",
                      what, s, len);
  }
  err = sb_loudness_normalize(mono, len, SR, -23.0, mono, NULL);
  if (err) {
    free(mono);
    return err;
  }
  for (size_t i = 0; i < len; i++)
    mono[i] = (double)(float)mono[i];
  *out = mono;
  *n16 = len;
  return SB_OK;
}

/* Embeds the scored frames of `count` signals (n16 samples each) into dst:
 * signal p, scored frame k at dst + (k * block + p) * D.  Mask frame i
 * maps to model frame floor(i T / n_mask), clamped to T - 1. */
static sb_err embed_scored(sb_pspm_track *t, const double *const *sig, size_t count, size_t block,
                           const char *const *names, float *dst, sb_msg *msg)
{
  int batch = strcmp(sb_embedder_kind(t->embedder), "cmd") == 0;
  size_t chunk = batch ? count : EMBED_CHUNK, T = sb_embedder_n_frames(t->n16), K = t->n_scored;
  size_t *frames;
  sb_err err = SB_OK;

  if (K == 0)
    return SB_OK;
  if (!(frames = malloc(K * sizeof *frames)))
    return SB_ENOMEM;
  for (size_t k = 0; k < K; k++) {
    size_t j = t->scored[k] * T / t->n_mask;
    frames[k] = j < T ? j : T - 1;
  }
  for (size_t p0 = 0; p0 < count && !err; p0 += chunk) {
    size_t m = count - p0 < chunk ? count - p0 : chunk, D = 0;
    double *emb = NULL;
    if ((err = sb_embedder_embed_frames(t->embedder, sig + p0, m, t->n16,
                                        names ? names + p0 : NULL, frames, K, &D, &emb, msg)))
      break;
    if (t->dim && D != t->dim) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: embedding dimension %zu, expected %zu",
                       names ? names[p0] : "signal", D, t->dim);
    } else {
      t->dim = D;
      t->n_emb = T;
      for (size_t q = 0; q < m; q++)
        for (size_t k = 0; k < K; k++) {
          const double *src = emb + (q * K + k) * D;
          float *d = dst + (k * block + p0 + q) * D;
          for (size_t c = 0; c < D; c++)
            d[c] = (float)src[c];
        }
    }
    free(emb);
  }
  free(frames);
  return err;
}

/* Signal names for the file/cmd embedders: "<key>ps<s>_d<p>" etc. */
static char **make_names(const char *key, const char *stem, size_t s, size_t count, int ref_like)
{
  char **names = calloc(count ? count : 1, sizeof *names);
  if (!names)
    return NULL;
  for (size_t p = 0; p < count; p++) {
    char buf[256];
    if (ref_like)
      snprintf(buf, sizeof buf, "%s%s%zu", key ? key : "", stem, p);
    else
      snprintf(buf, sizeof buf, "%s%s%zu_d%zu", key ? key : "", stem, s, p);
    if (!(names[p] = strdup(buf))) {
      for (size_t q = 0; q < p; q++)
        free(names[q]);
      free(names);
      return NULL;
    }
  }
  return names;
}

static void free_names(char **names, size_t count)
{
  if (!names)
    return;
  for (size_t p = 0; p < count; p++)
    free(names[p]);
  free(names);
}

/* audio.py compute_speaker_activity_masks on the normalised references. */
static sb_err activity_masks(sb_pspm_track *t, double *const *ref16)
{
  size_t n = t->n16, M = (n - FRAME) / FRAME + 1, K = 0;
  if ((M - 1) * FRAME == n - FRAME)
    M--;
  t->n_mask = M;
  t->active = calloc(t->n_src * (M ? M : 1), 1);
  t->scored = malloc((M ? M : 1) * sizeof *t->scored);
  if (!t->active || !t->scored)
    return SB_ENOMEM;
  for (size_t s = 0; s < t->n_src; s++) {
    double total = 0.0;
    float thr;
    for (size_t i = 0; i < n; i++)
      total += ref16[s][i] * ref16[s][i];
    if (total == 0.0)
      continue; /* a silent reference is never active */
    thr = (float)(0.1 * sqrt(total / (double)n));
    for (size_t f = 0; f < M; f++) {
      double e = 0.0;
      for (size_t i = 0; i < FRAME; i++)
        e += ref16[s][f * FRAME + i] * ref16[s][f * FRAME + i];
      t->active[s * M + f] = (float)sqrt(e / FRAME + 1e-12) > thr;
    }
  }
  for (size_t f = 0; f < M; f++) {
    size_t count = 0;
    for (size_t s = 0; s < t->n_src; s++)
      count += t->active[s * M + f];
    if (count >= 2)
      t->scored[K++] = f;
  }
  t->n_scored = K;
  return SB_OK;
}

/* Normalises every bank entry (8 side by side, parallel) and rounds to
 * float32, as the reference keeps them. */
static sb_err normalise_bank(sb_dist_bank *bank)
{
  return sb_loudness_normalize_rows(bank->data, bank->n_dist, bank->len, SR, -23.0,
                                    SB_LOUDNESS_ROUND_F32, NULL);
}

sb_err sb_pspm_track_new(const double *const *refs, size_t n_src, size_t n_chan, size_t n_samples,
                         int rate, const sb_pspm_options *opt, sb_pspm_track **out, sb_msg *msg)
{
  sb_err err = SB_ENOMEM;
  sb_pspm_track *t;
  double **ref16 = NULL, start = now_s();
  sb_npyrandom *rng = NULL;
  sb_dist_pm_shifts *shifts = NULL;
  sb_dist_bank bank = {0};

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!refs || n_src == 0 || n_chan == 0 || rate <= 0 || n_samples == 0)
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: no reference signals");
  if (!(t = calloc(1, sizeof *t)))
    return SB_ENOMEM;
  t->n_src = n_src;
  t->n_chan = n_chan;
  t->n_samples = n_samples;
  t->rate = rate;
  if (opt)
    t->opt = *opt;
  else
    sb_pspm_options_default(&t->opt);
  if (!(t->opt.delta > 0.0 && t->opt.delta < 1.0)) {
    sb_pspm_track_free(&t);
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: delta %g outside (0, 1)", opt ? opt->delta : 0.0);
  }
  t->embedder = t->opt.embedder;
  if (!t->embedder) {
    if ((err = sb_embedder_new("raw", &t->own_embedder, msg)))
      goto fail;
    t->embedder = t->own_embedder;
  }
  if (!(ref16 = calloc(n_src, sizeof *ref16)))
    goto fail;
  for (size_t s = 0; s < n_src; s++) {
    size_t len = 0;
    if ((err = prepare_signal(refs + s * n_chan, n_chan, n_samples, rate, "reference", s,
                              &ref16[s], &len, msg)))
      goto fail;
    t->n16 = len;
  }
  if ((err = activity_masks(t, ref16)))
    goto fail;
  err = SB_ENOMEM;
  {
    char **names = make_names(t->opt.key, "ref", 0, n_src, 1);
    if (!names)
      goto fail;
    /* The dimension is known after an embedding: probe with the first
     * frame of the first reference, then embed every reference into the
     * sized buffer. */
    {
      size_t D = 0, first = 0;
      double *emb = NULL;
      err = sb_embedder_embed_frames(t->embedder, (const double *const *)ref16, 1, t->n16,
                                     (const char *const *)names, &first, 1, &D, &emb, msg);
      free(emb);
      if (!err) {
        t->dim = D;
        t->n_emb = sb_embedder_n_frames(t->n16);
        if (!(t->emb_ref = malloc((n_src * t->n_scored * D + 1) * sizeof *t->emb_ref)))
          err = SB_ENOMEM;
      }
    }
    for (size_t s = 0; s < n_src && !err; s++)
      err = embed_scored(t, (const double *const *)&ref16[s], 1, 1,
                         (const char *const *)&names[s], t->emb_ref + s * t->n_scored * t->dim, msg);
    free_names(names, n_src);
    if (err)
      goto fail;
  }

  /* Distortion banks in the reference's RNG order: PS of every source, then
   * PM of every source; normalised, embedded at the scored frames.  One
   * bank's arrays serve all of them (their pages are faulted in once). */
  if ((err = sb_npyrandom_new(t->opt.seed, &rng)))
    goto fail;
  {
    double shifts_start = now_s();
    err = sb_dist_pm_shifts_new(&shifts);
    t->dist_s += now_s() - shifts_start;
    if (err) {
      sb_msg_set(msg, err, "PS/PM: pitch-shift resamplers failed: %s", sb_strerror(err));
      goto fail;
    }
  }
  for (int m = 0; m < 2; m++) {
    t->n_dist[m] = calloc(n_src, sizeof *t->n_dist[m]);
    t->emb_dist[m] = calloc(n_src, sizeof *t->emb_dist[m]);
    if (!t->n_dist[m] || !t->emb_dist[m]) {
      err = SB_ENOMEM;
      goto fail;
    }
    for (size_t s = 0; s < n_src; s++) {
      size_t P;
      char **names;
      const double **sig;
      double bank_start = now_s();
      err = m == 0 ? sb_distortions_ps(ref16[s], t->n16, rng, &bank)
                   : sb_distortions_pm(ref16[s], t->n16, rng, shifts, &bank);
      if (!err)
        err = normalise_bank(&bank);
      t->dist_s += now_s() - bank_start;
      if (err) {
        sb_msg_set(msg, err, "reference %zu: %s distortion bank failed: %s", s,
                   m == 0 ? "PS" : "PM", sb_strerror(err));
        goto fail;
      }
      P = bank.n_dist;
      t->n_dist[m][s] = P;
      t->emb_dist[m][s] = malloc((P * t->n_scored * t->dim + 1) * sizeof **t->emb_dist[m]);
      sig = malloc((P ? P : 1) * sizeof *sig);
      names = make_names(t->opt.key, m == 0 ? "ps" : "pm", s, P, 0);
      if (!t->emb_dist[m][s] || !sig || !names) {
        free(sig);
        free_names(names, P);
        err = SB_ENOMEM;
        goto fail;
      }
      for (size_t p = 0; p < P; p++)
        sig[p] = bank.data + p * bank.len;
      err = embed_scored(t, sig, P, P, (const char *const *)names, t->emb_dist[m][s], msg);
      free(sig);
      free_names(names, P);
      if (err)
        goto fail;
    }
  }
  t->prep_s = now_s() - start;
  *out = t;
  t = NULL;
  err = SB_OK;

fail:
  if (ref16)
    for (size_t s = 0; s < n_src; s++)
      free(ref16[s]);
  free(ref16);
  sb_dist_bank_clear(&bank);
  sb_dist_pm_shifts_free(&shifts);
  sb_npyrandom_free(&rng);
  sb_pspm_track_free(&t);
  return err;
}

/* Points of one scored frame k for measure m over the active sources;
 * returns N. */
static size_t gather_points(const sb_pspm_track *t, int m, size_t k, const size_t *act,
                            size_t n_act, const float *emb_out, double *pts, size_t *n_dist)
{
  size_t row = 0, D = t->dim, K = t->n_scored;
  for (size_t a = 0; a < n_act; a++) {
    size_t s = act[a], P = t->n_dist[m][s];
    const float *ref = t->emb_ref + (s * K + k) * D, *out = emb_out + (s * K + k) * D;
    const float *dist = t->emb_dist[m][s] + k * P * D;
    for (size_t c = 0; c < D; c++)
      pts[row * D + c] = ref[c];
    row++;
    for (size_t c = 0; c < D; c++)
      pts[row * D + c] = out[c];
    row++;
    for (size_t i = 0; i < P * D; i++)
      pts[row * D + i] = dist[i];
    row += P;
    n_dist[a] = P;
  }
  return row;
}

static double nan_mean(const double *v, size_t n)
{
  double sum = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) {
      sum += v[i];
      count++;
    }
  return count ? sum / (double)count : NAN;
}

sb_err sb_pspm_track_eval(sb_pspm_track *t, const double *const *ests, size_t n_samples, int rate,
                          sb_pspm_result *res, sb_msg *msg)
{
  sb_err err = SB_ENOMEM;
  size_t S, M, K, max_points = 0;
  double **out16 = NULL, start = now_s();
  float *emb_out = NULL;
  char **names = NULL;

  if (!res)
    return SB_EINVAL;
  sb_pspm_result_clear(res);
  if (!t || !ests)
    return SB_EINVAL;
  if (n_samples != t->n_samples || rate != t->rate)
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: estimates have %zu samples at %d Hz, references "
                      "%zu at %d Hz", n_samples, rate, t->n_samples, t->rate);
  S = t->n_src;
  M = t->n_mask;
  K = t->n_scored;
  res->n_src = S;
  res->n_frames = M;
  res->n_scored = K;
  res->hop_s = 0.02;
  {
    double **arrays[6] = {&res->ps, &res->pm, &res->ps_radius, &res->pm_radius, &res->ps_ci,
                          &res->pm_ci};
    for (int a = 0; a < 6; a++) {
      if (!(*arrays[a] = malloc((S * M + 1) * sizeof **arrays[a])))
        goto fail;
      for (size_t i = 0; i < S * M; i++)
        (*arrays[a])[i] = NAN;
    }
  }
  res->ps_mean = malloc(S * sizeof *res->ps_mean);
  res->pm_mean = malloc(S * sizeof *res->pm_mean);
  out16 = calloc(S, sizeof *out16);
  emb_out = malloc((S * K * t->dim + 1) * sizeof *emb_out);
  names = make_names(t->opt.key, "out", 0, S, 1);
  if (!res->ps_mean || !res->pm_mean || !out16 || !emb_out || !names)
    goto fail;
  for (size_t s = 0; s < S; s++) {
    size_t len = 0;
    if ((err = prepare_signal(ests + s * t->n_chan, t->n_chan, n_samples, rate, "estimate", s,
                              &out16[s], &len, msg)))
      goto fail;
    if (len != t->n16) {
      err = sb_msg_set(msg, SB_EINVAL, "estimate %zu: %zu samples at 16 kHz, references %zu", s,
                       len, t->n16);
      goto fail;
    }
  }
  if (K > 0)
    for (size_t s = 0; s < S; s++)
      if ((err = embed_scored(t, (const double *const *)&out16[s], 1, 1,
                              (const char *const *)&names[s], emb_out + s * K * t->dim, msg)))
        goto fail;
  res->time_embed_s = now_s() - start;
  start = now_s();

  for (int m = 0; m < 2; m++) {
    size_t total = 0;
    for (size_t s = 0; s < S; s++)
      total += t->n_dist[m][s] + 2;
    if (total > max_points)
      max_points = total;
  }
  err = SB_OK;
#pragma omp parallel
  {
    double *pts = malloc(max_points * t->dim * sizeof *pts);
    size_t *act = malloc(S * sizeof *act), *n_dist = malloc(S * sizeof *n_dist);
    sb_pspm_values *vals = malloc(S * sizeof *vals);
    if (!pts || !act || !n_dist || !vals)
      sb_first_error_keep(&err, SB_ENOMEM);
#pragma omp for schedule(dynamic)
    for (size_t k = 0; k < K; k++) {
      size_t i = t->scored[k], n_act = 0;
      if (!pts || !act || !n_dist || !vals)
        continue;
      for (size_t s = 0; s < S; s++)
        if (t->active[s * M + i])
          act[n_act++] = s;
      for (int m = 0; m < 2; m++) {
        size_t N = gather_points(t, m, k, act, n_act, emb_out, pts, n_dist);
        sb_err f_err = sb_pspm_frame_compute(pts, N, t->dim, n_act, n_dist,
                                             m == 0 ? SB_PSPM_WANT_PS : SB_PSPM_WANT_PM,
                                             t->opt.ridge, t->opt.delta, vals, NULL);
        if (f_err) {
          /* The reference skips a frame whose computation fails. */
          continue;
        }
        for (size_t a = 0; a < n_act; a++) {
          size_t at = act[a] * M + i;
          if (m == 0) {
            res->ps[at] = vals[a].ps;
            res->ps_radius[at] = vals[a].ps_bias;
            res->ps_ci[at] = vals[a].ps_prob;
          } else {
            res->pm[at] = vals[a].pm;
            res->pm_radius[at] = vals[a].pm_bias;
            res->pm_ci[at] = vals[a].pm_prob;
          }
        }
      }
    }
    free(pts);
    free(act);
    free(n_dist);
    free(vals);
  }
  if (err)
    goto fail;
  for (size_t s = 0; s < S; s++) {
    res->ps_mean[s] = nan_mean(res->ps + s * M, M);
    res->pm_mean[s] = nan_mean(res->pm + s * M, M);
  }
  res->time_math_s = now_s() - start;

fail:
  if (out16)
    for (size_t s = 0; s < S; s++)
      free(out16[s]);
  free(out16);
  free(emb_out);
  free_names(names, S);
  if (err)
    sb_pspm_result_clear(res);
  return err;
}
