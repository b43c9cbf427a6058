/*
 * reports/leaderboard.c — leaderboards derived from the results store (see
 * leaderboard.h).
 *
 * Aggregation follows museval 0.4.1 (aggregate.py: TrackStore/EvalStore,
 * median over frames then over tracks, NaN skipped, +-inf written as NaN),
 * the SiSEC 2018 analysis (sigsep-mus-2018-analysis boxplot.py: groupby
 * method/track/target median, then per-method median), Demucs (mean over
 * tracks of museval medians) and the MDX 2021 / SDX 2023 scorers (mean of
 * global SDR over songs); see shared/specs/bsseval.md §3, §6.
 *
 * Workload: one reading of the store (sb_store_each_value) streams the
 * values grouped by (method, track, target); each group's finite values are
 * sorted (~250 frames) for its median — the one per-track reduction of the
 * reports, kept for reports/scores.c — then each cell's per-track values
 * (~50) are aggregated.  10 methods x 50 tracks x 4 targets x 250 frames
 * (500k values) take ~0.4 s.  The writers are in reports/board_writers.c.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/leaderboard.h"

#include "common/targets.h"
#include "schemas/store_read.h"

/* A growable list of owned strings. */
typedef struct name_list {
  int n, cap;
  char **names;
} name_list;

struct sb_leaderboard {
  char *suite;     /* the suite asked for, or the only one the values come
                      from; NULL = several suites */
  char *metric;
  char *config;
  char *title;
  sb_lb_agg agg;
  int n_methods, n_targets;
  char **methods;  /* n_methods, row order */
  char **targets;  /* n_targets, column order */
  double *values;  /* n_methods * n_targets, [row * n_targets + col] */
  int *n_tracks;   /* same layout */
  double *avg;     /* n_methods */
  int max_tracks;  /* the largest n_tracks of a cell */
  name_list tracks;               /* track names of per_track */
  sb_lb_track_value *per_track;   /* what the cells aggregate, store order */
  size_t n_per_track;
};

/* One per-track value of a (method, target) cell; indices into the lists
 * of `collected`. */
typedef struct track_value {
  int method, target, track;
  double value;
} track_value;

/* Everything collected from the store before the table is built. */
typedef struct collected {
  int frame_mode;        /* frame values (reduced per track) or track values */
  name_list methods, targets, tracks;
  track_value *records;
  size_t n_records, cap_records;
  double *frames;        /* finite values of the current group */
  size_t n_frames, cap_frames;
  int group_method, group_target, group_track; /* the current group */
  int64_t group_track_id;
  double min_duration, max_duration; /* frame lengths seen, s */
  int64_t n_rows;
  char *suite;           /* the suite of the first row */
  int several_suites;    /* rows of more than one suite */
} collected;

static const char *const agg_names[] = {
  [SB_LB_AUTO] = "auto",
  [SB_LB_MEDIAN] = "median-median",
  [SB_LB_MEAN_MEDIAN] = "mean-median",
  [SB_LB_MEAN] = "mean",
  [SB_LB_TRACK_MEDIAN] = "track-median",
};
#define N_AGG ((int)(sizeof agg_names / sizeof agg_names[0]))

void sb_leaderboard_opts_default(sb_leaderboard_opts *o)
{
  if (o)
    *o = (sb_leaderboard_opts){0};
}

sb_err sb_leaderboard_parse_agg(const char *name, sb_lb_agg *out)
{
  if (!name || !out)
    return SB_EINVAL;
  if (strcmp(name, "median") == 0) {
    *out = SB_LB_MEDIAN;
    return SB_OK;
  }
  for (int i = 0; i < N_AGG; i++)
    if (strcmp(name, agg_names[i]) == 0) {
      *out = (sb_lb_agg)i;
      return SB_OK;
    }
  return SB_EINVAL;
}

const char *sb_leaderboard_agg_name(sb_lb_agg agg)
{
  return (int)agg >= 0 && (int)agg < N_AGG ? agg_names[agg] : "?";
}

sb_err sb_leaderboard_parse_targets(const char *list, char ***names, int *n)
{
  size_t len, n_names = 1;
  char **out, *text;
  if (!list || !names || !n || !*list)
    return SB_EINVAL;
  len = strlen(list);
  for (const char *p = list; *p; p++)
    n_names += *p == ',';
  /* One block: the pointer array, then a copy of the text. */
  out = malloc(n_names * sizeof *out + len + 1);
  if (!out)
    return SB_ENOMEM;
  text = (char *)(out + n_names);
  memcpy(text, list, len + 1);
  for (size_t i = 0; i < n_names; i++) {
    char *comma = strchr(text, ',');
    if (comma)
      *comma = '\0';
    if (!*text) {
      free(out);
      return SB_EINVAL;
    }
    out[i] = text;
    text += strlen(text) + 1;
  }
  *names = out;
  *n = (int)n_names;
  return SB_OK;
}

static int is_frame_agg(sb_lb_agg agg)
{
  return agg == SB_LB_MEDIAN || agg == SB_LB_MEAN_MEDIAN;
}

/* ---------------------------------------------------------------- collection */

static void name_list_clear(name_list *l)
{
  for (int i = 0; i < l->n; i++)
    free(l->names[i]);
  free(l->names);
  memset(l, 0, sizeof *l);
}

static int name_list_find(const name_list *l, const char *name)
{
  for (int i = 0; i < l->n; i++)
    if (strcmp(l->names[i], name) == 0)
      return i;
  return -1;
}

/* Index of name in l, appended when absent; -1 when out of memory.  hint
 * is tried first (the previous row's index: rows come grouped). */
static int name_list_add(name_list *l, const char *name, int hint)
{
  int i;
  if (hint >= 0 && hint < l->n && strcmp(l->names[hint], name) == 0)
    return hint;
  i = name_list_find(l, name);
  if (i >= 0)
    return i;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    char **grown = realloc(l->names, (size_t)cap * sizeof *grown);
    if (!grown)
      return -1;
    l->names = grown;
    l->cap = cap;
  }
  l->names[l->n] = strdup(name);
  if (!l->names[l->n])
    return -1;
  return l->n++;
}

static void collected_clear(collected *c)
{
  name_list_clear(&c->methods);
  name_list_clear(&c->targets);
  name_list_clear(&c->tracks);
  free(c->records);
  free(c->frames);
  free(c->suite);
  memset(c, 0, sizeof *c);
}

static sb_err add_record(collected *c, int method, int target, int track, double value)
{
  if (c->n_records == c->cap_records) {
    size_t cap = c->cap_records ? 2 * c->cap_records : 256;
    track_value *grown = realloc(c->records, cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    c->records = grown;
    c->cap_records = cap;
  }
  c->records[c->n_records++] = (track_value){method, target, track, value};
  return SB_OK;
}

static sb_err add_frame(collected *c, double value)
{
  if (c->n_frames == c->cap_frames) {
    size_t cap = c->cap_frames ? 2 * c->cap_frames : 1024;
    double *grown = realloc(c->frames, cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    c->frames = grown;
    c->cap_frames = cap;
  }
  c->frames[c->n_frames++] = value;
  return SB_OK;
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* numpy median of n finite values (sorted in place); NaN when n == 0. */
static double median(double *v, size_t n)
{
  if (n == 0)
    return NAN;
  qsort(v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double mean(const double *v, size_t n)
{
  double sum = 0.0;
  if (n == 0)
    return NAN;
  for (size_t i = 0; i < n; i++)
    sum += v[i];
  return sum / (double)n;
}

/* Closes the current (method, track, target) group of frame values: its
 * per-track value is the median of its finite frames (none: no value). */
static sb_err flush_group(collected *c)
{
  sb_err err = SB_OK;
  if (c->group_method >= 0 && c->n_frames > 0)
    err = add_record(c, c->group_method, c->group_target, c->group_track,
                     median(c->frames, c->n_frames));
  c->n_frames = 0;
  return err;
}

/* Notes the suite of a row: c->suite stays the only one, or several. */
static sb_err note_suite(collected *c, const char *suite)
{
  if (!c->suite) {
    c->suite = strdup(suite);
    return c->suite ? SB_OK : SB_ENOMEM;
  }
  c->several_suites |= strcmp(c->suite, suite) != 0;
  return SB_OK;
}

/* sb_store_value_fn: one value into c.  Frame mode reduces each (method,
 * track, target) group to the median of its finite values; track mode
 * keeps every finite value.  NaN and +-inf are skipped (museval). */
static sb_err collect_row(void *ctx, const sb_store_value *row, sb_msg *msg)
{
  collected *c = ctx;
  int method = name_list_add(&c->methods, row->method, c->group_method);
  int target = name_list_add(&c->targets, row->target, c->group_target);
  int track = name_list_add(&c->tracks, row->track, c->group_track);
  sb_err err = method < 0 || target < 0 || track < 0 ? SB_ENOMEM : note_suite(c, row->suite);

  c->n_rows++;
  if (!err && c->frame_mode) {
    if (row->duration_s < c->min_duration)
      c->min_duration = row->duration_s;
    if (row->duration_s > c->max_duration)
      c->max_duration = row->duration_s;
    if (method != c->group_method || row->track_id != c->group_track_id ||
        target != c->group_target)
      err = flush_group(c);
  }
  c->group_method = method;
  c->group_target = target;
  c->group_track = track;
  c->group_track_id = row->track_id;
  if (!err && isfinite(row->value))
    err = c->frame_mode ? add_frame(c, row->value)
                        : add_record(c, method, target, track, row->value);
  return err ? sb_msg_set(msg, err, "leaderboard: out of memory") : SB_OK;
}

/* Reads the values of one metric, config and kind into c. */
static sb_err collect(sb_store *s, const char *suite, const char *config, const char *metric,
                      int frame_mode, collected *c, sb_msg *msg)
{
  sb_err err;
  c->frame_mode = frame_mode;
  c->group_method = c->group_target = c->group_track = -1;
  c->group_track_id = -1;
  c->min_duration = INFINITY;
  c->max_duration = -INFINITY;
  err = sb_store_each_value(s, suite, config, metric,
                            frame_mode ? SB_STORE_FRAMES : SB_STORE_TRACKS, collect_row, c, msg);
  if (!err && frame_mode && flush_group(c) != SB_OK)
    err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  return err;
}

sb_err sb_leaderboard_default_config(sb_store *s, const char *suite, const char *metric,
                                     char **config, sb_msg *msg)
{
  sb_err err;
  if (!s || !metric || !config)
    return sb_msg_set(msg, SB_EINVAL, "report: NULL argument");
  err = sb_store_newest_config(s, suite, metric, SB_STORE_FRAMES, config, msg);
  if (!err && !*config)
    err = sb_store_newest_config(s, suite, metric, SB_STORE_TRACKS, config, msg);
  if (!err && !*config)
    err = sb_msg_set(msg, SB_ENOTFOUND, "report: no values of %s in %s%s", metric,
                     suite ? "suite " : "the store", suite ? suite : "");
  return err;
}

/* ---------------------------------------------------------------- table */

/* Columns in the canonical target order (common/targets.h). */
static int compare_targets(const void *a, const void *b)
{
  return sb_target_cmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct row_key {
  double avg;
  const char *name;
  int index;
} row_key;

static int compare_rows(const void *a, const void *b)
{
  const row_key *x = a, *y = b;
  int nan_x = isnan(x->avg), nan_y = isnan(y->avg);
  if (nan_x != nan_y)
    return nan_x - nan_y;
  if (!nan_x && x->avg != y->avg)
    return x->avg > y->avg ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Decides the columns: the filter (each must have values) or every target
 * found, in musdb order.  col_of[t] = column of collected target t or -1. */
static sb_err choose_columns(sb_leaderboard *lb, const collected *c, const sb_leaderboard_opts *o,
                             int *col_of, sb_msg *msg)
{
  int n = o->n_targets > 0 ? o->n_targets : c->targets.n;
  lb->targets = calloc((size_t)(n ? n : 1), sizeof *lb->targets);
  if (!lb->targets)
    return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  for (int t = 0; t < c->targets.n; t++)
    col_of[t] = -1;
  for (int j = 0; j < n; j++) {
    const char *name = o->n_targets > 0 ? o->targets[j] : c->targets.names[j];
    lb->targets[j] = strdup(name);
    if (!lb->targets[j])
      return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
    lb->n_targets = j + 1;
  }
  if (o->n_targets == 0)
    qsort(lb->targets, (size_t)lb->n_targets, sizeof *lb->targets, compare_targets);
  for (int j = 0; j < lb->n_targets; j++) {
    int t = name_list_find(&c->targets, lb->targets[j]);
    if (t < 0)
      return sb_msg_set(msg, SB_ENOTFOUND, "leaderboard: target '%s' has no %s values (config %s)",
                        lb->targets[j], lb->metric, lb->config);
    col_of[t] = j;
  }
  return SB_OK;
}

/* Aggregates the per-track values of every cell, computes avg and sorts
 * the rows. */
static sb_err build_table(sb_leaderboard *lb, const collected *c, const int *col_of, sb_msg *msg)
{
  size_t n_cells = (size_t)c->methods.n * (size_t)lb->n_targets;
  size_t *start = calloc(n_cells + 1, sizeof *start);
  double *sorted = malloc((c->n_records ? c->n_records : 1) * sizeof *sorted);
  row_key *keys = malloc((size_t)(c->methods.n ? c->methods.n : 1) * sizeof *keys);
  double *values = malloc((n_cells ? n_cells : 1) * sizeof *values);
  int *counts = calloc(n_cells ? n_cells : 1, sizeof *counts);
  sb_err err = SB_OK;

  lb->methods = calloc((size_t)(c->methods.n ? c->methods.n : 1), sizeof *lb->methods);
  lb->values = malloc((n_cells ? n_cells : 1) * sizeof *lb->values);
  lb->n_tracks = calloc(n_cells ? n_cells : 1, sizeof *lb->n_tracks);
  lb->avg = malloc((size_t)(c->methods.n ? c->methods.n : 1) * sizeof *lb->avg);
  if (!start || !sorted || !keys || !values || !counts || !lb->methods || !lb->values ||
      !lb->n_tracks || !lb->avg) {
    err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
    goto done;
  }

  /* Counting sort of the records by cell (method-major, then column). */
  for (size_t r = 0; r < c->n_records; r++) {
    int col = col_of[c->records[r].target];
    if (col >= 0)
      start[(size_t)c->records[r].method * (size_t)lb->n_targets + (size_t)col + 1]++;
  }
  for (size_t cell = 0; cell < n_cells; cell++)
    start[cell + 1] += start[cell];
  for (size_t r = 0; r < c->n_records; r++) {
    int col = col_of[c->records[r].target];
    if (col >= 0) {
      size_t cell = (size_t)c->records[r].method * (size_t)lb->n_targets + (size_t)col;
      sorted[start[cell] + (size_t)counts[cell]++] = c->records[r].value;
    }
  }

  for (size_t cell = 0; cell < n_cells; cell++) {
    double *v = sorted + start[cell];
    size_t n = start[cell + 1] - start[cell];
    int over_tracks_median = lb->agg == SB_LB_MEDIAN || lb->agg == SB_LB_TRACK_MEDIAN;
    values[cell] = over_tracks_median ? median(v, n) : mean(v, n);
    if (counts[cell] > lb->max_tracks)
      lb->max_tracks = counts[cell];
  }
  for (int m = 0; m < c->methods.n; m++) {
    double sum = 0.0;
    for (int j = 0; j < lb->n_targets; j++)
      sum += values[(size_t)m * (size_t)lb->n_targets + (size_t)j];
    keys[m] = (row_key){lb->n_targets > 0 ? sum / lb->n_targets : NAN, c->methods.names[m], m};
  }
  qsort(keys, (size_t)c->methods.n, sizeof *keys, compare_rows);

  for (int row = 0; row < c->methods.n; row++) {
    int m = keys[row].index;
    lb->methods[row] = strdup(keys[row].name);
    if (!lb->methods[row]) {
      err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
      goto done;
    }
    lb->n_methods = row + 1;
    lb->avg[row] = keys[row].avg;
    for (int j = 0; j < lb->n_targets; j++) {
      size_t to = (size_t)row * (size_t)lb->n_targets + (size_t)j;
      size_t from = (size_t)m * (size_t)lb->n_targets + (size_t)j;
      lb->values[to] = values[from];
      lb->n_tracks[to] = counts[from];
    }
  }

done:
  free(start);
  free(sorted);
  free(keys);
  free(values);
  free(counts);
  return err;
}

/* Keeps the per-track values of the shown cells for reports/scores.c, in
 * store order, with rows and columns of the finished table; the track
 * names move from c to lb. */
static sb_err keep_per_track(sb_leaderboard *lb, collected *c, const int *col_of, sb_msg *msg)
{
  int *row_of = malloc((size_t)(c->methods.n ? c->methods.n : 1) * sizeof *row_of);
  lb->per_track = malloc((c->n_records ? c->n_records : 1) * sizeof *lb->per_track);
  if (!row_of || !lb->per_track) {
    free(row_of);
    return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  }
  for (int m = 0; m < c->methods.n; m++)
    for (int row = 0; row < lb->n_methods; row++)
      if (strcmp(lb->methods[row], c->methods.names[m]) == 0)
        row_of[m] = row;
  lb->tracks = c->tracks;
  memset(&c->tracks, 0, sizeof c->tracks);
  for (size_t r = 0; r < c->n_records; r++) {
    const track_value *v = &c->records[r];
    if (col_of[v->target] >= 0)
      lb->per_track[lb->n_per_track++] =
        (sb_lb_track_value){row_of[v->method], col_of[v->target], lb->tracks.names[v->track],
                            v->value};
  }
  free(row_of);
  return SB_OK;
}

/* "SDR (dB), median over 1-s frames, median over tracks — SiSEC 2018". */
static sb_err make_title(sb_leaderboard *lb, const collected *c, sb_msg *msg)
{
  static const char *const bss[] = {"SDR", "ISR", "SIR", "SAR"};
  static const char *const db_words[] = {"SDR", "SIR", "SAR", "ISR", "SNR"};
  char frames[64] = "";
  char title[512];
  const char *unit = "";
  const char *convention = "";
  int bss_metric = 0;
  int one_second = c->min_duration == c->max_duration && c->min_duration == 1.0;

  for (size_t i = 0; i < sizeof db_words / sizeof db_words[0]; i++)
    if (strstr(lb->metric, db_words[i]))
      unit = " (dB)";
  for (size_t i = 0; i < sizeof bss / sizeof bss[0]; i++)
    bss_metric |= strcmp(lb->metric, bss[i]) == 0;

  if (is_frame_agg(lb->agg)) {
    if (c->min_duration == c->max_duration && isfinite(c->min_duration))
      snprintf(frames, sizeof frames, "median over %g-s frames", c->min_duration);
    else
      snprintf(frames, sizeof frames, "median over frames");
  } else {
    snprintf(frames, sizeof frames, "whole track");
  }
  if (lb->agg == SB_LB_MEDIAN && bss_metric && one_second)
    convention = " — SiSEC 2018";
  else if (lb->agg == SB_LB_MEAN_MEDIAN && bss_metric && one_second)
    convention = " — Demucs";
  else if (lb->agg == SB_LB_MEAN && strcmp(lb->metric, "global_SDR") == 0)
    convention = " — MDX 2021 / SDX 2023";

  snprintf(title, sizeof title, "%s%s, %s, %s over tracks%s", lb->metric, unit, frames,
           lb->agg == SB_LB_MEDIAN || lb->agg == SB_LB_TRACK_MEDIAN ? "median" : "mean",
           convention);
  lb->title = strdup(title);
  if (!lb->title)
    return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  return SB_OK;
}

static sb_err check_opts(const sb_leaderboard_opts *o, sb_msg *msg)
{
  if ((int)o->agg < 0 || (int)o->agg >= N_AGG)
    return sb_msg_set(msg, SB_EINVAL, "leaderboard: aggregation %d out of range",
                      (int)o->agg);
  if (o->n_targets < 0 || (o->n_targets > 0 && !o->targets))
    return sb_msg_set(msg, SB_EINVAL, "leaderboard: %d targets requested without names",
                      o->n_targets);
  for (int j = 0; j < o->n_targets; j++) {
    if (!o->targets[j])
      return sb_msg_set(msg, SB_EINVAL, "leaderboard: target name %d is NULL", j);
    for (int k = 0; k < j; k++)
      if (strcmp(o->targets[j], o->targets[k]) == 0)
        return sb_msg_set(msg, SB_EINVAL, "leaderboard: target '%s' requested twice",
                          o->targets[j]);
  }
  return SB_OK;
}

/* Picks the config (given or newest) and collects the values for one kind
 * (frame or track values).  *found = 0 when there are none. */
static sb_err collect_kind(sb_store *s, sb_leaderboard *lb, const sb_leaderboard_opts *o,
                           int frame_mode, collected *c, int *found, sb_msg *msg)
{
  sb_err err;
  *found = 0;
  free(lb->config);
  lb->config = NULL;
  if (o->config) {
    lb->config = strdup(o->config);
    if (!lb->config)
      return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  } else {
    err = sb_store_newest_config(s, o->suite, lb->metric,
                                 frame_mode ? SB_STORE_FRAMES : SB_STORE_TRACKS, &lb->config, msg);
    if (err || !lb->config)
      return err;
  }
  err = collect(s, o->suite, lb->config, lb->metric, frame_mode, c, msg);
  if (err)
    return err;
  *found = c->n_rows > 0;
  return SB_OK;
}

sb_err sb_leaderboard_new(sb_store *s, const sb_leaderboard_opts *o, sb_leaderboard **out,
                          sb_msg *msg)
{
  static const sb_leaderboard_opts defaults = {0};
  sb_leaderboard *lb = NULL;
  collected c = {0};
  int *col_of = NULL;
  int found = 0;
  sb_err err;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "leaderboard: no output pointer");
  *out = NULL;
  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "leaderboard: no store");
  if (!o)
    o = &defaults;
  err = check_opts(o, msg);
  if (err)
    return err;
  lb = calloc(1, sizeof *lb);
  if (!lb)
    return sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  lb->metric = strdup(o->metric ? o->metric : "SDR");
  lb->suite = o->suite ? strdup(o->suite) : NULL;
  if (!lb->metric || (o->suite && !lb->suite)) {
    err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
    goto fail;
  }

  lb->agg = o->agg;
  if (lb->agg != SB_LB_MEAN && lb->agg != SB_LB_TRACK_MEDIAN) {
    err = collect_kind(s, lb, o, 1, &c, &found, msg);
    if (err)
      goto fail;
    if (found && lb->agg == SB_LB_AUTO)
      lb->agg = SB_LB_MEDIAN;
  }
  if (!found && !is_frame_agg(lb->agg)) {
    collected_clear(&c);
    err = collect_kind(s, lb, o, 0, &c, &found, msg);
    if (err)
      goto fail;
    if (found && lb->agg == SB_LB_AUTO)
      lb->agg = SB_LB_MEAN;
  }
  if (!found) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "leaderboard: no %svalues of %s in %s%s%s%s",
                     lb->agg == SB_LB_AUTO ? "" : is_frame_agg(lb->agg) ? "per-frame " : "per-track ",
                     lb->metric, lb->suite ? "suite " : "the store", lb->suite ? lb->suite : "",
                     o->config ? " with config " : "", o->config ? o->config : "");
    goto fail;
  }

  col_of = malloc((size_t)c.targets.n * sizeof *col_of);
  if (!col_of) {
    err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
    goto fail;
  }
  err = choose_columns(lb, &c, o, col_of, msg);
  if (err)
    goto fail;
  err = build_table(lb, &c, col_of, msg);
  if (err)
    goto fail;
  err = make_title(lb, &c, msg);
  if (!err)
    err = keep_per_track(lb, &c, col_of, msg);
  if (!err && !lb->suite && !c.several_suites) { /* the only suite is named */
    lb->suite = c.suite;
    c.suite = NULL;
  }
  if (err)
    goto fail;
  free(col_of);
  collected_clear(&c);
  *out = lb;
  return SB_OK;

fail:
  free(col_of);
  collected_clear(&c);
  sb_leaderboard_free(&lb);
  return err;
}

void sb_leaderboard_free(sb_leaderboard **lb)
{
  sb_leaderboard *l;
  if (!lb || !*lb)
    return;
  l = *lb;
  for (int i = 0; l->methods && i < l->n_methods; i++)
    free(l->methods[i]);
  for (int j = 0; l->targets && j < l->n_targets; j++)
    free(l->targets[j]);
  free(l->methods);
  free(l->targets);
  free(l->values);
  free(l->n_tracks);
  free(l->avg);
  free(l->suite);
  free(l->metric);
  free(l->config);
  free(l->title);
  name_list_clear(&l->tracks);
  free(l->per_track);
  free(l);
  *lb = NULL;
}

/* ---------------------------------------------------------------- accessors */

int sb_leaderboard_n_methods(const sb_leaderboard *lb)
{
  return lb ? lb->n_methods : 0;
}

int sb_leaderboard_n_targets(const sb_leaderboard *lb)
{
  return lb ? lb->n_targets : 0;
}

const char *sb_leaderboard_method(const sb_leaderboard *lb, int row)
{
  return lb && row >= 0 && row < lb->n_methods ? lb->methods[row] : NULL;
}

const char *sb_leaderboard_target(const sb_leaderboard *lb, int col)
{
  return lb && col >= 0 && col < lb->n_targets ? lb->targets[col] : NULL;
}

static int in_table(const sb_leaderboard *lb, int row, int col)
{
  return lb && row >= 0 && row < lb->n_methods && col >= 0 && col < lb->n_targets;
}

double sb_leaderboard_value(const sb_leaderboard *lb, int row, int col)
{
  return in_table(lb, row, col) ? lb->values[(size_t)row * (size_t)lb->n_targets + (size_t)col]
                                : NAN;
}

int sb_leaderboard_n_tracks(const sb_leaderboard *lb, int row, int col)
{
  return in_table(lb, row, col) ? lb->n_tracks[(size_t)row * (size_t)lb->n_targets + (size_t)col]
                                : 0;
}

double sb_leaderboard_avg(const sb_leaderboard *lb, int row)
{
  return lb && row >= 0 && row < lb->n_methods ? lb->avg[row] : NAN;
}

sb_lb_agg sb_leaderboard_aggregation(const sb_leaderboard *lb)
{
  return lb ? lb->agg : SB_LB_AUTO;
}

const char *sb_leaderboard_config(const sb_leaderboard *lb)
{
  return lb ? lb->config : NULL;
}

const char *sb_leaderboard_metric(const sb_leaderboard *lb)
{
  return lb ? lb->metric : NULL;
}

const char *sb_leaderboard_title(const sb_leaderboard *lb)
{
  return lb ? lb->title : NULL;
}

const char *sb_leaderboard_suite(const sb_leaderboard *lb)
{
  return lb ? lb->suite : NULL;
}

int sb_leaderboard_max_tracks(const sb_leaderboard *lb)
{
  return lb ? lb->max_tracks : 0;
}

const sb_lb_track_value *sb_leaderboard_track_values(const sb_leaderboard *lb, size_t *n)
{
  if (n)
    *n = lb ? lb->n_per_track : 0;
  return lb ? lb->per_track : NULL;
}
