/*
 * cli/cmd_export.c — `sepbench export`: a run's values as museval /
 * SiSEC 2018 track JSON files or as CSV long format (reports/export.h).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "reports/export.h"
#include "cli/options.h"

enum { OPT_DB = SB_OPT_FIRST_FREE, OPT_SUITE, OPT_CONFIG, OPT_METHOD, OPT_FORMAT, OPT_OUT };

static const char export_usage[] =
  "usage: sepbench export [--db PATH] [--suite S] [--config KEY] [--method M]\n"
  "                       [--format museval|csv] [--out DIR]\n"
  "\n"
  "Writes the stored values in the formats of the field:\n"
  "  museval  one museval 0.4.1 track JSON per track (5 decimals, NaN tokens):\n"
  "           DIR/<method>/<subset>/<track>.json, or DIR/<subset>/<track>.json\n"
  "           with --method (museval's own layout)\n"
  "  csv      long format method,track,target,metric,time,value on stdout\n"
  "           (or DIR/results.csv with --out)\n"
  "\n"
  "  --db PATH      result store [sepbench.db]\n"
  "  --suite S      only this suite [all]\n"
  "  --config KEY   metric configuration [the newest with frame SDR values]\n"
  "  --method M     only this method [all]\n"
  "  --format F     museval or csv [museval]\n"
  "  --out DIR      output directory (required for museval)\n"
  "\n"
  "example:\n"
  "  sepbench export --db sepbench.db --format museval --out sisec-json\n";

int sb_cmd_export(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},         {"suite", required_argument, NULL, OPT_SUITE},
    {"config", required_argument, NULL, OPT_CONFIG}, {"method", required_argument, NULL, OPT_METHOD},
    {"format", required_argument, NULL, OPT_FORMAT}, {"out", required_argument, NULL, OPT_OUT},
    {"help", no_argument, NULL, SB_OPT_HELP},        {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *format = "museval", *out = NULL;
  sb_export_opts eo = {0};
  sb_store *store = NULL;
  sb_msg msg;
  sb_err err;
  int opt, n_files = 0;
  int64_t n_rows = 0;

  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(export_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_SUITE: eo.suite = optarg; break;
    case OPT_CONFIG: eo.config = optarg; break;
    case OPT_METHOD: eo.method = optarg; break;
    case OPT_FORMAT: format = optarg; break;
    case OPT_OUT: out = optarg; break;
    default:
      fprintf(stderr, "Try 'sepbench export --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
  if (strcmp(format, "museval") != 0 && strcmp(format, "csv") != 0)
    return sb_cli_usage_error("export", "--format must be museval or csv, not '%s'", format);
  if (strcmp(format, "museval") == 0 && !out)
    return sb_cli_usage_error("export", "--format museval needs --out DIR");
  sb_msg_clear(&msg);
  err = sb_store_open_existing(db, &store, &msg);
  if (!err && strcmp(format, "museval") == 0) {
    err = sb_export_museval(store, &eo, out, &n_files, &msg);
    if (!err)
      fprintf(stderr, "sepbench: wrote %d museval track files under %s\n", n_files, out);
  } else if (!err) {
    char path[4096];
    FILE *f = stdout;
    if (out) {
      snprintf(path, sizeof path, "%s/results.csv", out);
      f = fopen(path, "w");
      if (!f)
        err = sb_msg_set(&msg, SB_EIO, "%s: cannot create", path);
    }
    if (!err)
      err = sb_export_csv(store, &eo, f, &n_rows, &msg);
    if (f && f != stdout && fclose(f) != 0 && !err)
      err = sb_msg_set(&msg, SB_EIO, "%s: write error", path);
    if (!err)
      fprintf(stderr, "sepbench: wrote %lld CSV rows\n", (long long)n_rows);
  }
  sb_store_free(&store);
  return sb_cli_fail(err, &msg);
}
