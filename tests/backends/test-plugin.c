/*
 * tests/backends/test-plugin.c — backends/plugin.c with the misbehaving test
 * plugin tests/backends/faulty_plugin.c (built by make check as
 * $SB_TOP_BUILDDIR/tests/backends/.libs/faulty_plugin.so; the test fails
 * when SB_TOP_BUILDDIR is unset or the object is missing): loading, the
 * start-up check of options in a child (accepted, refused, crashing or
 * hanging create()), isolated separations (estimates copied back exactly,
 * crashes and hangs in separate() and destroy(), a time limit, a cancel
 * flag), each failure with its one-line message, a path without '/' taken
 * in the working directory, and bad arguments.
 *
 * The estimates the plugin writes are (t + 1) / n_targets * mixture; the
 * expected values are computed here from that formula.  Messages are
 * compared whole, built from the plugin path and strsignal().
 */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/plugin.h"
#include "tap.h"
#include "tests/backends/cancel_later.h"

#define N_CHAN 2
#define N_SAMPLES 1000
#define N_TARGETS 3

/* One separation request with its buffers. */
typedef struct request {
  double mix[N_CHAN * N_SAMPLES];
  double est_data[N_TARGETS][N_CHAN * N_SAMPLES];
  double *est[N_TARGETS];
  const char *targets[N_TARGETS];
  sb_separation job;
} request;

static void request_init(request *rq, const char *track)
{
  for (int i = 0; i < N_CHAN * N_SAMPLES; i++)
    rq->mix[i] = 0.001 * (double)(i % 97) - 0.05;
  memset(rq->est_data, 0, sizeof rq->est_data);
  for (int t = 0; t < N_TARGETS; t++)
    rq->est[t] = rq->est_data[t];
  rq->targets[0] = "vocals";
  rq->targets[1] = "drums";
  rq->targets[2] = "other";
  rq->job = (sb_separation){.track = track,
                            .rate = 8000,
                            .n_chan = N_CHAN,
                            .n_samples = N_SAMPLES,
                            .mix = rq->mix,
                            .n_targets = N_TARGETS,
                            .targets = rq->targets,
                            .est = rq->est};
}

/* Number of estimate samples that differ from (t + 1) / N_TARGETS * mix. */
static int n_wrong(const request *rq)
{
  int wrong = 0;
  for (int t = 0; t < N_TARGETS; t++)
    for (int i = 0; i < N_CHAN * N_SAMPLES; i++)
      wrong += rq->est_data[t][i] != (double)(t + 1) / N_TARGETS * rq->mix[i];
  return wrong;
}

static int all_zero(const request *rq)
{
  for (int t = 0; t < N_TARGETS; t++)
    for (int i = 0; i < N_CHAN * N_SAMPLES; i++)
      if (rq->est_data[t][i] != 0.0)
        return 0;
  return 1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Checks that msg equals want and says so under what. */
static void check_msg(const sb_msg *msg, const char *want, const char *what)
{
  if (!tap_ok(strcmp(msg->text, want) == 0, "%s: message", what))
    tap_diag("got:  %s\nwant: %s", msg->text, want);
}

int main(void)
{
  const char *builddir = getenv("SB_TOP_BUILDDIR");
  /* The hangs below last for ever: a limit that failed would hang the
   * suite; SIGALRM ends the program (an ERROR) instead.  Not a timing bound. */
  alarm(600);
  char path[768], want[2048]; /* a message (sb_msg) holds 1023 characters */
  sb_plugin *plugin = NULL;
  request *rq = NULL;
  sb_msg msg;
  sb_err err;
  double t0;
  volatile sig_atomic_t cancel = 0;
  pthread_t thread;

  if (!tap_ok(builddir && *builddir, "SB_TOP_BUILDDIR names the build directory"))
    return tap_done();
  if (!tap_ok(snprintf(path, sizeof path, "%s/tests/backends/.libs/faulty_plugin.so", builddir) < (int)sizeof path,
              "the plugin path fits in %zu characters", sizeof path))
    return tap_done();
  sb_msg_clear(&msg);
  err = sb_plugin_open(path, &plugin, &msg);
  if (!tap_ok(err == SB_OK && plugin, "the test plugin loads: %s", msg.text))
    return tap_done();
  tap_ok(strcmp(sb_plugin_api(plugin)->name, "faulty") == 0, "its name is 'faulty'");
  rq = malloc(sizeof *rq);
  if (!tap_ok(rq != NULL, "request allocated"))
    goto done;

  /* ---- the start-up check: create() and destroy() in a child ---- */
  sb_msg_clear(&msg);
  tap_ok(sb_plugin_check_isolated(plugin, "", 10, &msg) == SB_OK, "check: no options are accepted");
  tap_ok(sb_plugin_check_isolated(plugin, "crash_in=destroy,on=x", 10, &msg) == SB_OK,
         "check: destroy() misbehaves only after a separation");
  err = sb_plugin_check_isolated(plugin, "volume=3", 10, &msg);
  tap_ok(err == SB_EINVAL, "check: a bad option is the plugin's SB_EINVAL (got %d)", err);
  check_msg(&msg, "faulty: bad option (known: crash_in, hang_in, on, mark, fail): volume=3", "check: bad option");
  err = sb_plugin_check_isolated(plugin, "fail=1", 10, &msg);
  tap_ok(err == SB_EBACKEND, "check: create() returning SB_EBACKEND passes it on (got %d)", err);
  check_msg(&msg, "faulty: refusing to start as asked", "check: refusal");
  err = sb_plugin_check_isolated(plugin, "crash_in=create", 10, &msg);
  tap_ok(err == SB_EBACKEND, "check: a crash in create() is SB_EBACKEND, sepbench lives on (got %d)", err);
  snprintf(want, sizeof want, "plugin %s crashed in create() (signal %d, %s)", path, SIGSEGV, strsignal(SIGSEGV));
  check_msg(&msg, want, "check: crash in create()");
  t0 = now_s();
  err = sb_plugin_check_isolated(plugin, "hang_in=create", 0.3, &msg);
  tap_ok(err == SB_ETIMEOUT, "check: a hang in create() is SB_ETIMEOUT (got %d)", err);
  tap_ok(now_s() - t0 >= 0.3, "check: not before the 0.3 s limit (%.3f s)", now_s() - t0);
  snprintf(want, sizeof want, "plugin %s timed out after 0.3 s in create()", path);
  check_msg(&msg, want, "check: hang in create()");
  tap_ok(sb_plugin_check_isolated(NULL, "", 10, &msg) == SB_EINVAL, "check: NULL plugin is refused");

  /* ---- separations ---- */
  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "", &rq->job, 10, NULL, &msg);
  tap_ok(err == SB_OK, "separate: a good separation succeeds: %s", err ? msg.text : "");
  tap_ok(n_wrong(rq) == 0, "separate: the %d estimate samples are (t+1)/3 * mixture exactly (%d differ)",
         N_TARGETS * N_CHAN * N_SAMPLES, n_wrong(rq));
  request_init(rq, "Track A");
  tap_ok(sb_plugin_separate_isolated(plugin, "hang_in=separate,on=Track B", &rq->job, 10, NULL, &msg) == SB_OK &&
           n_wrong(rq) == 0,
         "separate: on=Track B leaves Track A alone");

  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "crash_in=separate", &rq->job, 10, NULL, &msg);
  tap_ok(err == SB_EBACKEND && all_zero(rq), "separate: a crash is SB_EBACKEND, estimates untouched (got %d)", err);
  snprintf(want, sizeof want, "plugin %s crashed in separate() on 'Track A' (signal %d, %s)", path, SIGSEGV,
           strsignal(SIGSEGV));
  check_msg(&msg, want, "separate: crash in separate()");

  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "crash_in=destroy", &rq->job, 10, NULL, &msg);
  tap_ok(err == SB_EBACKEND && all_zero(rq), "separate: a crash in destroy() fails the item (got %d)", err);
  snprintf(want, sizeof want, "plugin %s crashed in destroy() on 'Track A' (signal %d, %s)", path, SIGSEGV,
           strsignal(SIGSEGV));
  check_msg(&msg, want, "separate: crash in destroy()");

  request_init(rq, "Track A");
  t0 = now_s();
  err = sb_plugin_separate_isolated(plugin, "hang_in=separate", &rq->job, 0.3, NULL, &msg);
  tap_ok(err == SB_ETIMEOUT && all_zero(rq), "separate: a hang is SB_ETIMEOUT, estimates untouched (got %d)", err);
  tap_ok(now_s() - t0 >= 0.3, "separate: the child is killed, not before the 0.3 s limit (%.3f s)", now_s() - t0);
  snprintf(want, sizeof want, "plugin %s timed out after 0.3 s in separate() on 'Track A'", path);
  check_msg(&msg, want, "separate: hang in separate()");

  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "hang_in=destroy", &rq->job, 0.3, NULL, &msg);
  tap_ok(err == SB_ETIMEOUT, "separate: a hang in destroy() is SB_ETIMEOUT (got %d)", err);
  snprintf(want, sizeof want, "plugin %s timed out after 0.3 s in destroy() on 'Track A'", path);
  check_msg(&msg, want, "separate: hang in destroy()");

  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "hang_in=create", &rq->job, 0.3, NULL, &msg);
  tap_ok(err == SB_ETIMEOUT, "separate: a hang in create() is SB_ETIMEOUT (got %d)", err);
  snprintf(want, sizeof want, "plugin %s timed out after 0.3 s in create() on 'Track A'", path);
  check_msg(&msg, want, "separate: hang in create()");

  request_init(rq, "Track A");
  err = sb_plugin_separate_isolated(plugin, "fail=1", &rq->job, 10, NULL, &msg);
  tap_ok(err == SB_EBACKEND, "separate: create() refusing is the plugin's error (got %d)", err);
  check_msg(&msg, "backend faulty: cannot start: faulty: refusing to start as asked", "separate: refusal");

  request_init(rq, "Track A");
  tap_ok(pthread_create(&thread, NULL, cancel_later, (void *)&cancel) == 0, "a thread sets the cancel flag in 0.3 s");
  t0 = now_s();
  err = sb_plugin_separate_isolated(plugin, "hang_in=separate", &rq->job, 0, &cancel, &msg);
  pthread_join(thread, NULL);
  tap_ok(err == SB_EINTERRUPT, "separate: the cancel flag stops a hang (got %d, %.3f s)", err, now_s() - t0);
  snprintf(want, sizeof want, "plugin %s stopped in separate() on 'Track A' (interrupted)", path);
  check_msg(&msg, want, "separate: cancelled");

  request_init(rq, "Track A");
  rq->job.n_samples = 0;
  tap_ok(sb_plugin_separate_isolated(plugin, "", &rq->job, 10, NULL, &msg) == SB_EINVAL, "separate: an empty job");
  tap_ok(sb_plugin_separate_isolated(NULL, "", &rq->job, 10, NULL, &msg) == SB_EINVAL, "separate: NULL plugin");
  tap_ok(sb_plugin_separate_isolated(plugin, "", NULL, 10, NULL, &msg) == SB_EINVAL, "separate: NULL job");

  /* ---- a path without '/' is a file of the working directory ---- */
  {
    sb_plugin *bare = NULL;
    char dir[768];
    snprintf(dir, sizeof dir, "%s/tests/backends/.libs", builddir);
    tap_ok(chdir(dir) == 0 && sb_plugin_open("faulty_plugin.so", &bare, &msg) == SB_OK && bare,
           "'faulty_plugin.so' loads ./faulty_plugin.so: %s", bare ? "" : msg.text);
    sb_plugin_free(&bare);
    tap_ok(sb_plugin_open("libm.so.6", &bare, &msg) == SB_ENOTFOUND && !bare &&
             strncmp(msg.text, "plugin ./libm.so.6: cannot load: ", 33) == 0,
           "'libm.so.6' is not searched on the library path: %s", msg.text);
  }

done:
  free(rq);
  sb_plugin_free(&plugin);
  tap_ok(plugin == NULL, "free sets the pointer to NULL");
  return tap_done();
}
