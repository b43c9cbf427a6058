/*
 * tests/datasets/test-audio-buffer.c — datasets/audio_buffer.c: a new
 * buffer is zero-filled and channel-major, bad shapes are refused, sizes
 * that overflow are SB_ENOMEM, free NULLs the pointer and accepts NULL.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "datasets/audio_buffer.h"
#include "tap.h"

int main(void)
{
  sb_audio *a = (sb_audio *)&a;
  int zero = 1;

  tap_ok(sb_audio_new(&a, 3, 5, 8000) == SB_OK && a->n_chan == 3 && a->n_samples == 5 && a->rate == 8000,
         "a 3 x 5 buffer at 8 kHz");
  for (int i = 0; a && i < 15; i++)
    zero &= a->data[i] == 0.0;
  tap_ok(zero, "zero-filled");
  tap_ok(a && sb_audio_chan(a, 2) == a->data + 10 && sb_audio_chan(a, 0) == a->data,
         "channel c starts at c * n_samples");
  sb_audio_free(&a);
  tap_ok(a == NULL, "free NULLs the pointer");
  sb_audio_free(&a);
  sb_audio_free(NULL);
  tap_ok(sb_audio_new(&a, 1, 0, 44100) == SB_OK && a->data != NULL && a->n_samples == 0, "an empty buffer has data");
  sb_audio_free(&a);
  a = (sb_audio *)&a;
  tap_ok(sb_audio_new(&a, 0, 5, 44100) == SB_EINVAL && a == NULL, "0 channels: SB_EINVAL, *out NULL");
  tap_ok(sb_audio_new(&a, 1, -1, 44100) == SB_EINVAL && sb_audio_new(&a, 1, 5, 0) == SB_EINVAL,
         "negative length or zero rate: SB_EINVAL");
  tap_ok(sb_audio_new(&a, 4, INT64_MAX / 2, 44100) == SB_ENOMEM && a == NULL, "an overflowing size: SB_ENOMEM");
  return tap_done();
}
