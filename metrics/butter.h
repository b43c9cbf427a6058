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
 * Workload: orders 4-6, signals of 320 samples to minutes; the MAPSS
 * banks filter one signal through 8 filters, or 24 noises through one
 * filter: the batch functions below run up to SB_BUTTER_MAX_BATCH of those
 * side by side (identical results, several times faster).  Reentrant.
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

enum { SB_BUTTER_MAX_ORDER = 12, SB_BUTTER_MAX_BATCH = 8 };

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

/* sb_butter_lfilter, in place, of n_sig signals of n samples each, signal
 * s at data + s stride (stride >= n when n_sig > 1), all through f; same
 * results as one call per signal.  SB_EINVAL (NULL, bad stride),
 * SB_ENOMEM. */
sb_err sb_butter_lfilter_rows(const sb_butter *f, double *data, size_t n_sig, size_t stride,
                              size_t n);

/* y[k] = filtfilt(filters[k], x) for k < n_filt <= SB_BUTTER_MAX_BATCH
 * filters of the same size (n_coef); same results as sb_butter_filtfilt
 * per filter.  y[k] may not overlap x or each other.  SB_ELENGTH (n too
 * short, as sb_butter_filtfilt), SB_EINVAL (NULL, n_filt 0 or too many,
 * sizes differ), SB_ENUMERIC (singular lfilter_zi system), SB_ENOMEM. */
sb_err sb_butter_filtfilt_many(const sb_butter *filters, size_t n_filt, const double *x,
                               double *const *y, size_t n);

#endif /* SB_METRICS_BUTTER_H */
