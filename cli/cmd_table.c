/*
 * cli/cmd_table.c — `sepbench table`: a paper table (LaTeX booktabs or
 * markdown) with bootstrap CIs and significance tests (reports/table.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/paper_table.h"
#include "reports/scores.h"
#include "reports/table.h"
#include "cli/options.h"

enum {
  OPT_DB = SB_OPT_FIRST_FREE, OPT_SUITE, OPT_METRIC, OPT_AGG, OPT_TARGETS, OPT_CONFIG, OPT_FORMAT,
  OPT_REFERENCE, OPT_RESAMPLES, OPT_SEED, OPT_LEVEL, OPT_CI
};

static const char table_usage[] =
  "usage: sepbench table [--db PATH] [--suite S] [--metric M] [--agg A] [--targets LIST]\n"
  "                      [--format latex|md] [--reference METHOD] [--resamples B]\n"
  "                      [--seed N] [--level L] [--ci brackets|pm]\n"
  "\n"
  "Writes a table ready for a paper: the leaderboard values, best per column in\n"
  "bold, percentile bootstrap confidence intervals over tracks, a dagger where a\n"
  "method differs from the reference (Wilcoxon signed-rank on per-track values,\n"
  "Holm-corrected), and per target a Friedman test with Conover post-hoc pairs\n"
  "in the footnote.\n"
  "\n"
  "  --db PATH          result store [sepbench.db]\n"
  "  --suite S          only this suite [all]\n"
  "  --metric M         SDR, SIR, SAR, ISR or a per-track metric [SDR; on a store\n"
  "                     holding STOI (speech suites) the paper table: SI-SDRi, SDRi,\n"
  "                     STOI, ESTOI, SA-SDR per method, means, no statistics]\n"
  "  --agg A            median-median, mean-median, mean, track-median [auto]\n"
  "  --targets LIST     comma-separated targets, in column order [all]\n"
  "  --config KEY       metric configuration [newest]\n"
  "  --format F         latex or md [latex]\n"
  "  --reference M      reference method of the paired tests [the best]\n"
  "  --resamples B      bootstrap resamples [1000]\n"
  "  --seed N           MT19937 seed of the bootstrap [2018]\n"
  "  --level L          confidence level [0.95]\n"
  "  --ci brackets|pm   show [lo, hi] or +- half width [brackets]\n"
  "\n"
  "example:\n"
  "  sepbench table --db sepbench.db --targets vocals,drums,bass,other --reference irm2\n";

int sb_cmd_table(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"suite", required_argument, NULL, OPT_SUITE},
    {"metric", required_argument, NULL, OPT_METRIC},
    {"agg", required_argument, NULL, OPT_AGG},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"resamples", required_argument, NULL, OPT_RESAMPLES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"ci", required_argument, NULL, OPT_CI},
    {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *targets = NULL;
  sb_leaderboard_opts lo = {0};
  sb_table_opts to = {0};
  sb_table_format fmt = SB_TABLE_LATEX;
  sb_store *store = NULL;
  sb_scores *sc = NULL;
  sb_table *table = NULL;
  char **names = NULL;
  double number;
  sb_msg msg;
  sb_err err;
  int opt;

  to.ci_brackets = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(table_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: lo.suite = optarg; break;
    case OPT_METRIC: lo.metric = optarg; break;
    case OPT_CONFIG: lo.config = optarg; break;
    case OPT_TARGETS: targets = optarg; break;
    case OPT_REFERENCE: to.reference = optarg; break;
    case OPT_AGG:
      if (sb_leaderboard_parse_agg(optarg, &lo.agg) != SB_OK)
        return sb_cli_usage_error("table", "--agg must be median-median, mean-median, mean or track-median, not '%s'", optarg);
      break;
    case OPT_FORMAT:
      if (sb_table_parse_format(optarg, &fmt) != SB_OK)
        return sb_cli_usage_error("table", "--format must be latex or md, not '%s'", optarg);
      break;
    case OPT_RESAMPLES:
      if (!sb_cli_parse_count(optarg, 10000000, &to.n_resamples) || to.n_resamples < 2)
        return sb_cli_usage_error("table", "--resamples needs an integer in [2, 1e7], not '%s'", optarg);
      break;
    case OPT_SEED:
      if (!sb_cli_parse_range(optarg, 1, 9007199254740992.0, &number) || number != floor(number))
        return sb_cli_usage_error("table", "--seed needs a positive integer, not '%s'", optarg);
      to.seed = (unsigned long)number;
      break;
    case OPT_LEVEL:
      if (!sb_cli_parse_range(optarg, 0, 1, &to.level) || !(to.level > 0 && to.level < 1))
        return sb_cli_usage_error("table", "--level needs a number in (0, 1), not '%s'", optarg);
      break;
    case OPT_CI:
      if (strcmp(optarg, "brackets") != 0 && strcmp(optarg, "pm") != 0)
        return sb_cli_usage_error("table", "--ci must be brackets or pm, not '%s'", optarg);
      to.ci_brackets = strcmp(optarg, "brackets") == 0;
      break;
    default:
      fprintf(stderr, "Try 'sepbench table --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("table", "unexpected argument '%s'", argv[optind]);
  if (targets && sb_leaderboard_parse_targets(targets, &names, &lo.n_targets) != SB_OK)
    return sb_cli_usage_error("table", "--targets needs a comma-separated list, not '%s'", targets);
  lo.targets = (const char *const *)names;
  sb_msg_clear(&msg);
  err = sb_store_open_existing(db, &store, &msg);
  if (!err && !lo.metric && sb_paper_table_applies(store, lo.suite)) {
    err = sb_paper_table_write(store, lo.suite, lo.config, fmt, stdout, &msg);
    goto done;
  }
  if (!err)
    err = sb_scores_new(store, &lo, &sc, &msg);
  if (!err)
    err = sb_table_new(sc, &to, &table, &msg);
  if (!err && sb_table_write(table, stdout, fmt) != SB_OK)
    err = sb_msg_set(&msg, SB_EIO, "stdout: write error");
done:
  sb_table_free(&table);
  sb_scores_free(&sc);
  sb_store_free(&store);
  free(names);
  return sb_cli_fail(err, &msg);
}
