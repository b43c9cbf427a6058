/*
 * cli/cmd_report.c — `sepbench report`: a static HTML page of the
 * store (reports/html_report.h).
 */
#include <config.h>

#include <stdio.h>

#include "reports/html_report.h"
#include "cli/options.h"

enum { OPT_DB = SB_OPT_FIRST_FREE, OPT_OUT, OPT_SUITE, OPT_CONFIG, OPT_NO_FIGURES };

static const char report_usage[] =
  "usage: sepbench report --out DIR [--db PATH] [--suite S] [--config KEY] [--no-figures]\n"
  "\n"
  "Writes DIR/index.html, a self-contained page (no server, no script): the\n"
  "leaderboards of every metric in the store, the box plot of the per-track\n"
  "SDR drawn by gnuplot as inline SVG, a table per track and the provenance\n"
  "of the runs.\n"
  "\n"
  "  --out DIR       the report directory, created when missing (required)\n"
  "  --db PATH       result store [sepbench.db]\n"
  "  --suite S       only this suite [all]\n"
  "  --config KEY    metric configuration [newest]\n"
  "  --no-figures    do not run gnuplot (no figure in the page)\n"
  "\n"
  "example:\n"
  "  sepbench report --db sepbench.db --out report && xdg-open report/index.html\n";

int sb_cmd_report(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"out", required_argument, NULL, OPT_OUT},
    {"suite", required_argument, NULL, OPT_SUITE},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-figures", no_argument, NULL, OPT_NO_FIGURES},
    {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *out = NULL;
  sb_html_report_opts ro = {0};
  sb_store *store = NULL;
  sb_msg msg;
  sb_err err;
  int opt;

  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(report_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_OUT: out = optarg; break;
    case OPT_SUITE: ro.suite = optarg; break;
    case OPT_CONFIG: ro.config = optarg; break;
    case OPT_NO_FIGURES: ro.no_figures = 1; break;
    default:
      fprintf(stderr, "Try 'sepbench report --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return sb_cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
  if (!out)
    return sb_cli_usage_error("report", "--out DIR is required");
  ro.store_name = db;
  sb_msg_clear(&msg);
  err = sb_store_open_existing(db, &store, &msg);
  if (!err)
    err = sb_html_report_write(store, &ro, out, &msg);
  sb_store_free(&store);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  fprintf(stderr, "sepbench: wrote %s/index.html\n", out);
  return 0;
}
