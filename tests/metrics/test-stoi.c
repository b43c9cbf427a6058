/*
 * tests/metrics/test-stoi.c — STOI and ESTOI (metrics/stoi.c).
 *
 * Expected values: shared/refvectors/speech/<case>/expected.json (pystoi
 * 0.4.1 on the read-back FLAC arrays, README.md there): "sources.<name>.
 * stoi/estoi" at 1e-6 absolute (ESTOI of a source with
 * "estoi_rng_dependent" in its seed range, min - 1e-6 .. max + 1e-6),
 * "mixture.values.<name>.stoi/estoi" (the mixture scored as the estimate),
 * "debug_first_source" counts exactly and checksums at 1e-9 relative;
 * hand-built bad input (rate, silence, NaN, short signals, NULL).
 * Regression pins: tests/metrics/test-stoi.pins (tests/tap.h: tap_pin).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/stoi.h"
#include "tests/metrics/refcase.h"

static const char *const cases[] = {
  "clip_lowlevel_44k1", "short_0p4s_48k", "silences_dropout_10k", "snr_sweep_16k",
  "tfmask_ibm_lenmismatch_22k05", "two_spk_8k", "two_spk_8k_swapped",
};
#define N_CASES (sizeof cases / sizeof cases[0])

static double worst_stoi, worst_estoi; /* largest |got - want| of a case */

static double num(const sb_json *v)
{
  return v && v->type == SB_JSON_NUMBER ? v->number : NAN;
}

static void check_value(double got, double want, const char *cname, const char *name, const char *what)
{
  const double d = fabs(got - want);
  double *worst = strcmp(what, "STOI") == 0 || strcmp(what, "mixture STOI") == 0 ? &worst_stoi : &worst_estoi;
  *worst = d > *worst ? d : *worst;
  tap_near(got, want, 1e-6, "%s/%s: %s matches pystoi (|d| = %.3g)", cname, name, what, d);
  tap_pin(got, "%s/%s: %s", cname, name, what);
}

/* ESTOI of a source whose pystoi value depends on the RNG: inside the seed range. */
static void check_rng_estoi(const refcase *c, const char *cname, const char *name, double got)
{
  const double lo = num(refcase_get(c, "sources", name, "estoi_rng_dependent", "min", (const char *)NULL));
  const double hi = num(refcase_get(c, "sources", name, "estoi_rng_dependent", "max", (const char *)NULL));
  const double seed0 = num(refcase_get(c, "sources", name, "estoi", (const char *)NULL));
  tap_ok(got >= lo - 1e-6 && got <= hi + 1e-6, "%s/%s: ESTOI %.9f inside pystoi's seed range [%.6f, %.6f]",
         cname, name, got, lo, hi);
  tap_diag("%s/%s: ESTOI %.17g, pystoi after np.random.seed(0) %.17g (|d| = %.3g; the README's check is the "
           "seed range)",
           cname, name, got, seed0, fabs(got - seed0));
  tap_pin(got, "%s/%s: ESTOI", cname, name);
}

static void check_debug(const refcase *c, const char *cname, const sb_stoi_debug *d)
{
  static const char *const counts[] = {"len_10k", "energy_frames", "frames_kept", "len_after_silence_removal",
                                       "stft_frames", "segments"};
  const int64_t got[] = {d->len_10k, d->energy_frames, d->frames_kept, d->len_after_silence_removal,
                         d->stft_frames, d->segments};
  static const char *const sums[] = {"ref_10k_sum", "ref_10k_sumsq", "ref_silence_removed_sum",
                                     "ref_silence_removed_sumsq"};
  const double sgot[] = {d->ref_10k_sum, d->ref_10k_sumsq, d->ref_sil_sum, d->ref_sil_sumsq};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    const double want = num(refcase_get(c, "debug_first_source", counts[i], (const char *)NULL));
    if (isnan(want))
      continue; /* not recorded for this case */
    tap_ok((double)got[i] == want, "%s: %s = %lld (pystoi %.0f)", cname, counts[i], (long long)got[i], want);
  }
  for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++) {
    const double want = num(refcase_get(c, "debug_first_source", "checksums", sums[i], (const char *)NULL));
    if (isnan(want))
      continue;
    tap_near(sgot[i], want, 1e-9 * fmax(1.0, fabs(want)), "%s: checksum %s", cname, sums[i]);
  }
}

static void check_case(const char *cname)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_stoi *s = NULL;
  sb_err err = refcase_load_set("speech", cname, &c, &msg);
  worst_stoi = worst_estoi = 0.0;
  if (!tap_ok(err == SB_OK, "%s: loads (%s)", cname, msg.text))
    return;
  if (!tap_ok(sb_stoi_new(c->rate, &s, &msg) == SB_OK, "%s: sb_stoi_new(%d)", cname, c->rate))
    goto done;
  for (int j = 0; j < c->n_src; j++) {
    const char *name = c->names[j];
    sb_stoi_values v;
    sb_stoi_debug dbg;
    const int too_few = refcase_get(c, "sources", name, "warning", (const char *)NULL) &&
                        refcase_get(c, "sources", name, "warning", (const char *)NULL)->type == SB_JSON_STRING;
    err = sb_stoi_eval(s, c->ref_chan[j], c->est_chan[j], c->n_samples, &v, &dbg);
    tap_ok(err == SB_OK && v.status == (too_few ? SB_STOI_TOO_FEW_FRAMES : SB_STOI_OK),
           "%s/%s: evaluates, status %d (%s)", cname, name, (int)v.status, sb_stoi_status_text(v.status));
    check_value(v.stoi, num(refcase_get(c, "sources", name, "stoi", (const char *)NULL)), cname, name, "STOI");
    if (refcase_get(c, "sources", name, "estoi_rng_dependent", (const char *)NULL))
      check_rng_estoi(c, cname, name, v.estoi);
    else
      check_value(v.estoi, num(refcase_get(c, "sources", name, "estoi", (const char *)NULL)), cname, name,
                  "ESTOI");
    if (j == 0)
      check_debug(c, cname, &dbg);
    if (c->has_mix) {
      err = sb_stoi_eval(s, c->ref_chan[j], c->mix_chan[0], c->n_samples, &v, NULL);
      tap_ok(err == SB_OK, "%s/%s: mixture evaluates", cname, name);
      check_value(v.stoi, num(refcase_get(c, "mixture", "values", name, "stoi", (const char *)NULL)), cname,
                  name, "mixture STOI");
      check_value(v.estoi, num(refcase_get(c, "mixture", "values", name, "estoi", (const char *)NULL)), cname,
                  name, "mixture ESTOI");
    }
  }
  tap_diag("agreement %s: max |STOI - pystoi| = %.3g, max |ESTOI - pystoi| = %.3g (seed-range source "
           "included)",
           cname, worst_stoi, worst_estoi);
done:
  sb_stoi_free(&s);
  refcase_free(&c);
}

/* A 2-s 16-kHz test signal: a 300-Hz tone with a 4-Hz envelope and a second tone. */
static double *tone(int64_t n, int rate, double f, double scale)
{
  double *x = malloc(sizeof *x * (size_t)n);
  for (int64_t i = 0; x && i < n; i++) {
    const double t = (double)i / rate;
    x[i] = scale * (0.5 + 0.5 * sin(2 * M_PI * 4.0 * t)) * sin(2 * M_PI * f * t) +
           0.1 * sin(2 * M_PI * 2.1 * f * t + 0.3);
  }
  return x;
}

static void check_bad_input(void)
{
  const int64_t n = 32000;
  double *x = tone(n, 16000, 300.0, 0.5), *y = tone(n, 16000, 310.0, 0.4), *z = calloc((size_t)n, sizeof *z);
  sb_stoi *s = NULL;
  sb_msg msg = {{0}};
  sb_stoi_values v;
  sb_err err;

  err = sb_stoi_new(7999, &s, &msg);
  tap_ok(err == SB_ERATE && !s && strstr(msg.text, "8000 Hz") && strstr(msg.text, "7999"),
         "rate 7999 Hz is refused with a message (%s)", msg.text);
  tap_ok(sb_stoi_new(16000, NULL, &msg) == SB_EINVAL, "NULL out: SB_EINVAL");
  if (!tap_ok(x && y && z && sb_stoi_new(16000, &s, &msg) == SB_OK, "sb_stoi_new(16000)"))
    goto done;
  tap_ok(sb_stoi_rate(s) == 16000, "sb_stoi_rate");
  tap_ok(sb_stoi_eval(s, NULL, y, n, &v, NULL) == SB_EINVAL && sb_stoi_eval(s, x, y, 0, &v, NULL) == SB_EINVAL &&
             sb_stoi_eval(NULL, x, y, n, &v, NULL) == SB_EINVAL,
         "NULL signal, empty signal, NULL state: SB_EINVAL");

  err = sb_stoi_eval(s, x, x, n, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_OK, "identical signals evaluate");
  tap_near(v.stoi, 1.0, 1e-12, "STOI of a signal against itself is 1");
  tap_near(v.estoi, 1.0, 1e-12, "ESTOI of a signal against itself is 1");
  err = sb_stoi_eval(s, x, y, n, &v, NULL);
  tap_ok(err == SB_OK && v.stoi < 1.0 && v.estoi < 1.0, "a different estimate scores below 1 (%g, %g)", v.stoi,
         v.estoi);
  tap_pin(v.stoi, "tones: STOI");
  tap_pin(v.estoi, "tones: ESTOI");
  {
    sb_stoi_values w;
    tap_ok(sb_stoi_pair(x, y, n, 16000, &w, &msg) == SB_OK && w.stoi == v.stoi && w.estoi == v.estoi,
           "sb_stoi_pair gives the values of sb_stoi_new + sb_stoi_eval");
    tap_ok(sb_stoi_pair(x, y, n, 4000, &w, &msg) == SB_ERATE, "sb_stoi_pair refuses 4000 Hz");
  }

  err = sb_stoi_eval(s, z, y, n, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_SILENT_REF && isnan(v.stoi) && isnan(v.estoi) &&
             strstr(sb_stoi_status_text(v.status), "silent"),
         "silent reference: NaN with its reason (%s)", sb_stoi_status_text(v.status));
  y[1234] = NAN;
  err = sb_stoi_eval(s, x, y, n, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_NONFINITE && isnan(v.stoi) && isnan(v.estoi) &&
             strstr(sb_stoi_status_text(v.status), "NaN"),
         "NaN sample: NaN with its reason (%s)", sb_stoi_status_text(v.status));
  y[1234] = 0.0;
  err = sb_stoi_eval(s, x, y, 100, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_TOO_FEW_FRAMES && v.stoi == 1e-5 && v.estoi == 1e-5,
         "100 samples (no frame at 10 kHz): 1e-5, status too few frames");
  err = sb_stoi_eval(s, x, y, 6000, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_TOO_FEW_FRAMES && v.stoi == 1e-5,
         "0.375 s (28 STFT frames): 1e-5 (%s)", sb_stoi_status_text(v.status));
  tap_ok(strcmp(sb_stoi_status_text(SB_STOI_OK), "") == 0, "no text for SB_STOI_OK");
  /* An estimate silent over more than 30 kept frames: the jittered ESTOI path. */
  memset(y + 8000, 0, sizeof *y * 16000);
  err = sb_stoi_eval(s, x, y, n, &v, NULL);
  tap_ok(err == SB_OK && v.status == SB_STOI_OK && isfinite(v.estoi) && v.estoi > -1.0 && v.estoi < 1.0,
         "estimate silent for 1 s: ESTOI finite (%g)", v.estoi);
  tap_pin(v.estoi, "tones with a 1-s dropout: ESTOI");
done:
  sb_stoi_free(&s);
  sb_stoi_free(&s);
  free(x);
  free(y);
  free(z);
}

int main(void)
{
  tap_pins_load("metrics/test-stoi.pins");
  for (size_t i = 0; i < N_CASES; i++)
    check_case(cases[i]);
  check_bad_input();
  return tap_done();
}
