/*
 * common/targets.h — the canonical order of target names.
 *
 * MUSDB18 and museval order targets vocals, drums, bass, other,
 * accompaniment, linear_mixture (musdb/configs/mus.yaml); every other name
 * follows, sorted bytewise.  Reports, tables and JSON use this order.
 */
#ifndef SB_COMMON_TARGETS_H
#define SB_COMMON_TARGETS_H

/* The pseudo-target under which values of a whole track (over all its
 * targets jointly, such as a plug-in metric's per-track values) are stored
 * and reported, beside the real targets.  No suite may have a target of
 * this name when per-track values are computed. */
#define SB_TARGET_TRACK "_track"

/* Rank of a name in the canonical order (smaller first); names outside the
 * MUSDB list share the last rank and are then compared bytewise. */
int sb_target_rank(const char *name);

/* strcmp-like comparison in the canonical order. */
int sb_target_cmp(const char *a, const char *b);

/* Sorts names (and the parallel array paths, which may be NULL) in place,
 * in the canonical order.  Stable for equal names. */
void sb_targets_sort(char **names, char **paths, int n);

#endif /* SB_COMMON_TARGETS_H */
