/*
 * cli/cmd_merge.c — `sepbench merge OUT.db IN.db...`: combines result
 * stores (runners/merge.h), typically the stores of `run --shard K/N`.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli/options.h"
#include "runners/merge.h"
#include "schemas/store.h"

static const char merge_usage[] =
  "usage: sepbench merge OUT.db IN.db [IN.db...]\n"
  "\n"
  "Copies into OUT (created when absent) every item of each IN that OUT\n"
  "lacks, with all its values, matching suites, tracks and methods by name\n"
  "and items by (track, method, metric configuration).  Merging twice changes\n"
  "nothing.  An item done in both stores with different values is a\n"
  "conflict: it is reported and OUT keeps its own values (exit status 3).\n"
  "A failed item of OUT is replaced by the same item done in IN.\n"
  "\n"
  "example:\n"
  "  sepbench merge all.db shard-1.db shard-2.db shard-3.db\n";

int sb_cmd_merge(int argc, char **argv)
{
  sb_store *out = NULL;
  sb_merge_stats stats, total = {0};
  sb_msg msg;
  sb_err err;
  int status = 0;

  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(merge_usage, stdout);
      return 0;
    }
  if (argc < 3)
    return sb_cli_usage_error("merge", "expected OUT.db and at least one IN.db");
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-')
      return sb_cli_usage_error("merge", "unknown option '%s'", argv[i]);
  sb_msg_clear(&msg);
  err = sb_store_open(argv[1], &out, &msg);
  if (err)
    return sb_cli_fail(err, &msg);
  for (int i = 2; i < argc; i++) {
    sb_msg_clear(&msg);
    err = sb_merge_store(out, argv[1], argv[i], stderr, &stats, &msg);
    if (err) {
      status = sb_cli_fail(err, &msg);
      continue;
    }
    fprintf(stderr, "sepbench: %s: %d items: %d copied, %d already present, %d conflicts\n", argv[i],
            stats.n_items, stats.n_copied, stats.n_present - stats.n_conflicts, stats.n_conflicts);
    total.n_copied += stats.n_copied;
    total.n_conflicts += stats.n_conflicts;
  }
  sb_store_free(&out);
  if (status)
    return status;
  if (total.n_conflicts) {
    fprintf(stderr, "sepbench: %d conflicts: %s kept its values for them\n", total.n_conflicts, argv[1]);
    return SB_EXIT_PARTIAL;
  }
  return 0;
}
