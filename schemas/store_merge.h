/*
 * schemas/store_merge.h — copying the items of one results store into
 * another (`sepbench merge`, policy and reporting in runners/merge.h).
 *
 * The source store is attached to the destination's connection and its
 * rows are matched by name, never by id: suites by name, tracks by (suite,
 * name), methods by name, runs by (started_at, host, command), items by
 * (track, method, config).  An item is copied with all its frame and track
 * values when the destination lacks it, or has it 'failed' while the source
 * has it 'done'; otherwise the destination keeps its row.  Everything
 * happens in one write transaction, so a failure leaves the destination as
 * it was.  The SQL is in schemas/queries.sql, blocks merge_*.
 *
 * Workload: a few stores of up to ~10^6 value rows each; the work is done
 * by SQLite (ATTACH + INSERT ... SELECT).  Thread-safety: as sb_store.
 */
#ifndef SB_SCHEMAS_STORE_MERGE_H
#define SB_SCHEMAS_STORE_MERGE_H

#include "sepbench/error.h"
#include "schemas/store.h"

typedef struct sb_store_merge_counts {
  int n_items;  /* items of the source */
  int n_copied; /* copied (new, or replacing a failed one) */
} sb_store_merge_counts;

/* Called for every item 'done' in both stores whose values differ (a value
 * present on one side only, NaN on one side only, or apart by more than
 * 1e-9 relative / 1e-9 absolute below 1): the destination keeps its own.
 * Called in suite, track, method order, before anything is copied; a
 * non-OK return stops the merge (nothing is copied) and is returned. */
typedef sb_err (*sb_store_conflict_fn)(void *ctx, const char *suite, const char *track,
                                       const char *method, const char *config, sb_msg *msg);

/* Merges the sepbench store at src_path (already checked and migrated by
 * the caller: sb_store_open_existing) into out.  conflict may be NULL.
 * Errors: SB_EINVAL (NULL out, src_path or counts), SB_EDB (SQLite
 * failure, e.g. src_path not a database; msg "OUT: STATEMENT: reason"),
 * SB_ENOMEM, or the error of the callback.  On error nothing is merged. */
sb_err sb_store_merge(sb_store *out, const char *src_path, sb_store_conflict_fn conflict,
                      void *ctx, sb_store_merge_counts *counts, sb_msg *msg);

#endif /* SB_SCHEMAS_STORE_MERGE_H */
