/*
 * cli/cmd_leaderboard.c — `sepbench leaderboard`: prints a leaderboard from the store.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "reports/board_writers.h"
#include "reports/leaderboard.h"
#include "cli/options.h"

enum { OPT_DB = SB_OPT_FIRST_FREE, OPT_SUITE, OPT_METRIC, OPT_AGG, OPT_FORMAT, OPT_TARGETS, OPT_CONFIG };

static const char leaderboard_usage[] =
  "usage: sepbench leaderboard [--db PATH] [--suite NAME] [--metric M] [--agg A]\n"
  "                            [--targets LIST] [--config KEY] [--format F]\n"
  "\n"
  "Prints one row per method and one column per target plus their average,\n"
  "derived from the stored per-frame / per-track values; the header names the\n"
  "aggregation.\n"
  "\n"
  "  --db PATH       result store [sepbench.db]\n"
  "  --suite NAME    only this suite [the only one, or all]\n"
  "  --metric M      SDR, ISR, SIR, SAR (frames) or a per-track metric such as\n"
  "                  SI-SDR, global_SDR [SDR]\n"
  "  --agg A         median-median (SiSEC 2018), mean-median (Demucs), mean (MDX),\n"
  "                  track-median [median-median for frame metrics, else mean]\n"
  "  --targets LIST  comma-separated targets, in column order [all]\n"
  "  --config KEY    metric configuration [the newest]\n"
  "  --format F      text, md, latex, html, csv or json [text]\n"
  "\n"
  "example:\n"
  "  sepbench leaderboard --db sepbench.db --metric SDR --targets vocals,drums --format md\n";

int sb_cmd_leaderboard(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},         {"suite", required_argument, NULL, OPT_SUITE},
    {"metric", required_argument, NULL, OPT_METRIC}, {"agg", required_argument, NULL, OPT_AGG},
    {"format", required_argument, NULL, OPT_FORMAT}, {"targets", required_argument, NULL, OPT_TARGETS},
    {"config", required_argument, NULL, OPT_CONFIG}, {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *format = "text", *targets = NULL;
  sb_leaderboard_opts lo = {0};
  sb_lb_format fmt;
  sb_store *store = NULL;
  sb_leaderboard *lb = NULL;
  char **names = NULL;
  sb_msg msg;
  sb_err err;
  int opt;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(leaderboard_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: lo.suite = optarg; break;
    case OPT_METRIC: lo.metric = optarg; break;
    case OPT_CONFIG: lo.config = optarg; break;
    case OPT_TARGETS: targets = optarg; break;
    case OPT_AGG:
      if (sb_leaderboard_parse_agg(optarg, &lo.agg) != SB_OK)
        return sb_cli_usage_error("leaderboard", "--agg must be auto, median-median, mean-median, mean or track-median, not '%s'", optarg);
      break;
    case OPT_FORMAT: format = optarg; break;
    default:
      fprintf(stderr, "Try 'sepbench leaderboard --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("leaderboard", "unexpected argument '%s'", argv[optind]);
  if (sb_leaderboard_parse_format(format, &fmt) != SB_OK)
    return sb_cli_usage_error("leaderboard", "--format must be text, md, latex, html, csv or json, not '%s'", format);
  if (targets && sb_leaderboard_parse_targets(targets, &names, &lo.n_targets) != SB_OK)
    return sb_cli_usage_error("leaderboard", "--targets needs a comma-separated list, not '%s'", targets);
  lo.targets = (const char *const *)names;
  sb_msg_clear(&msg);
  err = sb_store_open_existing(db, &store, &msg);
  if (!err)
    err = sb_leaderboard_new(store, &lo, &lb, &msg);
  if (!err && sb_leaderboard_write(lb, stdout, fmt) != SB_OK)
    err = sb_msg_set(&msg, SB_EIO, "stdout: write error");
  sb_leaderboard_free(&lb);
  sb_store_free(&store);
  free(names);
  return sb_cli_fail(err, &msg);
}
