/*
 * cli/cmd_import.c — `sepbench import`: museval / SiSEC 2018 track JSON
 * directories into the store as methods (reports/import.h).
 */
#include <config.h>

#include <stdio.h>

#include "metrics/metric_config.h"
#include "reports/import.h"
#include "cli/options.h"

enum { OPT_DB = SB_OPT_FIRST_FREE, OPT_SUITE, OPT_CONFIG, OPT_METHOD };

static const char import_usage[] =
  "usage: sepbench import [--db PATH] [--suite S] [--method M] [--config KEY] PATH...\n"
  "\n"
  "Imports museval track JSON files so that they rank in the same leaderboard\n"
  "as sepbench's own runs.  PATH is a directory in the SiSEC 2018 submissions\n"
  "layout <method>/<subset>/<track>.json, a single method's <subset>/<track>.json\n"
  "(method = --method or the directory name), or one .json file.\n"
  "\n"
  "  --db PATH      result store, created when absent [sepbench.db]\n"
  "  --suite S      suite to file the tracks under [museval]\n"
  "  --method M     method name of a one-method directory [its name]\n"
  "  --config KEY   metric configuration of the items [the key of a default\n"
  "                 `sepbench run`: BSS Eval v4 images, 1 s frames = museval]\n"
  "\n"
  "example:\n"
  "  sepbench import --suite musdb18hq-test sigsep-mus-2018/submissions\n";

int sb_cmd_import(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},         {"suite", required_argument, NULL, OPT_SUITE},
    {"config", required_argument, NULL, OPT_CONFIG}, {"method", required_argument, NULL, OPT_METHOD},
    {"help", no_argument, NULL, SB_OPT_HELP},        {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db";
  sb_import_opts io = {0};
  sb_metric_config mc;
  char config[512];
  sb_store *store = NULL;
  sb_msg msg;
  sb_err err;
  int opt, total = 0;

  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(import_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: io.suite = optarg; break;
    case OPT_CONFIG: io.config = optarg; break;
    case OPT_METHOD: io.method = optarg; break;
    default:
      fprintf(stderr, "Try 'sepbench import --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return sb_cli_usage_error("import", "no directory or file to import");
  if (!io.config) {
    sb_metric_config_default(&mc);
    sb_metric_config_key(&mc, config, sizeof config);
    io.config = config;
  }
  sb_msg_clear(&msg);
  err = sb_store_open(db, &store, &msg);
  for (int i = optind; !err && i < argc; i++) {
    int n = 0;
    err = sb_import_museval(store, &io, argv[i], &n, &msg);
    total += n;
  }
  sb_store_free(&store);
  if (err)
    return sb_cli_fail(err, &msg);
  fprintf(stderr, "sepbench: imported %d items (config %s)\n", total, io.config);
  return 0;
}
