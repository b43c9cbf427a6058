/*
 * datasets/audio_buffer.c — the sample buffer (see audio_buffer.h).
 */
#include <config.h>

#include "datasets/audio_buffer.h"

#include <stdint.h>
#include <stdlib.h>

sb_err sb_audio_new(sb_audio **out, int n_chan, int64_t n_samples, int rate)
{
  sb_audio *a;
  size_t total;

  *out = NULL;
  if (n_chan < 1 || n_samples < 0 || rate <= 0)
    return SB_EINVAL;
  if ((uint64_t)n_samples > SIZE_MAX / sizeof(double) / (size_t)n_chan)
    return SB_ENOMEM;
  total = (size_t)n_chan * (size_t)n_samples;
  a = malloc(sizeof *a);
  if (!a)
    return SB_ENOMEM;
  /* At least one element so that data is never NULL. */
  a->data = calloc(total ? total : 1, sizeof(double));
  if (!a->data) {
    free(a);
    return SB_ENOMEM;
  }
  a->n_chan = n_chan;
  a->n_samples = n_samples;
  a->rate = rate;
  *out = a;
  return SB_OK;
}

void sb_audio_free(sb_audio **a)
{
  if (!a || !*a)
    return;
  free((*a)->data);
  free(*a);
  *a = NULL;
}
