/*
 * tests/metrics/test-butter.c — Butterworth design, lfilter and filtfilt
 * (metrics/butter.h) against scipy.signal 1.10.1: every expected value
 * below was printed by python3 (numpy 1.24.2, scipy 1.10.1) at development
 * time with butter(order, Wn, btype), filtfilt(b, a, x) and
 * lfilter(b, a, x) for x[n] = sin(0.37 n) + 0.1 cos(2.1 n), n = 0..63.
 * Plus the batch entry points (filtfilt_many, lfilter_rows) against the
 * single-filter functions bit for bit, exact regression pins and bad
 * input.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/butter.h"

static void check_coefs(const char *what, const sb_butter *f, const double *b, const double *a,
                        size_t n)
{
  double db = 0.0, da = 0.0;
  tap_ok(f->n_coef == n, "%s: %zu coefficients", what, n);
  for (size_t i = 0; i < n && i < f->n_coef; i++) {
    double scale = fabs(b[i]) > 1e-3 ? fabs(b[i]) : 1e-3;
    db = fmax(db, fabs(f->b[i] - b[i]) / scale);
    da = fmax(da, fabs(f->a[i] - a[i]) / fmax(fabs(a[i]), 1.0));
  }
  tap_ok(db <= 1e-9 && da <= 1e-12, "%s: b, a equal scipy (rel %.3g, %.3g)", what, db, da);
}

int main(void)
{
  tap_pins_load("metrics/test-butter.pins");
  sb_butter f;
  double x[64], y[64];
  static const double lp4_b[] = {0.010209480791203138, 0.04083792316481255, 0.061256884747218826,
                                 0.04083792316481255, 0.010209480791203138};
  static const double lp4_a[] = {1.0, -1.9684277869385185, 1.7358607092088867,
                                 -0.7244708295073626, 0.12038959989624451};
  static const double hp4_b[] = {0.9499817826392998, -3.799927130557199, 5.699890695835799,
                                 -3.799927130557199, 0.9499817826392998};
  static const double hp4_a[] = {1.0, -3.897385982468392, 5.6973900039490655,
                                 -3.7024671484647778, 0.9024653873465619};
  static const double lp6_b[] = {1.7536549719840557e-07, 1.0521929831904335e-06,
                                 2.6304824579760833e-06, 3.5073099439681113e-06,
                                 2.6304824579760833e-06, 1.0521929831904335e-06,
                                 1.7536549719840557e-07};
  static const double lp6_a[] = {1.0, -5.393212484861354, 12.147425170416897,
                                 -14.623787566607604, 9.923048570770401, -3.5980635338866374,
                                 0.5446010675601195};
  static const double bp5_b[] = {0.592245079297628, 0.0, -2.9612253964881403, 0.0,
                                 5.922450792976281, 0.0, -5.922450792976281, 0.0,
                                 2.9612253964881403, 0.0, -0.592245079297628};
  static const double bp5_a[] = {1.0, -0.9904217117086702, -3.4871486298738694,
                                 2.836569647901376, 5.383051494325898, -3.234346143806632,
                                 -4.455175459278232, 1.7052759814832297, 1.9403437405903015,
                                 -0.3473946895921944, -0.3507542294730935};

  for (int n = 0; n < 64; n++)
    x[n] = sin(0.37 * n) + 0.1 * cos(2.1 * n);

  tap_ok(sb_butter_design(4, SB_BUTTER_LOWPASS, 0.25, 0, &f) == SB_OK, "design low-pass 4, 0.25");
  check_coefs("low-pass 4 @ 2 kHz/16 kHz", &f, lp4_b, lp4_a, 5);
  tap_ok(sb_butter_design(4, SB_BUTTER_HIGHPASS, 0.0125, 0, &f) == SB_OK, "design high-pass");
  check_coefs("high-pass 4 @ 100 Hz", &f, hp4_b, hp4_a, 5);
  tap_ok(sb_butter_design(6, SB_BUTTER_LOWPASS, 0.05, 0, &f) == SB_OK, "design low-pass 6");
  check_coefs("low-pass 6 @ 400 Hz", &f, lp6_b, lp6_a, 7);
  tap_ok(sb_butter_design(5, SB_BUTTER_BANDPASS, 0.0025, 0.9, &f) == SB_OK, "design band-pass 5");
  check_coefs("band-pass 5 @ 20-7200 Hz", &f, bp5_b, bp5_a, 11);

  tap_ok(sb_butter_lfilter(&f, x, y, 64) == SB_OK, "lfilter runs");
  tap_near(y[0], 0.059224507929762804, 1e-12, "band-pass lfilter y[0] = scipy");
  tap_near(y[31], -0.9272588451098717, 1e-8, "band-pass lfilter y[31] = scipy");
  tap_near(y[63], -0.9016664951025104, 1e-8, "band-pass lfilter y[63] = scipy");
  /* Regression pin of this implementation (the order-10 band-pass amplifies
   * coefficient rounding to ~2e-9 against scipy). */
  tap_pin(y[63], "band-pass lfilter y[63]");

  sb_butter_design(6, SB_BUTTER_LOWPASS, 0.05, 0, &f);
  tap_ok(sb_butter_filtfilt(&f, x, y, 64) == SB_OK, "filtfilt low-pass runs");
  tap_near(y[0], 0.20273748824538662, 1e-9, "low-pass 6 filtfilt y[0] = scipy");
  tap_near(y[31], 0.03527295045804966, 1e-9, "low-pass 6 filtfilt y[31] = scipy");
  tap_near(y[63], -0.3063205658525283, 1e-9, "low-pass 6 filtfilt y[63] = scipy");
  sb_butter_design(4, SB_BUTTER_HIGHPASS, 300.0 / 8000.0, 0, &f);
  tap_ok(sb_butter_filtfilt(&f, x, y, 64) == SB_OK, "filtfilt high-pass runs");
  tap_near(y[0], -0.02475228607625546, 1e-10, "high-pass 4 filtfilt y[0] = scipy");
  tap_near(y[31], -1.062117163902679, 1e-10, "high-pass 4 filtfilt y[31] = scipy");
  tap_near(y[63], 0.40062157953862054, 1e-10, "high-pass 4 filtfilt y[63] = scipy");

  /* Batches: each lane must be bit for bit the single-filter result (and
   * the 300-Hz high-pass lane scipy's values above). */
  {
    sb_butter bank[3], mixed[2];
    double out[3][64], single[64], *ys[3] = {out[0], out[1], out[2]};
    int same = 1;
    sb_butter_design(4, SB_BUTTER_LOWPASS, 0.25, 0, &bank[0]);
    sb_butter_design(4, SB_BUTTER_HIGHPASS, 300.0 / 8000.0, 0, &bank[1]);
    sb_butter_design(4, SB_BUTTER_HIGHPASS, 0.0125, 0, &bank[2]);
    tap_ok(sb_butter_filtfilt_many(bank, 3, x, ys, 64) == SB_OK, "filtfilt_many: 3 filters run");
    for (int k = 0; k < 3; k++) {
      sb_butter_filtfilt(&bank[k], x, single, 64);
      same &= memcmp(single, out[k], sizeof single) == 0;
    }
    tap_ok(same, "filtfilt_many: every lane equals sb_butter_filtfilt bit for bit");
    tap_near(out[1][31], -1.062117163902679, 1e-10, "filtfilt_many high-pass 4 y[31] = scipy");
    tap_ok(sb_butter_filtfilt_many(bank, 3, x, ys, 15) == SB_ELENGTH,
           "filtfilt_many: signal <= padlen -> ELENGTH");
    tap_ok(sb_butter_filtfilt_many(bank, 0, x, ys, 64) == SB_EINVAL, "filtfilt_many: 0 filters -> EINVAL");
    tap_ok(sb_butter_filtfilt_many(bank, SB_BUTTER_MAX_BATCH + 1, x, ys, 64) == SB_EINVAL,
           "filtfilt_many: more filters than lanes -> EINVAL");
    mixed[0] = bank[0];
    sb_butter_design(6, SB_BUTTER_LOWPASS, 0.05, 0, &mixed[1]);
    tap_ok(sb_butter_filtfilt_many(mixed, 2, x, ys, 64) == SB_EINVAL,
           "filtfilt_many: filters of different orders -> EINVAL");
    tap_ok(sb_butter_filtfilt_many(bank, 3, NULL, ys, 64) == SB_EINVAL, "filtfilt_many: NULL x -> EINVAL");
  }
  {
    /* 9 rows (two groups of lanes), stride 70 > 64, through the band-pass. */
    enum { ROWS = 9, STRIDE = 70 };
    double rows[ROWS * STRIDE], single[64];
    int same = 1;
    sb_butter bp;
    sb_butter_design(5, SB_BUTTER_BANDPASS, 0.0025, 0.9, &bp);
    for (int r = 0; r < ROWS; r++)
      for (int n = 0; n < STRIDE; n++)
        rows[r * STRIDE + n] = n < 64 ? x[n] * (1.0 + 0.1 * r) + 0.01 * r : -7.0;
    tap_ok(sb_butter_lfilter_rows(&bp, rows, ROWS, STRIDE, 64) == SB_OK, "lfilter_rows: 9 rows run");
    for (int r = 0; r < ROWS; r++) {
      double in[64];
      for (int n = 0; n < 64; n++)
        in[n] = x[n] * (1.0 + 0.1 * r) + 0.01 * r;
      sb_butter_lfilter(&bp, in, single, 64);
      same &= memcmp(single, rows + r * STRIDE, sizeof single) == 0;
      same &= rows[r * STRIDE + 64] == -7.0 && rows[r * STRIDE + 69] == -7.0;
    }
    tap_ok(same, "lfilter_rows: every row equals sb_butter_lfilter bit for bit, gaps untouched");
    tap_near(rows[31], -0.9272588451098717, 1e-8, "lfilter_rows band-pass row 0 y[31] = scipy");
    tap_ok(sb_butter_lfilter_rows(&bp, rows, 2, 63, 64) == SB_EINVAL,
           "lfilter_rows: stride < n -> EINVAL");
    tap_ok(sb_butter_lfilter_rows(NULL, rows, 2, 70, 64) == SB_EINVAL, "lfilter_rows: NULL filter -> EINVAL");
  }

  tap_ok(sb_butter_filtfilt(&f, x, y, 15) == SB_ELENGTH, "filtfilt: signal <= padlen -> ELENGTH");
  tap_ok(sb_butter_design(0, SB_BUTTER_LOWPASS, 0.2, 0, &f) == SB_EINVAL, "order 0 -> EINVAL");
  tap_ok(sb_butter_design(4, SB_BUTTER_LOWPASS, 1.0, 0, &f) == SB_EINVAL, "Wn = 1 -> EINVAL");
  tap_ok(sb_butter_design(4, SB_BUTTER_BANDPASS, 0.5, 0.4, &f) == SB_EINVAL,
         "band edges reversed -> EINVAL");
  return tap_done();
}
