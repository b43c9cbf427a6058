/*
 * metrics/sasdr.h — source-aggregated SDR (Neumann, Kinoshita, Boeddeker,
 * Delcroix, Haeb-Umbach, "SA-SDR: a novel loss function for separation of
 * meeting style data", ICASSP 2022), as torchmetrics defines it
 * (src/torchmetrics/functional/audio/sdr.py,
 * source_aggregated_signal_distortion_ratio, commit dab0333):
 *
 *   SA-SDR    = 10 log10((sum_k ||s_k||^2 + eps) / (sum_k ||s_k - s^_k||^2 + eps))
 *   SI-SA-SDR = the same with every reference replaced by a s_k, ONE factor
 *               a = (sum_k <s^_k, s_k> + eps) / (sum_k ||s_k||^2 + eps)
 *
 * sums over all sources of a track jointly, eps = 2.220446049250313e-16
 * (float64 epsilon; part of the definition).  zero_mean first subtracts
 * from every signal its own mean over time.  Channels of a multichannel
 * track count as further sources of the aggregate (their means removed
 * per channel).  Estimate perm[j] is scored against reference j (NULL =
 * identity): the permutation of the caller, never chosen here.
 *
 * Sums run in fixed 4096-sample chunks reduced in order; the distortion
 * is summed explicitly in the time domain.  Thread-safe (no state).
 */
#ifndef SB_METRICS_SASDR_H
#define SB_METRICS_SASDR_H

#include "sepbench/error.h"
#include "common/sources.h"

typedef struct sb_sasdr_values {
  double sa_sdr, si_sa_sdr; /* dB */
} sb_sasdr_values;

/* Both values of est (perm applied) against ref: same n_src, n_chan and
 * n_samples (in-memory or streamed views).  SB_EINVAL (NULL ref, est or
 * out, shapes that differ, a perm entry out of range), SB_ENOMEM, the
 * errors of a streamed view's reader.  Non-finite samples propagate. */
sb_err sb_sasdr(const sb_sources *ref, const sb_sources *est, const int *perm, int zero_mean,
                sb_sasdr_values *out);

/* For bindings (numpy arrays of shape (n_src, n_samples), C order, as
 * torchmetrics' (..., spk, time)): sb_sasdr of n_src mono signals of n
 * samples each, source j at ref + j n and est + j n, identity pairing
 * (the caller orders est).  SB_EINVAL (NULL ref, est or out, n_src < 1,
 * n < 1), SB_ENOMEM. */
sb_err sb_sasdr_arrays(const double *ref, const double *est, int n_src, int64_t n, int zero_mean,
                       sb_sasdr_values *out);

#endif /* SB_METRICS_SASDR_H */
