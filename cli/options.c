/*
 * cli/options.c — option parsing shared by the sub-commands (cli/options.h).
 */
#include <config.h>

#include "cli/options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/board_writers.h"
#include "reports/leaderboard.h"
#include "schemas/store.h"

const char sb_cli_metric_usage[] =
  "\n"
  "metric options (defaults = museval / SiSEC 2018):\n"
  "  --mode v4|v3     BSS Eval v4 (whole-track filters) or v3 (per-frame filters) [v4]\n"
  "  --images         images criterion, ISR defined (museval, SiSEC) [default]\n"
  "  --sources        sources criterion (mir_eval bss_eval_sources)\n"
  "  --win S          frame window in seconds; 0 = whole signal [1.0]\n"
  "  --hop S          frame hop in seconds [1.0]\n"
  "  --perm RULE      none, brute (mir_eval) or hungarian [none]\n"
  "  --metrics LIST   any of bss, sdr, sisdr, gsdr, snr, improvements, pspm, all [all]\n"
  "                   (sdr = framewise and whole SDR only, without ISR/SIR/SAR;\n"
  "                   pspm = PS/PM (MAPSS) 20-ms series, opt-in, not in all)\n"
  "  --pspm-embedder E PS/PM frame embedder: raw, logmel, file:DIR, cmd:TEMPLATE [raw]\n"
  "  --zero-mean      subtract the means before the SI-SDR family\n"
  "  --skip-silent-frames all|per-source\n"
  "                   all: a frame is NaN for every source when any reference or\n"
  "                   estimate is silent in it (museval); per-source: only the\n"
  "                   silent source's frame is NaN (sepbench, opt-in) [all]\n";

int sb_cli_usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "sepbench %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'sepbench %s --help'.\n", cmd);
  return SB_EXIT_USAGE;
}

int sb_cli_parse_number(const char *text, double *out)
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
               {"pspm", SB_METRIC_PSPM},   {"all", SB_METRIC_DEFAULT}};
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

/* Applies one metric option; returns 1 when handled, 0 when not a metric
 * option, -1 on a bad value (message printed). */
int sb_cli_metric_option(const char *cmd, int opt, const char *arg, sb_eval_opts *eo, double *win_s,
                         double *hop_s)
{
  switch (opt) {
  case SB_OPT_MODE:
    if (strcmp(arg, "v4") == 0)
      eo->mode = SB_BSS_V4;
    else if (strcmp(arg, "v3") == 0)
      eo->mode = SB_BSS_V3;
    else
      return sb_cli_usage_error(cmd, "--mode must be v4 or v3, not '%s'", arg), -1;
    return 1;
  case SB_OPT_IMAGES:
    eo->crit = SB_CRIT_IMAGES;
    return 1;
  case SB_OPT_SOURCES:
    eo->crit = SB_CRIT_SOURCES;
    return 1;
  case SB_OPT_WIN:
    if (!sb_cli_parse_number(arg, win_s) || *win_s < 0)
      return sb_cli_usage_error(cmd, "--win needs a number of seconds >= 0, not '%s'", arg), -1;
    return 1;
  case SB_OPT_HOP:
    if (!sb_cli_parse_number(arg, hop_s) || !(*hop_s > 0))
      return sb_cli_usage_error(cmd, "--hop needs a positive number of seconds, not '%s'", arg), -1;
    return 1;
  case SB_OPT_PERM:
    if (strcmp(arg, "none") == 0)
      eo->perm = SB_PERM_NONE;
    else if (strcmp(arg, "brute") == 0)
      eo->perm = SB_PERM_BRUTE;
    else if (strcmp(arg, "hungarian") == 0)
      eo->perm = SB_PERM_HUNGARIAN;
    else
      return sb_cli_usage_error(cmd, "--perm must be none, brute or hungarian, not '%s'", arg), -1;
    return 1;
  case SB_OPT_METRICS:
    if (!parse_metrics(arg, &eo->metrics))
      return sb_cli_usage_error(cmd, "--metrics: unknown group in '%s' (bss, sdr, sisdr, gsdr, snr, improvements, pspm, all)", arg), -1;
    return 1;
  case SB_OPT_PSPM_EMBEDDER:
    if (strcmp(arg, "raw") != 0 && strcmp(arg, "logmel") != 0 && strncmp(arg, "file:", 5) != 0 &&
        strncmp(arg, "cmd:", 4) != 0)
      return sb_cli_usage_error(cmd, "--pspm-embedder must be raw, logmel, file:DIR or cmd:TEMPLATE, not '%s'", arg), -1;
    eo->pspm_embedder = arg;
    return 1;
  case SB_OPT_ZERO_MEAN:
    eo->zero_mean = 1;
    return 1;
  case SB_OPT_SILENT:
    if (strcmp(arg, "all") == 0)
      eo->silent = SB_SILENT_ALL;
    else if (strcmp(arg, "per-source") == 0)
      eo->silent = SB_SILENT_PER_SOURCE;
    else
      return sb_cli_usage_error(cmd, "--skip-silent-frames must be all or per-source, not '%s'", arg), -1;
    return 1;
  default:
    return 0;
  }
}

int sb_cli_print_leaderboard(const char *db_path, const char *suite, const char *metric,
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
    return sb_cli_usage_error("leaderboard", "--agg must be auto, median, mean-median, mean or track-median, not '%s'", agg);
  if (sb_leaderboard_parse_format(format ? format : "text", &fmt) != SB_OK)
    return sb_cli_usage_error("leaderboard", "--format must be text, md, csv or json, not '%s'", format);
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
