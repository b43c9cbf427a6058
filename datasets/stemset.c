/*
 * datasets/stemset.c — quantised stems + exact-sum mixture, and the
 * ".complete" marker of generated suites (see stemset.h).
 *
 * The gain is common to all stems so their balance is kept; with peak <= 0.9
 * the integer mixture stays within 0.9 * 2^15 + n_stems / 2 < 2^15 - 1 and
 * never clips.  Workload: a few stems of up to ~1.3 M frames per channel.
 */
#include <config.h>

#include "datasets/stemset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"

static const char marker_name[] = ".complete";

/* Writes a under a temporary sibling of path, then renames it into place. */
static sb_err write_pcm16(const char *path, const sb_audio *a, sb_msg *msg)
{
  char *tmp = NULL;
  sb_err err = sb_path_temp_sibling(path, &tmp);
  if (err)
    return err;
  err = sb_audio_write(tmp, a, SB_PCM_16, msg);
  if (!err && rename(tmp, path) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot rename into place", path);
    remove(tmp);
  }
  free(tmp);
  return err;
}

sb_err sb_stemset_write(const char *dir, const char *const *names, sb_audio *const *stems, int n_stems,
                        double peak, sb_msg *msg)
{
  sb_err err;
  sb_audio *mix = NULL;
  char *path = NULL;
  double max_abs = 0.0, gain;
  int64_t n_samples;
  int n_chan;

  if (n_stems < 1 || !(peak > 0.0 && peak <= 0.9))
    return sb_msg_set(msg, SB_EINVAL, "%s: need at least one stem and a peak in (0, 0.9]", dir);
  n_chan = stems[0]->n_chan;
  n_samples = stems[0]->n_samples;
  for (int s = 1; s < n_stems; s++)
    if (stems[s]->n_chan != n_chan || stems[s]->n_samples != n_samples || stems[s]->rate != stems[0]->rate)
      return sb_msg_set(msg, SB_EINVAL, "%s: stem %s differs in shape from stem %s", dir, names[s], names[0]);
  err = sb_audio_new(&mix, n_chan, n_samples, stems[0]->rate);
  if (err)
    return err;

  /* Peak of every stem and of the float sum. */
  for (int s = 0; s < n_stems; s++) {
    const double *x = stems[s]->data;
    double *m = mix->data;
    for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++) {
      double v = fabs(x[i]);
      if (v > max_abs)
        max_abs = v;
      m[i] += x[i];
    }
  }
  for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++)
    if (fabs(mix->data[i]) > max_abs)
      max_abs = fabs(mix->data[i]);
  if (!(max_abs > 0.0) || !isfinite(max_abs)) {
    err = sb_msg_set(msg, SB_EINVAL, "%s: the generated stems are silent or not finite", dir);
    goto done;
  }
  gain = peak * 32768.0 / max_abs;

  /* Quantise each stem; the mixture accumulates the integers, exactly. */
  memset(mix->data, 0, (size_t)n_chan * (size_t)n_samples * sizeof *mix->data);
  for (int s = 0; s < n_stems; s++) {
    double *x = stems[s]->data;
    for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++) {
      double k = (double)lrint(x[i] * gain);
      x[i] = k / 32768.0;
      mix->data[i] += k;
    }
  }
  for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++)
    mix->data[i] /= 32768.0;

  for (int s = 0; s < n_stems; s++) {
    char file[256];
    snprintf(file, sizeof file, "%s.wav", names[s]);
    err = sb_path_join(dir, file, &path);
    if (err)
      goto done;
    err = write_pcm16(path, stems[s], msg);
    free(path);
    path = NULL;
    if (err)
      goto done;
  }
  err = sb_path_join(dir, "mixture.wav", &path);
  if (err)
    goto done;
  err = write_pcm16(path, mix, msg);
done:
  free(path);
  sb_audio_free(&mix);
  return err;
}

int sb_stemset_is_complete(const char *dir, const char *stamp)
{
  char *path = NULL;
  char buf[1024];
  size_t len;
  int complete;

  if (sb_path_join(dir, marker_name, &path) != SB_OK)
    return 0;
  complete = sb_path_read_small(path, buf, sizeof buf - 1, &len, NULL) == SB_OK && strcmp(buf, stamp) == 0;
  free(path);
  return complete;
}

sb_err sb_stemset_mark_complete(const char *dir, const char *stamp, sb_msg *msg)
{
  char *path = NULL;
  sb_err err = sb_path_join(dir, marker_name, &path);
  if (err)
    return err;
  err = sb_path_write_atomic(path, stamp, strlen(stamp), msg);
  free(path);
  return err;
}
