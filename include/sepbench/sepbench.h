/*
 * sepbench/sepbench.h — the public C API of libsepbench: scoring signals
 * held in memory with BSS Eval v4 (museval) and v3 (mir_eval), images or
 * sources criterion, whole or framewise, with or without a permutation, the
 * scale-invariant family (SI-SDR, SI-SIR, SI-SAR, SD-SDR), SNR, the global
 * SDR of the Music Demixing Challenge, improvements over a mixture and
 * PS/PM (MAPSS).  Results come back in plain arrays.
 *
 * Only the functions of this header (prefix sepbench_) are exported by
 * libsepbench.so; they are a stable ABI within one libtool `current`
 * (Makefile.am: -version-info).  Build a program with
 *   cc prog.c $(pkg-config --cflags --libs sepbench)
 *
 * Conventions, the same as the sepbench program's (../shared/specs/bsseval.md):
 *  - every signal group has the same number of sources, channels and
 *    samples; the caller pads or truncates estimates to the reference
 *    length first (museval's pad_or_truncate);
 *  - framing: n_frames = floor((T - win + hop) / hop) if win < T else 1;
 *  - a frame in which any reference or estimate is silent is NaN for every
 *    source (museval's rule);
 *  - outputs are indexed by REFERENCE j; perm[j] is the estimate matched
 *    to reference j.
 *
 * Errors: every function returning sb_err fills msg (may be NULL) with a
 * one-line reason; SB_EINVAL (bad options, different source counts),
 * SB_ECHAN / SB_ELENGTH / SB_ERATE (shapes disagree, a signal shorter than
 * the filters), SB_ENONFINITE (NaN or Inf: "estimate 1 channel 0 sample
 * 4410: NaN"), SB_ENUMERIC, SB_ENOMEM.
 *
 * Thread-safety: every function may be called from several threads at
 * once on different results.  The computation uses OpenMP; results do not
 * depend on the number of threads.
 */
#ifndef SEPBENCH_SEPBENCH_H
#define SEPBENCH_SEPBENCH_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The package version ("0.1.0"), static storage. */
const char *sepbench_version(void);

/* A group of signals in memory: channel c of source s is the array
 * chan[s * n_chan + c] of n_samples float64 samples (not owned). */
typedef struct sepbench_signals {
  int n_src;                 /* >= 1 */
  int n_chan;                /* >= 1 */
  int64_t n_samples;         /* >= 1 */
  int rate;                  /* Hz */
  const double *const *chan; /* n_src * n_chan arrays */
} sepbench_signals;

/* Metric groups (sepbench_options.metrics, a bit mask). */
enum {
  SEPBENCH_GROUP_BSS = 1u << 0,     /* SDR, ISR, SIR, SAR framewise + whole */
  SEPBENCH_GROUP_SI = 1u << 1,      /* SI-SDR, SI-SIR, SI-SAR, SD-SDR (whole) */
  SEPBENCH_GROUP_GSDR = 1u << 2,    /* global SDR (MDX 2021) */
  SEPBENCH_GROUP_SNR = 1u << 3,     /* SNR (whole) */
  SEPBENCH_GROUP_IMPROVE = 1u << 4, /* SDRi, SI-SDRi (needs a mixture) */
  SEPBENCH_GROUP_SDR = 1u << 5,     /* images SDR only, framewise + whole (no filters) */
  SEPBENCH_GROUP_PSPM = 1u << 6     /* PS/PM series + whole (MAPSS) */
};

enum { SEPBENCH_MODE_V4 = 0, SEPBENCH_MODE_V3 = 1 };            /* museval v4, BSS Eval v3 */
enum { SEPBENCH_CRIT_IMAGES = 0, SEPBENCH_CRIT_SOURCES = 1 };   /* bss_eval_images / _sources */
enum { SEPBENCH_PERM_NONE = 0, SEPBENCH_PERM_BRUTE = 1, SEPBENCH_PERM_HUNGARIAN = 2 };
enum { SEPBENCH_SILENT_ALL = 0, SEPBENCH_SILENT_PER_SOURCE = 1 };

/* Options of one evaluation.  Set them with sepbench_options_init first:
 * fields are only ever appended, and size tells the library which it may
 * read. */
typedef struct sepbench_options {
  size_t size;            /* sizeof(sepbench_options), set by sepbench_options_init */
  unsigned metrics;       /* SEPBENCH_GROUP_* mask, non-zero */
  int mode;               /* SEPBENCH_MODE_* */
  int criterion;          /* SEPBENCH_CRIT_* */
  int permutation;        /* SEPBENCH_PERM_* */
  int silent;             /* SEPBENCH_SILENT_* */
  int64_t win, hop;       /* samples; win <= 0: the whole signal */
  int filter_len;         /* distortion filter taps (512) */
  int zero_mean;          /* SI family: subtract the means first */
  int threads;            /* OpenMP threads of this call; <= 0: OpenMP's default */
  int frame_permutation;  /* with win > 0 and a permutation: one per frame,
                             each frame scored as a whole signal (mir_eval's
                             bss_eval_*_framewise); then only the BSS group */
  const char *pspm_embedder; /* "raw" (NULL) or "logmel" */
} sepbench_options;

/* museval's defaults at rate Hz: v4 images, 1-s window and hop, 512 taps,
 * no permutation, BSS + SI + GSDR + SNR + improvements; rate <= 0: the
 * whole signal. */
void sepbench_options_init(sepbench_options *o, int rate);

/* Framewise metrics (sepbench_result_frames). */
enum { SEPBENCH_FRAME_SDR = 0, SEPBENCH_FRAME_ISR, SEPBENCH_FRAME_SIR, SEPBENCH_FRAME_SAR, SEPBENCH_FRAME_COUNT };
/* Whole-signal metrics (sepbench_result_value). */
enum {
  SEPBENCH_SDR = 0, SEPBENCH_ISR, SEPBENCH_SIR, SEPBENCH_SAR,
  SEPBENCH_SI_SDR, SEPBENCH_SI_SIR, SEPBENCH_SI_SAR, SEPBENCH_SD_SDR, SEPBENCH_SNR,
  SEPBENCH_GLOBAL_SDR, SEPBENCH_SDRI, SEPBENCH_SI_SDRI, SEPBENCH_PS, SEPBENCH_PM,
  SEPBENCH_VALUE_COUNT
};
/* PS/PM 20-ms series (sepbench_result_pspm). */
enum { SEPBENCH_SERIES_PS = 0, SEPBENCH_SERIES_PM, SEPBENCH_SERIES_COUNT };

/* Names as the store and the JSON spell them ("SDR", "SI-SDR",
 * "global_SDR", ...); NULL out of range. */
const char *sepbench_value_name(int value);
const char *sepbench_frame_name(int frame_metric);

typedef struct sepbench_result sepbench_result;

/* Scores est against ref; mix (one source, same shape; may be NULL)
 * enables the improvements.  *out is NULL on failure; free it with
 * sepbench_result_free.  Errors: see the top of this file. */
sb_err sepbench_evaluate(const sepbench_options *o, const sepbench_signals *ref,
                         const sepbench_signals *est, const sepbench_signals *mix,
                         sepbench_result **out, sb_msg *msg);

/* Frees a result and sets *r to NULL; accepts NULL and *r == NULL. */
void sepbench_result_free(sepbench_result **r);

int sepbench_result_n_src(const sepbench_result *r);
/* Frames actually used: count, window and hop in samples (win = hop = T
 * for the whole signal). */
int64_t sepbench_result_n_frames(const sepbench_result *r);
int64_t sepbench_result_win(const sepbench_result *r);
int64_t sepbench_result_hop(const sepbench_result *r);
/* Framewise metric m: n_src * n_frames values ([j * n_frames + k]), NaN
 * for NaN frames; NULL when not computed. */
const double *sepbench_result_frames(const sepbench_result *r, int m);
/* Whole-signal metric m of reference j; NaN when not computed. */
double sepbench_result_value(const sepbench_result *r, int j, int m);
/* perm[j]: the estimate matched to reference j (BSS, SNR, global SDR,
 * SDRi); n_src entries. */
const int *sepbench_result_permutation(const sepbench_result *r);
/* The same for the SI family (PIT SI-SDR: the best mean SI-SDR). */
const int *sepbench_result_permutation_si(const sepbench_result *r);
/* With frame_permutation: n_src * n_frames ([j * n_frames + k]), -1 in
 * NaN frames; else NULL. */
const int *sepbench_result_frame_permutation(const sepbench_result *r);
/* Why frame k is NaN: n_frames bytes, SEPBENCH_FRAME_REF_SILENT and/or
 * SEPBENCH_FRAME_EST_SILENT; 0 for a scored frame. */
enum { SEPBENCH_FRAME_REF_SILENT = 1, SEPBENCH_FRAME_EST_SILENT = 2 };
const unsigned char *sepbench_result_frame_flags(const sepbench_result *r);
/* Why some values are NaN ("reference 2 is silent"); "" when nothing. */
const char *sepbench_result_note(const sepbench_result *r);
/* PS/PM series s: n_src * sepbench_result_pspm_frames values, frame k
 * covering [k hop, (k + 1) hop) s with hop = sepbench_result_pspm_hop;
 * NULL without SEPBENCH_GROUP_PSPM. */
const double *sepbench_result_pspm(const sepbench_result *r, int s);
int64_t sepbench_result_pspm_frames(const sepbench_result *r);
double sepbench_result_pspm_hop(const sepbench_result *r);

#ifdef __cplusplus
}
#endif

#endif /* SEPBENCH_SEPBENCH_H */
