/*
 * datasets/manifest.c — generic JSON and CSV suite manifests (see
 * manifest.h).  The JSON goes through common/json.c (RFC 8259, nesting
 * limited), the CSV through common/csv.c (RFC 4180); every id, name and
 * path is checked before it reaches the suite, so a hostile manifest ends
 * in one clear message.
 */
#include <config.h>

#include "datasets/manifest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/json.h"
#include "common/paths.h"

/* Checks a reference (stem) name before any message quotes it: a name
 * holding a line break would split the message (sb_track_name_check). */
static sb_err reference_name_check(const char *name, const char *where, sb_msg *msg)
{
  char what[4300];
  snprintf(what, sizeof what, "%s: reference", where);
  return sb_track_name_check(name, what, msg);
}

/* Adds one track from already-checked texts; ref_names/ref_paths parallel. */
static sb_err add_entry(sb_suite *s, const char *dir, const char *where, const char *id, const char *mixture,
                        const char *subset, const char *tags, int n_refs, const char *const *ref_names,
                        const char *const *ref_paths, sb_msg *msg)
{
  char *path = NULL;
  sb_track *t;
  sb_err err = sb_track_name_check(id, where, msg);

  if (err)
    return err;
  if (subset && subset[0]) {
    char what[512];
    snprintf(what, sizeof what, "%s: subset", where);
    if ((err = sb_track_name_check(subset, what, msg)) != SB_OK)
      return err;
  }
  if (tags && !sb_path_is_utf8(tags))
    return sb_msg_set(msg, SB_EINVAL, "%s: tags are not valid UTF-8", where);
  if (n_refs == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: track '%s' has no references", where, id);
  err = sb_path_resolve(dir, mixture, where, &path, msg);
  if (!err)
    err = sb_suite_add_track(s, id, subset && subset[0] ? subset : "test", path, &t, msg);
  free(path);
  path = NULL;
  if (!err && tags && tags[0]) {
    t->tags = strdup(tags);
    if (!t->tags)
      err = SB_ENOMEM;
  }
  for (int k = 0; !err && k < n_refs; k++) {
    char what[4300];
    if ((err = reference_name_check(ref_names[k], where, msg)) != SB_OK)
      break;
    snprintf(what, sizeof what, "%s: reference '%s'", where, ref_names[k]);
    err = sb_path_resolve(dir, ref_paths[k], what, &path, msg);
    /* The name is checked, so SB_EINVAL means a repeated name (a JSON
     * object may hold a key twice). */
    if (!err && (err = sb_track_add_stem(t, ref_names[k], path, NULL)) == SB_EINVAL)
      sb_msg_set(msg, err, "%s given twice", what);
    free(path);
    path = NULL;
  }
  return err;
}

/* Tags of a JSON track: an array of strings or one string, joined by ','. */
static sb_err json_tags(const sb_json *v, const char *where, char **out, sb_msg *msg)
{
  size_t len = 1;
  *out = NULL;
  if (!v || v->type == SB_JSON_NULL)
    return SB_OK;
  if (v->type == SB_JSON_STRING)
    return sb_path_printf(out, "%s", v->string);
  if (v->type != SB_JSON_ARRAY)
    return sb_msg_set(msg, SB_EFORMAT, "%s: \"tags\" must be an array of strings or a string", where);
  for (size_t i = 0; i < v->n; i++) {
    if (v->items[i]->type != SB_JSON_STRING || strchr(v->items[i]->string, ','))
      return sb_msg_set(msg, SB_EFORMAT, "%s: tag %zu is not a string without ','", where, i);
    len += strlen(v->items[i]->string) + 1;
  }
  *out = calloc(len, 1);
  if (!*out)
    return SB_ENOMEM;
  for (size_t i = 0; i < v->n; i++) {
    if (i)
      strcat(*out, ",");
    strcat(*out, v->items[i]->string);
  }
  return SB_OK;
}

/* Keys that name the same field: the track name and the subset. */
static const char *const name_keys[] = {"id", "track", "name", NULL};
static const char *const subset_keys[] = {"subset", "split", NULL};

/* The string of the one member of t among the synonyms keys, or NULL when
 * none is there.  SB_EFORMAT when two are there or the value is not a
 * string. */
static sb_err json_synonym(const sb_json *t, const char *const *keys, const char *where, const char **out,
                           sb_msg *msg)
{
  const char *given = NULL;

  *out = NULL;
  for (int k = 0; keys[k]; k++) {
    const sb_json *v = sb_json_get(t, keys[k]);
    if (!v)
      continue;
    if (given)
      return sb_msg_set(msg, SB_EFORMAT, "%s: \"%s\" and \"%s\" mean the same: give one", where, given,
                        keys[k]);
    if (v->type != SB_JSON_STRING)
      return sb_msg_set(msg, SB_EFORMAT, "%s: \"%s\" must be a string, not %s", where, keys[k],
                        sb_json_type_words(v));
    given = keys[k];
    *out = v->string;
  }
  return SB_OK;
}

/* The manifest-wide members of a JSON object manifest: rate, mixture_is_sum
 * and name. */
static sb_err json_header(sb_suite *s, const sb_json *doc, const char *file, sb_msg *msg)
{
  const sb_json *rate = sb_json_get(doc, "rate"), *is_sum = sb_json_get(doc, "mixture_is_sum");
  const sb_json *name = sb_json_get(doc, "name");

  if (rate) {
    double r = sb_json_num(rate);
    if (rate->type != SB_JSON_NUMBER || !(r >= 1 && r <= 1e6) || r != floor(r))
      return sb_msg_set(msg, SB_EINVAL, "%s: \"rate\" must be a whole number of Hz in 1..1000000", file);
    s->rate = (int)r;
  }
  if (is_sum && is_sum->type != SB_JSON_BOOL)
    return sb_msg_set(msg, SB_EFORMAT, "%s: \"mixture_is_sum\" must be true or false", file);
  s->mix_is_sum = is_sum ? is_sum->boolean : 0;
  if (name && (name->type != SB_JSON_STRING || !sb_path_is_utf8(name->string)))
    return sb_msg_set(msg, SB_EFORMAT, "%s: \"name\" must be a UTF-8 string", file);
  if (name)
    return sb_path_printf(&s->description, "%s (manifest %s)", name->string, file);
  return SB_OK;
}

/* Adds track object t (the i-th) unless subset filters it out. */
static sb_err json_track(sb_suite *s, const sb_json *t, const char *where, const char *dir, const char *subset,
                         sb_msg *msg)
{
  const sb_json *refs = sb_json_get(t, "references");
  const char **names = NULL, **paths = NULL;
  const char *id, *mix, *sub;
  char *tags = NULL;
  sb_err err;

  if (t->type != SB_JSON_OBJECT)
    return sb_msg_set(msg, SB_EFORMAT, "%s: not an object", where);
  err = json_synonym(t, name_keys, where, &id, msg);
  if (!err)
    err = json_synonym(t, subset_keys, where, &sub, msg);
  if (err)
    return err;
  mix = sb_json_str(sb_json_get(t, "mixture"));
  if (!id || !mix || !refs || refs->type != SB_JSON_OBJECT)
    return sb_msg_set(msg, SB_EFORMAT,
                      "%s: needs an \"id\" (or \"track\" or \"name\") and a \"mixture\" string and a "
                      "\"references\" object", where);
  if (subset && (!sub || strcmp(sub, subset) != 0) && !(!sub && strcmp(subset, "test") == 0))
    return SB_OK;
  names = calloc(refs->n + 1, sizeof *names);
  paths = calloc(refs->n + 1, sizeof *paths);
  if (!names || !paths) {
    err = SB_ENOMEM;
    goto done;
  }
  for (size_t k = 0; k < refs->n; k++) {
    names[k] = refs->keys[k];
    paths[k] = sb_json_str(refs->items[k]);
    if ((err = reference_name_check(names[k], where, msg)) != SB_OK)
      goto done;
    if (!paths[k]) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: reference '%s' is not a path string", where, refs->keys[k]);
      goto done;
    }
  }
  err = json_tags(sb_json_get(t, "tags"), where, &tags, msg);
  if (!err)
    err = add_entry(s, dir, where, id, mix, sub, tags, (int)refs->n, names, paths, msg);
done:
  free(tags);
  free(names);
  free(paths);
  return err;
}

static sb_err open_json(sb_suite *s, const char *file, const char *dir, const char *subset, sb_msg *msg)
{
  sb_json *doc = NULL;
  const sb_json *tracks;
  sb_err err = sb_json_parse_file(file, &doc, msg);

  if (err)
    return err;
  tracks = doc->type == SB_JSON_ARRAY ? doc : sb_json_get(doc, "tracks");
  if (!tracks || tracks->type != SB_JSON_ARRAY) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: expected {\"tracks\": [...]} or an array of tracks", file);
    goto done;
  }
  if (doc->type == SB_JSON_OBJECT)
    err = json_header(s, doc, file, msg);
  for (size_t i = 0; !err && i < tracks->n; i++) {
    char where[4200];
    snprintf(where, sizeof where, "%s: track %zu", file, i);
    err = json_track(s, tracks->items[i], where, dir, subset, msg);
  }
done:
  sb_json_free(&doc);
  return err;
}

/* The one column among the synonyms keys, or -1.  SB_EFORMAT when the
 * header has two of them. */
static sb_err csv_synonym(const sb_csv *csv, const char *const *keys, const char *file, int *col, sb_msg *msg)
{
  *col = -1;
  for (int k = 0; keys[k]; k++) {
    int c = sb_csv_col(csv, keys[k]);
    if (c < 0)
      continue;
    if (*col >= 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: the header has both \"%s\" and \"%s\", which mean the same: keep "
                        "one", file, sb_csv_header(csv, *col), keys[k]);
    *col = c;
  }
  return SB_OK;
}

static sb_err open_csv(sb_suite *s, const char *file, const char *dir, const char *subset, sb_msg *msg)
{
  sb_csv *csv = NULL;
  const char **names = NULL, **paths = NULL;
  char *tags = NULL;
  int col_id, col_mix, col_sub, col_tags, n_refs = 0;
  int *ref_cols = NULL;
  sb_err err = sb_csv_parse_file(file, &csv, msg);

  if (err)
    return err;
  err = csv_synonym(csv, name_keys, file, &col_id, msg);
  if (!err)
    err = csv_synonym(csv, subset_keys, file, &col_sub, msg);
  if (err)
    goto done;
  col_mix = sb_csv_col(csv, "mixture");
  col_tags = sb_csv_col(csv, "tags");
  if (col_id < 0 || col_mix < 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: the header needs an \"id\" (or \"track\" or \"name\") and a "
                     "\"mixture\" column", file);
    goto done;
  }
  ref_cols = calloc((size_t)sb_csv_n_cols(csv), sizeof *ref_cols);
  names = calloc((size_t)sb_csv_n_cols(csv), sizeof *names);
  paths = calloc((size_t)sb_csv_n_cols(csv), sizeof *paths);
  if (!ref_cols || !names || !paths) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int c = 0; c < sb_csv_n_cols(csv); c++)
    if (c != col_id && c != col_mix && c != col_sub && c != col_tags) {
      ref_cols[n_refs] = c;
      names[n_refs++] = sb_csv_header(csv, c);
    }
  for (int r = 0; r < sb_csv_n_rows(csv); r++) {
    char where[4200];
    const char *sub = col_sub >= 0 ? sb_csv_cell(csv, r, col_sub) : NULL;
    snprintf(where, sizeof where, "%s: line %d", file, sb_csv_line(csv, r));
    if (subset && (!sub || !sub[0] ? strcmp(subset, "test") != 0 : strcmp(sub, subset) != 0))
      continue;
    for (int k = 0; k < n_refs; k++)
      paths[k] = sb_csv_cell(csv, r, ref_cols[k]);
    free(tags);
    tags = NULL;
    if (col_tags >= 0) {
      err = sb_path_printf(&tags, "%s", sb_csv_cell(csv, r, col_tags));
      if (err)
        goto done;
      for (char *p = tags; *p; p++)
        if (*p == ';')
          *p = ',';
    }
    err = add_entry(s, dir, where, sb_csv_cell(csv, r, col_id), sb_csv_cell(csv, r, col_mix), sub, tags, n_refs,
                    names, paths, msg);
    if (err)
      goto done;
  }
done:
  free(tags);
  free(ref_cols);
  free(names);
  free(paths);
  sb_csv_free(&csv);
  return err;
}

sb_err sb_manifest_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg)
{
  sb_suite *s = NULL;
  char *dir = NULL;
  size_t len = strlen(path);
  int is_csv = len > 4 && strcmp(path + len - 4, ".csv") == 0;
  int is_json = len > 5 && strcmp(path + len - 5, ".json") == 0;
  sb_err err;

  *out = NULL;
  if (!is_csv && !is_json)
    return sb_msg_set(msg, SB_EINVAL, "%s: a manifest must be a .json or .csv file", path);
  if (sb_path_kind_of(path) != SB_PATH_FILE)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such file", path);
  err = sb_path_dirname(path, &dir);
  if (!err)
    err = sb_suite_new(path, "manifest", dir, &s);
  if (!err)
    err = is_csv ? open_csv(s, path, dir, subset, msg) : open_json(s, path, dir, subset, msg);
  if (!err && s->n_tracks == 0)
    err = subset ? sb_msg_set(msg, SB_ENOTFOUND, "%s: no track of subset '%s'", path, subset)
                 : sb_msg_set(msg, SB_ENOTFOUND, "%s: no tracks", path);
  if (!err && (err = sb_suite_finish(s, msg)) != SB_OK && msg) {
    /* sb_suite_finish names the tracks, not the file they came from. */
    char text[sizeof msg->text];
    snprintf(text, sizeof text, "%s", msg->text);
    sb_msg_set(msg, err, "%s: %s", path, text);
  }
  if (!err && !s->description)
    err = sb_path_printf(&s->description, "manifest %s (%d tracks)", path, s->n_tracks);
  free(dir);
  if (err) {
    sb_suite_free(&s);
    return err;
  }
  *out = s;
  return SB_OK;
}
