/*
 * backends/blind.c — HPSS (Fitzgerald 2010) and REPET-SIM (Rafii &
 * Pardo 2012) blind baselines; see backends/blind.h.  Written from
 * the papers; parameters follow nussl's defaults where the papers leave a
 * choice (mask power 2 for HPSS, 100 repeating frames at least 1 s apart
 * for REPET-SIM).
 */
#include <config.h>

#include "backends/blind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/stft.h"
#include "backends/api.h"

#define BLIND_NFFT 2048
#define BLIND_HOP 1024

typedef enum blind_method { BLIND_HPSS, BLIND_REPET_SIM } blind_method;

typedef struct blind {
  blind_method method;
  double kernel;               /* hpss */
  double max_lag, min_dist, max_frames; /* repet-sim */
  sb_stft *stft;
} blind;

static void blind_destroy(void *state)
{
  blind *b = state;
  if (!b)
    return;
  sb_stft_free(&b->stft);
  free(b);
}

static sb_err blind_create_common(void **state, const char *options, blind_method method, char *errbuf,
                                  size_t errlen)
{
  blind *b;
  sb_err err;

  if (!state)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "blind: no state pointer");
  *state = NULL;
  b = calloc(1, sizeof *b);
  if (!b)
    return sb_backend_error(errbuf, errlen, SB_ENOMEM, "out of memory");
  b->method = method;
  b->kernel = 17;
  b->max_lag = 30;
  b->min_dist = 1;
  b->max_frames = 100;
  if (method == BLIND_HPSS) {
    const sb_backend_option opts[] = {{"kernel", 3, 101, 1, &b->kernel}};
    err = sb_backend_parse_options("hpss", options, opts, 1, errbuf, errlen);
    if (!err && fmod(b->kernel, 2.0) != 1.0)
      err = sb_backend_error(errbuf, errlen, SB_EINVAL, "hpss: kernel=%g must be odd", b->kernel);
  } else {
    const sb_backend_option opts[] = {{"max_lag", 1, 3600, 0, &b->max_lag},
                                      {"min_dist", 0, 60, 0, &b->min_dist},
                                      {"max_frames", 1, 1000, 1, &b->max_frames}};
    err = sb_backend_parse_options("repet-sim", options, opts, 3, errbuf, errlen);
  }
  if (!err) {
    err = sb_stft_new(BLIND_NFFT, BLIND_HOP, &b->stft);
    if (err)
      sb_backend_error(errbuf, errlen, err, "cannot create the STFT");
  }
  if (err) {
    blind_destroy(b);
    return err;
  }
  *state = b;
  return SB_OK;
}

static sb_err hpss_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  return blind_create_common(state, options, BLIND_HPSS, errbuf, errlen);
}

static sb_err repet_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  return blind_create_common(state, options, BLIND_REPET_SIM, errbuf, errlen);
}

static int cmp_double(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of n values (sorted in place); the mean of the two middle ones
 * for even n (numpy/scipy's median). */
static double median(double *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* HPSS mask of the percussive part from V (n_frames x n_bins). Zero
 * padding at the edges (scipy.ndimage.median_filter mode 'constant'
 * would differ; librosa reflects — edges are a few frames either way). */
static void hpss_mask(const double *V, int64_t n_frames, size_t n_bins, int kernel, double *mask_p)
{
  const int half = kernel / 2;
  double window[101];

  for (int64_t t = 0; t < n_frames; t++)
    for (size_t f = 0; f < n_bins; f++) {
      size_t n = 0;
      double h, p;
      for (int d = -half; d <= half; d++) {
        const int64_t u = t + d;
        window[n++] = u >= 0 && u < n_frames ? V[u * (int64_t)n_bins + (int64_t)f] : 0.0;
      }
      h = median(window, n);
      n = 0;
      for (int d = -half; d <= half; d++) {
        const int64_t g = (int64_t)f + d;
        window[n++] = g >= 0 && g < (int64_t)n_bins ? V[t * (int64_t)n_bins + g] : 0.0;
      }
      p = median(window, n);
      mask_p[t * (int64_t)n_bins + (int64_t)f] = h * h + p * p > 0 ? p * p / (h * h + p * p) : 0.5;
    }
}

typedef struct scored {
  double sim;
  int64_t frame;
} scored;

static int cmp_scored_desc(const void *a, const void *b)
{
  const scored *x = a, *y = b;
  if (x->sim != y->sim)
    return (x->sim < y->sim) - (x->sim > y->sim);
  return (x->frame > y->frame) - (x->frame < y->frame);
}

/* REPET-SIM background mask from V. */
static sb_err repet_mask(const blind *b, const double *V, int64_t n_frames, size_t n_bins, int rate, double *mask_bg)
{
  const double frames_per_s = (double)rate / BLIND_HOP;
  const int64_t lag = (int64_t)ceil(b->max_lag * frames_per_s);
  const int64_t min_dist = (int64_t)llround(b->min_dist * frames_per_s);
  const int max_frames = (int)b->max_frames;
  double *norm = malloc((size_t)n_frames * sizeof *norm);
  scored *cand = malloc((size_t)(2 * lag + 1) * sizeof *cand);
  int64_t *chosen = malloc((size_t)max_frames * sizeof *chosen);
  double *values = malloc((size_t)max_frames * sizeof *values);
  sb_err err = SB_OK;

  if (!norm || !cand || !chosen || !values) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int64_t t = 0; t < n_frames; t++) {
    double s = 0;
    for (size_t f = 0; f < n_bins; f++)
      s += V[t * (int64_t)n_bins + (int64_t)f] * V[t * (int64_t)n_bins + (int64_t)f];
    norm[t] = sqrt(s);
  }
  for (int64_t t = 0; t < n_frames; t++) {
    const double *vt = V + t * (int64_t)n_bins;
    const int64_t lo = t - lag < 0 ? 0 : t - lag, hi = t + lag >= n_frames ? n_frames - 1 : t + lag;
    int n_cand = 0, n_chosen = 0;
    for (int64_t u = lo; u <= hi; u++) {
      const double *vu = V + u * (int64_t)n_bins;
      double dot = 0, sim;
      for (size_t f = 0; f < n_bins; f++)
        dot += vt[f] * vu[f];
      sim = norm[t] > 0 && norm[u] > 0 ? dot / (norm[t] * norm[u]) : (u == t ? 1.0 : 0.0);
      if (sim > 0 || u == t)
        cand[n_cand++] = (scored){u == t ? 2.0 : sim, u}; /* the frame itself first */
    }
    qsort(cand, (size_t)n_cand, sizeof *cand, cmp_scored_desc);
    for (int c = 0; c < n_cand && n_chosen < max_frames; c++) {
      int far = 1;
      for (int k = 0; k < n_chosen && far; k++)
        far = llabs(cand[c].frame - chosen[k]) >= (min_dist > 0 ? min_dist : 1);
      if (far)
        chosen[n_chosen++] = cand[c].frame;
    }
    for (size_t f = 0; f < n_bins; f++) {
      const double v = vt[f];
      double w;
      for (int k = 0; k < n_chosen; k++)
        values[k] = V[chosen[k] * (int64_t)n_bins + (int64_t)f];
      w = median(values, (size_t)n_chosen);
      if (w > v)
        w = v;
      mask_bg[t * (int64_t)n_bins + (int64_t)f] = v > 0 ? w / v : 1.0;
    }
  }
done:
  free(norm);
  free(cand);
  free(chosen);
  free(values);
  return err;
}

/* Index of the first target named a or b, or -1. */
static int find_target(const sb_separation *job, const char *a, const char *b)
{
  for (int t = 0; t < job->n_targets; t++)
    if (strcmp(job->targets[t], a) == 0 || strcmp(job->targets[t], b) == 0)
      return t;
  return -1;
}

static sb_err blind_separate(void *state, const sb_separation *job)
{
  blind *b = state;
  const char *name = b && b->method == BLIND_HPSS ? "hpss" : "repet-sim";
  const size_t n_bins = BLIND_NFFT / 2 + 1;
  int64_t n_frames = 0, cells;
  fftw_complex *spec = NULL, *masked = NULL;
  double *V = NULL, *mask = NULL;
  int special, n_other;
  sb_err err = sb_backend_check_job(name, job, 0);

  if (err)
    return err;
  if (!b)
    return SB_EINVAL;
  special = b->method == BLIND_HPSS ? find_target(job, "drums", "percussive") : find_target(job, "vocals", "speech");
  if (b->method == BLIND_REPET_SIM && special < 0)
    special = 0;
  if (special < 0) {
    for (int t = 0; t < job->n_targets; t++)
      for (int64_t i = 0; i < (int64_t)job->n_chan * job->n_samples; i++)
        job->est[t][i] = job->mix[i] / job->n_targets;
    return SB_OK;
  }
  sb_stft_n_frames(b->stft, job->n_samples, &n_frames);
  cells = n_frames * (int64_t)n_bins;
  spec = fftw_alloc_complex((size_t)(cells * job->n_chan));
  masked = fftw_alloc_complex((size_t)cells);
  V = calloc((size_t)cells, sizeof *V);
  mask = malloc((size_t)cells * sizeof *mask);
  if (!spec || !masked || !V || !mask) {
    err = sb_backend_error(job->errbuf, job->errlen, SB_ENOMEM, "%s: %s: out of memory", name, job->track);
    goto done;
  }
  for (int c = 0; c < job->n_chan; c++) {
    fftw_complex *sc = spec + c * cells;
    sb_stft_forward(b->stft, job->mix + (int64_t)c * job->n_samples, job->n_samples, sc);
    for (int64_t i = 0; i < cells; i++)
      V[i] += hypot(sc[i][0], sc[i][1]) / job->n_chan;
  }
  if (b->method == BLIND_HPSS)
    hpss_mask(V, n_frames, n_bins, (int)b->kernel, mask);
  else
    err = repet_mask(b, V, n_frames, n_bins, job->rate, mask);
  if (err) {
    sb_backend_error(job->errbuf, job->errlen, err, "%s: %s: out of memory", name, job->track);
    goto done;
  }
  /* mask is the share of the special target's complement for REPET
   * (background) and of the special target for HPSS (percussive). */
  n_other = job->n_targets - 1;
  for (int c = 0; c < job->n_chan; c++) {
    const fftw_complex *sc = spec + c * cells;
    double *y_special = job->est[special] + (int64_t)c * job->n_samples;
    double *y_rest = n_other > 0 ? job->est[special == 0 ? 1 : 0] + (int64_t)c * job->n_samples : NULL;
    for (int64_t i = 0; i < cells; i++) {
      const double g = b->method == BLIND_HPSS ? mask[i] : 1.0 - mask[i];
      masked[i][0] = g * sc[i][0];
      masked[i][1] = g * sc[i][1];
    }
    sb_stft_inverse(b->stft, masked, n_frames, y_special, job->n_samples);
    if (!y_rest)
      continue;
    for (int64_t i = 0; i < cells; i++) {
      const double g = (b->method == BLIND_HPSS ? 1.0 - mask[i] : mask[i]) / n_other;
      masked[i][0] = g * sc[i][0];
      masked[i][1] = g * sc[i][1];
    }
    sb_stft_inverse(b->stft, masked, n_frames, y_rest, job->n_samples);
    for (int t = 0; t < job->n_targets; t++)
      if (t != special && job->est[t] + (int64_t)c * job->n_samples != y_rest)
        memcpy(job->est[t] + (int64_t)c * job->n_samples, y_rest, (size_t)job->n_samples * sizeof *y_rest);
  }
done:
  fftw_free(spec);
  fftw_free(masked);
  free(V);
  free(mask);
  return err;
}

static const sb_backend_api hpss_api = {
  .abi_version = SB_BACKEND_ABI_VERSION,
  .name = "hpss",
  .description = "blind: median-filter harmonic/percussive separation (Fitzgerald 2010); drums = percussive",
  .flags = 0,
  .create = hpss_create,
  .separate = blind_separate,
  .destroy = blind_destroy,
};

static const sb_backend_api repet_api = {
  .abi_version = SB_BACKEND_ABI_VERSION,
  .name = "repet-sim",
  .description = "blind: REPET-SIM (Rafii & Pardo 2012); vocals = foreground, others share the background",
  .flags = 0,
  .create = repet_create,
  .separate = blind_separate,
  .destroy = blind_destroy,
};

const sb_backend_api *sb_backend_hpss(void)
{
  return &hpss_api;
}

const sb_backend_api *sb_backend_repet_sim(void)
{
  return &repet_api;
}
