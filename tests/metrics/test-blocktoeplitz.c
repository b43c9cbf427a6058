/*
 * tests/metrics/test-blocktoeplitz.c — the block-Toeplitz Gram solvers of
 * metrics/blocktoeplitz.c on the near-singular systems of band-limited
 * references (issue 12), and on bad input.
 *
 * Fixture (deterministic, seeded): two channels of harmonic tones below
 * 8 kHz plus a noise floor 60 dB down (NumPy-compatible normals,
 * metrics/npyrandom.h RandomState(SEED), low-passed at 16 kHz of 44.1 kHz
 * by a 127-tap Blackman-windowed sinc, as a codec's cut-off leaves it), the
 * second channel with a 3-sample delayed copy of the first; 512 taps; the
 * right-hand sides are their correlations with a full-band "estimate"
 * (reference + 0.2 cross-talk + noise).  The Gram
 * matrix is computed here by direct sums (independent of fftcorr).
 *
 * Checks (expected values do not come from the code under test):
 *  - the componentwise backward error max_i |b - T x|_i / (|T| |x| + |b|)_i
 *    (Oettli-Prager; evaluated here in long double) of sb_btoep_solve is at
 *    most 4x that of the dense LAPACK factorisation (sb_gram_factor) of the
 *    same matrix (or of 2^-53, the unit roundoff, if larger): block
 *    Levinson alone was 10-1000x worse on such matrices, which moved
 *    SIR/SAR/ISR of band-limited music beyond museval's own rounding spread;
 *  - sb_btoep_energy agrees with d^T x of the dense solution;
 *  - bad input: NULL pointers and sizes (SB_EINVAL); a matrix that is not
 *    positive definite (SB_ENUMERIC, x left unchanged).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/blocktoeplitz.h"
#include "metrics/npyrandom.h"
#include "tests/metrics/bandlimit.h"

#define SEED 1212u
#define N_CH 2
#define N_TAP 512
#define N_SAMP 30000
#define N_FIR 127
#define LOAD 2.220446049250313e-16

static double ref[N_CH][N_SAMP], est[N_CH][N_SAMP];

static int make_fixture(void)
{
  sb_npyrandom *g = NULL;
  double *raw = malloc(sizeof(double) * (N_SAMP + N_FIR) * 4), h[N_FIR];
  if (!raw || sb_npyrandom_new(SEED, &g) != SB_OK) {
    free(raw);
    return 0;
  }
  sb_npyrandom_randn(g, raw, (size_t)(N_SAMP + N_FIR) * 4);
  sb_npyrandom_free(&g);
  bandlimit_taps(h, N_FIR);
  /* tonal (harmonics of 220 Hz and 330 Hz below 8 kHz, the predictable
   * part of music) plus a low-passed noise floor 60 dB down */
  for (int c = 0; c < N_CH; c++)
    for (int t = 0; t < N_SAMP; t++) {
      const double pi = 3.14159265358979323846, f0 = c == 0 ? 220.0 : 330.0;
      double acc = 0.0, tone = 0.0;
      for (int i = 0; i < N_FIR; i++)
        acc += h[i] * raw[(size_t)(N_SAMP + N_FIR) * c + t + i];
      for (int k = 1; k * f0 < 8000.0; k++)
        tone += sin(2.0 * pi * k * f0 * t / 44100.0 + k) / k;
      ref[c][t] = 0.1 * tone + 1e-4 * acc;
    }
  for (int t = N_SAMP - 1; t >= 3; t--)
    ref[1][t] += 0.5 * ref[0][t - 3];
  for (int c = 0; c < N_CH; c++)
    for (int t = 0; t < N_SAMP; t++)
      est[c][t] = ref[c][t] + 0.2 * ref[1 - c][t] + 1e-3 * raw[(size_t)(N_SAMP + N_FIR) * (2 + c) + t];
  free(raw);
  return 1;
}

/* R[(l m + k) m + k'] = sum_t s_k[t + l] s_k'[t]; d[(c m + k) n + a] =
 * sum_t s_k[t] e_c[t + a] (blocktoeplitz.h layouts). */
static void gram(double *R, double *d)
{
  for (int l = 0; l < N_TAP; l++)
    for (int k = 0; k < N_CH; k++)
      for (int kp = 0; kp < N_CH; kp++) {
        long double s = 0.0L;
        for (int t = 0; t + l < N_SAMP; t++)
          s += (long double)ref[k][t + l] * ref[kp][t];
        R[((size_t)l * N_CH + k) * N_CH + kp] = (double)s;
      }
  for (int c = 0; c < N_CH; c++)
    for (int k = 0; k < N_CH; k++)
      for (int a = 0; a < N_TAP; a++) {
        long double s = 0.0L;
        for (int t = 0; t + a < N_SAMP; t++)
          s += (long double)ref[k][t] * est[c][t + a];
        d[((size_t)c * N_CH + k) * N_TAP + a] = (double)s;
      }
}

static double t_entry(const double *R, int i, int j)
{
  int k = i / N_TAP, a = i % N_TAP, kp = j / N_TAP, b = j % N_TAP;
  return b >= a ? R[((size_t)(b - a) * N_CH + k) * N_CH + kp] : R[((size_t)(a - b) * N_CH + kp) * N_CH + k];
}

/* Componentwise backward error of x for (T + LOAD I) x = b, one column. */
static double backward_error(const double *R, const double *x, const double *b)
{
  const int n = N_CH * N_TAP;
  double worst = 0.0;
  for (int i = 0; i < n; i++) {
    long double r = b[i], den = fabs(b[i]) + fabs(LOAD * x[i]);
    for (int j = 0; j < n; j++) {
      long double tij = t_entry(R, i, j) + (i == j ? LOAD : 0.0);
      r -= tij * x[j];
      den += fabsl(t_entry(R, i, j) * (long double)x[j]);
    }
    if (den > 0.0L && (double)(fabsl(r) / den) > worst)
      worst = (double)(fabsl(r) / den);
  }
  return worst;
}

static void test_band_limited(void)
{
  const int n = N_CH * N_TAP;
  double *R = malloc(sizeof(double) * N_TAP * N_CH * N_CH), *d = malloc(sizeof(double) * n * N_CH);
  double *x_lev = malloc(sizeof(double) * n * N_CH), *x_dense = malloc(sizeof(double) * n * N_CH);
  double energy[N_CH];
  sb_gram_factor *f = NULL;

  if (!tap_ok(R && d && x_lev && x_dense && make_fixture(), "band-limited fixture (seed %u)", SEED))
    goto done;
  gram(R, d);
  memcpy(x_lev, d, sizeof(double) * n * N_CH);
  memcpy(x_dense, d, sizeof(double) * n * N_CH);
  tap_ok(sb_btoep_solve(R, N_CH, N_TAP, LOAD, N_CH, x_lev) == SB_OK, "sb_btoep_solve succeeds");
  if (!tap_ok(sb_gram_factor_new(R, N_CH, N_TAP, LOAD, &f) == SB_OK && sb_gram_factor_solve(f, N_CH, x_dense) == SB_OK,
              "dense factorisation succeeds"))
    goto done;
  for (int c = 0; c < N_CH; c++) {
    double be_lev = backward_error(R, x_lev + (size_t)c * n, d + (size_t)c * n);
    double be_dense = backward_error(R, x_dense + (size_t)c * n, d + (size_t)c * n);
    tap_ok(be_lev <= 4.0 * fmax(be_dense, 0x1p-53),
           "column %d: backward error %.3g of the Levinson solve <= 4 x max(the dense one (%.3g), 2^-53)", c, be_lev,
           be_dense);
  }
  if (tap_ok(sb_btoep_energy(R, N_CH, N_TAP, N_CH, d, energy) == SB_OK, "sb_btoep_energy succeeds"))
    for (int c = 0; c < N_CH; c++) {
      long double e = 0.0L;
      for (int i = 0; i < n; i++)
        e += (long double)d[(size_t)c * n + i] * x_dense[(size_t)c * n + i];
      tap_ok(fabs(energy[c] - (double)e) <= 1e-9 * (double)e, "column %d: energy d^T T^-1 d = %.12g (dense %.12g)", c,
             energy[c], (double)e);
    }
done:
  sb_gram_factor_free(&f);
  free(R);
  free(d);
  free(x_lev);
  free(x_dense);
}

static void test_bad_input(void)
{
  double R[2 * 4] = {1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.5}, x[4] = {1.0, 2.0, 3.0, 4.0};
  double bad[2 * 4] = {-1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0}, e[1];
  double keep[4];
  sb_err err;
  memcpy(keep, x, sizeof x);
  tap_ok(sb_btoep_solve(NULL, 2, 2, 0.0, 1, x) == SB_EINVAL, "solve: NULL R -> SB_EINVAL");
  tap_ok(sb_btoep_solve(R, 2, 2, 0.0, 1, NULL) == SB_EINVAL, "solve: NULL x -> SB_EINVAL");
  tap_ok(sb_btoep_solve(R, 0, 2, 0.0, 1, x) == SB_EINVAL, "solve: m = 0 -> SB_EINVAL");
  tap_ok(sb_btoep_solve(R, 2, 2, 0.0, 0, x) == SB_EINVAL, "solve: no right-hand side -> SB_EINVAL");
  tap_ok(sb_btoep_solve(bad, 2, 2, 0.0, 1, x) == SB_ENUMERIC && memcmp(x, keep, sizeof x) == 0,
         "solve: not positive definite -> SB_ENUMERIC, x unchanged");
  tap_ok(sb_btoep_energy(bad, 2, 2, 1, x, e) == SB_ENUMERIC, "energy: not positive definite -> SB_ENUMERIC");
  tap_ok(sb_btoep_energy(R, 2, 2, 1, NULL, e) == SB_EINVAL, "energy: NULL d -> SB_EINVAL");
  err = sb_btoep_solve(R, 2, 2, 0.0, 1, x);
  tap_ok(err == SB_OK && fabs(x[0]) < 1e-15 && fabs(x[1] - 2.0) < 1e-15 &&
           fabs(x[2] - 4.0 / 3.0) < 1e-15 && fabs(x[3] - 10.0 / 3.0) < 1e-15,
         "solve: a 4 x 4 system by hand (x = [0, 2, 4/3, 10/3]: %.17g %.17g %.17g %.17g)", x[0], x[1], x[2], x[3]);
}

int main(void)
{
  test_band_limited();
  test_bad_input();
  return tap_done();
}
