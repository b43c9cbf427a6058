/*
 * tests/backends/faulty_plugin.c — a separator plugin (ABI v1,
 * include/sepbench/backend.h) that misbehaves on request, for the tests of
 * crash and time-limit isolation (tests/backends/test-plugin.c,
 * tests/backends/test-plugin-faults.sh).  Built by `make check` only, as
 * tests/backends/.libs/faulty_plugin.so.
 *
 * When it behaves, estimate t is (t + 1) * mixture / n_targets, so a test
 * can check that the estimates cross the process boundary unchanged.
 * Options ("key=value,..."):
 *
 *   crash_in=CALL  raise SIGSEGV in CALL: create, separate or destroy;
 *   hang_in=CALL   sleep for ever (pause) in CALL;
 *   on=TEXT        separate and destroy misbehave only for tracks whose
 *                  name contains TEXT (default: every track); create sees
 *                  no track and always misbehaves when asked to; destroy
 *                  misbehaves only after a separate() (never in the
 *                  start-up check, which calls create and destroy);
 *   mark=PATH      before hanging, create the empty file PATH (so that a
 *                  test knows the call is under way);
 *   fail=1         return SB_EBACKEND from create() ("faulty: refusing to
 *                  start as asked").
 *
 * Its name is "faulty", or the value of the environment variable
 * SB_FAULTY_PLUGIN_NAME when that is set (a plugin that calls itself like a
 * built-in, for the registry's name rule).
 *
 * Workload: one pass over the mixture per target.  Thread-safety: one
 * instance per worker thread (the ABI's rule); instances share nothing.
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sepbench/backend.h"

typedef enum faulty_call { CALL_NONE, CALL_CREATE, CALL_SEPARATE, CALL_DESTROY } faulty_call;

typedef struct faulty {
  faulty_call crash_in, hang_in;
  char on[128];      /* "" = every track */
  char mark[512];    /* "" = no marker file */
  int track_matched; /* separate() saw a track matching on= */
} faulty;

static sb_err faulty_error(char *errbuf, size_t errlen, sb_err err, const char *what, const char *detail)
{
  if (errbuf && errlen > 0)
    snprintf(errbuf, errlen, "faulty: %s%s", what, detail ? detail : "");
  return err;
}

/* Raises SIGSEGV or sleeps for ever when call is the one asked for. */
static void misbehave(const faulty *fy, faulty_call call)
{
  if (fy->crash_in == call)
    raise(SIGSEGV);
  if (fy->hang_in == call) {
    if (fy->mark[0]) {
      const int fd = open(fy->mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        close(fd);
    }
    for (;;)
      pause();
  }
}

static int parse_call(const char *name, faulty_call *out)
{
  static const char *const names[] = {"create", "separate", "destroy"};
  for (int i = 0; i < 3; i++)
    if (strcmp(name, names[i]) == 0) {
      *out = (faulty_call)(i + 1);
      return 1;
    }
  return 0;
}

/* Applies one "key=value" item of length len; *fail gets fail=. */
static sb_err faulty_option(faulty *fy, const char *item, size_t len, int *fail, char *errbuf, size_t errlen)
{
  char text[600];
  const char *value;

  if (len >= sizeof text)
    return faulty_error(errbuf, errlen, SB_EINVAL, "option too long", NULL);
  memcpy(text, item, len);
  text[len] = '\0';
  value = strchr(text, '=');
  if (!value)
    return faulty_error(errbuf, errlen, SB_EINVAL, "option is not key=value: ", text);
  value++;
  if (strncmp(text, "crash_in=", 9) == 0 && parse_call(value, &fy->crash_in))
    return SB_OK;
  if (strncmp(text, "hang_in=", 8) == 0 && parse_call(value, &fy->hang_in))
    return SB_OK;
  if (strncmp(text, "on=", 3) == 0) {
    snprintf(fy->on, sizeof fy->on, "%s", value);
    return SB_OK;
  }
  if (strncmp(text, "mark=", 5) == 0) {
    snprintf(fy->mark, sizeof fy->mark, "%s", value);
    return SB_OK;
  }
  if (strcmp(text, "fail=1") == 0) {
    *fail = 1;
    return SB_OK;
  }
  return faulty_error(errbuf, errlen, SB_EINVAL, "bad option (known: crash_in, hang_in, on, mark, fail): ", text);
}

static sb_err faulty_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  faulty *fy;
  int fail = 0;

  if (!state)
    return faulty_error(errbuf, errlen, SB_EINVAL, "no state pointer", NULL);
  *state = NULL;
  fy = calloc(1, sizeof *fy);
  if (!fy)
    return faulty_error(errbuf, errlen, SB_ENOMEM, "out of memory", NULL);
  for (const char *item = options; item && *item;) {
    const char *comma = strchr(item, ',');
    const size_t len = comma ? (size_t)(comma - item) : strlen(item);
    const sb_err err = faulty_option(fy, item, len, &fail, errbuf, errlen);
    if (err != SB_OK) {
      free(fy);
      return err;
    }
    item = comma ? comma + 1 : NULL;
  }
  if (fail) {
    free(fy);
    return faulty_error(errbuf, errlen, SB_EBACKEND, "refusing to start as asked", NULL);
  }
  misbehave(fy, CALL_CREATE);
  *state = fy;
  return SB_OK;
}

static sb_err faulty_separate(void *state, const sb_separation *job)
{
  faulty *fy = state;
  int64_t n;

  if (!fy || !job || !job->mix || !job->est || job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1)
    return SB_EINVAL;
  fy->track_matched = !fy->on[0] || (job->track && strstr(job->track, fy->on));
  if (fy->track_matched)
    misbehave(fy, CALL_SEPARATE);
  n = (int64_t)job->n_chan * job->n_samples;
  for (int t = 0; t < job->n_targets; t++) {
    const double scale = (double)(t + 1) / (double)job->n_targets;
    for (int64_t i = 0; i < n; i++)
      job->est[t][i] = scale * job->mix[i];
  }
  return SB_OK;
}

static void faulty_destroy(void *state)
{
  faulty *fy = state;

  if (fy && fy->track_matched)
    misbehave(fy, CALL_DESTROY);
  free(fy);
}

static sb_backend_api faulty_api = {
  .abi_version = SB_BACKEND_ABI_VERSION,
  .name = "faulty",
  .description = "test plugin that crashes or hangs on request",
  .flags = 0,
  .create = faulty_create,
  .separate = faulty_separate,
  .destroy = faulty_destroy,
};

const sb_backend_api *sepbench_backend_v1(void);

const sb_backend_api *sepbench_backend_v1(void)
{
  const char *name = getenv("SB_FAULTY_PLUGIN_NAME");
  if (name)
    faulty_api.name = name;
  return &faulty_api;
}
