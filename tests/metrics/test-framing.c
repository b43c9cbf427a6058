/*
 * tests/metrics/test-framing.c — museval framing, silence, NaN rules and the
 * one-pass frame statistics of metrics/framing.c.
 *
 * Expected values: hand-derived framing arithmetic, naive sums written out
 * in this file, and the reference vectors ($SB_REFVECTORS/bss/<case>:
 * museval_v4.frames, nframes, nan_rules).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tap.h"
#include "metrics/framing.h"
#include "tests/metrics/refcase.h"

static void test_framing_arithmetic(void)
{
  sb_framing f = {0, 0, 0, 0};
  int64_t a, b;

  tap_ok(sb_framing_init(&f, 233730, 44100, 44100) == SB_OK && f.n_frames == 5,
         "5.3 s at 44.1 kHz, 1 s frames: 5 frames (got %lld)", (long long)f.n_frames);
  sb_framing_bounds(&f, 4, &a, &b);
  tap_ok(a == 176400 && b == 220500, "frame 4 = [176400, 220500)");
  tap_ok(sb_framing_tail(&f) == 233730 - 220500, "tail = 13230 samples");

  tap_ok(sb_framing_init(&f, 17640, 22050, 22050) == SB_OK && f.n_frames == 1 && f.win == 22050,
         "window longer than the signal: one frame, win kept as requested");
  sb_framing_bounds(&f, 0, &a, &b);
  tap_ok(a == 0 && b == 17640 && sb_framing_tail(&f) == 0, "that frame is [0, 17640), no tail");

  tap_ok(sb_framing_init(&f, 1000, 1000, 500) == SB_OK && f.n_frames == 1,
         "win == T gives one frame (museval: win < T else 1)");

  tap_ok(sb_framing_init(&f, 1000, 0, 0) == SB_OK && f.n_frames == 1 && f.win == 1000 && f.hop == 1000,
         "win <= 0: whole signal, win = hop = T");

  /* Overlap: T = 11, win = 4, hop = 2: floor((11 - 4 + 2) / 2) = 4 frames
   * [0,4) [2,6) [4,8) [6,10), 1 tail sample. */
  tap_ok(sb_framing_init(&f, 11, 4, 2) == SB_OK && f.n_frames == 4, "overlapping frames: 4");
  sb_framing_bounds(&f, 3, &a, &b);
  tap_ok(a == 6 && b == 10 && sb_framing_tail(&f) == 1, "last overlapping frame [6,10), tail 1");

  /* win < T < 2 win: museval evaluates one frame of win samples only. */
  tap_ok(sb_framing_init(&f, 150, 100, 100) == SB_OK && f.n_frames == 1 && sb_framing_tail(&f) == 50,
         "win < T < 2 win: one frame [0, win), 50 samples never evaluated");

  /* v3 (mir_eval): nwin < 2 scores the whole signal. */
  tap_ok(sb_framing_v3_single(&f) == SB_OK && f.n_frames == 1 && f.win == 150 && f.hop == 150 &&
           sb_framing_tail(&f) == 0,
         "v3, win < T < 2 win: the single frame is the whole signal [0, 150)");
  sb_framing_init(&f, 150, 100, 50);
  tap_ok(sb_framing_v3_single(&f) == SB_OK && f.n_frames == 2 && f.win == 100 && f.hop == 50,
         "v3, two overlapping frames fit: unchanged");
  sb_framing_init(&f, 150, 200, 200);
  tap_ok(sb_framing_v3_single(&f) == SB_OK && f.n_frames == 1 && f.win == 200,
         "v3, win > T: unchanged (already the whole signal, win kept as requested)");
  sb_framing_init(&f, 350, 100, 100);
  tap_ok(sb_framing_v3_single(&f) == SB_OK && f.n_frames == 3 && f.win == 100, "v3, 3 frames: unchanged");
  tap_ok(sb_framing_v3_single(NULL) == SB_EINVAL, "v3 rule on NULL: SB_EINVAL");

  tap_ok(sb_framing_init(&f, 0, 10, 10) == SB_EINVAL, "zero-length signal: SB_EINVAL");
  tap_ok(sb_framing_init(&f, 100, 10, 0) == SB_EINVAL, "hop 0 with a window: SB_EINVAL");
  tap_ok(sb_framing_init(NULL, 100, 10, 10) == SB_EINVAL, "NULL framing: SB_EINVAL");
}

static void test_silence(void)
{
  double left[6] = {0.5, -0.25, 0, 1, 0, 0}, right[6] = {-0.5, 0.25, 0, -1, 0, 1e-20};
  const double *stereo[2] = {left, right};
  double mono[4] = {0, 0, 0, 0};
  const double *mono_chan[1] = {mono};
  double three[3][2] = {{1e20, 0}, {1, 0}, {-1e20, 0}};
  const double *three_chan[3] = {three[0], three[1], three[2]};

  tap_ok(sb_is_silent(2, stereo, 0, 5) == 1, "right == -left counts as silent (sum over channels)");
  tap_ok(sb_is_silent(2, stereo, 0, 6) == 0, "a 1e-20 sample is not silent");
  tap_ok(sb_is_silent(1, mono_chan, 0, 4) == 1, "all-zero mono is silent");
  mono[2] = NAN;
  tap_ok(sb_is_silent(1, mono_chan, 0, 4) == 0, "a NaN sample is not silent");
  mono[2] = -0.0;
  tap_ok(sb_is_silent(1, mono_chan, 0, 4) == 1, "-0.0 is silent");
  /* (1e20 + 1) + -1e20 == 0 in float64, summed in channel order like numpy. */
  tap_ok(sb_is_silent(3, three_chan, 0, 1) == 1, "three channels summed in channel order");
  tap_ok(sb_is_silent(3, three_chan, 1, 2) == 1, "an all-zero sample range is silent");
}

/* Naive per-frame energies for one pair. */
static void naive_energy(const double *const *r, const double *const *e, int n_chan, int64_t a, int64_t b,
                         double *re, double *ee)
{
  *re = 0.0;
  *ee = 0.0;
  for (int c = 0; c < n_chan; c++)
    for (int64_t n = a; n < b; n++) {
      *re += r[c][n] * r[c][n];
      *ee += (e[c][n] - r[c][n]) * (e[c][n] - r[c][n]);
    }
}

static void test_stats_small(void)
{
  /* 2 sources, 2 channels, T = 10, win 4, hop 3: frames [0,4) [3,7) [6,10). */
  enum { T = 10 };
  double r[2][2][T], e[2][2][T];
  const double *rp[4], *ep[4];
  sb_sources ref = {2, 2, T, 8000, rp, NULL, NULL}, est = {2, 2, T, 8000, ep, NULL, NULL};
  sb_framing f;
  sb_frame_stats *s = NULL;
  unsigned char skip[6], flags[3];
  int swap[2] = {1, 0}, bad[2] = {0, 2};
  int ok = 1;

  for (int j = 0; j < 2; j++)
    for (int c = 0; c < 2; c++) {
      for (int n = 0; n < T; n++) {
        r[j][c][n] = (n + 1) * (j + 1) * (c ? -0.5 : 1.0);
        e[j][c][n] = r[j][c][n] + 0.125 * ((n + j + c) % 3 - 1);
      }
      rp[j * 2 + c] = r[j][c];
      ep[j * 2 + c] = e[j][c];
    }
  /* Source 1's reference is silent in [3,7) (left == -right); source 0's
   * estimate is all-zero in [6,10). */
  for (int n = 3; n < 7; n++)
    r[1][1][n] = -r[1][0][n];
  for (int n = 6; n < 10; n++)
    e[0][0][n] = e[0][1][n] = 0.0;

  sb_framing_init(&f, T, 4, 3);
  tap_ok(f.n_frames == 3, "T = 10, win 4, hop 3: 3 frames");
  tap_ok(sb_frame_stats_compute(&f, &ref, &est, NULL, &s) == SB_OK && s, "stats of the identity pairing");
  if (!s)
    return;
  for (int j = 0; j < 2; j++)
    for (int64_t k = 0; k < 3; k++) {
      int64_t a, b;
      double re, ee;
      sb_framing_bounds(&f, k, &a, &b);
      naive_energy(rp + j * 2, ep + j * 2, 2, a, b, &re, &ee);
      ok &= fabs(s->ref_energy[j * 3 + k] - re) <= 1e-12 * re && fabs(s->err_energy[j * 3 + k] - ee) <= 1e-12 * ee;
    }
  tap_ok(ok, "per-frame energies equal naive sums");
  {
    double re, ee;
    naive_energy(rp, ep, 2, 0, T, &re, &ee);
    tap_ok(fabs(s->whole_ref_energy[0] - re) <= 1e-12 * re && fabs(s->whole_err_energy[0] - ee) <= 1e-12 * ee,
           "whole energies include every sample");
  }
  tap_ok(s->ref_silent[1 * 3 + 1] == 1 && s->ref_silent[1 * 3 + 0] == 0 && s->ref_silent[1 * 3 + 2] == 0,
         "reference 1 silent in frame 1 only");
  tap_ok(s->est_silent[0 * 3 + 2] == 1 && s->est_silent[0 * 3 + 1] == 0, "estimate 0 silent in frame 2 only");
  tap_ok(s->whole_ref_silent[1] == 0 && s->whole_est_silent[0] == 0, "no signal silent over the whole track");

  tap_ok(sb_framing_nan_mask(s, SB_SILENT_ALL, skip, flags) == SB_OK, "museval rule");
  tap_ok(skip[0] == 0 && skip[1] == 1 && skip[2] == 1 && skip[3] == 0 && skip[4] == 1 && skip[5] == 1,
         "museval rule: frames 1 and 2 NaN for both sources");
  tap_ok(flags[0] == 0 && flags[1] == SB_FRAME_REF_SILENT && flags[2] == SB_FRAME_EST_SILENT,
         "frame flags say why (reference / estimate)");
  tap_ok(sb_framing_nan_mask(s, SB_SILENT_PER_SOURCE, skip, flags) == SB_OK, "per-source rule");
  tap_ok(skip[0] == 0 && skip[1] == 0 && skip[2] == 1 && skip[3] == 0 && skip[4] == 1 && skip[5] == 0,
         "per-source rule: source 0 NaN in frame 2, source 1 in frame 1");
  tap_ok(flags[1] == SB_FRAME_REF_SILENT && flags[2] == SB_FRAME_EST_SILENT, "flags are set under both rules");
  tap_ok(sb_framing_nan_mask(s, (sb_silent_rule)7, skip, flags) == SB_EINVAL, "unknown rule: SB_EINVAL");
  sb_frame_stats_free(&s);
  tap_ok(s == NULL, "free NULLs the pointer");
  sb_frame_stats_free(&s);

  tap_ok(sb_frame_stats_compute(&f, &ref, &est, swap, &s) == SB_OK && s, "stats of a swapped pairing");
  if (s) {
    double re, ee;
    naive_energy(rp, ep + 2, 2, 0, T, &re, &ee);
    tap_ok(fabs(s->whole_err_energy[0] - ee) <= 1e-12 * ee, "reference 0 paired with estimate 1");
    tap_ok(s->est_silent[1 * 3 + 2] == 1, "estimate silence follows the pairing");
    sb_frame_stats_free(&s);
  }
  tap_ok(sb_frame_stats_compute(&f, &ref, &est, bad, &s) == SB_EINVAL && !s, "estimate index out of range: SB_EINVAL");
  est.n_chan = 1;
  tap_ok(sb_frame_stats_compute(&f, &ref, &est, NULL, &s) == SB_EINVAL, "channel mismatch: SB_EINVAL");
  est.n_chan = 2;
  est.n_samples = 9;
  tap_ok(sb_frame_stats_compute(&f, &ref, &est, NULL, &s) == SB_EINVAL, "length mismatch: SB_EINVAL");
  est.n_samples = T;
  e[1][0][5] = NAN;
  tap_ok(sb_frame_stats_compute(&f, &ref, &est, NULL, &s) == SB_OK && s && !isfinite(s->whole_err_energy[1]) &&
             isfinite(s->whole_err_energy[0]),
         "a NaN sample makes its pair's energy non-finite");
  sb_frame_stats_free(&s);
}

/* Long signal: pieces split at 65536 samples, frames at odd offsets,
 * result independent of the thread count. */
static void test_stats_long(void)
{
  enum { T = 300007 };
  double *buf = malloc(4 * (size_t)T * sizeof *buf);
  const double *rp[2], *ep[2];
  sb_sources ref = {1, 2, T, 44100, rp, NULL, NULL}, est = {1, 2, T, 44100, ep, NULL, NULL};
  sb_framing f;
  sb_frame_stats *one = NULL, *two = NULL;
  uint64_t seed = tap_seed(20251121u), state = seed;
  int same = 1, near = 1;

  if (!buf) {
    tap_ok(0, "allocation");
    return;
  }
  for (size_t i = 0; i < 4 * (size_t)T; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (double)(state >> 11) / 9007199254740992.0 - 0.5;
  }
  rp[0] = buf;
  rp[1] = buf + T;
  ep[0] = buf + 2 * (size_t)T;
  ep[1] = buf + 3 * (size_t)T;
  sb_framing_init(&f, T, 70001, 50003);
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  sb_frame_stats_compute(&f, &ref, &est, NULL, &one);
#ifdef _OPENMP
  omp_set_num_threads(2);
#endif
  sb_frame_stats_compute(&f, &ref, &est, NULL, &two);
  tap_ok(one && two && f.n_frames == 5, "overlapping 70001/50003 framing: 5 frames");
  if (one && two) {
    for (int64_t k = 0; k < f.n_frames; k++) {
      int64_t a, b;
      double re, ee;
      same &= one->ref_energy[k] == two->ref_energy[k] && one->err_energy[k] == two->err_energy[k];
      sb_framing_bounds(&f, k, &a, &b);
      naive_energy(rp, ep, 2, a, b, &re, &ee);
      near &= fabs(one->ref_energy[k] - re) <= 1e-11 * re && fabs(one->err_energy[k] - ee) <= 1e-11 * ee;
    }
    same &= one->whole_ref_energy[0] == two->whole_ref_energy[0];
    tap_ok(same, "1 and 2 threads give bit-identical energies");
    tap_ok(near, "long-frame energies equal naive sums (1e-11 relative)");
  }
  sb_frame_stats_free(&one);
  sb_frame_stats_free(&two);
  free(buf);
}

/* Reference vectors: frames, n_frames, tail and the NaN frames of every
 * case, on the real audio. */
static void test_refvectors(void)
{
  static const char *const cases[] = {"length_mismatch", "music3_silence_nan", "music4_stereo_44k1",
                                      "short_0p8s_22k", "speech2_16k_swapped"};
  tap_ok(refcase_root() != NULL, "SB_REFVECTORS points to the reference vectors");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    refcase *c = NULL;
    sb_msg msg = {{0}};
    sb_framing f;
    sb_frame_stats *s = NULL;
    const sb_json *mv, *frames, *nan_frames;
    unsigned char *flags;
    int ok = 1;

    if (!tap_ok(refcase_load(cases[i], &c, &msg) == SB_OK, "%s: load (%s)", cases[i], msg.text))
      continue;
    mv = refcase_get(c, "museval_v4", (const char *)NULL);
    frames = sb_json_get(mv, "frames");
    sb_framing_init(&f, c->n_samples, (int64_t)sb_json_num(sb_json_get(mv, "win")),
                    (int64_t)sb_json_num(sb_json_get(mv, "hop")));
    tap_ok(f.n_frames == (int64_t)sb_json_num(sb_json_get(mv, "nframes")), "%s: %lld frames", cases[i],
           (long long)f.n_frames);
    for (int64_t k = 0; k < f.n_frames; k++) {
      int64_t a, b;
      const sb_json *fr = sb_json_at(frames, (size_t)k);
      sb_framing_bounds(&f, k, &a, &b);
      ok &= a == (int64_t)sb_json_num(sb_json_at(fr, 0)) && b == (int64_t)sb_json_num(sb_json_at(fr, 1));
    }
    tap_ok(ok, "%s: frame bounds equal museval's", cases[i]);
    tap_ok(sb_framing_tail(&f) ==
               (int64_t)sb_json_num(refcase_get(c, "nan_rules", "unevaluated_tail_samples", (const char *)NULL)),
           "%s: unevaluated tail", cases[i]);
    flags = calloc((size_t)f.n_frames, 1);
    if (flags && sb_frame_stats_compute(&f, &c->ref, &c->est, NULL, &s) == SB_OK &&
        sb_framing_nan_mask(s, SB_SILENT_ALL, NULL, flags) == SB_OK) {
      unsigned char *want = calloc((size_t)f.n_frames, 1);
      nan_frames = refcase_get(c, "nan_rules", "nan_frames", (const char *)NULL);
      for (size_t m = 0; want && m < nan_frames->n; m++) {
        const sb_json *nf = sb_json_at(nan_frames, m);
        const sb_json *reasons = sb_json_get(nf, "reasons");
        int64_t k = (int64_t)sb_json_num(sb_json_get(nf, "frame"));
        for (size_t q = 0; q < reasons->n; q++) {
          const char *why = sb_json_str(sb_json_at(reasons, q));
          if (k >= 0 && k < f.n_frames && why)
            want[k] |= strncmp(why, "reference", 9) == 0 ? SB_FRAME_REF_SILENT : SB_FRAME_EST_SILENT;
        }
      }
      tap_ok(want && memcmp(want, flags, (size_t)f.n_frames) == 0, "%s: NaN frames and reasons equal nan_rules",
             cases[i]);
      free(want);
    } else {
      tap_ok(0, "%s: statistics", cases[i]);
    }
    free(flags);
    sb_frame_stats_free(&s);
    refcase_free(&c);
  }
}

int main(void)
{
  test_framing_arithmetic();
  test_silence();
  test_stats_small();
  test_stats_long();
  test_refvectors();
  return tap_done();
}
