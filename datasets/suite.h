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
 *   a folder   containing MUSDB18-HQ-like track folders.
 * Track and target order is deterministic (sorted by name; targets in musdb
 * order vocals, drums, bass, other, then any others sorted).
 */
#ifndef SB_DATASETS_SUITE_H
#define SB_DATASETS_SUITE_H

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
  char *root;        /* directory holding the audio */
  char *description; /* one line for humans ("built-in demo music suite ...") */
  int n_tracks;
  sb_track *tracks;
} sb_suite;

typedef struct sb_suite_opts {
  const char *subset;    /* MUSDB subset, NULL = "test" */
  const char *cache_dir; /* where demo suites are generated, NULL = default */
  int quiet;             /* no progress messages on stderr when generating */
} sb_suite_opts;

/* Resolves spec (see above) into a suite, generating a demo suite into the
 * cache directory on first use.  Errors: SB_ENOTFOUND (unknown name, empty
 * folder), SB_EIO, SB_EFORMAT, SB_EUNSUPPORTED (demo needs FluidSynth that
 * is not built in), SB_ENOMEM; msg says which file or name. */
sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg);

/* Default cache directory: $SEPBENCH_CACHE, else $XDG_CACHE_HOME/sepbench,
 * else $HOME/.cache/sepbench.  Writes into buf (size len). SB_EINVAL if it
 * does not fit. */
sb_err sb_suite_default_cache(char *buf, size_t len);

void sb_suite_free(sb_suite **s);

#endif /* SB_DATASETS_SUITE_H */
