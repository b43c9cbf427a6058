/*
 * datasets/musdb.c — the MUSDB18-HQ and MUSDB18 (.stem.mp4) readers (see
 * musdb.h).
 *
 * Layout followed: MUSDB18-HQ as published by SigSep (Rafii et al., 2019,
 * "MUSDB18-HQ - an uncompressed version of MUSDB18", Zenodo 3338373):
 * <root>/<subset>/<track>/{mixture,drums,bass,other,vocals}.wav, subsets
 * "train" and "test"; MUSDB18 (Zenodo 1117372): <root>/<subset>/<track>.stem.mp4
 * with the mixture in stream 0 and drums, bass, other, vocals in streams
 * 1-4.  The validation split is the musdb package's (mus.yaml).  Every
 * listing is sorted bytewise.
 *
 * Workload: one resolution per run; up to 150 track folders x 5 files.
 */
#include <config.h>

#include "datasets/musdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"
#include "datasets/stem_mp4.h"

enum { N_MUSDB_TARGETS = 4 };
static const char *const musdb_targets[N_MUSDB_TARGETS] = {"vocals", "drums", "bass", "other"};

static const char *const validation_tracks[] = {
  "Actions - One Minute Smile", "Clara Berry And Wooldog - Waltz For My Victims",
  "Johnny Lokke - Promises & Lies", "Patrick Talbot - A Reason To Leave", "Triviul - Angelsaint",
  "Alexander Ross - Goodbye Bolero", "Fergessen - Nos Palpitants", "Leaf - Summerghost",
  "Skelpolu - Human Mistakes", "Young Griffo - Pennies", "ANiMAL - Rockshow", "James May - On The Line",
  "Meaxic - Take A Step", "Traffic Experiment - Sirens",
};

int sb_musdb_is_validation(const char *name)
{
  for (size_t i = 0; i < sizeof validation_tracks / sizeof validation_tracks[0]; i++)
    if (strcmp(name, validation_tracks[i]) == 0)
      return 1;
  return 0;
}

/* Adds the track <tracks_dir>/<name>/: mixture.wav plus every other *.wav
 * as a target.  With strict 0 (a MUSDB18 root, whose targets are known)
 * a missing mixture.wav or musdb stem is listed anyway, so that suites
 * validate reports it and a run records the track as failed; a folder
 * without any .wav is still an error. */
static sb_err load_musdb_track(sb_suite *s, const char *tracks_dir, const char *name, const char *subset,
                               int strict, sb_msg *msg)
{
  sb_err err;
  char *dir = NULL, *mix = NULL, *path = NULL;
  char **files = NULL;
  int n_files = 0;
  sb_track *t;

  err = sb_path_join(tracks_dir, name, &dir);
  if (!err)
    err = sb_path_join(dir, "mixture.wav", &mix);
  if (err)
    goto done;
  if (strict && sb_path_kind_of(mix) != SB_PATH_FILE) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: missing (every track folder needs a mixture.wav)", mix);
    goto done;
  }
  err = sb_suite_add_track(s, name, subset, mix, &t, msg);
  if (!err)
    err = sb_path_list(dir, SB_PATH_FILE, &files, &n_files, msg);
  if (!err && !strict) {
    int any_wav = 0;
    for (int i = 0; i < n_files; i++)
      any_wav |= sb_path_has_suffix(files[i], ".wav");
    if (!any_wav)
      err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no mixture.wav nor stems", dir);
    for (int k = 0; !err && k < N_MUSDB_TARGETS; k++) {
      err = sb_path_printf(&path, "%s/%s.wav", dir, musdb_targets[k]);
      if (!err && sb_path_kind_of(path) != SB_PATH_FILE)
        err = sb_track_add_stem(t, musdb_targets[k], path, msg);
      free(path);
      path = NULL;
    }
  }
  for (int i = 0; !err && i < n_files; i++) {
    if (!sb_path_has_suffix(files[i], ".wav") || strcmp(files[i], "mixture.wav") == 0)
      continue;
    err = sb_path_join(dir, files[i], &path);
    files[i][strlen(files[i]) - 4] = '\0';
    if (!err)
      err = sb_track_add_stem(t, files[i], path, msg);
    free(path);
    path = NULL;
  }
  if (!err && t->n_stems == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no reference stems (expected vocals.wav, drums.wav, bass.wav, other.wav)",
                     dir);
done:
  sb_path_free_list(&files, n_files);
  free(dir);
  free(mix);
  return err;
}

/* Which tracks of a subset folder a MUSDB subset name keeps. */
static int musdb_keeps(const char *subset, const char *name)
{
  if (strcmp(subset, "valid") == 0)
    return sb_musdb_is_validation(name);
  if (strcmp(subset, "train-split") == 0)
    return !sb_musdb_is_validation(name);
  return 1;
}

/* The folder a MUSDB subset name reads: valid and train-split are in train. */
static const char *musdb_folder(const char *subset)
{
  return strcmp(subset, "valid") == 0 || strcmp(subset, "train-split") == 0 ? "train" : subset;
}

sb_err sb_musdb_read_tracks(sb_suite *s, const char *tracks_dir, const char *subset, int strict, sb_msg *msg)
{
  sb_err err;
  char **names = NULL;
  int n_names = 0;

  err = sb_path_list(tracks_dir, SB_PATH_DIR, &names, &n_names, msg);
  if (err)
    return err;
  for (int i = 0; !err && i < n_names; i++)
    if (musdb_keeps(subset, names[i]))
      err = load_musdb_track(s, tracks_dir, names[i], subset, strict, msg);
  if (!err && s->n_tracks == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no track folders (expected %s/<track>/mixture.wav)", tracks_dir,
                     tracks_dir);
  if (!err)
    err = sb_suite_finish(s, msg);
  sb_path_free_list(&names, n_names);
  return err;
}

/* Where the tracks of a subset are: dir (the folder of track folders or
 * files), root (the folder above it) and name (the subset). */
typedef struct subset_place {
  char *dir, *root, *name;
} subset_place;

static void place_clear(subset_place *p)
{
  free(p->dir);
  free(p->root);
  free(p->name);
  *p = (subset_place){NULL, NULL, NULL};
}

/* p = <root>/<folder of subset> when that folder exists (*found = 1);
 * else *found = 0 and only p->dir is set, for messages. */
static sb_err place_subset(const char *root, const char *subset, subset_place *p, int *found)
{
  sb_err err = sb_path_join(root, musdb_folder(subset), &p->dir);

  *found = !err && sb_path_kind_of(p->dir) == SB_PATH_DIR;
  if (!*found)
    return err;
  p->root = strdup(root);
  p->name = strdup(subset);
  return p->root && p->name ? SB_OK : SB_ENOMEM;
}

/* p = the folder dir itself: its name is the subset, the folder above it
 * the root. */
static sb_err place_folder(const char *dir, subset_place *p)
{
  const char *slash = strrchr(dir, '/');
  sb_err err;

  place_clear(p);
  err = sb_path_dirname(dir, &p->root);
  p->dir = strdup(dir);
  p->name = strdup(slash ? slash + 1 : dir);
  return err ? err : p->dir && p->name ? SB_OK : SB_ENOMEM;
}

sb_err sb_musdb_open_root(const char *name, const char *root, const char *subset, const char *label, sb_suite **out,
                          sb_msg *msg)
{
  subset_place place = {NULL, NULL, NULL};
  sb_suite *s = NULL;
  sb_msg inner;
  int found;
  sb_err err;

  *out = NULL;
  if (sb_path_kind_of(root) != SB_PATH_DIR)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such folder", label);
  err = place_subset(root, subset, &place, &found);
  if (!err && !found)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: not a MUSDB18-HQ tree: no subset folder %s (subset %s)", label,
                     place.dir, subset);
  if (!err)
    err = sb_suite_new(name, "musdb18hq", root, &s);
  if (err)
    goto fail;
  s->rate = 44100;
  s->mix_is_sum = 1;
  sb_msg_clear(&inner);
  err = sb_musdb_read_tracks(s, place.dir, subset, 0, &inner);
  if (err) {
    sb_msg_set(msg, err, "%s: not a MUSDB18-HQ tree: %s", label, inner.text);
    goto fail;
  }
  err = sb_path_printf(&s->description, "MUSDB18-HQ %s subset at %s (%d tracks)", subset, root, s->n_tracks);
  if (err)
    goto fail;
  place_clear(&place);
  *out = s;
  return SB_OK;

fail:
  place_clear(&place);
  sb_suite_free(&s);
  return err;
}

/* SB_ENOTFOUND naming them when path holds test/ or train/ (the subset
 * asked for is then missing, path is no folder of tracks). */
static sb_err refuse_other_subsets(const char *path, const char *subset, sb_msg *msg)
{
  char *test_dir = NULL, *train_dir = NULL;
  int has_test, has_train;
  sb_err err = sb_path_join(path, "test", &test_dir);

  if (!err)
    err = sb_path_join(path, "train", &train_dir);
  has_test = !err && sb_path_kind_of(test_dir) == SB_PATH_DIR;
  has_train = !err && sb_path_kind_of(train_dir) == SB_PATH_DIR;
  free(test_dir);
  free(train_dir);
  if (!err && (has_test || has_train))
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no subset folder '%s' (found%s%s)", path, subset,
                     has_test ? " test" : "", has_train ? " train" : "");
  return err;
}

sb_err sb_musdb_open_folder(const char *spec, const char *path, const char *subset, sb_suite **out, sb_msg *msg)
{
  subset_place place = {NULL, NULL, NULL};
  sb_suite *s = NULL;
  int found;
  sb_err err;

  *out = NULL;
  err = place_subset(path, subset, &place, &found);
  if (!err && !found)
    err = refuse_other_subsets(path, subset, msg);
  if (!err && !found)
    err = place_folder(path, &place);
  if (!err)
    err = sb_suite_new(spec, "musdb18hq", place.root, &s);
  if (err)
    goto done;
  s->mix_is_sum = 1;
  err = sb_musdb_read_tracks(s, place.dir, place.name, 1, msg);
  if (!err)
    err = sb_path_printf(&s->description, "MUSDB18-HQ-like folder %s (%d tracks)", place.dir, s->n_tracks);
  if (err)
    goto done;
  *out = s;
  s = NULL;
done:
  sb_suite_free(&s);
  place_clear(&place);
  return err;
}

/* Streams of a MUSDB18 .stem.mp4 file holding each musdb target. */
static const struct {
  const char *target;
  int stream;
} musdb_stem_streams[N_MUSDB_TARGETS] = {{"drums", 1}, {"bass", 2}, {"other", 3}, {"vocals", 4}};

/* Adds the MUSDB18 track of file <dir>/<file_name> (".stem.mp4"): the
 * mixture is the file itself (stream 0), each target a stream reference
 * "<file>#<n>" (stem_mp4.h). */
static sb_err add_stem_mp4_track(sb_suite *s, const char *dir, const char *file_name, const char *subset,
                                 sb_msg *msg)
{
  sb_err err;
  char *file = NULL, *name = strdup(file_name), *ref = NULL;
  sb_track *t;

  if (!name)
    return SB_ENOMEM;
  name[strlen(name) - strlen(".stem.mp4")] = '\0';
  err = sb_path_join(dir, file_name, &file);
  if (!err)
    err = sb_suite_add_track(s, name, subset, file, &t, msg);
  for (int k = 0; !err && k < N_MUSDB_TARGETS; k++) {
    err = sb_path_printf(&ref, "%s#%d", file, musdb_stem_streams[k].stream);
    if (!err)
      err = sb_track_add_stem(t, musdb_stem_streams[k].target, ref, msg);
    free(ref);
    ref = NULL;
  }
  free(file);
  free(name);
  return err;
}

/* Appends the .stem.mp4 files of place->dir (kept by its subset) to s. */
static sb_err add_stem_mp4_tracks(sb_suite *s, const subset_place *place, const char *label, sb_msg *msg)
{
  char **files = NULL;
  int n_files = 0;
  sb_err err = sb_path_list(place->dir, SB_PATH_FILE, &files, &n_files, msg);

  for (int i = 0; !err && i < n_files; i++)
    if (sb_path_has_suffix(files[i], ".stem.mp4") && musdb_keeps(place->name, files[i]))
      err = add_stem_mp4_track(s, place->dir, files[i], place->name, msg);
  if (!err && s->n_tracks == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no .stem.mp4 files in %s", label, place->dir);
  sb_path_free_list(&files, n_files);
  return err;
}

sb_err sb_musdb_open_stems(const char *name, const char *path, const char *subset, const char *env_label,
                           sb_suite **out, sb_msg *msg)
{
  subset_place place = {NULL, NULL, NULL};
  const char *label = env_label ? env_label : path;
  char *dir = NULL;
  sb_suite *s = NULL;
  int found = 0, one_file = sb_path_kind_of(path) == SB_PATH_FILE;
  sb_err err;

  *out = NULL;
  if (!sb_stem_mp4_available())
    return sb_msg_set(msg, SB_EUNSUPPORTED,
                      "%s: MUSDB18 .stem.mp4 files are not decoded by this sepbench, built without FFmpeg; rebuild "
                      "with --with-ffmpeg (libavformat-dev libavcodec-dev libswresample-dev), or convert them to "
                      "MUSDB18-HQ folders (musdb's musdbconvert) and use those",
                      label);
  /* One file: its folder is the subset, the folder above the root. */
  if (one_file)
    err = sb_path_dirname(path, &dir);
  else
    err = place_subset(path, subset, &place, &found);
  if (!err && !one_file && !found && (env_label || !sb_path_find_suffix(path, ".stem.mp4", 0)))
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: not a MUSDB18 tree: no subset folder %s (subset %s)", label, place.dir,
                     subset);
  if (!err && !found)
    err = place_folder(one_file ? dir : path, &place);
  if (!err)
    err = sb_suite_new(name, "musdb18", place.root, &s);
  if (!err && one_file)
    err = add_stem_mp4_track(s, place.dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path, place.name, msg);
  else if (!err)
    err = add_stem_mp4_tracks(s, &place, label, msg);
  if (!err)
    err = sb_suite_finish(s, msg);
  if (err)
    goto done;
  s->rate = 44100;
  s->mix_is_sum = 1;
  err = sb_path_printf(&s->description, "MUSDB18 (.stem.mp4) %s subset at %s (%d tracks)", place.name, place.root,
                       s->n_tracks);
  if (err)
    goto done;
  *out = s;
  s = NULL;
done:
  sb_suite_free(&s);
  place_clear(&place);
  free(dir);
  return err;
}
