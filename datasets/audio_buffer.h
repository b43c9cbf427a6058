/*
 * datasets/audio_buffer.h — the sample buffer every audio reader fills.
 *
 * An sb_audio holds float64 samples de-interleaved channel by channel in one
 * block: channel c is data[c * n_samples .. (c + 1) * n_samples).  File I/O
 * is audio.h (libsndfile) and stem_mp4.h (FFmpeg); both build on this
 * header, so neither needs the other's.
 *
 * Thread-safety: distinct buffers may be used concurrently.
 */
#ifndef SB_DATASETS_AUDIO_BUFFER_H
#define SB_DATASETS_AUDIO_BUFFER_H

#include <stdint.h>
#include "sepbench/error.h"

typedef struct sb_audio {
  int n_chan;       /* >= 1 */
  int64_t n_samples; /* samples per channel, >= 0 */
  int rate;         /* Hz, > 0 */
  double *data;     /* n_chan * n_samples samples, channel-major, owned */
} sb_audio;

/* Pointer to the first sample of channel c (0 <= c < n_chan). */
static inline double *sb_audio_chan(const sb_audio *a, int c)
{
  return a->data + (int64_t)c * a->n_samples;
}

/* Allocates a zero-filled buffer.  SB_EINVAL for n_chan < 1, n_samples < 0 or
 * rate <= 0; SB_ENOMEM.  *out is NULL on failure. */
sb_err sb_audio_new(sb_audio **out, int n_chan, int64_t n_samples, int rate);

/* Frees a buffer and sets *a to NULL; accepts NULL and *a == NULL. */
void sb_audio_free(sb_audio **a);

#endif /* SB_DATASETS_AUDIO_BUFFER_H */
