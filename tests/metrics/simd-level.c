/*
 * tests/metrics/simd-level.c — prints a battery of metric values computed
 * with metrics/ built for ONE SIMD level (SB_SIMD_FORCE: 1 baseline x86-64,
 * 3 x86-64-v3, 4 x86-64-v4; see common/vectorize.h), one "name<TAB>value"
 * line each (%.17g), for tests/metrics/test-simd-levels.sh, which compares
 * the levels with each other.  The battery runs every kernel that has SIMD
 * clones: BSS Eval v4 on music4_stereo_44k1 (fftcorr, blocktoeplitz; every
 * frame and whole value), the SI family, and PS/PM on e2e2spk (Butterworth
 * filters, phase vocoder, loudness, numpy's RNG, distortion banks), and
 * STOI/ESTOI of the speech cases clip_lowlevel_44k1 (the resampler) and
 * silences_dropout_10k (ESTOI's seeded jitter).
 * Exits 77 when this CPU cannot run the level (the script skips it).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "metrics/evaluate.h"
#include "metrics/pspm.h"
#include "tests/metrics/refcase.h"

static int cpu_runs_level(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (SB_SIMD_FORCE >= 4)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (SB_SIMD_FORCE >= 3)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("bmi2");
#endif
  return 1;
}

static int bss_battery(void)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_eval_opts o;
  sb_eval_result *r = NULL;
  if (refcase_load("music4_stereo_44k1", &c, &msg) != SB_OK) {
    fprintf(stderr, "simd-level: %s\n", msg.text);
    return 0;
  }
  sb_eval_opts_default(&o, c->rate);
  if (sb_evaluate(&o, &c->ref, &c->est, NULL, &r, &msg) != SB_OK) {
    fprintf(stderr, "simd-level: %s\n", msg.text);
    refcase_free(&c);
    return 0;
  }
  for (int fm = 0; fm < SB_FM_COUNT; fm++)
    for (int64_t i = 0; r->frame[fm] && i < (int64_t)r->n_src * r->n_frames; i++)
      printf("bss %s frame %lld\t%.17g\n", sb_frame_metric_name(fm), (long long)i, r->frame[fm][i]);
  for (int j = 0; j < r->n_src; j++)
    for (int wm = 0; wm < SB_WM_COUNT; wm++)
      printf("whole %s src %d\t%.17g\n", sb_whole_metric_name(wm), j,
             r->whole[(size_t)j * SB_WM_COUNT + (size_t)wm]);
  sb_eval_result_free(&r);
  refcase_free(&c);
  return 1;
}

/* STOI and ESTOI of every source of speech case name. */
static int speech_battery(const char *name)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_eval_opts o;
  sb_eval_result *r = NULL;
  if (refcase_load_set("speech", name, &c, &msg) != SB_OK) {
    fprintf(stderr, "simd-level: %s\n", msg.text);
    return 0;
  }
  sb_eval_opts_default(&o, c->rate);
  o.metrics = SB_METRIC_STOI | SB_METRIC_ESTOI;
  if (sb_evaluate(&o, &c->ref, &c->est, NULL, &r, &msg) != SB_OK) {
    fprintf(stderr, "simd-level: %s: %s\n", name, msg.text);
    refcase_free(&c);
    return 0;
  }
  for (int j = 0; j < r->n_src; j++)
    printf("speech %s src %d STOI\t%.17g\nspeech %s src %d ESTOI\t%.17g\n", name, j,
           r->whole[(size_t)j * SB_WM_COUNT + SB_WM_STOI], name, j, r->whole[(size_t)j * SB_WM_COUNT + SB_WM_ESTOI]);
  sb_eval_result_free(&r);
  refcase_free(&c);
  return 1;
}

static int pspm_battery(void)
{
  static const char *const files[4] = {"ref1", "ref2", "out1", "out2"};
  double *sig[4] = {NULL};
  int64_t len = 0;
  sb_pspm_track *t = NULL;
  sb_pspm_result res = {0};
  sb_msg msg = {{0}};
  int ok = 0;
  for (int i = 0; i < 4; i++) {
    char path[4096];
    int n_chan = 0, rate = 0;
    snprintf(path, sizeof path, "%s/pspm/e2e/e2e2spk/audio/%s.wav", refcase_root(), files[i]);
    if (refcase_read_audio(path, i ? len : -1, &sig[i], &n_chan, &len, &rate, &msg) != SB_OK) {
      fprintf(stderr, "simd-level: %s\n", msg.text);
      goto done;
    }
  }
  {
    const double *refs[2] = {sig[0], sig[1]}, *ests[2] = {sig[2], sig[3]};
    sb_sources rv = {2, 1, len, 16000, refs, NULL, NULL}, ev = {2, 1, len, 16000, ests, NULL, NULL};
    if (sb_pspm_track_new(&rv, NULL, &t, &msg) != SB_OK || sb_pspm_track_eval(t, &ev, NULL, &res, &msg) != SB_OK) {
      fprintf(stderr, "simd-level: %s\n", msg.text);
      goto done;
    }
  }
  for (size_t s = 0; s < res.n_src; s++)
    printf("pspm PS mean %zu\t%.17g\npspm PM mean %zu\t%.17g\n", s, res.ps_mean[s], s,
           res.pm_mean[s]);
  for (size_t i = 0; i < res.n_src * res.n_frames; i++)
    printf("pspm PS frame %zu\t%.17g\npspm PM frame %zu\t%.17g\n", i, res.ps[i], i, res.pm[i]);
  ok = 1;
done:
  sb_pspm_result_clear(&res);
  sb_pspm_track_free(&t);
  for (int i = 0; i < 4; i++)
    free(sig[i]);
  return ok;
}

int main(void)
{
  if (!cpu_runs_level()) {
    fprintf(stderr, "simd-level: this CPU cannot run level %d\n", SB_SIMD_FORCE);
    return 77;
  }
  /* One OpenBLAS thread, as the metrics tests: only the clone level varies. */
  openblas_set_num_threads(1);
  if (!refcase_root()) {
    fprintf(stderr, "simd-level: SB_REFVECTORS is not set\n");
    return 1;
  }
  return bss_battery() && pspm_battery() && speech_battery("clip_lowlevel_44k1") &&
                 speech_battery("silences_dropout_10k")
             ? 0
             : 1;
}
