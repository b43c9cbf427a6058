/*
 * tests/backends/test-user-metrics.c — backends/user_metrics.c: the table of
 * a run's plug-in metrics (names, keys with version and options, provenance,
 * per-target and per-track value names of a plugin and of commands), the
 * refused specs (an unknown kind, options of a cmd: spec, a metric given
 * twice, two metrics computing one value name, a plugin whose start-up check
 * fails, in a child and in process), and the scoring of one item: every
 * metric, a subset (want), one metric failing while the others go on, NaN
 * values with their note, values reset to NaN after an in-process failure,
 * and a cancel.  Uses tests/backends/rms_metric_plugin.so and
 * tests/backends/rms-metric.py.
 */
#include <config.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/user_metrics.h"
#include "common/paths.h"
#include "tap.h"

#define N_CHAN 1
#define N_SAMPLES 1600
#define N_TARGETS 2

static char dir[512], ini[600], plugin[768];

static void check_msg(const sb_msg *msg, const char *want, const char *what)
{
  if (!tap_ok(strcmp(msg->text, want) == 0, "%s: message", what))
    tap_diag("got:  %s\nwant: %s", msg->text, want);
}

static int write_config(const char *script)
{
  FILE *f = fopen(ini, "w");
  if (!f)
    return 0;
  fprintf(f, "[metric rms]\ncommand = %s {ref} {est}\nmetrics = RMSR_cmd\nversion = 2b\n\n", script);
  fprintf(f, "[metric rmsall]\ncommand = %s --track {ref} {est}\nmetrics = RMSR_cmd_all\nper = track\n\n",
          script);
  fprintf(f, "[metric clash]\ncommand = %s {ref} {est}\nmetrics = RMSR\n", script);
  return fclose(f) == 0;
}

/* Opens spec into table; the error, msg filled. */
static sb_err open_spec(sb_user_metric_table *table, const char *spec, int in_process, sb_msg *msg)
{
  const sb_user_metric_env env = {ini, in_process, 10};
  sb_msg_clear(msg);
  return sb_user_metric_table_open(table, spec, &env, msg);
}

static void test_table(void)
{
  sb_user_metric_table *table = NULL;
  const sb_user_metric *m;
  char spec[900], want[2048];
  sb_msg msg;

  tap_ok(sb_user_metric_table_new(&table) == SB_OK && table, "a new table");
  snprintf(spec, sizeof spec, "plugin:%s:floor=-80", plugin);
  tap_ok(open_spec(table, spec, 0, &msg) == SB_OK, "a plugin spec with options opens (%s)", msg.text);
  tap_ok(open_spec(table, "cmd:rms", 0, &msg) == SB_OK, "a command spec opens (%s)", msg.text);
  tap_ok(open_spec(table, "cmd:rmsall", 0, &msg) == SB_OK, "a per-track command opens (%s)", msg.text);
  tap_ok(sb_user_metric_table_count(table) == 3 && !sb_user_metric_table_at(table, 3), "three metrics");
  m = sb_user_metric_table_at(table, 0);
  snprintf(want, sizeof want, "%s:floor=-80", plugin);
  tap_ok(m && strcmp(m->name, "plugin:rmsratio") == 0 &&
           strcmp(m->key, "plugin:rmsratio;version=1.0;options=floor=-80") == 0 && strcmp(m->params, want) == 0,
         "the plugin: its name, key (version, options) and provenance (%s | %s)", m ? m->key : "", m ? m->params : "");
  tap_ok(m && m->n_target_metrics == 1 && strcmp(m->target_metrics[0], "RMSR") == 0 && m->n_track_metrics == 1 &&
           strcmp(m->track_metrics[0], "RMSR_all") == 0,
         "the plugin's value names");
  m = sb_user_metric_table_at(table, 1);
  tap_ok(m && strcmp(m->name, "cmd:rms") == 0 && strcmp(m->key, "cmd:rms;version=2b") == 0 && strstr(m->params, "{ref}") &&
           m->n_target_metrics == 1 && m->n_track_metrics == 0,
         "the command: its name, key with its version, template, per-target value");
  m = sb_user_metric_table_at(table, 2);
  tap_ok(m && m->n_target_metrics == 0 && m->n_track_metrics == 1 && strcmp(m->track_metrics[0], "RMSR_cmd_all") == 0,
         "per = track: a per-track value");
  tap_ok(open_spec(table, spec, 0, &msg) == SB_EINVAL, "the same plugin again is refused");
  check_msg(&msg, "metric plugin:rmsratio is given twice", "the same plugin again");
  tap_ok(open_spec(table, "cmd:clash", 0, &msg) == SB_EINVAL, "a command computing the plugin's RMSR is refused");
  check_msg(&msg, "metrics plugin:rmsratio and cmd:clash both compute 'RMSR'", "two metrics of one value");
  tap_ok(open_spec(table, "cmd:rms:x=1", 0, &msg) == SB_EINVAL, "options of a cmd: spec are refused");
  check_msg(&msg, "--metric-command rms:x=1: a command metric takes no options (set them in its config)",
            "options of a cmd: spec");
  tap_ok(open_spec(table, "pesq", 0, &msg) == SB_EINVAL, "a spec of no kind is refused");
  check_msg(&msg, "metric 'pesq': expected plugin:PATH.so[:key=value,...] or cmd:NAME", "a spec of no kind");
  tap_ok(open_spec(table, "cmd:none", 0, &msg) == SB_ENOTFOUND && strstr(msg.text, "no section [metric none]"),
         "an unknown section: %s", msg.text);
  tap_ok(sb_user_metric_table_count(table) == 3, "refused specs add nothing");
  sb_user_metric_table_free(&table);
  tap_ok(!table, "free NULLs the table");
  sb_user_metric_table_free(&table);
}

static void test_startup(void)
{
  sb_user_metric_table *table = NULL;
  char spec[900], want[2048];
  sb_msg msg;

  sb_user_metric_table_new(&table);
  snprintf(spec, sizeof spec, "plugin:%s:start=crash", plugin);
  tap_ok(open_spec(table, spec, 0, &msg) == SB_EBACKEND, "a plugin crashing in its start-up check is refused");
  snprintf(want, sizeof want, "--metric-plugin %s: plugin %s crashed in create() (signal %d, %s)", plugin, plugin,
           SIGSEGV, strsignal(SIGSEGV));
  check_msg(&msg, want, "a crash at the start-up check");
  snprintf(spec, sizeof spec, "plugin:%s:start=fail", plugin);
  tap_ok(open_spec(table, spec, 1, &msg) == SB_EBACKEND, "in process: create() refusing at the start-up check");
  snprintf(want, sizeof want, "--metric-plugin %s: rmsratio: refusing to start as asked", plugin);
  check_msg(&msg, want, "in process, a refusal at the start-up check");
  setenv("SB_RMS_PLUGIN_VERSION", "2.0", 1);
  snprintf(spec, sizeof spec, "plugin:%s", plugin);
  tap_ok(open_spec(table, spec, 0, &msg) == SB_OK &&
           strcmp(sb_user_metric_table_at(table, 0)->key, "plugin:rmsratio;version=2.0") == 0,
         "another version of the plugin: another key, no options (%s)",
         sb_user_metric_table_count(table) ? sb_user_metric_table_at(table, 0)->key : msg.text);
  unsetenv("SB_RMS_PLUGIN_VERSION");
  sb_user_metric_table_free(&table);
}

typedef struct request {
  double ref[N_TARGETS][N_CHAN * N_SAMPLES], est[N_TARGETS][N_CHAN * N_SAMPLES];
  const double *refs[N_TARGETS], *ests[N_TARGETS];
  const char *targets[N_TARGETS];
  sb_metric_job job;
} request;

static void request_init(request *rq, const char *track)
{
  for (int t = 0; t < N_TARGETS; t++) {
    for (int i = 0; i < N_CHAN * N_SAMPLES; i++) {
      rq->ref[t][i] = 0.5 * sin(0.03 * (t + 1) * i);
      rq->est[t][i] = 0.5 * rq->ref[t][i];
    }
    rq->refs[t] = rq->ref[t];
    rq->ests[t] = rq->est[t];
  }
  rq->targets[0] = "s1";
  rq->targets[1] = "s2";
  rq->job = (sb_metric_job){.track = track, .rate = 8000, .n_chan = N_CHAN, .n_samples = N_SAMPLES,
                            .n_targets = N_TARGETS, .targets = rq->targets, .refs = rq->refs, .ests = rq->ests};
}

/* A table of the plugin with options opts (in a child unless in_process)
 * and the command rms. */
static sb_user_metric_table *table_of(const char *opts, int in_process)
{
  sb_user_metric_table *table = NULL;
  char spec[900];
  sb_msg msg;
  sb_user_metric_table_new(&table);
  snprintf(spec, sizeof spec, "plugin:%s%s%s", plugin, opts[0] ? ":" : "", opts);
  if (open_spec(table, spec, in_process, &msg) != SB_OK || open_spec(table, "cmd:rms", 0, &msg) != SB_OK)
    tap_diag("table: %s", msg.text);
  return table;
}

static void test_scoring(request *rq)
{
  const double half = 10 * log10(0.25); /* est = ref / 2 */
  sb_user_metric_table *table = table_of("", 0);
  sb_user_scores *scores = NULL;
  const unsigned char only_command[] = {0, 1};
  volatile sig_atomic_t cancel = 1;
  char want[2048];
  sb_msg msg;

  request_init(rq, "t1");
  sb_msg_clear(&msg);
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, NULL, &scores, &msg) == SB_OK && scores &&
           scores->n_metrics == 2 && scores->n_targets == 2,
         "every metric scores the item (%s)", msg.text);
  if (scores) {
    tap_near(scores->results[0].target_values[1], half, 1e-12, "the plugin's RMSR of s2: est = ref / 2");
    tap_near(scores->results[0].track_values[0], half, 1e-12, "the plugin's RMSR_all");
    tap_near(scores->results[1].target_values[0], half, 1e-6, "the command's RMSR_cmd of s1");
    tap_ok(scores->results[0].wanted && scores->results[1].wanted && !scores->results[0].err &&
             !scores->results[1].message.text[0] && scores->results[1].wall_s > 0,
           "both computed, no note, their time measured");
  }
  sb_user_scores_free(&scores);
  tap_ok(!scores, "free NULLs the scores");
  tap_ok(sb_user_metrics_score(table, only_command, &rq->job, NULL, &scores, &msg) == SB_OK && scores &&
           !scores->results[0].wanted && scores->results[1].wanted,
         "want: only the metrics asked for run");
  sb_user_scores_free(&scores);
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, &cancel, &scores, &msg) == SB_EINTERRUPT && !scores,
         "a cancel flag already set: SB_EINTERRUPT, no scores (%s)", msg.text);
  sb_user_metric_table_free(&table);

  table = table_of("fault=crash,on=t2", 0);
  request_init(rq, "t2");
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, NULL, &scores, &msg) == SB_OK && scores,
         "a plugin crashing on the track does not stop the scoring");
  if (scores) {
    snprintf(want, sizeof want, "plugin %s crashed in compute() on 't2' (signal %d, %s)", plugin, SIGSEGV,
             strsignal(SIGSEGV));
    tap_ok(scores->results[0].err == SB_EBACKEND && isnan(scores->results[0].target_values[0]) &&
             isnan(scores->results[0].track_values[0]),
           "the crashed metric: SB_EBACKEND, its values NaN");
    check_msg(&scores->results[0].message, want, "the crashed metric");
    tap_near(scores->results[1].target_values[1], half, 1e-6, "the other metric is computed");
  }
  sb_user_scores_free(&scores);
  sb_user_metric_table_free(&table);

  table = table_of("fault=nan", 0);
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, NULL, &scores, &msg) == SB_OK && scores &&
           scores->results[0].err == SB_OK,
         "NaN values are no failure");
  if (scores)
    check_msg(&scores->results[0].message, "plugin:rmsratio on 't2': NaN (not defined): RMSR of 's1', RMSR of 's2', "
                                           "RMSR_all",
              "NaN values: the note names them");
  sb_user_scores_free(&scores);
  sb_user_metric_table_free(&table);

  table = table_of("fault=fail", 1);
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, NULL, &scores, &msg) == SB_OK && scores &&
           scores->results[0].err == SB_EBACKEND && isnan(scores->results[0].target_values[0]),
         "in process, a failing plugin: its values NaN");
  if (scores)
    check_msg(&scores->results[0].message, "metric plugin:rmsratio failed on 't2': rmsratio: refusing t2",
              "in process, a failing plugin");
  sb_user_scores_free(&scores);
  rq->job.n_targets = 0;
  tap_ok(sb_user_metrics_score(table, NULL, &rq->job, NULL, &scores, &msg) == SB_EINVAL && !scores,
         "a job without targets is refused");
  sb_user_metric_table_free(&table);
}

int main(void)
{
  const char *srcdir = getenv("SB_TOP_SRCDIR"), *builddir = getenv("SB_TOP_BUILDDIR");
  char script[768];
  request *rq = malloc(sizeof *rq);

  alarm(600); /* a broken limit would hang the suite: an ERROR instead */
  if (!tap_ok(srcdir && builddir && rq, "SB_TOP_SRCDIR and SB_TOP_BUILDDIR name the trees"))
    return free(rq), tap_done();
  /* The command: configure's python3 (SB_PYTHON3, /usr/bin/python3 first), else the one on PATH. */
  snprintf(script, sizeof script, "%s %s/tests/backends/rms-metric.py",
           getenv("SB_PYTHON3") && *getenv("SB_PYTHON3") ? getenv("SB_PYTHON3") : "python3", srcdir);
  snprintf(plugin, sizeof plugin, "%s/tests/backends/.libs/rms_metric_plugin.so", builddir);
  snprintf(dir, sizeof dir, "%s/sb-test-user-metrics-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!tap_ok(mkdtemp(dir) != NULL, "a temporary folder"))
    return free(rq), tap_done();
  snprintf(ini, sizeof ini, "%s/metrics.ini", dir);
  tap_ok(write_config(script), "the config file is written");
  test_table();
  test_startup();
  test_scoring(rq);
  sb_path_remove_tree(dir);
  free(rq);
  return tap_done();
}
