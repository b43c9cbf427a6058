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
 * Workload: one sb_bsseval per track (4 sources x 2 channels x 512 taps,
 * 3-10 min at 44.1 kHz), sb_bsseval_eval called J x J times at most.
 */
#ifndef SB_METRICS_BSSEVAL_H
#define SB_METRICS_BSSEVAL_H

#include <stdint.h>
#include "sepbench/error.h"
#include "metrics/sources.h"

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

/* Prepares the reference-side work (FFTs, Gram matrices, factorisations for
 * v4) for the references ref.  ref must stay valid until free.
 * SB_EINVAL (bad options, filter_len < 1), SB_ELENGTH (signal shorter than
 * filter_len), SB_ENOMEM, SB_ENUMERIC. */
sb_err sb_bsseval_new(const sb_bss_opts *opts, const sb_sources *ref, sb_bsseval **out, sb_msg *msg);

/* Number of frames the framing yields (museval/mir_eval rule). */
int64_t sb_bsseval_n_frames(const sb_bsseval *b);
/* Frame length and hop actually used, in samples. */
int64_t sb_bsseval_win(const sb_bsseval *b);
int64_t sb_bsseval_hop(const sb_bsseval *b);

/* Evaluates one estimate (n_chan channel pointers, ref->n_samples samples
 * each) against reference `target`.  skip (n_frames flags, may be NULL)
 * marks frames to leave NaN.  Outputs are n_frames values each, in dB; any
 * output pointer may be NULL; ISR is NaN for SB_CRIT_SOURCES.  Thread-safe:
 * concurrent calls on the same sb_bsseval are allowed.
 * SB_EINVAL, SB_ENOMEM, SB_ENUMERIC. */
sb_err sb_bsseval_eval(sb_bsseval *b, int target, const double *const *est_chan,
                       const unsigned char *skip, double *sdr, double *isr,
                       double *sir, double *sar);

void sb_bsseval_free(sb_bsseval **b);

#endif /* SB_METRICS_BSSEVAL_H */
