/*
 * cli/cmd_eval.c — `sepbench eval`: arguments of runners/eval_dirs.h.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runners/eval_dirs.h"
#include "cli/options.h"
#include "cli/result_json.h"
#include "cli/result_table.h"

enum { OPT_REF = SB_OPT_FIRST_FREE, OPT_EST, OPT_MIX, OPT_FORMAT, OPT_MAX_MEMORY };

typedef enum eval_format { EVAL_JSON = 0, EVAL_TABLE } eval_format;

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
  "  --max-memory SIZE  decoded audio held in memory, e.g. 512M, 2G [1G]: each\n"
  "                   file is decoded once; files beyond SIZE are streamed (read\n"
  "                   again by each pass of the metrics); 0 streams every file\n"
  "%s"
  "  --plugin-in-process  call metric plugins inside sepbench (no fork; a crash\n"
  "                   ends sepbench, no time limit)\n"
  "  --plugin-timeout S  seconds a metric plugin may take [3600]\n"
  "                   A plug-in metric that fails leaves its values null with the\n"
  "                   reason in \"notes\", and sepbench exits with status 3.\n"
  "%s"
  "\n"
  "example:\n"
  "  sepbench eval --ref-dir ref --est-dir est --mix mix.wav --format table\n"
  "  sepbench eval --ref-dir ref --est-dir est --metric-command pesq --metric-config metrics.ini\n";

/* Writes the result in format; SB_EIO is reported when stdout is closed
 * (sepbench.c), so it is not returned. */
static sb_err write_result(const sb_eval_dirs_result *res, eval_format format)
{
  const char *const *names = (const char *const *)res->targets;
  sb_err written = format == EVAL_TABLE ? sb_result_table_write(stdout, res->result, &res->eval, names)
                                        : sb_result_json_write_user(stdout, res->result, &res->eval, names, NULL, 0,
                                                                    res->metrics, res->scores);
  if (!written && format == EVAL_TABLE)
    written = sb_result_table_write_user(stdout, names, res->n_targets, res->metrics, res->scores);
  return written == SB_EIO ? SB_OK : written;
}

/* 1 when a plug-in metric failed (its values are NaN). */
static int user_metric_failed(const sb_eval_dirs_result *res)
{
  for (int i = 0; res->scores && i < res->scores->n_metrics; i++)
    if (res->scores->results[i].err)
      return 1;
  return 0;
}

static volatile sig_atomic_t stop_embedder;

/* Ctrl-C while a cmd: embedder program runs: stop it (its process group
 * is killed, sepbench exits 130); a second Ctrl-C ends sepbench at once. */
static void on_signal(int sig)
{
  (void)sig;
  stop_embedder = 1;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

int sb_cmd_eval(int argc, char **argv)
{
  static const struct option longopts[] = {
    SB_METRIC_LONG_OPTIONS, SB_PLUGIN_LONG_OPTIONS,
    {"ref-dir", required_argument, NULL, OPT_REF}, {"est-dir", required_argument, NULL, OPT_EST},
    {"mix", required_argument, NULL, OPT_MIX},     {"format", required_argument, NULL, OPT_FORMAT},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY}, {NULL, 0, NULL, 0}};
  sb_eval_dirs_opts o = {0};
  sb_eval_dirs_result *res = NULL;
  eval_format format = EVAL_JSON;
  sb_cli_plugins plugins;
  sb_msg msg;
  sb_err err;
  int opt, handled, status;
  sb_eval_opts_default(&o.eval, 44100);
  o.win_s = 1.0;
  o.hop_s = 1.0;
  sb_cli_plugins_default(&plugins);
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = sb_cli_metric_option("eval", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (!handled)
      handled = sb_cli_plugin_option("eval", opt, optarg, &plugins);
    if (handled < 0)
      return sb_cli_plugins_clear(&plugins), SB_EXIT_USAGE;
    if (handled)
      continue;
    switch (opt) {
    case SB_OPT_HELP:
      printf(eval_usage, sb_cli_user_metric_usage, sb_cli_metric_usage);
      return sb_cli_plugins_clear(&plugins), 0;
    case OPT_REF: o.ref_dir = optarg; break;
    case OPT_EST: o.est_dir = optarg; break;
    case OPT_MIX: o.mix_path = optarg; break;
    case OPT_MAX_MEMORY:
      if ((status = sb_cli_max_memory_option("eval", optarg, &o.max_memory)) != 0)
        return sb_cli_plugins_clear(&plugins), status;
      break;
    case OPT_FORMAT:
      if (strcmp(optarg, "json") == 0)
        format = EVAL_JSON;
      else if (strcmp(optarg, "table") == 0)
        format = EVAL_TABLE;
      else
        return sb_cli_plugins_clear(&plugins),
               sb_cli_usage_error("eval", "--format must be json or table, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench eval --help'.\n");
      return sb_cli_plugins_clear(&plugins), SB_EXIT_USAGE;
    }
  }
  o.n_user_metrics = plugins.n_user_metrics;
  o.user_metrics = (const char *const *)plugins.user_metrics;
  o.metric_env = (sb_user_metric_env){plugins.metric_config, plugins.plugin_in_process, plugins.plugin_timeout_s};
  if (optind < argc)
    status = sb_cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
  else if (!o.ref_dir || !o.est_dir)
    status = sb_cli_usage_error("eval", "%s", "--ref-dir and --est-dir are required");
  else {
    if ((o.eval.metrics & SB_METRIC_PSPM) && o.eval.pspm_embedder && strncmp(o.eval.pspm_embedder, "cmd:", 4) == 0) {
      o.cancel = &stop_embedder;
      signal(SIGINT, on_signal);
      signal(SIGTERM, on_signal);
    }
    sb_msg_clear(&msg);
    err = sb_eval_dirs(&o, &res, stderr, &msg);
    if (!err)
      err = write_result(res, format);
    status = sb_cli_fail(err, &msg);
    if (err == SB_EINTERRUPT && stop_embedder)
      status = SB_EXIT_INTERRUPTED;
    else if (!status && user_metric_failed(res))
      status = SB_EXIT_PARTIAL;
  }
  sb_eval_dirs_result_free(&res);
  sb_cli_plugins_clear(&plugins);
  return status;
}
