/*
 * reports/scores.h — the per-track scores behind a leaderboard: for every
 * (method, target, track) the per-track value that the leaderboard
 * aggregates (the median over frames of a frame metric, or the stored
 * per-track value), with methods in leaderboard order.  The paper tables,
 * the figures and the HTML report read this matrix.
 *
 * The leaderboard is computed with the same options (reports/leaderboard.h)
 * and owned by the sb_scores; NaN marks a (method, target, track) without
 * a finite value (missing item, or every frame NaN/inf: museval skips it).
 * Tracks are sorted by name.
 *
 * Workload: no reading of its own: the matrix is laid out from the
 * leaderboard's per-track values (sb_leaderboard_track_values), so a table
 * or figure costs one reading of the store and one reduction, like the
 * leaderboard; memory methods x targets x tracks doubles.
 * Thread-safety: a finished sb_scores is read-only; creation uses the store.
 */
#ifndef SB_REPORTS_SCORES_H
#define SB_REPORTS_SCORES_H

#include "sepbench/error.h"
#include "reports/leaderboard.h"
#include "schemas/store.h"

typedef struct sb_scores sb_scores;

/* Errors: those of sb_leaderboard_new (SB_ENOTFOUND for an empty store or
 * an unknown metric), SB_EDB, SB_ENOMEM. */
sb_err sb_scores_new(sb_store *s, const sb_leaderboard_opts *o, sb_scores **out, sb_msg *msg);
void sb_scores_free(sb_scores **sc);

const sb_leaderboard *sb_scores_leaderboard(const sb_scores *sc);
int sb_scores_n_methods(const sb_scores *sc);  /* = leaderboard rows, same order */
int sb_scores_n_targets(const sb_scores *sc);  /* = leaderboard columns */
int sb_scores_n_tracks(const sb_scores *sc);
const char *sb_scores_track(const sb_scores *sc, int track);
/* Per-track value in the metric's unit (dB); NaN when absent or out of range. */
double sb_scores_value(const sb_scores *sc, int method, int target, int track);
/* Index of a method by name in leaderboard order; -1 when absent. */
int sb_scores_find_method(const sb_scores *sc, const char *name);

#endif /* SB_REPORTS_SCORES_H */
