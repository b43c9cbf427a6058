/*
 * backends/user_metrics.c — the table of a run's plug-in metrics and the
 * scoring of one item with them (backends/user_metrics.h).
 *
 * A spec is dispatched by its prefix to the kind that opens it (a loaded
 * plugin with its options, or a loaded [metric NAME] section); each kind
 * names the sb_user_metric_ops that compute with it.  A table is a plain
 * growable array: a run has a handful of metrics.
 */
#include <config.h>

#include "backends/user_metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/api.h"
#include "backends/metric_command.h"
#include "backends/metric_plugin.h"
#include "backends/plugin.h"
#include "common/paths.h"
#include "metrics/metric_config.h"

struct sb_user_metric_table {
  size_t count, capacity;
  sb_user_metric **metrics;
};

/* ---- the kinds --------------------------------------------------------- */

/* plugin:PATH[:options] — the loaded plugin, called with its options in a
 * child or in this process. */
typedef struct plugin_ctx {
  sb_metric_plugin *plugin;
  char *options;
  int isolate;
  double timeout_s;
} plugin_ctx;

static sb_err plugin_compute(void *ctx, const char *name, const sb_metric_job *job,
                             const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  const plugin_ctx *c = ctx;
  const sb_metric_api *api = sb_metric_plugin_api(c->plugin);
  sb_err err;

  if (c->isolate)
    return sb_metric_plugin_compute_isolated(c->plugin, name, c->options, job, c->timeout_s, cancel, msg);
  err = sb_metric_api_compute(api, name, c->options, job, msg);
  if (err) {
    /* The ABI: a failed call leaves every value of the track NaN. */
    for (int i = 0; i < job->n_targets * api->n_target_metrics; i++)
      job->target_values[i] = NAN;
    for (int k = 0; k < api->n_track_metrics; k++)
      job->track_values[k] = NAN;
  }
  return err;
}

static void plugin_destroy(void *ctx)
{
  plugin_ctx *c = ctx;
  if (!c)
    return;
  sb_metric_plugin_free(&c->plugin);
  free(c->options);
  free(c);
}

static const sb_user_metric_ops plugin_ops = {plugin_compute, plugin_destroy};

/* cmd:NAME — the loaded section; the program reports through msg. */
static sb_err command_compute(void *ctx, const char *name, const sb_metric_job *job,
                              const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  (void)name;
  return sb_metric_command_compute(ctx, job, cancel, msg);
}

static void command_destroy(void *ctx)
{
  sb_metric_command *mc = ctx;
  sb_metric_command_free(&mc);
}

static const sb_user_metric_ops command_ops = {command_compute, command_destroy};

/* ---- tables ---------------------------------------------------------------- */

sb_err sb_user_metric_table_new(sb_user_metric_table **out)
{
  if (!out)
    return SB_EINVAL;
  *out = calloc(1, sizeof **out);
  return *out ? SB_OK : SB_ENOMEM;
}

size_t sb_user_metric_table_count(const sb_user_metric_table *table)
{
  return table ? table->count : 0;
}

const sb_user_metric *sb_user_metric_table_at(const sb_user_metric_table *table, size_t i)
{
  return table && i < table->count ? table->metrics[i] : NULL;
}

static void metric_free(sb_user_metric *m)
{
  if (!m)
    return;
  if (m->ops && m->ctx)
    m->ops->destroy(m->ctx);
  free(m->name);
  free(m->key);
  free(m->params);
  free(m);
}

void sb_user_metric_table_free(sb_user_metric_table **table)
{
  if (!table || !*table)
    return;
  for (size_t i = (*table)->count; i-- > 0;)
    metric_free((*table)->metrics[i]);
  free((*table)->metrics);
  free(*table);
  *table = NULL;
}

/* Value name k of m, over both lists. */
static const char *value_name(const sb_user_metric *m, int k)
{
  return k < m->n_target_metrics ? m->target_metrics[k] : m->track_metrics[k - m->n_target_metrics];
}

/* Refuses a metric the store would confuse with one of the table: the
 * same name, or a value name another metric declares too. */
static sb_err check_names(const sb_user_metric_table *table, const sb_user_metric *m, sb_msg *msg)
{
  for (size_t i = 0; i < table->count; i++) {
    const sb_user_metric *o = table->metrics[i];
    if (strcmp(o->name, m->name) == 0)
      return sb_msg_set(msg, SB_EINVAL, "metric %s is given twice", m->name);
    for (int a = 0; a < m->n_target_metrics + m->n_track_metrics; a++)
      for (int b = 0; b < o->n_target_metrics + o->n_track_metrics; b++)
        if (strcmp(value_name(m, a), value_name(o, b)) == 0)
          return sb_msg_set(msg, SB_EINVAL, "metrics %s and %s both compute '%s'", o->name, m->name,
                            value_name(m, a));
  }
  return SB_OK;
}

/* Checks and appends m (owned: freed on failure). */
static sb_err table_append(sb_user_metric_table *table, sb_user_metric *m, sb_msg *msg)
{
  sb_err err;
  if (!m->name || !m->key || !m->params) {
    metric_free(m);
    return sb_msg_set(msg, SB_ENOMEM, "metric: out of memory");
  }
  err = check_names(table, m, msg);
  if (!err && table->count == table->capacity) {
    const size_t capacity = table->capacity ? 2 * table->capacity : 4;
    sb_user_metric **grown = realloc(table->metrics, capacity * sizeof *grown);
    if (!grown)
      err = sb_msg_set(msg, SB_ENOMEM, "metric: out of memory");
    else {
      table->metrics = grown;
      table->capacity = capacity;
    }
  }
  if (err) {
    metric_free(m);
    return err;
  }
  table->metrics[table->count++] = m;
  return SB_OK;
}

/* A new metric of a kind: its name "KIND:NAME", key and params (NULL
 * fields on ENOMEM, caught by table_append). */
static sb_user_metric *metric_new(const char *kind, const char *name, const char *version, const char *options,
                                  const char *params, const sb_user_metric_ops *ops, void *ctx)
{
  sb_user_metric *m = calloc(1, sizeof *m);
  char key[1024];
  if (!m) {
    ops->destroy(ctx);
    return NULL;
  }
  m->ops = ops;
  m->ctx = ctx;
  if (sb_path_printf(&m->name, "%s:%s", kind, name) != SB_OK ||
      sb_metric_user_key(kind, name, version, options, key, sizeof key) != SB_OK)
    return m;
  m->key = strdup(key);
  m->params = strdup(params);
  return m;
}

/* The start-up check of a plugin's options: create() and destroy() once,
 * in a child unless in process. */
static sb_err plugin_startup(const plugin_ctx *c, sb_msg *msg)
{
  const sb_metric_api *api = sb_metric_plugin_api(c->plugin);
  char reason[512] = "";
  void *state = NULL;
  sb_err err;
  if (c->isolate)
    return sb_metric_plugin_check_isolated(c->plugin, c->options, c->timeout_s, msg);
  err = api->create(&state, c->options, reason, sizeof reason);
  if (err)
    return sb_msg_set(msg, err, "%s", reason[0] ? reason : sb_strerror(err));
  api->destroy(state);
  return SB_OK;
}

/* plugin:PATH[:key=value,...] */
static sb_err open_plugin(sb_user_metric_table *table, char *path, const sb_user_metric_env *env, sb_msg *msg)
{
  char *colon = sb_plugin_options_colon(path), *params = NULL;
  plugin_ctx *c = calloc(1, sizeof *c);
  const sb_metric_api *api;
  sb_user_metric *m;
  sb_msg why;
  sb_err err;

  if (colon)
    *colon = '\0';
  if (!c || !(c->options = strdup(colon ? colon + 1 : ""))) {
    plugin_destroy(c);
    return sb_msg_set(msg, SB_ENOMEM, "--metric-plugin: out of memory");
  }
  c->isolate = !env->plugin_in_process;
  c->timeout_s = env->plugin_timeout_s;
  sb_msg_clear(&why);
  err = sb_metric_plugin_open(path, &c->plugin, msg);
  if (!err && (err = plugin_startup(c, &why)) != SB_OK)
    sb_msg_set(msg, err, "--metric-plugin %s: %s", path, why.text);
  if (err) {
    plugin_destroy(c);
    return err;
  }
  api = sb_metric_plugin_api(c->plugin);
  sb_path_printf(&params, "%s%s%s", sb_metric_plugin_path(c->plugin), c->options[0] ? ":" : "", c->options);
  m = metric_new("plugin", api->name, api->version, c->options, params ? params : "", &plugin_ops, c);
  free(params);
  if (!m)
    return sb_msg_set(msg, SB_ENOMEM, "--metric-plugin: out of memory");
  m->n_target_metrics = api->n_target_metrics;
  m->target_metrics = api->target_metrics;
  m->n_track_metrics = api->n_track_metrics;
  m->track_metrics = api->track_metrics;
  return table_append(table, m, msg);
}

/* cmd:NAME */
static sb_err open_command(sb_user_metric_table *table, char *name, const sb_user_metric_env *env, sb_msg *msg)
{
  sb_metric_command *mc = NULL;
  sb_user_metric *m;
  sb_err err;

  if (strchr(name, ':'))
    return sb_msg_set(msg, SB_EINVAL,
                      "--metric-command %s: a command metric takes no options (set them in its config)", name);
  err = sb_metric_command_load(env->command_config, name, &mc, msg);
  if (err)
    return err;
  m = metric_new("cmd", name, sb_metric_command_version(mc), NULL, sb_metric_command_template(mc), &command_ops,
                 mc);
  if (!m)
    return sb_msg_set(msg, SB_ENOMEM, "--metric-command: out of memory");
  if (sb_metric_command_per_track(mc)) {
    m->n_track_metrics = sb_metric_command_n_metrics(mc);
    m->track_metrics = sb_metric_command_metrics(mc);
  } else {
    m->n_target_metrics = sb_metric_command_n_metrics(mc);
    m->target_metrics = sb_metric_command_metrics(mc);
  }
  return table_append(table, m, msg);
}

sb_err sb_user_metric_table_open(sb_user_metric_table *table, const char *spec, const sb_user_metric_env *env,
                                 sb_msg *msg)
{
  static const sb_user_metric_env defaults = {.plugin_timeout_s = SB_PLUGIN_DEFAULT_TIMEOUT_S};
  char *copy;
  sb_err err;

  if (!table || !spec)
    return sb_msg_set(msg, SB_EINVAL, "metric: no table or no spec");
  copy = strdup(spec);
  if (!copy)
    return sb_msg_set(msg, SB_ENOMEM, "metric: out of memory");
  if (strncmp(copy, "plugin:", 7) == 0)
    err = open_plugin(table, copy + 7, env ? env : &defaults, msg);
  else if (strncmp(copy, "cmd:", 4) == 0)
    err = open_command(table, copy + 4, env ? env : &defaults, msg);
  else
    err = sb_msg_set(msg, SB_EINVAL, "metric '%s': expected plugin:PATH.so[:key=value,...] or cmd:NAME", spec);
  free(copy);
  return err;
}

/* ---- scoring ------------------------------------------------------------ */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sb_user_scores_free(sb_user_scores **scores)
{
  if (!scores || !*scores)
    return;
  for (int i = 0; (*scores)->results && i < (*scores)->n_metrics; i++) {
    free((*scores)->results[i].target_values);
    free((*scores)->results[i].track_values);
  }
  free((*scores)->results);
  free(*scores);
  *scores = NULL;
}

/* After a metric returned: a note naming its first NaN values. */
static void note_nans(const sb_user_metric *m, const sb_metric_job *job, sb_user_metric_result *r)
{
  char list[512];
  size_t used = 0;
  int n = 0;
  for (int t = 0; t < job->n_targets; t++)
    for (int k = 0; k < m->n_target_metrics; k++)
      if (isnan(r->target_values[(size_t)t * (size_t)m->n_target_metrics + (size_t)k]) && n++ < 4 &&
          used < sizeof list)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s of '%.60s'", n > 1 ? ", " : "",
                                 m->target_metrics[k], job->targets[t]);
  for (int k = 0; k < m->n_track_metrics; k++)
    if (isnan(r->track_values[k]) && n++ < 4 && used < sizeof list)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", n > 1 ? ", " : "", m->track_metrics[k]);
  if (n)
    sb_msg_set(&r->message, SB_OK, "%s on '%s': NaN (not defined): %s%s", m->name, job->track ? job->track : "?",
               list, n > 4 ? ", ..." : "");
}

/* Fresh NaN buffers for the values of m. */
static sb_err result_alloc(const sb_user_metric *m, int n_targets, sb_user_metric_result *r)
{
  const size_t n_target = (size_t)n_targets * (size_t)m->n_target_metrics;
  r->target_values = malloc((n_target + 1) * sizeof *r->target_values);
  r->track_values = malloc(((size_t)m->n_track_metrics + 1) * sizeof *r->track_values);
  if (!r->target_values || !r->track_values)
    return SB_ENOMEM;
  for (size_t i = 0; i < n_target; i++)
    r->target_values[i] = NAN;
  for (int k = 0; k < m->n_track_metrics; k++)
    r->track_values[k] = NAN;
  return SB_OK;
}

/* Runs metric m on job into r; SB_EINTERRUPT (cancel set) and SB_ENOMEM
 * are returned, every other failure is kept in r. */
static sb_err score_one(const sb_user_metric *m, const sb_metric_job *job, const volatile sig_atomic_t *cancel,
                        sb_user_metric_result *r)
{
  sb_metric_job call = *job;
  char reason[1024] = "";
  sb_msg why;
  double t0;
  sb_err err = result_alloc(m, job->n_targets, r);

  r->wanted = 1;
  if (err)
    return err;
  call.target_values = r->target_values;
  call.track_values = r->track_values;
  call.errbuf = reason;
  call.errlen = sizeof reason;
  sb_msg_clear(&why);
  t0 = now_s();
  err = m->ops->compute(m->ctx, m->name, &call, cancel, &why);
  r->wall_s = now_s() - t0;
  if ((err == SB_EINTERRUPT && cancel && *cancel) || err == SB_ENOMEM)
    return err;
  r->err = err;
  if (err)
    sb_msg_set(&r->message, err, "%s", why.text[0] ? why.text : sb_strerror(err));
  else
    note_nans(m, job, r);
  return SB_OK;
}

sb_err sb_user_metrics_score(const sb_user_metric_table *table, const unsigned char *want, const sb_metric_job *job,
                             const volatile sig_atomic_t *cancel, sb_user_scores **out, sb_msg *msg)
{
  sb_user_scores *scores;
  sb_err err = SB_OK;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "metrics: no result pointer");
  *out = NULL;
  if (!table || !job || job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1 || !job->targets ||
      !job->refs || !job->ests)
    return sb_msg_set(msg, SB_EINVAL, "metrics: no table or an empty job");
  scores = calloc(1, sizeof *scores);
  if (!scores || !(scores->results = calloc(table->count + 1, sizeof *scores->results))) {
    free(scores);
    return sb_msg_set(msg, SB_ENOMEM, "metrics: out of memory");
  }
  scores->n_metrics = (int)table->count;
  scores->n_targets = job->n_targets;
  for (size_t i = 0; !err && i < table->count; i++)
    if (!want || want[i])
      err = score_one(table->metrics[i], job, cancel, &scores->results[i]);
  if (err) {
    sb_user_scores_free(&scores);
    return err == SB_ENOMEM ? sb_msg_set(msg, err, "metrics on '%s': out of memory", job->track ? job->track : "?")
                            : sb_msg_set(msg, err, "metrics on '%s': interrupted", job->track ? job->track : "?");
  }
  *out = scores;
  return SB_OK;
}
