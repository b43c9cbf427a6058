/*
 * backends/example_plugin.c — the example separator plugin shipped with
 * sepbench (built by `make` as backends/.libs/example_plugin.so, used by
 * tests/backends/test-command.sh and by README.md "Writing a backend
 * plugin"; the crash and time-limit tests use tests/backends/faulty_plugin.c).
 *
 * It is deliberately trivial: every estimate is gain * mixture / n_targets
 * (with gain = 1, the SiSEC "MIX" baseline).  A plugin includes only the
 * public header sepbench/backend.h and links nothing of libsepbench, so it
 * parses its own options:
 *
 *   gain=G         scale of every estimate, a finite number (default 1);
 *   fail=TEXT      return SB_EBACKEND with a reason for every track whose
 *                  name contains TEXT (shows how a plugin reports an error:
 *                  the item is recorded as failed and the run goes on);
 *   crash_on=TEXT  raise SIGSEGV in separate() for every track whose name
 *                  contains TEXT (tests sepbench's crash isolation: the
 *                  item is recorded as crashed and the run goes on).
 *
 * Workload: one pass over the mixture per target.  Thread-safety: one
 * instance per worker thread (the ABI's rule); instances share nothing.
 */
#include <config.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sepbench/backend.h"

typedef struct example {
  double gain;
  char fail[128];     /* "" = never fail */
  char crash_on[128]; /* "" = never crash */
} example;

/* Formats a reason into errbuf and returns err. */
static sb_err example_error(char *errbuf, size_t errlen, sb_err err, const char *what, const char *detail)
{
  if (errbuf && errlen > 0)
    snprintf(errbuf, errlen, "example: %s%s", what, detail ? detail : "");
  return err;
}

/* Parses one "key=value" item of length len. */
static sb_err example_option(example *ex, const char *item, size_t len, char *errbuf, size_t errlen)
{
  char text[160], *stop;
  const char *value;

  if (len >= sizeof text)
    return example_error(errbuf, errlen, SB_EINVAL, "option too long", NULL);
  memcpy(text, item, len);
  text[len] = '\0';
  value = strchr(text, '=');
  if (!value)
    return example_error(errbuf, errlen, SB_EINVAL, "option is not key=value: ", text);
  value++;
  if (strncmp(text, "gain=", 5) == 0) {
    ex->gain = strtod(value, &stop);
    if (stop == value || *stop != '\0' || !isfinite(ex->gain))
      return example_error(errbuf, errlen, SB_EINVAL, "gain is not a finite number: ", value);
    return SB_OK;
  }
  if (strncmp(text, "fail=", 5) == 0) {
    snprintf(ex->fail, sizeof ex->fail, "%s", value);
    return SB_OK;
  }
  if (strncmp(text, "crash_on=", 9) == 0) {
    snprintf(ex->crash_on, sizeof ex->crash_on, "%s", value);
    return SB_OK;
  }
  return example_error(errbuf, errlen, SB_EINVAL, "unknown option (known: gain, fail, crash_on): ", text);
}

static sb_err example_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  example *ex;
  const char *item;
  sb_err err;

  if (!state)
    return example_error(errbuf, errlen, SB_EINVAL, "no state pointer", NULL);
  *state = NULL;
  ex = calloc(1, sizeof *ex);
  if (!ex)
    return example_error(errbuf, errlen, SB_ENOMEM, "out of memory", NULL);
  ex->gain = 1.0;
  for (item = options; item && *item;) {
    const char *comma = strchr(item, ',');
    const size_t len = comma ? (size_t)(comma - item) : strlen(item);
    err = example_option(ex, item, len, errbuf, errlen);
    if (err != SB_OK) {
      free(ex);
      return err;
    }
    item = comma ? comma + 1 : NULL;
  }
  *state = ex;
  return SB_OK;
}

static sb_err example_separate(void *state, const sb_separation *job)
{
  const example *ex = state;
  int64_t n, i;
  double scale;
  int t;

  if (!ex || !job || !job->mix || !job->est || job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1)
    return SB_EINVAL;
  if (ex->fail[0] && job->track && strstr(job->track, ex->fail))
    return example_error(job->errbuf, job->errlen, SB_EBACKEND, "refusing track as asked by fail=", ex->fail);
  if (ex->crash_on[0] && job->track && strstr(job->track, ex->crash_on))
    raise(SIGSEGV);
  n = (int64_t)job->n_chan * job->n_samples;
  scale = ex->gain / (double)job->n_targets;
  for (t = 0; t < job->n_targets; t++)
    for (i = 0; i < n; i++)
      job->est[t][i] = scale * job->mix[i];
  return SB_OK;
}

static void example_destroy(void *state)
{
  free(state);
}

static const sb_backend_api example_api = {
  .abi_version = SB_BACKEND_ABI_VERSION,
  .name = "example",
  .description = "example plugin: every estimate is gain * mixture / n_targets",
  .flags = 0,
  .create = example_create,
  .separate = example_separate,
  .destroy = example_destroy,
};

/* The one exported symbol (see sepbench/backend.h). */
const sb_backend_api *sepbench_backend_v1(void);

const sb_backend_api *sepbench_backend_v1(void)
{
  return &example_api;
}
