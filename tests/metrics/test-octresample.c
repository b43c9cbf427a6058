/*
 * tests/metrics/test-octresample.c — the Octave-filter resampler
 * (metrics/octresample.c).
 *
 * Expected values: the filter table of shared/refvectors/speech/README.md
 * (factors, L, taps per rate), the taps pystoi's _resample_window_oct gives
 * (expected.json debug_first_source.resample_filter), and the closed form
 * y[n] = up sum_m x[m] hn[L + n down - m up] of the README summed directly
 * against the polyphase evaluation; bad input.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "metrics/octresample.h"
#include "tests/metrics/refcase.h"

static const struct {
  int rate, up, down, half_len;
} table[] = {
  {8000, 5, 4, 182}, {16000, 5, 8, 290}, {22050, 200, 441, 15973}, {44100, 100, 441, 15973}, {48000, 5, 24, 870},
};

static void check_table(void)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    sb_octresample *r = NULL;
    int up, down, L;
    if (!tap_ok(sb_octresample_new(table[i].rate, 10000, &r) == SB_OK, "%d Hz: designs", table[i].rate))
      continue;
    sb_octresample_factors(r, &up, &down, &L);
    tap_ok(up == table[i].up && down == table[i].down && L == table[i].half_len,
           "%d Hz: up %d down %d L %d (README: %d %d %d)", table[i].rate, up, down, L, table[i].up, table[i].down,
           table[i].half_len);
    {
      double sum = 0.0;
      for (int k = 0; k <= 2 * L; k++)
        sum += sb_octresample_tap(r, k);
      tap_near(sum, 1.0, 1e-12, "%d Hz: taps sum to 1", table[i].rate);
      tap_ok(isnan(sb_octresample_tap(r, -1)) && isnan(sb_octresample_tap(r, 2 * L + 1)),
             "%d Hz: taps outside 0 .. 2L are NaN", table[i].rate);
      tap_near(sb_octresample_tap(r, L - 3), sb_octresample_tap(r, L + 3), 1e-18, "%d Hz: symmetric",
               table[i].rate);
    }
    sb_octresample_free(&r);
  }
}

/* The taps recorded from pystoi in each case's expected.json. */
static void check_recorded(const char *cname)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_octresample *r = NULL;
  const sb_json *f, *mid, *first;
  int L;
  if (!tap_ok(refcase_load_set("speech", cname, &c, &msg) == SB_OK, "%s: loads (%s)", cname, msg.text))
    return;
  f = refcase_get(c, "debug_first_source", "resample_filter", (const char *)NULL);
  if (!tap_ok(f && f->type == SB_JSON_OBJECT && sb_octresample_new(c->rate, 10000, &r) == SB_OK,
              "%s: recorded filter and design", cname))
    goto done;
  sb_octresample_factors(r, NULL, NULL, &L);
  tap_ok(L == (int)sb_json_num(sb_json_get(f, "half_length_L")), "%s: L = %d as pystoi", cname, L);
  mid = sb_json_get(f, "normalised_taps_center_Lm2_to_Lp2");
  first = sb_json_get(f, "normalised_taps_first3");
  for (int k = 0; mid && k < 5; k++)
    tap_near(sb_octresample_tap(r, L - 2 + k), sb_json_num(sb_json_at(mid, (size_t)k)), 1e-15,
             "%s: tap L%+d as pystoi", cname, k - 2);
  for (int k = 0; first && k < 3; k++)
    tap_near(sb_octresample_tap(r, k), sb_json_num(sb_json_at(first, (size_t)k)), 1e-15, "%s: tap %d as pystoi",
             cname, k);
done:
  sb_octresample_free(&r);
  refcase_free(&c);
}

static void check_closed_form(int rate, int64_t n)
{
  sb_octresample *r = NULL;
  double *x = malloc(sizeof *x * (size_t)n), *y = NULL, worst = 0.0;
  int up, down, L;
  int64_t n_out;
  uint64_t st = tap_seed(19);
  if (!tap_ok(x && sb_octresample_new(rate, 10000, &r) == SB_OK, "%d Hz: designs", rate))
    goto done;
  sb_octresample_factors(r, &up, &down, &L);
  n_out = sb_octresample_out_len(r, n);
  tap_ok(n_out == (n * up + down - 1) / down, "%d Hz: %lld outputs for %lld inputs", rate, (long long)n_out,
         (long long)n);
  for (int64_t i = 0; i < n; i++) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
  }
  if (!(y = malloc(sizeof *y * (size_t)n_out)) || sb_octresample_run(r, x, n, y) != SB_OK)
    goto done;
  for (int64_t k = 0; k < n_out; k += 7) {
    double acc = 0.0;
    for (int64_t m = 0; m < n; m++) {
      const int64_t idx = L + k * down - m * up;
      if (idx >= 0 && idx <= 2 * L)
        acc += x[m] * up * sb_octresample_tap(r, (int)idx);
    }
    worst = fmax(worst, fabs(acc - y[k]));
  }
  tap_ok(worst < 1e-13, "%d Hz: polyphase equals the README's closed form (max |d| %.3g)", rate, worst);
done:
  free(x);
  free(y);
  sb_octresample_free(&r);
}

int main(void)
{
  sb_octresample *r = NULL;
  double x[4] = {0}, y[8];
  check_table();
  check_recorded("two_spk_8k");
  check_recorded("snr_sweep_16k");
  check_recorded("clip_lowlevel_44k1");
  check_recorded("short_0p4s_48k");
  check_recorded("tfmask_ibm_lenmismatch_22k05");
  check_closed_form(8000, 3000);
  check_closed_form(44100, 9000);
  check_closed_form(10000, 500);
  tap_ok(sb_octresample_new(0, 10000, &r) == SB_EINVAL && !r, "rate 0: SB_EINVAL");
  tap_ok(sb_octresample_new(8000, 10000, NULL) == SB_EINVAL, "NULL out: SB_EINVAL");
  if (tap_ok(sb_octresample_new(8000, 10000, &r) == SB_OK, "8000 Hz designs"))
    tap_ok(sb_octresample_run(r, x, 0, y) == SB_EINVAL && sb_octresample_run(r, NULL, 4, y) == SB_EINVAL,
           "empty or NULL input: SB_EINVAL");
  sb_octresample_free(&r);
  sb_octresample_free(&r);
  return tap_done();
}
