/*
 * metrics/evaluate.h — one call that scores a group of estimates against
 * their references: framing and museval's silent-frame NaN rules
 * (framing.h), permutation (permutation.h), BSS Eval (bsseval.h), the
 * scale-invariant family (sisdr.h), global SDR (gsdr.h) and improvements
 * over the mixture.
 *
 * Conventions (shared/specs/bsseval.md):
 *  - estimates must already have the reference length (the caller applies
 *    museval's pad_or_truncate, sb_audio_fit_length);
 *  - framing: n_frames = floor((T - win + hop) / hop) if win < T else 1,
 *    frame k = [k hop, min(k hop + win, T)); the tail is not evaluated;
 *    in v3, fewer than 2 frames (win < T < win + hop) means one frame =
 *    the whole signal, mir_eval's rule (framing.h sb_framing_v3_single);
 *  - SB_SILENT_ALL (museval, default): a frame is NaN for every source and
 *    metric when any reference or any estimate is silent in it (sum over
 *    channels == 0 at every sample); SB_SILENT_PER_SOURCE (sepbench's opt-in)
 *    NaNs only the sources whose own reference or estimate is silent;
 *  - a silent reference never aborts the evaluation: its whole-signal values
 *    are NaN (except global SDR, which MDX defines for silent stems) and the
 *    reason is written to note ("reference 2 is silent", 0-based indices;
 *    the caller maps indices to names).  Under SB_SILENT_ALL every frame of
 *    every source is then NaN, as in museval (the note adds "and so is
 *    every frame (museval rule)" when framewise values are computed:
 *    SB_METRIC_BSS or SB_METRIC_SDR; STOI/ESTOI alone have no frames).  A silent estimate makes the
 *    BSS whole values (SDR, ISR, SIR, SAR) of its source NaN (museval and
 *    mir_eval refuse it) and its frames NaN; SNR, global SDR and the SI
 *    family follow their formulas.  A reference with zero energy is left
 *    out of the BSS Eval reference group (it spans nothing);
 *  - SDR (images): the SNR ||s||^2 / ||s_hat - s||^2 of the frame or whole
 *    signal, computed without filters (spec §1.4 "key consequence"): the
 *    fast path, identical to museval v4/v3 and mir_eval images SDR.  With
 *    SB_CRIT_SOURCES SDR comes from sb_bsseval (it depends on the filters).
 *    Whole-signal ISR/SIR/SAR come from an sb_bsseval on the whole signal.
 *    With one source SIR and SI-SIR are +inf (mir_eval#264).
 *  - SI family (SI-SDR, SI-SIR, SI-SAR, SD-SDR): whole signal, all channels
 *    stacked into one vector per source (sepbench's per-target number);
 *    zero_mean subtracts the means first.  SNR: whole-signal
 *    ||s||^2 / ||s_hat - s||^2, no epsilon, no mean removal (equal to the
 *    images SDR).  Global SDR: MDX 2021 (gsdr.h).
 *  - improvements need a mixture: SDRi = SDR(estimate) - SDR(mixture as the
 *    estimate of that source) with the SDR of the criterion (images SNR, or
 *    bss_eval_sources SDR with SB_CRIT_SOURCES); SI-SDRi likewise with the
 *    stacked SI-SDR.  SDRi needs SB_METRIC_BSS or SB_METRIC_SDR, SI-SDRi
 *    needs SB_METRIC_SISDR; otherwise (or without a mixture) they are NaN.
 *
 *  - speech metrics (evaluate_speech.c): STOI and ESTOI (metrics/stoi.h,
 *    pystoi 0.4.1) of reference j against estimate perm[j], per channel
 *    then the mean over channels; dSTOI / dESTOI = the value minus that of
 *    the mixture as the estimate (SB_METRIC_IMPROVE and a mixture).  A
 *    rate below 8000 Hz, a silent reference, or fewer than 30 frames
 *    after silent-frame removal (then 1e-5, pystoi's value) are reasons
 *    written to note, never errors.  SA-SDR and SI-SA-SDR (metrics/
 *    sasdr.h) of all sources jointly, estimate perm[j] for reference j,
 *    zero_mean as the SI family, in track.  Never a permutation of their
 *    own: the one of perm.
 *
 * Permutations (outputs are always indexed by REFERENCE j; perm[j] is the
 * estimate matched to reference j):
 *  - SB_PERM_NONE: identity.
 *  - SB_PERM_BRUTE: all n_src! permutations, first maximiser of the mean
 *    score (mir_eval; at most SB_PERM_BRUTE_MAX sources).  Score: SIR when
 *    BSS Eval runs — for framewise evaluation (win > 0) the mean of the
 *    framewise SIR over all frames (museval v4: one permutation for the whole
 *    track; any NaN frame makes every candidate NaN and the identity wins,
 *    as in museval), for win <= 0 the whole-signal SIR (mir_eval
 *    bss_eval_images/sources compute_permutation=True).  Without BSS Eval:
 *    the whole-signal images SDR (SNR, fast_bss_eval sdr()'s choice of
 *    score) when SB_METRIC_SDR is requested or SB_METRIC_SISDR is not, else
 *    perm = perm_si.  v3 uses the same single permutation (museval v3 would
 *    choose one per frame).
 *  - SB_PERM_HUNGARIAN: the same scores (framewise SIR averaged over the
 *    non-NaN frames) with fast_bss_eval's linear sum assignment.
 *  - perm_si: the SI family and SI-SDRi use their own permutation, the best
 *    by mean stacked SI-SDR (PIT SI-SDR, the speech convention: "PIT SI-SNR;
 *    SDR via BSS Eval with its own permutation"); equal to perm when no
 *    permutation is requested.
 *
 * Errors: NaN/Inf samples -> SB_ENONFINITE with msg naming the signal
 * ("estimate 1 channel 0 sample 4410: NaN"); shapes -> SB_ECHAN,
 * SB_ELENGTH, SB_ERATE, or SB_EINVAL for a different number of sources.
 *
 * Workload: one call per (track, method); 4 stereo sources of 3-10 min at
 * 44.1 kHz (music) or 2-3 mono sources of seconds (speech).  OpenMP inside;
 * results do not depend on the number of threads.
 */
#ifndef SB_METRICS_EVALUATE_H
#define SB_METRICS_EVALUATE_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"
#include "metrics/bsseval.h"
#include "metrics/framing.h"

/* Metric groups (bit mask). */
enum {
  SB_METRIC_BSS = 1u << 0,     /* SDR, ISR, SIR, SAR framewise + whole */
  SB_METRIC_SISDR = 1u << 1,   /* SI-SDR, SI-SIR, SI-SAR, SD-SDR (whole) */
  SB_METRIC_GSDR = 1u << 2,    /* global SDR (MDX 2021 / SDX 2023) */
  SB_METRIC_SNR = 1u << 3,     /* SNR (whole) */
  SB_METRIC_IMPROVE = 1u << 4, /* SDRi, SI-SDRi (needs a mixture) */
  SB_METRIC_SDR = 1u << 5,     /* framewise + whole images SDR only (no filters) */
  SB_METRIC_PSPM = 1u << 6,    /* PS/PM (MAPSS, metrics/pspm.h): 20-ms series + whole; opt-in */
  SB_METRIC_STOI = 1u << 7,    /* STOI (metrics/stoi.h, whole; dSTOI with improvements) */
  SB_METRIC_ESTOI = 1u << 8,   /* ESTOI (metrics/stoi.h, whole; dESTOI with improvements) */
  SB_METRIC_SASDR = 1u << 9,   /* SA-SDR, SI-SA-SDR of the whole track (metrics/sasdr.h) */
  SB_METRIC_DEFAULT = SB_METRIC_BSS | SB_METRIC_SISDR | SB_METRIC_GSDR | SB_METRIC_SNR | SB_METRIC_IMPROVE
};

typedef enum sb_perm_rule { SB_PERM_NONE = 0, SB_PERM_BRUTE, SB_PERM_HUNGARIAN } sb_perm_rule;

/* sb_silent_rule (SB_SILENT_ALL, SB_SILENT_PER_SOURCE) and the frame flags
 * SB_FRAME_REF_SILENT / SB_FRAME_EST_SILENT are defined in framing.h. */

typedef struct sb_eval_opts {
  unsigned metrics;     /* SB_METRIC_* mask (non-zero) */
  sb_bss_mode mode;     /* v4 (default) or v3 */
  sb_bss_crit crit;     /* images (default) or sources */
  sb_perm_rule perm;    /* none (default for music) */
  sb_silent_rule silent;
  int64_t win, hop;     /* samples; win <= 0 = whole signal; hop >= 1 when win > 0 */
  int filter_len;       /* 512; >= 1 when BSS Eval runs */
  int zero_mean;        /* SI-SDR family: subtract means first */
  int frames_only;      /* with win > 0: BSS Eval's framewise values only, the
                           whole-signal ISR/SIR/SAR (and the sources SDR) NaN
                           and not computed (museval.evaluate's output: about
                           half the work) */
  const char *const *names;         /* optional n_src target names used in note; NULL = indices */
  const char *pspm_embedder;        /* PS/PM embedder spec as the configuration names it (raw,
                                       logmel, file:DIR, cmd:TEMPLATE; backends/embedders.h);
                                       NULL = "raw" */
  const struct sb_embedder *pspm_embedder_api; /* the embedder of that spec (metrics/embedder.h,
                                       made by backends/embedders.h sb_embedder_new; not
                                       owned); NULL: the built-in raw or logmel one is made
                                       here, other specs are refused (SB_EINVAL) */
  struct sb_pspm_track *pspm_track; /* optional PS/PM reference-side cache for this very
                                       reference (metrics/pspm.h sb_pspm_track_new), reused
                                       across estimate sets; NULL = prepared per call.  Not
                                       owned; one thread at a time. */
} sb_eval_opts;

/* Sets the museval/SiSEC 2018 defaults for a sample rate: v4 images, 1 s
 * window and hop, 512 taps, no permutation, every metric.  rate <= 0 gives
 * the whole signal (win = hop = 0). */
void sb_eval_opts_default(sb_eval_opts *o, int rate);

/* Framewise metrics, in this order in sb_eval_result.frame. */
enum { SB_FM_SDR = 0, SB_FM_ISR, SB_FM_SIR, SB_FM_SAR, SB_FM_COUNT };
/* Whole-signal metrics, in this order in sb_eval_result.whole. */
enum {
  SB_WM_SDR = 0, SB_WM_ISR, SB_WM_SIR, SB_WM_SAR,
  SB_WM_SI_SDR, SB_WM_SI_SIR, SB_WM_SI_SAR, SB_WM_SD_SDR, SB_WM_SNR,
  SB_WM_GLOBAL_SDR, SB_WM_SDRI, SB_WM_SI_SDRI,
  SB_WM_PS, SB_WM_PM, /* PS/PM file-level means over the scored 20-ms frames */
  SB_WM_STOI, SB_WM_ESTOI, SB_WM_DSTOI, SB_WM_DESTOI, /* speech intelligibility, its improvements */
  SB_WM_COUNT
};

/* Per-track metrics (one value for all sources of a track), in this order
 * in sb_eval_result.track; names "SA-SDR", "SI-SA-SDR". */
enum { SB_TM_SA_SDR = 0, SB_TM_SI_SA_SDR, SB_TM_COUNT };
const char *sb_track_metric_name(int tm);

/* PS/PM 20-ms series, in this order in sb_eval_result.pspm; names "PS",
 * "PM", "PS_radius", "PM_radius" (deterministic error radii), "PS_ci",
 * "PM_ci" (high-probability radii, delta = 0.05). */
enum { SB_PSM_PS = 0, SB_PSM_PM, SB_PSM_PS_RADIUS, SB_PSM_PM_RADIUS, SB_PSM_PS_CI, SB_PSM_PM_CI,
       SB_PSM_COUNT };
const char *sb_pspm_metric_name(int psm);

/* Names used in JSON and in the store: "SDR", "ISR", ..., "SI-SDR",
 * "global_SDR", "SDRi", "SI-SDRi", "PS", "PM", "STOI", "ESTOI", "dSTOI",
 * "dESTOI".  NULL for an index out of
 * range. */
const char *sb_frame_metric_name(int fm);
const char *sb_whole_metric_name(int wm);

typedef struct sb_eval_result {
  int n_src;
  int rate;
  int64_t n_frames, win, hop;  /* framing actually used (samples; win as
                                  requested even when longer than the signal,
                                  win = hop = T for the whole signal and for
                                  v3's single whole-signal frame) */
  double *frame[SB_FM_COUNT];  /* n_src * n_frames each ([src * n_frames + k]);
                                  NULL when not computed; NaN for NaN frames;
                                  ISR is NaN with SB_CRIT_SOURCES */
  double *whole;               /* n_src * SB_WM_COUNT ([src * SB_WM_COUNT + m]);
                                  NaN when not computed */
  unsigned char *frame_flags;  /* n_frames, SB_FRAME_* (why a frame is NaN) */
  int *perm;                   /* n_src: estimate index matched to reference j
                                  (framewise metrics, SDR/ISR/SIR/SAR, SNR,
                                  global SDR, SDRi) */
  int *perm_si;                /* n_src: the same for the SI family and SI-SDRi */
  char note[512];              /* human-readable reasons (silent stems, ...);
                                  empty when there is nothing to report */
  int64_t pspm_n_frames;       /* PS/PM series (SB_METRIC_PSPM): frame k covers */
  double pspm_hop_s;           /* [k hop, (k + 1) hop) s, hop = 0.02 */
  double *pspm[SB_PSM_COUNT];  /* n_src * pspm_n_frames each, by reference (the
                                  estimate perm[j]); NaN where not scored; NULL
                                  when not requested */
  double *track;               /* SB_TM_COUNT per-track values (SB_METRIC_SASDR,
                                  estimate perm[j] for reference j); NULL when
                                  not requested */
} sb_eval_result;

/* Scores est against ref (same n_src, n_chan, n_samples and rate; est
 * already padded/truncated).  mix (one source, same shape) enables the
 * improvements; may be NULL.  Errors: SB_EINVAL (option values, source
 * counts), SB_ECHAN/SB_ELENGTH/SB_ERATE (shapes disagree), SB_ENONFINITE,
 * SB_ENOMEM, SB_ENUMERIC and SB_ELENGTH from BSS Eval (signal shorter than
 * filter_len); msg says which.  *out is NULL on failure.  Thread-safe. */
sb_err sb_evaluate(const sb_eval_opts *opts, const sb_sources *ref, const sb_sources *est,
                   const sb_sources *mix, sb_eval_result **out, sb_msg *msg);

/* Frees a result and sets *r to NULL; accepts NULL and *r == NULL. */
void sb_eval_result_free(sb_eval_result **r);

#endif /* SB_METRICS_EVALUATE_H */
