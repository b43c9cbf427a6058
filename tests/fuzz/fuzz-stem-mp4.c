/*
 * tests/fuzz/fuzz-stem-mp4.c — datasets/stem_mp4.c (libavformat,
 * libavcodec) on the input as a ".stem.mp4" file: sb_stem_mp4_list, then
 * sb_audio_read of the file's first two audio streams through their
 * references ("x.stem.mp4", "x.stem.mp4#1").  A decoded stream must
 * be exactly as long as the listed declared duration, when the file
 * declares one (stem_mp4.h).  In a build without FFmpeg every call must refuse with
 * SB_EUNSUPPORTED.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "datasets/stem_mp4.h"
#include "fuzz.h"

static void read_stream(const char *path, int index, const sb_stem_mp4_stream *listed)
{
  char ref[4200];
  sb_audio *a = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(ref, sizeof ref, index ? "%s#%d" : "%s", path, index);
  sb_msg_clear(&msg);
  err = sb_audio_read(ref, &a, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(a == NULL);
    return;
  }
  FUZZ_CHECK(a->rate > 0 && a->n_chan >= 1);
  FUZZ_CHECK(listed->n_samples < 0 || a->n_samples == listed->n_samples);
  sb_audio_free(&a);
}

int fuzz_stem_mp4(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("x.stem.mp4", data, size);
  sb_stem_mp4_stream *streams = NULL;
  int n_streams = 0;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_stem_mp4_list(path, &streams, &n_streams, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(sb_stem_mp4_available() || err == SB_EUNSUPPORTED);
    return 0;
  }
  FUZZ_CHECK(sb_stem_mp4_available());
  FUZZ_CHECK(n_streams >= 1 && streams != NULL);
  for (int i = 0; i < n_streams; i++) {
    FUZZ_CHECK(streams[i].n_samples >= -1);
    FUZZ_CHECK(memchr(streams[i].codec, '\0', sizeof streams[i].codec) != NULL);
  }
  for (int i = 0; i < n_streams && i < 2; i++)
    read_stream(path, i, &streams[i]);
  free(streams);
  return 0;
}
