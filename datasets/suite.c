/*
 * datasets/suite.c — the suite/track model: building suites for the
 * readers, sorting and checking them, and the selection of sb_suite_opts
 * (see suite.h).
 *
 * Every order is bytewise (tracks) or canonical (targets, common/targets.h),
 * so it never depends on the locale or the file system.
 *
 * Workload: one suite per run; up to ~50 000 tracks (LibriMix train-360).
 */
#include <config.h>

#include "datasets/suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/paths.h"
#include "common/targets.h"

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

int sb_suite_kind_is_speech(const char *kind)
{
  static const char *const speech[] = {"echoset", "tiger", "librimix", "wsj0-2mix", "demo-speech"};
  for (size_t i = 0; kind && i < sizeof speech / sizeof speech[0]; i++)
    if (strcmp(kind, speech[i]) == 0)
      return 1;
  return 0;
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
  int at;
  if (len == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty name", what);
  if (len > 255)
    return sb_msg_set(msg, SB_EINVAL, "%s: name longer than 255 bytes", what);
  if (!sb_path_is_utf8(name))
    return sb_msg_set(msg, SB_EINVAL, "%s: name is not valid UTF-8", what);
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: '%s' is not a usable name", what, name);
  /* A control character is named by its code, not printed: the message
   * stays one line. */
  if ((at = sb_control_char_at(name)) >= 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: name holds a control character (0x%02X at byte %d)", what,
                      (unsigned)(unsigned char)name[at], at);
  if (strchr(name, '/'))
    return sb_msg_set(msg, SB_EINVAL, "%s: name '%s' holds '/'", what, name);
  return SB_OK;
}

sb_err sb_suite_add_track(sb_suite *s, const char *name, const char *subset, const char *mix_path,
                          sb_track **out, sb_msg *msg)
{
  sb_track *tracks, *t;
  sb_err err;

  *out = NULL;
  err = sb_track_name_check(name, "track name", msg);
  if (!err && subset && subset[0])
    err = sb_track_name_check(subset, "subset", msg);
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
  char *label = NULL;
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
  err = sb_path_printf(&label, "%s (sum of %d stems)", name, n);
  if (!err)
    err = sb_track_add_stem(t, name, label, NULL);
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
