/*
 * metrics/butter.h — digital Butterworth filters designed like
 * scipy.signal.butter (analog prototype poles, frequency pre-warping,
 * lp2lp/lp2hp/lp2bp, bilinear transform with fs = 2, zpk -> polynomial
 * coefficients), filtering like scipy.signal.lfilter (direct form II
 * transposed) and zero-phase filtering like scipy.signal.filtfilt with its
 * defaults (padtype "odd", padlen 3 max(len(a), len(b)), initial conditions
 * from lfilter_zi scaled by the first sample of each pass).  Used by the
 * MAPSS distortion banks (metrics/distortions.h), which call scipy 1.10.
 *
 * Workload: orders 4-6, signals of 320 samples to minutes.  Reentrant.
 */
#ifndef SB_METRICS_BUTTER_H
#define SB_METRICS_BUTTER_H

#include <stddef.h>
#include "sepbench/error.h"

typedef enum sb_butter_type {
  SB_BUTTER_LOWPASS,
  SB_BUTTER_HIGHPASS,
  SB_BUTTER_BANDPASS
} sb_butter_type;

enum { SB_BUTTER_MAX_ORDER = 12 };

/* Transfer function b/a (a[0] = 1).  n_coef = order + 1 (2 order + 1 for
 * band-pass). */
typedef struct sb_butter {
  size_t n_coef;
  double b[2 * SB_BUTTER_MAX_ORDER + 1];
  double a[2 * SB_BUTTER_MAX_ORDER + 1];
} sb_butter;

/*
 * Designs an order-`order` filter; w_lo / w_hi are normalised frequencies
 * in (0, 1) (1 = Nyquist): the cut-off in w_lo for low/high-pass, the band
 * [w_lo, w_hi] for band-pass.  SB_EINVAL for order outside
 * 1..SB_BUTTER_MAX_ORDER or frequencies outside (0, 1) / w_lo >= w_hi.
 */
sb_err sb_butter_design(int order, sb_butter_type type, double w_lo, double w_hi, sb_butter *out);

/* y = lfilter(b, a, x) with zero initial state; y may equal x.
 * SB_EINVAL on NULL. */
sb_err sb_butter_lfilter(const sb_butter *f, const double *x, double *y, size_t n);

/* y = filtfilt(b, a, x) (scipy defaults); y may equal x.  SB_ELENGTH when
 * n <= 3 max(len(a), len(b)) (scipy raises too), SB_EINVAL, SB_ENOMEM. */
sb_err sb_butter_filtfilt(const sb_butter *f, const double *x, double *y, size_t n);

#endif /* SB_METRICS_BUTTER_H */
