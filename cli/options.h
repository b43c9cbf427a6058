/*
 * cli/options.h — shared pieces of the sepbench command's sub-commands:
 * exit codes, usage errors, the metric options common to `run` and `eval`,
 * and the command table.  Each sub-command lives in cli/cmd_<name>.c,
 * parses its own arguments and calls libsepbench; nothing here computes.
 */
#ifndef SB_CLI_OPTIONS_H
#define SB_CLI_OPTIONS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics/evaluate.h"

enum { SB_EXIT_USAGE = 2, SB_EXIT_PARTIAL = 3, SB_EXIT_INTERRUPTED = 130 };


/* Prints "sepbench CMD: <message>" and a --help hint; returns SB_EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int sb_cli_usage_error(const char *cmd, const char *fmt, ...);

/* The end of a command: SB_OK gives exit status 0; an error prints
 * "sepbench: <msg or the error's text>" on stderr and gives 1. */
int sb_cli_fail(sb_err err, const sb_msg *msg);

/* Parses a whole string as a number; 1 on success. */
int sb_cli_parse_number(const char *text, double *out);

/* Parses a whole string as a finite number in [min, max] (so never "nan"
 * or "inf"); 1 on success, 0 with *out unchanged otherwise. */
int sb_cli_parse_range(const char *text, double min, double max, double *out);

/* Parses a whole string as a whole number in [1, max] (max <= INT_MAX);
 * 1 on success, 0 with *out unchanged otherwise. */
int sb_cli_parse_count(const char *text, int max, int *out);

/* A size in bytes: a number >= 0 with an optional unit K, M, G or T
 * (powers of 1024), MiB without one ("512", "512M", "1.5G").  Returns 1
 * and sets *out (at most 2^62), or 0 without touching it. */
int sb_cli_parse_bytes(const char *text, int64_t *out);

/* The value of --max-memory SIZE (run and eval: bytes of decoded audio
 * one evaluation holds in memory, runners/stream_inputs.h): a size as
 * sb_cli_parse_bytes reads it, "0" giving -1 (hold nothing; 0 is the
 * runners' default).  Returns 0, or SB_EXIT_USAGE after printing a usage
 * error of cmd naming the option and the value (*out untouched). */
int sb_cli_max_memory_option(const char *cmd, const char *arg, int64_t *out);

/* Flushes and closes stdout after a command that ended with status; when
 * a write failed (a full disk, /dev/full, a closed pipe) it prints
 * "sepbench: cannot write the output: REASON" and turns status 0 into 1.
 * Returns the exit status. */
int sb_cli_close_stdout(int status);

/* Long-option ids of the metric options (and --help), from 1000; commands
 * number their own options from SB_OPT_FIRST_FREE. */
enum {
  SB_OPT_MODE = 1000, SB_OPT_IMAGES, SB_OPT_SOURCES, SB_OPT_WIN, SB_OPT_HOP, SB_OPT_PERM,
  SB_OPT_METRICS, SB_OPT_ZERO_MEAN, SB_OPT_SILENT, SB_OPT_PSPM_EMBEDDER, SB_OPT_HELP,
  SB_OPT_METRIC_PLUGIN, SB_OPT_METRIC_COMMAND, SB_OPT_METRIC_CONFIG, SB_OPT_PLUGIN_IN_PROCESS,
  SB_OPT_PLUGIN_TIMEOUT, SB_OPT_FIRST_FREE
};

/* getopt_long entries of the metric options, to put in a command's table. */
#define SB_METRIC_LONG_OPTIONS                                                                     \
  {"mode", required_argument, NULL, SB_OPT_MODE}, {"images", no_argument, NULL, SB_OPT_IMAGES},    \
    {"sources", no_argument, NULL, SB_OPT_SOURCES}, {"win", required_argument, NULL, SB_OPT_WIN},  \
    {"hop", required_argument, NULL, SB_OPT_HOP}, {"perm", required_argument, NULL, SB_OPT_PERM},  \
    {"metrics", required_argument, NULL, SB_OPT_METRICS},                                          \
    {"zero-mean", no_argument, NULL, SB_OPT_ZERO_MEAN},                                            \
    {"skip-silent-frames", required_argument, NULL, SB_OPT_SILENT},                                \
    {"pspm-embedder", required_argument, NULL, SB_OPT_PSPM_EMBEDDER},                              \
    {"help", no_argument, NULL, SB_OPT_HELP}

/* getopt_long entries of the plug-in options of run and eval: metrics
 * users plug in (--metric-plugin PATH.so[:key=value,...], repeatable;
 * --metric-command NAME[,NAME...], repeatable; --metric-config PATH) and
 * how plugins run (--plugin-in-process, --plugin-timeout S). */
#define SB_PLUGIN_LONG_OPTIONS                                                                      \
  {"metric-plugin", required_argument, NULL, SB_OPT_METRIC_PLUGIN},                                \
    {"metric-command", required_argument, NULL, SB_OPT_METRIC_COMMAND},                            \
    {"metric-config", required_argument, NULL, SB_OPT_METRIC_CONFIG},                              \
    {"plugin-in-process", no_argument, NULL, SB_OPT_PLUGIN_IN_PROCESS},                            \
    {"plugin-timeout", required_argument, NULL, SB_OPT_PLUGIN_TIMEOUT}

/* Most plug-in metrics of one command. */
#define SB_CLI_MAX_USER_METRICS 16

/* What the plug-in options set (backends/user_metrics.h specs). */
typedef struct sb_cli_plugins {
  char *user_metrics[SB_CLI_MAX_USER_METRICS]; /* "plugin:PATH[:...]" or "cmd:NAME", owned */
  int n_user_metrics;
  const char *metric_config;                   /* NULL = the default path */
  int plugin_in_process;
  double plugin_timeout_s;                     /* SB_PLUGIN_DEFAULT_TIMEOUT_S unless given */
} sb_cli_plugins;

/* Help text of the metric plug-in options (--metric-*). */
extern const char sb_cli_user_metric_usage[];

/* Sets the defaults (no metric, isolated plugins, the default limit). */
void sb_cli_plugins_default(sb_cli_plugins *p);

/* Applies one plug-in option; returns 1 when handled, 0 when opt is not
 * one, -1 on a bad value (message printed). */
int sb_cli_plugin_option(const char *cmd, int opt, const char *arg, sb_cli_plugins *p);

/* Frees the specs. */
void sb_cli_plugins_clear(sb_cli_plugins *p);

/* Help text of the metric options. */
extern const char sb_cli_metric_usage[];

/* Applies one metric option; returns 1 when handled, 0 when opt is not a
 * metric option, -1 on a bad value (message printed). */
int sb_cli_metric_option(const char *cmd, int opt, const char *arg, sb_eval_opts *eo, double *win_s,
                         double *hop_s);

/* Prints a leaderboard from the store at db_path (which must exist);
 * metric/agg may be NULL for the defaults.  Returns an exit status. */
int sb_cli_print_leaderboard(const char *db_path, const char *suite, const char *metric,
                             const char *agg, const char *format, FILE *out);

/* A sub-command: argv[0] is the command's name. */
typedef int (*sb_cli_command_fn)(int argc, char **argv);

int sb_cmd_run(int argc, char **argv);
int sb_cmd_eval(int argc, char **argv);
int sb_cmd_leaderboard(int argc, char **argv);
int sb_cmd_table(int argc, char **argv);
int sb_cmd_export(int argc, char **argv);
int sb_cmd_import(int argc, char **argv);
int sb_cmd_backends(int argc, char **argv);
int sb_cmd_suites(int argc, char **argv);
int sb_cmd_merge(int argc, char **argv);
int sb_cmd_plot(int argc, char **argv);
int sb_cmd_report(int argc, char **argv);

#endif /* SB_CLI_OPTIONS_H */
