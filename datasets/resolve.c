/*
 * datasets/resolve.c — from a suite spec to a suite: registered names
 * (registry.h), KIND:PATH, layout detection for a bare path, and the
 * built-in suites generated into the cache (see resolve.h).  The readers
 * (musdb.h, speech_sets.h, manifest.h) sit below; this file is the only
 * one that knows them all.
 *
 * Workload: one resolution per run; layout detection looks a few levels
 * deep into one folder.
 */
#include <config.h>

#include "datasets/resolve.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"
#include "datasets/demo_speech.h"
#include "datasets/manifest.h"
#include "datasets/musdb.h"
#include "datasets/registry.h"
#include "datasets/speech_sets.h"
#include "datasets/tiny_suite.h"
#ifdef HAVE_FLUIDSYNTH
#include "datasets/demo_music.h"
#endif

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
    err = sb_musdb_read_tracks(s, dir, b->subset, 1, msg);
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
  return sb_path_xdg(buf, len, "SEPBENCH_CACHE", "XDG_CACHE_HOME", ".cache", "sepbench");
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

/* Detects the layout of an existing path. */
static const char *detect_kind(const char *path)
{
  sb_path_kind pk = sb_path_kind_of(path);

  if (pk == SB_PATH_FILE) {
    if (sb_path_has_suffix(path, ".stem.mp4"))
      return "musdb18";
    if (sb_path_has_suffix(path, "/mix.json") || strcmp(path, "mix.json") == 0)
      return "tiger";
    if (sb_path_has_suffix(path, ".csv")) {
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
    if (sb_path_has_suffix(path, ".json"))
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
    if (sb_path_find_suffix(path, ".stem.mp4", 1))
      return "musdb18";
  }
  return NULL;
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
  char *clean = NULL;
  sb_err err;

  *out = NULL;
  err = sb_path_trim_slashes(path, &clean);
  if (err)
    return err;
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
      sb_path_find_suffix(clean, ".stem.mp4", 1))
    kind = "musdb18";
  if (strcmp(kind, "musdb18hq") == 0)
    err = env_label ? sb_musdb_open_root(name, clean, subset ? subset : "test", env_label, out, msg)
                    : sb_musdb_open_folder(name, clean, subset ? subset : "test", out, msg);
  else if (strcmp(kind, "musdb18") == 0)
    err = sb_musdb_open_stems(name, clean, subset ? subset : "test", env_label, out, msg);
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
