/*
 * reports/export.c — museval track JSON and CSV long-format export (see
 * export.h).
 *
 * Follows museval 0.4.1 (sigsep-mus-eval aggregate.py TrackStore: values
 * Decimal(x).quantize(Decimal('.00001')), +-inf -> NaN, simplejson.dumps(
 * indent=2, allow_nan=True, use_decimal=True), ensure_ascii) as described
 * in shared/specs/bsseval.md §3.  glibc's printf("%.5f") rounds the exact
 * binary value half-to-even, which is what Decimal.quantize does in its
 * default context, so the digits agree byte for byte (checked against the
 * museval files in shared/refvectors/bss).
 *
 * Workload: one query per item for its ~4 x 4 x 250 frame rows; files are
 * written with stdio.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/export.h"

#include "common/csv.h"
#include "common/escape.h"
#include "common/targets.h"
#include "reports/leaderboard.h"
#include "schemas/store_read.h"

static const char *const museval_keys[SB_MUSEVAL_N] = {"SDR", "SIR", "SAR", "ISR"};

/* ---------------------------------------------------------------- formatting */

void sb_museval_format_value(double x, char *buf, size_t len)
{
  if (!isfinite(x))
    snprintf(buf, len, "NaN");
  else
    snprintf(buf, len, "%.5f", x);
}

void sb_format_python_float(double x, char *buf, size_t len)
{
  char digits[40], mant[24];
  int precision, exponent, n_digits = 0, decpt;
  size_t pos = 0;
  const char *p;

  if (isnan(x)) {
    snprintf(buf, len, "NaN");
    return;
  }
  if (isinf(x)) {
    snprintf(buf, len, x > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* Shortest "%.{p}e" that reads back as x: repr's digits. */
  for (precision = 0; precision < 17; precision++) {
    snprintf(digits, sizeof digits, "%.*e", precision, x);
    if (strtod(digits, NULL) == x)
      break;
  }
  p = digits;
  if (*p == '-')
    buf[pos++] = *p++;
  for (; *p && *p != 'e'; p++)
    if (*p != '.')
      mant[n_digits++] = *p;
  mant[n_digits] = '\0';
  exponent = atoi(p + 1);
  decpt = exponent + 1; /* digits before the decimal point */
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      pos += (size_t)snprintf(buf + pos, len - pos, "0.");
      for (int k = 0; k < -decpt; k++)
        buf[pos++] = '0';
      snprintf(buf + pos, len - pos, "%s", mant);
    } else if (decpt >= n_digits) {
      pos += (size_t)snprintf(buf + pos, len - pos, "%s", mant);
      for (int k = n_digits; k < decpt; k++)
        buf[pos++] = '0';
      snprintf(buf + pos, len - pos, ".0");
    } else {
      snprintf(buf + pos, len - pos, "%.*s.%s", decpt, mant, mant + decpt);
    }
  } else {
    buf[pos++] = mant[0];
    if (n_digits > 1)
      pos += (size_t)snprintf(buf + pos, len - pos, ".%s", mant + 1);
    snprintf(buf + pos, len - pos, "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
  }
}

sb_err sb_museval_write_track(FILE *f, int n_targets, const sb_museval_target *targets)
{
  char number[48];
  if (!f || n_targets < 0 || (n_targets > 0 && !targets))
    return SB_EINVAL;
  fputs("{\n  \"targets\": [", f);
  for (int j = 0; j < n_targets; j++) {
    const sb_museval_target *t = &targets[j];
    if (!t->name || (t->n_frames > 0 && (!t->time_s || !t->duration_s || !t->values)))
      return SB_EINVAL;
    fputs(j ? ",\n    {\n      \"name\": " : "\n    {\n      \"name\": ", f);
    sb_escape_json_ascii(f, t->name);
    fputs(",\n      \"frames\": [", f);
    for (int64_t k = 0; k < t->n_frames; k++) {
      fputs(k ? ",\n        {\n" : "\n        {\n", f);
      sb_format_python_float(t->time_s[k], number, sizeof number);
      fprintf(f, "          \"time\": %s,\n", number);
      sb_format_python_float(t->duration_s[k], number, sizeof number);
      fprintf(f, "          \"duration\": %s,\n          \"metrics\": {", number);
      for (int m = 0; m < SB_MUSEVAL_N; m++) {
        sb_museval_format_value(t->values[k * SB_MUSEVAL_N + m], number, sizeof number);
        fprintf(f, "%s\n            \"%s\": %s", m ? "," : "", museval_keys[m], number);
      }
      fputs("\n          }\n        }", f);
    }
    fputs(t->n_frames > 0 ? "\n      ]\n    }" : "]\n    }", f);
  }
  fputs(n_targets > 0 ? "\n  ],\n" : "],\n", f);
  fputs("  \"museval_version\": \"0.4.1\"\n}", f);
  return ferror(f) ? SB_EIO : SB_OK;
}

/* ---------------------------------------------------------------- reading an item */

/* The frames of one target of an item being collected. */
typedef struct target_frames {
  char *name;
  int64_t n_frames, cap;
  double *time_s, *duration_s, *values;
} target_frames;

typedef struct item_frames {
  int n, cap;
  target_frames *targets;
} item_frames;

static void item_frames_clear(item_frames *it)
{
  for (int j = 0; j < it->n; j++) {
    free(it->targets[j].name);
    free(it->targets[j].time_s);
    free(it->targets[j].duration_s);
    free(it->targets[j].values);
  }
  free(it->targets);
  memset(it, 0, sizeof *it);
}

static int metric_index(const char *metric)
{
  for (int m = 0; m < SB_MUSEVAL_N; m++)
    if (strcmp(metric, museval_keys[m]) == 0)
      return m;
  return -1;
}

/* Makes room for frame k of t (new frames NaN). */
static sb_err target_reserve(target_frames *t, int64_t k)
{
  if (k >= t->cap) {
    int64_t cap = t->cap ? t->cap : 64;
    double *time_s, *duration_s, *values;
    while (cap <= k)
      cap *= 2;
    time_s = realloc(t->time_s, (size_t)cap * sizeof *time_s);
    if (!time_s)
      return SB_ENOMEM;
    t->time_s = time_s;
    duration_s = realloc(t->duration_s, (size_t)cap * sizeof *duration_s);
    if (!duration_s)
      return SB_ENOMEM;
    t->duration_s = duration_s;
    values = realloc(t->values, (size_t)cap * SB_MUSEVAL_N * sizeof *values);
    if (!values)
      return SB_ENOMEM;
    t->values = values;
    t->cap = cap;
  }
  for (; t->n_frames <= k; t->n_frames++) {
    t->time_s[t->n_frames] = NAN;
    t->duration_s[t->n_frames] = NAN;
    for (int m = 0; m < SB_MUSEVAL_N; m++)
      t->values[t->n_frames * SB_MUSEVAL_N + m] = NAN;
  }
  return SB_OK;
}

static target_frames *item_target(item_frames *it, const char *name)
{
  if (it->n > 0 && strcmp(it->targets[it->n - 1].name, name) == 0)
    return &it->targets[it->n - 1];
  if (it->n == it->cap) {
    int cap = it->cap ? 2 * it->cap : 8;
    target_frames *grown = realloc(it->targets, (size_t)cap * sizeof *grown);
    if (!grown)
      return NULL;
    it->targets = grown;
    it->cap = cap;
  }
  memset(&it->targets[it->n], 0, sizeof it->targets[it->n]);
  it->targets[it->n].name = strdup(name);
  if (!it->targets[it->n].name)
    return NULL;
  return &it->targets[it->n++];
}

/* Targets in the canonical order (common/targets.h). */
static int compare_targets(const void *a, const void *b)
{
  const target_frames *x = a, *y = b;
  return sb_target_cmp(x->name, y->name);
}

/* sb_store_item_value_fn: one frame value of a museval metric into the
 * item (other metrics, e.g. PS/PM series, are not museval's). */
static sb_err add_frame_value(void *ctx, const sb_store_item_value *v, sb_msg *msg)
{
  item_frames *it = ctx;
  int m = metric_index(v->metric);
  target_frames *t;
  if (m < 0 || v->frame < 0)
    return SB_OK;
  t = item_target(it, v->target);
  if (!t || target_reserve(t, v->frame) != SB_OK)
    return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
  t->time_s[v->frame] = v->time_s;
  t->duration_s[v->frame] = v->duration_s;
  t->values[v->frame * SB_MUSEVAL_N + m] = v->value;
  return SB_OK;
}

/* Reads the frame values of an item, targets in musdb order. */
static sb_err read_item_frames(sb_store *s, int64_t item_id, item_frames *it, sb_msg *msg)
{
  sb_err err = sb_store_each_item_value(s, item_id, SB_STORE_FRAMES, add_frame_value, it, msg);
  if (!err)
    qsort(it->targets, (size_t)it->n, sizeof *it->targets, compare_targets);
  return err;
}

/* ---------------------------------------------------------------- museval files */

/* mkdir -p; SB_EIO with the directory named in msg. */
static sb_err make_dirs(const char *path, sb_msg *msg)
{
  char *copy = strdup(path);
  struct stat sb;
  if (!copy)
    return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
      sb_err err = sb_msg_set(msg, SB_EIO, "%s: cannot create directory: %s", copy, strerror(errno));
      free(copy);
      return err;
    }
    *p = '/';
  }
  if (mkdir(copy, 0777) != 0 && (errno != EEXIST || stat(copy, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
    sb_err err = sb_msg_set(msg, SB_EIO, "%s: cannot create directory: %s", copy,
                            errno == EEXIST ? "not a directory" : strerror(errno));
    free(copy);
    return err;
  }
  free(copy);
  return SB_OK;
}

/* A name usable as one path component. */
static void path_component(const char *name, char *buf, size_t len)
{
  snprintf(buf, len, "%s", name && *name ? name : "_");
  for (char *p = buf; *p; p++)
    if (*p == '/')
      *p = '_';
  if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
    buf[0] = '_';
}

/* Resolves the selection: *o becomes the defaults when NULL, *config the
 * given or default config; *owned is what the caller frees. */
static sb_err selection_config(sb_store *s, const sb_export_opts **o, const char **config,
                               char **owned, sb_msg *msg)
{
  static const sb_export_opts defaults = {0};
  sb_err err = SB_OK;
  if (!*o)
    *o = &defaults;
  *owned = NULL;
  *config = (*o)->config;
  if (!*config) {
    err = sb_leaderboard_default_config(s, (*o)->suite, "SDR", owned, msg);
    *config = *owned;
  }
  return err;
}

static sb_err no_results(const sb_export_opts *o, const char *config, sb_msg *msg)
{
  return sb_msg_set(msg, SB_ENOTFOUND, "export: no results%s%s%s%s for config %s",
                    o->method ? " of method " : "", o->method ? o->method : "",
                    o->suite ? " in suite " : "", o->suite ? o->suite : "", config);
}

/* One file to write: the item and where its JSON goes. */
typedef struct planned_file {
  int64_t item_id;
  char *names;                         /* one block: suite, method, track, subset */
  const char *suite, *method, *track;  /* into names */
  const char *subset;                  /* into names; NULL when unknown */
  char *folder, *path;
} planned_file;

typedef struct file_plan {
  planned_file *files;
  size_t n, cap;
} file_plan;

static void file_plan_clear(file_plan *p)
{
  for (size_t i = 0; i < p->n; i++) {
    free(p->files[i].names);
    free(p->files[i].folder);
    free(p->files[i].path);
  }
  free(p->files);
  memset(p, 0, sizeof *p);
}

/* sb_store_item_fn: notes an item; its path comes once every suite is
 * known (plan_paths). */
static sb_err plan_item(void *ctx, const sb_store_item *item, sb_msg *msg)
{
  file_plan *p = ctx;
  planned_file *f;
  size_t len = strlen(item->suite) + strlen(item->method) + strlen(item->track) +
               (item->subset ? strlen(item->subset) : 0) + 4;
  char *at;
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 64;
    planned_file *grown = realloc(p->files, cap * sizeof *grown);
    if (!grown)
      return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
    p->files = grown;
    p->cap = cap;
  }
  f = &p->files[p->n];
  *f = (planned_file){.item_id = item->id, .names = malloc(len)};
  if (!f->names)
    return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
  p->n++;
  f->suite = at = f->names;
  f->method = at = stpcpy(at, item->suite) + 1;
  f->track = at = stpcpy(at, item->method) + 1;
  at = stpcpy(at, item->track) + 1;
  f->subset = item->subset ? strcpy(at, item->subset) : NULL;
  return SB_OK;
}

/* The folder and file of every planned item:
 * DIR[/<suite>][/<method>]/<subset>/<track>.json, with the suite level
 * only when the items come from several suites and the method level
 * unless one method is exported (museval's own layout). */
static sb_err plan_paths(file_plan *p, const char *dir, int one_method, sb_msg *msg)
{
  int several_suites = 0;
  for (size_t i = 1; i < p->n; i++)
    several_suites |= strcmp(p->files[i].suite, p->files[0].suite) != 0;
  for (size_t i = 0; i < p->n; i++) {
    planned_file *f = &p->files[i];
    char suite[256], method[256], subset[256], track[512];
    path_component(f->suite, suite, sizeof suite);
    path_component(f->method, method, sizeof method);
    path_component(f->subset ? f->subset : "test", subset, sizeof subset);
    path_component(f->track, track, sizeof track);
    if (asprintf(&f->folder, "%s%s%s%s%s/%s", dir, several_suites ? "/" : "",
                 several_suites ? suite : "", one_method ? "" : "/", one_method ? "" : method,
                 subset) < 0)
      f->folder = NULL; /* asprintf leaves it undefined */
    else if (asprintf(&f->path, "%s/%s.json", f->folder, track) < 0)
      f->path = NULL;
    if (!f->folder || !f->path)
      return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
    if (strlen(f->path) >= 4096)
      return sb_msg_set(msg, SB_EIO, "%s: path too long for track '%s'", dir, f->track);
  }
  return SB_OK;
}

static int compare_paths(const void *a, const void *b)
{
  return strcmp((*(planned_file *const *)a)->path, (*(planned_file *const *)b)->path);
}

/* Refuses a plan in which two items would write the same file (names that
 * differ only by a '/' made '_', say), before anything is written. */
static sb_err check_collisions(const file_plan *p, sb_msg *msg)
{
  planned_file **order = malloc((p->n ? p->n : 1) * sizeof *order);
  sb_err err = SB_OK;
  if (!order)
    return sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
  for (size_t i = 0; i < p->n; i++)
    order[i] = &p->files[i];
  qsort(order, p->n, sizeof *order, compare_paths);
  for (size_t i = 1; i < p->n && !err; i++)
    if (strcmp(order[i - 1]->path, order[i]->path) == 0)
      err = sb_msg_set(msg, SB_EINVAL,
                       "export: %s would hold two results (method '%s' track '%s' of suite '%s',"
                       " method '%s' track '%s' of suite '%s'): their names map to one file name"
                       " ('/' becomes '_'); nothing written", order[i]->path, order[i - 1]->method,
                       order[i - 1]->track, order[i - 1]->suite, order[i]->method,
                       order[i]->track, order[i]->suite);
  free(order);
  return err;
}

static sb_err write_item_file(sb_store *s, int64_t item_id, const char *path, int *written,
                              sb_msg *msg)
{
  item_frames it = {0};
  sb_museval_target *targets = NULL;
  FILE *f = NULL;
  sb_err err = read_item_frames(s, item_id, &it, msg);
  *written = 0;
  if (err || it.n == 0)
    goto done;
  targets = calloc((size_t)it.n, sizeof *targets);
  if (!targets) {
    err = sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
    goto done;
  }
  for (int j = 0; j < it.n; j++)
    targets[j] = (sb_museval_target){it.targets[j].name, it.targets[j].n_frames,
                                     it.targets[j].time_s, it.targets[j].duration_s,
                                     it.targets[j].values};
  f = fopen(path, "w");
  if (!f) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", path, strerror(errno));
    goto done;
  }
  err = sb_museval_write_track(f, it.n, targets);
  if (fclose(f) != 0 || err) {
    err = sb_msg_set(msg, SB_EIO, "%s: write error", path);
    goto done;
  }
  *written = 1;
done:
  free(targets);
  item_frames_clear(&it);
  return err;
}

sb_err sb_export_museval(sb_store *s, const sb_export_opts *o, const char *dir, int *n_files,
                         sb_msg *msg)
{
  file_plan plan = {0};
  const char *config;
  char *owned = NULL;
  int n_written = 0;
  sb_err err;

  if (n_files)
    *n_files = 0;
  if (!s || !dir)
    return sb_msg_set(msg, SB_EINVAL, "export: no store or output directory");
  err = selection_config(s, &o, &config, &owned, msg);
  if (err)
    return err;
  err = make_dirs(dir, msg);
  if (!err)
    err = sb_store_each_item(s, o->suite, config, o->method, plan_item, &plan, msg);
  if (!err && plan.n == 0)
    err = no_results(o, config, msg);
  if (!err)
    err = plan_paths(&plan, dir, o->method != NULL, msg);
  if (!err)
    err = check_collisions(&plan, msg);
  for (size_t i = 0; !err && i < plan.n; i++) {
    int written = 0;
    err = make_dirs(plan.files[i].folder, msg);
    if (!err)
      err = write_item_file(s, plan.files[i].item_id, plan.files[i].path, &written, msg);
    n_written += written;
  }
  file_plan_clear(&plan);
  free(owned);
  if (n_files)
    *n_files = n_written;
  return err;
}

/* ---------------------------------------------------------------- CSV */

/* Where the CSV rows of the current item go. */
typedef struct csv_sink {
  sb_store *s;
  FILE *f;
  const char *method, *track;
  int64_t n_rows, n_items;
} csv_sink;

/* sb_store_item_value_fn: one row "method,track,target,metric,time,value"
 * (time empty for a per-track value; NaN empty, +-inf as inf / -inf). */
static sb_err write_csv_row(void *ctx, const sb_store_item_value *v, sb_msg *msg)
{
  csv_sink *sink = ctx;
  FILE *f = sink->f;
  (void)msg;
  sb_csv_write_field(f, sink->method);
  fputc(',', f);
  sb_csv_write_field(f, sink->track);
  fputc(',', f);
  sb_csv_write_field(f, v->target);
  fputc(',', f);
  sb_csv_write_field(f, v->metric);
  fputc(',', f);
  if (v->frame >= 0)
    fprintf(f, "%.17g", v->time_s);
  fputc(',', f);
  if (isinf(v->value))
    fputs(v->value > 0 ? "inf" : "-inf", f);
  else if (!isnan(v->value))
    fprintf(f, "%.17g", v->value);
  fputc('\n', f);
  sink->n_rows++;
  return SB_OK;
}

/* sb_store_item_fn: the CSV rows of one item, frame values then per-track
 * values. */
static sb_err write_item_csv(void *ctx, const sb_store_item *item, sb_msg *msg)
{
  csv_sink *sink = ctx;
  sb_err err;
  sink->method = item->method;
  sink->track = item->track;
  sink->n_items++;
  err = sb_store_each_item_value(sink->s, item->id, SB_STORE_FRAMES, write_csv_row, sink, msg);
  if (!err)
    err = sb_store_each_item_value(sink->s, item->id, SB_STORE_TRACKS, write_csv_row, sink, msg);
  return err;
}

sb_err sb_export_csv(sb_store *s, const sb_export_opts *o, FILE *f, int64_t *n_rows,
                     sb_msg *msg)
{
  csv_sink sink = {s, f, NULL, NULL, 0, 0};
  const char *config;
  char *owned = NULL;
  sb_err err;

  if (n_rows)
    *n_rows = 0;
  if (!s || !f)
    return sb_msg_set(msg, SB_EINVAL, "export: no store or output stream");
  err = selection_config(s, &o, &config, &owned, msg);
  if (err)
    return err;
  fputs("method,track,target,metric,time,value\n", f);
  err = sb_store_each_item(s, o->suite, config, o->method, write_item_csv, &sink, msg);
  if (!err && sink.n_items == 0)
    err = no_results(o, config, msg);
  if (!err && (fflush(f) != 0 || ferror(f)))
    err = sb_msg_set(msg, SB_EIO, "export: CSV write error");
  free(owned);
  if (n_rows)
    *n_rows = sink.n_rows;
  return err;
}
