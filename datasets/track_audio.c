/*
 * datasets/track_audio.c — loads a track's mixture and stems and enforces
 * the shape rules of shared/specs/bsseval.md (references agree in rate,
 * channels and length; estimates are padded/truncated to the references).
 */
#include <config.h>

#include "datasets/track_audio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

sb_err sb_track_audio_check_shape(const sb_audio *a, const char *path, const sb_audio *first,
                                  const char *first_path, sb_msg *msg)
{
  if (a->rate != first->rate)
    return sb_msg_set(msg, SB_ERATE, "%s: sample rate %d Hz, but %s has %d Hz", path, a->rate,
                      first_path, first->rate);
  if (a->n_chan != first->n_chan)
    return sb_msg_set(msg, SB_ECHAN, "%s: %d channel(s), but %s has %d", path, a->n_chan,
                      first_path, first->n_chan);
  if (a->n_samples != first->n_samples)
    return sb_msg_set(msg, SB_ELENGTH, "%s: %lld samples, but %s has %lld", path,
                      (long long)a->n_samples, first_path, (long long)first->n_samples);
  return SB_OK;
}

sb_err sb_track_audio_cut(sb_audio *a, const sb_track *track, const char *path, sb_msg *msg)
{
  int64_t start, len;
  if (!(track->excerpt_len > 0) && !(track->excerpt_start > 0))
    return SB_OK;
  start = (int64_t)llround(track->excerpt_start * a->rate);
  len = track->excerpt_len > 0 ? (int64_t)llround(track->excerpt_len * a->rate) : a->n_samples - start;
  if (start >= a->n_samples)
    return sb_msg_set(msg, SB_ELENGTH, "%s: excerpt starts at %.3f s, the file lasts %.3f s", path,
                      track->excerpt_start, (double)a->n_samples / a->rate);
  if (len > a->n_samples - start)
    len = a->n_samples - start;
  for (int c = 0; c < a->n_chan; c++)
    memmove(a->data + (int64_t)c * len, a->data + (int64_t)c * a->n_samples + start, (size_t)len * sizeof *a->data);
  a->n_samples = len;
  return SB_OK;
}

/* Reads stem k (k < 0: the mixture), summing the parts of a derived stem. */
static sb_err read_signal(const sb_track *track, int k, sb_audio **out, sb_msg *msg)
{
  const char *path = k < 0 ? track->mix_path : track->stem_paths[k];
  sb_err err;
  if (k >= 0 && track->stem_n_parts && track->stem_n_parts[k] > 0) {
    char *const *parts = track->stem_parts[k];
    err = sb_audio_read(parts[0], out, msg);
    for (int p = 1; !err && p < track->stem_n_parts[k]; p++) {
      sb_audio *part = NULL;
      err = sb_audio_read(parts[p], &part, msg);
      if (!err)
        err = sb_track_audio_check_shape(part, parts[p], *out, parts[0], msg);
      for (int64_t i = 0; !err && i < (int64_t)part->n_chan * part->n_samples; i++)
        (*out)->data[i] += part->data[i];
      sb_audio_free(&part);
    }
  } else {
    err = sb_audio_read(path, out, msg);
  }
  if (!err)
    err = sb_audio_check_finite(*out, path, msg);
  if (!err)
    err = sb_track_audio_cut(*out, track, path, msg);
  if (err)
    sb_audio_free(out);
  return err;
}

sb_err sb_track_audio_load(const sb_track *track, sb_track_audio **out, sb_msg *msg)
{
  sb_track_audio *t;
  sb_err err = SB_OK;
  if (!track || !out || track->n_stems < 1)
    return sb_msg_set(msg, SB_EINVAL, "track without reference stems");
  *out = NULL;
  t = calloc(1, sizeof *t);
  if (!t)
    return SB_ENOMEM;
  t->stems = calloc((size_t)track->n_stems, sizeof *t->stems);
  if (!t->stems) {
    err = SB_ENOMEM;
    goto fail;
  }
  t->n_stems = track->n_stems;
  for (int s = 0; s < track->n_stems; s++) {
    err = read_signal(track, s, &t->stems[s], msg);
    if (err)
      goto fail;
    if (s > 0) {
      err = sb_track_audio_check_shape(t->stems[s], track->stem_paths[s], t->stems[0], track->stem_paths[0],
                                       msg);
      if (err)
        goto fail;
    }
  }
  if (track->mix_path) {
    err = read_signal(track, -1, &t->mix, msg);
    if (err)
      goto fail;
    err = sb_track_audio_check_shape(t->mix, track->mix_path, t->stems[0], track->stem_paths[0], msg);
    if (err)
      goto fail;
  }
  *out = t;
  return SB_OK;
fail:
  sb_track_audio_free(&t);
  return err;
}

void sb_track_audio_free(sb_track_audio **t)
{
  if (!t || !*t)
    return;
  for (int s = 0; s < (*t)->n_stems; s++)
    sb_audio_free(&(*t)->stems[s]);
  free((*t)->stems);
  sb_audio_free(&(*t)->mix);
  free(*t);
  *t = NULL;
}

sb_err sb_track_audio_check_estimate(const sb_audio *est, const char *label, int rate, int n_chan,
                                     sb_msg *msg)
{
  if (est->rate != rate)
    return sb_msg_set(msg, SB_ERATE, "%s: sample rate %d Hz, the references have %d Hz", label,
                      est->rate, rate);
  if (est->n_chan != n_chan)
    return sb_msg_set(msg, SB_ECHAN, "%s: %d channel(s), the references have %d", label,
                      est->n_chan, n_chan);
  return SB_OK;
}

sb_err sb_track_audio_fit_estimate(sb_audio *est, const char *label, int rate, int n_chan,
                                   int64_t n_samples, int64_t *refit, sb_msg *msg)
{
  sb_err err;
  if (refit)
    *refit = -1;
  err = sb_track_audio_check_estimate(est, label, rate, n_chan, msg);
  if (err)
    return err;
  err = sb_audio_check_finite(est, label, msg);
  if (err)
    return err;
  if (est->n_samples != n_samples) {
    if (refit)
      *refit = est->n_samples;
    err = sb_audio_fit_length(est, n_samples);
    if (err)
      return sb_msg_set(msg, err, "%s: out of memory while padding", label);
  }
  return SB_OK;
}
