/*
 * datasets/resolve.h — the resolver: from a suite spec (--suite SPEC) to a
 * suite, above the readers and the built-in suites.
 *
 * A spec is, first match wins:
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
 * folder).  Not thread-safe while a built-in suite is generated (two
 * processes are fine, see tiny_suite.h); reads getenv.
 */
#ifndef SB_DATASETS_RESOLVE_H
#define SB_DATASETS_RESOLVE_H

#include <stddef.h>
#include "datasets/suite.h"
#include "sepbench/error.h"

/* Resolves spec (see above) into a suite, generating a built-in suite into
 * the cache directory on first use (tiny: under a second; demo music: a few
 * seconds, one progress line per song on stderr unless opts->quiet).  The
 * audio files are only checked to exist, not read.  opts may be NULL.
 * The selection of opts is applied (sb_suite_select).
 * Errors: SB_EINVAL (empty spec, a subset name with '/', a file of no known
 * layout, bad names or numbers in a manifest), SB_EFORMAT (a malformed
 * manifest or suites config: msg has the line), SB_ENOTFOUND (unknown name,
 * missing folder, empty folder, a track without mixture.wav or stems, a
 * track missing a target the others have, MUSDB_PATH not a MUSDB18-HQ tree
 * — msg names the missing file), SB_EIO (cannot list or write the cache),
 * SB_EUNSUPPORTED ("music" without MUSDB_PATH in a build without
 * FluidSynth, .stem.mp4 files in a build without FFmpeg), the errors of the
 * demo suites' ensure functions, SB_ENOMEM; msg says which file or name.
 * *out is NULL on failure. */
sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg);

/* Default cache directory of the built-in suites: $SEPBENCH_CACHE, else
 * $XDG_CACHE_HOME/sepbench (when absolute), else $HOME/.cache/sepbench;
 * empty variables count as unset.  Writes into buf (size len); the folder
 * is not created.  SB_EINVAL if it does not fit, SB_ENOTFOUND when none is
 * set. */
sb_err sb_suite_default_cache(char *buf, size_t len);

#endif /* SB_DATASETS_RESOLVE_H */
