/*
 * backends/embedders.h — every PS/PM frame embedder behind the interface
 * of metrics/embedder.h, chosen by the --pspm-embedder spec, among them
 * the two that touch the file system: "file:DIR" reads precomputed
 * embeddings, "cmd:TEMPLATE" runs an external program.  metrics/ receives
 * the result as an sb_embedder and never reads those files or starts the
 * program itself.
 *
 * Specs:
 *  "raw", "logmel" (NULL or "" = "raw")  the built-in embedders of
 *              metrics/embedders.h.
 *  "file:DIR"  DIR/<name>.npy for each signal name (metrics/embedder.h),
 *              little-endian float32 or float64, C order, shape (T, D) or
 *              (1, T, D) (common/npy.h) with T >= the signal's frame count
 *              (extra frames are ignored) and the same D for every file.
 *  "cmd:TEMPLATE" an external program, run without a shell through
 *              common/subprocess.h: TEMPLATE is split at spaces into argv
 *              (no quoting; at most 63 words); the token {list} is replaced
 *              by the path of a text file whose lines are
 *              "<input.wav>\t<output.npy>" (float32 WAV, 16 kHz mono); the
 *              program must write every output .npy (format as "file:"),
 *              which are then read back.  Files live in a fresh directory
 *              under $TMPDIR (or /tmp), removed afterwards with anything
 *              else the program left there.  The program's standard output
 *              and error are captured, never shown on sepbench's standard
 *              output (which carries results); when the program fails the
 *              message ends with the tail of its stderr.  Each run has a
 *              time limit (SB_EMBEDDER_TIMEOUT_S unless given) and a cancel
 *              flag; on either the program's whole process group is killed.
 *              Its exit status must be 0.  One program run per call: PS/PM
 *              hands over a whole distortion bank at once (batch = 1).
 *
 * Workload: see metrics/embedder.h; a cmd: program runs 1 + 3 S times per
 * track of S references (the dimension probe, each reference, each PS and
 * PM bank) plus S times per estimate set (each estimate).  Thread-safety: an embedder is
 * immutable; calls may run concurrently (each cmd: call has its own
 * directory).
 */
#ifndef SB_BACKENDS_EMBEDDERS_H
#define SB_BACKENDS_EMBEDDERS_H

#include <signal.h>
#include "sepbench/error.h"
#include "metrics/embedder.h"

/* The default time limit of one cmd: program run, seconds (the command
 * backends' default, backends/command.h). */
#define SB_EMBEDDER_TIMEOUT_S 3600.0

/* How cmd: programs run.  Zero-initialised = no limit and no cancel; use
 * sb_embedder_new for the defaults. */
typedef struct sb_embedder_opts {
  double timeout_s;                    /* per program run; <= 0: none */
  const volatile sig_atomic_t *cancel; /* non-zero: kill the running program (Ctrl-C); NULL = never */
} sb_embedder_opts;

/* Parses spec (see above) with the default time limit and no cancel flag;
 * free with sb_embedder_free.  *out is NULL on failure.  SB_EINVAL with
 * msg for an unknown kind or an empty DIR/TEMPLATE, SB_ENOMEM. */
sb_err sb_embedder_new(const char *spec, sb_embedder **out, sb_msg *msg);

/* sb_embedder_new with the cmd: run options of opts (NULL = the defaults
 * of sb_embedder_new); ignored by the other kinds. */
sb_err sb_embedder_new_opts(const char *spec, const sb_embedder_opts *opts, sb_embedder **out, sb_msg *msg);

/*
 * Errors of the file: and cmd: embedders' calls (metrics/embedder.h; msg
 * names the file, or the program): SB_EINVAL (signal names NULL; a
 * template without words or with more than 63), SB_EIO (missing or
 * unreadable .npy, no .npy written for a signal, program not found or not
 * executable, exited non-zero or killed by a signal, temporary files not
 * writable), SB_ETIMEOUT (the program ran past its time limit),
 * SB_EINTERRUPT (cancelled), SB_EFORMAT (see sb_npy_read; too few frames,
 * dimension 0 or differing between signals), SB_ENOMEM.
 */

#endif /* SB_BACKENDS_EMBEDDERS_H */
