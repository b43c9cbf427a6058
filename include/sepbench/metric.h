/*
 * sepbench/metric.h — the metric plugin interface, ABI version 1.
 *
 * A metric plugin scores the estimates of one track against its
 * references with a measure sepbench does not ship (PESQ, DNSMOS, WER,
 * ...).  It is a shared object exporting
 *
 *     const sb_metric_api *sepbench_metric_v1(void);
 *
 * that returns a static description: the plugin's name and version, the
 * names of its per-target values (one per target: "PESQ") and of its
 * per-track values (one per track, over all targets jointly: "WER"), and
 * three functions.  sepbench stores and ranks these values as it does its
 * own metrics (`sepbench leaderboard --metric PESQ`); per-track values are
 * filed under the pseudo-target "_track".
 *
 * Calls: for every (track, method) scored, sepbench calls create(options),
 * compute() once and destroy(), by default in a forked child process under
 * a time limit (a crash or a hang there makes that track's values NaN with
 * the reason, and the run goes on).  The child has only the calling
 * thread: no OpenMP, no output on stdout or stderr.
 *
 * Memory: sepbench allocates every buffer it passes and presets every
 * output value to NaN; the plugin writes the values it computes and frees
 * nothing of sepbench's.  A value left NaN is stored as NaN ("not
 * defined"), e.g. for a silent reference.
 *
 * Threads: different instances may be created and used on different
 * threads at the same time; an instance is only ever used by one thread.
 *
 * The header compiles as C99 and as C++ (extern "C").
 */
#ifndef SEPBENCH_METRIC_H
#define SEPBENCH_METRIC_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_METRIC_ABI_VERSION 1

/* One scoring request: the signals of one track.  All audio is float64,
 * channel-major: channel c of a signal of n_samples samples per channel
 * starts at offset c * n_samples.  Every signal has the same rate,
 * channel count and length (estimates are already zero-padded or
 * truncated to the reference length). */
typedef struct sb_metric_job {
  const char *track;            /* track name, for messages */
  int rate;                     /* Hz */
  int n_chan;
  int64_t n_samples;            /* samples per channel */
  int n_targets;
  const char *const *targets;   /* target names ("vocals", "s1", ...) */
  const double *const *refs;    /* n_targets references */
  const double *const *ests;    /* n_targets estimates: ests[t] is the one matched to
                                   refs[t] by the run's permutation (--perm) */
  const double *mix;            /* the mixture, or NULL when the track has none */
  double *target_values;        /* out: n_targets * n_target_metrics values,
                                   [t * n_target_metrics + k], preset to NaN */
  double *track_values;         /* out: n_track_metrics values, preset to NaN */
  char *errbuf;                 /* a one-line reason on failure */
  size_t errlen;
} sb_metric_job;

typedef struct sb_metric_api {
  int abi_version;                   /* SB_METRIC_ABI_VERSION */
  const char *name;                  /* "rmsratio": 1..63 characters of [A-Za-z0-9_.-] */
  const char *version;               /* the plugin's own version ("1.2"): 1..63 printable
                                        characters without ';'; values stored by another
                                        version are recomputed */
  const char *description;           /* one line */
  int n_target_metrics;              /* per-target values, 0..32 */
  const char *const *target_metrics; /* their names ("PESQ"): 1..63 characters of
                                        [A-Za-z0-9_.+-], none a sepbench metric's name */
  int n_track_metrics;               /* per-track values, 0..32 (at least one value in all) */
  const char *const *track_metrics;  /* their names, same rule */
  /* Creates an instance from "key=value,key=value" options (may be "");
   * writes a reason into errbuf on failure. */
  sb_err (*create)(void **state, const char *options, char *errbuf, size_t errlen);
  /* Fills job->target_values and job->track_values.  Returns SB_OK, or an
   * error with a reason in job->errbuf (every value of the track is then
   * NaN and the reason is stored with it). */
  sb_err (*compute)(void *state, const sb_metric_job *job);
  void (*destroy)(void *state);
} sb_metric_api;

/* The symbol a plugin exports.  Declared here, inside extern "C", so that
 * a plugin written in C++ defines it with C linkage. */
typedef const sb_metric_api *(*sb_metric_entry_fn)(void);
#define SB_METRIC_ENTRY "sepbench_metric_v1"
const sb_metric_api *sepbench_metric_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* SEPBENCH_METRIC_H */
