/*
 * metrics/pspm.h — Perceptual Separation (PS) and Perceptual Match (PM),
 * the MAPSS measures of Ivry, Cornell and Watanabe (2025), end to end: the
 * pipeline of engine.compute_mapss_measures in the public reference code
 * Amir-Ivry/MAPSS-measures 3157d20a (shared/specs/mapss.md):
 *
 *  1. every reference and estimate is down-mixed (channel mean), resampled
 *     to 16 kHz (libsoxr HQ, librosa's soxr_hq; length ceil(n 16000/rate))
 *     and loudness-normalised to -23 LUFS (metrics/loudness.h), float32;
 *  2. activity: 320-sample frames (hop 320; the last frame dropped when the
 *     length is a multiple of 320) of each normalised reference; a source
 *     is active when the frame RMS exceeds 0.1 x its whole-signal RMS; a
 *     frame is scored when >= 2 sources are active;
 *  3. per reference, the PS and PM distortion banks (metrics/distortions.h)
 *     with noise from numpy's RandomState(seed) drawn in the reference's
 *     order (PS bank of source 0, 1, ..., then PM bank of 0, 1, ...), each
 *     entry loudness-normalised;
 *  4. embeddings (through the interface of metrics/embedder.h; default the
 *     built-in "raw" of metrics/embedders.h) of the references,
 *     their distortions and the estimates; embedder frame j is used for
 *     mask frame i with j = min(floor(i T / M), T - 1) (nearest, as the
 *     reference's interpolation; j = i for the built-in embedders);
 *  5. per scored frame, one diffusion map per measure over the active
 *     sources' points and PS / PM / radii (metrics/pspm_frame.h).
 * Steps 1-4 for the references run once per track (sb_pspm_track) and are
 * reused for every estimate set evaluated on it.  The reference code
 * re-draws the noise for each system from one running RNG; here every
 * system sees the first system's draw (identical for a single system).
 *
 * Results: per source and 20-ms frame (time k * 0.02 s), NaN where the
 * frame is not scored or the source is inactive; file-level means over the
 * non-NaN frames.  "radius" is the deterministic error radius, "ci" the
 * high-probability radius (confidence 1 - delta).
 * Documented NaN cases (never an error): a track with one source has no
 * frame with two active sources, so PS (undefined) and PM are NaN
 * everywhere; a silent (all-zero) reference is never active, so its values
 * are NaN.
 *
 * Reproducibility: PS divides Mahalanobis distances in clusters whose
 * covariances are nearly singular, so last-bit differences of the BLAS
 * (e.g. OpenBLAS's thread count) move single-frame PS values by up to
 * ~1e-4 and file means by ~1e-7, the same size as the reference's own
 * float32/float64 spread; run with OPENBLAS_NUM_THREADS=1 for bit-identical
 * repeats (OpenMP thread counts do not matter).
 *
 * Memory: the references' distortion embeddings at the scored frames,
 * about 2 S (P + 1) K D floats (K scored frames; raw D = 320): 60 MB for
 * two 10-s sources.  PS/PM are meant for speech-length clips.
 *
 * Workload: 2-4 sources of seconds at any rate; cost per scored frame two
 * diffusion maps of N ~ 150 points (2 sources), each an N x N Gram matrix
 * and tridiagonal reduction, plus the measures: ~5 ms per frame on one
 * core (metrics/diffmap.h, metrics/pspm_frame.h).  OpenMP over distortion
 * entries, frames and signals; results do not depend on the number of
 * threads.  An sb_pspm_track is used by one thread at a time.
 */
#ifndef SB_METRICS_PSPM_H
#define SB_METRICS_PSPM_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"
#include "metrics/embedder.h"
#include "metrics/pspm_frame.h"

typedef struct sb_pspm_options {
  sb_pspm_ridge ridge;          /* SB_PSPM_RIDGE_V1 (paper-v1 code) */
  double delta;                 /* 0.05: confidence parameter of the ci radii */
  uint32_t seed;                /* 42: numpy RandomState seed of the noise */
  const sb_embedder *embedder;  /* NULL: raw (not owned) */
  const char *key;              /* prefix of the file/cmd signal names, may be NULL */
} sb_pspm_options;

/* The defaults above. */
void sb_pspm_options_default(sb_pspm_options *opt);

typedef struct sb_pspm_track sb_pspm_track;

/* Per-source frame series and means (arrays [n_src * n_frames], source
 * major; owned, released by sb_pspm_result_clear). */
typedef struct sb_pspm_result {
  size_t n_src, n_frames, n_scored;
  double hop_s;                 /* 0.02 */
  double *ps, *pm, *ps_radius, *pm_radius, *ps_ci, *pm_ci;
  double *ps_mean, *pm_mean;    /* [n_src] */
  double time_embed_s, time_math_s; /* wall time of this evaluation's stages */
} sb_pspm_result;

/*
 * Prepares the reference side from the view refs (in memory or streamed,
 * common/sources.h: every source is read once, whole, in pieces of
 * SB_SPAN_MAX samples; the 16-kHz signals PS/PM needs are kept inside).
 * opt may be NULL (defaults); the embedder must outlive the track.
 * Errors (msg says why): SB_EINVAL (NULL, an empty or unreadable view,
 * rate <= 0), SB_ENONFINITE, the reader's errors, SB_ELENGTH (shorter than
 * one 20-ms frame at 16 kHz), SB_EBACKEND (resampler), the embedder's
 * (backends/embedders.h: SB_EIO, SB_EFORMAT, SB_ETIMEOUT, SB_EINTERRUPT),
 * SB_ENUMERIC, SB_ENOMEM.
 */
sb_err sb_pspm_track_new(const sb_sources *refs, const sb_pspm_options *opt, sb_pspm_track **out, sb_msg *msg);

/* Wall time of the reference side of the track: distortion banks with
 * their loudness normalisation (*dist_s) and everything else —
 * resampling, masks, embeddings — (*other_s).  NULL outputs are skipped. */
void sb_pspm_track_timing(const sb_pspm_track *t, double *dist_s, double *other_s);

void sb_pspm_track_free(sb_pspm_track **t);

/*
 * Scores one set of estimates (a view of the same n_src, n_chan, n_samples
 * and rate as the references; the caller pads or truncates) into res
 * (overwritten): estimate perm[s] is scored as the estimate of reference s
 * (perm NULL: estimate s), and res is indexed by reference.  Errors: as
 * sb_pspm_track_new, plus SB_EINVAL when the shapes disagree with the
 * track's or perm holds an index out of range.
 */
sb_err sb_pspm_track_eval(sb_pspm_track *t, const sb_sources *ests, const int *perm, sb_pspm_result *res,
                          sb_msg *msg);

/* Frees the arrays of res and zeroes it; NULL is a no-op. */
void sb_pspm_result_clear(sb_pspm_result *res);

#endif /* SB_METRICS_PSPM_H */
