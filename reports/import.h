/*
 * reports/import.h — museval / SiSEC 2018 track JSON files into the store,
 * as methods that rank in the same leaderboard as sepbench's own runs.
 *
 * Accepted layouts under a directory DIR (found by depth, sorted by path):
 *   DIR/<method>/<subset>/<track>.json  the published SiSEC 2018
 *                                       submissions (sigsep-mus-2018);
 *   DIR/<subset>/<track>.json           one method (museval's output);
 *   DIR/<track>.json                    one method, no subset;
 * or a single <track>.json file.  The format is museval 0.4.1's (see
 * reports/export.h and shared/specs/museval-track.schema.json), NaN tokens
 * included.  Frame times are stored as k * hop / rate with rate = 44100 Hz,
 * win = duration * rate and hop = the spacing of the first two frames.
 *
 * Workload: one file = one transaction of ~4 x 4 x 250 rows; the SiSEC
 * 2018 set (30 methods x 50 tracks) imports in seconds.
 * Thread-safety: uses the store (calls serialised by the caller).
 */
#ifndef SB_REPORTS_IMPORT_H
#define SB_REPORTS_IMPORT_H

#include "sepbench/error.h"
#include "schemas/store.h"

typedef struct sb_import_opts {
  const char *suite;  /* suite the tracks are filed under; NULL = "museval" */
  const char *method; /* method of a one-method layout; NULL = the last
                         component of the directory (or "museval" for a
                         single file) */
  const char *config; /* config key of the items (required): to rank with
                         a sepbench run, that run's key (museval = a default
                         `sepbench run`: v4, images, 1 s / 1 s) */
} sb_import_opts;

/* Imports one museval track file as the item (suite, track, method,
 * config).  An item already 'done' for that key is kept (SB_OK, nothing
 * written; *imported = 0), so importing twice is harmless.
 * Errors: SB_EINVAL (NULL argument, no config), SB_EIO (unreadable file),
 * SB_EFORMAT (not museval JSON: msg names the file and the field; targets
 * with different frame counts; no frames), SB_EDB, SB_ENOMEM. */
sb_err sb_import_museval_file(sb_store *s, const sb_import_opts *o, const char *path,
                              const char *method, const char *subset, const char *track,
                              int *imported, sb_msg *msg);

/* Imports a directory in one of the layouts above, or one file.
 * *n_files (may be NULL) receives the number of items written.  Stops at
 * the first bad file (the items before it stay imported).
 * Errors: as sb_import_museval_file; SB_ENOTFOUND when path does not exist
 * or holds no .json file; SB_EIO for an unreadable directory. */
sb_err sb_import_museval(sb_store *s, const sb_import_opts *o, const char *path, int *n_files,
                         sb_msg *msg);

#endif /* SB_REPORTS_IMPORT_H */
