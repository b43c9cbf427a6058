/*
 * tests/backends/test-metric-plugin.c — backends/metric_plugin.c: the check
 * of a description (every rule, with its message), loading the test plugin
 * tests/backends/rms_metric_plugin.c (built by make check as
 * $SB_TOP_BUILDDIR/tests/backends/.libs/rms_metric_plugin.so; the test fails
 * when it is missing) and objects that are not metric plugins, its values in
 * a child and in process (equal to the bit, and to the RMS ratio computed
 * here from its formula), and every fault: an error, NaN values, a crash and
 * a hang in compute() and create(), a time limit and a cancel flag, each with
 * its one-line message, values untouched on failure.
 */
#include <config.h>

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/metric_plugin.h"
#include "tap.h"
#include "tests/backends/cancel_later.h"

#define N_CHAN 2
#define N_SAMPLES 800
#define N_TARGETS 2

/* One scoring request with its buffers. */
typedef struct request {
  double ref[N_TARGETS][N_CHAN * N_SAMPLES], est[N_TARGETS][N_CHAN * N_SAMPLES];
  const double *refs[N_TARGETS], *ests[N_TARGETS];
  const char *targets[N_TARGETS];
  double target_values[N_TARGETS], track_values[1];
  sb_metric_job job;
} request;

static void request_init(request *rq, const char *track)
{
  for (int t = 0; t < N_TARGETS; t++) {
    for (int i = 0; i < N_CHAN * N_SAMPLES; i++) {
      rq->ref[t][i] = sin(0.01 * (t + 1) * i);
      rq->est[t][i] = (0.5 + 0.25 * t) * rq->ref[t][i] + 0.01 * cos(0.3 * i);
    }
    rq->refs[t] = rq->ref[t];
    rq->ests[t] = rq->est[t];
    rq->target_values[t] = -1234;
  }
  rq->track_values[0] = -1234;
  rq->targets[0] = "s1";
  rq->targets[1] = "s2";
  rq->job = (sb_metric_job){.track = track,
                            .rate = 8000,
                            .n_chan = N_CHAN,
                            .n_samples = N_SAMPLES,
                            .n_targets = N_TARGETS,
                            .targets = rq->targets,
                            .refs = rq->refs,
                            .ests = rq->ests,
                            .target_values = rq->target_values,
                            .track_values = rq->track_values};
}

/* The plugin's formula, computed here: RMSR of target t (t < 0: all). */
static double rms_ratio(const request *rq, int t)
{
  double ref = 0, est = 0;
  for (int k = 0; k < N_TARGETS; k++)
    for (int i = 0; (t < 0 || k == t) && i < N_CHAN * N_SAMPLES; i++) {
      ref += rq->ref[k][i] * rq->ref[k][i];
      est += rq->est[k][i] * rq->est[k][i];
    }
  return 10 * log10(est / ref);
}

static void check_msg(const sb_msg *msg, const char *want, const char *what)
{
  if (!tap_ok(strcmp(msg->text, want) == 0, "%s: message", what))
    tap_diag("got:  %s\nwant: %s", msg->text, want);
}

/* 1 when the outputs still hold the request's -1234 markers. */
static int untouched(const request *rq)
{
  return rq->target_values[0] == -1234 && rq->target_values[1] == -1234 && rq->track_values[0] == -1234;
}

static sb_err noop_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  (void)options;
  (void)errbuf;
  (void)errlen;
  *state = NULL;
  return SB_OK;
}

static sb_err noop_compute(void *state, const sb_metric_job *job)
{
  (void)state;
  (void)job;
  return SB_OK;
}

static void noop_destroy(void *state)
{
  (void)state;
}

/* A description that breaks one rule: tweak() changes a valid one. */
static void check_rule(void (*tweak)(sb_metric_api *), sb_err want_err, const char *want, const char *what)
{
  static const char *const per_target[] = {"PESQ", "PESQ-WB"};
  static const char *const per_track[] = {"WER"};
  sb_metric_api api = {SB_METRIC_ABI_VERSION, "pesq", "2.0", "P.862", 2, per_target, 1, per_track,
                       noop_create, noop_compute, noop_destroy};
  sb_msg msg;
  sb_msg_clear(&msg);
  tweak(&api);
  tap_ok(sb_metric_api_check(&api, &msg) == want_err, "check: %s", what);
  if (want)
    check_msg(&msg, want, what);
}

static const char *const builtin_name[] = {"SI-SDRi"};
static const char *const pspm_name[] = {"PS_ci"};
static const char *const twice[] = {"WER"};
static const char *const spaced[] = {"MOS LQO"};
static void t_valid(sb_metric_api *a) { (void)a; }
static void t_abi(sb_metric_api *a) { a->abi_version = 2; }
static void t_name(sb_metric_api *a) { a->name = "pe sq"; }
static void t_version(sb_metric_api *a) { a->version = "1;2"; }
static void t_no_version(sb_metric_api *a) { a->version = NULL; }
static void t_builtin(sb_metric_api *a) { a->target_metrics = builtin_name; a->n_target_metrics = 1; }
static void t_pspm(sb_metric_api *a) { a->track_metrics = pspm_name; }
static void t_twice(sb_metric_api *a) { a->target_metrics = twice; a->n_target_metrics = 1; }
static void t_spaced(sb_metric_api *a) { a->track_metrics = spaced; }
static void t_none(sb_metric_api *a) { a->n_target_metrics = a->n_track_metrics = 0; }
static void t_many(sb_metric_api *a) { a->n_target_metrics = 33; }
static void t_no_fn(sb_metric_api *a) { a->compute = NULL; }
static void t_no_names(sb_metric_api *a) { a->track_metrics = NULL; }

static void test_checks(void)
{
  sb_msg msg;
  check_rule(t_valid, SB_OK, NULL, "a valid description");
  check_rule(t_abi, SB_EUNSUPPORTED, "metric 'pesq': ABI version 2, sepbench speaks version 1", "another ABI");
  check_rule(t_name, SB_EINVAL, "metric plugin name 'pe sq': character ' ' is not one of A-Z a-z 0-9 _ . -",
             "a blank in the name");
  check_rule(t_version, SB_EINVAL, "metric 'pesq': its version must have 1 to 63 printable characters, no ';'",
             "a ';' in the version");
  check_rule(t_no_version, SB_EINVAL, NULL, "no version");
  check_rule(t_builtin, SB_EINVAL, "metric 'pesq': value 'SI-SDRi' has the name of a sepbench metric",
             "a per-target value named like a built-in metric");
  check_rule(t_pspm, SB_EINVAL, "metric 'pesq': value 'PS_ci' has the name of a sepbench metric",
             "a per-track value named like a PS/PM series");
  check_rule(t_twice, SB_EINVAL, "metric 'pesq': value 'WER' is declared twice", "a name in both lists");
  check_rule(t_spaced, SB_EINVAL, "metric name 'MOS LQO': character ' ' is not one of A-Z a-z 0-9 _ . + -",
             "a blank in a value name");
  check_rule(t_none, SB_EINVAL, "metric 'pesq' declares no value", "no value at all");
  check_rule(t_many, SB_EINVAL, "metric 'pesq': 33 per-target values (0 to 32)", "33 values");
  check_rule(t_no_fn, SB_EINVAL, "metric 'pesq' lacks its create, compute or destroy function", "no compute()");
  check_rule(t_no_names, SB_EINVAL, "metric 'pesq': no names for its 1 per-track values", "counts without names");
  sb_msg_clear(&msg);
  tap_ok(sb_metric_api_check(NULL, &msg) == SB_EINVAL, "check: NULL is refused (%s)", msg.text);
}

/* Loading: files that are not metric plugins, a path without '/'. */
static void test_loading(const char *builddir, const char *path)
{
  char other[768], want[2048];
  sb_metric_plugin *plugin = NULL;
  sb_msg msg;
  sb_msg_clear(&msg);
  snprintf(other, sizeof other, "%s/tests/backends/.libs/faulty_plugin.so", builddir);
  tap_ok(sb_metric_plugin_open(other, &plugin, &msg) == SB_ENOTFOUND && !plugin, "a separator plugin is refused");
  snprintf(want, sizeof want, "plugin %s: no symbol sepbench_metric_v1 (is it a sepbench metric plugin?)", other);
  check_msg(&msg, want, "a separator plugin");
  tap_ok(sb_metric_plugin_open("/nonexistent/m.so", &plugin, &msg) == SB_ENOTFOUND &&
           strncmp(msg.text, "plugin /nonexistent/m.so: cannot load: ", strlen("plugin /nonexistent/m.so: cannot load: ")) == 0,
         "a missing file: %s", msg.text);
  tap_ok(sb_metric_plugin_open("", &plugin, &msg) == SB_EINVAL, "an empty path: %s", msg.text);
  tap_ok(sb_metric_plugin_open(path, NULL, &msg) == SB_EINVAL, "no result pointer");
  {
    char dir[768];
    snprintf(dir, sizeof dir, "%s/tests/backends/.libs", builddir);
    tap_ok(chdir(dir) == 0 && sb_metric_plugin_open("rms_metric_plugin.so", &plugin, &msg) == SB_OK && plugin &&
             strcmp(sb_metric_plugin_path(plugin), "./rms_metric_plugin.so") == 0,
           "a path without '/' is taken in the working directory: %s", sb_metric_plugin_path(plugin));
    sb_metric_plugin_free(&plugin);
    tap_ok(!plugin, "free NULLs the handle");
    sb_metric_plugin_free(&plugin);
  }
}

/* Values in a child and in process; NaN on request. */
static void test_values(const sb_metric_plugin *plugin, request *rq)
{
  double child[N_TARGETS + 1];
  sb_msg msg;
  sb_msg_clear(&msg);
  request_init(rq, "t1");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "floor=-80", &rq->job, 10, NULL, &msg) == SB_OK,
         "compute in a child: %s", msg.text);
  tap_near(rq->target_values[0], rms_ratio(rq, 0), 1e-12, "RMSR of s1 is the formula's");
  tap_near(rq->target_values[1], rms_ratio(rq, 1), 1e-12, "RMSR of s2 is the formula's");
  tap_near(rq->track_values[0], rms_ratio(rq, -1), 1e-12, "RMSR_all is the formula's");
  memcpy(child, rq->target_values, sizeof rq->target_values);
  child[N_TARGETS] = rq->track_values[0];
  request_init(rq, "t1");
  tap_ok(sb_metric_api_compute(sb_metric_plugin_api(plugin), "plugin:rmsratio", "", &rq->job, &msg) == SB_OK,
         "compute in process");
  tap_ok(memcmp(child, rq->target_values, sizeof rq->target_values) == 0 && child[N_TARGETS] == rq->track_values[0],
         "the values crossing the process boundary are the same to the bit");
  request_init(rq, "t1");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=nan", &rq->job, 10, NULL, &msg) ==
             SB_OK && isnan(rq->target_values[0]) && isnan(rq->target_values[1]) && isnan(rq->track_values[0]),
         "values the plugin leaves alone come back NaN");
  request_init(rq, "t1");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=crash,on=other", &rq->job, 10, NULL,
                                           &msg) == SB_OK &&
             rq->target_values[0] == child[0],
         "a fault for other tracks does not touch this one");
}

/* Errors, crashes, hangs, cancels: each message, values untouched. */
static void test_faults(const sb_metric_plugin *plugin, const char *path, request *rq)
{
  char want[2048];
  volatile sig_atomic_t cancel = 0;
  pthread_t thread;
  sb_msg msg;

  sb_msg_clear(&msg);
  request_init(rq, "t2");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=fail", &rq->job, 10, NULL, &msg) ==
             SB_EBACKEND && untouched(rq),
         "an error of compute(): SB_EBACKEND, values untouched");
  check_msg(&msg, "metric plugin:rmsratio failed on 't2': rmsratio: refusing t2", "an error of compute()");
  request_init(rq, "t2");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=crash", &rq->job, 10, NULL, &msg) ==
             SB_EBACKEND && untouched(rq),
         "a crash in compute(): SB_EBACKEND, values untouched");
  snprintf(want, sizeof want, "plugin %s crashed in compute() on 't2' (signal %d, %s)", path, SIGSEGV,
           strsignal(SIGSEGV));
  check_msg(&msg, want, "a crash in compute()");
  request_init(rq, "t2");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=hang", &rq->job, 0.5, NULL, &msg) ==
             SB_ETIMEOUT && untouched(rq),
         "a hang in compute() is killed at the limit: SB_ETIMEOUT");
  snprintf(want, sizeof want, "plugin %s timed out after 0.5 s in compute() on 't2'", path);
  check_msg(&msg, want, "a hang in compute()");
  request_init(rq, "t2");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "start=fail", &rq->job, 10, NULL, &msg) ==
             SB_EBACKEND,
         "create() refusing: SB_EBACKEND");
  check_msg(&msg, "metric plugin:rmsratio: cannot start: rmsratio: refusing to start as asked", "create() refusing");
  request_init(rq, "t2");
  tap_ok(pthread_create(&thread, NULL, cancel_later, (void *)&cancel) == 0, "a thread sets the cancel flag later");
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "fault=hang", &rq->job, 0, &cancel, &msg) ==
             SB_EINTERRUPT && untouched(rq),
         "a hang without a limit ends when the cancel flag is set: SB_EINTERRUPT");
  pthread_join(thread, NULL);
  snprintf(want, sizeof want, "plugin %s stopped in compute() on 't2' (interrupted)", path);
  check_msg(&msg, want, "a cancelled call");
  request_init(rq, "t2");
  rq->job.n_targets = 0;
  tap_ok(sb_metric_plugin_compute_isolated(plugin, "plugin:rmsratio", "", &rq->job, 10, NULL, &msg) == SB_EINVAL,
         "a job without targets is refused");
}

/* The start-up check of options, in a child. */
static void test_startup(const sb_metric_plugin *plugin, const char *path)
{
  char want[2048];
  sb_msg msg;
  sb_msg_clear(&msg);
  tap_ok(sb_metric_plugin_check_isolated(plugin, "floor=-80", 10, &msg) == SB_OK, "check: known options pass");
  tap_ok(sb_metric_plugin_check_isolated(plugin, "gain=2", 10, &msg) == SB_EBACKEND, "check: an unknown option");
  check_msg(&msg, "rmsratio: unknown option gain", "an unknown option");
  tap_ok(sb_metric_plugin_check_isolated(plugin, "start=crash", 10, &msg) == SB_EBACKEND, "check: create() crashing");
  snprintf(want, sizeof want, "plugin %s crashed in create() (signal %d, %s)", path, SIGSEGV, strsignal(SIGSEGV));
  check_msg(&msg, want, "create() crashing");
  tap_ok(sb_metric_plugin_check_isolated(plugin, "start=hang", 0.5, &msg) == SB_ETIMEOUT, "check: create() hanging");
  snprintf(want, sizeof want, "plugin %s timed out after 0.5 s in create()", path);
  check_msg(&msg, want, "create() hanging");
}

int main(void)
{
  const char *builddir = getenv("SB_TOP_BUILDDIR");
  char path[768];
  sb_metric_plugin *plugin = NULL;
  request *rq = NULL;
  sb_msg msg;

  /* The hangs last for ever: a broken limit would hang the suite; SIGALRM
   * ends the program (an ERROR) instead.  Not a timing bound. */
  alarm(600);
  test_checks();
  if (!tap_ok(builddir && *builddir, "SB_TOP_BUILDDIR names the build directory"))
    return tap_done();
  snprintf(path, sizeof path, "%s/tests/backends/.libs/rms_metric_plugin.so", builddir);
  sb_msg_clear(&msg);
  if (!tap_ok(sb_metric_plugin_open(path, &plugin, &msg) == SB_OK && plugin, "the test plugin loads: %s", msg.text))
    return tap_done();
  tap_ok(strcmp(sb_metric_plugin_api(plugin)->name, "rmsratio") == 0 &&
           strcmp(sb_metric_plugin_api(plugin)->version, "1.0") == 0 && strcmp(sb_metric_plugin_path(plugin), path) == 0,
         "its name, version and path");
  rq = malloc(sizeof *rq);
  if (tap_ok(rq != NULL, "request allocated")) {
    test_values(plugin, rq);
    test_faults(plugin, path, rq);
    test_startup(plugin, path);
  }
  test_loading(builddir, path);
  free(rq);
  sb_metric_plugin_free(&plugin);
  return tap_done();
}
