/*
 * tests/backends/test-metric-command.c — backends/metric_command.c: the
 * [metric NAME] sections (every key, and each refused one with its message),
 * the values of the command metric tests/backends/rms-metric.py (per target
 * and per track, equal to the RMS ratio computed here from the same signals,
 * to the float32 rounding of the files sepbench writes), the placeholders
 * ({rate}, {channels} after conversion, a hostile {track} reaching the
 * program as one argument), and every fault of a program: a crash, a hang
 * at its timeout, a non-zero exit with its stderr, bad JSON, a wrong, a
 * missing or a string value, no output, NaN and null values, a {mix}
 * without a mixture, a cancel flag; temporary folders are removed.
 */
#include <config.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/metric_command.h"
#include "common/paths.h"
#include "tap.h"
#include "tests/backends/cancel_later.h"

#define N_CHAN 2
#define N_SAMPLES 2000
#define N_TARGETS 2

static char dir[512], ini[600], script[768];

typedef struct request {
  double ref[N_TARGETS][N_CHAN * N_SAMPLES], est[N_TARGETS][N_CHAN * N_SAMPLES];
  const double *refs[N_TARGETS], *ests[N_TARGETS];
  const char *targets[N_TARGETS];
  double target_values[N_TARGETS * 2], track_values[2];
  sb_metric_job job;
} request;

static void request_init(request *rq, const char *track)
{
  for (int t = 0; t < N_TARGETS; t++) {
    for (int i = 0; i < N_CHAN * N_SAMPLES; i++) {
      rq->ref[t][i] = 0.5 * sin(0.02 * (t + 1) * i + (i >= N_SAMPLES));
      rq->est[t][i] = (0.5 + 0.25 * t) * rq->ref[t][i] + 0.01 * cos(0.3 * i);
    }
    rq->refs[t] = rq->ref[t];
    rq->ests[t] = rq->est[t];
  }
  for (int k = 0; k < N_TARGETS * 2; k++)
    rq->target_values[k] = NAN;
  rq->track_values[0] = rq->track_values[1] = NAN;
  rq->targets[0] = "s1";
  rq->targets[1] = "s2";
  rq->job = (sb_metric_job){.track = track, .rate = 8000, .n_chan = N_CHAN, .n_samples = N_SAMPLES,
                            .n_targets = N_TARGETS, .targets = rq->targets, .refs = rq->refs, .ests = rq->ests,
                            .target_values = rq->target_values, .track_values = rq->track_values};
}

/* RMSR of target t (t < 0: every target), after a downmix to mono when
 * mono is 1, as the program computes it. */
static double rms_ratio(const request *rq, int t, int mono)
{
  double ref = 0, est = 0;
  for (int k = 0; k < N_TARGETS; k++)
    for (int i = 0; (t < 0 || k == t) && i < N_SAMPLES; i++)
      for (int c = 0; c < (mono ? 1 : N_CHAN); c++) {
        const double r = mono ? 0.5 * (rq->ref[k][i] + rq->ref[k][N_SAMPLES + i]) : rq->ref[k][c * N_SAMPLES + i];
        const double e = mono ? 0.5 * (rq->est[k][i] + rq->est[k][N_SAMPLES + i]) : rq->est[k][c * N_SAMPLES + i];
        ref += r * r;
        est += e * e;
      }
  return 10 * log10(est / ref);
}

static void check_msg(const sb_msg *msg, const char *want, const char *what)
{
  if (!tap_ok(strcmp(msg->text, want) == 0, "%s: message", what))
    tap_diag("got:  %s\nwant: %s", msg->text, want);
}

/* The test's config file: every section the tests below use. */
static int write_config(void)
{
  FILE *f = fopen(ini, "w");
  if (!f)
    return 0;
  fprintf(f, "[metric rms]\ncommand = %s {ref} {est}\nmetrics = RMSR_cmd\ntmpdir = %s\n\n", script, dir);
  fprintf(f, "[metric rmsall]\ncommand = %s --track {ref} {est}\nmetrics = RMSR_cmd_all\nper = track\n\n",
          script);
  fprintf(f, "[metric mono]\ncommand = %s {ref} {est}\nmetrics = RMSR_cmd\nchannels = 1\n\n", script);
  fprintf(f, "[metric shape]\ncommand = sh -c 'printf \"{{\\\"RATE\\\": %%s, \\\"CHANNELS\\\": %%s}}\" \"$0\" \"$1\"'"
             " {rate} {channels}\nmetrics = RATE, CHANNELS\nrate = 16000\nchannels = 1\n\n");
  fprintf(f, "[metric name]\ncommand = sh -c 'printf \"{{\\\"LEN\\\": %%s}}\" \"${{#0}}\"' {track}\nmetrics = LEN\n\n");
  fprintf(f, "[metric mixy]\ncommand = %s {mix} {est}\nmetrics = RMSR_cmd\n\n", script);
  fprintf(f, "[metric slow]\ncommand = %s {ref} {est} hang\nmetrics = RMSR_cmd\ntimeout = 0.5\n\n", script);
  static const char *const faults[] = {"crash", "exit3", "badjson", "nan", "null", "wrongkey", "missingkey", "string",
                                       "nothing", "hang"};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
    fprintf(f, "[metric %s]\ncommand = %s {ref} {est} %s\nmetrics = RMSR_cmd\n\n", faults[i], script,
            faults[i]);
  return fclose(f) == 0;
}

/* Loads section name of the test's config. */
static sb_metric_command *load(const char *name)
{
  sb_metric_command *mc = NULL;
  sb_msg msg;
  sb_msg_clear(&msg);
  if (sb_metric_command_load(ini, name, &mc, &msg) != SB_OK)
    tap_diag("[metric %s]: %s", name, msg.text);
  return mc;
}

/* Writes text as a config file and loads section name from it; the error
 * and its message. */
static sb_err load_text(const char *text, const char *name, sb_msg *msg)
{
  char path[700];
  sb_metric_command *mc = NULL;
  FILE *f;
  sb_err err;
  snprintf(path, sizeof path, "%s/bad.ini", dir);
  f = fopen(path, "w");
  if (!f)
    return SB_EIO;
  fputs(text, f);
  fclose(f);
  sb_msg_clear(msg);
  err = sb_metric_command_load(path, name, &mc, msg);
  sb_metric_command_free(&mc);
  return err;
}

static void check_refused(const char *text, const char *name, const char *want_tail, const char *what)
{
  sb_msg msg;
  sb_err err = load_text(text, name, &msg);
  const size_t n = strlen(msg.text), m = strlen(want_tail);
  if (!tap_ok(err != SB_OK && n >= m && strcmp(msg.text + n - m, want_tail) == 0, "refused: %s", what))
    tap_diag("got: %s (%d)\nwant the end: %s", msg.text, (int)err, want_tail);
}

static void test_config(void)
{
  sb_metric_command *mc = load("rms");
  sb_msg msg;
  tap_ok(mc && sb_metric_command_n_metrics(mc) == 1 && strcmp(sb_metric_command_metrics(mc)[0], "RMSR_cmd") == 0 &&
           !sb_metric_command_per_track(mc) && strcmp(sb_metric_command_version(mc), "1") == 0,
         "a section loads: its value names, per target, version 1 by default");
  sb_metric_command_free(&mc);
  tap_ok(!mc, "free NULLs the handle");
  mc = load("rmsall");
  tap_ok(mc && sb_metric_command_per_track(mc), "per = track");
  sb_metric_command_free(&mc);
  tap_ok(load_text("[metric PESQ]\ncommand = pesq {ref} {est}\nversion = 0.0.4\n", "PESQ", &msg) == SB_OK,
         "metrics defaults to the section's name (%s)", msg.text);
  check_refused("[metric a]\ncommand = x\n", "b", ": no section [metric b] (sections: a)", "a missing section");
  check_refused("[backend a]\ncommand = x\n", "a", ":1: expected [metric NAME], got [backend a]", "another kind");
  check_refused("[metric a]\ncommand = x {ref}\noutputs = y\n", "a",
                ":3: unknown key 'outputs' (known: command, metrics, per, rate, channels, timeout, version, tmpdir)",
                "an unknown key");
  check_refused("[metric a]\nmetrics = X\n", "a", ": [metric a] needs a command", "no command");
  check_refused("[metric a]\ncommand = x {input}\n", "a", ": [metric a]: command: unknown placeholder {input}",
                "an unknown placeholder");
  check_refused("[metric a]\ncommand = x {target}\nper = track\n", "a",
                ": [metric a]: command: unknown placeholder {target} (per = track runs once for every target)",
                "{target} with per = track");
  check_refused("[metric a]\ncommand = x\nper = song\n", "a", ":3: per = 'song': expected target or track", "per");
  check_refused("[metric a]\ncommand = x\nmetrics = PESQ, SDR\n", "a", ":3: metrics: 'SDR' is the name of a sepbench metric",
                "a built-in metric's name");
  check_refused("[metric a]\ncommand = x\nmetrics = X, X\n", "a", ":3: metrics: 'X' given twice", "a name twice");
  check_refused("[metric a]\ncommand = x\nmetrics = M O S\n", "a",
                ":3: metrics: metric name 'M O S': character ' ' is not one of A-Z a-z 0-9 _ . + -", "a blank");
  check_refused("[metric a]\ncommand = x\ntimeout = nan\n", "a", ":3: timeout = 'nan': expected a number in [0.001, 1e+07]",
                "timeout = nan");
  check_refused("[metric a]\ncommand = x\nchannels = 3\n", "a", ":3: channels = '3': expected a whole number in [1, 2]",
                "channels = 3");
  check_refused("[metric a]\ncommand = x\nversion = 1;2\n", "a", ":3: version = '1;2': expected a non-empty text without ';'",
                "a ';' in the version");
  check_refused("[metric a]\ncommand = 'x\n", "a", ":2: command: unbalanced quote", "an unbalanced quote");
  {
    char missing[700], want[900];
    snprintf(missing, sizeof missing, "%s/none.ini", dir);
    tap_ok(sb_metric_command_load(missing, "a", &mc, &msg) == SB_EIO && !mc, "a missing file is SB_EIO");
    snprintf(want, sizeof want, "%s: cannot read the metric config for cmd:a: No such file or directory", missing);
    check_msg(&msg, want, "a missing file");
  }
}

/* Runs section name on rq (made for track); the error, msg filled. */
static sb_err run(const char *name, request *rq, const char *track, const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  sb_metric_command *mc = load(name);
  sb_err err;
  request_init(rq, track);
  sb_msg_clear(msg);
  err = mc ? sb_metric_command_compute(mc, &rq->job, cancel, msg) : SB_EFORMAT;
  sb_metric_command_free(&mc);
  return err;
}

static void test_values(request *rq)
{
  static const char hostile[] = "It's \"a\" $(touch pwned) `touch pwned2`; x";
  sb_msg msg;
  tap_ok(run("rms", rq, "t1", NULL, &msg) == SB_OK, "per target: the program runs (%s)", msg.text);
  tap_near(rq->target_values[0], rms_ratio(rq, 0, 0), 1e-5, "RMSR_cmd of s1 (float32 files)");
  tap_near(rq->target_values[1], rms_ratio(rq, 1, 0), 1e-5, "RMSR_cmd of s2 (float32 files)");
  tap_ok(run("rmsall", rq, "t1", NULL, &msg) == SB_OK, "per track: the program runs (%s)", msg.text);
  tap_near(rq->track_values[0], rms_ratio(rq, -1, 0), 1e-5, "RMSR_cmd_all over both targets");
  tap_ok(isnan(rq->target_values[0]), "per track: no per-target value is written");
  tap_ok(run("mono", rq, "t1", NULL, &msg) == SB_OK, "channels = 1: the program runs (%s)", msg.text);
  tap_near(rq->target_values[1], rms_ratio(rq, 1, 1), 1e-5, "channels = 1: the files are the mean of the channels");
  tap_ok(run("shape", rq, "t1", NULL, &msg) == SB_OK && rq->target_values[0] == 16000 && rq->target_values[1] == 1 &&
           rq->target_values[2] == 16000,
         "{rate} and {channels} are those of the files written (rate = 16000, channels = 1)");
  tap_ok(run("name", rq, hostile, NULL, &msg) == SB_OK && rq->target_values[0] == (double)strlen(hostile),
         "a hostile {track} reaches the program as one argument of %zu bytes (got %g)", strlen(hostile),
         rq->target_values[0]);
  tap_ok(access("pwned", F_OK) != 0 && access("pwned2", F_OK) != 0, "nothing of the track name was executed");
  tap_ok(run("nan", rq, "t1", NULL, &msg) == SB_OK && isnan(rq->target_values[0]) && isnan(rq->target_values[1]),
         "NaN (as json.dumps writes it) is a NaN value, not a failure");
  tap_ok(run("null", rq, "t1", NULL, &msg) == SB_OK && isnan(rq->target_values[0]), "null is a NaN value");
}

static void check_fault(request *rq, const char *name, sb_err want_err, const char *want, const char *what)
{
  sb_msg msg;
  sb_err err = run(name, rq, "t2", NULL, &msg);
  tap_ok(err == want_err && isnan(rq->target_values[0]) && isnan(rq->target_values[1]), "%s: error %d, NaN values",
         what, (int)err);
  check_msg(&msg, want, what);
}

static void test_faults(request *rq)
{
  char want[1024];
  volatile sig_atomic_t cancel = 0;
  pthread_t thread;
  sb_msg msg;

  snprintf(want, sizeof want, "cmd:crash on 't2', target 's1': killed by signal %d (%s)", SIGSEGV, strsignal(SIGSEGV));
  check_fault(rq, "crash", SB_EBACKEND, want, "a crash");
  check_fault(rq, "slow", SB_ETIMEOUT, "cmd:slow on 't2', target 's1': timed out after 0.5 s (process group killed)",
              "a hang");
  check_fault(rq, "exit3", SB_EBACKEND, "cmd:exit3 on 't2', target 's1': exit status 3: rms-metric: cannot score as asked",
              "a non-zero exit");
  sb_msg_clear(&msg);
  tap_ok(run("badjson", rq, "t2", NULL, &msg) == SB_EFORMAT &&
           strstr(msg.text, "cmd:badjson on 't2', target 's1': output is not JSON (") == msg.text &&
           strstr(msg.text, "): {\"RMSR_cmd\": 3.1"),
         "bad JSON: SB_EFORMAT, naming the parser's problem and the output (%s)", msg.text);
  check_fault(rq, "wrongkey", SB_EFORMAT,
              "cmd:wrongkey on 't2', target 's1': unexpected key 'PESQ' in the output (declared: RMSR_cmd)",
              "an unexpected key");
  check_fault(rq, "missingkey", SB_EFORMAT, "cmd:missingkey on 't2', target 's1': no value 'RMSR_cmd' in the output",
              "a missing key");
  check_fault(rq, "string", SB_EFORMAT, "cmd:string on 't2', target 's1': 'RMSR_cmd' in the output is not a number",
              "a string value");
  check_fault(rq, "nothing", SB_EFORMAT,
              "cmd:nothing on 't2', target 's1': printed nothing (expected a JSON object like {\"RMSR_cmd\": 3.1})",
              "no output");
  check_fault(rq, "mixy", SB_EBACKEND, "cmd:mixy on 't2': the track has no mixture for {mix}", "{mix} without one");
  tap_ok(pthread_create(&thread, NULL, cancel_later, (void *)&cancel) == 0, "a thread sets the cancel flag later");
  tap_ok(run("hang", rq, "t2", &cancel, &msg) == SB_EINTERRUPT, "a program without a limit ends at the cancel flag");
  pthread_join(thread, NULL);
  request_init(rq, "t3");
  rq->targets[1] = "../up";
  {
    sb_metric_command *mc = load("rms");
    tap_ok(mc && sb_metric_command_compute(mc, &rq->job, NULL, &msg) == SB_EINVAL, "a target name with '/' is refused");
    check_msg(&msg, "cmd:rms on 't3': target name '../up' cannot be a file name", "a target name with '/'");
    sb_metric_command_free(&mc);
  }
}

/* 1 when dir holds no sepbench-metric-* folder. */
static int no_temporary_folder(void)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int clean = d != NULL;
  while (d && (e = readdir(d)) != NULL)
    clean &= strncmp(e->d_name, "sepbench-metric-", 16) != 0;
  if (d)
    closedir(d);
  return clean;
}

int main(void)
{
  const char *srcdir = getenv("SB_TOP_SRCDIR");
  request *rq = malloc(sizeof *rq);
  char cwd[600];

  alarm(600); /* a broken timeout would hang the suite: an ERROR instead */
  if (!tap_ok(srcdir && *srcdir && rq, "SB_TOP_SRCDIR names the source tree"))
    return free(rq), tap_done();
  /* The command: configure's python3 (SB_PYTHON3, /usr/bin/python3 first), else the one on PATH. */
  snprintf(script, sizeof script, "%s %s/tests/backends/rms-metric.py",
           getenv("SB_PYTHON3") && *getenv("SB_PYTHON3") ? getenv("SB_PYTHON3") : "python3", srcdir);
  snprintf(dir, sizeof dir, "%s/sb-test-metric-cmd-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!tap_ok(mkdtemp(dir) != NULL, "a temporary folder"))
    return free(rq), tap_done();
  snprintf(ini, sizeof ini, "%s/metrics.ini", dir);
  tap_ok(write_config(), "the config file is written");
  /* Programs run in the working directory: the temporary folder. */
  tap_ok(getcwd(cwd, sizeof cwd) && chdir(dir) == 0, "the test runs in its folder");
  test_config();
  test_values(rq);
  test_faults(rq);
  tap_ok(no_temporary_folder(), "every temporary folder (tmpdir = the test's folder) is removed");
  tap_ok(chdir(cwd) == 0, "back to the first working directory");
  sb_path_remove_tree(dir);
  free(rq);
  return tap_done();
}
