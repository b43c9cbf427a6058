/*
 * backends/dir.c — estimates read from a folder in one of the
 * layouts of datasets/estimates.h (see backends/dir.h): museval's
 * estimates_dir (sigsep-mus-eval), demucs' OUT/<model>/<track>/ and
 * asteroid-infer's <name>_est<k>.wav, or a template.
 */
#include <config.h>

#include "backends/dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "common/paths.h"
#include "datasets/track_audio.h"
#include "backends/api.h"

struct sb_dir_backend {
  char *root;
  char *pattern;
  sb_est_layout layout;
};

sb_err sb_dir_backend_new(const char *root, sb_est_layout layout, const char *pattern, sb_dir_backend **out,
                          sb_msg *msg)
{
  sb_dir_backend *d;
  int has_pattern = pattern && pattern[0];

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "dir: no result pointer");
  *out = NULL;
  if (!root || !*root)
    return sb_msg_set(msg, SB_EINVAL, "dir: empty path (expected dir:PATH)");
  if (has_pattern != (layout == SB_EST_PATTERN))
    return sb_msg_set(msg, SB_EINVAL, "dir:%s: %s", root,
                      has_pattern ? "--est-pattern goes with --est-layout pattern (or none)"
                                  : "--est-layout pattern needs --est-pattern TEMPLATE");
  if (has_pattern) {
    /* Placeholders and path rules checked once, on a stand-in track. */
    char track_name[] = "track", subset[] = "subset", target[] = "target", *expanded = NULL;
    char *names[1] = {target};
    sb_track probe = {.name = track_name, .subset = subset, .n_stems = 1, .stem_names = names};
    sb_err err = sb_estimates_expand(pattern, &probe, 0, NULL, &expanded, msg);
    free(expanded);
    if (err)
      return err;
  }
  if (sb_path_kind_of(root) != SB_PATH_DIR)
    return sb_msg_set(msg, SB_ENOTFOUND, "dir:%s: no such folder", root);
  d = calloc(1, sizeof *d);
  if (!d || !(d->root = strdup(root)) || (has_pattern && !(d->pattern = strdup(pattern)))) {
    if (d)
      free(d->root);
    free(d);
    return sb_msg_set(msg, SB_ENOMEM, "dir:%s: out of memory", root);
  }
  d->layout = layout;
  *out = d;
  return SB_OK;
}

void sb_dir_backend_free(sb_dir_backend **d)
{
  if (!d || !*d)
    return;
  free((*d)->root);
  free((*d)->pattern);
  free(*d);
  *d = NULL;
}

/* museval: <subset>/<track>/ where that folder exists, else <track>/ (so an
 * estimates folder may hold some tracks under their subset and others not,
 * as museval's EvalStore and the MUSDB18 submissions do). */
static sb_err museval_spec(const sb_dir_backend *d, const sb_track *track, sb_est_spec *spec)
{
  char *folder = NULL;
  sb_err err = SB_OK;
  int nested = 0;
  if (track->subset && track->subset[0]) {
    err = sb_path_printf(&folder, "%s/%s/%s", d->root, track->subset, track->name);
    nested = !err && sb_path_kind_of(folder) == SB_PATH_DIR;
    free(folder);
  }
  *spec = (sb_est_spec){.layout = SB_EST_PATTERN,
                        .root = d->root,
                        .pattern = nested ? "{subset}/{track}/{target}.wav" : "{track}/{target}.wav"};
  return err;
}

/* The layout for one track; auto probes the first target in each layout. */
static sb_err choose_spec(const sb_dir_backend *d, const sb_track *track, sb_est_spec *spec, sb_msg *msg)
{
  static const sb_est_layout probe_order[] = {SB_EST_MUSEVAL, SB_EST_DEMUCS, SB_EST_ASTEROID};
  sb_track first = *track;
  char **paths = NULL;

  *spec = (sb_est_spec){.layout = d->layout, .root = d->root, .pattern = d->pattern};
  if (d->layout == SB_EST_MUSEVAL)
    return museval_spec(d, track, spec);
  if (d->layout != SB_EST_AUTO)
    return SB_OK;
  first.n_stems = 1;
  for (size_t i = 0; i < sizeof probe_order / sizeof probe_order[0]; i++) {
    sb_est_spec candidate = {.layout = probe_order[i], .root = d->root};
    sb_err err = probe_order[i] == SB_EST_MUSEVAL ? museval_spec(d, track, &candidate) : SB_OK;
    if (err)
      return err;
    if (sb_estimates_locate(&candidate, &first, &paths, NULL) == SB_OK) {
      sb_estimates_free_paths(&paths, 1);
      *spec = candidate;
      return SB_OK;
    }
  }
  /* Nothing found: the locator's message lists the layouts tried. */
  return sb_estimates_locate(spec, track, &paths, msg);
}

sb_err sb_dir_backend_locate(const sb_dir_backend *d, const sb_track *track, char ***paths, sb_msg *msg)
{
  sb_est_spec spec;
  sb_err err;
  if (!paths)
    return sb_msg_set(msg, SB_EINVAL, "dir: no result pointer");
  *paths = NULL;
  if (!d || !track)
    return sb_msg_set(msg, SB_EINVAL, "dir: no backend or no track");
  err = choose_spec(d, track, &spec, msg);
  return err ? err : sb_estimates_locate(&spec, track, paths, msg);
}

void sb_dir_backend_note_refit(char *note, size_t note_len, const char *target, const char *path, int64_t n_file,
                               int64_t n_ref)
{
  size_t used;
  if (!note || note_len == 0)
    return;
  used = strlen(note);
  snprintf(note + used, note_len - used, "%sestimate '%s' (%s): %lld samples, %s to %lld", used ? "; " : "",
           target, path, (long long)n_file, n_file < n_ref ? "zero-padded" : "truncated", (long long)n_ref);
}

/* Reads one estimate file into est (cut, checked, fitted). */
static sb_err read_estimate(const char *path, const sb_track *track, const sb_separation *job, double *est,
                            char *note, size_t note_len, const char *target, sb_msg *msg)
{
  sb_audio *a = NULL;
  int64_t refit = -1;
  sb_err err = sb_audio_read(path, &a, msg);

  if (!err && track->excerpt_len > 0)
    err = sb_track_audio_cut(a, track, path, msg);
  if (!err)
    err = sb_track_audio_fit_estimate(a, path, job->rate, job->n_chan, job->n_samples, &refit, msg);
  if (!err) {
    memcpy(est, a->data, (size_t)job->n_chan * (size_t)job->n_samples * sizeof *est);
    if (refit >= 0)
      sb_dir_backend_note_refit(note, note_len, target, path, refit, job->n_samples);
  }
  sb_audio_free(&a);
  return err;
}

sb_err sb_dir_backend_separate(const sb_dir_backend *d, const sb_track *track, const sb_separation *job, char *note,
                               size_t note_len)
{
  char **paths = NULL;
  sb_msg msg;
  sb_err err;

  if (note && note_len)
    note[0] = '\0';
  if (!d || !track)
    return SB_EINVAL;
  err = sb_backend_check_job("dir", job, 0);
  if (err)
    return err;
  if (job->n_targets != track->n_stems)
    return sb_backend_error(job->errbuf, job->errlen, SB_EINVAL, "dir:%s: %d targets asked, track '%s' has %d",
                            d->root, job->n_targets, track->name, track->n_stems);
  for (int t = 0; t < job->n_targets; t++)
    if (strcmp(job->targets[t], track->stem_names[t]) != 0)
      return sb_backend_error(job->errbuf, job->errlen, SB_EINVAL, "dir:%s: target '%s' is not the track's '%s'",
                              d->root, job->targets[t], track->stem_names[t]);
  sb_msg_clear(&msg);
  err = sb_dir_backend_locate(d, track, &paths, &msg);
  for (int t = 0; !err && t < job->n_targets; t++)
    err = read_estimate(paths[t], track, job, job->est[t], note, note_len, job->targets[t], &msg);
  sb_estimates_free_paths(&paths, track->n_stems);
  if (err)
    return sb_backend_error(job->errbuf, job->errlen, err, "dir:%s: %s", d->root,
                            msg.text[0] ? msg.text : sb_strerror(err));
  return SB_OK;
}
