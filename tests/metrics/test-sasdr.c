/*
 * tests/metrics/test-sasdr.c — SA-SDR and SI-SA-SDR (metrics/sasdr.c).
 *
 * Expected values: shared/refvectors/speech/<case>/expected.json "sa_sdr"
 * and "si_sa_sdr" (zero_mean_false/_true; torchmetrics' formula in numpy
 * float64), and under every permutation of "pit.all_permutations", at
 * 1e-9 relative (1e-12 dB absolute near 0 dB); a hand-derived value; bad
 * input.  Regression pins: tests/metrics/test-sasdr.pins.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/sasdr.h"
#include "tests/metrics/refcase.h"

static const char *const cases[] = {
  "clip_lowlevel_44k1", "short_0p4s_48k", "silences_dropout_10k", "snr_sweep_16k",
  "tfmask_ibm_lenmismatch_22k05", "two_spk_8k", "two_spk_8k_swapped",
};
#define N_CASES (sizeof cases / sizeof cases[0])

static double num(const sb_json *v)
{
  return v && v->type == SB_JSON_NUMBER ? v->number : NAN;
}

static double worst_rel; /* largest relative difference of a case */

static void near_db(double got, double want, const char *what, const char *cname, const char *perm)
{
  const double rel = fabs(got - want) / fmax(fabs(want), 1e-3);
  worst_rel = rel > worst_rel ? rel : worst_rel;
  tap_near(got, want, fmax(1e-9 * fabs(want), 1e-12), "%s%s: %s matches torchmetrics' formula", cname, perm,
           what);
  tap_pin(got, "%s%s: %s", cname, perm, what);
}

/* Both zero_mean settings of one pairing against the object holding sa_sdr/si_sa_sdr. */
static void check_pairing(const refcase *c, const sb_sources *est, const int *perm, const sb_json *obj,
                          const char *cname, const char *plabel)
{
  for (int zm = 0; zm < 2; zm++) {
    const char *key = zm ? "zero_mean_true" : "zero_mean_false";
    sb_sasdr_values v;
    char what[64];
    sb_err err = sb_sasdr(&c->ref, est, perm, zm, &v);
    tap_ok(err == SB_OK, "%s%s: sb_sasdr zero_mean %d", cname, plabel, zm);
    snprintf(what, sizeof what, "SA-SDR %s", key);
    near_db(v.sa_sdr, num(sb_json_get(sb_json_get(obj, "sa_sdr"), key)), what, cname, plabel);
    snprintf(what, sizeof what, "SI-SA-SDR %s", key);
    near_db(v.si_sa_sdr, num(sb_json_get(sb_json_get(obj, "si_sa_sdr"), key)), what, cname, plabel);
  }
}

static void check_case(const char *cname)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  const sb_json *perms;
  worst_rel = 0.0;
  if (!tap_ok(refcase_load_set("speech", cname, &c, &msg) == SB_OK, "%s: loads (%s)", cname, msg.text))
    return;
  check_pairing(c, &c->est, NULL, c->expected, cname, "");
  {
    refcase_stream ctx;
    sb_sources view = refcase_stream_view(&c->est, &ctx);
    sb_sasdr_values a, b;
    tap_ok(sb_sasdr(&c->ref, &c->est, NULL, 1, &a) == SB_OK && sb_sasdr(&c->ref, &view, NULL, 1, &b) == SB_OK &&
               a.sa_sdr == b.sa_sdr && a.si_sa_sdr == b.si_sa_sdr,
           "%s: a streamed estimate gives the same values", cname);
  }
  perms = refcase_get(c, "pit", "all_permutations", (const char *)NULL);
  for (size_t k = 0; perms && k < perms->n; k++) {
    const sb_json *pj = sb_json_get(sb_json_at(perms, k), "perm");
    int perm[8];
    char label[64];
    int len = snprintf(label, sizeof label, " perm");
    for (int j = 0; j < c->n_src && j < 8; j++) {
      perm[j] = (int)num(sb_json_at(pj, (size_t)j));
      len += snprintf(label + len, sizeof label - (size_t)len, " %d", perm[j]);
    }
    check_pairing(c, &c->est, perm, sb_json_at(perms, k), cname, label);
  }
  tap_diag("agreement %s: max relative |SA-SDR/SI-SA-SDR - torchmetrics' formula| = %.3g", cname, worst_rel);
  refcase_free(&c);
}

static void check_small(void)
{
  /* s = (1, 0 | 0, 2), h = (1, 1 | 0, 1): sum s^2 = 5, sum (s - h)^2 = 2, sum h s = 3 */
  const double s0[] = {1, 0}, s1[] = {0, 2}, h0[] = {1, 1}, h1[] = {0, 1};
  const double *sp[] = {s0, s1}, *hp[] = {h0, h1};
  const sb_sources ref = {2, 1, 2, 8000, sp, NULL, NULL}, est = {2, 1, 2, 8000, hp, NULL, NULL};
  const sb_sources one = {1, 1, 2, 8000, sp, NULL, NULL};
  const double eps = 2.220446049250313e-16, a = (3 + eps) / (5 + eps);
  const int bad_perm[] = {0, 2};
  sb_sasdr_values v;
  tap_ok(sb_sasdr(&ref, &est, NULL, 0, &v) == SB_OK, "2 x 2 samples evaluate");
  tap_near(v.sa_sdr, 10 * log10((5 + eps) / (2 + eps)), 1e-13, "hand value: SA-SDR = 10 log10(5 / 2)");
  /* a s - h = (a - 1, -1 | 0, 2a - 1) */
  tap_near(v.si_sa_sdr,
           10 * log10((5 * a * a + eps) / ((a - 1) * (a - 1) + 1 + (2 * a - 1) * (2 * a - 1) + eps)), 1e-13,
           "hand value: SI-SA-SDR with one common scale 3/5");
  tap_ok(sb_sasdr(&ref, &ref, NULL, 0, &v) == SB_OK && v.sa_sdr > 150.0, "a perfect estimate: eps bound (%g dB)",
         v.sa_sdr);
  tap_ok(sb_sasdr(&ref, &one, NULL, 0, &v) == SB_EINVAL, "source counts differ: SB_EINVAL");
  tap_ok(sb_sasdr(&ref, &est, bad_perm, 0, &v) == SB_EINVAL, "perm out of range: SB_EINVAL");
  tap_ok(sb_sasdr(NULL, &est, NULL, 0, &v) == SB_EINVAL && sb_sasdr(&ref, &est, NULL, 0, NULL) == SB_EINVAL,
         "NULL arguments: SB_EINVAL");
  {
    /* the same signals as (n_src, n_samples) arrays, for bindings */
    const double s[] = {1, 0, 0, 2}, h[] = {1, 1, 0, 1};
    tap_ok(sb_sasdr_arrays(s, h, 2, 2, 0, &v) == SB_OK, "sb_sasdr_arrays: 2 x 2 samples evaluate");
    tap_near(v.sa_sdr, 10 * log10((5 + eps) / (2 + eps)), 1e-13, "sb_sasdr_arrays: SA-SDR = 10 log10(5 / 2)");
    tap_near(v.si_sa_sdr,
             10 * log10((5 * a * a + eps) / ((a - 1) * (a - 1) + 1 + (2 * a - 1) * (2 * a - 1) + eps)), 1e-13,
             "sb_sasdr_arrays: SI-SA-SDR with the common scale 3/5");
    tap_ok(sb_sasdr_arrays(s, h, 0, 2, 0, &v) == SB_EINVAL && sb_sasdr_arrays(s, NULL, 2, 2, 0, &v) == SB_EINVAL &&
             sb_sasdr_arrays(s, h, 2, 0, 0, &v) == SB_EINVAL,
           "sb_sasdr_arrays: no source, no estimate, no sample: SB_EINVAL");
  }
}

int main(void)
{
  tap_pins_load("metrics/test-sasdr.pins");
  for (size_t i = 0; i < N_CASES; i++)
    check_case(cases[i]);
  check_small();
  return tap_done();
}
