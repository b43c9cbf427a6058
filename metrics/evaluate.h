/*
 * metrics/evaluate.h — one call that scores a group of estimates against
 * their references: framing and museval's silent-frame NaN rules,
 * permutation, BSS Eval (bsseval.h), the scale-invariant family
 * (sisdr.h), global SDR (gsdr.h) and improvements over the mixture.
 *
 * Conventions (shared/specs/bsseval.md):
 *  - estimates must already have the reference length (the caller applies
 *    museval's pad_or_truncate, sb_audio_fit_length);
 *  - framing: n_frames = floor((T - win + hop) / hop) if win < T else 1,
 *    frame k = [k hop, min(k hop + win, T)); the tail is not evaluated;
 *  - SB_SILENT_ALL (museval, default): a frame is NaN for every source and
 *    metric when any reference or any estimate is silent in it (sum over
 *    channels == 0 at every sample); SB_SILENT_PER_SOURCE (sepbench's opt-in)
 *    NaNs only the sources whose own reference or estimate is silent;
 *  - a silent reference never aborts the evaluation: its whole-signal values
 *    are NaN and the reason is written to note.
 */
#ifndef SB_METRICS_EVALUATE_H
#define SB_METRICS_EVALUATE_H

#include <stdint.h>
#include "sepbench/error.h"
#include "metrics/sources.h"
#include "metrics/bsseval.h"

/* Metric groups (bit mask). */
enum {
  SB_METRIC_BSS = 1u << 0,     /* SDR, ISR, SIR, SAR framewise + whole */
  SB_METRIC_SISDR = 1u << 1,   /* SI-SDR, SI-SIR, SI-SAR, SD-SDR (whole) */
  SB_METRIC_GSDR = 1u << 2,    /* global SDR (MDX 2021 / SDX 2023) */
  SB_METRIC_SNR = 1u << 3,     /* SNR (whole) */
  SB_METRIC_IMPROVE = 1u << 4, /* SDRi, SI-SDRi (needs a mixture) */
  SB_METRIC_SDR = 1u << 5,     /* framewise + whole images SDR only (no filters) */
  SB_METRIC_DEFAULT = SB_METRIC_BSS | SB_METRIC_SISDR | SB_METRIC_GSDR | SB_METRIC_SNR | SB_METRIC_IMPROVE
};

typedef enum sb_perm_rule { SB_PERM_NONE = 0, SB_PERM_BRUTE, SB_PERM_HUNGARIAN } sb_perm_rule;
typedef enum sb_silent_rule { SB_SILENT_ALL = 0, SB_SILENT_PER_SOURCE } sb_silent_rule;

typedef struct sb_eval_opts {
  unsigned metrics;     /* SB_METRIC_* mask */
  sb_bss_mode mode;     /* v4 (default) or v3 */
  sb_bss_crit crit;     /* images (default) or sources */
  sb_perm_rule perm;    /* none (default for music) */
  sb_silent_rule silent;
  int64_t win, hop;     /* samples; win <= 0 = whole signal */
  int filter_len;       /* 512 */
  int zero_mean;        /* SI-SDR family: subtract means first */
} sb_eval_opts;

/* Sets the museval/SiSEC 2018 defaults for a sample rate: v4 images, 1 s
 * window and hop, 512 taps, no permutation, every metric. */
void sb_eval_opts_default(sb_eval_opts *o, int rate);

/* Framewise metrics, in this order in sb_eval_result.frame. */
enum { SB_FM_SDR = 0, SB_FM_ISR, SB_FM_SIR, SB_FM_SAR, SB_FM_COUNT };
/* Whole-signal metrics, in this order in sb_eval_result.whole. */
enum {
  SB_WM_SDR = 0, SB_WM_ISR, SB_WM_SIR, SB_WM_SAR,
  SB_WM_SI_SDR, SB_WM_SI_SIR, SB_WM_SI_SAR, SB_WM_SD_SDR, SB_WM_SNR,
  SB_WM_GLOBAL_SDR, SB_WM_SDRI, SB_WM_SI_SDRI, SB_WM_COUNT
};

/* Names used in JSON and in the store: "SDR", "ISR", ..., "SI-SDR",
 * "global_SDR", "SDRi", "SI-SDRi".  NULL for an index out of range. */
const char *sb_frame_metric_name(int fm);
const char *sb_whole_metric_name(int wm);

/* Frame flags (sb_eval_result.frame_flags). */
enum { SB_FRAME_REF_SILENT = 1u << 0, SB_FRAME_EST_SILENT = 1u << 1 };

typedef struct sb_eval_result {
  int n_src;
  int rate;
  int64_t n_frames, win, hop;  /* framing actually used (samples) */
  double *frame[SB_FM_COUNT];  /* n_src * n_frames each ([src * n_frames + k]);
                                  NULL when not computed; NaN for NaN frames */
  double *whole;               /* n_src * SB_WM_COUNT ([src * SB_WM_COUNT + m]);
                                  NaN when not computed */
  unsigned char *frame_flags;  /* n_frames, SB_FRAME_* (why a frame is NaN) */
  int *perm;                   /* n_src: estimate index matched to reference j */
  char note[512];              /* human-readable reasons (silent stems, ...) */
} sb_eval_result;

/* Scores est against ref (same n_src, n_chan, n_samples and rate; est
 * already padded/truncated).  mix (one source, same shape) enables the
 * improvements; may be NULL.  Errors: SB_EINVAL (option values),
 * SB_ECHAN/SB_ELENGTH/SB_ERATE (shapes disagree), SB_ENONFINITE,
 * SB_ENOMEM, SB_ENUMERIC; msg says which.  Thread-safe. */
sb_err sb_evaluate(const sb_eval_opts *opts, const sb_sources *ref, const sb_sources *est,
                   const sb_sources *mix, sb_eval_result **out, sb_msg *msg);

void sb_eval_result_free(sb_eval_result **r);

#endif /* SB_METRICS_EVALUATE_H */
