/*
 * cli/cmd_backends.c — `sepbench backends`: lists the built-in separator backends.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "backends/registry.h"
#include "cli/options.h"

static const char backends_usage[] =
  "usage: sepbench backends\n"
  "\n"
  "Lists the built-in separator backends.\n"
  "\n"
  "example:\n"
  "  sepbench backends\n";

int sb_cmd_backends(int argc, char **argv)
{
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(backends_usage, stdout);
    return 0;
  }
  if (argc > 1)
    return sb_cli_usage_error("backends", "unexpected argument '%s'", argv[1]);
  for (size_t i = 0; i < sb_backend_count(); i++) {
    const sb_backend_api *b = sb_backend_at(i);
    printf("%-10s %s%s\n", b->name, b->description, (b->flags & SB_BACKEND_ORACLE) ? " (oracle)" : "");
  }
  return 0;
}
