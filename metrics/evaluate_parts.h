/*
 * metrics/evaluate_parts.h — what the translation units of sb_evaluate
 * share; private to metrics/evaluate*.c (the contract is
 * metrics/evaluate.h):
 *   evaluate.c      options, checks, the steps of one evaluation,
 *                   permutations, SI family, improvements, PS/PM;
 *   evaluate_bss.c  BSS Eval of (reference, estimate) pairs over the
 *                   group of non-silent references;
 *   evaluate_speech.c  STOI, ESTOI, their improvements, SA-SDR.
 */
#ifndef SB_METRICS_EVALUATE_PARTS_H
#define SB_METRICS_EVALUATE_PARTS_H

#include "metrics/bsseval.h"
#include "metrics/evaluate.h"
#include "metrics/framing.h"

/* Everything one evaluation shares between its steps. */
typedef struct eval_ctx {
  const sb_eval_opts *opts;
  const sb_sources *ref, *est, *mix;
  sb_framing f;
  int n_src;
  int64_t n_frames;
  sb_frame_stats *stats;     /* identity pairing */
  sb_eval_result *r;
} eval_ctx;

/* The BSS Eval reference group: references with non-zero energy, a view
 * over a subset of the references (in memory: the channel pointers;
 * streamed: a reader that maps group indices to reference indices). */
typedef struct bss_group {
  sb_sources view;
  const sb_sources *base;
  const double **chan;
  int *ref_of;   /* group index -> reference index */
  int *gidx;
  sb_bsseval *frame_b, *whole_b; /* whole_b == frame_b when one frame is the whole signal */
  int whole_in_frames;            /* v4 framewise: whole-track values from frame_b, whole_b NULL */
} bss_group;

/* Frame NaN mask of the pair (reference j, estimate e) into skip[0..n_frames). */
void sb_eval_pair_skip(const eval_ctx *x, int j, int e, unsigned char *skip);

/* The group of references with non-zero energy and its sb_bsseval states
 * (framewise, and whole-signal unless one frame is the whole signal or the
 * mode is v4, whose framewise object gives the whole-track values too).
 * Errors of sb_bsseval_new, SB_ENOMEM, SB_EINVAL (framing mismatch); msg
 * says which. */
sb_err sb_eval_bss_group_init(eval_ctx *x, bss_group *g, sb_msg *msg);
void sb_eval_bss_group_free(bss_group *g);

/* Framewise BSS Eval of the pairs (pair_ref[p], pair_est[p]) into
 * out[(p * 4 + m) * n_frames + k] (m = SDR, ISR, SIR, SAR; SDR only with
 * the sources criterion, NaN otherwise), and with whole != NULL (only when
 * g->whole_in_frames) their whole-track values into whole[p * 4 + m]. */
sb_err sb_eval_bss_frames(eval_ctx *x, bss_group *g, int n_pairs, const int *pair_ref, const int *pair_est,
                          double *out, double *whole, sb_msg *msg);

/* Whole-signal BSS Eval of estimate est_of[j] of the view est against
 * reference j for every reference j into out[j * 4 + m] (m = SDR, ISR,
 * SIR, SAR; SDR only with the sources criterion).  skip[j]: leave NaN. */
sb_err sb_eval_bss_whole(eval_ctx *x, bss_group *g, const sb_sources *est, const int *est_of,
                         const unsigned char *skip, double *out, sb_msg *msg);

/* Whole-signal BSS Eval of the matched pairs into a new n_src x 4 array
 * (*out, malloc'ed): with g->whole_in_frames the whole-track values of
 * the pairs (pairs_whole, from sb_eval_bss_frames), otherwise reusing the
 * framewise values of pairs (laid out as in sb_eval_bss_frames) where one
 * frame is the whole signal. */
sb_err sb_eval_whole_values(eval_ctx *x, bss_group *g, const unsigned char *whole_skip, int n_pairs,
                            const double *pairs, const double *pairs_whole, double **out, sb_msg *msg);

/* Appends "; " and a formatted reason to r->note (cut at its size). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_eval_note_add(sb_eval_result *r, const char *fmt, ...);

/* The speech metrics the options ask for (SB_METRIC_STOI, _ESTOI, _SASDR;
 * dSTOI/dESTOI with SB_METRIC_IMPROVE and a mixture) into x->r, estimate
 * perm[j] for reference j.  Reasons a value is NaN or 1e-5 go to the note.
 * SB_ENOMEM, the errors of a streamed view's reader; msg says which. */
sb_err sb_eval_speech_values(eval_ctx *x, sb_msg *msg);

#endif /* SB_METRICS_EVALUATE_PARTS_H */
