/*
 * cli/cmd_run.c — `sepbench run`: arguments of the scheduler (runners/run.h).
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/run.h"
#include "cli/options.h"

enum { OPT_SUITE = SB_OPT_FIRST_FREE, OPT_SUBSET, OPT_BACKENDS, OPT_TRACKS, OPT_LIMIT, OPT_JOBS, OPT_DB, OPT_CACHE, OPT_FORCE, OPT_PROGRESS,
       OPT_BACKEND_CONFIG, OPT_SHARD, OPT_EST_LAYOUT, OPT_EST_PATTERN, OPT_EXCERPT, OPT_TARGETS, OPT_VARIANT,
       OPT_SUITES_CONFIG, OPT_MAX_MEMORY };

static const char run_usage[] =
  "usage: sepbench run [--suite NAME|DIR] [--backends LIST] [OPTIONS]\n"
  "\n"
  "Runs every (track x backend) item of a suite in parallel, evaluates the\n"
  "estimates and stores every per-frame and per-track value; re-running the\n"
  "same command resumes (stored items are skipped).  Prints the SiSEC 2018\n"
  "leaderboard (SDR, median over frames, median over tracks) at the end.\n"
  "\n"
  "  --suite S        music (MUSDB18-HQ or MUSDB18 .stem.mp4 at $MUSDB_PATH, else\n"
  "                   the built-in demo music suite), speech (EchoSet at\n"
  "                   $ECHOSET_PATH, else the built-in demo speech suite),\n"
  "                   librimix, tiny, a name from the suites config file,\n"
  "                   KIND:PATH or a dataset folder (see sepbench suites) [music]\n"
  "  --subset S       MUSDB subset: test, train, valid or train-split [test]\n"
  "  --backends LIST  comma-separated backends [mixture,irm2]:\n"
  "                     NAME[:key=value,...]           built-in (sepbench backends)\n"
  "                     plugin:PATH.so[:key=value,...] C plugin (ABI sepbench/backend.h)\n"
  "                     cmd:NAME                       external program, [backend NAME]\n"
  "                                                    of the backend config\n"
  "                     dir:PATH                       estimates on disk (--est-layout)\n"
  "  --plugin-in-process  call plugins inside sepbench: no fork per item, but a\n"
  "                   crash ends the run and no time limit applies [the option\n"
  "                   check and each separation in a child process]\n"
  "  --plugin-timeout S  seconds a plugin may take for one separation or one\n"
  "                   metric (or its option check at start-up); then it is\n"
  "                   killed and the item recorded as failed (a metric: its\n"
  "                   values NaN with the reason) [3600]\n"
  "  --backend-config PATH  INI file of the cmd: backends\n"
  "                   [$XDG_CONFIG_HOME/sepbench/backends.ini]\n"
  "%s"
  "                   (a run that adds one to a finished run computes that metric\n"
  "                   only; a metric plugin runs isolated like a backend plugin)\n"
  "  --est-layout L   file layout of the dir: backends [auto]:\n"
  "                     museval   PATH[/SUBSET]/TRACK/TARGET.wav\n"
  "                     demucs    PATH/MODEL/TRACK/TARGET.{wav,flac,mp3} (one MODEL)\n"
  "                     asteroid  PATH/TRACK_est1.wav, _est2.wav, ... (target order)\n"
  "                     auto      the first of these holding the track's first target\n"
  "  --est-pattern T  dir: files at PATH/T, T using {track} {target} {subset}\n"
  "                   {index} (1-based) {index0}, e.g. \"{track}/{target}.wav\"\n"
  "  --tracks LIST    only tracks whose name contains one of these (comma-separated)\n"
  "  --limit N        at most N tracks\n"
  "  --excerpt S:D    evaluate D seconds of every track from S seconds on\n"
  "  --targets LIST   only these targets, e.g. vocals,accompaniment\n"
  "                   (accompaniment = drums + bass + other when absent)\n"
  "  --variant V      LibriMix task: sep_clean or sep_noisy [sep_clean]\n"
  "  --suites-config FILE  suites config file [$SEPBENCH_SUITES, see 'sepbench suites']\n"
  "  --jobs N         worker threads [all cores]\n"
  "  --max-memory SIZE  decoded audio a dir: item holds in memory, e.g. 512M, 2G\n"
  "                   [1G]: its files are decoded once; files beyond SIZE are\n"
  "                   streamed; 0 streams every file.  Up to --jobs items run at\n"
  "                   once, each within SIZE\n"
  "  --db PATH        result store [sepbench.db]\n"
  "  --cache DIR      where demo suites are generated [$SEPBENCH_CACHE or ~/.cache/sepbench]\n"
  "  --force          recompute items that are already stored\n"
  "  --shard K/N      run only shard K of N (1 <= K <= N): the items whose\n"
  "                   hash of (track, method) is K-1 mod N; merge the stores\n"
  "                   afterwards with 'sepbench merge'\n"
  "  --progress MODE  bar, lines or auto [auto: bar on a terminal]\n"
  "%s"
  "\n"
  "example:\n"
  "  sepbench run --suite music --backends mixture,irm2 --jobs 2 --db results.db\n"
  "  sepbench run --suite music --backends cmd:demucs --backend-config backends.ini\n"
  "  sepbench run --suite music --backends irm2 --shard 2/8 --db shard2.db\n"
  "  sepbench run --suite music --backends dir:separated --est-layout demucs\n"
  "  sepbench run --suite music --backends plugin:./mine.so:gain=1 --plugin-timeout 600\n"
  "  sepbench run --suite music --backends irm2 --excerpt 30:10 --targets vocals,accompaniment\n"
  "  sepbench run --suite speech --backends mixture,irm2 --metrics sdr,pspm\n"
  "  sepbench run --suite speech --backends irm2 --metric-command pesq --metric-config metrics.ini\n";

static void on_signal(int sig)
{
  (void)sig;
  sb_run_request_stop();
  /* A second Ctrl-C ends the process at once; stored items are safe. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

/* The command line as one string ("sepbench run ..."), for the run's
 * provenance; cut to the buffer's size. */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
  size_t used = (size_t)snprintf(buf, len, "sepbench");
  for (int i = 0; i < argc && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, " %s", argv[i]);
}

/* --excerpt START:DURATION (seconds, START >= 0, DURATION > 0); 1 on success. */
static int parse_excerpt(char *arg, double *start, double *len)
{
  char *colon = strchr(arg, ':');
  int ok;
  if (!colon)
    return 0;
  *colon = '\0';
  ok = sb_cli_parse_range(arg, 0, 1e7, start) && sb_cli_parse_range(colon + 1, 0, 1e7, len) && *len > 0;
  *colon = ':';
  return ok;
}

/* Applies one option of run that is not a metric option; 0, or the exit
 * status of a usage error (message printed). */
static int apply_option(int opt, char *arg, sb_run_opts *o, int *layout_given)
{
  int k = 0, n = 0, used = 0;
  switch (opt) {
  case OPT_SUITE: o->suite = arg; return 0;
  case OPT_SUBSET: o->subset = arg; return 0;
  case OPT_BACKENDS: o->backends = arg; return 0;
  case OPT_TRACKS: o->tracks = arg; return 0;
  case OPT_DB: o->db_path = arg; return 0;
  case OPT_CACHE: o->cache_dir = arg; return 0;
  case OPT_FORCE: o->force = 1; return 0;
  case OPT_BACKEND_CONFIG: o->backend_config = arg; return 0;
  case OPT_TARGETS: o->targets = arg; return 0;
  case OPT_SUITES_CONFIG: o->suites_config = arg; return 0;
  case OPT_EST_PATTERN: o->est_pattern = arg; return 0;
  case OPT_VARIANT:
    if (strcmp(arg, "sep_clean") != 0 && strcmp(arg, "sep_noisy") != 0)
      return sb_cli_usage_error("run", "--variant must be sep_clean or sep_noisy, not '%s'", arg);
    o->variant = arg;
    return 0;
  case OPT_EST_LAYOUT:
    if (sb_estimates_parse_layout(arg, &o->est_layout) != SB_OK)
      return sb_cli_usage_error("run", "--est-layout must be museval, demucs, asteroid, pattern or auto, not '%s'",
                                arg);
    *layout_given = 1;
    return 0;
  case OPT_EXCERPT:
    if (!parse_excerpt(arg, &o->excerpt_start, &o->excerpt_len))
      return sb_cli_usage_error("run", "--excerpt expects START:DURATION in seconds (START >= 0, DURATION > 0), "
                                "not '%s'", arg);
    return 0;
  case OPT_SHARD:
    if (sscanf(arg, "%d/%d%n", &k, &n, &used) != 2 || arg[used] != '\0' || n < 1 || k < 1 || k > n)
      return sb_cli_usage_error("run", "--shard expects K/N with 1 <= K <= N, not '%s'", arg);
    o->shard_index = k;
    o->shard_count = n;
    return 0;
  case OPT_MAX_MEMORY:
    return sb_cli_max_memory_option("run", arg, &o->max_memory);
  case OPT_LIMIT:
  case OPT_JOBS:
    if (!sb_cli_parse_count(arg, 1000000, opt == OPT_LIMIT ? &o->limit : &o->jobs))
      return sb_cli_usage_error("run", "expected a positive integer, not '%s'", arg);
    return 0;
  case OPT_PROGRESS:
    if (strcmp(arg, "bar") == 0)
      o->progress_tty = 1;
    else if (strcmp(arg, "lines") == 0)
      o->progress_tty = 0;
    else if (strcmp(arg, "auto") == 0)
      o->progress_tty = -1;
    else
      return sb_cli_usage_error("run", "--progress must be bar, lines or auto, not '%s'", arg);
    return 0;
  default:
    fprintf(stderr, "Try 'sepbench run --help'.\n");
    return SB_EXIT_USAGE;
  }
}

/* Prints the summary and the leaderboard of a run; returns the exit status. */
static int report(const sb_run_opts *o, const sb_run_summary *sum, sb_err err, const sb_msg *msg)
{
  if (err && err != SB_EINTERRUPT)
    return sb_cli_fail(err, msg);
  fprintf(stderr, "sepbench: %d items: %d computed", sum->n_items, sum->n_computed);
  if (sum->n_metrics_only)
    fprintf(stderr, " (%d for missing metrics only)", sum->n_metrics_only);
  fprintf(stderr, ", %d already stored, %d failed%s\n", sum->n_skipped, sum->n_failed,
          sum->interrupted ? ", interrupted" : "");
  if (sum->n_metric_failed)
    fprintf(stderr, "sepbench: %d plug-in metric values of items failed (NaN, the reason is stored; a re-run "
                    "computes them again)\n",
            sum->n_metric_failed);
  if (err == SB_EINTERRUPT) {
    fprintf(stderr, "sepbench: %s\n", msg->text);
    return SB_EXIT_INTERRUPTED;
  }
  printf("\n");
  if (sb_cli_print_leaderboard(o->db_path, sum->suite, "SDR", NULL, "text", stdout) != 0)
    return 1;
  printf("\nresults: %s (run %lld)\n", o->db_path, (long long)sum->run_id);
  return sum->n_failed || sum->n_metric_failed ? SB_EXIT_PARTIAL : 0;
}

int sb_cmd_run(int argc, char **argv)
{
  static const struct option longopts[] = {
    SB_METRIC_LONG_OPTIONS,
    {"suite", required_argument, NULL, OPT_SUITE},       {"subset", required_argument, NULL, OPT_SUBSET},
    {"backends", required_argument, NULL, OPT_BACKENDS}, {"tracks", required_argument, NULL, OPT_TRACKS},
    {"limit", required_argument, NULL, OPT_LIMIT},       {"jobs", required_argument, NULL, OPT_JOBS},
    {"db", required_argument, NULL, OPT_DB},             {"cache", required_argument, NULL, OPT_CACHE},
    {"force", no_argument, NULL, OPT_FORCE},             {"progress", required_argument, NULL, OPT_PROGRESS},
    {"backend-config", required_argument, NULL, OPT_BACKEND_CONFIG},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"est-layout", required_argument, NULL, OPT_EST_LAYOUT}, {"est-pattern", required_argument, NULL, OPT_EST_PATTERN},
    {"excerpt", required_argument, NULL, OPT_EXCERPT},       {"targets", required_argument, NULL, OPT_TARGETS},
    {"variant", required_argument, NULL, OPT_VARIANT},       {"suites-config", required_argument, NULL, OPT_SUITES_CONFIG},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    SB_PLUGIN_LONG_OPTIONS,
    {NULL, 0, NULL, 0}};
  sb_run_opts o;
  sb_cli_plugins plugins;
  char command_line[4096];
  sb_run_summary sum;
  sb_msg msg;
  int opt, handled, status, layout_given = 0;
  sb_run_opts_default(&o);
  sb_cli_plugins_default(&plugins);
  join_args(argc, argv, command_line, sizeof command_line);
  o.command_line = command_line;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = sb_cli_metric_option("run", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (opt == SB_OPT_METRICS)
      o.speech_defaults = 0;
    if (!handled)
      handled = sb_cli_plugin_option("run", opt, optarg, &plugins);
    if (handled < 0)
      return sb_cli_plugins_clear(&plugins), SB_EXIT_USAGE;
    if (opt == SB_OPT_HELP) {
      printf(run_usage, sb_cli_user_metric_usage, sb_cli_metric_usage);
      return sb_cli_plugins_clear(&plugins), 0;
    }
    if (!handled && (status = apply_option(opt, optarg, &o, &layout_given)) != 0)
      return sb_cli_plugins_clear(&plugins), status;
  }
  o.n_user_metrics = plugins.n_user_metrics;
  o.user_metrics = (const char *const *)plugins.user_metrics;
  o.metric_config = plugins.metric_config;
  o.plugin_in_process = plugins.plugin_in_process;
  o.plugin_timeout_s = plugins.plugin_timeout_s;
  if (o.est_pattern && !layout_given)
    o.est_layout = SB_EST_PATTERN;
  if (optind < argc)
    status = sb_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
  else if ((o.est_pattern != NULL) != (o.est_layout == SB_EST_PATTERN))
    status = sb_cli_usage_error("run", o.est_pattern ? "--est-pattern goes with --est-layout pattern (or none)"
                                                     : "--est-layout pattern needs --est-pattern TEMPLATE");
  else {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    sb_msg_clear(&msg);
    status = report(&o, &sum, sb_run(&o, &sum, &msg), &msg);
  }
  sb_cli_plugins_clear(&plugins);
  return status;
}
