/*
 * runners/backend_dir.h — precomputed estimates (`--backends dir:PATH`):
 * instead of separating, reads the estimates of each track from disk, in
 * the layout museval expects (sigsep-mus-eval, the MUSDB18 estimates
 * folder):
 *
 *     PATH/<subset>/<track>/<target>.wav     (tried first)
 *     PATH/<track>/<target>.wav
 *
 * (.flac is accepted where .wav is absent).  An estimate must have the
 * track's rate and channel count; it is zero-padded or truncated to the
 * track's length (museval's pad_or_truncate).  A track without an estimate
 * folder, or a folder lacking a target, is a failed item naming the file
 * that was looked for.
 *
 * Workload: one folder look-up and n_targets file reads per item.
 * Thread-safety: a backend is read-only after _new; _separate may run
 * concurrently.
 */
#ifndef SB_RUNNERS_BACKEND_DIR_H
#define SB_RUNNERS_BACKEND_DIR_H

#include "sepbench/backend.h"
#include "sepbench/error.h"

typedef struct sb_dir_backend sb_dir_backend;

/* Checks that root is a folder.  *out is NULL on failure.  SB_EINVAL (NULL
 * argument or empty root), SB_ENOTFOUND ("PATH: no such folder"),
 * SB_ENOMEM. */
sb_err sb_dir_backend_new(const char *root, sb_dir_backend **out, sb_msg *msg);

/* Fills job->est[t] from the files of track job->track in subset (may be
 * NULL).  On failure job->errbuf gets "dir:PATH: <reason>".  Errors:
 * SB_EINVAL (malformed job), SB_ENOTFOUND (no folder or file), SB_EIO,
 * SB_EFORMAT (unreadable audio), SB_ERATE, SB_ECHAN, SB_ENONFINITE,
 * SB_ENOMEM. */
sb_err sb_dir_backend_separate(const sb_dir_backend *d, const char *subset, const sb_separation *job);

/* Frees; accepts NULL and *d == NULL; sets *d to NULL. */
void sb_dir_backend_free(sb_dir_backend **d);

#endif /* SB_RUNNERS_BACKEND_DIR_H */
