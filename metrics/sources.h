/*
 * metrics/sources.h — a read-only view of a group of multichannel signals,
 * the input type of every metric.  Metrics never read files or the store.
 *
 * Signal s, channel c is the array chan[s * n_chan + c] of n_samples
 * float64 values.  The view does not own the arrays.
 */
#ifndef SB_METRICS_SOURCES_H
#define SB_METRICS_SOURCES_H

#include <stdint.h>

typedef struct sb_sources {
  int n_src;                 /* number of sources (>= 1) */
  int n_chan;                /* channels per source (>= 1) */
  int64_t n_samples;         /* samples per channel (>= 1) */
  int rate;                  /* Hz; used to express frame times in seconds */
  const double *const *chan; /* n_src * n_chan pointers */
} sb_sources;

static inline const double *sb_sources_chan(const sb_sources *s, int src, int c)
{
  return s->chan[src * s->n_chan + c];
}

#endif /* SB_METRICS_SOURCES_H */
