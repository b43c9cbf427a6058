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
#include "common/targets.h"

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

/* A JSON string as simplejson writes it with ensure_ascii: non-ASCII as
 * \uXXXX (surrogate pairs above U+FFFF). */
static void write_json_ascii_string(FILE *f, const char *text)
{
  const unsigned char *p = (const unsigned char *)text;
  fputc('"', f);
  while (*p) {
    unsigned cp = *p;
    int extra = 0;
    if (cp >= 0x80) {
      extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
      cp &= extra == 3 ? 0x07u : extra == 2 ? 0x0fu : 0x1fu;
      for (int k = 1; k <= extra && p[k]; k++)
        cp = (cp << 6) | (p[k] & 0x3fu);
    }
    if (cp == '"' || cp == '\\')
      fprintf(f, "\\%c", (int)cp);
    else if (cp == '\n')
      fputs("\\n", f);
    else if (cp == '\r')
      fputs("\\r", f);
    else if (cp == '\t')
      fputs("\\t", f);
    else if (cp == '\b')
      fputs("\\b", f);
    else if (cp == '\f')
      fputs("\\f", f);
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000))
      fprintf(f, "\\u%04x", cp);
    else if (cp >= 0x10000)
      fprintf(f, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else
      fputc((int)cp, f);
    for (int k = 0; k <= extra && *p; k++)
      p++;
  }
  fputc('"', f);
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
    write_json_ascii_string(f, t->name);
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

/* ---------------------------------------------------------------- store access */

sb_err sb_report_default_config(sb_store *s, const char *suite, const char *metric,
                                char **config, sb_msg *msg)
{
  static const char *const queries[] = {"lb_default_config_frame", "lb_default_config_track"};
  if (!s || !metric || !config)
    return sb_msg_set(msg, SB_EINVAL, "report: NULL argument");
  *config = NULL;
  for (int q = 0; q < 2; q++) {
    sqlite3_stmt *st = NULL;
    sb_err err = sb_store_query(s, queries[q], &st, msg);
    int rc;
    if (err)
      return err;
    sqlite3_bind_text(st, 1, suite, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const char *text = (const char *)sqlite3_column_text(st, 0);
      *config = text ? strdup(text) : NULL;
      sqlite3_finalize(st);
      return *config ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "report: out of memory");
    }
    if (rc != SQLITE_DONE) {
      err = sb_msg_set(msg, SB_EDB, "report: %s: %s", queries[q],
                       sqlite3_errmsg(sqlite3_db_handle(st)));
      sqlite3_finalize(st);
      return err;
    }
    sqlite3_finalize(st);
  }
  return sb_msg_set(msg, SB_ENOTFOUND, "report: no values of %s in %s%s", metric,
                    suite ? "suite " : "the store", suite ? suite : "");
}

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

/* Reads the frame values of an item, targets in musdb order. */
static sb_err read_item_frames(sb_store *s, int64_t item_id, item_frames *it, sb_msg *msg)
{
  sqlite3_stmt *st = NULL;
  sb_err err = sb_store_query(s, "rp_item_frames", &st, msg);
  int rc;
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, item_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *target = (const char *)sqlite3_column_text(st, 0);
    const char *metric = (const char *)sqlite3_column_text(st, 1);
    int64_t k = sqlite3_column_int64(st, 2);
    int m = metric ? metric_index(metric) : -1;
    target_frames *t;
    if (!target || !metric) {
      err = sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
      goto done;
    }
    if (m < 0 || k < 0)
      continue;
    t = item_target(it, target);
    if (!t || target_reserve(t, k) != SB_OK) {
      err = sb_msg_set(msg, SB_ENOMEM, "export: out of memory");
      goto done;
    }
    t->time_s[k] = sqlite3_column_double(st, 3);
    t->duration_s[k] = sqlite3_column_double(st, 4);
    t->values[k * SB_MUSEVAL_N + m] =
      sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
  }
  if (rc != SQLITE_DONE)
    err = sb_msg_set(msg, SB_EDB, "export: rp_item_frames: %s",
                     sqlite3_errmsg(sqlite3_db_handle(st)));
  else
    qsort(it->targets, (size_t)it->n, sizeof *it->targets, compare_targets);
done:
  sqlite3_finalize(st);
  return err;
}

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

/* Resolves the config of the selection (given or default); *owned is what
 * the caller frees. */
static sb_err selection_config(sb_store *s, const sb_export_opts *o, const char **config,
                               char **owned, sb_msg *msg)
{
  *owned = NULL;
  if (o->config) {
    *config = o->config;
    return SB_OK;
  }
  sb_err err = sb_report_default_config(s, o->suite, "SDR", owned, msg);
  *config = *owned;
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
  static const sb_export_opts defaults = {0};
  sqlite3_stmt *st = NULL;
  const char *config;
  char *owned = NULL;
  int n_items = 0, n_written = 0, rc;
  sb_err err;

  if (n_files)
    *n_files = 0;
  if (!s || !dir)
    return sb_msg_set(msg, SB_EINVAL, "export: no store or output directory");
  if (!o)
    o = &defaults;
  err = selection_config(s, o, &config, &owned, msg);
  if (err)
    return err;
  err = make_dirs(dir, msg);
  if (err)
    goto done;
  err = sb_store_query(s, "rp_items", &st, msg);
  if (err)
    goto done;
  sqlite3_bind_text(st, 1, o->suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, o->method, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *method = (const char *)sqlite3_column_text(st, 1);
    const char *track = (const char *)sqlite3_column_text(st, 2);
    const char *subset = (const char *)sqlite3_column_text(st, 3);
    char method_part[256], track_part[512], subset_part[256], folder[4096], path[4096];
    int written, n_folder, n_path;
    path_component(method, method_part, sizeof method_part);
    path_component(track, track_part, sizeof track_part);
    path_component(subset ? subset : "test", subset_part, sizeof subset_part);
    if (o->method)
      n_folder = snprintf(folder, sizeof folder, "%s/%s", dir, subset_part);
    else
      n_folder = snprintf(folder, sizeof folder, "%s/%s/%s", dir, method_part, subset_part);
    n_path = n_folder < (int)sizeof folder
               ? snprintf(path, sizeof path, "%.*s/%s.json", (int)(sizeof folder - 1024), folder,
                          track_part)
               : (int)sizeof path;
    if (n_path >= (int)sizeof path) {
      err = sb_msg_set(msg, SB_EIO, "%s: path too long for track '%s'", dir, track);
      goto done;
    }
    n_items++;
    err = make_dirs(folder, msg);
    if (err)
      goto done;
    err = write_item_file(s, sqlite3_column_int64(st, 0), path, &written, msg);
    if (err)
      goto done;
    n_written += written;
  }
  if (rc != SQLITE_DONE) {
    err = sb_msg_set(msg, SB_EDB, "export: rp_items: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
    goto done;
  }
  if (n_items == 0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "export: no results%s%s%s%s for config %s",
                     o->method ? " of method " : "", o->method ? o->method : "",
                     o->suite ? " in suite " : "", o->suite ? o->suite : "", config);
done:
  sqlite3_finalize(st);
  free(owned);
  if (n_files)
    *n_files = n_written;
  return err;
}

/* ---------------------------------------------------------------- CSV */


static void write_csv_value(FILE *f, sqlite3_stmt *st, int column)
{
  double value;
  if (sqlite3_column_type(st, column) == SQLITE_NULL)
    return;
  value = sqlite3_column_double(st, column);
  if (isinf(value))
    fputs(value > 0 ? "inf" : "-inf", f);
  else if (!isnan(value))
    fprintf(f, "%.17g", value);
}

/* The CSV rows of one item: frame values, then per-track values. */
static sb_err write_item_csv(sb_store *s, int64_t item_id, const char *method, const char *track,
                             FILE *f, int64_t *n_rows, sb_msg *msg)
{
  static const char *const queries[] = {"rp_item_frames", "rp_item_track_values"};
  for (int q = 0; q < 2; q++) {
    sqlite3_stmt *st = NULL;
    sb_err err = sb_store_query(s, queries[q], &st, msg);
    int rc;
    if (err)
      return err;
    sqlite3_bind_int64(st, 1, item_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      sb_csv_write_field(f, method);
      fputc(',', f);
      sb_csv_write_field(f, track);
      fputc(',', f);
      sb_csv_write_field(f, (const char *)sqlite3_column_text(st, 0));
      fputc(',', f);
      sb_csv_write_field(f, (const char *)sqlite3_column_text(st, 1));
      fputc(',', f);
      if (q == 0)
        fprintf(f, "%.17g", sqlite3_column_double(st, 3));
      fputc(',', f);
      write_csv_value(f, st, q == 0 ? 5 : 2);
      fputc('\n', f);
      (*n_rows)++;
    }
    if (rc != SQLITE_DONE)
      err = sb_msg_set(msg, SB_EDB, "export: %s: %s", queries[q],
                       sqlite3_errmsg(sqlite3_db_handle(st)));
    sqlite3_finalize(st);
    if (err)
      return err;
  }
  return SB_OK;
}

sb_err sb_export_csv(sb_store *s, const sb_export_opts *o, FILE *f, int64_t *n_rows,
                     sb_msg *msg)
{
  static const sb_export_opts defaults = {0};
  sqlite3_stmt *st = NULL;
  const char *config;
  char *owned = NULL;
  int64_t rows = 0;
  int n_items = 0, rc;
  sb_err err;

  if (n_rows)
    *n_rows = 0;
  if (!s || !f)
    return sb_msg_set(msg, SB_EINVAL, "export: no store or output stream");
  if (!o)
    o = &defaults;
  err = selection_config(s, o, &config, &owned, msg);
  if (err)
    return err;
  err = sb_store_query(s, "rp_items", &st, msg);
  if (err)
    goto done;
  sqlite3_bind_text(st, 1, o->suite, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, o->method, -1, SQLITE_STATIC);
  fputs("method,track,target,metric,time,value\n", f);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    n_items++;
    err = write_item_csv(s, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                         (const char *)sqlite3_column_text(st, 2), f, &rows, msg);
    if (err)
      goto done;
  }
  if (rc != SQLITE_DONE) {
    err = sb_msg_set(msg, SB_EDB, "export: rp_items: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
    goto done;
  }
  if (n_items == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "export: no results%s%s%s%s for config %s",
                     o->method ? " of method " : "", o->method ? o->method : "",
                     o->suite ? " in suite " : "", o->suite ? o->suite : "", config);
    goto done;
  }
  if (fflush(f) != 0 || ferror(f))
    err = sb_msg_set(msg, SB_EIO, "export: CSV write error");
done:
  sqlite3_finalize(st);
  free(owned);
  if (n_rows)
    *n_rows = rows;
  return err;
}
