/*
 * tests/fuzz/fuzz-audio.c — sepbench's audio reading paths
 * (datasets/audio.c, datasets/audio_stream.c, through libsndfile) on the
 * input as a file: sb_audio_probe, sb_audio_read and a one-file
 * sb_audio_stream.  What reads must agree: the probe's header with the
 * decoded buffer (an exact count is the buffer's length), and the stream's
 * samples, read back to front in pieces, bit for bit with sb_audio_read's
 * (audio_stream.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "datasets/audio_stream.h"
#include "fuzz.h"

/* Reads every channel of the stream in pieces of `piece` samples, last
 * piece first, and compares them with a. */
static void compare_stream(sb_audio_stream *st, const sb_audio *a, int64_t piece)
{
  double *buf = malloc((size_t)piece * sizeof *buf);
  sb_msg msg;

  FUZZ_CHECK(buf != NULL);
  for (int c = 0; c < a->n_chan; c++)
    for (int64_t t0 = (a->n_samples - 1) / piece * piece; t0 >= 0; t0 -= piece) {
      const int64_t n = a->n_samples - t0 < piece ? a->n_samples - t0 : piece;
      sb_err err = sb_audio_stream_read(st, 0, c, t0, n, buf);
      if (err) {
        FUZZ_CHECK(sb_audio_stream_error(st, &msg) == err);
        fuzz_check_error(err, &msg);
        goto done;
      }
      FUZZ_CHECK(memcmp(buf, sb_audio_chan(a, c) + t0, (size_t)n * sizeof *buf) == 0);
    }
done:
  free(buf);
}

static void check_stream(const char *path, const sb_audio *a)
{
  const char *paths[1] = {path};
  sb_audio_stream *st = NULL;
  sb_sources view;
  double one;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_audio_stream_new(1, paths, NULL, 0, &st, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(st == NULL);
    return;
  }
  FUZZ_CHECK(sb_audio_stream_view(st, &view) == SB_OK);
  FUZZ_CHECK(view.n_src == 1 && view.n_chan >= 1 && view.n_samples >= 1 && view.rate > 0);
  FUZZ_CHECK(sb_audio_stream_read(st, 0, view.n_chan, 0, 1, &one) == SB_EINVAL);
  if (a && a->n_chan == view.n_chan && a->n_samples == view.n_samples) {
    FUZZ_CHECK(a->rate == view.rate);
    compare_stream(st, a, 1000);
  }
  sb_audio_stream_free(&st);
  FUZZ_CHECK(st == NULL);
}

int fuzz_audio(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("in.wav", data, size);
  sb_audio_header head;
  sb_audio *a = NULL;
  int probed;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_audio_probe(path, &head, &msg);
  probed = err == SB_OK;
  if (err)
    fuzz_check_error(err, &msg);
  else
    FUZZ_CHECK(head.n_chan >= 1 && head.rate > 0 && head.n_samples >= 1);
  sb_msg_clear(&msg);
  err = sb_audio_read(path, &a, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(a == NULL);
  } else {
    FUZZ_CHECK(probed);
    FUZZ_CHECK(a->n_chan == head.n_chan && a->rate == head.rate && a->n_samples >= 1);
    FUZZ_CHECK(!head.exact_count || a->n_samples == head.n_samples);
  }
  if (probed)
    check_stream(path, a);
  sb_audio_free(&a);
  return 0;
}
