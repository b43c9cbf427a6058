/*
 * runners/eval_dirs.h — `sepbench eval`: scores estimates already on disk.
 *
 * References are the audio files of ref_dir (WAV, FLAC, OGG, MP3), one per
 * target, named <target>.<ext>; each is paired with the estimate of the same
 * name in est_dir.  Targets are ordered as MUSDB orders them (vocals, drums,
 * bass, other, accompaniment), then the remaining names sorted bytewise.
 * Estimates are padded or truncated to the reference length (museval's
 * pad_or_truncate) with a note; a missing estimate, a rate or channel
 * mismatch, NaN samples are errors naming the file, and so is a reference
 * or estimate name that is not a readable regular file (a folder, a FIFO,
 * a symbolic link loop, a folder that cannot be searched: SB_EIO, see
 * sb_path_check_file), never skipped.  Each file is decoded once:
 * references, estimates, then the mixture are held in memory as int16 or
 * float32 (exact for 8/16/24-bit PCM and float32 files) while they fit in
 * max_memory bytes, and the others are read on demand
 * (runners/stream_inputs.h), so memory stays within the budget plus a few
 * blocks per file whatever the track length (files of other formats are
 * streamed), unless PS/PM is requested or a file cannot be streamed
 * (.stem.mp4, MP3, OGG): then every file is loaded whole.
 *
 * Metrics users plug in (backends/user_metrics.h) score the same signals,
 * the estimates matched by the evaluation's permutation; they need the
 * signals whole, so with any of them every file is loaded whole.  One that
 * fails leaves its values NaN with the reason (result->scores), and the
 * evaluation goes on.
 */
#ifndef SB_RUNNERS_EVAL_DIRS_H
#define SB_RUNNERS_EVAL_DIRS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "sepbench/error.h"
#include "backends/user_metrics.h"
#include "metrics/evaluate.h"

typedef struct sb_eval_dirs_opts {
  const char *ref_dir;   /* required */
  const char *est_dir;   /* required */
  const char *mix_path;  /* optional mixture (enables improvements) */
  double win_s, hop_s;   /* frame window and hop in seconds; win_s <= 0 = whole signal */
  sb_eval_opts eval;     /* metrics, mode, criterion, permutation, silent rule;
                            win/hop are derived from win_s/hop_s and the rate */
  const volatile sig_atomic_t *cancel; /* non-zero: stop a running cmd: PS/PM embedder program
                                          (backends/embedders.h); NULL = never */
  int n_user_metrics;    /* plug-in metrics: specs "plugin:PATH[:...]" or "cmd:NAME" */
  const char *const *user_metrics;
  sb_user_metric_env metric_env; /* the metric config, plugin isolation and limit */
  int64_t max_memory;    /* bytes of decoded audio held in memory; 0 = SB_STREAM_INPUTS_MAX_MEMORY
                            (1 GiB, runners/stream_inputs.h), < 0 = none (every file streamed) */
} sb_eval_dirs_opts;

/* What an evaluation of two folders gives, for the caller to write
 * (`sepbench eval` prints it as JSON or as a table). */
typedef struct sb_eval_dirs_result {
  sb_eval_result *result; /* by reference order */
  int n_targets;
  char **targets;         /* n_targets target names, reference order */
  sb_eval_opts eval;      /* the options used, win/hop in samples; eval.names
                             points into targets */
  sb_user_metric_table *metrics; /* the plug-in metrics (NULL when none) */
  sb_user_scores *scores;        /* their values, by reference order (NULL when none) */
} sb_eval_dirs_result;

/* Evaluates; *out (free with sb_eval_dirs_result_free) is NULL on failure.
 * Notes (padding, silent stems) go to err_out (may be NULL), one line each,
 * prefixed "sepbench: ".  Sets OpenBLAS to one thread (process-wide) so
 * that results do not depend on the machine.  Errors as above, plus
 * SB_EINVAL (NULL argument, a missing folder option, a window or hop the
 * framing refuses), SB_ENOTFOUND (no reference files; missing estimate),
 * SB_EIO, SB_ENOMEM, the errors of sb_evaluate, those of the PS/PM embedder
 * (backends/embedders.h; SB_EINTERRUPT once cancel is set) and those of
 * opening a plug-in metric (sb_user_metric_table_open: before any file is read). */
sb_err sb_eval_dirs(const sb_eval_dirs_opts *opts, sb_eval_dirs_result **out, FILE *err_out, sb_msg *msg);

/* Frees a result; accepts NULL and *r == NULL; sets *r to NULL. */
void sb_eval_dirs_result_free(sb_eval_dirs_result **r);

#endif /* SB_RUNNERS_EVAL_DIRS_H */
