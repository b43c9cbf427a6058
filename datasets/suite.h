/*
 * datasets/suite.h — suites: named lists of tracks, each with a mixture and
 * named reference stems.
 *
 * A suite is resolved from a name or a path:
 *   "music"    MUSDB18-HQ at $MUSDB_PATH (subset "test" by default; layout
 *              <root>/<subset>/<track>/{mixture,vocals,drums,bass,other}.wav),
 *              otherwise the built-in demo music suite rendered from MIDI
 *              (see demo_music.h), announced on stderr by the caller;
 *   "tiny"     the small built-in synthetic suite generated without any
 *              package (unit tests, smoke runs);
 *   a folder   MUSDB18-HQ-like: either a root holding <subset>/ folders, or
 *              a subset folder itself; every track folder holds mixture.wav
 *              and its targets as <target>.wav.
 * The names "music" and "tiny" win over folders of the same name (write
 * ./music for a folder).  Track and target order is deterministic (tracks
 * sorted bytewise by name; targets in musdb order vocals, drums, bass,
 * other, then any others sorted).  Every track of a suite must have the
 * same targets; from MUSDB_PATH all four musdb targets are required.
 * Names may contain any character but '/' (MUSDB has & ' ( ) and spaces):
 * quote them when building commands.  Not thread-safe while a built-in
 * suite is generated (two processes are fine, see tiny_suite.h).
 */
#ifndef SB_DATASETS_SUITE_H
#define SB_DATASETS_SUITE_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_track {
  char *name;        /* e.g. "Al James - Schoolboy Facination" */
  char *subset;      /* "test", "train", "demo", ... */
  char *mix_path;    /* mixture file; NULL when the suite has none */
  int n_stems;
  char **stem_names; /* target names, suite order */
  char **stem_paths; /* reference files, same order */
} sb_track;

typedef struct sb_suite {
  char *name;        /* "music", "tiny", or the path given */
  char *kind;        /* "musdb18hq", "demo-music", "tiny" */
  char *root;        /* MUSDB: the folder holding <subset>/ (tracks are at
                        root/subset/name); built-in suites: the cache folder
                        holding the track folders directly */
  char *description; /* one line for humans ("built-in demo music suite ...") */
  int n_tracks;
  sb_track *tracks;
} sb_suite;

typedef struct sb_suite_opts {
  const char *subset;    /* MUSDB subset, NULL = "test" */
  const char *cache_dir; /* where demo suites are generated, NULL = default */
  int quiet;             /* no progress messages on stderr when generating */
} sb_suite_opts;

/* Resolves spec (see above) into a suite, generating a built-in suite into
 * the cache directory on first use (tiny: under a second; demo music: a few
 * seconds, one progress line per song on stderr unless opts->quiet).  The
 * audio files are only checked to exist, not read.  opts may be NULL.
 * Errors: SB_EINVAL (empty spec, a subset name with '/', spec is a file),
 * SB_ENOTFOUND (unknown name, missing folder, empty folder, a track without
 * mixture.wav or stems, a track missing a target the others have, MUSDB_PATH
 * not a MUSDB18-HQ tree — msg names the missing file), SB_EIO (cannot
 * list or write the cache), SB_EUNSUPPORTED ("music" without MUSDB_PATH in a
 * build without FluidSynth), the errors of sb_demo_music_ensure, SB_ENOMEM;
 * msg says which file or name.  *out is NULL on failure. */
sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg);

/* Default cache directory: $SEPBENCH_CACHE, else $XDG_CACHE_HOME/sepbench
 * (when absolute), else $HOME/.cache/sepbench; empty variables count as
 * unset.  Writes into buf (size len); the folder is not created.
 * SB_EINVAL if it does not fit, SB_ENOTFOUND when none is set. */
sb_err sb_suite_default_cache(char *buf, size_t len);

/* Frees a suite and sets *s to NULL; accepts NULL and *s == NULL. */
void sb_suite_free(sb_suite **s);

#endif /* SB_DATASETS_SUITE_H */
