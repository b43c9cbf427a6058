/*
 * datasets/suite.c — resolving a suite name or folder into tracks (see
 * suite.h).
 *
 * Layout followed: MUSDB18-HQ as published by SigSep (Rafii et al., 2019,
 * "MUSDB18-HQ - an uncompressed version of MUSDB18", Zenodo 3338373):
 * <root>/<subset>/<track>/{mixture,drums,bass,other,vocals}.wav, subsets
 * "train" and "test"; the built-in suites use the same per-track layout.
 * Every listing is sorted bytewise, so the order never depends on the
 * locale or the file system.
 *
 * Workload: one resolution per run; up to 150 track folders x 5 files.
 */
#include <config.h>

#include "datasets/suite.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/demo_speech.h"
#include "datasets/manifest.h"
#include "common/paths.h"
#include "datasets/registry.h"
#include "datasets/speech_sets.h"
#include "datasets/stem_mp4.h"
#include "common/targets.h"
#include "datasets/tiny_suite.h"
#ifdef HAVE_FLUIDSYNTH
#include "datasets/demo_music.h"
#endif

enum { N_MUSDB_TARGETS = 4 };
static const char *const musdb_targets[N_MUSDB_TARGETS] = {"vocals", "drums", "bass", "other"};

/* Newly allocated printf-style string, or NULL when out of memory. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *format_string(const char *fmt, ...)
{
  va_list ap;
  int len;
  char *s;

  va_start(ap, fmt);
  len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0)
    return NULL;
  s = malloc((size_t)len + 1);
  if (!s)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return s;
}

static void free_stem_parts(sb_track *t, int k)
{
  if (!t->stem_parts || !t->stem_parts[k])
    return;
  for (int p = 0; p < t->stem_n_parts[k]; p++)
    free(t->stem_parts[k][p]);
  free(t->stem_parts[k]);
  t->stem_parts[k] = NULL;
  t->stem_n_parts[k] = 0;
}

static void free_track(sb_track *t)
{
  free(t->name);
  free(t->subset);
  free(t->mix_path);
  free(t->tags);
  for (int i = 0; i < t->n_stems; i++) {
    free(t->stem_names[i]);
    free(t->stem_paths[i]);
    free_stem_parts(t, i);
  }
  free(t->stem_names);
  free(t->stem_paths);
  free(t->stem_n_parts);
  free(t->stem_parts);
  memset(t, 0, sizeof *t);
}

void sb_suite_free(sb_suite **s)
{
  if (!s || !*s)
    return;
  for (int i = 0; i < (*s)->n_tracks; i++)
    free_track(&(*s)->tracks[i]);
  free((*s)->tracks);
  free((*s)->name);
  free((*s)->kind);
  free((*s)->root);
  free((*s)->description);
  free(*s);
  *s = NULL;
}

sb_err sb_suite_new(const char *name, const char *kind, const char *root, sb_suite **out)
{
  sb_suite *s = calloc(1, sizeof *s);

  *out = NULL;
  if (!s)
    return SB_ENOMEM;
  s->name = strdup(name);
  s->kind = strdup(kind);
  s->root = root ? strdup(root) : NULL;
  if (!s->name || !s->kind || (root && !s->root)) {
    sb_suite_free(&s);
    return SB_ENOMEM;
  }
  *out = s;
  return SB_OK;
}

sb_err sb_track_name_check(const char *name, const char *what, sb_msg *msg)
{
  size_t len = name ? strlen(name) : 0;
  if (len == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty name", what);
  if (len > 255)
    return sb_msg_set(msg, SB_EINVAL, "%s: name longer than 255 bytes", what);
  if (!sb_path_is_utf8(name))
    return sb_msg_set(msg, SB_EINVAL, "%s: name is not valid UTF-8", what);
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: '%s' is not a usable name", what, name);
  for (const char *p = name; *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7F)
      return sb_msg_set(msg, SB_EINVAL, "%s: name '%s' holds '/' or a control character", what, name);
  return SB_OK;
}

sb_err sb_suite_add_track(sb_suite *s, const char *name, const char *subset, const char *mix_path,
                          sb_track **out, sb_msg *msg)
{
  sb_track *tracks, *t;
  sb_err err;

  *out = NULL;
  err = sb_track_name_check(name, "track name", msg);
  if (err)
    return err;
  tracks = realloc(s->tracks, ((size_t)s->n_tracks + 1) * sizeof *tracks);
  if (!tracks)
    return SB_ENOMEM;
  s->tracks = tracks;
  t = &tracks[s->n_tracks];
  memset(t, 0, sizeof *t);
  t->name = strdup(name);
  t->subset = strdup(subset ? subset : "");
  t->mix_path = mix_path ? strdup(mix_path) : NULL;
  if (!t->name || !t->subset || (mix_path && !t->mix_path)) {
    free_track(t);
    return SB_ENOMEM;
  }
  s->n_tracks++;
  *out = t;
  return SB_OK;
}

sb_err sb_track_add_stem(sb_track *t, const char *name, const char *path, sb_msg *msg)
{
  char **names, **paths;
  sb_err err = sb_track_name_check(name, "target name", msg);

  if (err)
    return err;
  for (int k = 0; k < t->n_stems; k++)
    if (strcmp(t->stem_names[k], name) == 0)
      return sb_msg_set(msg, SB_EINVAL, "track '%s': target '%s' given twice", t->name, name);
  names = realloc(t->stem_names, ((size_t)t->n_stems + 1) * sizeof *names);
  if (!names)
    return SB_ENOMEM;
  t->stem_names = names;
  paths = realloc(t->stem_paths, ((size_t)t->n_stems + 1) * sizeof *paths);
  if (!paths)
    return SB_ENOMEM;
  t->stem_paths = paths;
  if (t->stem_parts) {
    int *n_parts = realloc(t->stem_n_parts, ((size_t)t->n_stems + 1) * sizeof *n_parts);
    char ***parts;
    if (!n_parts)
      return SB_ENOMEM;
    t->stem_n_parts = n_parts;
    parts = realloc(t->stem_parts, ((size_t)t->n_stems + 1) * sizeof *parts);
    if (!parts)
      return SB_ENOMEM;
    t->stem_parts = parts;
    n_parts[t->n_stems] = 0;
    parts[t->n_stems] = NULL;
  }
  names[t->n_stems] = strdup(name);
  paths[t->n_stems] = strdup(path);
  if (!names[t->n_stems] || !paths[t->n_stems]) {
    free(names[t->n_stems]);
    free(paths[t->n_stems]);
    return SB_ENOMEM;
  }
  t->n_stems++;
  return SB_OK;
}

static int compare_tracks(const void *a, const void *b)
{
  return strcmp(((const sb_track *)a)->name, ((const sb_track *)b)->name);
}

/* Index of target name in t, or -1. */
static int find_target(const sb_track *t, const char *name)
{
  for (int i = 0; i < t->n_stems; i++)
    if (strcmp(t->stem_names[i], name) == 0)
      return i;
  return -1;
}

/* Sorts the stems of t in the canonical order, moving the parallel arrays. */
static void sort_stems(sb_track *t)
{
  for (int i = 1; i < t->n_stems; i++)
    for (int j = i; j > 0 && sb_target_cmp(t->stem_names[j - 1], t->stem_names[j]) > 0; j--) {
      char *name = t->stem_names[j], *path = t->stem_paths[j];
      t->stem_names[j] = t->stem_names[j - 1];
      t->stem_paths[j] = t->stem_paths[j - 1];
      t->stem_names[j - 1] = name;
      t->stem_paths[j - 1] = path;
      if (t->stem_parts) {
        int n = t->stem_n_parts[j];
        char **parts = t->stem_parts[j];
        t->stem_n_parts[j] = t->stem_n_parts[j - 1];
        t->stem_parts[j] = t->stem_parts[j - 1];
        t->stem_n_parts[j - 1] = n;
        t->stem_parts[j - 1] = parts;
      }
    }
}

sb_err sb_suite_finish(sb_suite *s, sb_msg *msg)
{
  if (s->n_tracks == 0)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no tracks", s->root ? s->root : s->name);
  qsort(s->tracks, (size_t)s->n_tracks, sizeof *s->tracks, compare_tracks);
  for (int i = 0; i < s->n_tracks; i++) {
    sort_stems(&s->tracks[i]);
    if (s->tracks[i].n_stems == 0)
      return sb_msg_set(msg, SB_ENOTFOUND, "track '%s': no reference stems", s->tracks[i].name);
    if (i > 0 && strcmp(s->tracks[i].name, s->tracks[i - 1].name) == 0)
      return sb_msg_set(msg, SB_EINVAL, "track '%s' appears twice", s->tracks[i].name);
  }
  for (int i = 1; i < s->n_tracks; i++) {
    const sb_track *first = &s->tracks[0], *t = &s->tracks[i];
    for (int k = 0; k < first->n_stems; k++)
      if (find_target(t, first->stem_names[k]) < 0)
        return sb_msg_set(msg, SB_ENOTFOUND, "track '%s' has no target '%s' (track '%s' has it)", t->name,
                          first->stem_names[k], first->name);
    for (int k = 0; k < t->n_stems; k++)
      if (find_target(first, t->stem_names[k]) < 0)
        return sb_msg_set(msg, SB_ENOTFOUND, "track '%s' has no target '%s' (track '%s' has it)", first->name,
                          t->stem_names[k], t->name);
  }
  return SB_OK;
}

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

/* Keeps the tracks for which keep[i] is set, freeing the others. */
static void keep_tracks(sb_suite *s, const unsigned char *keep)
{
  int n = 0;
  for (int i = 0; i < s->n_tracks; i++) {
    if (keep[i])
      s->tracks[n++] = s->tracks[i];
    else
      free_track(&s->tracks[i]);
  }
  s->n_tracks = n;
}

/* 1 when name contains one of the comma-separated substrings of list. */
static int name_matches(const char *name, const char *list)
{
  const char *p = list;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > 0) {
      for (const char *q = name; *q; q++)
        if (strncmp(q, p, n) == 0)
          return 1;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return 0;
}

/* Turns stem k of t into the derived sum of the stems at idx[0..n-1]. */
static sb_err derive_stem(sb_track *t, const char *name, const int *idx, int n)
{
  char **parts = calloc((size_t)n, sizeof *parts);
  char *label;
  sb_err err;

  if (!parts)
    return SB_ENOMEM;
  if (!t->stem_parts) {
    t->stem_n_parts = calloc((size_t)t->n_stems + 1, sizeof *t->stem_n_parts);
    t->stem_parts = calloc((size_t)t->n_stems + 1, sizeof *t->stem_parts);
    if (!t->stem_n_parts || !t->stem_parts) {
      free(parts);
      return SB_ENOMEM;
    }
  }
  for (int i = 0; i < n; i++) {
    parts[i] = strdup(t->stem_parts[idx[i]] ? t->stem_parts[idx[i]][0] : t->stem_paths[idx[i]]);
    if (!parts[i]) {
      for (int j = 0; j < i; j++)
        free(parts[j]);
      free(parts);
      return SB_ENOMEM;
    }
  }
  label = format_string("%s (sum of %d stems)", name, n);
  err = label ? sb_track_add_stem(t, name, label, NULL) : SB_ENOMEM;
  free(label);
  if (err) {
    for (int j = 0; j < n; j++)
      free(parts[j]);
    free(parts);
    return err;
  }
  t->stem_n_parts[t->n_stems - 1] = n;
  t->stem_parts[t->n_stems - 1] = parts;
  return SB_OK;
}

/* Keeps only the targets of list (comma-separated), deriving accompaniment. */
static sb_err select_targets(sb_suite *s, const char *list, sb_msg *msg)
{
  static const char *const acc_parts[3] = {"drums", "bass", "other"};
  for (int i = 0; i < s->n_tracks; i++) {
    sb_track *t = &s->tracks[i];
    const char *p = list;
    int n_kept = 0;
    unsigned char *keep;
    if (strstr(list, "accompaniment") && find_target(t, "accompaniment") < 0) {
      int idx[3];
      for (int k = 0; k < 3; k++)
        if ((idx[k] = find_target(t, acc_parts[k])) < 0)
          return sb_msg_set(msg, SB_ENOTFOUND, "track '%s': cannot derive accompaniment without %s", t->name,
                            acc_parts[k]);
      sb_err err = derive_stem(t, "accompaniment", idx, 3);
      if (err)
        return err;
    }
    keep = calloc((size_t)t->n_stems, 1);
    if (!keep)
      return SB_ENOMEM;
    while (*p) {
      const char *end = strchr(p, ',');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      int found = -1;
      for (int k = 0; k < t->n_stems && n > 0; k++)
        if (strlen(t->stem_names[k]) == n && strncmp(t->stem_names[k], p, n) == 0)
          found = k;
      if (n > 0 && found < 0) {
        free(keep);
        return sb_msg_set(msg, SB_ENOTFOUND, "track '%s' has no target '%.*s'", t->name, (int)n, p);
      }
      if (found >= 0)
        keep[found] = 1;
      p += n;
      if (*p == ',')
        p++;
    }
    for (int k = 0; k < t->n_stems; k++) {
      if (!keep[k]) {
        free(t->stem_names[k]);
        free(t->stem_paths[k]);
        free_stem_parts(t, k);
        continue;
      }
      t->stem_names[n_kept] = t->stem_names[k];
      t->stem_paths[n_kept] = t->stem_paths[k];
      if (t->stem_parts) {
        t->stem_parts[n_kept] = t->stem_parts[k];
        t->stem_n_parts[n_kept] = t->stem_n_parts[k];
      }
      n_kept++;
    }
    free(keep);
    t->n_stems = n_kept;
    if (n_kept == 0)
      return sb_msg_set(msg, SB_ENOTFOUND, "--targets '%s': no target left", list);
    sort_stems(t);
  }
  return SB_OK;
}

sb_err sb_suite_select(sb_suite *s, const sb_suite_opts *opts, sb_msg *msg)
{
  unsigned char *keep;
  int n_kept = 0;
  sb_err err;

  if (!opts)
    return SB_OK;
  if (opts->excerpt_start < 0 || opts->excerpt_len < 0 || !isfinite(opts->excerpt_start) ||
      !isfinite(opts->excerpt_len))
    return sb_msg_set(msg, SB_EINVAL, "excerpt %g:%g: start and duration must be >= 0 seconds",
                      opts->excerpt_start, opts->excerpt_len);
  keep = calloc((size_t)s->n_tracks + 1, 1);
  if (!keep)
    return SB_ENOMEM;
  for (int i = 0; i < s->n_tracks; i++) {
    keep[i] = (!opts->tracks || !opts->tracks[0] || name_matches(s->tracks[i].name, opts->tracks)) &&
              (opts->limit <= 0 || n_kept < opts->limit);
    n_kept += keep[i];
  }
  keep_tracks(s, keep);
  free(keep);
  if (s->n_tracks == 0)
    return sb_msg_set(msg, SB_ENOTFOUND, "suite %s: no track matches --tracks '%s'", s->name,
                      opts->tracks ? opts->tracks : "");
  for (int i = 0; i < s->n_tracks; i++)
    if (opts->excerpt_len > 0) {
      s->tracks[i].excerpt_start = opts->excerpt_start;
      s->tracks[i].excerpt_len = opts->excerpt_len;
    }
  if (opts->targets && opts->targets[0]) {
    err = select_targets(s, opts->targets, msg);
    if (err)
      return err;
  }
  return SB_OK;
}

static int has_suffix(const char *name, const char *suffix)
{
  size_t len = strlen(name), n = strlen(suffix);
  return len > n && strcmp(name + len - n, suffix) == 0;
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
      any_wav |= has_suffix(files[i], ".wav");
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
    if (!has_suffix(files[i], ".wav") || strcmp(files[i], "mixture.wav") == 0)
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

/* Loads every track folder of tracks_dir into s. */
static sb_err load_tracks(sb_suite *s, const char *tracks_dir, const char *subset, int strict, sb_msg *msg)
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

/* MUSDB18-HQ: <root>/<subset>/<track>/ with the four musdb targets.
 * label prefixes messages ("MUSDB_PATH=/data/musdb"). */
static sb_err open_musdb_root(const char *name, const char *root, const char *subset, const char *label,
                              sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *subset_dir = NULL;
  sb_msg inner;

  *out = NULL;
  if (sb_path_kind_of(root) != SB_PATH_DIR)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such folder", label);
  err = sb_path_join(root, musdb_folder(subset), &subset_dir);
  if (err)
    return err;
  if (sb_path_kind_of(subset_dir) != SB_PATH_DIR) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: not a MUSDB18-HQ tree: no subset folder %s (subset %s)", label,
                     subset_dir, subset);
    goto fail;
  }
  err = sb_suite_new(name, "musdb18hq", root, &s);
  if (err)
    goto fail;
  s->rate = 44100;
  s->mix_is_sum = 1;
  sb_msg_clear(&inner);
  err = load_tracks(s, subset_dir, subset, 0, &inner);
  if (err) {
    sb_msg_set(msg, err, "%s: not a MUSDB18-HQ tree: %s", label, inner.text);
    goto fail;
  }
  s->description = format_string("MUSDB18-HQ %s subset at %s (%d tracks)", subset, root, s->n_tracks);
  if (!s->description) {
    err = SB_ENOMEM;
    goto fail;
  }
  free(subset_dir);
  *out = s;
  return SB_OK;

fail:
  free(subset_dir);
  sb_suite_free(&s);
  return err;
}

/* A folder: a MUSDB-like root holding <subset>/, or a subset folder. */
static sb_err open_musdb_folder(const char *spec, const char *path, const char *subset, sb_suite **out,
                                sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *subset_dir = NULL, *root = NULL, *subset_name = NULL;

  *out = NULL;
  err = sb_path_join(path, musdb_folder(subset), &subset_dir);
  if (err)
    goto done;
  if (sb_path_kind_of(subset_dir) == SB_PATH_DIR) {
    root = strdup(path);
    subset_name = strdup(subset);
  } else {
    char *test_dir = NULL, *train_dir = NULL;
    int has_test, has_train;
    err = sb_path_join(path, "test", &test_dir);
    if (!err)
      err = sb_path_join(path, "train", &train_dir);
    has_test = !err && sb_path_kind_of(test_dir) == SB_PATH_DIR;
    has_train = !err && sb_path_kind_of(train_dir) == SB_PATH_DIR;
    free(test_dir);
    free(train_dir);
    if (err)
      goto done;
    if (has_test || has_train) {
      err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no subset folder '%s' (found%s%s)", path, subset,
                       has_test ? " test" : "", has_train ? " train" : "");
      goto done;
    }
    /* The folder itself holds the tracks: its name is the subset. */
    free(subset_dir);
    subset_dir = strdup(path);
    err = sb_path_dirname(path, &root);
    const char *slash = strrchr(path, '/');
    subset_name = strdup(slash ? slash + 1 : path);
    if (!subset_dir || err) {
      err = SB_ENOMEM;
      goto done;
    }
  }
  if (!root || !subset_name) {
    err = SB_ENOMEM;
    goto done;
  }
  err = sb_suite_new(spec, "musdb18hq", root, &s);
  if (err)
    goto done;
  s->mix_is_sum = 1;
  err = load_tracks(s, subset_dir, subset_name, 1, msg);
  if (err)
    goto done;
  s->description = format_string("MUSDB18-HQ-like folder %s (%d tracks)", subset_dir, s->n_tracks);
  if (!s->description) {
    err = SB_ENOMEM;
    goto done;
  }
  *out = s;
  s = NULL;
done:
  sb_suite_free(&s);
  free(subset_dir);
  free(root);
  free(subset_name);
  return err;
}

/* A built-in suite generated into the cache. */
typedef struct builtin {
  const char *name, *kind, *subset, *description;
  sb_err (*ensure)(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg);
  int speech; /* read with the EchoSet reader */
} builtin;

static const builtin tiny_builtin = {
  "tiny", "tiny", "tiny", "built-in tiny synthetic suite (3 tracks x 6 s, 4 stems, 44.1 kHz)",
  sb_tiny_suite_ensure, 0,
};
#ifdef HAVE_FLUIDSYNTH
static const builtin demo_builtin = {
  "music", "demo-music", "demo",
  "built-in demo music suite (MUSDB_PATH is not set): 4 OpenMSX songs rendered from MIDI with FluidSynth, "
  "25 s excerpts, 4 stems, 44.1 kHz",
  sb_demo_music_ensure, 0,
};
#endif
static const builtin speech_builtin = {
  "speech", "demo-speech", "test",
  "built-in demo speech suite (ECHOSET_PATH is not set): reverberant 2-speaker mixtures with noise, "
  "EchoSet layout, 16 kHz",
  sb_demo_speech_ensure, 1,
};

/* Reads the folder of a generated built-in suite. */
static sb_err load_builtin_dir(const builtin *b, const char *dir, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;

  *out = NULL;
  if (b->speech) {
    err = sb_echoset_open(dir, b->subset, &s, msg);
    if (err)
      return err;
    free(s->kind);
    s->kind = NULL;
    free(s->name);
    s->name = NULL;
    s->kind = strdup(b->kind);
    s->name = strdup(b->name);
    if (!s->kind || !s->name) {
      sb_suite_free(&s);
      return SB_ENOMEM;
    }
    *out = s;
    return SB_OK;
  }
  err = sb_suite_new(b->name, b->kind, dir, &s);
  if (!err) {
    s->rate = 44100;
    s->mix_is_sum = 1;
    err = load_tracks(s, dir, b->subset, 1, msg);
  }
  if (err) {
    sb_suite_free(&s);
    return err;
  }
  *out = s;
  return SB_OK;
}

/* Generates the suite when needed and loads its tracks.  A cache damaged
 * after generation (a file deleted although the marker is there) is
 * generated once more. */
static sb_err resolve_builtin(const builtin *b, const char *cache, int quiet, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *dir = NULL, *marker = NULL;

  *out = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    err = b->ensure(cache, quiet, &dir, msg);
    if (err)
      return err;
    err = load_builtin_dir(b, dir, &s, msg);
    if (err != SB_ENOTFOUND || attempt == 1)
      break;
    err = sb_path_join(dir, ".complete", &marker);
    if (err)
      break;
    remove(marker);
    free(marker);
    marker = NULL;
    free(dir);
    dir = NULL;
  }
  if (!err) {
    free(s->description);
    s->description = strdup(b->description);
    if (!s->description)
      err = SB_ENOMEM;
  }
  free(dir);
  if (err) {
    sb_suite_free(&s);
    return err;
  }
  *out = s;
  return SB_OK;
}

sb_err sb_suite_default_cache(char *buf, size_t len)
{
  const char *env;
  int n;

  if ((env = getenv("SEPBENCH_CACHE")) && env[0])
    n = snprintf(buf, len, "%s", env);
  else if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/')
    n = snprintf(buf, len, "%s/sepbench", env);
  else if ((env = getenv("HOME")) && env[0])
    n = snprintf(buf, len, "%s/.cache/sepbench", env);
  else
    return SB_ENOTFOUND;
  if (n < 0 || (size_t)n >= len)
    return SB_EINVAL;
  return SB_OK;
}

/* 1 when dir holds at least one entry named name at depth <= depth. */
static int find_below(const char *dir, const char *name, int depth)
{
  char **entries = NULL, *path = NULL;
  int n = 0, found = 0;

  if (sb_path_join(dir, name, &path) == SB_OK && sb_path_kind_of(path) != SB_PATH_NONE)
    found = 1;
  free(path);
  if (found || depth == 0 || sb_path_list(dir, SB_PATH_DIR, &entries, &n, NULL) != SB_OK)
    return found;
  for (int i = 0; i < n && !found; i++) {
    char *sub = NULL;
    if (sb_path_join(dir, entries[i], &sub) == SB_OK)
      found = find_below(sub, name, depth - 1);
    free(sub);
  }
  sb_path_free_list(&entries, n);
  return found;
}

/* 1 when dir (or one level below it) holds a file ending in suffix. */
static int has_file_with_suffix(const char *dir, const char *suffix, int depth)
{
  char **entries = NULL;
  int n = 0, found = 0;

  if (sb_path_list(dir, SB_PATH_NONE, &entries, &n, NULL) != SB_OK)
    return 0;
  for (int i = 0; i < n && !found; i++) {
    char *sub = NULL;
    if (sb_path_join(dir, entries[i], &sub) != SB_OK)
      break;
    if (has_suffix(entries[i], suffix) && sb_path_kind_of(sub) == SB_PATH_FILE)
      found = 1;
    else if (depth > 0 && sb_path_kind_of(sub) == SB_PATH_DIR)
      found = has_file_with_suffix(sub, suffix, depth - 1);
    free(sub);
  }
  sb_path_free_list(&entries, n);
  return found;
}

/* Detects the layout of an existing path. */
static const char *detect_kind(const char *path)
{
  sb_path_kind pk = sb_path_kind_of(path);

  if (pk == SB_PATH_FILE) {
    if (has_suffix(path, ".stem.mp4"))
      return "musdb18";
    if (has_suffix(path, "/mix.json") || strcmp(path, "mix.json") == 0)
      return "tiger";
    if (has_suffix(path, ".csv")) {
      char head[4097];
      size_t len = 0;
      sb_path_read_small(path, head, sizeof head - 1, &len, NULL);
      head[len < sizeof head ? len : sizeof head - 1] = '\0';
      /* A longer file fails sb_path_read_small: read its first bytes. */
      if (len == 0) {
        FILE *f = fopen(path, "rb");
        if (f) {
          len = fread(head, 1, sizeof head - 1, f);
          head[len] = '\0';
          fclose(f);
        }
      }
      return strstr(head, "mixture_ID") && strstr(head, "source_1_path") ? "librimix" : "manifest";
    }
    if (has_suffix(path, ".json"))
      return "manifest";
    return NULL;
  }
  if (pk != SB_PATH_DIR)
    return NULL;
  {
    static const struct {
      const char *entry, *kind;
      int depth;
    } probes[] = {
      {"manifest.json", "manifest", 0}, {"manifest.csv", "manifest", 0}, {"mix.json", "tiger", 0},
      {"mixture.wav", "musdb18hq", 2},  {"spk1_reverb.wav", "echoset", 5}, {"metadata", "librimix", 4},
    };
    char *probe = NULL;
    const char *kind = NULL;
    for (size_t i = 0; i < 3 && !kind; i++) {
      if (sb_path_join(path, probes[i].entry, &probe) != SB_OK)
        return NULL;
      if (sb_path_kind_of(probe) == SB_PATH_FILE)
        kind = probes[i].kind;
      free(probe);
    }
    if (kind)
      return kind;
    if (find_below(path, "s1", 2) && find_below(path, "mix", 2))
      return "wsj0-2mix";
    for (size_t i = 3; i < sizeof probes / sizeof probes[0]; i++)
      if (find_below(path, probes[i].entry, probes[i].depth))
        return probes[i].kind;
    if (has_file_with_suffix(path, ".stem.mp4", 1))
      return "musdb18";
  }
  return NULL;
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

/* MUSDB18 (.stem.mp4): path is a root holding <subset>/ (required when
 * env_label names the variable it came from), a folder of .stem.mp4 files
 * (its name is the subset) or one such file.  Without FFmpeg the layout is
 * recognised and refused. */
static sb_err open_musdb_stems(const char *name, const char *path, const char *subset, const char *env_label,
                               sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *subset_dir = NULL, *root = NULL, *subset_name = NULL, **files = NULL;
  int n_files = 0;
  const char *label = env_label ? env_label : path;

  *out = NULL;
  if (!sb_stem_mp4_available())
    return sb_msg_set(msg, SB_EUNSUPPORTED,
                      "%s: MUSDB18 .stem.mp4 files are not decoded by this sepbench, built without FFmpeg; rebuild "
                      "with --with-ffmpeg (libavformat-dev libavcodec-dev libswresample-dev), or convert them to "
                      "MUSDB18-HQ folders (musdb's musdbconvert) and use those",
                      label);
  if (sb_path_kind_of(path) == SB_PATH_FILE) {
    /* One file: its folder is the subset, the folder above the root. */
    char *file_name;
    err = sb_path_dirname(path, &subset_dir);
    if (!err)
      err = sb_path_dirname(subset_dir, &root);
    if (err)
      goto done;
    subset_name = strdup(strrchr(subset_dir, '/') ? strrchr(subset_dir, '/') + 1 : subset_dir);
    file_name = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    err = sb_suite_new(name, "musdb18", root, &s);
    if (!err && (!subset_name || !file_name))
      err = SB_ENOMEM;
    if (!err)
      err = add_stem_mp4_track(s, subset_dir, file_name, subset_name, msg);
    free(file_name);
  } else {
    err = sb_path_join(path, musdb_folder(subset), &subset_dir);
    if (err)
      goto done;
    if (sb_path_kind_of(subset_dir) == SB_PATH_DIR) {
      root = strdup(path);
      subset_name = strdup(subset);
    } else if (env_label || has_file_with_suffix(path, ".stem.mp4", 0) == 0) {
      err = sb_msg_set(msg, SB_ENOTFOUND, "%s: not a MUSDB18 tree: no subset folder %s (subset %s)", label,
                       subset_dir, subset);
      goto done;
    } else {
      /* The folder itself holds the tracks: its name is the subset. */
      free(subset_dir);
      subset_dir = strdup(path);
      err = sb_path_dirname(path, &root);
      subset_name = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
      if (err)
        goto done;
    }
    if (!subset_dir || !root || !subset_name) {
      err = SB_ENOMEM;
      goto done;
    }
    err = sb_suite_new(name, "musdb18", root, &s);
    if (!err)
      err = sb_path_list(subset_dir, SB_PATH_FILE, &files, &n_files, msg);
    for (int i = 0; !err && i < n_files; i++)
      if (has_suffix(files[i], ".stem.mp4") && musdb_keeps(subset_name, files[i]))
        err = add_stem_mp4_track(s, subset_dir, files[i], subset_name, msg);
    if (!err && s->n_tracks == 0)
      err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no .stem.mp4 files in %s", label, subset_dir);
  }
  if (!err)
    err = sb_suite_finish(s, msg);
  if (err)
    goto done;
  s->rate = 44100;
  s->mix_is_sum = 1;
  s->description = format_string("MUSDB18 (.stem.mp4) %s subset at %s (%d tracks)", subset_name, root, s->n_tracks);
  if (!s->description) {
    err = SB_ENOMEM;
    goto done;
  }
  *out = s;
  s = NULL;
done:
  sb_path_free_list(&files, n_files);
  sb_suite_free(&s);
  free(subset_dir);
  free(root);
  free(subset_name);
  return err;
}

static const char *const reader_kinds[] = {"musdb18hq", "musdb18", "echoset", "tiger",
                                           "librimix",  "wsj0-2mix", "manifest"};

/* Reads path with the reader of kind (NULL = detect).  env_label, when not
 * NULL, names the environment variable the path came from
 * ("MUSDB_PATH=/data"); MUSDB18-HQ must then be a root holding subsets. */
static sb_err open_kind(const char *name, const char *kind, const char *path, const sb_suite_opts *opts,
                        const char *env_label, sb_suite **out, sb_msg *msg)
{
  const char *subset = opts && opts->subset ? opts->subset : NULL;
  sb_err err;
  char *clean = strdup(path);
  size_t len;

  *out = NULL;
  if (!clean)
    return SB_ENOMEM;
  len = strlen(clean);
  while (len > 1 && clean[len - 1] == '/')
    clean[--len] = '\0';
  if (!kind || strcmp(kind, "auto") == 0) {
    kind = detect_kind(clean);
    if (!kind) {
      err = sb_path_kind_of(clean) == SB_PATH_NONE
              ? sb_msg_set(msg, SB_ENOTFOUND, "%s: no such file or folder", env_label ? env_label : path)
              : sb_msg_set(msg, SB_EINVAL,
                           "%s: not a known suite layout (MUSDB18-HQ, MUSDB18 .stem.mp4, EchoSet, TIGER mix.json, "
                           "LibriMix metadata, WSJ0-2mix, manifest .json/.csv)",
                           path);
      free(clean);
      return err;
    }
  }
  /* MUSDB_PATH may hold MUSDB18 (.stem.mp4) as well as MUSDB18-HQ. */
  if (env_label && strcmp(kind, "musdb18hq") == 0 && !find_below(clean, "mixture.wav", 2) &&
      has_file_with_suffix(clean, ".stem.mp4", 1))
    kind = "musdb18";
  if (strcmp(kind, "musdb18hq") == 0)
    err = env_label ? open_musdb_root(name, clean, subset ? subset : "test", env_label, out, msg)
                    : open_musdb_folder(name, clean, subset ? subset : "test", out, msg);
  else if (strcmp(kind, "musdb18") == 0)
    err = open_musdb_stems(name, clean, subset ? subset : "test", env_label, out, msg);
  else if (strcmp(kind, "echoset") == 0)
    err = sb_echoset_open(clean, subset, out, msg);
  else if (strcmp(kind, "tiger") == 0)
    err = sb_tiger_open(clean, out, msg);
  else if (strcmp(kind, "librimix") == 0)
    err = sb_librimix_open(clean, subset, opts ? opts->variant : NULL, out, msg);
  else if (strcmp(kind, "wsj0-2mix") == 0)
    err = sb_wsj0mix_open(clean, subset, out, msg);
  else if (strcmp(kind, "manifest") == 0) {
    char *file = NULL;
    err = SB_OK;
    if (sb_path_kind_of(clean) == SB_PATH_DIR) {
      err = sb_path_join(clean, "manifest.json", &file);
      if (!err && sb_path_kind_of(file) != SB_PATH_FILE) {
        free(file);
        file = NULL;
        err = sb_path_join(clean, "manifest.csv", &file);
      }
    }
    if (!err)
      err = sb_manifest_open(file ? file : clean, subset, out, msg);
    free(file);
  } else
    err = sb_msg_set(msg, SB_EINVAL, "unknown suite kind '%s' (musdb18hq, musdb18, echoset, tiger, librimix, "
                     "wsj0-2mix, manifest)", kind);
  free(clean);
  if (!err && strcmp((*out)->name, name) != 0) {
    char *copy = strdup(name);
    if (!copy) {
      sb_suite_free(out);
      return SB_ENOMEM;
    }
    free((*out)->name);
    (*out)->name = copy;
  }
  return err;
}

/* The cache folder of the built-in suites. */
static sb_err cache_folder(const sb_suite_opts *opts, char *cache, size_t len, sb_msg *msg)
{
  if (opts && opts->cache_dir) {
    if (snprintf(cache, len, "%s", opts->cache_dir) >= (int)len)
      return sb_msg_set(msg, SB_EINVAL, "cache folder path too long: %s", opts->cache_dir);
    return SB_OK;
  }
  if (sb_suite_default_cache(cache, len) != SB_OK)
    return sb_msg_set(msg, SB_ENOTFOUND, "no cache folder for the built-in suites: set SEPBENCH_CACHE or HOME");
  return SB_OK;
}

/* Resolves a registry entry. */
static sb_err open_entry(const sb_registry_entry *e, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg)
{
  int quiet = opts ? opts->quiet : 0;
  char cache[4096];
  sb_suite_opts o = opts ? *opts : (sb_suite_opts){0};
  sb_err err;

  if (!o.subset)
    o.subset = e->subset;
  if (e->path) {
    char label[4200];
    int from_env = strchr(e->source, '/') == NULL && strchr(e->source, ':') == NULL;
    snprintf(label, sizeof label, "%s=%s", e->source, e->path);
    return open_kind(e->name, e->kind, e->path, &o, from_env ? label : NULL, out, msg);
  }
  if (strcmp(e->kind, "none") == 0)
    return sb_msg_set(msg, SB_ENOTFOUND, "suite %s: %s", e->name, e->description);
  err = cache_folder(opts, cache, sizeof cache, msg);
  if (err)
    return err;
  if (strcmp(e->kind, "tiny") == 0)
    return resolve_builtin(&tiny_builtin, cache, quiet, out, msg);
  if (strcmp(e->kind, "demo-speech") == 0)
    return resolve_builtin(&speech_builtin, cache, quiet, out, msg);
#ifdef HAVE_FLUIDSYNTH
  return resolve_builtin(&demo_builtin, cache, quiet, out, msg);
#else
  return sb_msg_set(msg, SB_EUNSUPPORTED,
                    "suite music: MUSDB_PATH is not set and this sepbench was built without FluidSynth, so the "
                    "demo music suite is unavailable; set MUSDB_PATH to a MUSDB18-HQ folder or use the tiny suite");
#endif
}

sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_registry *reg = NULL;
  const sb_registry_entry *entry;
  const char *subset = opts && opts->subset ? opts->subset : NULL;

  *out = NULL;
  if (!spec || !spec[0])
    return sb_msg_set(msg, SB_EINVAL, "no suite given (use music, speech, tiny, a name from the suites config, "
                      "KIND:PATH or a path)");
  if (subset && (!subset[0] || strchr(subset, '/')))
    return sb_msg_set(msg, SB_EINVAL, "invalid subset name '%s'", subset);
  err = sb_registry_load(opts ? opts->config : NULL, &reg, msg);
  if (err)
    return err;
  entry = sb_registry_find(reg, spec);
  if (entry) {
    err = open_entry(entry, opts, out, msg);
  } else {
    const char *colon = strchr(spec, ':');
    const char *kind = NULL;
    char kind_buf[32];
    const char *path = spec;
    if (colon && colon - spec < (ptrdiff_t)sizeof kind_buf) {
      memcpy(kind_buf, spec, (size_t)(colon - spec));
      kind_buf[colon - spec] = '\0';
      for (size_t i = 0; i < sizeof reader_kinds / sizeof reader_kinds[0]; i++)
        if (strcmp(kind_buf, reader_kinds[i]) == 0) {
          kind = kind_buf;
          path = colon + 1;
        }
    }
    if (!kind && sb_path_kind_of(spec) == SB_PATH_NONE)
      err = sb_msg_set(msg, SB_ENOTFOUND,
                       "unknown suite '%s': not a registered suite (music, speech, librimix, tiny%s), not "
                       "KIND:PATH, nor an existing file or folder",
                       spec, reg->n_entries > 4 ? ", or a name of the suites config" : "");
    else
      err = open_kind(spec, kind, path, opts, NULL, out, msg);
  }
  sb_registry_free(&reg);
  if (!err)
    err = sb_suite_select(*out, opts, msg);
  if (err)
    sb_suite_free(out);
  return err;
}
