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
 * noise entries within 0.5 dB of the reference's, then regression pins and
 * bad input.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "tap.h"
#include "datasets/json.h"
#include "metrics/distortions.h"
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

static double *read_wav(const char *path, size_t *n)
{
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  double *x;
  if (!sf)
    return NULL;
  x = malloc((size_t)info.frames * sizeof *x);
  if (x && sf_readf_double(sf, x, info.frames) != info.frames) {
    free(x);
    x = NULL;
  }
  sf_close(sf);
  *n = (size_t)info.frames;
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
      snprintf(path, sizeof path, "%s/pspm/distortions/%s", root, wav);
      post = read_wav(path, &n_post);
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

int main(void)
{
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
    tap_near(info.lufs, -20.006438684307930, 1e-9, "regression pin: input loudness");
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
    tap_near(ps.data[50 * n + 1000], 0.11195659637451172, 1e-9, "regression pin PS PitchShift_-4st[1000]");
    tap_near(ps.data[20 * n + 5000], 0.0012122982691314468, 1e-9, "regression pin PS WhiteNoise_0dB[5000]");
    tap_near(pm.data[44 * pm.len + 3000], -0.011699707247316837, 1e-9, "regression pin PM PitchShift_-4st[3000]");
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
