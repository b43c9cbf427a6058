/*
 * metrics/bsseval.h — BSS Eval images/sources criteria with 512-tap
 * time-invariant distortion filters.
 *
 * Follows Vincent, Gribonval, Févotte, "Performance measurement in blind
 * audio source separation", IEEE TASLP 14(4), 2006, as implemented by
 * mir_eval.separation (BSS Eval v3) and museval 0.4.1 (BSS Eval v4, SiSEC
 * 2018); the exact reference behaviour is documented in
 * shared/specs/bsseval.md §1-§2.
 *
 *   v4 (SB_BSS_V4):  filters estimated once on the whole track (museval's
 *                    absolute eps = 2.22e-16 on the Gram diagonal), applied
 *                    frame by frame;
 *   v3 (SB_BSS_V3):  filters re-estimated inside every frame (mir_eval
 *                    bss_eval_images_framewise; no regularisation).
 * win <= 0 or win >= n_samples evaluates the whole signal as one frame.
 *
 * How (shared/specs/bsseval.md §1.4, §1.4b, §2): correlations by block FFTs
 * (metrics/fftcorr.h); every energy of the decomposition is a quadratic
 * form of the filter coefficients with the frame's block-Toeplitz Gram
 * matrix, evaluated exactly in the frequency domain (no time-domain
 * projection).  The Gram systems (whole track for v4 and the whole signal,
 * each frame for v3) are solved by block Levinson, which exploits their
 * block-Toeplitz structure (metrics/blocktoeplitz.h); when the recursion
 * breaks down the dense matrix is factorised with LAPACK: Cholesky, LU
 * when that fails, least squares when LU finds it singular (the
 * reference's solve/lstsq).  v3 frames use the orthogonal-projection
 * shortcut (§1.4b).
 * Reference channels that are all zero, or sample-for-sample copies of an
 * earlier channel, over the range of a system are left out of it: the
 * projection is the same and the system stays non-singular.
 *
 * Workload: one sb_bsseval per track (4 sources x 2 channels x 512 taps,
 * 3-10 min at 44.1 kHz), sb_bsseval_eval_pairs called once with the J (or
 * J x J) pairs.  Signals are read through their views (common/sources.h)
 * in pieces, so with streamed views nothing of track length is held.
 * Memory: (J I)^2 L doubles per frame (262 KB for 4 stereo sources) in
 * framewise modes, and during a v4 call J I x (estimates x I) x L doubles
 * per frame plus per-thread FFT buffers; the dense (J I L)^2 matrix
 * (134 MB) only when the Levinson recursion breaks down.  3 min, 4 stereo
 * sources, v4 1-s frames: about 2 s on 2 cores and ~130 MB; 10 min about
 * 0.4 GB (plus the signals when they are held in memory).
 */
#ifndef SB_METRICS_BSSEVAL_H
#define SB_METRICS_BSSEVAL_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"

typedef enum sb_bss_mode { SB_BSS_V4 = 0, SB_BSS_V3 } sb_bss_mode;
typedef enum sb_bss_crit { SB_CRIT_IMAGES = 0, SB_CRIT_SOURCES } sb_bss_crit;

typedef struct sb_bss_opts {
  sb_bss_mode mode;
  sb_bss_crit crit;
  int64_t win;     /* frame length in samples; <= 0 = whole signal */
  int64_t hop;     /* hop in samples (ignored for the whole signal) */
  int filter_len;  /* distortion filter taps, 512 in every reference */
  int v3_whole_fallback; /* 1 = mir_eval rule: fewer than 2 frames -> whole signal */
} sb_bss_opts;

typedef struct sb_bsseval sb_bsseval;

/* Prepares the reference-side work (correlations, Gram matrices,
 * factorisations for v4 and the whole signal) for the references ref (an
 * in-memory or streamed view).  What ref points at (channel pointer array
 * and samples, or the reader's state) must stay valid until free; the
 * sb_sources struct itself is copied.  Uses OpenMP threads.
 * SB_EINVAL (NULL pointers, bad options, filter_len < 1, hop < 1 for a
 * framewise evaluation), SB_ELENGTH (signal shorter than filter_len),
 * SB_ENONFINITE (a NaN/Inf reference sample, msg names it), SB_ENOMEM,
 * SB_ENUMERIC (a failed factorisation), and the errors of a streamed
 * view's reader. */
sb_err sb_bsseval_new(const sb_bss_opts *opts, const sb_sources *ref, sb_bsseval **out, sb_msg *msg);

/* Number of frames the framing yields (museval/mir_eval rule); 1 for the
 * whole signal. */
int64_t sb_bsseval_n_frames(const sb_bsseval *b);
/* Frame length and hop actually used, in samples (both n_samples when the
 * whole signal is evaluated as one frame). */
int64_t sb_bsseval_win(const sb_bsseval *b);
int64_t sb_bsseval_hop(const sb_bsseval *b);

/* One (reference, estimate) pair of sb_bsseval_eval_pairs. */
typedef struct sb_bss_pair {
  int target; /* reference index, 0 <= target < n_src */
  int est;    /* estimate index in the view given to the call */
} sb_bss_pair;

/* Evaluates the pairs: estimate pair[p].est of the view est (same channel
 * count and length as the references; in memory or streamed) against
 * reference pair[p].target.  The work that depends only on an estimate
 * (its correlations with the references, its whole-track filters, the
 * per-frame v3 solves) is done once for all pairs that share it: use one
 * call for the J pairs of a track or the J x J pairs of a permutation
 * search.  skip (n_frames flags, may be NULL) marks frames to leave NaN.
 * Outputs hold n_pair * n_frames values in dB, pair p at
 * [p * n_frames + k]; any output pointer may be NULL; ISR is NaN for
 * SB_CRIT_SOURCES.  A frame whose energies give 0/0 follows numpy:
 * denominator 0 -> +inf, numerator 0 -> -inf (a denominator that rounding
 * makes negative counts as 0).  Thread-safe: concurrent calls on the same
 * sb_bsseval are allowed.  SB_EINVAL (NULL pointers, indices out of range,
 * a view of another shape), SB_ENOMEM, SB_ENUMERIC, and the errors of a
 * streamed view's reader. */
sb_err sb_bsseval_eval_pairs(sb_bsseval *b, const sb_sources *est, int n_pair,
                             const sb_bss_pair *pair, const unsigned char *skip, double *sdr,
                             double *isr, double *sir, double *sar);

/* Where an evaluation writes SDR, ISR, SIR, SAR; any pointer may be NULL. */
typedef struct sb_bss_out {
  double *sdr, *isr, *sir, *sar;
} sb_bss_out;

/* sb_bsseval_eval_pairs with the outputs frames (may be NULL), and with
 * whole != NULL also the values of every pair over the whole track
 * [0, T), pair p at index p of whole's arrays (n_pair values each): the
 * same whole-track filters, energies and rules as an object of the same
 * references built with win = 0 gives (equal up to rounding: the
 * whole-track correlations are summed in another order), so a framewise
 * v4 object needs no second, whole-signal object.  whole is not skipped.
 * Filter mode only (v4, or the whole signal): SB_EINVAL with whole !=
 * NULL on a v3 framewise object.  Other errors as sb_bsseval_eval_pairs. */
sb_err sb_bsseval_eval_pairs_whole(sb_bsseval *b, const sb_sources *est, int n_pair, const sb_bss_pair *pair,
                                   const unsigned char *skip, const sb_bss_out *frames, const sb_bss_out *whole);

/* One pair: estimate e of est against reference target (n_frames outputs). */
sb_err sb_bsseval_eval(sb_bsseval *b, int target, const sb_sources *est, int e,
                       const unsigned char *skip, double *sdr, double *isr, double *sir,
                       double *sar);

void sb_bsseval_free(sb_bsseval **b);

#endif /* SB_METRICS_BSSEVAL_H */
