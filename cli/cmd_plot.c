/*
 * cli/cmd_plot.c — `sepbench plot`: a figure of the stored results
 * through gnuplot (reports/plot.h), PNG, SVG or PDF by the file extension.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/plot.h"
#include "reports/scores.h"
#include "cli/options.h"

enum {
  OPT_DB = SB_OPT_FIRST_FREE, OPT_OUT, OPT_SUITE, OPT_METRIC, OPT_AGG, OPT_TARGETS, OPT_CONFIG,
  OPT_TRACK, OPT_METHODS, OPT_X, OPT_Y, OPT_SIZE
};

static const char plot_usage[] =
  "usage: sepbench plot boxplot|heatmap|timeline|scatter --out FILE.png|svg|pdf [--db PATH]\n"
  "                     [--suite S] [--metric M] [--agg A] [--targets LIST] [--config KEY]\n"
  "                     [--methods A,B] [--track NAME] [--x M --y M] [--size WxH]\n"
  "\n"
  "Draws a figure of the stored results with gnuplot (pngcairo, svg or pdfcairo\n"
  "by the extension of FILE).  Methods appear in leaderboard order.\n"
  "  boxplot   per target, a box of the per-track values of each method (the\n"
  "            SiSEC 2018 figure: per-track median over frames of SDR)\n"
  "  heatmap   per target, tracks x methods, cells coloured and labelled\n"
  "  timeline  per target, the frame values of one track, a line per method\n"
  "  scatter   per-track values of metric --y against metric --x\n"
  "\n"
  "  --out FILE         the figure; .png, .svg or .pdf (required)\n"
  "  --db PATH          result store [sepbench.db]\n"
  "  --suite S          only this suite [all]\n"
  "  --metric M         SDR, SIR, SAR, ISR or a per-track metric [SDR]\n"
  "  --agg A            aggregation that orders the methods [auto]\n"
  "  --targets LIST     comma-separated targets, in panel order [all]\n"
  "  --config KEY       metric configuration [newest]\n"
  "  --methods LIST     only these methods [all]\n"
  "  --track NAME       timeline: the track [the first by name]\n"
  "  --x M, --y M       scatter: the two metrics [SDR, SI-SDR]\n"
  "  --size WxH         image size in pixels (PDF: 1/96 inch) [fitted to the data]\n"
  "\n"
  "gnuplot is the one found by configure; the environment variable\n"
  "SEPBENCH_GNUPLOT names another program.\n"
  "\n"
  "example:\n"
  "  sepbench plot boxplot --db sepbench.db --out sdr.png --methods irm2,ibm1,mixture\n";

/* Parses "WxH" with positive integers up to 20000. */
static int parse_size(const char *text, int *width, int *height)
{
  char *end;
  long w = strtol(text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return 0;
  const char *rest = end + 1;
  long h = strtol(rest, &end, 10);
  if (end == rest || *end != '\0' || w < 1 || h < 1 || w > 20000 || h > 20000)
    return 0;
  *width = (int)w;
  *height = (int)h;
  return 1;
}

int sb_cmd_plot(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"out", required_argument, NULL, OPT_OUT},
    {"suite", required_argument, NULL, OPT_SUITE},
    {"metric", required_argument, NULL, OPT_METRIC},
    {"agg", required_argument, NULL, OPT_AGG},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"track", required_argument, NULL, OPT_TRACK},
    {"methods", required_argument, NULL, OPT_METHODS},
    {"x", required_argument, NULL, OPT_X},
    {"y", required_argument, NULL, OPT_Y},
    {"size", required_argument, NULL, OPT_SIZE},
    {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  const char *db = "sepbench.db", *out = NULL, *targets = NULL, *methods = NULL;
  const char *x_metric = NULL, *y_metric = NULL;
  sb_leaderboard_opts lo = {0};
  sb_plot_opts po = {0};
  sb_plot_kind kind;
  sb_store *store = NULL;
  sb_scores *sc = NULL, *sy = NULL;
  char **target_names = NULL, **method_names = NULL;
  char *image = NULL;
  size_t len = 0;
  sb_msg msg;
  sb_err err;
  int opt;

  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case SB_OPT_HELP: fputs(plot_usage, stdout); return 0;
    case OPT_DB: db = optarg; break;
    case OPT_OUT: out = optarg; break;
    case OPT_SUITE: lo.suite = po.suite = optarg; break;
    case OPT_METRIC: lo.metric = optarg; break;
    case OPT_CONFIG: lo.config = optarg; break;
    case OPT_TARGETS: targets = optarg; break;
    case OPT_TRACK: po.track = optarg; break;
    case OPT_METHODS: methods = optarg; break;
    case OPT_X: x_metric = optarg; break;
    case OPT_Y: y_metric = optarg; break;
    case OPT_AGG:
      if (sb_leaderboard_parse_agg(optarg, &lo.agg) != SB_OK)
        return sb_cli_usage_error("plot", "--agg must be median-median, mean-median, mean or track-median, not '%s'", optarg);
      break;
    case OPT_SIZE:
      if (!parse_size(optarg, &po.width, &po.height))
        return sb_cli_usage_error("plot", "--size needs WIDTHxHEIGHT in pixels, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench plot --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return sb_cli_usage_error("plot", "which figure? boxplot, heatmap, timeline or scatter");
  if (sb_plot_parse_kind(argv[optind], &kind) != SB_OK)
    return sb_cli_usage_error("plot", "unknown figure '%s' (boxplot, heatmap, timeline, scatter)", argv[optind]);
  if (optind + 1 < argc)
    return sb_cli_usage_error("plot", "unexpected argument '%s'", argv[optind + 1]);
  if (!out)
    return sb_cli_usage_error("plot", "--out FILE.png|svg|pdf is required");
  if (sb_plot_format_from_path(out, &po.format, NULL) != SB_OK)
    return sb_cli_usage_error("plot", "--out %s: the file name must end in .png, .svg or .pdf", out);
  if ((x_metric || y_metric) && kind != SB_PLOT_SCATTER)
    return sb_cli_usage_error("plot", "--x and --y are for the scatter plot");
  if (po.track && kind != SB_PLOT_TIMELINE)
    return sb_cli_usage_error("plot", "--track is for the timeline");
  if (targets && sb_leaderboard_parse_targets(targets, &target_names, &lo.n_targets) != SB_OK)
    return sb_cli_usage_error("plot", "--targets needs a comma-separated list, not '%s'", targets);
  if (methods && sb_leaderboard_parse_targets(methods, &method_names, &po.n_methods) != SB_OK) {
    free(target_names);
    return sb_cli_usage_error("plot", "--methods needs a comma-separated list, not '%s'", methods);
  }
  lo.targets = (const char *const *)target_names;
  po.methods = (const char *const *)method_names;
  if (kind == SB_PLOT_SCATTER)
    lo.metric = x_metric ? x_metric : lo.metric ? lo.metric : "SDR";

  sb_msg_clear(&msg);
  err = sb_store_open_existing(db, &store, &msg);
  if (!err)
    err = sb_scores_new(store, &lo, &sc, &msg);
  if (!err && kind == SB_PLOT_SCATTER) {
    sb_leaderboard_opts ly = lo;
    ly.metric = y_metric ? y_metric : "SI-SDR";
    ly.config = sb_leaderboard_config(sb_scores_leaderboard(sc));
    err = sb_scores_new(store, &ly, &sy, &msg);
  }
  if (!err) {
    switch (kind) {
    case SB_PLOT_BOXPLOT: err = sb_plot_boxplot(sc, &po, &image, &len, &msg); break;
    case SB_PLOT_HEATMAP: err = sb_plot_heatmap(sc, &po, &image, &len, &msg); break;
    case SB_PLOT_TIMELINE: err = sb_plot_timeline(store, sc, &po, &image, &len, &msg); break;
    case SB_PLOT_SCATTER: err = sb_plot_scatter(sc, sy, &po, &image, &len, &msg); break;
    }
  }
  if (!err)
    err = sb_plot_save(out, image, len, &msg);
  free(image);
  sb_scores_free(&sy);
  sb_scores_free(&sc);
  sb_store_free(&store);
  free(target_names);
  free(method_names);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  fprintf(stderr, "sepbench: wrote %s (%zu bytes)\n", out, len);
  return 0;
}
