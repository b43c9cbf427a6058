/*
 * metrics/octresample.h — rational resampling with Octave's resample()
 * anti-aliasing filter, applied the way scipy.signal.resample_poly applies
 * a given window: pystoi 0.4.1's utils.resample_oct (mpariente/pystoi
 * 74872b0, pystoi/utils.py _resample_window_oct; Octave signal package
 * resample.m), which STOI uses to bring any rate to 10 kHz.
 *
 * With g = gcd(rate_in, rate_out), up = rate_out / g, down = rate_in / g,
 * M = max(up, down), fc = 1 / (2 M) and roll-off fc / 10 (60 dB
 * rejection):
 *   L     = ceil(52 / (28.714 fc / 10)),  taps t = -L .. L;
 *   h[t]  = kaiser(2L + 1, 0.1102 (60 - 8.7))[t + L] * 2 up fc sinc(2 fc t)
 *           (numpy's kaiser and sinc), normalised to unit sum (hn);
 *   y[n]  = up * sum_m x[m] hn[L + n down - m up]   (zeros outside x),
 *           n = 0 .. ceil(len * up / down) - 1,
 * the closed form of resample_poly's zero padding, phase and trimming
 * (shared/refvectors/speech/README.md step 1).  Evaluated polyphase (16
 * interleaved partial sums per output, the same order on every machine): one
 * contiguous tap row per output phase.  float64 throughout.
 *
 * Workload: 10 s at 8-48 kHz to 10 kHz (up to 31947 taps at 22.05 and
 * 44.1 kHz, ~160 per output sample).  A resampler is read-only after
 * _new: concurrent sb_octresample_run calls are allowed.
 */
#ifndef SB_METRICS_OCTRESAMPLE_H
#define SB_METRICS_OCTRESAMPLE_H

#include <stdint.h>
#include "sepbench/error.h"

typedef struct sb_octresample sb_octresample;

/* Designs the filter from rate_in to rate_out (Hz, both >= 1).
 * SB_EINVAL (a rate < 1, out NULL), SB_ENOMEM.  *out is NULL on failure. */
sb_err sb_octresample_new(int rate_in, int rate_out, sb_octresample **out);

/* Output length for n_in input samples: ceil(n_in up / down). */
int64_t sb_octresample_out_len(const sb_octresample *r, int64_t n_in);

/* Resamples x (n_in >= 1 samples) into y (sb_octresample_out_len(n_in)
 * samples, not overlapping x).  SB_EINVAL (NULL argument, n_in < 1). */
sb_err sb_octresample_run(const sb_octresample *r, const double *x, int64_t n_in, double *y);

/* The design, for tests: reduced factors, L and the normalised tap t + L
 * (0 <= t + L <= 2L; NaN outside). */
void sb_octresample_factors(const sb_octresample *r, int *up, int *down, int *half_len);
double sb_octresample_tap(const sb_octresample *r, int k);

/* Frees *r and sets it to NULL; accepts NULL and *r == NULL. */
void sb_octresample_free(sb_octresample **r);

#endif /* SB_METRICS_OCTRESAMPLE_H */
