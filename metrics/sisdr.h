/*
 * metrics/sisdr.h — the scale-invariant family of Le Roux, Wisdom, Erdogan
 * and Hershey, "SDR – half-baked or well done?", ICASSP 2019:
 *
 *   alpha    = <s_hat, s_j> / ||s_j||^2,   e_target = alpha s_j
 *   SI-SDR   = 10 log10( ||e_target||^2 / ||e_target - s_hat||^2 )
 *   SD-SDR   = 10 log10( ||e_target||^2 / ||s_j - s_hat||^2 )
 *   SI-SIR   = 10 log10( ||e_target||^2 / ||e_interf||^2 )
 *   SI-SAR   = 10 log10( ||e_target + e_interf||^2 / ||e_artif||^2 )
 *
 * where P s_hat is the orthogonal projection of s_hat on the span of ALL
 * references of the group, e_interf = P s_hat - e_target and e_artif =
 * s_hat - P s_hat (the paper's decomposition; the same numbers as
 * fast_bss_eval's si_bss_eval_sources = bss_eval_sources with
 * filter_length = 1, up to rounding).  No epsilon anywhere: 0/0 is NaN,
 * x/0 is +inf, 0/x is -inf.  With one source e_interf = 0, so SI-SIR = +inf
 * and SI-SAR = SI-SDR (cf. mir_eval#264, SIR = inf for one source).
 *
 * Vectors: "stacked" treats all channels of a source as one vector (one
 * alpha; sepbench's per-target number for multichannel sources),
 * "per channel" evaluates channel c against channel c of every reference.
 * zero_mean subtracts each vector's mean first (the mean over all channels
 * and samples for stacked vectors, over the channel for per-channel ones;
 * "SI-SNR" in the speech literature).
 *
 * Precision: SI-SDR, SD-SDR and the SI-SAR error are summed explicitly in
 * the time domain like the reference formula (a bit-exact estimate gives
 * +inf), the projection comes from a Cholesky factorisation of the J x J
 * reference Gram matrix ordered target first, so ||e_interf||^2 is a sum of
 * squares, not a difference.  A reference that is (numerically) a linear
 * combination of earlier ones (relative residual energy <= 1e-12) is
 * dropped from the basis.
 *
 * Workload: speech (2-3 mono sources, a few seconds at 8-16 kHz) and music
 * (4 stereo sources, 3-10 min at 44.1 kHz), whole signals.  Passes are cut
 * into fixed 4096-sample chunks, run with OpenMP and reduced in chunk
 * order: results do not depend on the number of threads.
 */
#ifndef SB_METRICS_SISDR_H
#define SB_METRICS_SISDR_H

#include "sepbench/error.h"
#include "common/sources.h"

/* One set of scale-invariant values, dB. */
typedef struct sb_si_values {
  double si_sdr, si_sir, si_sar, sd_sdr;
} sb_si_values;

/* Reference-side state: the Gram matrices (per channel and stacked) and
 * the means of the references. */
typedef struct sb_sisdr sb_sisdr;

/* Prepares the references ref (>= 1 source, >= 1 channel, >= 1 sample;
 * an in-memory or streamed view, read in pieces).  What ref points at must
 * stay valid and unchanged until sb_sisdr_free.  Samples must be finite (checked by the caller; a NaN
 * propagates into the values).  SB_EINVAL, SB_ENOMEM.  *out is NULL on
 * failure. */
sb_err sb_sisdr_new(const sb_sources *ref, int zero_mean, sb_sisdr **out);

/* Values of one estimate (ref->n_chan pointers of ref->n_samples samples)
 * against reference `target` of the group.  stacked and per_chan
 * (ref->n_chan entries) may each be NULL.  A reference with zero energy
 * (after mean removal) as target gives NaN values.  Thread-safe: concurrent
 * calls on one sb_sisdr are allowed.  SB_EINVAL (target out of range, NULL
 * est_chan), SB_ENOMEM. */
sb_err sb_sisdr_eval(const sb_sisdr *s, int target, const double *const *est_chan,
                     sb_si_values *stacked, sb_si_values *per_chan);

/* The same for estimate e of the view est (in memory or streamed, the
 * references' channel count and length): SB_EINVAL otherwise, and the
 * errors of a streamed view's reader.  sb_sisdr_eval_views with n = 1. */
sb_err sb_sisdr_eval_view(const sb_sisdr *s, int target, const sb_sources *est, int e,
                          sb_si_values *stacked, sb_si_values *per_chan);

/* A batch of n >= 1 pairs: estimate est_idx[i] of the view est (in memory
 * or streamed, the references' channel count and length) against
 * reference target[i], i < n; pairs may repeat a target or an estimate.
 * stacked[i] (n entries) and per_chan[i * n_chan + c] (n * ref->n_chan
 * entries) may each be NULL.  Three passes over the samples whatever n is
 * (the estimates' means with zero_mean, the cross products, the
 * residuals), each reading every reference once per chunk for all pairs,
 * instead of three per pair.  Every value equals that of
 * sb_sisdr_eval_view(s, target[i], est, est_idx[i], ...) bit for bit (the
 * same sums in the same order).  Memory: O(n (J + 1) n_chan) doubles per
 * 4096-sample chunk of the track, and per thread n_chan (J + n) chunks of
 * a streamed view.  Thread-safe: concurrent calls on one sb_sisdr are
 * allowed.  SB_EINVAL (s, target, est_idx or est NULL, n < 1, a target or
 * an estimate index out of range, est of another channel count or
 * length), SB_ENOMEM, and the errors of a streamed view's reader; the
 * outputs are then unspecified. */
sb_err sb_sisdr_eval_views(const sb_sisdr *s, int n, const int *target, const sb_sources *est,
                           const int *est_idx, sb_si_values *stacked, sb_si_values *per_chan);

/* Stacked SI-SDR of every estimate of est against every reference:
 * si_sdr[j * est->n_src + e] for reference j and estimate e (the score
 * matrix of PIT).  est must have the references' channel count and length
 * (SB_EINVAL otherwise).  A one-source est (a mixture) gives the baseline
 * of SI-SDR improvements.  Three passes for all estimates (the means, the
 * cross products of sb_sisdr_eval_views, the error energies).
 * Thread-safe.  SB_EINVAL (also NULL s, est or si_sdr), SB_ENOMEM, and the
 * errors of a streamed view's reader. */
sb_err sb_sisdr_matrix(const sb_sisdr *s, const sb_sources *est, double *si_sdr);

void sb_sisdr_free(sb_sisdr **s);

#endif /* SB_METRICS_SISDR_H */
