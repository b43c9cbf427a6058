/*
 * datasets/suite.h — the suite/track model every reader fills: a suite is
 * a named list of tracks, each with a mixture and named reference stems.
 *
 * Readers (musdb.h, speech_sets.h, manifest.h) build a suite with
 * sb_suite_new / sb_suite_add_track / sb_track_add_stem and end with
 * sb_suite_finish; the resolver (resolve.h) picks the reader and applies
 * the selection (sb_suite_select).  Track and target order is
 * deterministic (tracks sorted bytewise by name; targets in the canonical
 * order of common/targets.h).  Every track of a suite has the same
 * targets.  Track names may contain any character but '/' and control
 * characters, and are valid UTF-8 (MUSDB has & ' ( ) and spaces): quote
 * them when building commands.  Nested layouts (EchoSet) join their
 * folder names with "__".
 * Thread-safety: a suite is read-only once built and may be shared.
 */
#ifndef SB_DATASETS_SUITE_H
#define SB_DATASETS_SUITE_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

typedef struct sb_track {
  char *name;        /* e.g. "Al James - Schoolboy Facination" */
  char *subset;      /* "test", "train", "demo", ... */
  char *mix_path;    /* mixture file; NULL when the suite has none */
  int n_stems;
  char **stem_names; /* target names, suite order */
  char **stem_paths; /* reference files, same order; for a derived stem a
                        label naming its parts (not a file) */
  char *tags;        /* comma-separated tags from a manifest, or NULL */
  int64_t n_samples_declared; /* length a manifest declares (samples per
                        channel, whole files), 0 = not declared */
  double excerpt_start; /* seconds into the files where the track starts, >= 0 */
  double excerpt_len;   /* seconds to use; <= 0 = to the end of the files */
  int *stem_n_parts;    /* NULL when every stem is one file; else per stem 0
                           (the file stem_paths[k]) or the number (>= 2) of
                           files summed into a derived stem */
  char ***stem_parts;   /* NULL, or per stem NULL or stem_n_parts[k] files */
} sb_track;

typedef struct sb_suite {
  char *name;        /* "music", "tiny", or the path given */
  char *kind;        /* "musdb18hq", "demo-music", "tiny" */
  char *root;        /* MUSDB: the folder holding <subset>/ (tracks are at
                        root/subset/name); built-in suites: the cache folder
                        holding the track folders directly */
  char *description; /* one line for humans ("built-in demo music suite ...") */
  int rate;          /* sample rate the layout prescribes in Hz, 0 = any */
  int mix_is_sum;    /* 1 when the mixture should equal the sum of the stems
                        (MUSDB, WSJ0-2mix, LibriMix sep_clean, built-in
                        music); 0 when it also holds noise (EchoSet) */
  int n_tracks;
  sb_track *tracks;
} sb_suite;

typedef struct sb_suite_opts {
  const char *subset;    /* MUSDB subset, NULL = "test" */
  const char *cache_dir; /* where demo suites are generated, NULL = default */
  int quiet;             /* no progress messages on stderr when generating */
  /* Selection, applied after reading (all optional, zero = none): */
  const char *tracks;    /* keep tracks whose name contains one of these
                            comma-separated substrings */
  int limit;             /* keep at most this many tracks (> 0) */
  double excerpt_start;  /* seconds; with excerpt_len > 0 every track is cut
                            to [start, start + len) when loaded */
  double excerpt_len;
  const char *targets;   /* comma-separated targets to keep, in that order's
                            canonical order; "accompaniment" is derived as
                            drums + bass + other when a track lacks it */
  const char *variant;   /* LibriMix task: "sep_clean" (default) or
                            "sep_noisy" */
  const char *config;    /* suites config file, NULL = default (registry.h) */
} sb_suite_opts;

/* Subsets: MUSDB "train", "test", "valid" and "train-split" (musdb.h);
 * speech layouts use their own split names ("test", "tt", "dev", ...).  For
 * manifests the subset only filters when given explicitly. */

/* Frees a suite and sets *s to NULL; accepts NULL and *s == NULL. */
void sb_suite_free(sb_suite **s);

/* 1 when kind is a speech-separation dataset's ("echoset", "tiger",
 * "librimix", "wsj0-2mix", "demo-speech"), whose runs add the speech
 * metrics by default (runners/run.h speech_defaults); else 0 (NULL too). */
int sb_suite_kind_is_speech(const char *kind);

/* --- building suites (for the readers) ----------------------------------- */

/* New empty suite (name, kind and root copied; root may be NULL).
 * SB_ENOMEM. */
sb_err sb_suite_new(const char *name, const char *kind, const char *root, sb_suite **out);

/* Appends a track (name, subset and mix_path copied; mix_path may be NULL)
 * and returns it in *out (valid until the next append).  SB_EINVAL with
 * msg when the name, or a non-empty subset (a folder name in estimate
 * layouts), is not a valid name (sb_track_name_check), SB_ENOMEM. */
sb_err sb_suite_add_track(sb_suite *s, const char *name, const char *subset, const char *mix_path,
                          sb_track **out, sb_msg *msg);

/* Appends a reference stem (name and path copied).  SB_EINVAL when the
 * name repeats or is not a valid target name, SB_ENOMEM. */
sb_err sb_track_add_stem(sb_track *t, const char *name, const char *path, sb_msg *msg);

/* Checks a track or target name: non-empty, at most 255 bytes, valid
 * UTF-8, no '/' and no control characters, not "." or "..".  what says
 * where it came from ("tracks.csv: line 4").  SB_EINVAL. */
sb_err sb_track_name_check(const char *name, const char *what, sb_msg *msg);

/* Sorts the tracks by name and every track's stems in the canonical order,
 * then checks that names are unique and every track has the first track's
 * targets.  SB_EINVAL (duplicate name), SB_ENOTFOUND (a target missing
 * from a track; msg names it), SB_ENOTFOUND for an empty suite. */
sb_err sb_suite_finish(sb_suite *s, sb_msg *msg);

/* Applies the selection of opts (tracks, limit, excerpt, targets; see
 * sb_suite_opts).  SB_ENOTFOUND (no track left; a target no track has,
 * or accompaniment without drums, bass and other), SB_EINVAL (negative
 * excerpt), SB_ENOMEM. */
sb_err sb_suite_select(sb_suite *s, const sb_suite_opts *opts, sb_msg *msg);

#endif /* SB_DATASETS_SUITE_H */
