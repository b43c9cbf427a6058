/*
 * metrics/framing.h — museval/mir_eval framing, silent-frame detection and
 * the NaN rules of framewise BSS Eval, plus the one-pass energy statistics
 * that give the images SDR of every frame without any filter.
 *
 * Follows museval 0.4.1 (metrics.py: Framing, _any_source_silent, bss_eval)
 * and mir_eval.separation (bss_eval_images_framewise), as documented in
 * shared/specs/bsseval.md §2 "Framing" and "Silent frames / NaN rules":
 *
 *   n_frames = floor((T - win + hop) / hop) if win < T else 1,
 *   frame k  = [k hop, min(k hop + win, T)); the samples after the last
 *              frame are never evaluated (museval);
 *   v3       = mir_eval's bss_eval_images_framewise and
 *              bss_eval_sources_framewise: when fewer than 2 frames fit
 *              (nwin = floor((T - win + hop) / hop) < 2), the whole signal
 *              is the single frame (sb_framing_v3_single); museval (v4)
 *              keeps [0, win) when win < T < win + hop;
 *   silent   = the SUM over channels is exactly 0 at every sample (a stereo
 *              signal with right == -left counts as silent);
 *   SB_SILENT_ALL (museval, mir_eval): a frame is NaN for every source and
 *              every metric when any reference or any estimate is silent in
 *              it, so a source's scores depend on the evaluation group;
 *   SB_SILENT_PER_SOURCE (sepbench, opt-in): a frame is NaN only for the
 *              pairs whose own reference or estimate is silent in it.
 *
 * Images SDR of a frame is ||s||^2 / ||s_hat - s||^2 (spec §1.4 "key
 * consequence"), so sb_frame_stats_compute() is all the framewise SDR needs.
 *
 * Workload: one pass over every (reference, estimate) pair of a track
 * (4 stereo sources x 3-10 min at 44.1 kHz); memory-bound.  The pass is
 * split into fixed chunks of at most 65536 samples inside frame boundaries
 * and reduced in a fixed order, so results do not depend on the number of
 * OpenMP threads.
 */
#ifndef SB_METRICS_FRAMING_H
#define SB_METRICS_FRAMING_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"

/* Which frames become NaN when a signal is silent in them. */
typedef enum sb_silent_rule { SB_SILENT_ALL = 0, SB_SILENT_PER_SOURCE } sb_silent_rule;

/* Why a frame is NaN (bit mask, one byte per frame). */
enum { SB_FRAME_REF_SILENT = 1u << 0, SB_FRAME_EST_SILENT = 1u << 1 };

typedef struct sb_framing {
  int64_t n_samples; /* signal length T (>= 1) */
  int64_t win;       /* frame length as requested (may exceed T); T for the whole signal */
  int64_t hop;       /* hop in samples; T for the whole signal */
  int64_t n_frames;  /* >= 1 */
} sb_framing;

/* Sets up the framing of an n_samples-long signal.  win <= 0 means the
 * whole signal as one frame (win = hop = n_samples); win >= n_samples gives
 * one frame [0, n_samples) and keeps win as requested (museval writes it as
 * the frame duration).  SB_EINVAL when n_samples < 1, or win > 0 and
 * hop < 1. */
sb_err sb_framing_init(sb_framing *f, int64_t n_samples, int64_t win, int64_t hop);

/* mir_eval's short-signal rule, for BSS Eval v3: when the framing has a
 * single frame that is shorter than the signal (win < T < win + hop), it
 * becomes the whole signal (win = hop = n_samples), as mir_eval's
 * framewise functions then return bss_eval_images / bss_eval_sources of
 * the whole signal (separation.py: "if nwin < 2").  Every other framing,
 * including win >= T (already the whole signal), is left as it is.
 * SB_EINVAL when f is NULL. */
sb_err sb_framing_v3_single(sb_framing *f);

/* Sample range [*start, *stop) of frame k (0 <= k < n_frames). */
void sb_framing_bounds(const sb_framing *f, int64_t k, int64_t *start, int64_t *stop);

/* Number of samples after the end of the last frame (never evaluated). */
int64_t sb_framing_tail(const sb_framing *f);

/* 1 when the sum over the n_chan channels is exactly 0 at every sample of
 * [start, stop), else 0.  NaN samples count as non-silent. */
int sb_is_silent(int n_chan, const double *const *chan, int64_t start, int64_t stop);

/* Per-frame statistics of n_pairs (reference j, estimate est_of_ref[j])
 * pairs.  Arrays are indexed [j * n_frames + k]; energies are summed over
 * all channels and samples of the frame, "whole" values over all samples
 * [0, T) including the unevaluated tail. */
typedef struct sb_frame_stats {
  int n_pairs;
  int64_t n_frames;
  double *ref_energy;              /* sum s^2 */
  double *err_energy;              /* sum (s_hat - s)^2 */
  unsigned char *ref_silent;       /* reference j silent in frame k */
  unsigned char *est_silent;       /* estimate est_of_ref[j] silent in frame k */
  double *whole_ref_energy;        /* n_pairs */
  double *whole_err_energy;        /* n_pairs */
  unsigned char *whole_ref_silent; /* n_pairs */
  unsigned char *whole_est_silent; /* n_pairs */
} sb_frame_stats;

/* Computes the statistics of the pairs (j, est_of_ref[j]) for j = 0 ..
 * ref->n_src - 1 in one pass (OpenMP over pairs and chunks).  est_of_ref
 * may be NULL (identity pairing); its entries index est's sources, so a
 * one-source est (a mixture) is paired with every reference by passing
 * zeros.  ref and est must have the framing's length and the same channel
 * count.  A NaN or infinite sample makes the energies of its pair
 * non-finite (callers use that as the finiteness check of the pass).
 * SB_EINVAL (shapes or indices inconsistent), SB_ENOMEM, the errors of a
 * streamed view's reader (common/sources.h).  *out is NULL on
 * failure. */
sb_err sb_frame_stats_compute(const sb_framing *f, const sb_sources *ref, const sb_sources *est,
                              const int *est_of_ref, sb_frame_stats **out);

void sb_frame_stats_free(sb_frame_stats **s);

/* Applies a NaN rule to the statistics: skip[j * n_frames + k] (may be
 * NULL) = 1 when pair j is NaN in frame k; flags[k] (may be NULL) gets SB_FRAME_* bits
 * telling whether some reference and/or some estimate of the group is
 * silent in frame k (set under both rules).  SB_EINVAL for an unknown rule
 * or a NULL s. */
sb_err sb_framing_nan_mask(const sb_frame_stats *s, sb_silent_rule rule, unsigned char *skip,
                           unsigned char *flags);

#endif /* SB_METRICS_FRAMING_H */
