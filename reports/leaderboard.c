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
 * Workload: one SELECT streams the values grouped by (method, track,
 * target); each group's finite values are sorted (~250 frames) for its
 * median, then each cell's per-track values (~50) are aggregated.  10
 * methods x 50 tracks x 4 targets x 250 frames (500k values) take ~0.4 s.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/leaderboard.h"

#include "common/csv.h"
#include "common/targets.h"

struct sb_leaderboard {
  char *suite;     /* NULL = every suite */
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
};

/* A growable list of owned strings. */
typedef struct name_list {
  int n, cap;
  char **names;
} name_list;

/* One per-track value of a (method, target) cell. */
typedef struct track_value {
  int method, target;
  double value;
} track_value;

/* Everything collected from the query before the table is built. */
typedef struct collected {
  name_list methods, targets;
  track_value *records;
  size_t n_records, cap_records;
  double *frames; /* finite values of the current group */
  size_t n_frames, cap_frames;
  double min_duration, max_duration; /* frame lengths seen, s */
  int64_t n_rows;
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

sb_err sb_leaderboard_parse_format(const char *name, sb_lb_format *out)
{
  static const struct {
    const char *name;
    sb_lb_format fmt;
  } formats[] = {{"text", SB_LB_TEXT}, {"markdown", SB_LB_MARKDOWN}, {"md", SB_LB_MARKDOWN},
                 {"csv", SB_LB_CSV},   {"json", SB_LB_JSON},
                 {"latex", SB_LB_LATEX}, {"tex", SB_LB_LATEX}, {"html", SB_LB_HTML}};
  if (!name || !out)
    return SB_EINVAL;
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (strcmp(name, formats[i].name) == 0) {
      *out = formats[i].fmt;
      return SB_OK;
    }
  return SB_EINVAL;
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
  free(c->records);
  free(c->frames);
  memset(c, 0, sizeof *c);
}

static sb_err add_record(collected *c, int method, int target, double value)
{
  if (c->n_records == c->cap_records) {
    size_t cap = c->cap_records ? 2 * c->cap_records : 256;
    track_value *grown = realloc(c->records, cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    c->records = grown;
    c->cap_records = cap;
  }
  c->records[c->n_records++] = (track_value){method, target, value};
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

/* Closes the current (method, track, target) group of frame values. */
static sb_err flush_group(collected *c, int method, int target)
{
  sb_err err = SB_OK;
  if (method >= 0 && c->n_frames > 0)
    err = add_record(c, method, target, median(c->frames, c->n_frames));
  c->n_frames = 0;
  return err;
}

/* Streams lb_frame_values or lb_track_values into c.  Frame mode reduces
 * each (method, track, target) group to the median of its finite values;
 * track mode keeps every finite value. */
static sb_err collect(sb_store *s, const char *suite, const char *config, const char *metric,
                      int frame_mode, collected *c, sb_msg *msg)
{
  const char *query = frame_mode ? "lb_frame_values" : "lb_track_values";
  sqlite3_stmt *st = NULL;
  int method = -1, target = -1; /* the current group */
  int last_method = -1, last_target = -1;
  int64_t track = -1;
  sb_err err = sb_store_query(s, query, &st, msg);
  int rc;

  if (err)
    return err;
  c->min_duration = INFINITY;
  c->max_duration = -INFINITY;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *method_name = (const char *)sqlite3_column_text(st, 0);
    int64_t row_track = sqlite3_column_int64(st, 1);
    const char *target_name = (const char *)sqlite3_column_text(st, 2);
    int row_method, row_target;
    double value;

    if (!method_name || !target_name) {
      err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
      goto done;
    }
    row_method = name_list_add(&c->methods, method_name, last_method);
    row_target = name_list_add(&c->targets, target_name, last_target);
    if (row_method < 0 || row_target < 0) {
      err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
      goto done;
    }
    last_method = row_method;
    last_target = row_target;
    c->n_rows++;
    if (frame_mode) {
      double duration = sqlite3_column_double(st, 4);
      if (duration < c->min_duration)
        c->min_duration = duration;
      if (duration > c->max_duration)
        c->max_duration = duration;
      if (row_method != method || row_track != track || row_target != target) {
        err = flush_group(c, method, target);
        if (err)
          goto oom;
        method = row_method;
        track = row_track;
        target = row_target;
      }
    }
    if (sqlite3_column_type(st, 3) == SQLITE_NULL)
      continue;
    value = sqlite3_column_double(st, 3);
    if (!isfinite(value))
      continue;
    err = frame_mode ? add_frame(c, value) : add_record(c, row_method, row_target, value);
    if (err)
      goto oom;
  }
  if (rc != SQLITE_DONE) {
    err = sb_msg_set(msg, SB_EDB, "leaderboard: %s: %s", query,
                     sqlite3_errmsg(sqlite3_db_handle(st)));
    goto done;
  }
  if (frame_mode) {
    err = flush_group(c, method, target);
    if (err)
      goto oom;
  }
  goto done;

oom:
  err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
done:
  sqlite3_finalize(st);
  return err;
}

/* The config of the newest 'done' item with values of the metric; *config
 * stays NULL when there is none. */
static sb_err default_config(sb_store *s, const char *suite, const char *metric, int frame_mode,
                             char **config, sb_msg *msg)
{
  const char *query = frame_mode ? "lb_default_config_frame" : "lb_default_config_track";
  sqlite3_stmt *st = NULL;
  sb_err err = sb_store_query(s, query, &st, msg);
  int rc;
  *config = NULL;
  if (err)
    return err;
  sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    *config = text ? strdup(text) : NULL;
    if (!*config)
      err = sb_msg_set(msg, SB_ENOMEM, "leaderboard: out of memory");
  } else if (rc != SQLITE_DONE) {
    err = sb_msg_set(msg, SB_EDB, "leaderboard: %s: %s", query,
                     sqlite3_errmsg(sqlite3_db_handle(st)));
  }
  sqlite3_finalize(st);
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
    err = default_config(s, o->suite, lb->metric, frame_mode, &lb->config, msg);
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

/* ---------------------------------------------------------------- output */

/* Display width of UTF-8 text (code points; the names are not CJK). */
static int text_width(const char *text)
{
  int width = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++)
    width += (*p & 0xc0) != 0x80;
  return width;
}

/* A cell as shown in text and markdown: "7.67", "7.67 (49)" or "-". */
static void format_cell(const sb_leaderboard *lb, int row, int col, char *buf, size_t len)
{
  double value = col < lb->n_targets ? sb_leaderboard_value(lb, row, col)
                                     : sb_leaderboard_avg(lb, row);
  int n = col < lb->n_targets ? sb_leaderboard_n_tracks(lb, row, col) : lb->max_tracks;
  if (isnan(value))
    snprintf(buf, len, "-");
  else if (n < lb->max_tracks)
    snprintf(buf, len, "%.2f (%d)", value, n);
  else
    snprintf(buf, len, "%.2f", value);
}

static int has_partial_cells(const sb_leaderboard *lb)
{
  for (size_t i = 0; i < (size_t)lb->n_methods * (size_t)lb->n_targets; i++)
    if (lb->n_tracks[i] > 0 && lb->n_tracks[i] < lb->max_tracks)
      return 1;
  return 0;
}

static void write_subtitle(const sb_leaderboard *lb, FILE *f, const char *quote)
{
  fprintf(f, "suite %s%s%s, config %s%s%s, %d track%s, %d method%s\n", quote,
          lb->suite ? lb->suite : "(all)", quote, quote, lb->config, quote, lb->max_tracks,
          lb->max_tracks == 1 ? "" : "s", lb->n_methods, lb->n_methods == 1 ? "" : "s");
}

static void pad(FILE *f, int n, int c)
{
  for (int k = 0; k < n; k++)
    fputc(c, f);
}

static sb_err write_text(const sb_leaderboard *lb, FILE *f)
{
  int n_cols = lb->n_targets + 1; /* targets, then avg */
  int method_width = text_width("method");
  int *width = malloc((size_t)n_cols * sizeof *width);
  char cell[64];

  if (!width)
    return SB_ENOMEM;
  for (int row = 0; row < lb->n_methods; row++)
    if (text_width(lb->methods[row]) > method_width)
      method_width = text_width(lb->methods[row]);
  for (int col = 0; col < n_cols; col++) {
    width[col] = text_width(col < lb->n_targets ? lb->targets[col] : "avg");
    for (int row = 0; row < lb->n_methods; row++) {
      format_cell(lb, row, col, cell, sizeof cell);
      if (text_width(cell) > width[col])
        width[col] = text_width(cell);
    }
  }

  fprintf(f, "%s\n", lb->title);
  write_subtitle(lb, f, "");
  fprintf(f, "\nmethod");
  pad(f, method_width - text_width("method"), ' ');
  for (int col = 0; col < n_cols; col++) {
    const char *name = col < lb->n_targets ? lb->targets[col] : "avg";
    pad(f, 2 + width[col] - text_width(name), ' ');
    fputs(name, f);
  }
  fputc('\n', f);
  pad(f, method_width, '-');
  for (int col = 0; col < n_cols; col++) {
    pad(f, 2, ' ');
    pad(f, width[col], '-');
  }
  fputc('\n', f);
  for (int row = 0; row < lb->n_methods; row++) {
    fputs(lb->methods[row], f);
    pad(f, method_width - text_width(lb->methods[row]), ' ');
    for (int col = 0; col < n_cols; col++) {
      format_cell(lb, row, col, cell, sizeof cell);
      pad(f, 2 + width[col] - text_width(cell), ' ');
      fputs(cell, f);
    }
    fputc('\n', f);
  }
  if (has_partial_cells(lb))
    fprintf(f, "\n(n): computed from n tracks only\n");
  free(width);
  return SB_OK;
}

static void write_markdown_text(FILE *f, const char *text)
{
  for (const char *p = text; *p; p++) {
    if (*p == '|' || *p == '\\' || *p == '*' || *p == '_' || *p == '`')
      fputc('\\', f);
    fputc(*p, f);
  }
}

static void write_markdown(const sb_leaderboard *lb, FILE *f)
{
  char cell[64];
  fprintf(f, "**");
  write_markdown_text(f, lb->title);
  fprintf(f, "**\n\n");
  write_subtitle(lb, f, "`");
  fprintf(f, "\n| method |");
  for (int col = 0; col < lb->n_targets; col++) {
    fputc(' ', f);
    write_markdown_text(f, lb->targets[col]);
    fprintf(f, " |");
  }
  fprintf(f, " avg |\n|:---|");
  for (int col = 0; col <= lb->n_targets; col++)
    fprintf(f, "---:|");
  fprintf(f, "\n");
  for (int row = 0; row < lb->n_methods; row++) {
    fprintf(f, "| ");
    write_markdown_text(f, lb->methods[row]);
    fprintf(f, " |");
    for (int col = 0; col <= lb->n_targets; col++) {
      format_cell(lb, row, col, cell, sizeof cell);
      fprintf(f, " %s |", cell);
    }
    fprintf(f, "\n");
  }
  if (has_partial_cells(lb))
    fprintf(f, "\n(n): computed from n tracks only\n");
}


static void write_csv(const sb_leaderboard *lb, FILE *f)
{
  fprintf(f, "suite,metric,aggregation,config,method,target,value,n_tracks\n");
  for (int row = 0; row < lb->n_methods; row++)
    for (int col = 0; col <= lb->n_targets; col++) {
      double value = col < lb->n_targets ? sb_leaderboard_value(lb, row, col)
                                         : sb_leaderboard_avg(lb, row);
      sb_csv_write_field(f, lb->suite);
      fputc(',', f);
      sb_csv_write_field(f, lb->metric);
      fprintf(f, ",%s,", sb_leaderboard_agg_name(lb->agg));
      sb_csv_write_field(f, lb->config);
      fputc(',', f);
      sb_csv_write_field(f, lb->methods[row]);
      fputc(',', f);
      sb_csv_write_field(f, col < lb->n_targets ? lb->targets[col] : "avg");
      fputc(',', f);
      if (!isnan(value))
        fprintf(f, "%.17g", value);
      fputc(',', f);
      if (col < lb->n_targets)
        fprintf(f, "%d", sb_leaderboard_n_tracks(lb, row, col));
      fputc('\n', f);
    }
}

static void write_json_string(FILE *f, const char *text)
{
  if (!text) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void write_json_number(FILE *f, double value)
{
  if (isfinite(value))
    fprintf(f, "%.17g", value);
  else
    fputs("null", f);
}

static void write_json(const sb_leaderboard *lb, FILE *f)
{
  fputs("{\"title\": ", f);
  write_json_string(f, lb->title);
  fputs(", \"suite\": ", f);
  write_json_string(f, lb->suite);
  fputs(", \"metric\": ", f);
  write_json_string(f, lb->metric);
  fprintf(f, ", \"aggregation\": \"%s\", \"config\": ", sb_leaderboard_agg_name(lb->agg));
  write_json_string(f, lb->config);
  fputs(",\n \"targets\": [", f);
  for (int col = 0; col < lb->n_targets; col++) {
    fputs(col ? ", " : "", f);
    write_json_string(f, lb->targets[col]);
  }
  fputs("],\n \"methods\": [", f);
  for (int row = 0; row < lb->n_methods; row++) {
    fputs(row ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
    write_json_string(f, lb->methods[row]);
    fputs(", \"values\": [", f);
    for (int col = 0; col < lb->n_targets; col++) {
      fputs(col ? ", " : "", f);
      write_json_number(f, sb_leaderboard_value(lb, row, col));
    }
    fputs("], \"n_tracks\": [", f);
    for (int col = 0; col < lb->n_targets; col++)
      fprintf(f, "%s%d", col ? ", " : "", sb_leaderboard_n_tracks(lb, row, col));
    fputs("], \"avg\": ", f);
    write_json_number(f, sb_leaderboard_avg(lb, row));
    fputs("}", f);
  }
  fputs("]}\n", f);
}

static void write_latex_text(FILE *f, const char *text)
{
  for (const char *p = text; *p; p++) {
    if (strchr("&%$#_{}", *p))
      fprintf(f, "\\%c", *p);
    else if (*p == '~')
      fputs("\\textasciitilde{}", f);
    else if (*p == '^')
      fputs("\\textasciicircum{}", f);
    else if (*p == '\\')
      fputs("\\textbackslash{}", f);
    else
      fputc(*p, f);
  }
}

/* The best (largest) value of a column (col == n_targets: avg). */
static double column_best(const sb_leaderboard *lb, int col)
{
  double best = NAN;
  for (int row = 0; row < lb->n_methods; row++) {
    double v = col < lb->n_targets ? sb_leaderboard_value(lb, row, col) : lb->avg[row];
    if (isfinite(v) && (isnan(best) || v > best))
      best = v;
  }
  return best;
}

static void write_latex(const sb_leaderboard *lb, FILE *f)
{
  char cell[64];
  fputs("% requires \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n\\caption{", f);
  write_latex_text(f, lb->title);
  fprintf(f, " (aggregation %s; %d tracks)}\n\\begin{tabular}{l", sb_leaderboard_agg_name(lb->agg),
          lb->max_tracks);
  for (int col = 0; col <= lb->n_targets; col++)
    fputc('r', f);
  fputs("}\n\\toprule\nMethod", f);
  for (int col = 0; col <= lb->n_targets; col++) {
    fputs(" & ", f);
    write_latex_text(f, col < lb->n_targets ? lb->targets[col] : "avg");
  }
  fputs(" \\\\\n\\midrule\n", f);
  for (int row = 0; row < lb->n_methods; row++) {
    write_latex_text(f, lb->methods[row]);
    for (int col = 0; col <= lb->n_targets; col++) {
      double v = col < lb->n_targets ? sb_leaderboard_value(lb, row, col) : lb->avg[row];
      format_cell(lb, row, col, cell, sizeof cell);
      fprintf(f, isnan(v) ? " & --" : v == column_best(lb, col) ? " & \\textbf{%s}" : " & %s",
              cell);
    }
    fputs(" \\\\\n", f);
  }
  fputs("\\bottomrule\n\\end{tabular}\n\\end{table}\n", f);
}

static void write_html_text(FILE *f, const char *text)
{
  for (const char *p = text; *p; p++) {
    switch (*p) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*p, f);
    }
  }
}

static void write_html(const sb_leaderboard *lb, FILE *f)
{
  char cell[64];
  fputs("<table class=\"leaderboard\">\n<caption>", f);
  write_html_text(f, lb->title);
  fprintf(f, "<br><small>aggregation %s; suite ", sb_leaderboard_agg_name(lb->agg));
  write_html_text(f, lb->suite ? lb->suite : "(all)");
  fputs(", config <code>", f);
  write_html_text(f, lb->config);
  fprintf(f, "</code>, %d tracks</small></caption>\n<thead><tr><th>method</th>", lb->max_tracks);
  for (int col = 0; col <= lb->n_targets; col++) {
    fputs("<th>", f);
    write_html_text(f, col < lb->n_targets ? lb->targets[col] : "avg");
    fputs("</th>", f);
  }
  fputs("</tr></thead>\n<tbody>\n", f);
  for (int row = 0; row < lb->n_methods; row++) {
    fputs("<tr><th>", f);
    write_html_text(f, lb->methods[row]);
    fputs("</th>", f);
    for (int col = 0; col <= lb->n_targets; col++) {
      double v = col < lb->n_targets ? sb_leaderboard_value(lb, row, col) : lb->avg[row];
      format_cell(lb, row, col, cell, sizeof cell);
      fprintf(f, !isnan(v) && v == column_best(lb, col) ? "<td><b>%s</b></td>" : "<td>%s</td>",
              cell);
    }
    fputs("</tr>\n", f);
  }
  fputs("</tbody>\n</table>\n", f);
}

sb_err sb_leaderboard_write(const sb_leaderboard *lb, FILE *f, sb_lb_format fmt)
{
  if (!lb || !f)
    return SB_EINVAL;
  switch (fmt) {
  case SB_LB_TEXT:
    if (write_text(lb, f) != SB_OK)
      return SB_ENOMEM;
    break;
  case SB_LB_MARKDOWN:
    write_markdown(lb, f);
    break;
  case SB_LB_CSV:
    write_csv(lb, f);
    break;
  case SB_LB_JSON:
    write_json(lb, f);
    break;
  case SB_LB_LATEX:
    write_latex(lb, f);
    break;
  case SB_LB_HTML:
    write_html(lb, f);
    break;
  default:
    return SB_EINVAL;
  }
  if (fflush(f) != 0 || ferror(f))
    return SB_EIO;
  return SB_OK;
}
