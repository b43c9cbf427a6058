/*
 * tests/common/test-fftplan.c — common/fftplan.c: r2c and c2r plans that
 * compute the DFT of signals whose spectra are known in closed form (a
 * cosine, an impulse), the inverse giving back n times the input, an
 * FFTW_UNALIGNED plan executed on an array one double off its alignment,
 * plans made and destroyed from many OpenMP threads at once (each checked
 * on its own cosine), and the bad input: n < 1 gives NULL, destroying NULL
 * or a NULL plan is a no-op, a destroyed plan pointer is NULL.
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <string.h>

#include "common/fftplan.h"
#include "tap.h"

/* Largest |X[k] - want[k]| for X = DFT of cos(2 pi f t / n): n/2 at bins f
 * (f < n/2), 0 elsewhere. */
static double cosine_error(const fftw_complex *X, int n, int f)
{
  double worst = 0.0;
  for (int k = 0; k <= n / 2; k++) {
    double want = k == f ? n / 2.0 : 0.0;
    double d = cabs(X[k] - want);
    worst = d > worst ? d : worst;
  }
  return worst;
}

static void fill_cosine(double *x, int n, int f)
{
  for (int t = 0; t < n; t++)
    x[t] = cos(2.0 * M_PI * f * t / n);
}

static void check_known_spectra(void)
{
  enum { N = 64 };
  double *x = fftw_alloc_real(N), worst = 0.0;
  fftw_complex *X = fftw_alloc_complex(N / 2 + 1);
  fftw_plan fwd = sb_fftplan_r2c(N, x, X, FFTW_ESTIMATE), inv = sb_fftplan_c2r(N, X, x, FFTW_ESTIMATE);
  if (!tap_ok(x && X && fwd && inv, "r2c and c2r plans of 64 points made"))
    goto done;
  fill_cosine(x, N, 5);
  fftw_execute(fwd);
  tap_ok(cosine_error(X, N, 5) < 1e-12, "DFT of cos(2 pi 5 t / 64) is 32 at bin 5, 0 elsewhere (error %.3g)",
         cosine_error(X, N, 5));
  memset(x, 0, N * sizeof *x);
  x[3] = 1.0;
  fftw_execute(fwd);
  for (int k = 0; k <= N / 2; k++) {
    double d = cabs(X[k] - cexp(-2.0 * I * M_PI * 3 * k / N));
    worst = d > worst ? d : worst;
  }
  tap_ok(worst < 1e-12, "DFT of an impulse at 3 is exp(-2 pi i 3 k / 64) (error %.3g)", worst);
  fftw_execute(inv);
  worst = 0.0;
  for (int t = 0; t < N; t++)
    worst = fmax(worst, fabs(x[t] - (t == 3 ? N : 0.0)));
  tap_ok(worst < 1e-12, "the c2r plan gives back 64 times the impulse (error %.3g)", worst);
done:
  sb_fftplan_destroy(&fwd);
  sb_fftplan_destroy(&inv);
  tap_ok(!fwd && !inv, "destroyed plans are NULL");
  fftw_free(x);
  fftw_free(X);
}

/* FFTW_UNALIGNED: the plan may run on arrays of any alignment. */
static void check_unaligned(void)
{
  enum { N = 320 };
  double *base = fftw_alloc_real(N + 1), *buf = fftw_alloc_real(N);
  fftw_complex *X = fftw_alloc_complex(N / 2 + 2), *Y = fftw_alloc_complex(N / 2 + 1);
  fftw_plan p = sb_fftplan_r2c(N, buf, Y, FFTW_ESTIMATE | FFTW_UNALIGNED);
  if (!tap_ok(base && buf && X && Y && p, "unaligned r2c plan of 320 points made"))
    goto done;
  fill_cosine(base + 1, N, 7);
  fftw_execute_dft_r2c(p, base + 1, X + 1);
  tap_ok(cosine_error(X + 1, N, 7) < 1e-11, "executed one double off the alignment: 160 at bin 7 (error %.3g)",
         cosine_error(X + 1, N, 7));
done:
  sb_fftplan_destroy(&p);
  fftw_free(base);
  fftw_free(buf);
  fftw_free(X);
  fftw_free(Y);
}

/* Plans of 48 sizes made, used and destroyed on every thread at once. */
static void check_threads(void)
{
  enum { N_SIZES = 48 };
  int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : bad)
  for (int i = 0; i < N_SIZES; i++) {
    int n = 16 + 6 * i, f = 1 + i % 5;
    double *x = fftw_alloc_real((size_t)n);
    fftw_complex *X = fftw_alloc_complex((size_t)n / 2 + 1);
    fftw_plan p = x && X ? sb_fftplan_r2c(n, x, X, FFTW_ESTIMATE) : NULL;
    if (!p) {
      bad++;
    } else {
      fill_cosine(x, n, f);
      fftw_execute(p);
      bad += cosine_error(X, n, f) > 1e-10;
    }
    sb_fftplan_destroy(&p);
    fftw_free(x);
    fftw_free(X);
  }
  tap_ok(bad == 0, "48 plans of sizes 16..298 made and destroyed concurrently, each a correct DFT (%d bad)", bad);
}

int main(void)
{
  double x[4];
  fftw_complex X[3];
  fftw_plan none = NULL;
  check_known_spectra();
  check_unaligned();
  check_threads();
  tap_ok(sb_fftplan_r2c(0, x, X, FFTW_ESTIMATE) == NULL && sb_fftplan_c2r(-4, X, x, FFTW_ESTIMATE) == NULL,
         "n < 1 -> no plan");
  sb_fftplan_destroy(NULL);
  sb_fftplan_destroy(&none);
  tap_ok(none == NULL, "destroying NULL or a NULL plan is a no-op");
  return tap_done();
}
