/*
 * datasets/musdb.h — the MUSDB18-HQ and MUSDB18 readers.
 *
 * MUSDB18-HQ: <root>/<subset>/<track>/mixture.wav plus one <target>.wav
 * per stem (vocals, drums, bass, other; further *.wav files are further
 * targets).  MUSDB18: <root>/<subset>/<track>.stem.mp4, each target a
 * stream reference "<file>#<n>" read by stem_mp4.h.  Subsets: "train" and
 * "test"; "valid" is the 14-track validation split of the musdb package
 * (train tracks, names in musdb's mus.yaml), "train-split" the other 86
 * train tracks.  Tracks are only checked to exist, not read.
 *
 * Every reader returns a finished suite (sb_suite_finish: sorted, same
 * targets on every track) of kind "musdb18hq" or "musdb18", rate 44100,
 * mix_is_sum 1, with a one-line description; *out is NULL on failure.
 * Thread-safety: none needed (no shared state).
 */
#ifndef SB_DATASETS_MUSDB_H
#define SB_DATASETS_MUSDB_H

#include "datasets/suite.h"
#include "sepbench/error.h"

/* MUSDB18-HQ at a root that must hold <subset>/ (MUSDB_PATH); the four
 * musdb targets of every track are listed even when a file is missing
 * (suites validate reports it, a run fails that track only).  label
 * prefixes messages ("MUSDB_PATH=/data/musdb").  SB_ENOTFOUND (no root,
 * no subset folder, no track folder), SB_EINVAL (a bad track name),
 * SB_EIO, SB_ENOMEM. */
sb_err sb_musdb_open_root(const char *name, const char *root, const char *subset, const char *label, sb_suite **out,
                          sb_msg *msg);

/* A folder given as a path: a MUSDB18-HQ-like root holding <subset>/, or
 * a folder of track folders (its name is the subset).  Every track needs
 * a mixture.wav; its targets are its other *.wav files.  SB_ENOTFOUND
 * (the subset folder is missing where test/ or train/ exist, a track
 * without mixture.wav or stems, a target missing from a track), SB_EINVAL,
 * SB_EIO, SB_ENOMEM. */
sb_err sb_musdb_open_folder(const char *name, const char *path, const char *subset, sb_suite **out, sb_msg *msg);

/* MUSDB18 (.stem.mp4): path is a root holding <subset>/ (required when
 * env_label, naming the variable the path came from, is not NULL), a
 * folder of .stem.mp4 files (its name is the subset) or one such file.
 * SB_EUNSUPPORTED in a build without FFmpeg (the message says how to
 * rebuild or convert), SB_ENOTFOUND (no subset folder, no .stem.mp4
 * file), SB_EINVAL, SB_EIO, SB_ENOMEM. */
sb_err sb_musdb_open_stems(const char *name, const char *path, const char *subset, const char *env_label,
                           sb_suite **out, sb_msg *msg);

/* Appends every track folder <tracks_dir>/<track>/ of the MUSDB18-HQ
 * layout to s (the built-in music suites use it too) and finishes s.
 * subset names the tracks' subset and filters "valid" / "train-split".
 * strict 1: every track needs a mixture.wav; strict 0 (a MUSDB18-HQ root,
 * whose targets are known): a missing mixture.wav or musdb stem is listed
 * anyway.  Errors as sb_musdb_open_folder. */
sb_err sb_musdb_read_tracks(sb_suite *s, const char *tracks_dir, const char *subset, int strict, sb_msg *msg);

/* 1 when name is in the musdb validation split (14 train tracks). */
int sb_musdb_is_validation(const char *name);

#endif /* SB_DATASETS_MUSDB_H */
