/*
 * runners/cmd_leaderboard.c — `sepbench leaderboard`: prints a leaderboard from the store.
 */
#include <config.h>

#include <stdio.h>
#include "runners/cli.h"

enum { OPT_DB = SB_OPT_FIRST_FREE, OPT_SUITE, OPT_METRIC, OPT_AGG, OPT_FORMAT };

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

int sb_cmd_leaderboard(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},         {"suite", required_argument, NULL, OPT_SUITE},
    {"metric", required_argument, NULL, OPT_METRIC}, {"agg", required_argument, NULL, OPT_AGG},
    {"format", required_argument, NULL, OPT_FORMAT}, {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *suite = NULL, *metric = NULL, *agg = NULL, *format = "text";
  int opt;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(leaderboard_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: suite = optarg; break;
    case OPT_METRIC: metric = optarg; break;
    case OPT_AGG: agg = optarg; break;
    case OPT_FORMAT: format = optarg; break;
    default:
      fprintf(stderr, "Try 'sepbench leaderboard --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("leaderboard", "unexpected argument '%s'", argv[optind]);
  return sb_cli_print_leaderboard(db, suite, metric, agg, format, stdout);
}
