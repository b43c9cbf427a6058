/*
 * datasets/speech_sets.c — EchoSet, TIGER lists, LibriMix CSVs and
 * WSJ0-2mix folders (see speech_sets.h).
 *
 * Layouts followed: EchoSet as released with TIGER (Xu et al., "TIGER:
 * Time-frequency Interleaved Gain Extraction and Reconstruction for
 * Efficient Speech Separation", 2024); LibriMix metadata as written by
 * JorisCos/LibriMix (Cosentino et al., 2020); WSJ0-2mix as created by the
 * MERL scripts (Hershey et al., ICASSP 2016).  Every listing is sorted
 * bytewise.
 */
#include <config.h>

#include "datasets/speech_sets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/json.h"
#include "common/paths.h"

enum { MAX_DEPTH = 6 };

/* ---------------------------------------------------------------- EchoSet */

/* Adds every folder below dir holding mix.wav; prefix is its name so far. */
static sb_err walk_echoset(sb_suite *s, const char *dir, const char *prefix, const char *subset, int depth,
                           sb_msg *msg)
{
  char *mix = NULL, *sub = NULL, *name = NULL;
  char **entries = NULL;
  int n = 0;
  sb_err err = sb_path_join(dir, "mix.wav", &mix);

  if (err)
    return err;
  if (sb_path_kind_of(mix) == SB_PATH_FILE) {
    static const char *const targets[2] = {"spk1_reverb", "spk2_reverb"};
    sb_track *t;
    err = sb_suite_add_track(s, prefix[0] ? prefix : ".", subset, mix, &t, msg);
    for (int k = 0; !err && k < 2; k++) {
      char file[32];
      snprintf(file, sizeof file, "%s.wav", targets[k]);
      /* Added even when missing: suites validate reports it, a run
       * records the track as failed. */
      err = sb_path_join(dir, file, &sub);
      if (!err)
        err = sb_track_add_stem(t, targets[k], sub, msg);
      free(sub);
      sub = NULL;
    }
    free(mix);
    return err;
  }
  free(mix);
  if (depth == 0)
    return SB_OK;
  err = sb_path_list(dir, SB_PATH_DIR, &entries, &n, msg);
  for (int i = 0; !err && i < n; i++) {
    err = sb_path_join(dir, entries[i], &sub);
    if (!err)
      err = prefix[0] ? sb_path_printf(&name, "%s__%s", prefix, entries[i]) : sb_path_printf(&name, "%s", entries[i]);
    if (!err)
      err = walk_echoset(s, sub, name, subset, depth - 1, msg);
    free(sub);
    free(name);
    sub = name = NULL;
  }
  sb_path_free_list(&entries, n);
  return err;
}

sb_err sb_echoset_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg)
{
  sb_suite *s = NULL;
  char *split_dir = NULL, *root = NULL;
  const char *split_name;
  sb_err err;

  *out = NULL;
  if (sb_path_kind_of(path) != SB_PATH_DIR)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such folder (EchoSet root or split folder)", path);
  err = sb_path_join(path, subset ? subset : "test", &split_dir);
  if (err)
    return err;
  if (sb_path_kind_of(split_dir) == SB_PATH_DIR) {
    split_name = subset ? subset : "test";
    root = strdup(path);
  } else if (subset) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no split folder '%s'", path, subset);
    goto fail;
  } else {
    const char *slash = strrchr(path, '/');
    free(split_dir);
    split_dir = strdup(path);
    split_name = slash ? slash + 1 : path;
    if (!split_dir) {
      err = SB_ENOMEM;
      goto fail;
    }
    err = sb_path_dirname(path, &root);
    if (err)
      goto fail;
  }
  if (!root) {
    err = SB_ENOMEM;
    goto fail;
  }
  err = sb_suite_new(path, "echoset", root, &s);
  if (err)
    goto fail;
  s->rate = 16000;
  s->mix_is_sum = 0;
  err = walk_echoset(s, split_dir, "", split_name, MAX_DEPTH, msg);
  if (!err && s->n_tracks == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no mixture folders (expected <scene>/<room>/<pair>/mix.wav)",
                     split_dir);
  if (!err)
    err = sb_suite_finish(s, msg);
  if (!err)
    err = sb_path_printf(&s->description, "EchoSet %s split at %s (%d mixtures, 16 kHz)", split_name, root,
                         s->n_tracks);
  if (err)
    goto fail;
  free(split_dir);
  free(root);
  *out = s;
  return SB_OK;
fail:
  free(split_dir);
  free(root);
  sb_suite_free(&s);
  return err;
}

/* ---------------------------------------------------------------- TIGER */

/* Parses a whole decimal sample count in 1..2^40. */
static int parse_count(const char *text, long long *out)
{
  char *end;
  long long v;
  if (!text || !text[0] || text[0] == '-' || text[0] == '+')
    return 0;
  errno = 0;
  v = strtoll(text, &end, 10);
  if (errno || *end || v < 1 || v > (1LL << 40))
    return 0;
  *out = v;
  return 1;
}

/* Reads one TIGER list: an array of [path, n_samples]. */
static sb_err read_tiger_list(const char *file, sb_json **out, sb_msg *msg)
{
  sb_err err = sb_json_parse_file(file, out, msg);
  if (err)
    return err;
  if ((*out)->type != SB_JSON_ARRAY) {
    sb_json_free(out);
    return sb_msg_set(msg, SB_EFORMAT, "%s: expected a JSON array of [path, n_samples]", file);
  }
  for (size_t i = 0; i < (*out)->n; i++) {
    const sb_json *item = (*out)->items[i];
    double n = sb_json_num(sb_json_at(item, 1));
    if (item->type != SB_JSON_ARRAY || item->n != 2 || !sb_json_str(sb_json_at(item, 0)) ||
        sb_json_at(item, 1)->type != SB_JSON_NUMBER) {
      sb_json_free(out);
      return sb_msg_set(msg, SB_EFORMAT, "%s: item %zu is not [path, n_samples]", file, i);
    }
    if (!(n >= 1 && n <= 1099511627776.0) || n != (double)(long long)n) {
      sb_json_free(out);
      return sb_msg_set(msg, SB_EINVAL, "%s: item %zu: n_samples must be an integer in 1..2^40", file, i);
    }
  }
  return SB_OK;
}

/* Name of a mixture path below a common prefix of prefix_len bytes. */
static sb_err tiger_name(const char *path, size_t prefix_len, char **out)
{
  const char *rel = path + prefix_len;
  size_t len;
  char *name;
  sb_err err;
  while (*rel == '/')
    rel++;
  err = sb_path_printf(&name, "%s", rel);
  if (err)
    return err;
  len = strlen(name);
  if (len > 4 && strcmp(name + len - 4, ".wav") == 0)
    name[len -= 4] = '\0';
  if (len > 4 && strcmp(name + len - 4, "/mix") == 0)
    name[len -= 4] = '\0';
  /* '/' becomes "__". */
  {
    size_t n_slash = 0;
    for (size_t i = 0; i < len; i++)
      n_slash += name[i] == '/';
    if (n_slash) {
      char *wide = malloc(len + n_slash + 1), *w = wide;
      if (!wide) {
        free(name);
        return SB_ENOMEM;
      }
      for (size_t i = 0; i < len; i++) {
        if (name[i] == '/') {
          *w++ = '_';
          *w++ = '_';
        } else {
          *w++ = name[i];
        }
      }
      *w = '\0';
      free(name);
      name = wide;
    }
  }
  *out = name;
  return SB_OK;
}

sb_err sb_tiger_open(const char *path, sb_suite **out, sb_msg *msg)
{
  static const char *const files[3] = {"mix.json", "s1.json", "s2.json"};
  static const char *const targets[2] = {"spk1_reverb", "spk2_reverb"};
  sb_json *lists[3] = {NULL, NULL, NULL};
  char *dir = NULL, *file = NULL, *name = NULL;
  char *resolved[3] = {NULL, NULL, NULL};
  sb_suite *s = NULL;
  size_t prefix_len = 0;
  sb_err err;

  *out = NULL;
  if (sb_path_kind_of(path) == SB_PATH_DIR)
    dir = strdup(path);
  else
    err = sb_path_dirname(path, &dir);
  if (!dir)
    return SB_ENOMEM;
  for (int k = 0; k < 3; k++) {
    err = sb_path_join(dir, files[k], &file);
    if (!err)
      err = read_tiger_list(file, &lists[k], msg);
    free(file);
    file = NULL;
    if (err)
      goto done;
  }
  if (lists[1]->n != lists[0]->n || lists[2]->n != lists[0]->n) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: mix.json, s1.json and s2.json list %zu, %zu and %zu files", dir,
                     lists[0]->n, lists[1]->n, lists[2]->n);
    goto done;
  }
  if (lists[0]->n == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s/mix.json: empty list", dir);
    goto done;
  }
  /* Common folder prefix of the mixture paths. */
  {
    const char *first = sb_json_str(sb_json_at(lists[0]->items[0], 0));
    prefix_len = strlen(first);
    for (size_t i = 1; i < lists[0]->n; i++) {
      const char *p = sb_json_str(sb_json_at(lists[0]->items[i], 0));
      size_t j = 0;
      while (j < prefix_len && p[j] == first[j])
        j++;
      prefix_len = j;
    }
    while (prefix_len > 0 && first[prefix_len - 1] != '/')
      prefix_len--;
  }
  err = sb_suite_new(path, "tiger", dir, &s);
  if (err)
    goto done;
  s->rate = 16000;
  for (size_t i = 0; i < lists[0]->n; i++) {
    char where[64];
    sb_track *t;
    double n_mix = sb_json_num(sb_json_at(lists[0]->items[i], 1));
    for (int k = 1; k < 3; k++)
      if (sb_json_num(sb_json_at(lists[k]->items[i], 1)) != n_mix) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s/%s: item %zu has %.0f samples, mix.json says %.0f", dir, files[k], i,
                         sb_json_num(sb_json_at(lists[k]->items[i], 1)), n_mix);
        goto done;
      }
    for (int k = 0; k < 3; k++) {
      snprintf(where, sizeof where, "%s item %zu", files[k], i);
      err = sb_path_resolve(dir, sb_json_str(sb_json_at(lists[k]->items[i], 0)), where, &resolved[k], msg);
      if (err)
        goto done;
    }
    err = tiger_name(sb_json_str(sb_json_at(lists[0]->items[i], 0)), prefix_len, &name);
    if (!err)
      err = sb_suite_add_track(s, name, "test", resolved[0], &t, msg);
    for (int k = 0; !err && k < 2; k++)
      err = sb_track_add_stem(t, targets[k], resolved[k + 1], msg);
    if (!err)
      t->n_samples_declared = (int64_t)n_mix;
    for (int k = 0; k < 3; k++) {
      free(resolved[k]);
      resolved[k] = NULL;
    }
    free(name);
    name = NULL;
    if (err)
      goto done;
  }
  err = sb_suite_finish(s, msg);
  if (!err)
    err = sb_path_printf(&s->description, "TIGER lists in %s (%d mixtures)", dir, s->n_tracks);
done:
  for (int k = 0; k < 3; k++) {
    sb_json_free(&lists[k]);
    free(resolved[k]);
  }
  free(name);
  free(dir);
  if (err)
    sb_suite_free(&s);
  *out = s;
  return err;
}

/* ---------------------------------------------------------------- LibriMix */

/* Finds metadata/mixture_<split>_<mix>.csv below root. */
static sb_err find_librimix_csv(const char *root, const char *split, const char *mix, char **out)
{
  static const char *const bases[] = {"", "wav16k/max", "wav16k/min", "wav8k/max", "wav8k/min",
                                      "Libri2Mix/wav16k/max", "Libri2Mix/wav16k/min", "Libri2Mix/wav8k/max",
                                      "Libri2Mix/wav8k/min", "Libri3Mix/wav16k/max", "Libri3Mix/wav8k/min"};
  *out = NULL;
  for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
    char *p = NULL;
    sb_err err = sb_path_printf(&p, "%s%s%s/metadata/mixture_%s_%s.csv", root, bases[i][0] ? "/" : "", bases[i],
                                split, mix);
    if (err)
      return err;
    if (sb_path_kind_of(p) == SB_PATH_FILE) {
      *out = p;
      return SB_OK;
    }
    free(p);
  }
  return SB_ENOTFOUND;
}

/* A path of the CSV, re-rooted under csv_dir/.. when it does not exist. */
static sb_err librimix_path(const char *csv_dir, const char *path, const char *where, char **out, sb_msg *msg)
{
  sb_err err = sb_path_resolve(csv_dir, path, where, out, msg);
  const char *cut;
  char *alt = NULL;
  int n_slash = 0;

  if (err || sb_path_kind_of(*out) == SB_PATH_FILE)
    return err;
  /* Keep the last three components: <split>/<kind>/<file>. */
  for (cut = path + strlen(path); cut > path; cut--)
    if (cut[-1] == '/' && ++n_slash == 3)
      break;
  if (n_slash < 3)
    return SB_OK;
  err = sb_path_printf(&alt, "%s/../%s", csv_dir, cut);
  if (err)
    return err;
  if (sb_path_kind_of(alt) == SB_PATH_FILE) {
    free(*out);
    *out = alt;
  } else {
    free(alt);
  }
  return SB_OK;
}

sb_err sb_librimix_open(const char *path, const char *subset, const char *variant, sb_suite **out, sb_msg *msg)
{
  const char *mix_type, *split;
  char *csv_path = NULL, *csv_dir = NULL, *file = NULL;
  sb_csv *csv = NULL;
  sb_suite *s = NULL;
  int col_id, col_mix, col_len, col_src[3];
  char split_buf[64] = "test";
  sb_err err;

  *out = NULL;
  if (variant && strcmp(variant, "sep_clean") != 0 && strcmp(variant, "sep_noisy") != 0)
    return sb_msg_set(msg, SB_EINVAL, "LibriMix variant must be sep_clean or sep_noisy, not '%s'", variant);
  mix_type = variant && strcmp(variant, "sep_noisy") == 0 ? "mix_both" : "mix_clean";
  split = subset ? subset : "test";
  if (sb_path_kind_of(path) == SB_PATH_DIR) {
    err = find_librimix_csv(path, split, mix_type, &csv_path);
    if (err == SB_ENOTFOUND)
      return sb_msg_set(msg, err, "%s: no LibriMix metadata/mixture_%s_%s.csv (looked in ., wav16k/max, wav8k/min, "
                        "Libri2Mix/...)", path, split, mix_type);
    if (err)
      return err;
  } else {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    csv_path = strdup(path);
    if (!csv_path)
      return SB_ENOMEM;
    /* mixture_<split>_<mix>.csv names the split and the mixture type. */
    if (strncmp(base, "mixture_", 8) == 0) {
      const char *us = strstr(base + 8, "_mix_");
      if (us && (size_t)(us - base - 8) < sizeof split_buf) {
        memcpy(split_buf, base + 8, (size_t)(us - base - 8));
        split_buf[us - base - 8] = '\0';
        mix_type = strstr(us, "mix_both") ? "mix_both" : strstr(us, "mix_single") ? "mix_single" : "mix_clean";
      }
    }
    split = split_buf;
  }
  err = sb_csv_parse_file(csv_path, &csv, msg);
  if (err)
    goto done;
  col_id = sb_csv_col(csv, "mixture_ID");
  col_mix = sb_csv_col(csv, "mixture_path");
  col_len = sb_csv_col(csv, "length");
  for (int k = 0; k < 3; k++) {
    char h[32];
    snprintf(h, sizeof h, "source_%d_path", k + 1);
    col_src[k] = sb_csv_col(csv, h);
  }
  if (col_id < 0 || col_mix < 0 || col_src[0] < 0 || col_src[1] < 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: not LibriMix metadata (needs mixture_ID, mixture_path, source_1_path, "
                     "source_2_path columns)", csv_path);
    goto done;
  }
  err = sb_path_dirname(csv_path, &csv_dir);
  if (!err)
    err = sb_suite_new(path, "librimix", csv_dir, &s);
  if (err)
    goto done;
  s->mix_is_sum = strcmp(mix_type, "mix_clean") == 0;
  s->rate = strstr(csv_path, "wav8k") ? 8000 : strstr(csv_path, "wav16k") ? 16000 : 0;
  for (int r = 0; r < sb_csv_n_rows(csv); r++) {
    char where[4200];
    sb_track *t;
    long long length = 0;
    snprintf(where, sizeof where, "%s: line %d", csv_path, sb_csv_line(csv, r));
    if (col_len >= 0 && !parse_count(sb_csv_cell(csv, r, col_len), &length)) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: length '%.40s' is not a whole number of samples in 1..2^40", where,
                       sb_csv_cell(csv, r, col_len));
      goto done;
    }
    err = sb_track_name_check(sb_csv_cell(csv, r, col_id), where, msg);
    if (!err)
      err = librimix_path(csv_dir, sb_csv_cell(csv, r, col_mix), where, &file, msg);
    if (!err)
      err = sb_suite_add_track(s, sb_csv_cell(csv, r, col_id), split, file, &t, msg);
    free(file);
    file = NULL;
    for (int k = 0; !err && k < 3; k++) {
      char target[8];
      if (col_src[k] < 0)
        continue;
      snprintf(target, sizeof target, "s%d", k + 1);
      err = librimix_path(csv_dir, sb_csv_cell(csv, r, col_src[k]), where, &file, msg);
      if (!err)
        err = sb_track_add_stem(t, target, file, msg);
      free(file);
      file = NULL;
    }
    if (err)
      goto done;
    t->n_samples_declared = length;
  }
  err = sb_suite_finish(s, msg);
  if (!err)
    err = sb_path_printf(&s->description, "LibriMix %s %s (%s, %d mixtures) from %s", split, mix_type,
                         s->mix_is_sum ? "sep_clean" : "sep_noisy", s->n_tracks, csv_path);
done:
  sb_csv_free(&csv);
  free(csv_path);
  free(csv_dir);
  if (err)
    sb_suite_free(&s);
  *out = s;
  return err;
}

/* ---------------------------------------------------------------- WSJ0-2mix */

sb_err sb_wsj0mix_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg)
{
  static const char *const targets[3] = {"s1", "s2", "s3"};
  const char *split = subset ? subset : "test";
  char *split_dir = NULL, *mix_dir = NULL, *file = NULL;
  char **names = NULL;
  int n_names = 0, n_src = 2;
  sb_suite *s = NULL;
  sb_err err;

  *out = NULL;
  if (strcmp(split, "test") == 0)
    split = "tt";
  else if (strcmp(split, "valid") == 0)
    split = "cv";
  else if (strcmp(split, "train") == 0)
    split = "tr";
  err = sb_path_join(path, "mix", &mix_dir);
  if (err)
    return err;
  if (sb_path_kind_of(mix_dir) == SB_PATH_DIR) {
    const char *slash = strrchr(path, '/');
    split = slash ? slash + 1 : path;
    split_dir = strdup(path);
  } else {
    free(mix_dir);
    mix_dir = NULL;
    err = sb_path_join(path, split, &split_dir);
    if (!err)
      err = sb_path_join(split_dir, "mix", &mix_dir);
    if (err)
      goto done;
    if (sb_path_kind_of(mix_dir) != SB_PATH_DIR) {
      err = sb_msg_set(msg, SB_ENOTFOUND, "%s: not a WSJ0-2mix folder (no mix/ nor %s/mix/)", path, split);
      goto done;
    }
  }
  if (!split_dir) {
    err = SB_ENOMEM;
    goto done;
  }
  err = sb_path_join(split_dir, "s3", &file);
  if (err)
    goto done;
  if (sb_path_kind_of(file) == SB_PATH_DIR)
    n_src = 3;
  free(file);
  file = NULL;
  err = sb_suite_new(path, "wsj0-2mix", split_dir, &s);
  if (err)
    goto done;
  s->mix_is_sum = 1;
  s->rate = strstr(split_dir, "wav8k") ? 8000 : strstr(split_dir, "wav16k") ? 16000 : 0;
  err = sb_path_list(mix_dir, SB_PATH_FILE, &names, &n_names, msg);
  for (int i = 0; !err && i < n_names; i++) {
    size_t len = strlen(names[i]);
    sb_track *t;
    if (len <= 4 || strcmp(names[i] + len - 4, ".wav") != 0)
      continue;
    err = sb_path_join(mix_dir, names[i], &file);
    names[i][len - 4] = '\0';
    if (!err)
      err = sb_suite_add_track(s, names[i], split, file, &t, msg);
    free(file);
    file = NULL;
    for (int k = 0; !err && k < n_src; k++) {
      err = sb_path_printf(&file, "%s/%s/%s.wav", split_dir, targets[k], names[i]);
      if (!err && sb_path_kind_of(file) != SB_PATH_FILE)
        err = sb_msg_set(msg, SB_ENOTFOUND, "%s: missing (mixture %s/mix/%s.wav has no %s)", file, split_dir,
                         names[i], targets[k]);
      if (!err)
        err = sb_track_add_stem(t, targets[k], file, msg);
      free(file);
      file = NULL;
    }
  }
  if (!err && s->n_tracks == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no *.wav mixtures", mix_dir);
  if (!err)
    err = sb_suite_finish(s, msg);
  if (!err)
    err = sb_path_printf(&s->description, "WSJ0-%dmix %s at %s (%d mixtures)", n_src, split, split_dir, s->n_tracks);
done:
  sb_path_free_list(&names, n_names);
  free(split_dir);
  free(mix_dir);
  free(file);
  if (err)
    sb_suite_free(&s);
  *out = s;
  return err;
}
