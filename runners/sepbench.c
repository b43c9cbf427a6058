/*
 * runners/sepbench.c — the sepbench command.  It only parses arguments and
 * calls libsepbench; every command has --help with an example.  Output for
 * machines goes to stdout, diagnostics and progress to stderr.
 *
 * Exit status: 0 success, 1 the command failed (message on stderr),
 * 2 usage error, 3 the run finished but some items failed,
 * 130 interrupted (the finished work is stored; re-run to resume).
 */
#include <config.h>

#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/leaderboard.h"
#include "runners/backends.h"
#include "runners/eval_dirs.h"
#include "runners/run.h"
#include "schemas/store.h"

enum { EXIT_USAGE = 2, EXIT_PARTIAL = 3, EXIT_INTERRUPTED = 130 };

static const char main_usage[] =
  "usage: sepbench COMMAND [OPTIONS]\n"
  "\n"
  "Evaluation and benchmarking of audio source separation (BSS Eval v4/v3,\n"
  "SI-SDR, global SDR) with results kept in SQLite.\n"
  "\n"
  "commands:\n"
  "  run          run separator backends over a suite, evaluate, store, print a leaderboard\n"
  "  eval         evaluate estimates already on disk (JSON or table on stdout)\n"
  "  leaderboard  print a leaderboard from the store\n"
  "  backends     list the built-in separator backends\n"
  "\n"
  "options:\n"
  "  -h, --help     this help (sepbench COMMAND --help for a command)\n"
  "  -V, --version  print the version\n"
  "\n"
  "example:\n"
  "  sepbench run --suite music --backends mixture,irm2\n";

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

static const char eval_usage[] =
  "usage: sepbench eval --ref-dir DIR --est-dir DIR [--mix FILE] [OPTIONS]\n"
  "\n"
  "Scores the estimates EST-DIR/<target>.wav against REF-DIR/<target>.wav\n"
  "(any format libsndfile reads).  Estimates are zero-padded or truncated to\n"
  "the reference length (museval's rule).  JSON goes to stdout.\n"
  "\n"
  "  --ref-dir DIR    reference stems, one file per target\n"
  "  --est-dir DIR    estimates with the same file names\n"
  "  --mix FILE       the mixture (enables SDRi and SI-SDRi)\n"
  "  --format F       json or table [json]\n"
  "%s"
  "\n"
  "example:\n"
  "  sepbench eval --ref-dir ref --est-dir est --mix mix.wav --format table\n";

static const char metric_usage[] =
  "\n"
  "metric options (defaults = museval / SiSEC 2018):\n"
  "  --mode v4|v3     BSS Eval v4 (whole-track filters) or v3 (per-frame filters) [v4]\n"
  "  --images         images criterion, ISR defined (museval, SiSEC) [default]\n"
  "  --sources        sources criterion (mir_eval bss_eval_sources)\n"
  "  --win S          frame window in seconds; 0 = whole signal [1.0]\n"
  "  --hop S          frame hop in seconds [1.0]\n"
  "  --perm RULE      none, brute (mir_eval) or hungarian [none]\n"
  "  --metrics LIST   any of bss, sdr, sisdr, gsdr, snr, improvements, all [all]\n"
  "                   (sdr = framewise and whole SDR only, without ISR/SIR/SAR)\n"
  "  --zero-mean      subtract the means before the SI-SDR family\n"
  "  --skip-silent-frames all|per-source\n"
  "                   all: a frame is NaN for every source when any reference or\n"
  "                   estimate is silent in it (museval); per-source: only the\n"
  "                   silent source's frame is NaN (sepbench, opt-in) [all]\n";

static const char leaderboard_usage[] =
  "usage: sepbench leaderboard [--db PATH] [--suite NAME] [--metric M] [--agg A] [--format F]\n"
  "\n"
  "Prints one row per method and one column per target, derived from the\n"
  "stored per-frame / per-track values.\n"
  "\n"
  "  --db PATH     result store [sepbench.db]\n"
  "  --suite NAME  only this suite [the only one, or all]\n"
  "  --metric M    SDR, ISR, SIR, SAR (frames) or a per-track metric such as\n"
  "                SI-SDR, global_SDR [SDR]\n"
  "  --agg A       median-median (SiSEC 2018), mean-median (Demucs), mean (MDX) [median-median]\n"
  "  --format F    text, md, csv or json [text]\n"
  "\n"
  "example:\n"
  "  sepbench leaderboard --db sepbench.db --metric SDR --format md\n";

static const char backends_usage[] =
  "usage: sepbench backends\n"
  "\n"
  "Lists the built-in separator backends.\n"
  "\n"
  "example:\n"
  "  sepbench backends\n";

static void on_signal(int sig)
{
  (void)sig;
  sb_run_request_stop();
  /* A second Ctrl-C ends the process at once; stored items are safe. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "sepbench %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'sepbench %s --help'.\n", cmd);
  return EXIT_USAGE;
}

static int parse_number(const char *text, double *out)
{
  char *end;
  *out = strtod(text, &end);
  return *text != '\0' && *end == '\0';
}

static int parse_metrics(const char *list, unsigned *out)
{
  static const struct {
    const char *name;
    unsigned bits;
  } names[] = {{"bss", SB_METRIC_BSS},     {"sdr", SB_METRIC_SDR},
               {"sisdr", SB_METRIC_SISDR}, {"gsdr", SB_METRIC_GSDR},
               {"snr", SB_METRIC_SNR},     {"improvements", SB_METRIC_IMPROVE},
               {"all", SB_METRIC_DEFAULT}};
  char *copy = strdup(list), *save = NULL, *tok;
  int ok = copy != NULL;
  *out = 0;
  for (tok = ok ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strcmp(tok, names[i].name) == 0) {
        *out |= names[i].bits;
        found = 1;
      }
    ok = ok && found;
  }
  free(copy);
  if ((*out & SB_METRIC_BSS) && (*out & SB_METRIC_SDR))
    *out &= ~(unsigned)SB_METRIC_SDR;
  return ok && *out != 0;
}

/* Metric options shared by run and eval: long-option ids from 1000. */
enum {
  OPT_MODE = 1000, OPT_IMAGES, OPT_SOURCES, OPT_WIN, OPT_HOP, OPT_PERM, OPT_METRICS,
  OPT_ZERO_MEAN, OPT_SILENT, OPT_SUITE, OPT_SUBSET, OPT_BACKENDS, OPT_TRACKS, OPT_LIMIT,
  OPT_JOBS, OPT_DB, OPT_CACHE, OPT_FORCE, OPT_PROGRESS, OPT_REF, OPT_EST, OPT_MIX, OPT_FORMAT,
  OPT_METRIC, OPT_AGG, OPT_HELP
};

#define METRIC_LONG_OPTIONS                                                                        \
  {"mode", required_argument, NULL, OPT_MODE}, {"images", no_argument, NULL, OPT_IMAGES},          \
    {"sources", no_argument, NULL, OPT_SOURCES}, {"win", required_argument, NULL, OPT_WIN},        \
    {"hop", required_argument, NULL, OPT_HOP}, {"perm", required_argument, NULL, OPT_PERM},        \
    {"metrics", required_argument, NULL, OPT_METRICS},                                             \
    {"zero-mean", no_argument, NULL, OPT_ZERO_MEAN},                                               \
    {"skip-silent-frames", required_argument, NULL, OPT_SILENT}, {"help", no_argument, NULL, OPT_HELP}

/* Applies one metric option; returns 1 when handled, 0 when not a metric
 * option, -1 on a bad value (message printed). */
static int metric_option(const char *cmd, int opt, const char *arg, sb_eval_opts *eo, double *win_s,
                         double *hop_s)
{
  switch (opt) {
  case OPT_MODE:
    if (strcmp(arg, "v4") == 0)
      eo->mode = SB_BSS_V4;
    else if (strcmp(arg, "v3") == 0)
      eo->mode = SB_BSS_V3;
    else
      return usage_error(cmd, "--mode must be v4 or v3, not '%s'", arg), -1;
    return 1;
  case OPT_IMAGES:
    eo->crit = SB_CRIT_IMAGES;
    return 1;
  case OPT_SOURCES:
    eo->crit = SB_CRIT_SOURCES;
    return 1;
  case OPT_WIN:
    if (!parse_number(arg, win_s) || *win_s < 0)
      return usage_error(cmd, "--win needs a number of seconds >= 0, not '%s'", arg), -1;
    return 1;
  case OPT_HOP:
    if (!parse_number(arg, hop_s) || !(*hop_s > 0))
      return usage_error(cmd, "--hop needs a positive number of seconds, not '%s'", arg), -1;
    return 1;
  case OPT_PERM:
    if (strcmp(arg, "none") == 0)
      eo->perm = SB_PERM_NONE;
    else if (strcmp(arg, "brute") == 0)
      eo->perm = SB_PERM_BRUTE;
    else if (strcmp(arg, "hungarian") == 0)
      eo->perm = SB_PERM_HUNGARIAN;
    else
      return usage_error(cmd, "--perm must be none, brute or hungarian, not '%s'", arg), -1;
    return 1;
  case OPT_METRICS:
    if (!parse_metrics(arg, &eo->metrics))
      return usage_error(cmd, "--metrics: unknown group in '%s' (bss, sdr, sisdr, gsdr, snr, improvements, all)", arg), -1;
    return 1;
  case OPT_ZERO_MEAN:
    eo->zero_mean = 1;
    return 1;
  case OPT_SILENT:
    if (strcmp(arg, "all") == 0)
      eo->silent = SB_SILENT_ALL;
    else if (strcmp(arg, "per-source") == 0)
      eo->silent = SB_SILENT_PER_SOURCE;
    else
      return usage_error(cmd, "--skip-silent-frames must be all or per-source, not '%s'", arg), -1;
    return 1;
  default:
    return 0;
  }
}

static int print_leaderboard(const char *db_path, const char *suite, const char *metric,
                             const char *agg, const char *format, FILE *out)
{
  sb_store *store = NULL;
  sb_leaderboard *lb = NULL;
  sb_leaderboard_opts lo = {0};
  sb_lb_format fmt;
  sb_msg msg;
  sb_err err;
  sb_msg_clear(&msg);
  lo.suite = suite;
  lo.metric = metric;
  if (agg && sb_leaderboard_parse_agg(agg, &lo.agg) != SB_OK)
    return usage_error("leaderboard", "--agg must be auto, median, mean-median, mean or track-median, not '%s'", agg);
  if (sb_leaderboard_parse_format(format ? format : "text", &fmt) != SB_OK)
    return usage_error("leaderboard", "--format must be text, md, csv or json, not '%s'", format);
  err = sb_store_open_existing(db_path, &store, &msg);
  if (!err)
    err = sb_leaderboard_new(store, &lo, &lb, &msg);
  if (!err)
    err = sb_leaderboard_write(lb, out, fmt);
  sb_leaderboard_free(&lb);
  sb_store_free(&store);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  return 0;
}

static int cmd_run(int argc, char **argv, const char *command_line)
{
  static const struct option longopts[] = {
    METRIC_LONG_OPTIONS,
    {"suite", required_argument, NULL, OPT_SUITE},       {"subset", required_argument, NULL, OPT_SUBSET},
    {"backends", required_argument, NULL, OPT_BACKENDS}, {"tracks", required_argument, NULL, OPT_TRACKS},
    {"limit", required_argument, NULL, OPT_LIMIT},       {"jobs", required_argument, NULL, OPT_JOBS},
    {"db", required_argument, NULL, OPT_DB},             {"cache", required_argument, NULL, OPT_CACHE},
    {"force", no_argument, NULL, OPT_FORCE},             {"progress", required_argument, NULL, OPT_PROGRESS},
    {NULL, 0, NULL, 0}};
  sb_run_opts o;
  sb_run_summary sum;
  sb_msg msg;
  sb_err err;
  double number;
  int opt, handled;
  sb_run_opts_default(&o);
  o.command_line = command_line;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = metric_option("run", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (handled < 0)
      return EXIT_USAGE;
    if (handled)
      continue;
    switch (opt) {
    case OPT_HELP:
      printf(run_usage, metric_usage);
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
      if (!parse_number(optarg, &number) || number < 1 || number > 1e6 || number != (int)number)
        return usage_error("run", "expected a positive integer, not '%s'", optarg);
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
        return usage_error("run", "--progress must be bar, lines or auto, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench run --help'.\n");
      return EXIT_USAGE;
    }
  }
  if (optind < argc)
    return usage_error("run", "unexpected argument '%s'", argv[optind]);
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
    return EXIT_INTERRUPTED;
  }
  printf("\n");
  if (print_leaderboard(o.db_path, sum.suite, "SDR", NULL, "text", stdout) != 0)
    return 1;
  printf("\nresults: %s (run %lld)\n", o.db_path, (long long)sum.run_id);
  return sum.n_failed ? EXIT_PARTIAL : 0;
}

static int cmd_eval(int argc, char **argv)
{
  static const struct option longopts[] = {
    METRIC_LONG_OPTIONS,
    {"ref-dir", required_argument, NULL, OPT_REF}, {"est-dir", required_argument, NULL, OPT_EST},
    {"mix", required_argument, NULL, OPT_MIX},     {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0}};
  sb_eval_dirs_opts o = {0};
  sb_msg msg;
  sb_err err;
  int opt, handled;
  sb_eval_opts_default(&o.eval, 44100);
  o.win_s = 1.0;
  o.hop_s = 1.0;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = metric_option("eval", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (handled < 0)
      return EXIT_USAGE;
    if (handled)
      continue;
    switch (opt) {
    case OPT_HELP:
      printf(eval_usage, metric_usage);
      return 0;
    case OPT_REF: o.ref_dir = optarg; break;
    case OPT_EST: o.est_dir = optarg; break;
    case OPT_MIX: o.mix_path = optarg; break;
    case OPT_FORMAT:
      if (strcmp(optarg, "json") == 0)
        o.format = SB_EVAL_JSON;
      else if (strcmp(optarg, "table") == 0)
        o.format = SB_EVAL_TABLE;
      else
        return usage_error("eval", "--format must be json or table, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench eval --help'.\n");
      return EXIT_USAGE;
    }
  }
  if (optind < argc)
    return usage_error("eval", "unexpected argument '%s'", argv[optind]);
  if (!o.ref_dir || !o.est_dir)
    return usage_error("eval", "%s", "--ref-dir and --est-dir are required");
  sb_msg_clear(&msg);
  err = sb_eval_dirs(&o, stdout, stderr, &msg);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  return 0;
}

static int cmd_leaderboard(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},         {"suite", required_argument, NULL, OPT_SUITE},
    {"metric", required_argument, NULL, OPT_METRIC}, {"agg", required_argument, NULL, OPT_AGG},
    {"format", required_argument, NULL, OPT_FORMAT}, {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *suite = NULL, *metric = NULL, *agg = NULL, *format = "text";
  int opt;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case OPT_HELP: fputs(leaderboard_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: suite = optarg; break;
    case OPT_METRIC: metric = optarg; break;
    case OPT_AGG: agg = optarg; break;
    case OPT_FORMAT: format = optarg; break;
    default:
      fprintf(stderr, "Try 'sepbench leaderboard --help'.\n");
      return EXIT_USAGE;
    }
  }
  if (optind < argc)
    return usage_error("leaderboard", "unexpected argument '%s'", argv[optind]);
  return print_leaderboard(db, suite, metric, agg, format, stdout);
}

static int cmd_backends(int argc, char **argv)
{
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(backends_usage, stdout);
    return 0;
  }
  if (argc > 1)
    return usage_error("backends", "unexpected argument '%s'", argv[1]);
  for (size_t i = 0; i < sb_backend_count(); i++) {
    const sb_backend_api *b = sb_backend_at(i);
    printf("%-10s %s%s\n", b->name, b->description, (b->flags & SB_BACKEND_ORACLE) ? " (oracle)" : "");
  }
  return 0;
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

int main(int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : NULL;
  int status;
  if (!cmd) {
    fputs(main_usage, stderr);
    return EXIT_USAGE;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(main_usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    printf("sepbench %s%s%s\n", PACKAGE_VERSION, SB_GIT_REVISION[0] ? " git " : "", SB_GIT_REVISION);
    return 0;
  }
  if (strcmp(cmd, "run") == 0) {
    char *line = join_args(argc, argv);
    status = cmd_run(argc - 1, argv + 1, line ? line : "sepbench run");
    free(line);
    return status;
  }
  if (strcmp(cmd, "eval") == 0)
    return cmd_eval(argc - 1, argv + 1);
  if (strcmp(cmd, "leaderboard") == 0)
    return cmd_leaderboard(argc - 1, argv + 1);
  if (strcmp(cmd, "backends") == 0)
    return cmd_backends(argc - 1, argv + 1);
  fprintf(stderr, "sepbench: unknown command '%s'\n", cmd);
  fputs(main_usage, stderr);
  return EXIT_USAGE;
}
