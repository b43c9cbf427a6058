/*
 * runners/cmd_run.c — `sepbench run`: arguments of the scheduler (runners/run.h).
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/run.h"
#include "runners/cli.h"

enum { OPT_SUITE = SB_OPT_FIRST_FREE, OPT_SUBSET, OPT_BACKENDS, OPT_TRACKS, OPT_LIMIT, OPT_JOBS, OPT_DB, OPT_CACHE, OPT_FORCE, OPT_PROGRESS };

static const char run_usage[] =
  "usage: sepbench run [--suite NAME|DIR] [--backends LIST] [OPTIONS]\n"
  "\n"
  "Runs every (track x backend) item of a suite in parallel, evaluates the\n"
  "estimates and stores every per-frame and per-track value; re-running the\n"
  "same command resumes (stored items are skipped).  Prints the SiSEC 2018\n"
  "leaderboard (SDR, median over frames, median over tracks) at the end.\n"
  "\n"
  "  --suite S        music (MUSDB18-HQ at $MUSDB_PATH, else the built-in demo\n"
  "                   music suite), tiny (small synthetic suite), or a\n"
  "                   MUSDB18-HQ-like directory [music]\n"
  "  --subset S       MUSDB subset: test or train [test]\n"
  "  --backends LIST  comma-separated backends, NAME[:key=value...] [mixture,irm2]\n"
  "  --tracks LIST    only tracks whose name contains one of these (comma-separated)\n"
  "  --limit N        at most N tracks\n"
  "  --jobs N         worker threads [all cores]\n"
  "  --db PATH        result store [sepbench.db]\n"
  "  --cache DIR      where demo suites are generated [$SEPBENCH_CACHE or ~/.cache/sepbench]\n"
  "  --force          recompute items that are already stored\n"
  "  --progress MODE  bar, lines or auto [auto: bar on a terminal]\n"
  "%s"
  "\n"
  "example:\n"
  "  sepbench run --suite music --backends mixture,irm2 --jobs 2 --db results.db\n";

static void on_signal(int sig)
{
  (void)sig;
  sb_run_request_stop();
  /* A second Ctrl-C ends the process at once; stored items are safe. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

/* The command line as one string, for the run's provenance. */
static char *join_args(int argc, char **argv)
{
  size_t len = 1;
  char *s;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  s = malloc(len);
  if (!s)
    return NULL;
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    if (i)
      strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
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
    {NULL, 0, NULL, 0}};
  sb_run_opts o;
  char *command_line;
  sb_run_summary sum;
  sb_msg msg;
  sb_err err;
  double number;
  int opt, handled;
  sb_run_opts_default(&o);
  command_line = join_args(argc, argv);
  o.command_line = command_line ? command_line : "sepbench run";
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = sb_cli_metric_option("run", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (handled < 0)
      return SB_EXIT_USAGE;
    if (handled)
      continue;
    switch (opt) {
    case SB_OPT_HELP:
      printf(run_usage, sb_cli_metric_usage);
      return 0;
    case OPT_SUITE: o.suite = optarg; break;
    case OPT_SUBSET: o.subset = optarg; break;
    case OPT_BACKENDS: o.backends = optarg; break;
    case OPT_TRACKS: o.tracks = optarg; break;
    case OPT_DB: o.db_path = optarg; break;
    case OPT_CACHE: o.cache_dir = optarg; break;
    case OPT_FORCE: o.force = 1; break;
    case OPT_LIMIT:
    case OPT_JOBS:
      if (!sb_cli_parse_number(optarg, &number) || number < 1 || number > 1e6 || number != (int)number)
        return sb_cli_usage_error("run", "expected a positive integer, not '%s'", optarg);
      *(opt == OPT_LIMIT ? &o.limit : &o.jobs) = (int)number;
      break;
    case OPT_PROGRESS:
      if (strcmp(optarg, "bar") == 0)
        o.progress_tty = 1;
      else if (strcmp(optarg, "lines") == 0)
        o.progress_tty = 0;
      else if (strcmp(optarg, "auto") == 0)
        o.progress_tty = -1;
      else
        return sb_cli_usage_error("run", "--progress must be bar, lines or auto, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench run --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  sb_msg_clear(&msg);
  err = sb_run(&o, &sum, &msg);
  if (err && err != SB_EINTERRUPT) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  fprintf(stderr, "sepbench: %d items: %d computed, %d already stored, %d failed%s\n", sum.n_items,
          sum.n_computed, sum.n_skipped, sum.n_failed, sum.interrupted ? ", interrupted" : "");
  if (err == SB_EINTERRUPT) {
    fprintf(stderr, "sepbench: %s\n", msg.text);
    return SB_EXIT_INTERRUPTED;
  }
  printf("\n");
  if (sb_cli_print_leaderboard(o.db_path, sum.suite, "SDR", NULL, "text", stdout) != 0)
    return 1;
  printf("\nresults: %s (run %lld)\n", o.db_path, (long long)sum.run_id);
  return sum.n_failed ? SB_EXIT_PARTIAL : 0;
}
