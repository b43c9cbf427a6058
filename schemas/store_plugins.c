/*
 * schemas/store_plugins.c — plug-in metric values in the results store
 * (see store_plugins.h): the look-ups a run plans with and the writes of
 * plug-in records with their values, by the named statements of
 * queries.sql.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemas/store_plugins.h"
#include "common/targets.h"
#include "metrics/metric_config.h"
#include "schemas/statements.h"

sb_err sb_store_plugin_done(sb_store *s, int64_t track_id, int64_t method_id, const char *config, const char *name,
                            const char *key, int *done)
{
  sqlite3_stmt *st;
  sb_err err;

  if (!s || !config || !name || !key || !done)
    return s ? sb_stmt_error(s, NULL, SB_EINVAL, "%s: plugin_done: NULL argument", s->path) : SB_EINVAL;
  *done = 0;
  err = sb_stmt_get(s, SB_SQL_SELECT_PLUGIN_METRIC, &st, NULL);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, track_id);
  sqlite3_bind_int64(st, 2, method_id);
  sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
  switch (sqlite3_step(st)) {
  case SQLITE_ROW: {
    const char *stored_key = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 1);
    *done = stored_key && status && strcmp(stored_key, key) == 0 && strcmp(status, "done") == 0;
    break;
  }
  case SQLITE_DONE:
    break;
  default:
    err = sb_stmt_db_error(s, SB_SQL_SELECT_PLUGIN_METRIC, NULL);
  }
  sb_stmt_release(st);
  return err;
}

/* The 'done' item of (track, method, config): *item_id = 0 when absent;
 * its permutation text (malloc'd, may be NULL) into *perm when perm is not
 * NULL. */
static sb_err find_done_item(sb_store *s, int64_t track_id, int64_t method_id, const char *config,
                             int64_t *item_id, char **perm, sb_msg *msg)
{
  sqlite3_stmt *st;
  int rc;
  sb_err err = sb_stmt_get(s, SB_SQL_SELECT_DONE_ITEM, &st, msg);

  *item_id = 0;
  if (perm)
    *perm = NULL;
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, track_id);
  sqlite3_bind_int64(st, 2, method_id);
  sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 1);
    *item_id = sqlite3_column_int64(st, 0);
    if (perm && text && !(*perm = strdup(text)))
      err = sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
  } else if (rc != SQLITE_DONE) {
    err = sb_stmt_db_error(s, SB_SQL_SELECT_DONE_ITEM, msg);
  }
  sb_stmt_release(st);
  return err;
}

/* Parses "[p0,p1,...]" of n entries in [0, n) into perm.  1 on success. */
static int parse_perm(const char *text, int n, int *perm)
{
  const char *p = text;
  int used = 0;
  if (sscanf(p, " [%n", &used) != 0 || used == 0)
    return 0;
  p += used;
  for (int j = 0; j < n; j++) {
    int v = -1;
    used = 0;
    if (sscanf(p, j ? " ,%d%n" : "%d%n", &v, &used) != 1 || v < 0 || v >= n)
      return 0;
    perm[j] = v;
    p += used;
  }
  used = 0;
  return sscanf(p, " ]%n", &used) == 0 && used > 0 && p[used] == '\0';
}

sb_err sb_store_item_perm(sb_store *s, int64_t track_id, int64_t method_id, const char *config, int n, int *perm,
                          int *found)
{
  int64_t item_id;
  char *text = NULL;
  int parsed[64];
  sb_err err;

  if (!s || !config || !perm || !found || n < 1 || n > 64)
    return s ? sb_stmt_error(s, NULL, SB_EINVAL, "%s: item_perm: bad argument", s->path) : SB_EINVAL;
  *found = 0;
  err = find_done_item(s, track_id, method_id, config, &item_id, &text, NULL);
  if (err || item_id == 0)
    goto done;
  if (!text) {
    for (int j = 0; j < n; j++)
      perm[j] = j;
  } else if (parse_perm(text, n, parsed)) {
    memcpy(perm, parsed, (size_t)n * sizeof *perm);
  } else {
    err = sb_stmt_error(s, NULL, SB_EFORMAT, "%s: item %lld: permutation '%.40s' is not %d indices", s->path,
                        (long long)item_id, text, n);
    goto done;
  }
  *found = 1;
done:
  free(text);
  return err;
}

/* The value names of r as a JSON array (names are plain: the plug-in rules
 * allow A-Z a-z 0-9 _ . + - only, so nothing needs escaping).  NULL when
 * out of memory. */
static char *names_json(const sb_plugin_record *r)
{
  size_t cap = 3, used = 0;
  char *text;
  for (int k = 0; k < r->n_target_metrics; k++)
    cap += strlen(r->target_metrics[k]) + 3;
  for (int k = 0; k < r->n_track_metrics; k++)
    cap += strlen(r->track_metrics[k]) + 3;
  if (!(text = malloc(cap)))
    return NULL;
  text[used++] = '[';
  for (int k = 0; k < r->n_target_metrics + r->n_track_metrics; k++)
    used += (size_t)snprintf(text + used, cap - used, "%s\"%s\"", k ? "," : "",
                             k < r->n_target_metrics ? r->target_metrics[k] : r->track_metrics[k - r->n_target_metrics]);
  snprintf(text + used, cap - used, "]");
  return text;
}

/* Runs statement id with (item id, name). */
static sb_err exec_item_name(sb_store *s, sb_sql_id id, int64_t item_id, const char *name, sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, id, &st, msg);
  if (err)
    return err;
  sqlite3_bind_int64(st, 1, item_id);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  return sb_stmt_run(s, st, id, msg);
}

/* Inserts one value; a value name the item holds already for the target is
 * SB_EINVAL. */
static sb_err insert_value(sb_store *s, sqlite3_stmt *st, int64_t item_id, const char *target, const char *metric,
                           double value, const char *owner, sb_msg *msg)
{
  sqlite3_bind_int64(st, 1, item_id);
  sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
  sb_stmt_bind_real(st, 4, value);
  if (sqlite3_step(st) != SQLITE_DONE) {
    if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
      return sb_stmt_error(s, msg, SB_EINVAL, "%s: '%s' of %s is already stored for this item by another metric",
                           s->path, metric, owner);
    return sb_stmt_db_error(s, SB_SQL_INSERT_TRACK_VALUE, msg);
  }
  sqlite3_reset(st);
  return SB_OK;
}

/* The values of one record, per target then under SB_TARGET_TRACK. */
static sb_err insert_values(sb_store *s, int64_t item_id, const sb_item_record *rec, const sb_plugin_record *r,
                            sb_msg *msg)
{
  sqlite3_stmt *st;
  sb_err err = sb_stmt_get(s, SB_SQL_INSERT_TRACK_VALUE, &st, msg);
  for (int t = 0; !err && t < rec->n_targets; t++)
    for (int k = 0; !err && k < r->n_target_metrics; k++)
      err = insert_value(s, st, item_id, rec->targets[t], r->target_metrics[k],
                         r->target_values[(size_t)t * (size_t)r->n_target_metrics + (size_t)k], r->name, msg);
  for (int k = 0; !err && k < r->n_track_metrics; k++)
    err = insert_value(s, st, item_id, SB_TARGET_TRACK, r->track_metrics[k], r->track_values[k], r->name, msg);
  sb_stmt_release(st);
  return err;
}

/* Replaces the record of r->name in item_id (and its values) by r. */
static sb_err write_record(sb_store *s, int64_t item_id, const sb_item_record *rec, const sb_plugin_record *r,
                           sb_msg *msg)
{
  char *names = names_json(r);
  sqlite3_stmt *st;
  sb_err err = names ? SB_OK : sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);

  if (!err)
    err = exec_item_name(s, SB_SQL_DELETE_PLUGIN_VALUES, item_id, r->name, msg);
  if (!err)
    err = exec_item_name(s, SB_SQL_DELETE_PLUGIN_METRIC, item_id, r->name, msg);
  if (!err)
    err = sb_stmt_get(s, SB_SQL_INSERT_PLUGIN_METRIC, &st, msg);
  if (!err) {
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->error ? "failed" : "done", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->error, -1, SQLITE_STATIC);
    if (r->note && r->note[0])
      sqlite3_bind_text(st, 6, r->note, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, names, -1, SQLITE_STATIC);
    sb_stmt_bind_real(st, 8, r->wall_s);
    err = sb_stmt_run(s, st, SB_SQL_INSERT_PLUGIN_METRIC, msg);
  }
  if (!err)
    err = insert_values(s, item_id, rec, r, msg);
  free(names);
  return err;
}

/* The fields every record needs. */
static int record_ok(const sb_item_record *rec, const sb_plugin_record *r)
{
  if (!r->name || !r->key || (r->n_target_metrics > 0 && (!r->target_metrics || !r->target_values)) ||
      (r->n_track_metrics > 0 && (!r->track_metrics || !r->track_values)) || r->n_target_metrics < 0 ||
      r->n_track_metrics < 0)
    return 0;
  for (int t = 0; r->n_target_metrics > 0 && t < rec->n_targets; t++)
    if (!rec->targets || !rec->targets[t])
      return 0;
  return 1;
}

/* The record of recorded group bit (metrics/metric_config.h) of
 * rec->result: the group's whole metrics per target (an improvement only
 * when some target has a value), its per-track metrics under
 * SB_TARGET_TRACK. */
static sb_err write_group_record(sb_store *s, int64_t item_id, const sb_item_record *rec, unsigned bit,
                                 sb_msg *msg)
{
  const sb_eval_result *r = rec->result;
  const char *whole_names[SB_WM_COUNT], *track_names[SB_TM_COUNT];
  double track_values[SB_TM_COUNT], *values;
  int wm[SB_WM_COUNT], n_whole = 0, n_track = 0;
  sb_plugin_record pr = {.wall_s = NAN, .note = r->note};
  sb_err err;
  sb_metric_group_record(bit, &pr.name, &pr.key);
  for (int m = 0; m < SB_WM_COUNT; m++) {
    int computed = !sb_whole_metric_is_improvement(m);
    if (sb_whole_metric_groups(m) != bit)
      continue;
    for (int j = 0; j < r->n_src; j++)
      computed |= !isnan(r->whole[(size_t)j * SB_WM_COUNT + (size_t)m]);
    if (computed) {
      wm[n_whole] = m;
      whole_names[n_whole++] = sb_whole_metric_name(m);
    }
  }
  for (int t = 0; r->track && t < SB_TM_COUNT; t++)
    if (sb_track_metric_groups(t) == bit) {
      track_names[n_track] = sb_track_metric_name(t);
      track_values[n_track++] = r->track[t];
    }
  values = malloc(sizeof *values * ((size_t)n_whole * (size_t)rec->n_targets + 1));
  if (!values)
    return sb_stmt_error(s, msg, SB_ENOMEM, "%s: out of memory", s->path);
  for (int j = 0; j < rec->n_targets; j++)
    for (int k = 0; k < n_whole; k++)
      values[(size_t)j * (size_t)n_whole + (size_t)k] = r->whole[(size_t)j * SB_WM_COUNT + (size_t)wm[k]];
  pr.n_target_metrics = n_whole;
  pr.target_metrics = whole_names;
  pr.target_values = values;
  pr.n_track_metrics = n_track;
  pr.track_metrics = track_names;
  pr.track_values = track_values;
  err = write_record(s, item_id, rec, &pr, msg);
  free(values);
  return err;
}

sb_err sb_store_write_plugins(sb_store *s, int64_t item_id, const sb_item_record *rec, int n_plugins,
                              const sb_plugin_record *plugins, sb_msg *msg)
{
  sb_err err = SB_OK;
  if (n_plugins < 0 || (n_plugins > 0 && !plugins))
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: %d plug-in records without data", s->path, n_plugins);
  if ((rec->recorded & ~(unsigned)SB_METRIC_RECORDED) ||
      (rec->recorded && (!rec->result || rec->result->n_src != rec->n_targets || !rec->targets)))
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: recorded metric groups 0x%x without their result", s->path,
                         rec->recorded);
  for (int i = 0; !err && i < n_plugins; i++) {
    if (!record_ok(rec, &plugins[i]))
      return sb_stmt_error(s, msg, SB_EINVAL, "%s: plug-in record %d has NULL fields", s->path, i);
    err = write_record(s, item_id, rec, &plugins[i], msg);
  }
  for (unsigned bit = 1; !err && bit && bit <= rec->recorded; bit <<= 1)
    if (rec->recorded & bit)
      err = write_group_record(s, item_id, rec, bit, msg);
  return err;
}

sb_err sb_store_put_plugins(sb_store *s, const sb_item_record *rec, int n_plugins, const sb_plugin_record *plugins,
                            sb_msg *msg)
{
  int64_t item_id = 0;
  sb_err err;

  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "sb_store_put_plugins: no store");
  if (!rec || !rec->config)
    return sb_stmt_error(s, msg, SB_EINVAL, "%s: item record or its config is NULL", s->path);
  err = sb_stmt_exec(s, SB_SQL_BEGIN_IMMEDIATE, msg);
  if (err)
    return err;
  err = find_done_item(s, rec->track_id, rec->method_id, rec->config, &item_id, NULL, msg);
  if (!err && item_id == 0)
    err = sb_stmt_error(s, msg, SB_ENOTFOUND, "%s: no stored item to add plug-in metric values to", s->path);
  if (!err)
    err = sb_store_write_plugins(s, item_id, rec, n_plugins, plugins, msg);
  if (!err)
    err = sb_stmt_exec(s, SB_SQL_COMMIT, msg);
  if (err)
    sb_stmt_rollback_if_open(s);
  return err;
}
