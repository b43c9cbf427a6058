/*
 * tests/bench/bench-pspm.c — wall time of PS/PM (metrics/pspm.h) on the
 * issue's benchmark case: 2 sources, 10 s at 16 kHz, raw embedder.  The
 * signals are synthetic and seeded (speech-like: harmonic voices with
 * syllable-rate envelopes, overlapping most of the time); the estimates
 * leak 20 % of the other source plus a little noise.  Prints the split
 * between the distortion banks (with their loudness normalisation), the
 * rest of the reference side (resampling, masks, embedding), the
 * estimates' side and the manifold math, and the total.
 *
 * Runs with the OpenBLAS kernels the sepbench command uses
 * (common/blas_core.h: re-executes itself with OPENBLAS_CORETYPE set when
 * OpenBLAS fell back to Prescott on an AVX2 / AVX-512 CPU) and prints them.
 *
 * Usage: bench-pspm [seconds] [repeats]   (defaults 10, 3; best of repeats)
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics/npyrandom.h"
#include "metrics/pspm.h"
#include "common/blas_core.h"

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A voice: harmonics of a gliding f0 under a 4-Hz syllable envelope. */
static void voice(double *x, size_t n, double f0, double phase, sb_npyrandom *rng)
{
  double ph = 0.0, noise[1];
  for (size_t i = 0; i < n; i++) {
    double t = (double)i / 16000.0, f = f0 * (1.0 + 0.1 * sin(2.0 * M_PI * 0.3 * t + phase));
    double env = 0.5 + 0.5 * sin(2.0 * M_PI * 4.0 * t + phase), v = 0.0;
    ph += 2.0 * M_PI * f / 16000.0;
    for (int k = 1; k <= 8; k++)
      v += sin(k * ph) / k;
    sb_npyrandom_randn(rng, noise, 1);
    x[i] = 0.3 * env * env * v + 0.002 * noise[0];
  }
}

int main(int argc, char **argv)
{
  double seconds = argc > 1 ? atof(argv[1]) : 10.0;
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  size_t n = (size_t)(seconds * 16000.0);
  double *ref[2], *est[2], best[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
  sb_npyrandom *rng = NULL;
  size_t scored = 0, frames = 0;
  const char *core = "unknown";

  sb_blas_core_reexec(argv);
  sb_blas_core_name(&core);

  if (n < 400 || repeats < 1) {
    fprintf(stderr, "usage: bench-pspm [seconds >= 0.025] [repeats >= 1]\n");
    return 2;
  }
  sb_npyrandom_new(1234, &rng);
  for (int s = 0; s < 2; s++) {
    ref[s] = malloc(n * sizeof *ref[s]);
    est[s] = malloc(n * sizeof *est[s]);
    if (!ref[s] || !est[s])
      return 1;
    voice(ref[s], n, s ? 210.0 : 120.0, s ? 1.3 : 0.0, rng);
  }
  for (size_t i = 0; i < n; i++) {
    double noise[2];
    sb_npyrandom_randn(rng, noise, 2);
    est[0][i] = ref[0][i] + 0.2 * ref[1][i] + 0.01 * noise[0];
    est[1][i] = ref[1][i] + 0.2 * ref[0][i] + 0.01 * noise[1];
  }
  for (int r = 0; r < repeats; r++) {
    sb_pspm_track *t = NULL;
    sb_pspm_result res = {0};
    sb_msg msg = {{0}};
    double t0 = now_s(), t1, dist_s, other_s;
    sb_sources rv = {2, 1, (int64_t)n, 16000, (const double *const *)ref, NULL, NULL};
    sb_sources ev = {2, 1, (int64_t)n, 16000, (const double *const *)est, NULL, NULL};
    if (sb_pspm_track_new(&rv, NULL, &t, &msg) || sb_pspm_track_eval(t, &ev, NULL, &res, &msg)) {
      fprintf(stderr, "bench-pspm: %s\n", msg.text);
      return 1;
    }
    t1 = now_s();
    sb_pspm_track_timing(t, &dist_s, &other_s);
    if (t1 - t0 < best[4]) {
      best[0] = dist_s;
      best[1] = other_s;
      best[2] = res.time_embed_s;
      best[3] = res.time_math_s;
      best[4] = t1 - t0;
    }
    scored = res.n_scored;
    frames = res.n_frames;
    sb_pspm_result_clear(&res);
    sb_pspm_track_free(&t);
  }
  printf("PS/PM bench: 2 sources, %.1f s at 16 kHz, raw embedder, %zu of %zu frames scored\n",
         seconds, scored, frames);
  printf("  OpenBLAS kernels: %s\n", core);
  printf("  distortion banks + loudness   %8.3f s\n", best[0]);
  printf("  reference side, other         %8.3f s (resampling, masks, embedding)\n", best[1]);
  printf("  estimates (prepare + embed)   %8.3f s\n", best[2]);
  printf("  manifold math (PS, PM, radii) %8.3f s\n", best[3]);
  printf("  total wall (best of %d)        %8.3f s\n", repeats, best[4]);
  for (int s = 0; s < 2; s++) {
    free(ref[s]);
    free(est[s]);
  }
  sb_npyrandom_free(&rng);
  return 0;
}
