/*
 * datasets/estimates.c — estimate files on disk (see estimates.h).
 * Layouts from the tools' documentation: museval's
 * EvalStore/eval_mus_dir (estimates_dir/<subset>/<track>/<target>.wav),
 * demucs' separate.py (OUT/<model>/<track>/<stem>.<ext>) and
 * asteroid-infer (<name>_est<k>.wav).
 */
#include <config.h>

#include "datasets/estimates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/paths.h"

sb_err sb_estimates_parse_layout(const char *name, sb_est_layout *out)
{
  static const char *const names[] = {"auto", "museval", "demucs", "asteroid", "pattern"};
  for (int i = 0; i < 5; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (sb_est_layout)i;
      return SB_OK;
    }
  return SB_EINVAL;
}

void sb_estimates_free_paths(char ***paths, int n)
{
  if (!paths || !*paths)
    return;
  for (int i = 0; i < n; i++)
    free((*paths)[i]);
  free(*paths);
  *paths = NULL;
}

/* Appends n bytes of s to the growing string *buf. */
static sb_err append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
  if (*len + n + 1 > *cap) {
    size_t cap2 = (*len + n + 1) * 2;
    char *p = realloc(*buf, cap2);
    if (!p)
      return SB_ENOMEM;
    *buf = p;
    *cap = cap2;
  }
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[*len] = '\0';
  return SB_OK;
}

/* 1 when a '/'-separated component of path is "..". */
static int has_dotdot(const char *path)
{
  for (const char *q = path; *q;) {
    size_t n = strcspn(q, "/");
    if (n == 2 && q[0] == '.' && q[1] == '.')
      return 1;
    q += n + (q[n] == '/');
  }
  return 0;
}

sb_err sb_estimates_expand(const char *pattern, const sb_track *track, int target, const char *model, char **out,
                           sb_msg *msg)
{
  char *buf = NULL, number[32];
  size_t len = 0, cap = 0;
  sb_err err = SB_OK;
  const char *p;
  int at;

  *out = NULL;
  /* Checked first, so that the messages below can quote the template on
   * one line. */
  if (pattern && (at = sb_control_char_at(pattern)) >= 0)
    return sb_msg_set(msg, SB_EINVAL, "--est-pattern: the template holds a control character (0x%02X at byte %d)",
                      (unsigned)(unsigned char)pattern[at], at);
  if (!pattern || !pattern[0] || pattern[0] == '/')
    return sb_msg_set(msg, SB_EINVAL, "--est-pattern '%s': must be a non-empty relative path", pattern ? pattern : "");
  if (target < 0 || target >= track->n_stems)
    return sb_msg_set(msg, SB_EINVAL, "--est-pattern: target index %d out of range", target);
  err = append(&buf, &len, &cap, "", 0);
  for (p = pattern; !err && *p;) {
    const char *open = strchr(p, '{'), *close;
    const char *value = NULL;
    size_t name_len;
    if (!open) {
      err = append(&buf, &len, &cap, p, strlen(p));
      break;
    }
    err = append(&buf, &len, &cap, p, (size_t)(open - p));
    close = strchr(open, '}');
    if (err)
      break;
    if (!close) {
      err = sb_msg_set(msg, SB_EINVAL, "--est-pattern '%s': unclosed '{'", pattern);
      break;
    }
    name_len = (size_t)(close - open - 1);
#define IS(name) (name_len == strlen(name) && strncmp(open + 1, name, name_len) == 0)
    if (IS("track"))
      value = track->name;
    else if (IS("target"))
      value = track->stem_names[target];
    else if (IS("subset"))
      value = track->subset;
    else if (IS("model"))
      value = model;
    else if (IS("index") || IS("index0")) {
      snprintf(number, sizeof number, "%d", target + (IS("index") ? 1 : 0));
      value = number;
    } else {
      err = sb_msg_set(msg, SB_EINVAL, "--est-pattern '%s': unknown placeholder {%.*s} (track, target, subset, "
                       "index, index0, model)", pattern, (int)name_len, open + 1);
      break;
    }
    if (!value) {
      err = sb_msg_set(msg, SB_EINVAL, "--est-pattern '%s': {model} needs a model name", pattern);
      break;
    }
#undef IS
    err = append(&buf, &len, &cap, value, strlen(value));
    p = close + 1;
  }
  if (!err && has_dotdot(buf))
    err = sb_msg_set(msg, SB_EINVAL, "--est-pattern '%s': expands to '%s' for track '%s', target '%s': '..' is not "
                     "allowed", pattern, buf, track->name, track->stem_names[target]);
  if (err) {
    free(buf);
    return err;
  }
  *out = buf;
  return SB_OK;
}

/* Why the estimate file path of target k cannot be used: SB_ENOTFOUND
 * when nothing is there, SB_EIO naming what is there instead (a folder, a
 * FIFO, a link loop, a folder on the way that cannot be searched). */
static sb_err not_found(const char *path, const sb_track *track, int k, sb_msg *msg)
{
  sb_msg why;
  sb_err err = sb_path_check_file(path, &why);
  if (err == SB_ENOTFOUND || err == SB_OK)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: estimate of '%s' for track '%s' not found", path,
                      track->stem_names[k], track->name);
  return sb_msg_set(msg, err, "%s (the estimate of '%s' for track '%s')", why.text, track->stem_names[k],
                    track->name);
}

/* Locates with a template; SB_ENOTFOUND names the first missing file, SB_EIO
 * the first path that exists as something other than a readable file.
 * exts, when not NULL, lists extensions tried in place of ".wav". */
static sb_err locate_pattern(const char *root, const char *pattern, const char *model, const sb_track *track,
                             const char *const *exts, char ***paths, sb_msg *msg)
{
  char **out = calloc((size_t)track->n_stems, sizeof *out);
  sb_err err = SB_OK;

  if (!out)
    return SB_ENOMEM;
  for (int k = 0; !err && k < track->n_stems; k++) {
    char *rel = NULL;
    err = sb_estimates_expand(pattern, track, k, model, &rel, msg);
    if (!err)
      err = sb_path_join(root, rel, &out[k]);
    free(rel);
    if (err)
      break;
    if (sb_path_kind_of(out[k]) != SB_PATH_FILE && exts) {
      size_t len = strlen(out[k]);
      int wav = len > 4 && strcmp(out[k] + len - 4, ".wav") == 0;
      for (int e = 0; exts[e] && wav; e++) {
        char *alt = NULL;
        err = sb_path_printf(&alt, "%.*s%s", (int)(len - 4), out[k], exts[e]);
        if (err)
          break;
        if (sb_path_kind_of(alt) == SB_PATH_FILE) {
          free(out[k]);
          out[k] = alt;
          break;
        }
        free(alt);
      }
    }
    if (!err && sb_path_kind_of(out[k]) != SB_PATH_FILE)
      err = not_found(out[k], track, k, msg);
  }
  if (err) {
    sb_estimates_free_paths(&out, track->n_stems);
    return err;
  }
  *paths = out;
  return SB_OK;
}

/* Other extensions tried, in order, when a ".wav" estimate is missing: museval
 * layouts and templates (lossless FLAC: MUSDB submissions, demucs --flac),
 * demucs (also --mp3). */
static const char *const flac_ext[] = {".flac", NULL};
static const char *const demucs_ext[] = {".flac", ".mp3", NULL};

static sb_err locate_museval(const char *root, const sb_track *track, char ***paths, sb_msg *msg)
{
  char *subset_dir = NULL;
  sb_err err = sb_path_join(root, track->subset, &subset_dir);
  int has_subset;
  if (err)
    return err;
  has_subset = track->subset[0] && sb_path_kind_of(subset_dir) == SB_PATH_DIR;
  free(subset_dir);
  return locate_pattern(root, has_subset ? "{subset}/{track}/{target}.wav" : "{track}/{target}.wav", NULL, track,
                        flac_ext, paths, msg);
}

static sb_err locate_demucs(const char *root, const char *model, const sb_track *track, char ***paths, sb_msg *msg)
{
  const char *const *exts = demucs_ext;
  char **models = NULL;
  int n_models = 0;
  sb_err err;

  if (model)
    return locate_pattern(root, "{model}/{track}/{target}.wav", model, track, exts, paths, msg);
  err = sb_path_list(root, SB_PATH_DIR, &models, &n_models, msg);
  if (err)
    return err;
  if (n_models != 1)
    err = n_models == 0 ? sb_msg_set(msg, SB_ENOTFOUND, "%s: no model folder (demucs writes OUT/<model>/<track>/)",
                                     root)
                        : sb_msg_set(msg, SB_EINVAL,
                                     "%s: %d model folders (%s, %s, ...): name the model, e.g. dir:%s/%s",
                                     root, n_models, models[0], models[1], root, models[0]);
  else
    err = locate_pattern(root, "{model}/{track}/{target}.wav", models[0], track, exts, paths, msg);
  sb_path_free_list(&models, n_models);
  return err;
}

sb_err sb_estimates_locate(const sb_est_spec *spec, const sb_track *track, char ***paths, sb_msg *msg)
{
  *paths = NULL;
  if (!spec || !spec->root || !spec->root[0])
    return sb_msg_set(msg, SB_EINVAL, "estimates: no folder given");
  if (track->n_stems < 1)
    return sb_msg_set(msg, SB_EINVAL, "track '%s' has no targets", track->name);
  switch (spec->layout) {
  case SB_EST_MUSEVAL:
    return locate_museval(spec->root, track, paths, msg);
  case SB_EST_DEMUCS:
    return locate_demucs(spec->root, spec->model, track, paths, msg);
  case SB_EST_ASTEROID:
    return locate_pattern(spec->root, "{track}_est{index}.wav", NULL, track, NULL, paths, msg);
  case SB_EST_PATTERN:
    if (!spec->pattern)
      return sb_msg_set(msg, SB_EINVAL, "estimates: layout pattern without a template");
    return locate_pattern(spec->root, spec->pattern, spec->model, track, flac_ext, paths, msg);
  case SB_EST_AUTO:
  default:
    break;
  }
  {
    sb_msg tried[3];
    sb_err found[3];
    found[0] = locate_museval(spec->root, track, paths, &tried[0]);
    if (found[0] == SB_OK)
      return SB_OK;
    found[1] = locate_demucs(spec->root, spec->model, track, paths, &tried[1]);
    if (found[1] == SB_OK)
      return SB_OK;
    found[2] = locate_pattern(spec->root, "{track}_est{index}.wav", NULL, track, NULL, paths, &tried[2]);
    if (found[2] == SB_OK)
      return SB_OK;
    /* A file of some layout is there but is no file: name it (demucs' list
     * of model folders fails on a missing root too: that is no such file). */
    for (int i = 0; i < 3; i++)
      if (found[i] == SB_EIO && (i != 1 || sb_path_kind_of(spec->root) == SB_PATH_DIR)) {
        if (msg)
          *msg = tried[i];
        return SB_EIO;
      }
  }
  return sb_msg_set(msg, SB_ENOTFOUND, "%s: no estimates for track '%s' in the museval (<subset>/<track>/<target>.wav), "
                    "demucs (<model>/<track>/<target>.wav) or asteroid (<track>_est1.wav) layouts", spec->root,
                    track->name);
}
