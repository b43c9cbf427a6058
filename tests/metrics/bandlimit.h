/*
 * tests/metrics/bandlimit.h — the low-pass of the band-limited BSS Eval
 * fixtures (issue 12; test-blocktoeplitz.c, test-evaluate.c): an n-tap
 * Blackman-windowed sinc with cut-off 16 kHz at 44.1 kHz (stop band about
 * -75 dB), unit gain at DC — what a codec's cut-off leaves of a signal.
 */
#ifndef SB_TESTS_METRICS_BANDLIMIT_H
#define SB_TESTS_METRICS_BANDLIMIT_H

#include <math.h>

static inline void bandlimit_taps(double *h, int n)
{
  const double fc = 16000.0 / 44100.0, pi = 3.14159265358979323846;
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    double t = i - (n - 1) / 2.0, x = 2.0 * pi * i / (n - 1);
    double sinc = t == 0.0 ? 2.0 * fc : sin(2.0 * pi * fc * t) / (pi * t);
    h[i] = sinc * (0.42 - 0.5 * cos(x) + 0.08 * cos(2.0 * x));
    sum += h[i];
  }
  for (int i = 0; i < n; i++)
    h[i] /= sum;
}

#endif /* SB_TESTS_METRICS_BANDLIMIT_H */
