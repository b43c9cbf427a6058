/*
 * tests/backends/rms_metric_plugin.c — a metric plugin (ABI v1,
 * include/sepbench/metric.h) for the tests of metric plugins
 * (tests/backends/test-metric-plugin.c, tests/runners/test-run-user-metrics.sh).
 * Built by `make check` only, as tests/backends/.libs/rms_metric_plugin.so.
 *
 * It computes something a test can check independently, the RMS ratio in
 * dB of estimate to reference:
 *   per target "RMSR"     = 10 log10(sum est_t^2 / sum ref_t^2) over every
 *                           channel and sample (NaN for a silent reference);
 *   per track  "RMSR_all" = the same over every target together.
 * Options ("key=value,..."), to misbehave on request:
 *   fault=crash|hang|fail|nan  in compute(): raise SIGSEGV, sleep for ever
 *                              (pause), return SB_EBACKEND ("rmsratio:
 *                              refusing 'TRACK' as asked"), or leave every
 *                              value NaN;
 *   on=TEXT                    compute() misbehaves only for tracks whose
 *                              name contains TEXT (default: every track);
 *   start=crash|hang|fail      create() misbehaves (always);
 *   mark=PATH                  before hanging, create the empty file PATH (so
 *                              that a test knows the call is under way);
 *   floor=DB                   an accepted option with no effect on the values.
 * Any other option is refused by create() ("rmsratio: unknown option 'x'").
 * The version is "1.0", or $SB_RMS_PLUGIN_VERSION when set (for the tests
 * of a changed version).
 *
 * Workload: one pass over the signals.  Thread-safety: instances share
 * nothing.
 */
#include <config.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sepbench/metric.h"

typedef struct rms_state {
  char fault[16], start[16];
  char on[128];
  char mark[512];
} rms_state;

static sb_err refuse(char *errbuf, size_t errlen, const char *what, const char *detail)
{
  if (errbuf && errlen > 0)
    snprintf(errbuf, errlen, "rmsratio: %s%s", what, detail);
  return SB_EBACKEND;
}

/* "crash" raises SIGSEGV, "hang" sleeps for ever (after creating the file
 * mark, when not ""); 1 for "fail". */
static int misbehave(const char *how, const char *mark)
{
  if (strcmp(how, "crash") == 0)
    raise(SIGSEGV);
  if (strcmp(how, "hang") == 0) {
    if (mark[0]) {
      const int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        close(fd);
    }
    for (;;)
      pause();
  }
  return strcmp(how, "fail") == 0;
}

/* Applies one "key=value" option. */
static sb_err apply(rms_state *st, char *item, char *errbuf, size_t errlen)
{
  char *eq = strchr(item, '=');
  if (!eq)
    return refuse(errbuf, errlen, "expected key=value, got ", item);
  *eq = '\0';
  if (strcmp(item, "fault") == 0)
    snprintf(st->fault, sizeof st->fault, "%s", eq + 1);
  else if (strcmp(item, "start") == 0)
    snprintf(st->start, sizeof st->start, "%s", eq + 1);
  else if (strcmp(item, "on") == 0)
    snprintf(st->on, sizeof st->on, "%s", eq + 1);
  else if (strcmp(item, "mark") == 0)
    snprintf(st->mark, sizeof st->mark, "%s", eq + 1);
  else if (strcmp(item, "floor") != 0)
    return refuse(errbuf, errlen, "unknown option ", item);
  return SB_OK;
}

static sb_err rms_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  rms_state *st = calloc(1, sizeof *st);
  char *copy = strdup(options ? options : ""), *save = NULL;
  sb_err err = st && copy ? SB_OK : SB_ENOMEM;
  for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; !err && item; item = strtok_r(NULL, ",", &save))
    err = apply(st, item, errbuf, errlen);
  free(copy);
  if (!err && misbehave(st->start, st->mark))
    err = refuse(errbuf, errlen, "refusing to start as asked", "");
  if (err) {
    free(st);
    return err;
  }
  *state = st;
  return SB_OK;
}

static double energy(const double *x, size_t n)
{
  double e = 0;
  for (size_t i = 0; i < n; i++)
    e += x[i] * x[i];
  return e;
}

static sb_err rms_compute(void *state, const sb_metric_job *job)
{
  const rms_state *st = state;
  const size_t n = (size_t)job->n_chan * (size_t)job->n_samples;
  double ref_all = 0, est_all = 0;
  if (!st->on[0] || (job->track && strstr(job->track, st->on))) {
    if (misbehave(st->fault, st->mark))
      return refuse(job->errbuf, job->errlen, "refusing ", job->track);
    if (strcmp(st->fault, "nan") == 0)
      return SB_OK;
  }
  for (int t = 0; t < job->n_targets; t++) {
    const double ref = energy(job->refs[t], n), est = energy(job->ests[t], n);
    job->target_values[t] = ref > 0 ? 10 * log10(est / ref) : NAN;
    ref_all += ref;
    est_all += est;
  }
  job->track_values[0] = ref_all > 0 ? 10 * log10(est_all / ref_all) : NAN;
  return SB_OK;
}

static void rms_destroy(void *state)
{
  free(state);
}

static const char *const target_metrics[] = {"RMSR"};
static const char *const track_metrics[] = {"RMSR_all"};

const sb_metric_api *sepbench_metric_v1(void)
{
  static sb_metric_api api = {
    .abi_version = SB_METRIC_ABI_VERSION,
    .name = "rmsratio",
    .version = "1.0",
    .description = "RMS ratio of estimate to reference, dB (a test plugin)",
    .n_target_metrics = 1,
    .target_metrics = target_metrics,
    .n_track_metrics = 1,
    .track_metrics = track_metrics,
    .create = rms_create,
    .compute = rms_compute,
    .destroy = rms_destroy,
  };
  const char *version = getenv("SB_RMS_PLUGIN_VERSION");
  if (version && *version)
    api.version = version;
  return &api;
}
