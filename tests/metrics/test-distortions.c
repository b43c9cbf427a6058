/*
 * tests/metrics/test-distortions.c — the MAPSS pre-processing and
 * distortion banks (metrics/npyrandom.h, metrics/loudness.h,
 * metrics/distortions.h, metrics/phasevocoder.h) against
 * $SB_REFVECTORS/pspm/distortions (the official reference code's outputs,
 * see its README.txt): numpy's first normals (index.json rng_check, exact),
 * the -23 LUFS normalisation of the input (loudness and samples), every PS
 * (71) and PM (62) entry after normalisation within 1e-4 (pitch shift and
 * time stretch: 1e-3), with np.random.seed(42) before each bank as in the
 * fixture, the PM bank's data-dependent parameters, the achieved SNR of the
 * noise entries within 0.5 dB of the reference's, then regression pins;
 * numpy's stream across randn calls of any size, the loudness in numpy's
 * summation order (against a python computation) and the batch
 * normaliser against the single one; the phase vocoder's shared analysis
 * and batched resampling against the one-call forms; bank reuse and
 * thread-count independence; bad input.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tap.h"
#include "common/json.h"
#include "metrics/distortions.h"
#include "tests/metrics/refcase.h"
#include "metrics/loudness.h"
#include "metrics/npyrandom.h"
#include "metrics/phasevocoder.h"

static double *read_raw_f64(const char *path, size_t n)
{
  FILE *f = fopen(path, "rb");
  double *x = malloc(n * sizeof *x);
  size_t got = 0;
  if (f && x)
    got = fread(x, sizeof *x, n, f);
  if (f)
    fclose(f);
  if (got != n) {
    free(x);
    return NULL;
  }
  return x;
}

/* Achieved SNR in dB of y (pre-normalisation) against x. */
static double snr_db(const double *x, const double *y, size_t n)
{
  double sx = 0.0, se = 0.0;
  for (size_t i = 0; i < n; i++) {
    sx += x[i] * x[i];
    se += (y[i] - x[i]) * (y[i] - x[i]);
  }
  return 10.0 * log10(sx / se);
}

static int is_stretch(const char *label)
{
  return strncmp(label, "PitchShift", 10) == 0 || strncmp(label, "Vibrato", 7) == 0;
}

static void check_bank(const char *root, const sb_json *entries, const char *bank_name,
                       const sb_dist_bank *bank, const double *ref, size_t n_ref)
{
  size_t n_entries = 0, n_bad = 0, n_snr_bad = 0, n_checked = 0, n_lufs_bad = 0;
  double worst = 0.0, worst_stretch = 0.0, worst_snr = 0.0, worst_lufs = 0.0;
  double *norm = malloc(bank->len * sizeof *norm);
  for (size_t i = 0;; i++) {
    const sb_json *e = sb_json_at(entries, i);
    const char *label, *wav;
    size_t idx, n_post = 0;
    double *post, tol, diff = 0.0, gain, lufs_ref;
    sb_loudness_info info;
    if (!e)
      break;
    if (strcmp(sb_json_str(sb_json_get(e, "bank")), bank_name) != 0)
      continue;
    n_entries++;
    label = sb_json_str(sb_json_get(e, "label"));
    idx = (size_t)sb_json_num(sb_json_get(e, "index_in_bank"));
    wav = sb_json_str(sb_json_get(e, "post_wav"));
    gain = sb_json_num(sb_json_get(sb_json_get(e, "loudness"), "gain"));
    lufs_ref = sb_json_num(sb_json_get(sb_json_get(e, "loudness"), "integrated_lufs"));
    if (idx >= bank->n_dist || strcmp(bank->labels[idx], label) != 0) {
      tap_diag("%s entry %zu: label %s, expected %s", bank_name, idx,
               idx < bank->n_dist ? bank->labels[idx] : "(none)", label);
      n_bad++;
      continue;
    }
    {
      char path[4096];
      int64_t len = 0;
      int n_chan = 0, rate = 0;
      sb_msg msg;
      snprintf(path, sizeof path, "%s/pspm/distortions/%s", root, wav);
      if (refcase_read_audio(path, -1, &post, &n_chan, &len, &rate, &msg) != SB_OK || n_chan != 1) {
        free(post);
        post = NULL;
      }
      n_post = (size_t)len;
    }
    if (!post || n_post != bank->len || !norm) {
      n_bad++;
      free(post);
      continue;
    }
    sb_loudness_normalize(bank->data + idx * bank->len, bank->len, 16000, -23.0, norm, &info);
    if (fabs(info.lufs - lufs_ref) > 1e-4)
      n_lufs_bad++;
    worst_lufs = fmax(worst_lufs, fabs(info.lufs - lufs_ref));
    for (size_t k = 0; k < bank->len; k++)
      diff = fmax(diff, fabs(norm[k] - post[k]));
    tol = is_stretch(label) ? 1e-3 : 1e-4;
    if (is_stretch(label))
      worst_stretch = fmax(worst_stretch, diff);
    else
      worst = fmax(worst, diff);
    if (diff > tol) {
      n_bad++;
      tap_diag("%s %s: max |diff| %.3g > %.0e", bank_name, label, diff, tol);
    }
    if (strstr(label, "Noise_") && n_ref <= bank->len) {
      /* The reference's own pre-normalisation signal is post / gain. */
      double *pre_ref = malloc(n_ref * sizeof *pre_ref), s_ours, s_ref;
      if (pre_ref) {
        for (size_t k = 0; k < n_ref; k++)
          pre_ref[k] = post[k] / gain;
        s_ours = snr_db(ref, bank->data + idx * bank->len, n_ref);
        s_ref = snr_db(ref, pre_ref, n_ref);
        worst_snr = fmax(worst_snr, fabs(s_ours - s_ref));
        n_snr_bad += fabs(s_ours - s_ref) > 0.5;
        n_checked++;
        free(pre_ref);
      }
    }
    free(post);
  }
  tap_ok(n_entries == bank->n_dist, "%s bank: %zu entries (fixture %zu)", bank_name,
         bank->n_dist, n_entries);
  tap_ok(n_bad == 0, "%s bank: every entry within 1e-4 (stretch 1e-3) after normalisation: "
         "worst %.3g, stretch worst %.3g (%zu off)", bank_name, worst, worst_stretch, n_bad);
  tap_ok(n_lufs_bad == 0, "%s bank: integrated loudness of every entry within 1e-4 LU (worst %.3g; float32 storage in the reference)",
         bank_name, worst_lufs);
  tap_ok(n_checked == 24 && n_snr_bad == 0,
         "%s bank: 24 noise entries, achieved SNR within 0.5 dB of the reference's (worst %.3g dB)",
         bank_name, worst_snr);
  free(norm);
}

/* The deterministic test signal of the loudness checks: x[i] = 0.2
 * sin(2 pi 440 i / 16000) (1 + 0.5 sin(2 pi 3 i / 16000)) + 0.05 sin(0.37 i)
 * i / n (the same expression, with libm's sin, as the python check). */
static void loudness_signal(double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 0.2 * sin(2 * M_PI * 440.0 * (double)i / 16000) *
               (1.0 + 0.5 * sin(2 * M_PI * 3.0 * (double)i / 16000)) +
           0.05 * sin(0.37 * (double)i) * ((double)i / (double)n);
}

/* numpy's stream continues across randn calls of any size, including the
 * parallel pass of long requests; pyloudnorm's block sums follow numpy's
 * summation order; the batch normaliser equals the single one. */
static void check_rng_and_loudness(sb_npyrandom *rng)
{
  enum { BIG = 80001 };
  double head[3], tail[2], *big = malloc(BIG * sizeof *big), *again = malloc((BIG + 5) * sizeof *again);
  size_t pieces[] = {1, 2, 7, 1000, 40000, 38993, 1, 2}, at = 0;  /* 80006 in all */
  int same = 1;

  if (!tap_ok(big && again, "buffers for the stream checks")) {
    free(big);
    free(again);
    return;
  }
  /* Expected: numpy 1.24.2, RandomState(42): randn(3), randn(80001),
   * randn(2), printed with repr() at development time. */
  sb_npyrandom_seed(rng, 42);
  sb_npyrandom_randn(rng, head, 3);
  sb_npyrandom_randn(rng, big, BIG);
  sb_npyrandom_randn(rng, tail, 2);
  tap_ok(head[2] == 0.6476885381006925 && big[0] == 1.5230298564080254 &&
             big[40000] == 0.0905692647176395 && big[80000] == -0.1753823711355662 &&
             tail[0] == 0.5140536805963355 && tail[1] == 0.28613046612026605,
         "randn(3), randn(80001), randn(2) equal numpy's values bit for bit");
  sb_npyrandom_seed(rng, 42);
  for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
    sb_npyrandom_randn(rng, again + at, pieces[k]);
    at += pieces[k];
  }
  same &= memcmp(again, head, sizeof head) == 0;
  same &= memcmp(again + 3, big, BIG * sizeof *big) == 0;
  same &= memcmp(again + 3 + BIG, tail, sizeof tail) == 0;
  tap_ok(at == BIG + 5 && same, "the same stream drawn in 8 pieces of other sizes is identical");
  free(big);
  free(again);

  /* Integrated loudness against pyloudnorm 0.1.1's algorithm re-computed
   * in python at development time with numpy 1.24.2 / scipy 1.10.1 (its
   * np.sum / np.mean of the blocks, scipy lfilter for the two biquads),
   * the K-weighting coefficients taken from libm's sin/cos (math module):
   * pyloudnorm takes them from numpy's, which differ by an ulp on some
   * CPUs and move the result by ~1e-13.  n = 7360 cuts its last block at
   * the signal end. */
  {
    static const size_t lens[] = {37123, 7360};
    static const double want[] = {-17.122303031631247, -17.05775107978007};
    for (int k = 0; k < 2; k++) {
      double *x = malloc(lens[k] * sizeof *x), lufs = 0.0;
      if (!x)
        continue;
      loudness_signal(x, lens[k]);
      tap_ok(sb_loudness_integrated(x, lens[k], 16000, &lufs) == SB_OK, "loudness of %zu samples", lens[k]);
      tap_near(lufs, want[k], 1e-12, "%zu samples: loudness = pyloudnorm's algorithm in numpy order", lens[k]);
      tap_pin(lufs, "loudness of %zu samples", lens[k]);
      free(x);
    }
  }

  /* sb_loudness_normalize_rows against sb_loudness_normalize, row by row:
   * 11 rows (two groups of 8 lanes) of 7360 samples, among them a silent
   * row, one with a spike (peak guard), a quiet one (gated out: RMS
   * fallback) and one with a NaN, which is reported and left unchanged. */
  {
    enum { ROWS = 11, N = 7360, NAN_ROW = 9 };
    double *rows = malloc(ROWS * N * sizeof *rows), *rounded = malloc(ROWS * N * sizeof *rounded);
    double *single = malloc(N * sizeof *single);
    sb_loudness_info info[ROWS], one;
    int same_rows = 1, same_f32 = 1, same_info = 1;
    if (rows && rounded && single) {
      for (int r = 0; r < ROWS; r++) {
        double *x = rows + r * N;
        loudness_signal(x, N);
        for (int i = 0; i < N; i++)
          x[i] *= r == 2 ? 0.0 : (r == 4 ? 1e-6 : 0.3 + 0.1 * r);
        if (r == 3)
          x[1000] = 30.0;
      }
      rows[NAN_ROW * N + 100] = NAN;
      memcpy(rounded, rows, ROWS * N * sizeof *rows);
      tap_ok(sb_loudness_normalize_rows(rounded, ROWS, N, 16000, -23.0, SB_LOUDNESS_ROUND_F32, NULL) ==
                 SB_ENONFINITE, "normalize_rows: the NaN row -> ENONFINITE");
      tap_ok(sb_loudness_normalize_rows(rows, ROWS, N, 16000, -23.0, 0, info) == SB_ENONFINITE,
             "normalize_rows without rounding: ENONFINITE too");
      for (int r = 0; r < ROWS; r++) {
        double *x = malloc(N * sizeof *x);
        if (!x)
          continue;
        loudness_signal(x, N);
        for (int i = 0; i < N; i++)
          x[i] *= r == 2 ? 0.0 : (r == 4 ? 1e-6 : 0.3 + 0.1 * r);
        if (r == 3)
          x[1000] = 30.0;
        if (r == NAN_ROW) {
          x[100] = NAN;
          same_rows &= memcmp(rows + r * N, x, 100 * sizeof *x) == 0 && isnan(rows[r * N + 100]);
        } else {
          sb_loudness_normalize(x, N, 16000, -23.0, single, &one);
          same_rows &= memcmp(rows + r * N, single, N * sizeof *single) == 0;
          same_info &= memcmp(&info[r], &one, sizeof one) == 0;
          for (int i = 0; i < N; i++)
            same_f32 &= rounded[r * N + i] == (double)(float)single[i];
        }
        free(x);
      }
      tap_ok(same_rows, "normalize_rows: every row equals sb_loudness_normalize bit for bit (NaN row unchanged)");
      tap_ok(same_info, "normalize_rows: the same loudness info per row");
      tap_ok(same_f32, "normalize_rows with SB_LOUDNESS_ROUND_F32: the same values rounded to float32");
      tap_ok(info[2].silent && info[3].renormalised && info[4].rms_fallback,
             "normalize_rows: silent, peak-guard and RMS-fallback rows flagged");
      tap_ok(sb_loudness_normalize_rows(rows, ROWS, N, 16000, -23.0, 2, NULL) == SB_EINVAL,
             "normalize_rows: unknown flag -> EINVAL");
      tap_ok(sb_loudness_normalize_rows(NULL, 2, N, 16000, -23.0, 0, NULL) == SB_EINVAL,
             "normalize_rows: NULL data -> EINVAL");
    }
    free(rows);
    free(rounded);
    free(single);
  }
}

/* The phase-vocoder pieces the banks use against the one-call forms. */
static void check_pvoc_pieces(const double *x)
{
  sb_pvoc *pv512 = NULL, *pv160 = NULL;
  sb_pvoc_analysis *a = NULL;
  sb_pshift *matrix = NULL, *stream = NULL;
  double *whole = NULL, y[8000], st[3 * 254], frames[3 * 320];
  size_t len = 0, s_len = 0;
  double rate;

  if (!tap_ok(sb_pvoc_new(512, &pv512) == SB_OK && sb_pvoc_new(160, &pv160) == SB_OK &&
                  sb_pvoc_analysis_new(pv512, &a) == SB_OK,
              "phase vocoders and an analysis made"))
    goto done;
  sb_pvoc_analyze(a, x, 8000);
  sb_pvoc_time_stretch(pv512, x, 8000, 1.03, &whole, &len);
  tap_ok(whole && sb_pvoc_stretched_len(a, 1.03, &s_len) == SB_OK && s_len == len &&
             sb_pvoc_stretch(a, 1.03, y, 8000) == SB_OK &&
             memcmp(y, whole, len * sizeof *y) == 0 && y[len] == 0.0 && y[7999] == 0.0,
         "stretch from a shared analysis = time_stretch bit for bit, zero-padded to 8000");
  tap_ok(sb_pvoc_stretch(a, 0.0, y, 10) == SB_EINVAL && sb_pvoc_stretch(NULL, 1.0, y, 10) == SB_EINVAL,
         "stretch: rate 0 or no analysis -> EINVAL");
  tap_ok(sb_pvoc_analyze(a, x, 0) == SB_EINVAL, "analyze: empty signal -> EINVAL");
  sb_pvoc_analysis_free(&a);

  /* Three 320-sample frames through the -4 semitone matrix at once. */
  if (sb_pshift_new(-4.0, 16000.0, 320, &matrix) == SB_OK && sb_pshift_new(-4.0, 16000.0, 0, &stream) == SB_OK &&
      sb_pvoc_analysis_new(pv160, &a) == SB_OK && sb_pshift_rate(matrix, &rate) == SB_OK) {
    int same = 1;
    for (int f = 0; f < 3; f++) {
      sb_pvoc_analyze(a, x + 320 * f, 320);
      sb_pvoc_stretched_len(a, rate, &s_len);
      sb_pvoc_stretch(a, rate, st + f * s_len, s_len);
    }
    tap_ok(s_len == 254 && sb_pshift_resample_frames(matrix, st, 3, frames, 320) == SB_OK,
           "resample_frames: 3 frames of 254 stretched samples (rate 2^(4/12))");
    for (int f = 0; f < 3; f++) {
      sb_pvoc_analyze(a, x + 320 * f, 320);
      sb_pshift_apply(matrix, a, y);
      same &= memcmp(y, frames + 320 * f, 320 * sizeof *y) == 0;
    }
    tap_ok(same, "resample_frames = sb_pshift_apply frame by frame, bit for bit");
    tap_ok(sb_pshift_resample_frames(stream, st, 3, frames, 320) == SB_EINVAL,
           "resample_frames: shifter without a matrix -> EINVAL");
    tap_ok(sb_pshift_resample_frames(matrix, st, 3, frames, 319) == SB_EINVAL,
           "resample_frames: output stride < 320 -> EINVAL");
  } else {
    tap_ok(0, "pitch shifters made");
  }

done:
  free(whole);
  sb_pvoc_analysis_free(&a);
  sb_pshift_free(&matrix);
  sb_pshift_free(&stream);
  sb_pvoc_free(&pv512);
  sb_pvoc_free(&pv160);
}

int main(void)
{
  tap_pins_load("metrics/test-distortions.pins");
  const char *root = getenv("SB_REFVECTORS");
  char path[4096];
  sb_json *index = NULL;
  sb_npyrandom *rng = NULL;
  double *input = NULL, *ref_norm = NULL, *norm = NULL;
  sb_dist_bank ps = {0}, pm = {0};
  const size_t n = 24000;

  if (!tap_ok(root && *root, "SB_REFVECTORS is set"))
    return tap_done();
  snprintf(path, sizeof path, "%s/pspm/distortions/index.json", root);
  if (!tap_ok(sb_json_parse_file(path, &index, NULL) == SB_OK, "index.json parsed"))
    return tap_done();

  /* numpy RandomState(42).randn(5), index.json rng_check (exact). */
  {
    const sb_json *chk = sb_json_get(sb_json_get(index, "rng_check"),
                                     "numpy_RandomState_42_first_randn_5");
    double v[5];
    int exact = chk != NULL;
    sb_npyrandom_new(42, &rng);
    sb_npyrandom_randn(rng, v, 5);
    for (int i = 0; i < 5 && chk; i++)
      exact &= v[i] == sb_json_num(sb_json_at(chk, (size_t)i));
    tap_ok(exact, "RandomState(42).randn(5) equals numpy bit for bit");
  }

  snprintf(path, sizeof path, "%s/pspm/distortions/input.f64", root);
  input = read_raw_f64(path, n);
  snprintf(path, sizeof path, "%s/pspm/distortions/ref_norm.f64", root);
  ref_norm = read_raw_f64(path, n);
  norm = malloc(n * sizeof *norm);
  if (!tap_ok(input && ref_norm && norm, "input and ref_norm read"))
    goto done;
  {
    sb_loudness_info info;
    double lufs_ref = sb_json_num(sb_json_get(sb_json_get(sb_json_get(index, "ref_norm"),
                                                          "loudness"), "integrated_lufs"));
    double diff = 0.0;
    tap_ok(sb_loudness_normalize(input, n, 16000, -23.0, norm, &info) == SB_OK,
           "loudness_normalize runs");
    tap_near(info.lufs, lufs_ref, 1e-6, "integrated loudness of the input = pyloudnorm's");
    for (size_t i = 0; i < n; i++)
      diff = fmax(diff, fabs(norm[i] - ref_norm[i]));
    tap_ok(diff <= 1e-6, "normalised input equals ref_norm (max |diff| %.3g)", diff);
    tap_pin(info.lufs, "input loudness");
  }

  /* The fixture re-seeds 42 before each bank and applies it to ref_norm. */
  sb_npyrandom_seed(rng, 42);
  tap_ok(sb_distortions_ps(ref_norm, n, rng, &ps) == SB_OK, "PS bank generated");
  sb_npyrandom_seed(rng, 42);
  tap_ok(sb_distortions_pm(ref_norm, n, rng, NULL, &pm) == SB_OK, "PM bank generated");
  {
    const sb_json *entries = sb_json_get(index, "entries");
    const sb_json *params = sb_json_get(index, "pm_bank_data_dependent_params");
    const sb_json *notch = sb_json_get(params, "notch_freqs");
    const sb_json *lows = sb_json_get(params, "lowpass_cutoffs");
    const sb_json *highs = sb_json_get(params, "highpass_cutoffs");
    int same = notch && lows && highs;
    for (size_t i = 0; same && i < pm.n_notch; i++)
      same &= sb_json_at(notch, i) && fabs(sb_json_num(sb_json_at(notch, i)) - pm.notch_hz[i]) < 1e-9;
    same &= notch && !sb_json_at(notch, pm.n_notch);
    for (size_t i = 0; same && i < pm.n_lowpass; i++)
      same &= sb_json_at(lows, i) && sb_json_num(sb_json_at(lows, i)) == pm.lowpass_hz[i];
    for (size_t i = 0; same && i < pm.n_highpass; i++)
      same &= sb_json_at(highs, i) && sb_json_num(sb_json_at(highs, i)) == pm.highpass_hz[i];
    tap_ok(same, "PM bank notch frequencies and cut-offs equal the reference's");
    if (ps.data)
      check_bank(root, entries, "PS", &ps, ref_norm, n);
    if (pm.data)
      check_bank(root, entries, "PM", &pm, ref_norm, n);
  }
  if (ps.data && pm.data) {
    tap_diag("pins: %.17g %.17g %.17g", ps.data[50 * n + 1000], ps.data[20 * n + 5000],
             pm.data[44 * pm.len + 3000]);
    /* Regression pins of this implementation (PitchShift -4, WhiteNoise 0 dB
     * PS; PitchShift -4 PM), captured once. */
    tap_pin(ps.data[50 * n + 1000], "PS PitchShift_-4st[1000]");
    tap_pin(ps.data[20 * n + 5000], "PS WhiteNoise_0dB[5000]");
    tap_pin(pm.data[44 * pm.len + 3000], "PM PitchShift_-4st[3000]");
  }

  /* The PM bank's precomputed resampling matrix against libsoxr itself
   * (the stream path, frame_len 0) on a 320-sample frame of the reference,
   * for a shift up and down: equal to libsoxr's precision (its HQ recipe
   * filters in float32, ~1e-7 of the signal's ~0.3 peak; the matrix
   * product runs in double). */
  {
    sb_pvoc *pv = NULL;
    for (int st = -4; st <= 4; st += 8) {
      sb_pshift *with_matrix = NULL, *stream = NULL;
      double y_matrix[320], y_stream[320], worst = INFINITY;
      if (!pv && sb_pvoc_new(160, &pv) != SB_OK)
        break;
      if (sb_pshift_new(st, 16000.0, 320, &with_matrix) == SB_OK &&
          sb_pshift_new(st, 16000.0, 0, &stream) == SB_OK &&
          sb_pvoc_pitch_shift(pv, with_matrix, ref_norm + 16000, 320, y_matrix) == SB_OK &&
          sb_pvoc_pitch_shift(pv, stream, ref_norm + 16000, 320, y_stream) == SB_OK) {
        worst = 0.0;
        for (int i = 0; i < 320; i++)
          worst = fmax(worst, fabs(y_matrix[i] - y_stream[i]));
      }
      tap_ok(worst < 1e-6, "pitch shift %+d st: resampling matrix = libsoxr stream (max diff %.3g)",
             st, worst);
      sb_pshift_free(&with_matrix);
      sb_pshift_free(&stream);
    }
    sb_pvoc_free(&pv);
  }

  check_rng_and_loudness(rng);
  check_pvoc_pieces(ref_norm);

  /* A bank passed again reuses its arrays; the result does not depend on
   * the number of threads. */
  if (ps.data && pm.data) {
    double *ps_copy = malloc(ps.n_dist * ps.len * sizeof *ps_copy), *ps_data = ps.data;
    double *pm_copy = malloc(pm.n_dist * pm.len * sizeof *pm_copy);
    if (ps_copy && pm_copy) {
      memcpy(ps_copy, ps.data, ps.n_dist * ps.len * sizeof *ps_copy);
      memcpy(pm_copy, pm.data, pm.n_dist * pm.len * sizeof *pm_copy);
      sb_npyrandom_seed(rng, 42);
      tap_ok(sb_distortions_ps(ref_norm, n, rng, &ps) == SB_OK && ps.data == ps_data &&
                 memcmp(ps.data, ps_copy, ps.n_dist * ps.len * sizeof *ps_copy) == 0,
             "PS bank again into the same bank: arrays reused, identical result");
#ifdef _OPENMP
      {
        int threads = omp_get_max_threads();
        omp_set_num_threads(threads > 1 ? 1 : 2);
        sb_npyrandom_seed(rng, 42);
        tap_ok(sb_distortions_ps(ref_norm, n, rng, &ps) == SB_OK &&
                   memcmp(ps.data, ps_copy, ps.n_dist * ps.len * sizeof *ps_copy) == 0,
               "PS bank with %d thread(s) instead of %d: identical", threads > 1 ? 1 : 2, threads);
        sb_npyrandom_seed(rng, 42);
        tap_ok(sb_distortions_pm(ref_norm, n, rng, NULL, &pm) == SB_OK &&
                   memcmp(pm.data, pm_copy, pm.n_dist * pm.len * sizeof *pm_copy) == 0,
               "PM bank with %d thread(s) instead of %d: identical", threads > 1 ? 1 : 2, threads);
        omp_set_num_threads(threads);
      }
#endif
    }
    free(ps_copy);
    free(pm_copy);
  }

  /* Bad input. */
  {
    sb_dist_bank b = {0};
    tap_ok(sb_dist_pm_shifts_new(NULL) == SB_EINVAL, "PM shifts: NULL out -> EINVAL");
    tap_ok(sb_pshift_new(2.0, 0.0, 320, NULL) == SB_EINVAL, "pitch shift: NULL out -> EINVAL");
    double tiny[8] = {0};
    sb_loudness_info info;
    double lufs;
    tap_ok(sb_distortions_ps(NULL, n, rng, &b) == SB_EINVAL, "PS bank: NULL signal -> EINVAL");
    tap_ok(sb_distortions_ps(tiny, 8, rng, &b) == SB_EINVAL, "PS bank: 8 samples -> EINVAL");
    tap_ok(sb_distortions_pm(ref_norm, 0, rng, NULL, &b) == SB_EINVAL, "PM bank: empty -> EINVAL");
    tap_ok(sb_loudness_integrated(tiny, 8, 16000, &lufs) == SB_ELENGTH,
           "loudness: shorter than one 400-ms block -> ELENGTH");
    tap_ok(sb_loudness_normalize(tiny, 8, 16000, -23.0, tiny, &info) == SB_OK && info.silent &&
               tiny[0] == 0.0, "loudness_normalize: silent input stays zero, flagged silent");
    tiny[3] = 0.5;
    tap_ok(sb_loudness_normalize(tiny, 8, 16000, -23.0, norm, &info) == SB_OK &&
               info.rms_fallback && fabs(sqrt(0.25 / 8) * info.gain - pow(10.0, -23.0 / 20)) < 1e-12,
           "loudness_normalize: too short for BS.1770 -> RMS fallback to 10^(-23/20)");
    tiny[3] = NAN;
    tap_ok(sb_loudness_normalize(tiny, 8, 16000, -23.0, norm, &info) == SB_ENONFINITE,
           "loudness_normalize: NaN -> ENONFINITE");
  }

done:
  sb_dist_bank_clear(&ps);
  sb_dist_bank_clear(&pm);
  sb_npyrandom_free(&rng);
  sb_json_free(&index);
  free(input);
  free(ref_norm);
  free(norm);
  return tap_done();
}
