/*
 * runners/merge.h — combining result stores (`sepbench merge OUT IN...`),
 * e.g. the stores of the shards of a cluster job (`run --shard K/N`).
 *
 * Rows are matched by name, never by id: suites by name, tracks by (suite,
 * name), methods by name, runs by (started_at, host, command), items by
 * (track, method, config).  An item of IN is copied with all its frame and
 * track values when OUT lacks it, or when OUT has it 'failed' and IN has it
 * 'done'.  Otherwise OUT is left as it is: merging the same store twice
 * changes nothing (idempotent), and an item 'done' in both stores whose
 * values differ (more than 1e-9 relative, a value present on one side
 * only, NaN on one side only) is a CONFLICT: reported, never overwritten —
 * OUT keeps its values.  Each IN is merged in one transaction, so an
 * interrupted merge leaves OUT as it was before that IN.
 *
 * Workload: a few stores of up to ~10^6 value rows each; the work is done
 * by SQLite (ATTACH + INSERT ... SELECT).  Thread-safety: as sb_store.
 */
#ifndef SB_RUNNERS_MERGE_H
#define SB_RUNNERS_MERGE_H

#include <stdio.h>
#include "sepbench/error.h"
#include "schemas/store.h"

typedef struct sb_merge_stats {
  int n_items;     /* items in IN */
  int n_copied;    /* copied into OUT (new, or replacing a failed one) */
  int n_present;   /* already in OUT: identical, or kept (OUT done, IN failed) */
  int n_conflicts; /* done in both with different values (OUT kept) */
} sb_merge_stats;

/* Merges the store at src_path into out.  Each conflict is printed to
 * report (if not NULL) as one line "conflict: SUITE / TRACK / METHOD
 * [CONFIG]: values differ; OUT keeps its own".  src_path must be an
 * existing sepbench store other than out's file.
 * Errors (msg names the file): SB_EINVAL (NULL argument, src is out's file),
 * SB_ENOTFOUND (no such store), SB_EDB (not a sepbench store, SQLite
 * failure: nothing of src is then merged), SB_ENOMEM. */
sb_err sb_merge_store(sb_store *out, const char *out_path, const char *src_path, FILE *report, sb_merge_stats *stats,
                      sb_msg *msg);

#endif /* SB_RUNNERS_MERGE_H */
