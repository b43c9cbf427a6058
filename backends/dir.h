/*
 * backends/dir.h — precomputed estimates (`--backends dir:PATH`):
 * instead of separating, reads the estimates of each track from disk in
 * one of the layouts of datasets/estimates.h (`sepbench run --est-layout`,
 * `--est-pattern`):
 *
 *   museval   PATH/<subset>/<track>/<target>.wav when that track folder
 *             exists, else PATH/<track>/<target>.wav (sigsep-mus-eval)
 *   demucs    PATH/<model>/<track>/<target>.{wav,flac,mp3} (PATH holding
 *             one model folder)
 *   asteroid  PATH/<track>_est<K>.wav, K = 1-based target index
 *   pattern   PATH/<template>, e.g. "{track}/{target}.wav"
 *   auto      (default) museval, demucs, asteroid: the first layout in which
 *             the track's first target exists; the others then must exist
 *             in that same layout
 *
 * Each estimate is read (sb_audio_read), cut to the track's excerpt when it
 * has one (whole-file estimates; sb_track_audio_cut), checked for rate,
 * channels and finite samples, and zero-padded or truncated to the
 * reference length (museval's pad_or_truncate), which is reported in a
 * note.  A missing file is a failed item naming the file looked for.
 *
 * Workload: a few stat calls and n_targets file reads per item.
 * Thread-safety: a backend is read-only after _new; _separate may run
 * concurrently.
 */
#ifndef SB_BACKENDS_DIR_H
#define SB_BACKENDS_DIR_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/estimates.h"
#include "datasets/suite.h"
#include "sepbench/backend.h"
#include "sepbench/error.h"

typedef struct sb_dir_backend sb_dir_backend;

/* Checks that root is a folder and the layout is consistent: pattern is
 * required with SB_EST_PATTERN and refused with any other layout (NULL or
 * "" = none).  Root and pattern are copied.  *out is NULL on failure.
 * SB_EINVAL (NULL out, empty root, pattern without SB_EST_PATTERN or the
 * reverse, a template sb_estimates_expand refuses), SB_ENOTFOUND ("dir:PATH:
 * no such folder"), SB_ENOMEM. */
sb_err sb_dir_backend_new(const char *root, sb_est_layout layout, const char *pattern, sb_dir_backend **out,
                          sb_msg *msg);

/* Fills job->est[t] (job->n_samples samples per channel, the references' length) from
 * the files of track->stem_names[t]; job->targets must be the track's
 * targets.  When an estimate had another length, note (size note_len, may
 * be NULL) gets "estimate 'T' (PATH): N samples, zero-padded|truncated to
 * M" (several joined with "; "), else "".  On failure job->errbuf gets
 * "dir:PATH: <reason naming the file>".  Errors: SB_EINVAL (malformed job,
 * targets that are not the track's), SB_ENOTFOUND (no file), SB_EIO,
 * SB_EFORMAT (unreadable audio), SB_ELENGTH (excerpt after the end of the
 * file), SB_ERATE, SB_ECHAN, SB_ENONFINITE, SB_ENOMEM. */
sb_err sb_dir_backend_separate(const sb_dir_backend *d, const sb_track *track, const sb_separation *job, char *note,
                               size_t note_len);

/* The estimate files of track, one per target in track->stem_names order:
 * the layout chosen for the track as _separate chooses it (auto probes
 * the first target), then sb_estimates_locate.  *paths (free with
 * sb_estimates_free_paths(paths, track->n_stems)) is NULL on failure.
 * msg is the reason alone (no "dir:PATH: " prefix).  Errors: SB_EINVAL
 * (NULL argument), SB_ENOTFOUND (a file missing: msg names the file looked
 * for), SB_EIO, SB_ENOMEM. */
sb_err sb_dir_backend_locate(const sb_dir_backend *d, const sb_track *track, char ***paths, sb_msg *msg);

/* Appends to note (size note_len; NULL or 0: nothing) the note of an
 * estimate of target read from path with n_file samples, fitted to n_ref:
 * "estimate 'T' (PATH): N samples, zero-padded|truncated to M", after
 * "; " when note is not empty. */
void sb_dir_backend_note_refit(char *note, size_t note_len, const char *target, const char *path, int64_t n_file,
                               int64_t n_ref);

/* Frees; accepts NULL and *d == NULL; sets *d to NULL. */
void sb_dir_backend_free(sb_dir_backend **d);

#endif /* SB_BACKENDS_DIR_H */
