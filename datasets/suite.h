/*
 * datasets/suite.h — suites: named lists of tracks, each with a mixture and
 * named reference stems, and the readers' common model.
 *
 * A suite is resolved from a spec (sb_suite_resolve):
 *   a registered name   "music", "speech", "tiny", "librimix" or a name from
 *                       the suites config file (see registry.h): MUSDB18-HQ
 *                       at $MUSDB_PATH, EchoSet at $ECHOSET_PATH, LibriMix at
 *                       $LIBRIMIX_PATH, else the built-in demo suites (music:
 *                       MIDI rendered, demo_music.h; speech: demo_speech.h);
 *   KIND:PATH           a path read with one reader: musdb18hq, musdb18
 *                       (.stem.mp4, stem_mp4.h: a root, a subset folder
 *                       or one file; MUSDB_PATH may hold it too; without
 *                       FFmpeg SB_EUNSUPPORTED), echoset, tiger (mix.json
 *                       s1.json s2.json), librimix, wsj0-2mix, manifest;
 *   a path              the layout is detected: *.json / *.csv files are
 *                       generic manifests (manifest.h), LibriMix metadata
 *                       CSVs or TIGER lists; folders holding <track>/mixture.wav
 *                       (MUSDB18-HQ, also under test/ train/), *.stem.mp4,
 *                       mix/ s1/ s2/ (WSJ0-2mix), mix.wav + spk1_reverb.wav
 *                       (EchoSet), mix.json (TIGER), metadata/ (LibriMix),
 *                       manifest.json / manifest.csv.
 * Registered names win over folders of the same name (write ./music for a
 * folder).  Track and target order is deterministic (tracks sorted bytewise
 * by name; targets in the canonical order of targets.h).  Every track of a
 * suite has the same targets.  Track names may contain any character but
 * '/' and control characters, and are valid UTF-8 (MUSDB has & ' ( ) and
 * spaces): quote them when building commands.  Nested layouts (EchoSet)
 * join their folder names with "__".  Not thread-safe while a built-in
 * suite is generated (two processes are fine, see tiny_suite.h).
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

/* Subsets: MUSDB "train" and "test"; "valid" is the 14-track validation
 * split of the musdb package (train tracks, names in musdb's mus.yaml) and
 * "train-split" the other 86 train tracks.  Speech layouts use their own
 * split names ("test", "tt", "dev", ...).  For manifests the subset only
 * filters when given explicitly. */

/* Resolves spec (see above) into a suite, generating a built-in suite into
 * the cache directory on first use (tiny: under a second; demo music: a few
 * seconds, one progress line per song on stderr unless opts->quiet).  The
 * audio files are only checked to exist, not read.  opts may be NULL.
 * The selection of opts is applied (sb_suite_select).
 * Errors: SB_EINVAL (empty spec, a subset name with '/', a file of no known
 * layout, bad names or numbers in a manifest), SB_EFORMAT (a malformed
 * manifest: msg has the line), SB_ENOTFOUND (unknown name, missing folder,
 * empty folder, a track without mixture.wav or stems, a track missing a
 * target the others have, MUSDB_PATH not a MUSDB18-HQ tree — msg names the
 * missing file), SB_EIO (cannot list or write the cache), SB_EUNSUPPORTED
 * ("music" without MUSDB_PATH in a build without FluidSynth, .stem.mp4
 * files in a build without FFmpeg), the errors of the demo suites' ensure functions,
 * SB_ENOMEM; msg says which file or name.  *out is NULL on failure. */
sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg);

/* Default cache directory: $SEPBENCH_CACHE, else $XDG_CACHE_HOME/sepbench
 * (when absolute), else $HOME/.cache/sepbench; empty variables count as
 * unset.  Writes into buf (size len); the folder is not created.
 * SB_EINVAL if it does not fit, SB_ENOTFOUND when none is set. */
sb_err sb_suite_default_cache(char *buf, size_t len);

/* Frees a suite and sets *s to NULL; accepts NULL and *s == NULL. */
void sb_suite_free(sb_suite **s);

/* 1 when name is in the musdb validation split (14 train tracks). */
int sb_musdb_is_validation(const char *name);

/* --- building suites (for the readers) ----------------------------------- */

/* New empty suite (name, kind and root copied; root may be NULL).
 * SB_ENOMEM. */
sb_err sb_suite_new(const char *name, const char *kind, const char *root, sb_suite **out);

/* Appends a track (name, subset and mix_path copied; mix_path may be NULL)
 * and returns it in *out (valid until the next append).  SB_EINVAL with
 * msg when the name is not a valid track name (sb_track_name_check),
 * SB_ENOMEM. */
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
