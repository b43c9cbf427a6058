/*
 * reports/scores.c — per-track scores in leaderboard order (see scores.h).
 *
 * The per-track values are the leaderboard's own (reports/leaderboard.h,
 * sb_leaderboard_track_values: median over the finite frame values as in
 * museval 0.4.1, or the stored per-track value), laid out as a matrix:
 * one reading of the store, one reduction, for every report.
 *
 * Workload: a sort of the ~methods x tracks x targets track names.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/scores.h"

struct sb_scores {
  sb_leaderboard *lb;
  int n_methods, n_targets, n_tracks;
  const char **tracks; /* n_tracks, sorted; the names belong to lb */
  double *values; /* [(method * n_targets + target) * n_tracks + track] */
};

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct track names of the per-track values, sorted; then the
 * matrix of values (a later value of the same cell and track name, from
 * another suite, replaces an earlier one). */
static sb_err build(sb_scores *sc, sb_msg *msg)
{
  size_t n_values, n_cells;
  const sb_lb_track_value *v = sb_leaderboard_track_values(sc->lb, &n_values);
  const char **names = malloc((n_values ? n_values : 1) * sizeof *names);
  if (!names)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  for (size_t i = 0; i < n_values; i++)
    names[i] = v[i].track;
  qsort(names, n_values, sizeof *names, compare_strings);
  sc->tracks = names;
  for (size_t i = 0; i < n_values; i++)
    if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
      names[sc->n_tracks++] = names[i];
  n_cells = (size_t)sc->n_methods * (size_t)sc->n_targets * (size_t)sc->n_tracks;
  sc->values = malloc((n_cells ? n_cells : 1) * sizeof *sc->values);
  if (!sc->values)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  for (size_t i = 0; i < n_cells; i++)
    sc->values[i] = NAN;
  for (size_t i = 0; i < n_values; i++) {
    const char **hit = bsearch(&v[i].track, names, (size_t)sc->n_tracks, sizeof *names,
                               compare_strings);
    size_t t = (size_t)(hit - names);
    sc->values[((size_t)v[i].row * (size_t)sc->n_targets + (size_t)v[i].col) *
                 (size_t)sc->n_tracks + t] = v[i].value;
  }
  return SB_OK;
}

sb_err sb_scores_new(sb_store *s, const sb_leaderboard_opts *o, sb_scores **out, sb_msg *msg)
{
  sb_scores *sc;
  sb_err err;
  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "scores: no output pointer");
  *out = sc = calloc(1, sizeof *sc);
  if (!sc)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  err = sb_leaderboard_new(s, o, &sc->lb, msg);
  sc->n_methods = sb_leaderboard_n_methods(sc->lb);
  sc->n_targets = sb_leaderboard_n_targets(sc->lb);
  if (!err)
    err = build(sc, msg);
  if (err)
    sb_scores_free(out);
  return err;
}

void sb_scores_free(sb_scores **sc)
{
  sb_scores *doomed = sc ? *sc : NULL;
  if (!doomed)
    return;
  sb_leaderboard_free(&doomed->lb); /* owns the track names */
  free(doomed->tracks);
  free(doomed->values);
  free(doomed);
  *sc = NULL;
}

const sb_leaderboard *sb_scores_leaderboard(const sb_scores *sc)
{
  return sc ? sc->lb : NULL;
}

int sb_scores_n_methods(const sb_scores *sc)
{
  return sc ? sc->n_methods : 0;
}

int sb_scores_n_targets(const sb_scores *sc)
{
  return sc ? sc->n_targets : 0;
}

int sb_scores_n_tracks(const sb_scores *sc)
{
  return sc ? sc->n_tracks : 0;
}

const char *sb_scores_track(const sb_scores *sc, int track)
{
  return sc && track >= 0 && track < sc->n_tracks ? sc->tracks[track] : NULL;
}

double sb_scores_value(const sb_scores *sc, int method, int target, int track)
{
  if (!sc || method < 0 || method >= sc->n_methods || target < 0 || target >= sc->n_targets ||
      track < 0 || track >= sc->n_tracks)
    return NAN;
  return sc->values[((size_t)method * (size_t)sc->n_targets + (size_t)target) *
                      (size_t)sc->n_tracks + (size_t)track];
}

int sb_scores_find_method(const sb_scores *sc, const char *name)
{
  for (int i = 0; sc && name && i < sc->n_methods; i++)
    if (strcmp(sb_leaderboard_method(sc->lb, i), name) == 0)
      return i;
  return -1;
}
