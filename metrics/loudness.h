/*
 * metrics/loudness.h — the MAPSS pre-processing loudness step
 * (Amir-Ivry/MAPSS-measures 3157d20a audio.py loudness_normalize, which
 * calls pyloudnorm 0.1.1): ITU-R BS.1770 integrated loudness exactly as
 * pyloudnorm.Meter(rate) computes it (its K-weighting biquads — high shelf
 * G = 4 dB, Q = 1/sqrt(2), 1500 Hz, then high pass Q = 0.5, 38 Hz, from
 * the RBJ cookbook formulas at the signal's rate; 400-ms blocks every
 * 100 ms, block count np.round((T - 0.4) / 0.1) + 1 (half to even), block
 * bounds truncated like int(), sums in numpy's pairwise order; absolute
 * gate -70 LUFS (>=), relative gate -10 LU (>)),
 * then gain 10^((target - L) / 20), division by the peak if the peak
 * exceeds 1, clipping to [-1, 1].
 *
 * libebur128 implements the same standard but differs from pyloudnorm by
 * ~0.1 dB (different K-filter coefficients and block grid), far beyond the
 * 1e-4 sample tolerance of the reference vectors, so it is not used here.
 *
 * Fallback (the v1.1 package's rule; v1 would produce NaN): when the gated
 * loudness is -inf (no block above -70 LUFS) or the signal is shorter than
 * one 400-ms block (pyloudnorm refuses it), the signal is scaled to RMS
 * 10^(target / 20) instead; an all-zero signal stays zero (info->silent).
 *
 * Workload: ~150 signals per reference signal of seconds to minutes (the
 * distortion banks): use sb_loudness_normalize_rows for a bank, which
 * filters 8 signals at once.  Reentrant; memory O(one 400-ms block).
 */
#ifndef SB_METRICS_LOUDNESS_H
#define SB_METRICS_LOUDNESS_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_loudness_info {
  double lufs;       /* integrated loudness of the input (-inf if gated out, NaN if too short) */
  double gain;       /* gain applied before the peak guard */
  double peak;       /* peak after the gain */
  int renormalised;  /* 1 if divided by the peak */
  int rms_fallback;  /* 1 if the RMS rule was used */
  int silent;        /* 1 if the input is all zero */
} sb_loudness_info;

/* Integrated loudness (pyloudnorm's algorithm) of x (n samples at rate Hz)
 * into *lufs; -inf when every block is gated out.  SB_ELENGTH when n is
 * shorter than one 400-ms block, SB_EINVAL (NULL, rate <= 0), SB_ENOMEM. */
sb_err sb_loudness_integrated(const double *x, size_t n, int rate, double *lufs);

/* y = loudness_normalize(x) to target LUFS (MAPSS: -23); y may equal x;
 * info may be NULL.  SB_EINVAL (NULL, rate <= 0, n == 0), SB_ENONFINITE
 * (NaN/Inf input), SB_ENOMEM. */
sb_err sb_loudness_normalize(const double *x, size_t n, int rate, double target, double *y,
                             sb_loudness_info *info);

/* Flags of sb_loudness_normalize_rows. */
enum {
  SB_LOUDNESS_ROUND_F32 = 1  /* round every output sample to float32 (the MAPSS reference
                                keeps its normalised signals in float32) */
};

/* sb_loudness_normalize, in place, of n_sig signals of n samples stored
 * as consecutive rows (signal s at data + s n); flags 0 or
 * SB_LOUDNESS_ROUND_F32; info is NULL or has n_sig entries.  Results are
 * identical to calling sb_loudness_normalize per row (then rounding to
 * float32 with the flag): same arithmetic per signal.  The K-weighting
 * runs 8 rows at once and OpenMP spreads groups of rows over threads; a
 * row is read twice and written once.  A row that fails (NaN/Inf) is left
 * unchanged; the others are normalised and the error of the lowest failing
 * row is returned: SB_EINVAL (NULL data with n_sig > 0, n == 0, rate <= 0,
 * unknown flags), SB_ENONFINITE, SB_ENOMEM. */
sb_err sb_loudness_normalize_rows(double *data, size_t n_sig, size_t n, int rate, double target,
                                  unsigned flags, sb_loudness_info *info);

#endif /* SB_METRICS_LOUDNESS_H */
