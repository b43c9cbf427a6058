/*
 * runners/eval_dirs.h — `sepbench eval`: scores estimates already on disk.
 *
 * References are the audio files of ref_dir (WAV, FLAC, OGG, MP3), one per
 * target, named <target>.<ext>; each is paired with the estimate of the same
 * name in est_dir.  Targets are ordered as MUSDB orders them (vocals, drums,
 * bass, other, accompaniment), then the remaining names sorted bytewise.
 * Estimates are padded or truncated to the reference length (museval's
 * pad_or_truncate) with a note; a missing estimate, a rate or channel
 * mismatch, NaN samples are errors naming the file.  The files are read
 * on demand (datasets/audio_stream.h), so memory does not grow with the
 * track length, unless PS/PM is requested or a file cannot be streamed
 * (.stem.mp4, MP3, OGG): then every file is loaded whole.
 */
#ifndef SB_RUNNERS_EVAL_DIRS_H
#define SB_RUNNERS_EVAL_DIRS_H

#include <signal.h>
#include <stdio.h>
#include "sepbench/error.h"
#include "metrics/evaluate.h"

typedef enum sb_eval_format { SB_EVAL_JSON = 0, SB_EVAL_TABLE } sb_eval_format;

typedef struct sb_eval_dirs_opts {
  const char *ref_dir;   /* required */
  const char *est_dir;   /* required */
  const char *mix_path;  /* optional mixture (enables improvements) */
  double win_s, hop_s;   /* frame window and hop in seconds; win_s <= 0 = whole signal */
  sb_eval_opts eval;     /* metrics, mode, criterion, permutation, silent rule;
                            win/hop are derived from win_s/hop_s and the rate */
  sb_eval_format format;
  const volatile sig_atomic_t *cancel; /* non-zero: stop a running cmd: PS/PM embedder program
                                          (backends/embedders.h); NULL = never */
} sb_eval_dirs_opts;

/* Evaluates and writes the result to out (JSON contract of result_json.h,
 * or a text table).  Notes (padding, silent stems) go to err_out, one line
 * each, prefixed "sepbench: ".  Sets OpenBLAS to one thread (process-wide)
 * so that results do not depend on the machine.  Errors as above, plus SB_ENOTFOUND (no
 * reference files; missing estimate), SB_EIO, and the PS/PM embedder's
 * (backends/embedders.h; SB_EINTERRUPT once cancel is set). */
sb_err sb_eval_dirs(const sb_eval_dirs_opts *opts, FILE *out, FILE *err_out, sb_msg *msg);

#endif /* SB_RUNNERS_EVAL_DIRS_H */
