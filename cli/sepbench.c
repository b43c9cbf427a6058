/*
 * cli/sepbench.c — the sepbench command.  It only parses arguments and
 * calls libsepbench; every command has --help with an example.  Output for
 * machines goes to stdout, diagnostics and progress to stderr.
 *
 * Each sub-command is in cli/cmd_<name>.c (see cli/options.h).
 *
 * Exit status: 0 success, 1 the command failed (message on stderr; also
 * when its output could not be written to stdout, e.g. a full disk),
 * 2 usage error, 3 the run finished but some items failed,
 * 130 interrupted (the finished work is stored; re-run to resume).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/blas_core.h"
#include "common/revision.h"
#include "cli/options.h"

static const char main_usage[] =
  "usage: sepbench COMMAND [OPTIONS]\n"
  "\n"
  "Evaluation and benchmarking of audio source separation (BSS Eval v4/v3,\n"
  "SI-SDR, global SDR) with results kept in SQLite.\n"
  "\n"
  "commands:\n"
  "  run          run separator backends over a suite, evaluate, store, print a leaderboard\n"
  "  eval         evaluate estimates already on disk (JSON or table on stdout)\n"
  "  leaderboard  print a leaderboard from the store\n"
  "  table        paper table with bootstrap CIs and significance tests\n"
  "  export       export results as museval JSON or CSV\n"
  "  import       import museval JSON directories as methods\n"
  "  backends     list the built-in separator backends\n"
  "  suites       list suites, show their tracks, validate their files\n"
  "  merge        combine result stores (e.g. of run --shard K/N)\n"
  "  plot         figures with gnuplot: box plot, heat map, timeline, scatter\n"
  "  report       a self-contained HTML report (leaderboards, figure, tracks, provenance)\n"
  "\n"
  "options:\n"
  "  -h, --help     this help (sepbench COMMAND --help for a command)\n"
  "  -V, --version  print the version\n"
  "\n"
  "example:\n"
  "  sepbench run --suite music --backends mixture,irm2\n";

/* The sub-commands, in the order of the help text. */
static const struct {
  const char *name;
  sb_cli_command_fn fn;
} commands[] = {
  {"run", sb_cmd_run},
  {"eval", sb_cmd_eval},
  {"leaderboard", sb_cmd_leaderboard},
  {"table", sb_cmd_table},
  {"export", sb_cmd_export},
  {"import", sb_cmd_import},
  {"backends", sb_cmd_backends},
  {"suites", sb_cmd_suites},
  {"merge", sb_cmd_merge},
  {"plot", sb_cmd_plot},
  {"report", sb_cmd_report},
};

int main(int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : NULL;
  /* Returns only if the kernels OpenBLAS picked are kept; a failed exec
   * just keeps them. */
  sb_blas_core_reexec(argv);
  if (!cmd) {
    fputs(main_usage, stderr);
    return SB_EXIT_USAGE;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(main_usage, stdout);
    return sb_cli_close_stdout(0);
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    const char *core = "unknown";
    sb_blas_core_name(&core);
    printf("sepbench %s%s%s\n", PACKAGE_VERSION, sb_git_revision()[0] ? " git " : "", sb_git_revision());
    printf("OpenBLAS kernels: %s%s\n", core,
           getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE)" : "");
    return sb_cli_close_stdout(0);
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0)
      return sb_cli_close_stdout(commands[i].fn(argc - 1, argv + 1));
  fprintf(stderr, "sepbench: unknown command '%s'\n", cmd);
  fputs(main_usage, stderr);
  return SB_EXIT_USAGE;
}
