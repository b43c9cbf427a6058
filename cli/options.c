/*
 * cli/options.c — option parsing shared by the sub-commands (cli/options.h).
 */
#include <config.h>

#include "cli/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backends/plugin.h"
#include "common/paths.h"
#include "metrics/metric_config.h"
#include "runners/signals.h"
#include "reports/board_writers.h"
#include "reports/leaderboard.h"
#include "schemas/store.h"

const char sb_cli_metric_usage[] =
  "\n"
  "metric options (defaults = museval / SiSEC 2018):\n"
  "  --mode v4|v3     BSS Eval v4 (whole-track filters) or v3 (per-frame filters) [v4]\n"
  "  --images         images criterion, ISR defined (museval, SiSEC) [default]\n"
  "  --sources        sources criterion (mir_eval bss_eval_sources)\n"
  "  --win S          frame window in seconds, up to 1e6; 0 = whole signal [1.0]\n"
  "  --hop S          frame hop in seconds, up to 1e6 [1.0]\n"
  "  --perm RULE      none, brute (mir_eval) or hungarian [none]\n"
  "  --metrics LIST   any of bss, sdr, sisdr, gsdr, snr, improvements, pspm, stoi,\n"
  "                   estoi, sasdr, all [all; runs on a speech suite add stoi,estoi,sasdr]\n"
  "                   (sdr = framewise and whole SDR only, without ISR/SIR/SAR;\n"
  "                   improvements = SDRi of bss/sdr, SI-SDRi of sisdr, dSTOI/dESTOI\n"
  "                   of stoi/estoi, with --mix; alone it means sdr,sisdr,improvements;\n"
  "                   pspm = PS/PM (MAPSS) 20-ms series, opt-in, not in all;\n"
  "                   stoi, estoi = STOI, ESTOI as pystoi 0.4.1, per channel then the\n"
  "                   mean; sasdr = SA-SDR and SI-SA-SDR of all sources jointly)\n"
  "  --pspm-embedder E PS/PM frame embedder: raw, logmel, file:DIR, cmd:TEMPLATE [raw]\n"
  "  --zero-mean      subtract the means before the SI-SDR family\n"
  "  --skip-silent-frames all|per-source\n"
  "                   all: a frame is NaN for every source when any reference or\n"
  "                   estimate is silent in it (museval); per-source: only the\n"
  "                   silent source's frame is NaN (sepbench, opt-in) [all]\n";

const char sb_cli_user_metric_usage[] =
  "  --metric-plugin PATH.so[:key=value,...]\n"
  "                   also score with a metric plugin (ABI sepbench/metric.h); repeatable\n"
  "  --metric-command NAME[,NAME...]\n"
  "                   also score with the program of section [metric NAME] of the\n"
  "                   metric config (it prints JSON, e.g. {\"PESQ\": 3.1}); repeatable\n"
  "  --metric-config PATH  INI file of the command metrics\n"
  "                   [$XDG_CONFIG_HOME/sepbench/metrics.ini]\n";

void sb_cli_plugins_default(sb_cli_plugins *p)
{
  memset(p, 0, sizeof *p);
  p->plugin_timeout_s = SB_PLUGIN_DEFAULT_TIMEOUT_S;
}

void sb_cli_plugins_clear(sb_cli_plugins *p)
{
  for (int i = 0; i < p->n_user_metrics; i++)
    free(p->user_metrics[i]);
  p->n_user_metrics = 0;
}

/* Adds the spec KIND:TEXT; -1 (message printed) when there are too many. */
static int add_user_metric(const char *cmd, const char *kind, const char *text, size_t len, sb_cli_plugins *p)
{
  if (p->n_user_metrics == SB_CLI_MAX_USER_METRICS)
    return sb_cli_usage_error(cmd, "at most %d plug-in metrics", SB_CLI_MAX_USER_METRICS), -1;
  if (sb_path_printf(&p->user_metrics[p->n_user_metrics], "%s:%.*s", kind, (int)len, text) != SB_OK)
    return sb_cli_usage_error(cmd, "out of memory"), -1;
  p->n_user_metrics++;
  return 1;
}

int sb_cli_plugin_option(const char *cmd, int opt, const char *arg, sb_cli_plugins *p)
{
  switch (opt) {
  case SB_OPT_METRIC_PLUGIN:
    if (!*arg)
      return sb_cli_usage_error(cmd, "--metric-plugin needs PATH.so[:key=value,...]"), -1;
    return add_user_metric(cmd, "plugin", arg, strlen(arg), p);
  case SB_OPT_METRIC_COMMAND:
    for (const char *item = arg;; item += strcspn(item, ",") + 1) {
      const size_t len = strcspn(item, ",");
      if (len == 0)
        return sb_cli_usage_error(cmd, "--metric-command needs NAME[,NAME...], not '%s'", arg), -1;
      if (add_user_metric(cmd, "cmd", item, len, p) < 0)
        return -1;
      if (!item[len])
        return 1;
    }
  case SB_OPT_METRIC_CONFIG:
    p->metric_config = arg;
    return 1;
  case SB_OPT_PLUGIN_IN_PROCESS:
    p->plugin_in_process = 1;
    return 1;
  case SB_OPT_PLUGIN_TIMEOUT:
    if (!sb_cli_parse_range(arg, 0.001, 1e7, &p->plugin_timeout_s))
      return sb_cli_usage_error(cmd, "--plugin-timeout expects seconds in [0.001, 1e7], not '%s'", arg), -1;
    return 1;
  default:
    return 0;
  }
}

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

int sb_cli_fail(sb_err err, const sb_msg *msg)
{
  if (!err)
    return 0;
  fprintf(stderr, "sepbench: %s\n", msg && msg->text[0] ? msg->text : sb_strerror(err));
  return 1;
}

int sb_cli_parse_number(const char *text, double *out)
{
  char *end;
  *out = strtod(text, &end);
  return *text != '\0' && *end == '\0';
}

int sb_cli_parse_range(const char *text, double min, double max, double *out)
{
  double v;
  if (!sb_cli_parse_number(text, &v) || !(v >= min && v <= max))
    return 0;
  *out = v;
  return 1;
}

int sb_cli_parse_count(const char *text, int max, int *out)
{
  double v;
  if (!sb_cli_parse_range(text, 1, max, &v) || v != floor(v))
    return 0;
  *out = (int)v;
  return 1;
}

int sb_cli_parse_bytes(const char *text, int64_t *out)
{
  static const char units[] = "KMGT";
  char *end;
  double v = strtod(text, &end), scale = 1024.0 * 1024.0;
  const char *u = *end ? strchr(units, *end) : NULL;
  if (*text == '\0' || end == text || (*end && (!u || end[1] != '\0')))
    return 0;
  if (u)
    scale = ldexp(1.0, 10 * (int)(u - units + 1));
  v *= scale;
  if (!(v >= 0 && v <= 0x1p62))
    return 0;
  *out = (int64_t)v;
  return 1;
}

int sb_cli_max_memory_option(const char *cmd, const char *arg, int64_t *out)
{
  int64_t bytes;
  if (!sb_cli_parse_bytes(arg, &bytes))
    return sb_cli_usage_error(cmd, "--max-memory expects a size such as 512M or 2G, not '%s'", arg);
  *out = bytes == 0 ? -1 : bytes; /* 0: hold nothing */
  return 0;
}

int sb_cli_close_stdout(int status)
{
  int failed = fflush(stdout) != 0 || ferror(stdout);
  int why = errno;
  if (fclose(stdout) != 0 && !failed) {
    failed = 1;
    why = errno;
  }
  if (!failed)
    return status;
  fprintf(stderr, "sepbench: cannot write the output: %s\n", why ? strerror(why) : "write error");
  return status ? status : 1;
}

/* Applies one metric option; returns 1 when handled, 0 when not a metric
 * option, -1 on a bad value (message printed). */
int sb_cli_metric_option(const char *cmd, int opt, const char *arg, sb_eval_opts *eo, double *win_s,
                         double *hop_s)
{
  switch (opt) {
  case SB_OPT_MODE:
    if (sb_metric_mode_parse(arg, &eo->mode) != SB_OK)
      return sb_cli_usage_error(cmd, "--mode must be v4 or v3, not '%s'", arg), -1;
    return 1;
  case SB_OPT_IMAGES:
    eo->crit = SB_CRIT_IMAGES;
    return 1;
  case SB_OPT_SOURCES:
    eo->crit = SB_CRIT_SOURCES;
    return 1;
  case SB_OPT_WIN:
    if (!sb_cli_parse_range(arg, 0, SB_SIGNALS_MAX_FRAME_S, win_s))
      return sb_cli_usage_error(cmd, "--win needs a number of seconds in [0, 1e6] (0 = whole signal), not '%s'", arg),
             -1;
    return 1;
  case SB_OPT_HOP:
    if (!sb_cli_parse_range(arg, 0, SB_SIGNALS_MAX_FRAME_S, hop_s) || !(*hop_s > 0))
      return sb_cli_usage_error(cmd, "--hop needs a number of seconds in (0, 1e6], not '%s'", arg), -1;
    return 1;
  case SB_OPT_PERM:
    if (sb_metric_perm_parse(arg, &eo->perm) != SB_OK)
      return sb_cli_usage_error(cmd, "--perm must be none, brute or hungarian, not '%s'", arg), -1;
    return 1;
  case SB_OPT_METRICS:
    if (sb_metric_groups_parse(arg, &eo->metrics) != SB_OK)
      return sb_cli_usage_error(cmd, "--metrics: unknown group in '%s' (%s)", arg, sb_metric_groups_known), -1;
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
    if (sb_metric_silent_parse(arg, &eo->silent) != SB_OK)
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
