/*
 * datasets/speech_sets.h — readers for the speech separation layouts of
 * ../shared/specs/conventions.md: EchoSet folders, TIGER's JSON lists,
 * LibriMix metadata CSVs and WSJ0-2mix folders.  Each returns a suite whose
 * targets are named as the layout names them (spk1_reverb/spk2_reverb for
 * EchoSet and TIGER, s1/s2 for LibriMix and WSJ0-2mix); the caller
 * (sb_suite_resolve, resolve.h) applies the selection.  Files are only
 * checked to exist where the layout is discovered by listing; paths read
 * from metadata are taken as written (sepbench suites validate checks
 * them).
 *
 * Workload: one call per run; up to ~50 000 mixtures (LibriMix train-360).
 */
#ifndef SB_DATASETS_SPEECH_SETS_H
#define SB_DATASETS_SPEECH_SETS_H

#include "datasets/suite.h"
#include "sepbench/error.h"

/* EchoSet (Zhao et al., TIGER 2024): <root>/<split>/<scene>/<room>/<pair>/
 * {mix.wav, spk1_reverb.wav, spk2_reverb.wav}, 16 kHz.  path is the root
 * (then <root>/<subset> is read, subset NULL = "test") or a split folder.
 * Every folder below it holding mix.wav is a mixture; its name is its path
 * below the split folder with '/' written "__".  The mixture holds noise,
 * so mix_is_sum is 0.  SB_ENOTFOUND (no such folder, no mixture, a mixture
 * folder without both speaker images), SB_EIO, SB_ENOMEM. */
sb_err sb_echoset_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg);

/* TIGER's manifests: a folder holding mix.json, s1.json and s2.json (or the
 * path of mix.json), each a JSON array of [path, n_samples] in the same
 * order.  The speaker files are read from s1.json/s2.json themselves (TIGER
 * derives them from the mixture path by string replacement, which breaks
 * when "mix" occurs elsewhere in the path).  Relative paths are resolved
 * against the manifest folder.  Targets spk1_reverb, spk2_reverb; names are
 * the mixture paths without their common folder prefix, '/' as "__", the
 * ".wav" and a trailing "__mix" dropped.  SB_EFORMAT (not such a list, the
 * lists differ in length or in n_samples at an index — msg says which),
 * SB_EINVAL (bad path or name, n_samples not an integer in 1..2^40),
 * SB_EIO, SB_ENOMEM. */
sb_err sb_tiger_open(const char *path, sb_suite **out, sb_msg *msg);

/* LibriMix (Cosentino et al., 2020): path is a metadata CSV
 * (mixture_<split>_<mix_type>.csv with columns mixture_ID, mixture_path,
 * source_1_path, source_2_path[, source_3_path][, noise_path], length) or
 * a folder in which metadata/mixture_<subset>_<mix>.csv is searched (also
 * under wav16k/max, wav8k/min, ... and Libri2Mix/, Libri3Mix/).  variant
 * "sep_clean" (NULL) reads mix_clean, "sep_noisy" mix_both.  Targets s1, s2
 * (s3); names are the mixture_IDs; length is recorded as
 * n_samples_declared.  Absolute paths of another machine are re-rooted:
 * when a path does not exist but <csv folder>/../<split>/<kind>/<file>
 * does (the layout LibriMix writes), that one is used.  SB_EFORMAT (missing
 * columns, a bad length: msg has the line), SB_EINVAL (bad names or
 * paths), SB_ENOTFOUND (no metadata CSV), SB_EIO, SB_ENOMEM. */
sb_err sb_librimix_open(const char *path, const char *subset, const char *variant, sb_suite **out,
                        sb_msg *msg);

/* WSJ0-2mix (Hershey et al., 2016): a split folder holding mix/, s1/, s2/
 * (s3/) with equally named *.wav files, or a folder holding the splits tt,
 * cv, tr (subset "test"/NULL -> tt, "valid" -> cv, "train" -> tr, or a split
 * name).  The rate follows a wav8k/wav16k folder in the path.  Targets s1,
 * s2 (s3).  SB_ENOTFOUND (no such folder; a mixture without a source file:
 * msg names it), SB_EIO, SB_ENOMEM. */
sb_err sb_wsj0mix_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg);

#endif /* SB_DATASETS_SPEECH_SETS_H */
