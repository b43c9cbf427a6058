/*
 * common/sources.h — a read-only view of a group of multichannel signals,
 * the input type of every metric.  Metrics never read files or the store.
 *
 * Two kinds of view, used the same way through sb_sources_span():
 *  - in memory: signal s, channel c is the array chan[s * n_chan + c] of
 *    n_samples float64 values (the view does not own the arrays);
 *  - streamed (chan == NULL): read() copies any range of a channel on
 *    demand, so a metric holds only the pieces it is working on and the
 *    memory of an evaluation does not grow with the track length (a
 *    10-minute 4-source stereo track is 1.7 GB of float64 signals per
 *    group).  datasets/audio_stream.h reads audio files this way.
 * Metrics walk signals in pieces of at most SB_SPAN_MAX samples.
 */
#ifndef SB_COMMON_SOURCES_H
#define SB_COMMON_SOURCES_H

#include <stdint.h>
#include <string.h>
#include "sepbench/error.h"

/* Largest piece a metric asks for at once (samples). */
#define SB_SPAN_MAX ((int64_t)1 << 16)

/* Copies samples [t0, t0 + n) of channel c of signal src into dst, with
 * 0 <= t0, n >= 1, t0 + n <= n_samples.  Must be callable from several
 * threads at once.  Returns SB_OK, or an error code (SB_EIO, SB_ENOMEM,
 * SB_ENONFINITE ...) that the metric passes on; the reader keeps the
 * message naming the file for its owner. */
typedef sb_err (*sb_sources_read_fn)(void *ctx, int src, int c, int64_t t0, int64_t n,
                                     double *dst);

typedef struct sb_sources {
  int n_src;                 /* number of sources (>= 1) */
  int n_chan;                /* channels per source (>= 1) */
  int64_t n_samples;         /* samples per channel (>= 1) */
  int rate;                  /* Hz; used to express frame times in seconds */
  const double *const *chan; /* n_src * n_chan pointers; NULL for a streamed view */
  sb_sources_read_fn read;   /* streamed view: the reader (chan == NULL) */
  void *read_ctx;            /* its state, passed back to read */
} sb_sources;

/* In-memory views only: the array of channel c of signal src. */
static inline const double *sb_sources_chan(const sb_sources *s, int src, int c)
{
  return s->chan[src * s->n_chan + c];
}

/* 1 when the view can be read (arrays or a reader), else 0. */
static inline int sb_sources_readable(const sb_sources *s)
{
  return s && (s->chan || s->read);
}

/* Samples [t0, t0 + n) of (src, c): *out points into the in-memory array
 * (no copy) or at scratch (n doubles), which the reader fills.  Errors of
 * the reader. */
static inline sb_err sb_sources_span(const sb_sources *s, int src, int c, int64_t t0, int64_t n,
                                     double *scratch, const double **out)
{
  if (s->chan) {
    *out = s->chan[src * s->n_chan + c] + t0;
    return SB_OK;
  }
  *out = scratch;
  return s->read(s->read_ctx, src, c, t0, n, scratch);
}

/* Copies samples [t0, t0 + n) of (src, c) into dst.  Errors of the reader. */
static inline sb_err sb_sources_copy(const sb_sources *s, int src, int c, int64_t t0, int64_t n,
                                     double *dst)
{
  if (s->chan) {
    memcpy(dst, s->chan[src * s->n_chan + c] + t0, sizeof(double) * (size_t)n);
    return SB_OK;
  }
  return s->read(s->read_ctx, src, c, t0, n, dst);
}

#endif /* SB_COMMON_SOURCES_H */
