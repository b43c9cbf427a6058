/*
 * sepbench/sepbench.h — the public C API of libsepbench: scoring signals
 * held in memory with BSS Eval v4 (museval) and v3 (mir_eval), images or
 * sources criterion, whole or framewise, with or without a permutation, the
 * scale-invariant family (SI-SDR, SI-SIR, SI-SAR, SD-SDR), SNR, the global
 * SDR of the Music Demixing Challenge, improvements over a mixture and
 * PS/PM (MAPSS).  Results come back in plain arrays.  The second half
 * opens a results store, lists its runs, items and values, and writes a
 * result into it (see "store" below).
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
  SEPBENCH_GROUP_PSPM = 1u << 6,    /* PS/PM series + whole (MAPSS) */
  SEPBENCH_GROUP_STOI = 1u << 7,    /* STOI as pystoi 0.4.1 (whole; dSTOI with a mixture) */
  SEPBENCH_GROUP_ESTOI = 1u << 8,   /* ESTOI as pystoi 0.4.1 (whole; dESTOI with a mixture) */
  SEPBENCH_GROUP_SASDR = 1u << 9    /* SA-SDR, SI-SA-SDR of all sources jointly (per track) */
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
  /* Appended in interface 2 (libtool 2:0:1): */
  int frames_only;        /* with win > 0: the framewise BSS values only; the
                             whole-signal ISR/SIR/SAR are NaN and not computed
                             (museval.evaluate's output, about half the work) */
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
  SEPBENCH_STOI, SEPBENCH_ESTOI, SEPBENCH_DSTOI, SEPBENCH_DESTOI,
  SEPBENCH_VALUE_COUNT
};
/* Per-track metrics (sepbench_result_track): SA-SDR and SI-SA-SDR of all
 * sources jointly (Neumann et al., ICASSP 2022; torchmetrics'
 * source_aggregated_signal_distortion_ratio, zero_mean as the SI family). */
enum { SEPBENCH_SA_SDR = 0, SEPBENCH_SI_SA_SDR, SEPBENCH_TRACK_COUNT };
/* PS/PM 20-ms series (sepbench_result_pspm). */
enum { SEPBENCH_SERIES_PS = 0, SEPBENCH_SERIES_PM, SEPBENCH_SERIES_COUNT };

/* Names as the store and the JSON spell them ("SDR", "SI-SDR",
 * "global_SDR", ...); NULL out of range. */
const char *sepbench_value_name(int value);
const char *sepbench_frame_name(int frame_metric);
const char *sepbench_track_name(int track_metric);

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
/* Per-track metric m (SEPBENCH_SA_SDR, ...); NaN when not computed. */
double sepbench_result_track(const sepbench_result *r, int m);
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

/* ------------------------------------------------------------------ store
 * The results store (one SQLite file; the sepbench program's --store):
 * open it, list its runs, items and stored values, and write a result of
 * sepbench_evaluate as the item (track, method) of a suite, so it shows
 * in `sepbench leaderboard` beside the items of `sepbench run`.
 *
 * Thread-safety: one store handle is one connection: use it from one
 * thread at a time.  Strings of the rows handed to a callback are valid
 * during the callback only.  A callback returns SB_OK to go on, anything
 * else stops the listing and is returned.  Every function fills msg (may
 * be NULL) with a one-line reason naming the file: SB_EINVAL (NULL
 * arguments), SB_ENOTFOUND (no such store), SB_EIO (cannot create; a
 * read-only store opened for writing), SB_EDB (not a sepbench store, an
 * SQLite error), SB_ENOMEM; SB_EINVAL also for a write to a store opened
 * for reading. */
typedef struct sepbench_store sepbench_store;

enum { SEPBENCH_STORE_READ = 0, SEPBENCH_STORE_WRITE = 1 };

/* Opens path: SEPBENCH_STORE_READ needs an existing store (a read-only file
 * is fine); SEPBENCH_STORE_WRITE creates it when absent.  Either migrates
 * an older schema.  *out is NULL on failure. */
sb_err sepbench_store_open(const char *path, int mode, sepbench_store **out, sb_msg *msg);
/* Closes the store, *s = NULL; NULL and *s == NULL are accepted. */
void sepbench_store_close(sepbench_store **s);

/* The configuration key (metrics/metric_config.h: "v4;images;win=1;...")
 * of the newest item holding per-frame, else per-track, values of metric
 * ("SDR") in suite (NULL: any), into buf; "" when there is none (SB_OK).
 * SB_ELENGTH when the key needs more than len bytes. */
sb_err sepbench_store_newest_config(sepbench_store *s, const char *suite, const char *metric, char *buf,
                                    size_t len, sb_msg *msg);

/* One run (provenance; every text may be NULL). */
typedef struct sepbench_run {
  int64_t id;
  const char *started_at, *ended_at, *status; /* UTC ISO 8601; running/done/interrupted/failed */
  const char *sepbench_version, *git_revision, *host;
  const char *command, *suite, *backends, *metric_params;
} sepbench_run;
typedef sb_err (*sepbench_run_fn)(void *ctx, const sepbench_run *run, sb_msg *msg);
/* The runs that produced items of config (NULL: every run), newest first. */
sb_err sepbench_store_runs(sepbench_store *s, const char *config, sepbench_run_fn fn, void *ctx, sb_msg *msg);

/* One evaluated ('done') item. */
typedef struct sepbench_item {
  int64_t id;
  const char *suite, *method, *track;
  const char *subset; /* NULL when unknown */
} sepbench_item;
typedef sb_err (*sepbench_item_fn)(void *ctx, const sepbench_item *item, sb_msg *msg);
/* The items of config (required) in suite (NULL: any) of method (NULL:
 * any), ordered by method, track. */
sb_err sepbench_store_items(sepbench_store *s, const char *suite, const char *config, const char *method,
                            sepbench_item_fn fn, void *ctx, sb_msg *msg);

/* One stored value: frame >= 0 (time_s, duration_s in s) or a per-track
 * value (frame -1, times NaN); NaN for a stored NaN. */
typedef struct sepbench_value {
  const char *target, *metric;
  int64_t frame;
  double time_s, duration_s, value;
} sepbench_value;
typedef sb_err (*sepbench_value_fn)(void *ctx, const sepbench_value *v, sb_msg *msg);
/* The per-frame (per_track 0; by target, frame, metric) or per-track
 * (per_track 1; by target, metric) values of item item_id; no row for an
 * unknown id. */
sb_err sepbench_store_values(sepbench_store *s, int64_t item_id, int per_track, sepbench_value_fn fn, void *ctx,
                             sb_msg *msg);

/* Starts a run (status 'running'; every text may be NULL) and ends it
 * ("done", "interrupted", "failed"; SB_ENOTFOUND for an unknown id). */
sb_err sepbench_store_run_begin(sepbench_store *s, const char *command, const char *suite, const char *methods,
                                int64_t *run_id, sb_msg *msg);
sb_err sepbench_store_run_end(sepbench_store *s, int64_t run_id, const char *status, sb_msg *msg);

/* Where a result goes: suite, track and method are created by name when
 * new (an existing one keeps its kind/subset/backend); targets[j] names
 * reference j of the result (n_targets = its sources). */
typedef struct sepbench_item_info {
  int64_t run_id;              /* <= 0: no run */
  const char *suite, *track, *method;
  const char *subset;          /* may be NULL */
  int n_targets;
  const char *const *targets;
  double wall_s;               /* NaN: unknown */
} sepbench_item_info;

/* Stores r as the item (track, method) under the configuration key of the
 * options r was computed with (so items of other options never mix), in
 * one transaction.  An item already stored for that key is kept (SB_OK,
 * nothing written; as `sepbench run` resuming).  SB_EINVAL also for a
 * result of frame_permutation (mir_eval's per-frame permutation has no
 * stored form) or of rate <= 0. */
sb_err sepbench_store_put(sepbench_store *s, const sepbench_item_info *info, const sepbench_result *r, sb_msg *msg);

#ifdef __cplusplus
}
#endif

#endif /* SEPBENCH_SEPBENCH_H */
