/*
 * runners/backend_dir.c — estimates read from a folder in museval's
 * layout (see runners/backend_dir.h).
 */
#include <config.h>

#include "runners/backend_dir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/audio.h"
#include "datasets/track_audio.h"
#include "runners/backends.h"

struct sb_dir_backend {
  char *root;
};

static int is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

sb_err sb_dir_backend_new(const char *root, sb_dir_backend **out, sb_msg *msg)
{
  sb_dir_backend *d;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "dir: no result pointer");
  *out = NULL;
  if (!root || !*root)
    return sb_msg_set(msg, SB_EINVAL, "dir: empty path (expected dir:PATH)");
  if (!is_dir(root))
    return sb_msg_set(msg, SB_ENOTFOUND, "dir:%s: no such folder", root);
  d = calloc(1, sizeof *d);
  if (!d || !(d->root = strdup(root))) {
    free(d);
    return sb_msg_set(msg, SB_ENOMEM, "dir:%s: out of memory", root);
  }
  *out = d;
  return SB_OK;
}

void sb_dir_backend_free(sb_dir_backend **d)
{
  if (!d || !*d)
    return;
  free((*d)->root);
  free(*d);
  *d = NULL;
}

/* Reads one estimate file into est (checked, fitted). */
static sb_err read_estimate(const char *path, const sb_separation *job, double *est, sb_msg *msg)
{
  sb_audio *a = NULL;
  int64_t refit;
  sb_err err = sb_audio_read(path, &a, msg);

  if (!err)
    err = sb_track_audio_fit_estimate(a, path, job->rate, job->n_chan, job->n_frames, &refit, msg);
  if (!err)
    memcpy(est, a->data, (size_t)job->n_chan * (size_t)job->n_frames * sizeof *est);
  sb_audio_free(&a);
  return err;
}

sb_err sb_dir_backend_separate(const sb_dir_backend *d, const char *subset, const sb_separation *job)
{
  char folder[PATH_MAX], path[PATH_MAX + 64];
  sb_msg msg;
  sb_err err;

  if (!d)
    return SB_EINVAL;
  err = sb_backend_check_job("dir", job, 0);
  if (err)
    return err;
  sb_msg_clear(&msg);
  if (!job->track || !*job->track || strchr(job->track, '/'))
    return sb_backend_error(job->errbuf, job->errlen, SB_EINVAL, "dir:%s: bad track name", d->root);
  snprintf(folder, sizeof folder, "%s/%s/%s", d->root, subset ? subset : "", job->track);
  if (!subset || !*subset || !is_dir(folder))
    snprintf(folder, sizeof folder, "%s/%s", d->root, job->track);
  if (!is_dir(folder))
    return sb_backend_error(job->errbuf, job->errlen, SB_ENOTFOUND,
                            "dir:%s: no estimates for '%s' (looked for %s/%s/%s and %s)", d->root, job->track,
                            d->root, subset ? subset : "<subset>", job->track, folder);
  for (int t = 0; t < job->n_targets; t++) {
    snprintf(path, sizeof path, "%s/%s.wav", folder, job->targets[t]);
    if (!is_file(path)) {
      snprintf(path, sizeof path, "%s/%s.flac", folder, job->targets[t]);
      if (!is_file(path)) {
        snprintf(path, sizeof path, "%s/%s.wav", folder, job->targets[t]);
        return sb_backend_error(job->errbuf, job->errlen, SB_ENOTFOUND, "dir:%s: missing estimate %s", d->root,
                                path);
      }
    }
    err = read_estimate(path, job, job->est[t], &msg);
    if (err)
      return sb_backend_error(job->errbuf, job->errlen, err, "dir:%s: %s", d->root, msg.text);
  }
  return SB_OK;
}
