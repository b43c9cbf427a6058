/*
 * reports/import.c — museval track JSON into the store (see import.h).
 *
 * Reads the format of museval 0.4.1 (aggregate.py TrackStore; layout of
 * the sigsep-mus-2018 submissions repository: <method>/<subset>/<track>
 * .json) with common/json.c, turns each file into an sb_eval_result
 * holding only frame values and stores it with sb_store_put_item.
 *
 * Workload: a directory walk (depth <= 3) and one parse + one transaction
 * per file.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/escape.h"
#include "metrics/evaluate.h"
#include "reports/import.h"

#define IMPORT_RATE 44100

/* A frame metric's index in sb_eval_result, by museval key; -1 if none. */
static int frame_metric(const char *key)
{
  for (int m = 0; m < SB_FM_COUNT; m++)
    if (strcmp(sb_frame_metric_name(m), key) == 0)
      return m;
  return -1;
}

static void result_clear(sb_eval_result *r)
{
  for (int m = 0; m < SB_FM_COUNT; m++)
    free(r->frame[m]);
  free(r->whole);
  memset(r, 0, sizeof *r);
}

/* Target j of a track file must be an object with a "name" string and a
 * non-empty "frames" array; the message says which of them is wrong. */
static sb_err check_target(const sb_json *target, const char *path, size_t j, sb_msg *msg)
{
  const sb_json *name = sb_json_get(target, "name"), *frames = sb_json_get(target, "frames");

  if (target->type != SB_JSON_OBJECT)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target %zu is %s, not an object with \"name\" and \"frames\"", path,
                      j, sb_json_type_words(target));
  if (!name)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target %zu has no \"name\"", path, j);
  if (name->type != SB_JSON_STRING)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target %zu: \"name\" is %s, not a string", path, j,
                      sb_json_type_words(name));
  if (!frames)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s' has no \"frames\"", path, name->string);
  if (frames->type != SB_JSON_ARRAY)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s': \"frames\" is %s, not an array", path, name->string,
                      sb_json_type_words(frames));
  if (frames->n == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s' has no frames (\"frames\" is empty)", path,
                      name->string);
  return SB_OK;
}

/* Validates the parsed file and fills r (frames only) and names. */
static sb_err result_from_json(const sb_json *root, const char *path, sb_eval_result *r,
                               const char ***names, sb_msg *msg)
{
  const sb_json *targets = sb_json_get(root, "targets");
  const sb_json *first_frames;
  int64_t n_frames;
  double t0 = 0.0, t1 = 0.0, duration = 0.0;

  if (!root || root->type != SB_JSON_OBJECT || !targets || targets->type != SB_JSON_ARRAY)
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a museval track file (no \"targets\" array)", path);
  if (targets->n == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: \"targets\" is empty", path);
  for (size_t j = 0; j < targets->n; j++) {
    sb_err err = check_target(targets->items[j], path, j, msg);
    if (err)
      return err;
  }
  first_frames = sb_json_get(targets->items[0], "frames");
  n_frames = (int64_t)first_frames->n;

  r->n_src = (int)targets->n;
  *names = calloc(targets->n, sizeof **names);
  r->whole = malloc((size_t)r->n_src * SB_WM_COUNT * sizeof *r->whole);
  if (!*names || !r->whole)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  for (size_t i = 0; i < (size_t)r->n_src * SB_WM_COUNT; i++)
    r->whole[i] = NAN;
  for (int m = 0; m < SB_FM_COUNT; m++) {
    r->frame[m] = malloc((size_t)r->n_src * (size_t)n_frames * sizeof *r->frame[m]);
    if (!r->frame[m])
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < (size_t)r->n_src * (size_t)n_frames; i++)
      r->frame[m][i] = NAN;
  }

  for (int j = 0; j < r->n_src; j++) {
    const sb_json *target = targets->items[j];
    const sb_json *frames = sb_json_get(target, "frames");
    const char *name = sb_json_str(sb_json_get(target, "name"));
    for (int k = 0; k < j; k++)
      if (strcmp((*names)[k], name) == 0)
        return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s' appears twice", path, name);
    (*names)[j] = name;
    if (!frames || frames->type != SB_JSON_ARRAY || (int64_t)frames->n != n_frames)
      return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s' has %zu frames, target '%s' %lld",
                        path, name, frames && frames->type == SB_JSON_ARRAY ? frames->n : 0,
                        (*names)[0], (long long)n_frames);
    for (int64_t k = 0; k < n_frames; k++) {
      const sb_json *frame = frames->items[k];
      const sb_json *time = sb_json_get(frame, "time");
      const sb_json *dur = sb_json_get(frame, "duration");
      const sb_json *metrics = sb_json_get(frame, "metrics");
      if (!time || time->type != SB_JSON_NUMBER || !dur || dur->type != SB_JSON_NUMBER ||
          !metrics || metrics->type != SB_JSON_OBJECT)
        return sb_msg_set(msg, SB_EFORMAT,
                          "%s: target '%s' frame %lld needs numbers \"time\", \"duration\" and"
                          " an object \"metrics\"", path, name, (long long)k);
      if (j == 0 && k == 0) {
        t0 = time->number;
        duration = dur->number;
      }
      if (j == 0 && k == 1)
        t1 = time->number;
      for (size_t e = 0; e < metrics->n; e++) {
        int m = frame_metric(metrics->keys[e]);
        if (m < 0)
          continue;
        if (metrics->items[e]->type != SB_JSON_NUMBER)
          return sb_msg_set(msg, SB_EFORMAT, "%s: target '%s' frame %lld: %s is not a number",
                            path, name, (long long)k, metrics->keys[e]);
        r->frame[m][(size_t)j * (size_t)n_frames + (size_t)k] = metrics->items[e]->number;
      }
    }
  }
  if (!(duration > 0) || !isfinite(duration) || (n_frames > 1 && !(t1 > t0)))
    return sb_msg_set(msg, SB_EFORMAT, "%s: frame duration %g s and spacing %g s must be positive",
                      path, duration, t1 - t0);
  r->rate = IMPORT_RATE;
  r->n_frames = n_frames;
  r->win = llround(duration * IMPORT_RATE);
  r->hop = n_frames > 1 ? llround((t1 - t0) * IMPORT_RATE) : r->win;
  if (r->win < 1 || r->hop < 1)
    return sb_msg_set(msg, SB_EFORMAT, "%s: frames shorter than one sample at %d Hz", path,
                      IMPORT_RATE);
  return SB_OK;
}

sb_err sb_import_museval_file(sb_store *s, const sb_import_opts *o, const char *path,
                              const char *method, const char *subset, const char *track,
                              int *imported, sb_msg *msg)
{
  sb_json *root = NULL;
  sb_eval_result r = {0};
  const char **names = NULL;
  int64_t suite_id, track_id, method_id;
  int done = 0;
  sb_err err;

  if (imported)
    *imported = 0;
  if (!s || !o || !o->config || !path || !method || !track)
    return sb_msg_set(msg, SB_EINVAL, "import: NULL argument or no config");
  err = sb_json_parse_file(path, &root, msg);
  if (err)
    return err;
  err = result_from_json(root, path, &r, &names, msg);
  if (err) {
    /* Target names may hold any character (they are stored as they are);
     * the message that quotes one stays one line. */
    if (msg)
      sb_text_printable(msg->text);
    goto done;
  }
  if ((err = sb_store_suite(s, o->suite ? o->suite : "museval", "museval-json", NULL, &suite_id)) ||
      (err = sb_store_track(s, suite_id, track, subset, &track_id)) ||
      (err = sb_store_method(s, method, "museval-json", path, &method_id)) ||
      (err = sb_store_item_done(s, track_id, method_id, o->config, &done))) {
    err = sb_msg_set(msg, err, "%s", sb_store_errmsg(s));
    goto done;
  }
  if (!done) {
    sb_item_record rec = {0, track_id, method_id, o->config, r.n_src, names, &r, NAN, -1, 0};
    err = sb_store_put_item(s, &rec, msg);
    if (!err && imported)
      *imported = 1;
  }
done:
  free(names);
  result_clear(&r);
  sb_json_free(&root);
  return err;
}

/* ---------------------------------------------------------------- directory walk */

/* One .json file found under the directory, by its relative path. */
typedef struct found_file {
  char *path;  /* full path */
  char *rel;   /* relative to the root */
  int depth;   /* number of components of rel */
} found_file;

typedef struct file_list {
  int n, cap;
  found_file *files;
} file_list;

static void file_list_clear(file_list *l)
{
  for (int i = 0; i < l->n; i++) {
    free(l->files[i].path);
    free(l->files[i].rel);
  }
  free(l->files);
  memset(l, 0, sizeof *l);
}

static int ends_with_json(const char *name)
{
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static sb_err walk(const char *dir, const char *rel, int depth, file_list *l, sb_msg *msg)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  sb_err err = SB_OK;
  if (!d)
    return sb_msg_set(msg, SB_EIO, "%s: cannot read directory: %s", dir, strerror(errno));
  while ((e = readdir(d)) != NULL) {
    char path[4096], sub[4096];
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    if (stat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode) && depth < 3) {
      err = walk(path, sub, depth + 1, l, msg);
      if (err)
        break;
    } else if (S_ISREG(st.st_mode) && ends_with_json(e->d_name)) {
      if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        found_file *grown = realloc(l->files, (size_t)cap * sizeof *grown);
        if (!grown) {
          err = sb_msg_set(msg, SB_ENOMEM, "import: out of memory");
          break;
        }
        l->files = grown;
        l->cap = cap;
      }
      l->files[l->n] = (found_file){strdup(path), strdup(sub), depth};
      if (!l->files[l->n].path || !l->files[l->n].rel) {
        free(l->files[l->n].path);
        free(l->files[l->n].rel);
        err = sb_msg_set(msg, SB_ENOMEM, "import: out of memory");
        break;
      }
      l->n++;
    }
  }
  closedir(d);
  return err;
}

static int compare_files(const void *a, const void *b)
{
  return strcmp(((const found_file *)a)->rel, ((const found_file *)b)->rel);
}

/* The last path component of path (without trailing slashes) into buf. */
static void base_name(const char *path, char *buf, size_t len)
{
  size_t n = strlen(path);
  const char *start;
  while (n > 1 && path[n - 1] == '/')
    n--;
  start = path + n;
  while (start > path && start[-1] != '/')
    start--;
  snprintf(buf, len, "%.*s", (int)(path + n - start), start);
}

sb_err sb_import_museval(sb_store *s, const sb_import_opts *o, const char *path, int *n_files,
                         sb_msg *msg)
{
  file_list l = {0};
  struct stat st;
  char default_method[256];
  int n_imported = 0;
  sb_err err = SB_OK;

  if (n_files)
    *n_files = 0;
  if (!s || !o || !o->config || !path)
    return sb_msg_set(msg, SB_EINVAL, "import: NULL argument or no config");
  if (stat(path, &st) != 0)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    char track[512];
    int imported = 0;
    base_name(path, track, sizeof track);
    if (ends_with_json(track))
      track[strlen(track) - 5] = '\0';
    err = sb_import_museval_file(s, o, path, o->method ? o->method : "museval", NULL, track,
                                 &imported, msg);
    if (n_files)
      *n_files = imported;
    return err;
  }
  base_name(path, default_method, sizeof default_method);
  err = walk(path, "", 1, &l, msg);
  if (err)
    goto done;
  if (l.n == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no museval .json files (layout <method>/<subset>/"
                     "<track>.json or <subset>/<track>.json)", path);
    goto done;
  }
  qsort(l.files, (size_t)l.n, sizeof *l.files, compare_files);
  for (int i = 0; i < l.n; i++) {
    /* rel = [method/][subset/]track.json */
    char *parts[3] = {NULL, NULL, NULL};
    char *copy = strdup(l.files[i].rel), *save = NULL;
    const char *method, *subset, *track;
    int n_parts = 0, imported = 0;
    if (!copy) {
      err = sb_msg_set(msg, SB_ENOMEM, "import: out of memory");
      goto done;
    }
    for (char *tok = strtok_r(copy, "/", &save); tok && n_parts < 3;
         tok = strtok_r(NULL, "/", &save))
      parts[n_parts++] = tok;
    parts[n_parts - 1][strlen(parts[n_parts - 1]) - 5] = '\0';
    track = parts[n_parts - 1];
    method = n_parts == 3 ? parts[0] : o->method ? o->method : default_method;
    subset = n_parts == 3 ? parts[1] : n_parts == 2 ? parts[0] : NULL;
    err = sb_import_museval_file(s, o, l.files[i].path, method, subset, track, &imported, msg);
    free(copy);
    if (err)
      goto done;
    n_imported += imported;
  }
done:
  file_list_clear(&l);
  if (n_files)
    *n_files = n_imported;
  return err;
}
