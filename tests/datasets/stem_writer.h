/*
 * tests/datasets/stem_writer.h — writes MUSDB18-style .stem.mp4 files for
 * the tests and the benchmarks (there is no ffmpeg program on the build
 * machines): n_streams AAC streams (libavcodec's native encoder, 256 kb/s,
 * perceptual noise substitution off, so that decoded waveforms stay
 * comparable with the encoded ones) muxed by libavformat into one MP4 file,
 * its header (moov) last unless faststart.  Stream k's samples come from
 * fill(ctx, k, start, n, chan, msg), asked for frames start..start+n-1 of
 * every stream in turn, in increasing start: it writes n floats into each
 * of chan[0..n_chan-1].  MUSDB18's stream order is mixture, drums, bass,
 * other, vocals (datasets/musdb.c).
 *
 * Built only with FFmpeg; its users link $(FFMPEG_LIBS).
 */
#ifndef SB_TESTS_DATASETS_STEM_WRITER_H
#define SB_TESTS_DATASETS_STEM_WRITER_H

#include <stdint.h>
#include "sepbench/error.h"

typedef sb_err (*stem_writer_fill)(void *ctx, int stream, int64_t start, int n, float *const *chan, sb_msg *msg);

typedef struct stem_writer_spec {
  int n_streams;     /* 1..SB_STEM_MP4_N_STREAMS (5) */
  int rate, n_chan;  /* every stream's */
  int64_t n_frames;  /* samples per channel, every stream */
  int faststart;     /* header before the data */
  stem_writer_fill fill;
  void *ctx;
} stem_writer_spec;

/* Writes path (replacing it).  SB_EINVAL for a bad spec, SB_EIO when
 * FFmpeg fails (its error in msg), else fill's error. */
sb_err stem_writer_write(const char *path, const stem_writer_spec *spec, sb_msg *msg);

#endif
