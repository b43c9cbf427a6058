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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/paths.h"
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

static void free_track(sb_track *t)
{
  free(t->name);
  free(t->subset);
  free(t->mix_path);
  for (int i = 0; i < t->n_stems; i++) {
    free(t->stem_names[i]);
    free(t->stem_paths[i]);
  }
  free(t->stem_names);
  free(t->stem_paths);
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

/* Rank of a target name: the musdb targets first in musdb order, then the
 * rest (compared by name). */
static int target_rank(const char *name)
{
  for (int i = 0; i < N_MUSDB_TARGETS; i++)
    if (strcmp(name, musdb_targets[i]) == 0)
      return i;
  return N_MUSDB_TARGETS;
}

static int compare_targets(const void *a, const void *b)
{
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  int rx = target_rank(x), ry = target_rank(y);
  if (rx != ry)
    return rx < ry ? -1 : 1;
  return strcmp(x, y);
}

static int has_wav_suffix(const char *name)
{
  size_t len = strlen(name);
  return len > 4 && strcmp(name + len - 4, ".wav") == 0;
}

/* Fills t from <tracks_dir>/<name>/: mixture.wav plus every other *.wav as
 * a target, targets in musdb order then by name. */
static sb_err load_track(const char *tracks_dir, const char *name, const char *subset, sb_track *t, sb_msg *msg)
{
  sb_err err;
  char *dir = NULL;
  char **files = NULL;
  int n_files = 0;

  memset(t, 0, sizeof *t);
  err = sb_path_join(tracks_dir, name, &dir);
  if (err)
    return err;
  t->name = strdup(name);
  t->subset = strdup(subset);
  if (!t->name || !t->subset) {
    err = SB_ENOMEM;
    goto fail;
  }
  err = sb_path_join(dir, "mixture.wav", &t->mix_path);
  if (err)
    goto fail;
  if (sb_path_kind_of(t->mix_path) != SB_PATH_FILE) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: missing (every track folder needs a mixture.wav)", t->mix_path);
    goto fail;
  }
  err = sb_path_list(dir, SB_PATH_FILE, &files, &n_files, msg);
  if (err)
    goto fail;
  /* Keep the target files, dropping ".wav"; files[] is reused in place. */
  int n_stems = 0;
  for (int i = 0; i < n_files; i++) {
    if (!has_wav_suffix(files[i]) || strcmp(files[i], "mixture.wav") == 0) {
      free(files[i]);
      continue;
    }
    files[i][strlen(files[i]) - 4] = '\0';
    files[n_stems++] = files[i];
  }
  n_files = n_stems;
  if (n_stems == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no reference stems (expected vocals.wav, drums.wav, bass.wav, other.wav)",
                     dir);
    goto fail;
  }
  qsort(files, (size_t)n_stems, sizeof *files, compare_targets);
  t->stem_paths = calloc((size_t)n_stems, sizeof *t->stem_paths);
  if (!t->stem_paths) {
    err = SB_ENOMEM;
    goto fail;
  }
  t->stem_names = files;
  t->n_stems = n_stems;
  files = NULL;
  for (int i = 0; i < n_stems; i++) {
    t->stem_paths[i] = format_string("%s/%s.wav", dir, t->stem_names[i]);
    if (!t->stem_paths[i]) {
      err = SB_ENOMEM;
      goto fail;
    }
  }
  free(dir);
  return SB_OK;

fail:
  sb_path_free_list(&files, n_files);
  free_track(t);
  free(dir);
  return err;
}

/* Index of target name in t, or -1. */
static int find_target(const sb_track *t, const char *name)
{
  for (int i = 0; i < t->n_stems; i++)
    if (strcmp(t->stem_names[i], name) == 0)
      return i;
  return -1;
}

/* Every track must have the same targets as the first one. */
static sb_err check_same_targets(const sb_suite *s, const char *tracks_dir, sb_msg *msg)
{
  const sb_track *first = &s->tracks[0];
  for (int i = 1; i < s->n_tracks; i++) {
    const sb_track *t = &s->tracks[i];
    for (int k = 0; k < first->n_stems; k++)
      if (find_target(t, first->stem_names[k]) < 0)
        return sb_msg_set(msg, SB_ENOTFOUND, "%s/%s/%s.wav: missing (track '%s' has it)", tracks_dir, t->name,
                          first->stem_names[k], first->name);
    for (int k = 0; k < t->n_stems; k++)
      if (find_target(first, t->stem_names[k]) < 0)
        return sb_msg_set(msg, SB_ENOTFOUND, "%s/%s/%s.wav: missing (track '%s' has it)", tracks_dir,
                          first->name, t->stem_names[k], t->name);
  }
  return SB_OK;
}

/* Loads every track folder of tracks_dir into s (sorted by name). */
static sb_err load_tracks(sb_suite *s, const char *tracks_dir, const char *subset, sb_msg *msg)
{
  sb_err err;
  char **names = NULL;
  int n_names = 0;

  err = sb_path_list(tracks_dir, SB_PATH_DIR, &names, &n_names, msg);
  if (err)
    return err;
  if (n_names == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no track folders (expected %s/<track>/mixture.wav)", tracks_dir,
                     tracks_dir);
    goto done;
  }
  s->tracks = calloc((size_t)n_names, sizeof *s->tracks);
  if (!s->tracks) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int i = 0; i < n_names; i++) {
    err = load_track(tracks_dir, names[i], subset, &s->tracks[i], msg);
    if (err)
      goto done;
    s->n_tracks++;
  }
  err = check_same_targets(s, tracks_dir, msg);
done:
  sb_path_free_list(&names, n_names);
  return err;
}

static sb_err new_suite(sb_suite **out, const char *name, const char *kind, const char *root)
{
  sb_suite *s = calloc(1, sizeof *s);

  *out = NULL;
  if (!s)
    return SB_ENOMEM;
  s->name = strdup(name);
  s->kind = strdup(kind);
  s->root = strdup(root);
  if (!s->name || !s->kind || !s->root) {
    sb_suite_free(&s);
    return SB_ENOMEM;
  }
  *out = s;
  return SB_OK;
}

/* MUSDB_PATH must hold <root>/<subset>/<track>/ with the four musdb targets. */
static sb_err resolve_musdb_env(const char *root, const char *subset, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *subset_dir = NULL;
  sb_msg inner;

  *out = NULL;
  if (sb_path_kind_of(root) != SB_PATH_DIR)
    return sb_msg_set(msg, SB_ENOTFOUND, "MUSDB_PATH=%s: no such folder", root);
  err = sb_path_join(root, subset, &subset_dir);
  if (err)
    return err;
  if (sb_path_kind_of(subset_dir) != SB_PATH_DIR) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "MUSDB_PATH=%s: not a MUSDB18-HQ tree: no subset folder %s", root,
                     subset_dir);
    goto fail;
  }
  err = new_suite(&s, "music", "musdb18hq", root);
  if (err)
    goto fail;
  sb_msg_clear(&inner);
  err = load_tracks(s, subset_dir, subset, &inner);
  if (err) {
    sb_msg_set(msg, err, "MUSDB_PATH=%s: not a MUSDB18-HQ tree: %s", root, inner.text);
    goto fail;
  }
  for (int i = 0; i < s->n_tracks; i++)
    for (int k = 0; k < N_MUSDB_TARGETS; k++)
      if (find_target(&s->tracks[i], musdb_targets[k]) < 0) {
        err = sb_msg_set(msg, SB_ENOTFOUND, "MUSDB_PATH=%s: not a MUSDB18-HQ tree: %s/%s/%s.wav is missing", root,
                         subset_dir, s->tracks[i].name, musdb_targets[k]);
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
static sb_err resolve_folder(const char *spec, const char *subset, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  sb_suite *s = NULL;
  char *path = NULL, *subset_dir = NULL, *root = NULL, *subset_name = NULL;
  size_t len;

  *out = NULL;
  path = strdup(spec);
  if (!path)
    return SB_ENOMEM;
  len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    path[--len] = '\0';
  err = sb_path_join(path, subset, &subset_dir);
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
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
      subset_name = strdup(slash + 1);
      *slash = '\0';
      root = strdup(path);
    } else if (slash) {
      subset_name = strdup(slash + 1);
      root = strdup("/");
    } else {
      subset_name = strdup(path);
      root = strdup(".");
    }
    if (!subset_dir) {
      err = SB_ENOMEM;
      goto done;
    }
  }
  if (!root || !subset_name) {
    err = SB_ENOMEM;
    goto done;
  }
  err = new_suite(&s, spec, "musdb18hq", root);
  if (err)
    goto done;
  err = load_tracks(s, subset_dir, subset_name, msg);
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
  free(path);
  free(subset_dir);
  free(root);
  free(subset_name);
  return err;
}

/* A built-in suite generated into the cache. */
typedef struct builtin {
  const char *name, *kind, *subset, *description;
  sb_err (*ensure)(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg);
} builtin;

static const builtin tiny_builtin = {
  "tiny", "tiny", "tiny", "built-in tiny synthetic suite (3 tracks x 6 s, 4 stems, 44.1 kHz)",
  sb_tiny_suite_ensure,
};
#ifdef HAVE_FLUIDSYNTH
static const builtin demo_builtin = {
  "music", "demo-music", "demo",
  "built-in demo music suite (MUSDB_PATH is not set): 4 OpenMSX songs rendered from MIDI with FluidSynth, "
  "25 s excerpts, 4 stems, 44.1 kHz",
  sb_demo_music_ensure,
};
#endif

/* Generates the suite when needed and loads its tracks, which sit directly
 * in the suite folder.  A cache damaged after generation (a file deleted
 * although the marker is there) is generated once more. */
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
    err = new_suite(&s, b->name, b->kind, dir);
    if (!err)
      err = load_tracks(s, dir, b->subset, msg);
    if (err != SB_ENOTFOUND || attempt == 1)
      break;
    sb_suite_free(&s);
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

sb_err sb_suite_resolve(const char *spec, const sb_suite_opts *opts, sb_suite **out, sb_msg *msg)
{
  sb_err err;
  const char *subset = opts && opts->subset ? opts->subset : "test";
  int quiet = opts ? opts->quiet : 0;
  char cache[4096];

  *out = NULL;
  if (!spec || !spec[0])
    return sb_msg_set(msg, SB_EINVAL, "no suite given (use music, tiny or a folder)");
  if (!subset[0] || strchr(subset, '/'))
    return sb_msg_set(msg, SB_EINVAL, "invalid subset name '%s'", subset);
  if (strcmp(spec, "music") == 0) {
    const char *musdb = getenv("MUSDB_PATH");
    if (musdb && musdb[0])
      return resolve_musdb_env(musdb, subset, out, msg);
  }
  if (strcmp(spec, "music") == 0 || strcmp(spec, "tiny") == 0) {
    if (opts && opts->cache_dir) {
      if (snprintf(cache, sizeof cache, "%s", opts->cache_dir) >= (int)sizeof cache)
        return sb_msg_set(msg, SB_EINVAL, "cache folder path too long: %s", opts->cache_dir);
    } else {
      err = sb_suite_default_cache(cache, sizeof cache);
      if (err)
        return sb_msg_set(msg, err, "no cache folder for the built-in suites: set SEPBENCH_CACHE or HOME");
    }
  }
  if (strcmp(spec, "tiny") == 0)
    return resolve_builtin(&tiny_builtin, cache, quiet, out, msg);
  if (strcmp(spec, "music") == 0) {
#ifdef HAVE_FLUIDSYNTH
    return resolve_builtin(&demo_builtin, cache, quiet, out, msg);
#else
    return sb_msg_set(msg, SB_EUNSUPPORTED,
                      "suite music: MUSDB_PATH is not set and this sepbench was built without FluidSynth, so the "
                      "demo music suite is unavailable; set MUSDB_PATH to a MUSDB18-HQ folder or use the tiny suite");
#endif
  }
  switch (sb_path_kind_of(spec)) {
  case SB_PATH_DIR:
    return resolve_folder(spec, subset, out, msg);
  case SB_PATH_NONE:
    return sb_msg_set(msg, SB_ENOTFOUND,
                      "unknown suite '%s': not a built-in suite (music, tiny) nor an existing folder",
                      spec);
  default:
    return sb_msg_set(msg, SB_EINVAL, "%s: a suite must be a folder of track folders, not a file", spec);
  }
}
