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

enum { OPT_REF = SB_OPT_FIRST_FREE, OPT_EST, OPT_MIX, OPT_FORMAT };

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
  "%s"
  "\n"
  "example:\n"
  "  sepbench eval --ref-dir ref --est-dir est --mix mix.wav --format table\n";

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
    SB_METRIC_LONG_OPTIONS,
    {"ref-dir", required_argument, NULL, OPT_REF}, {"est-dir", required_argument, NULL, OPT_EST},
    {"mix", required_argument, NULL, OPT_MIX},     {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0}};
  sb_eval_dirs_opts o = {0};
  sb_eval_dirs_result *res = NULL;
  eval_format format = EVAL_JSON;
  sb_msg msg;
  sb_err err;
  int opt, handled;
  sb_eval_opts_default(&o.eval, 44100);
  o.win_s = 1.0;
  o.hop_s = 1.0;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    handled = sb_cli_metric_option("eval", opt, optarg, &o.eval, &o.win_s, &o.hop_s);
    if (handled < 0)
      return SB_EXIT_USAGE;
    if (handled)
      continue;
    switch (opt) {
    case SB_OPT_HELP:
      printf(eval_usage, sb_cli_metric_usage);
      return 0;
    case OPT_REF: o.ref_dir = optarg; break;
    case OPT_EST: o.est_dir = optarg; break;
    case OPT_MIX: o.mix_path = optarg; break;
    case OPT_FORMAT:
      if (strcmp(optarg, "json") == 0)
        format = EVAL_JSON;
      else if (strcmp(optarg, "table") == 0)
        format = EVAL_TABLE;
      else
        return sb_cli_usage_error("eval", "--format must be json or table, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench eval --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
  if (!o.ref_dir || !o.est_dir)
    return sb_cli_usage_error("eval", "%s", "--ref-dir and --est-dir are required");
  if ((o.eval.metrics & SB_METRIC_PSPM) && o.eval.pspm_embedder && strncmp(o.eval.pspm_embedder, "cmd:", 4) == 0) {
    o.cancel = &stop_embedder;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
  }
  sb_msg_clear(&msg);
  err = sb_eval_dirs(&o, &res, stderr, &msg);
  if (!err) {
    /* A write that fails (SB_EIO) is reported once, when stdout is closed
     * (sepbench.c); anything else is an error of its own. */
    const char *const *names = (const char *const *)res->targets;
    sb_err written = format == EVAL_TABLE ? sb_result_table_write(stdout, res->result, &res->eval, names)
                                          : sb_result_json_write(stdout, res->result, &res->eval, names, NULL, 0);
    if (written != SB_EIO)
      err = written;
  }
  sb_eval_dirs_result_free(&res);
  if (err == SB_EINTERRUPT && stop_embedder) {
    sb_cli_fail(err, &msg);
    return SB_EXIT_INTERRUPTED;
  }
  return sb_cli_fail(err, &msg);
}
