/*
 * tests/metrics/test-gsdr.c — MDX 2021 global SDR (metrics/gsdr.c).
 *
 * Expected values: expected.json "global_sdr" of every reference-vector
 * case (numpy float64 formula), hand-derived values for degenerate inputs,
 * and regression pins of the current implementation.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "tap.h"
#include "metrics/gsdr.h"
#include "tests/metrics/refcase.h"

/* The cases; sb_gsdr of each source is pinned (tests/metrics/test-gsdr.pins). */
static const struct {
  const char *name;
} cases[] = {
    {"length_mismatch"}, {"music3_silence_nan"}, {"music4_stereo_44k1"}, {"short_0p8s_22k"},
    {"speech2_16k_swapped"},
};

static void test_refvectors(void)
{
  tap_ok(refcase_root() != NULL, "SB_REFVECTORS points to the reference vectors");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    refcase *c = NULL;
    sb_msg msg = {{0}};
    double sum = 0.0;
    if (!tap_ok(refcase_load(cases[i].name, &c, &msg) == SB_OK, "%s: load (%s)", cases[i].name, msg.text))
      continue;
    for (int j = 0; j < c->n_src; j++) {
      double got = NAN;
      double want = sb_json_num(refcase_get(c, "global_sdr", c->names[j], (const char *)NULL));
      sb_err err = sb_gsdr(c->n_chan, c->n_samples, c->ref.chan + j * c->n_chan, c->est.chan + j * c->n_chan, &got);
      tap_ok(err == SB_OK, "%s/%s: sb_gsdr succeeds", cases[i].name, c->names[j]);
      tap_near(got, want, 1e-3, "%s/%s: global SDR vs reference", cases[i].name, c->names[j]);
      tap_pin(got, "%s/%s: global SDR", cases[i].name, c->names[j]);
      sum += got;
    }
    tap_near(sum / c->n_src, sb_json_num(refcase_get(c, "global_sdr", "mean_over_sources", (const char *)NULL)),
             1e-3, "%s: mean over sources", cases[i].name);
    refcase_free(&c);
  }
}

static void test_hand(void)
{
  double r[2][3] = {{1, -2, 3}, {0.5, 0, -0.5}};
  double e[2][3] = {{1, -2, 3}, {0.5, 0, -0.5}};
  double z[2][3] = {{0, 0, 0}, {0, 0, 0}};
  const double *rp[2] = {r[0], r[1]}, *ep[2] = {e[0], e[1]}, *zp[2] = {z[0], z[1]};
  double got = 0.0;

  /* sum s^2 = 14 + 0.5 = 14.5; perfect estimate: 10 log10((14.5 + 1e-7) / 1e-7). */
  tap_ok(sb_gsdr(2, 3, rp, ep, &got) == SB_OK, "perfect estimate");
  tap_near(got, 10.0 * log10((14.5 + 1e-7) / 1e-7), 1e-12, "perfect estimate: finite thanks to 1e-7");
  tap_ok(sb_gsdr(2, 3, rp, zp, &got) == SB_OK && got == 0.0, "all-zero estimate: exactly 0 dB");
  tap_ok(sb_gsdr(2, 3, zp, zp, &got) == SB_OK && got == 0.0, "silent reference and estimate: 0 dB");
  tap_near(sb_gsdr_from_energies(0.0, 2.0), 10.0 * log10(1e-7 / (2.0 + 1e-7)), 1e-12,
           "silent reference, non-silent estimate: finite and negative");
  /* error = 0.5 at one sample: 10 log10((14.5 + 1e-7) / (0.25 + 1e-7)). */
  e[0][1] = -1.5;
  sb_gsdr(2, 3, rp, ep, &got);
  tap_near(got, 10.0 * log10((14.5 + 1e-7) / (0.25 + 1e-7)), 1e-12, "one-sample error of 0.5");
  tap_pin(got, "one-sample error");
  e[1][2] = NAN;
  tap_ok(sb_gsdr(2, 3, rp, ep, &got) == SB_ENONFINITE && isnan(got), "NaN sample: SB_ENONFINITE, NaN out");
  e[1][2] = INFINITY;
  tap_ok(sb_gsdr(2, 3, rp, ep, &got) == SB_ENONFINITE, "Inf sample: SB_ENONFINITE");
  tap_ok(sb_gsdr(0, 3, rp, ep, &got) == SB_EINVAL, "no channel: SB_EINVAL");
  tap_ok(sb_gsdr(2, -1, rp, ep, &got) == SB_EINVAL, "negative length: SB_EINVAL");
  tap_ok(sb_gsdr(2, 3, NULL, ep, &got) == SB_EINVAL, "NULL reference: SB_EINVAL");
  tap_ok(sb_gsdr(2, 3, rp, ep, NULL) == SB_EINVAL, "NULL output: SB_EINVAL");
}

int main(void)
{
  tap_pins_load("metrics/test-gsdr.pins");
  test_refvectors();
  test_hand();
  return tap_done();
}
