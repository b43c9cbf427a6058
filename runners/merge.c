/*
 * runners/merge.c — merging result stores (see runners/merge.h): checks
 * the source, reports the conflicts; the copy itself is the store's
 * (schemas/store_merge.h).
 */
#include <config.h>

#include "runners/merge.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "schemas/store_merge.h"

/* Where a conflict goes: the report stream and the destination's name. */
typedef struct conflict_sink {
  FILE *report;
  const char *out_path;
  int n;
} conflict_sink;

static sb_err print_conflict(void *ctx, const char *suite, const char *track, const char *method,
                             const char *config, sb_msg *msg)
{
  conflict_sink *sink = ctx;
  (void)msg;
  sink->n++;
  if (sink->report)
    fprintf(sink->report, "conflict: %s / %s / %s [%s]: values differ; %s keeps its own\n", suite,
            track, method, config, sink->out_path);
  return SB_OK;
}

sb_err sb_merge_store(sb_store *out, const char *out_path, const char *src_path, FILE *report, sb_merge_stats *stats,
                      sb_msg *msg)
{
  char out_real[PATH_MAX], src_real[PATH_MAX];
  conflict_sink sink = {report, out_path, 0};
  sb_store_merge_counts counts;
  sb_store *src = NULL;
  sb_err err;

  if (!out || !out_path || !src_path || !stats)
    return sb_msg_set(msg, SB_EINVAL, "merge: NULL argument");
  memset(stats, 0, sizeof *stats);
  /* Checks that src is a sepbench store (and brings its schema up to date). */
  err = sb_store_open_existing(src_path, &src, msg);
  sb_store_free(&src);
  if (err)
    return err;
  if (realpath(out_path, out_real) && realpath(src_path, src_real) && strcmp(out_real, src_real) == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: cannot merge a store into itself", src_path);
  err = sb_store_merge(out, src_path, print_conflict, &sink, &counts, msg);
  if (!err) {
    stats->n_items = counts.n_items;
    stats->n_copied = counts.n_copied;
    stats->n_present = counts.n_items - counts.n_copied;
    stats->n_conflicts = sink.n;
  }
  if (err && msg && !strstr(msg->text, src_path)) {
    char text[sizeof msg->text];
    snprintf(text, sizeof text, "%s", msg->text);
    sb_msg_set(msg, err, "%s: %s", src_path, text);
  }
  return err;
}
