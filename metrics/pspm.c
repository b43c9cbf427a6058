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
#include "metrics/embedders.h"
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

/* The channel mean of signal src of v (read in pieces of SB_SPAN_MAX
 * samples) into mono[0..n); SB_ENONFINITE naming the first non-finite
 * sample (in sample, then channel order), or the reader's error. */
static sb_err downmix(const sb_sources *v, int src, const char *what, double *mono, sb_msg *msg)
{
  size_t n = (size_t)v->n_samples, bad_i = n, bad_c = 0;
  double *scratch = v->chan ? NULL : malloc((size_t)SB_SPAN_MAX * sizeof *scratch);
  sb_err err = SB_OK;

  if (!v->chan && !scratch)
    return SB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    mono[i] = 0.0;
  for (int c = 0; c < v->n_chan && !err; c++)
    for (int64_t a = 0; a < v->n_samples && !err; a += SB_SPAN_MAX) {
      int64_t len = v->n_samples - a < SB_SPAN_MAX ? v->n_samples - a : SB_SPAN_MAX;
      const double *x;
      if ((err = sb_sources_span(v, src, c, a, len, scratch, &x)))
        break;
      for (int64_t k = 0; k < len; k++) {
        if (!isfinite(x[k]) && (size_t)(a + k) < bad_i) {
          bad_i = (size_t)(a + k);
          bad_c = (size_t)c;
        }
        mono[a + k] += x[k];
      }
    }
  free(scratch);
  if (err)
    return sb_msg_set(msg, err, "%s %d: %s while reading the signal", what, src, sb_strerror(err));
  if (bad_i < n)
    return sb_msg_set(msg, SB_ENONFINITE, "%s %d channel %zu sample %zu: not finite", what, src, bad_c, bad_i);
  for (size_t i = 0; i < n; i++)
    mono[i] /= (double)v->n_chan;
  return SB_OK;
}

/* Down-mix signal src of v, resample to 16 kHz (soxr HQ, length
 * ceil(n 16000 / rate)), loudness-normalise and round to float32: *out
 * has n16 samples. */
static sb_err prepare_signal(const sb_sources *v, int src, const char *what, double **out, size_t *n16,
                             sb_msg *msg)
{
  size_t n = (size_t)v->n_samples, len = n, s = (size_t)src;
  int rate = v->rate;
  double *mono = malloc(n * sizeof *mono), *res = NULL;
  sb_err err;

  *out = NULL;
  if (!mono)
    return SB_ENOMEM;
  if ((err = downmix(v, src, what, mono, msg))) {
    free(mono);
    return err;
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
static sb_err embed_scored(const sb_pspm_track *t, const double *const *sig, size_t count, size_t block,
                           const char *const *names, float *dst, sb_msg *msg)
{
  size_t chunk = t->embedder->batch ? count : EMBED_CHUNK, T = sb_embedder_n_frames(t->n16);
  size_t K = t->n_scored, D = t->dim, *frames;
  double *emb;
  sb_err err = SB_OK;

  if (K == 0 || count == 0)
    return SB_OK;
  frames = malloc(K * sizeof *frames);
  emb = malloc((chunk < count ? chunk : count) * K * D * sizeof *emb);
  if (!frames || !emb) {
    free(frames);
    free(emb);
    return SB_ENOMEM;
  }
  for (size_t k = 0; k < K; k++) {
    size_t j = t->scored[k] * T / t->n_mask;
    frames[k] = j < T ? j : T - 1;
  }
  for (size_t p0 = 0; p0 < count && !err; p0 += chunk) {
    size_t m = count - p0 < chunk ? count - p0 : chunk;
    if ((err = sb_embedder_embed(t->embedder, sig + p0, m, t->n16, names ? names + p0 : NULL, frames, K, D,
                                 emb, msg)))
      break;
    for (size_t q = 0; q < m; q++)
      for (size_t k = 0; k < K; k++) {
        const double *src = emb + (q * K + k) * D;
        float *d = dst + (k * block + p0 + q) * D;
        for (size_t c = 0; c < D; c++)
          d[c] = (float)src[c];
      }
  }
  free(frames);
  free(emb);
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

/* The references' embeddings at the scored frames.  The dimension comes
 * from the embedder's probe of the first reference. */
static sb_err embed_refs(sb_pspm_track *t, double *const *ref16, sb_msg *msg)
{
  char **names = make_names(t->opt.key, "ref", 0, t->n_src, 1);
  size_t D = 0;
  sb_err err;
  if (!names)
    return SB_ENOMEM;
  err = sb_embedder_dim(t->embedder, ref16[0], t->n16, names[0], &D, msg);
  if (!err) {
    t->dim = D;
    t->n_emb = sb_embedder_n_frames(t->n16);
    if (!(t->emb_ref = malloc((t->n_src * t->n_scored * D + 1) * sizeof *t->emb_ref)))
      err = SB_ENOMEM;
  }
  for (size_t s = 0; s < t->n_src && !err; s++)
    err = embed_scored(t, (const double *const *)&ref16[s], 1, 1, (const char *const *)&names[s],
                       t->emb_ref + s * t->n_scored * t->dim, msg);
  free_names(names, t->n_src);
  return err;
}

/* Embeds bank (measure m, reference s) at the scored frames. */
static sb_err embed_bank(sb_pspm_track *t, int m, size_t s, const sb_dist_bank *bank, sb_msg *msg)
{
  size_t P = bank->n_dist;
  const double **sig = malloc((P ? P : 1) * sizeof *sig);
  char **names = make_names(t->opt.key, m == 0 ? "ps" : "pm", s, P, 0);
  sb_err err = SB_ENOMEM;
  t->n_dist[m][s] = P;
  t->emb_dist[m][s] = malloc((P * t->n_scored * t->dim + 1) * sizeof **t->emb_dist[m]);
  if (t->emb_dist[m][s] && sig && names) {
    for (size_t p = 0; p < P; p++)
      sig[p] = bank->data + p * bank->len;
    err = embed_scored(t, sig, P, P, (const char *const *)names, t->emb_dist[m][s], msg);
  }
  free(sig);
  free_names(names, P);
  return err;
}

/* Distortion banks in the reference's RNG order: PS of every source, then
 * PM of every source; normalised, embedded at the scored frames.  One
 * bank's arrays serve all of them (their pages are faulted in once). */
static sb_err build_banks(sb_pspm_track *t, double *const *ref16, sb_msg *msg)
{
  sb_npyrandom *rng = NULL;
  sb_dist_pm_shifts *shifts = NULL;
  sb_dist_bank bank = {0};
  double shifts_start = now_s();
  sb_err err = sb_npyrandom_new(t->opt.seed, &rng);

  if (err)
    return err;
  err = sb_dist_pm_shifts_new(&shifts);
  t->dist_s += now_s() - shifts_start;
  if (err) {
    sb_msg_set(msg, err, "PS/PM: pitch-shift resamplers failed: %s", sb_strerror(err));
    goto done;
  }
  for (int m = 0; m < 2 && !err; m++) {
    t->n_dist[m] = calloc(t->n_src, sizeof *t->n_dist[m]);
    t->emb_dist[m] = calloc(t->n_src, sizeof *t->emb_dist[m]);
    if (!t->n_dist[m] || !t->emb_dist[m]) {
      err = SB_ENOMEM;
      break;
    }
    for (size_t s = 0; s < t->n_src && !err; s++) {
      double bank_start = now_s();
      err = m == 0 ? sb_distortions_ps(ref16[s], t->n16, rng, &bank)
                   : sb_distortions_pm(ref16[s], t->n16, rng, shifts, &bank);
      if (!err)
        err = normalise_bank(&bank);
      t->dist_s += now_s() - bank_start;
      if (err)
        sb_msg_set(msg, err, "reference %zu: %s distortion bank failed: %s", s, m == 0 ? "PS" : "PM",
                   sb_strerror(err));
      else
        err = embed_bank(t, m, s, &bank, msg);
    }
  }
done:
  sb_dist_bank_clear(&bank);
  sb_dist_pm_shifts_free(&shifts);
  sb_npyrandom_free(&rng);
  return err;
}

/* The view's shape as the track keeps it; SB_EINVAL with msg when the view
 * holds no signal. */
static sb_err check_view(const sb_sources *v, const char *what, sb_msg *msg)
{
  if (!v || !sb_sources_readable(v) || v->n_src < 1 || v->n_chan < 1 || v->n_samples < 1 || v->rate <= 0)
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: no %s signals", what);
  return SB_OK;
}

sb_err sb_pspm_track_new(const sb_sources *refs, const sb_pspm_options *opt, sb_pspm_track **out, sb_msg *msg)
{
  sb_err err;
  sb_pspm_track *t;
  double **ref16 = NULL, start = now_s();

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if ((err = check_view(refs, "reference", msg)))
    return err;
  if (!(t = calloc(1, sizeof *t)))
    return SB_ENOMEM;
  t->n_src = (size_t)refs->n_src;
  t->n_chan = (size_t)refs->n_chan;
  t->n_samples = (size_t)refs->n_samples;
  t->rate = refs->rate;
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
    if ((err = sb_embedder_builtin_new("raw", &t->own_embedder, msg)))
      goto fail;
    t->embedder = t->own_embedder;
  }
  err = SB_ENOMEM;
  if (!(ref16 = calloc(t->n_src, sizeof *ref16)))
    goto fail;
  for (int s = 0; s < refs->n_src; s++)
    if ((err = prepare_signal(refs, s, "reference", &ref16[s], &t->n16, msg)))
      goto fail;
  if ((err = activity_masks(t, ref16)) || (err = embed_refs(t, ref16, msg)) ||
      (err = build_banks(t, ref16, msg)))
    goto fail;
  t->prep_s = now_s() - start;
  *out = t;
  t = NULL;

fail:
  if (ref16)
    for (int s = 0; s < refs->n_src; s++)
      free(ref16[s]);
  free(ref16);
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

/* The result arrays of S sources and M frames, NaN-filled. */
static sb_err alloc_result(sb_pspm_result *res, size_t S, size_t M)
{
  double **arrays[6] = {&res->ps, &res->pm, &res->ps_radius, &res->pm_radius, &res->ps_ci, &res->pm_ci};
  res->n_src = S;
  res->n_frames = M;
  res->hop_s = 0.02;
  for (int a = 0; a < 6; a++) {
    if (!(*arrays[a] = malloc((S * M + 1) * sizeof **arrays[a])))
      return SB_ENOMEM;
    for (size_t i = 0; i < S * M; i++)
      (*arrays[a])[i] = NAN;
  }
  res->ps_mean = malloc(S * sizeof *res->ps_mean);
  res->pm_mean = malloc(S * sizeof *res->pm_mean);
  return res->ps_mean && res->pm_mean ? SB_OK : SB_ENOMEM;
}

/* The estimates' embeddings at the scored frames into emb_out
 * ([S][K][D]): estimate perm[s] (s without perm) as source s. */
static sb_err embed_estimates(const sb_pspm_track *t, const sb_sources *ests, const int *perm, float *emb_out,
                              sb_msg *msg)
{
  size_t S = t->n_src, K = t->n_scored;
  double **out16 = calloc(S, sizeof *out16);
  char **names = make_names(t->opt.key, "out", 0, S, 1);
  sb_err err = out16 && names ? SB_OK : SB_ENOMEM;
  for (size_t s = 0; s < S && !err; s++) {
    size_t len = 0;
    if ((err = prepare_signal(ests, perm ? perm[s] : (int)s, "estimate", &out16[s], &len, msg)))
      break;
    if (len != t->n16)
      err = sb_msg_set(msg, SB_EINVAL, "estimate %zu: %zu samples at 16 kHz, references %zu", s, len, t->n16);
  }
  for (size_t s = 0; s < S && !err && K > 0; s++)
    err = embed_scored(t, (const double *const *)&out16[s], 1, 1, (const char *const *)&names[s],
                       emb_out + s * K * t->dim, msg);
  for (size_t s = 0; out16 && s < S; s++)
    free(out16[s]);
  free(out16);
  free_names(names, S);
  return err;
}

/* PS and PM of every scored frame (one diffusion map per measure over the
 * active sources' points) into res; frames whose computation fails stay
 * NaN, as in the reference. */
static sb_err score_frames(const sb_pspm_track *t, const float *emb_out, sb_pspm_result *res)
{
  size_t S = t->n_src, M = t->n_mask, K = t->n_scored, max_points = 0;
  sb_err err = SB_OK;
  for (int m = 0; m < 2; m++) {
    size_t total = 0;
    for (size_t s = 0; s < S; s++)
      total += t->n_dist[m][s] + 2;
    if (total > max_points)
      max_points = total;
  }
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
  return err;
}

sb_err sb_pspm_track_eval(sb_pspm_track *t, const sb_sources *ests, const int *perm, sb_pspm_result *res,
                          sb_msg *msg)
{
  sb_err err;
  size_t S, M, K;
  double start = now_s();
  float *emb_out = NULL;

  if (!res)
    return SB_EINVAL;
  sb_pspm_result_clear(res);
  if (!t || !ests)
    return SB_EINVAL;
  if ((err = check_view(ests, "estimate", msg)))
    return err;
  if ((size_t)ests->n_src != t->n_src || (size_t)ests->n_chan != t->n_chan)
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: %d estimates of %d channels, references %zu of %zu", ests->n_src,
                      ests->n_chan, t->n_src, t->n_chan);
  if ((size_t)ests->n_samples != t->n_samples || ests->rate != t->rate)
    return sb_msg_set(msg, SB_EINVAL, "PS/PM: estimates have %lld samples at %d Hz, references "
                      "%zu at %d Hz", (long long)ests->n_samples, ests->rate, t->n_samples, t->rate);
  for (size_t s = 0; perm && s < t->n_src; s++)
    if (perm[s] < 0 || perm[s] >= ests->n_src)
      return sb_msg_set(msg, SB_EINVAL, "PS/PM: estimate index %d for reference %zu out of range", perm[s], s);
  S = t->n_src;
  M = t->n_mask;
  K = t->n_scored;
  res->n_scored = K;
  if ((err = alloc_result(res, S, M)) || !(emb_out = malloc((S * K * t->dim + 1) * sizeof *emb_out))) {
    err = SB_ENOMEM;
    goto fail;
  }
  if ((err = embed_estimates(t, ests, perm, emb_out, msg)))
    goto fail;
  res->time_embed_s = now_s() - start;
  start = now_s();
  if ((err = score_frames(t, emb_out, res)))
    goto fail;
  for (size_t s = 0; s < S; s++) {
    res->ps_mean[s] = nan_mean(res->ps + s * M, M);
    res->pm_mean[s] = nan_mean(res->pm + s * M, M);
  }
  res->time_math_s = now_s() - start;

fail:
  free(emb_out);
  if (err)
    sb_pspm_result_clear(res);
  return err;
}
