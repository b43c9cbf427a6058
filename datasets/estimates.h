/*
 * datasets/estimates.h — finding the estimate files of a track on disk, in
 * the layouts separators write (../shared/specs/conventions.md):
 *
 *   museval   <root>/<subset>/<track>/<target>.wav (musdb/museval; also
 *             <root>/<track>/<target>.wav when there is no subset folder);
 *             a missing .wav is looked for as .flac
 *   demucs    <root>/<model>/<track>/<target>.{wav,flac,mp3} (demucs -o
 *             ROOT -n MODEL; model may be omitted when ROOT holds one; with
 *             several, ROOT/<model> in the museval layout names one)
 *   asteroid  <root>/<track>_est<K>.wav, K = 1-based index of the target in
 *             the track's order (asteroid-infer; speech: PIT decides the
 *             pairing later)
 *   pattern   <root>/<template>, the template using {track} {target}
 *             {subset} {index} (1-based) {index0} and {model}, e.g.
 *             "{track}/{target}.wav" or "{subset}/{track}_est{index}.wav";
 *             a missing file named .wav is looked for as .flac
 *   auto      museval, then demucs, then asteroid: the first whose files
 *             for the track's first target exist
 *
 * Meant for the runner's dir:PATH backend: resolve the suite, then for each
 * track call sb_estimates_locate() and read the files with sb_audio_read
 * and sb_track_audio_fit_estimate().  Names are used verbatim (MUSDB names
 * hold & ' ( ) and spaces); no shell is involved.
 *
 * Workload: one call per (track, method); a few stat calls.
 * Thread-safety: the functions only read their arguments and the disk.
 */
#ifndef SB_DATASETS_ESTIMATES_H
#define SB_DATASETS_ESTIMATES_H

#include "datasets/suite.h"
#include "sepbench/error.h"

typedef enum sb_est_layout {
  SB_EST_AUTO = 0,
  SB_EST_MUSEVAL,
  SB_EST_DEMUCS,
  SB_EST_ASTEROID,
  SB_EST_PATTERN
} sb_est_layout;

typedef struct sb_est_spec {
  sb_est_layout layout;
  const char *root;    /* estimates folder */
  const char *pattern; /* SB_EST_PATTERN: the template (relative to root) */
  const char *model;   /* demucs: model folder; NULL = the only folder */
} sb_est_spec;

/* Parses "auto", "museval", "demucs", "asteroid" or "pattern".
 * SB_EINVAL otherwise. */
sb_err sb_estimates_parse_layout(const char *name, sb_est_layout *out);

/* Expands a template for one target of a track (see above).  SB_EINVAL
 * with msg for an unknown or unclosed placeholder, a template that is
 * empty, absolute, holds a control character or expands to a path with a
 * ".." component (a literal one, or one an empty value makes: "{subset}.."
 * with an empty subset), or {model} without a model; SB_ENOMEM.  *out is allocated. */
sb_err sb_estimates_expand(const char *pattern, const sb_track *track, int target, const char *model, char **out,
                           sb_msg *msg);

/* Locates the files of every target of track: (*paths)[k] for
 * track->stem_names[k], k < track->n_stems (free with
 * sb_estimates_free_paths).  SB_ENOTFOUND naming the first missing file
 * (or the layouts tried, for auto), SB_EIO naming a path where an estimate
 * should be that is something else (a folder, a FIFO, a symbolic link
 * loop, a folder on the way that cannot be searched: sb_path_check_file),
 * SB_EINVAL (bad spec: no root, demucs root with several models and no
 * model given, bad template), SB_ENOMEM.
 * *paths is NULL on failure. */
sb_err sb_estimates_locate(const sb_est_spec *spec, const sb_track *track, char ***paths, sb_msg *msg);

/* Frees a list from sb_estimates_locate and sets *paths to NULL. */
void sb_estimates_free_paths(char ***paths, int n);

#endif /* SB_DATASETS_ESTIMATES_H */
