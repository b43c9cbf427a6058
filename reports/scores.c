/*
 * reports/scores.c — per-track scores in leaderboard order (see scores.h).
 *
 * Per-track reduction as in reports/leaderboard.c and museval 0.4.1
 * (median over the finite frame values; NaN/+-inf skipped).
 *
 * Workload: streams rp_frame_values_named (grouped by method, track,
 * target) once; each group's finite values are sorted for the median.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/scores.h"

struct sb_scores {
  sb_leaderboard *lb;
  int n_methods, n_targets, n_tracks;
  char **tracks;  /* n_tracks, sorted */
  double *values; /* [(method * n_targets + target) * n_tracks + track] */
};

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One per-track value before the tracks are known. */
typedef struct raw_value {
  int method, target;
  char *track;
  double value;
} raw_value;

typedef struct raw_list {
  size_t n, cap;
  raw_value *v;
  double *frames;
  size_t n_frames, cap_frames;
} raw_list;

static void raw_list_clear(raw_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].track);
  free(l->v);
  free(l->frames);
  memset(l, 0, sizeof *l);
}

static sb_err raw_add(raw_list *l, int method, int target, const char *track, double value)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    raw_value *grown = realloc(l->v, cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    l->v = grown;
    l->cap = cap;
  }
  l->v[l->n].track = strdup(track);
  if (!l->v[l->n].track)
    return SB_ENOMEM;
  l->v[l->n].method = method;
  l->v[l->n].target = target;
  l->v[l->n].value = value;
  l->n++;
  return SB_OK;
}

static sb_err frame_add(raw_list *l, double value)
{
  if (l->n_frames == l->cap_frames) {
    size_t cap = l->cap_frames ? 2 * l->cap_frames : 1024;
    double *grown = realloc(l->frames, cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    l->frames = grown;
    l->cap_frames = cap;
  }
  l->frames[l->n_frames++] = value;
  return SB_OK;
}

/* Median of the collected frames of the group (method, target, track). */
static sb_err flush(raw_list *l, int method, int target, const char *track)
{
  double m;
  sb_err err = SB_OK;
  if (method < 0 || target < 0 || !track)
    return SB_OK;
  if (l->n_frames > 0) {
    size_t n = l->n_frames;
    qsort(l->frames, n, sizeof *l->frames, compare_double);
    m = n % 2 ? l->frames[n / 2] : 0.5 * (l->frames[n / 2 - 1] + l->frames[n / 2]);
    err = raw_add(l, method, target, track, m);
  }
  l->n_frames = 0;
  return err;
}

static int find_target(const sb_leaderboard *lb, const char *name)
{
  for (int j = 0; j < sb_leaderboard_n_targets(lb); j++)
    if (strcmp(sb_leaderboard_target(lb, j), name) == 0)
      return j;
  return -1;
}

static sb_err collect(sb_store *s, const sb_leaderboard_opts *o, sb_scores *sc, raw_list *l,
                      sb_msg *msg)
{
  sb_lb_agg agg = sb_leaderboard_aggregation(sc->lb);
  int frame_mode = agg == SB_LB_MEDIAN || agg == SB_LB_MEAN_MEDIAN;
  const char *query = frame_mode ? "rp_frame_values_named" : "rp_track_values_named";
  sqlite3_stmt *st = NULL;
  int method = -1, target = -1, rc;
  char *track = NULL;
  sb_err err = sb_store_query(s, query, &st, msg);
  if (err)
    return err;
  sqlite3_bind_text(st, 1, o ? o->suite : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, sb_leaderboard_config(sc->lb), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, sb_leaderboard_metric(sc->lb), -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *m_name = (const char *)sqlite3_column_text(st, 0);
    const char *t_name = (const char *)sqlite3_column_text(st, 1);
    const char *target_name = (const char *)sqlite3_column_text(st, 2);
    int row_method, row_target;
    double value;
    if (!m_name || !t_name || !target_name)
      goto oom;
    row_method = sb_scores_find_method(sc, m_name);
    row_target = find_target(sc->lb, target_name);
    if (frame_mode && (row_method != method || row_target != target || !track ||
                       strcmp(track, t_name) != 0)) {
      if (flush(l, method, target, track) != SB_OK)
        goto oom;
      free(track);
      track = strdup(t_name);
      if (!track)
        goto oom;
      method = row_method;
      target = row_target;
    }
    if (row_method < 0 || row_target < 0 || sqlite3_column_type(st, 3) == SQLITE_NULL)
      continue;
    value = sqlite3_column_double(st, 3);
    if (!isfinite(value))
      continue;
    if ((frame_mode ? frame_add(l, value) : raw_add(l, row_method, row_target, t_name, value)) !=
        SB_OK)
      goto oom;
  }
  if (rc != SQLITE_DONE)
    err = sb_msg_set(msg, SB_EDB, "scores: %s: %s", query, sqlite3_errmsg(sqlite3_db_handle(st)));
  else if (frame_mode && flush(l, method, target, track) != SB_OK)
    goto oom;
  free(track);
  sqlite3_finalize(st);
  return err;
oom:
  free(track);
  sqlite3_finalize(st);
  return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
}

/* Distinct sorted track names of the collected values. */
static sb_err build(sb_scores *sc, raw_list *l, sb_msg *msg)
{
  char **names = malloc((l->n ? l->n : 1) * sizeof *names);
  size_t n_cells;
  if (!names)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  for (size_t i = 0; i < l->n; i++)
    names[i] = l->v[i].track;
  qsort(names, l->n, sizeof *names, compare_strings);
  sc->tracks = malloc((l->n ? l->n : 1) * sizeof *sc->tracks);
  if (!sc->tracks) {
    free(names);
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  }
  for (size_t i = 0; i < l->n; i++)
    if (i == 0 || strcmp(names[i], names[i - 1]) != 0) {
      sc->tracks[sc->n_tracks] = strdup(names[i]);
      if (!sc->tracks[sc->n_tracks]) {
        free(names);
        return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
      }
      sc->n_tracks++;
    }
  free(names);
  n_cells = (size_t)sc->n_methods * (size_t)sc->n_targets * (size_t)sc->n_tracks;
  sc->values = malloc((n_cells ? n_cells : 1) * sizeof *sc->values);
  if (!sc->values)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  for (size_t i = 0; i < n_cells; i++)
    sc->values[i] = NAN;
  for (size_t i = 0; i < l->n; i++) {
    char **hit = bsearch(&l->v[i].track, sc->tracks, (size_t)sc->n_tracks, sizeof *sc->tracks,
                         compare_strings);
    size_t t = (size_t)(hit - sc->tracks);
    sc->values[((size_t)l->v[i].method * (size_t)sc->n_targets + (size_t)l->v[i].target) *
                 (size_t)sc->n_tracks + t] = l->v[i].value;
  }
  return SB_OK;
}

sb_err sb_scores_new(sb_store *s, const sb_leaderboard_opts *o, sb_scores **out, sb_msg *msg)
{
  sb_scores *sc;
  raw_list l = {0};
  sb_err err;
  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "scores: no output pointer");
  *out = NULL;
  sc = calloc(1, sizeof *sc);
  if (!sc)
    return sb_msg_set(msg, SB_ENOMEM, "scores: out of memory");
  err = sb_leaderboard_new(s, o, &sc->lb, msg);
  if (err)
    goto fail;
  sc->n_methods = sb_leaderboard_n_methods(sc->lb);
  sc->n_targets = sb_leaderboard_n_targets(sc->lb);
  err = collect(s, o, sc, &l, msg);
  if (err)
    goto fail;
  err = build(sc, &l, msg);
  if (err)
    goto fail;
  raw_list_clear(&l);
  *out = sc;
  return SB_OK;
fail:
  raw_list_clear(&l);
  sb_scores_free(&sc);
  return err;
}

void sb_scores_free(sb_scores **sc)
{
  if (!sc || !*sc)
    return;
  for (int t = 0; (*sc)->tracks && t < (*sc)->n_tracks; t++)
    free((*sc)->tracks[t]);
  free((*sc)->tracks);
  free((*sc)->values);
  sb_leaderboard_free(&(*sc)->lb);
  free(*sc);
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
