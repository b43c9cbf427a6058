/*
 * backends/metric_plugin.c — metric plugins (ABI v1,
 * include/sepbench/metric.h): the check of a description, the calls in
 * this process or in a forked child with shared memory for the values
 * (backends/isolate.h), like separator plugins (backends/plugin.c).
 */
#include <config.h>

#include "backends/metric_plugin.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/api.h"
#include "backends/dynload.h"
#include "backends/isolate.h"
#include "common/escape.h"
#include "metrics/metric_config.h"

struct sb_metric_plugin {
  sb_dynload *lib;
  const char *path; /* owned by lib */
  const sb_metric_api *api;
};

/* ---- the description --------------------------------------------------- */

/* Checks the n value names of one kind (kind: "per-target"). */
static sb_err check_value_names(const sb_metric_api *api, int n, const char *const *names, const char *kind,
                                sb_msg *msg)
{
  if (n < 0 || n > SB_METRIC_PLUGIN_MAX_VALUES)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s': %d %s values (0 to %d)", api->name, n, kind,
                      SB_METRIC_PLUGIN_MAX_VALUES);
  if (n > 0 && !names)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s': no names for its %d %s values", api->name, n, kind);
  for (int k = 0; k < n; k++) {
    sb_err err = sb_backend_check_name("metric", names[k], "_.+-", msg);
    if (err)
      return err;
    if (sb_metric_name_is_builtin(names[k]))
      return sb_msg_set(msg, SB_EINVAL, "metric '%s': value '%s' has the name of a sepbench metric", api->name,
                        names[k]);
  }
  return SB_OK;
}

/* A name used twice among both lists, or NULL. */
static const char *repeated_name(const sb_metric_api *api)
{
  const int n = api->n_target_metrics + api->n_track_metrics;
  for (int a = 0; a < n; a++)
    for (int b = a + 1; b < n; b++) {
      const char *x = a < api->n_target_metrics ? api->target_metrics[a] : api->track_metrics[a - api->n_target_metrics];
      const char *y = b < api->n_target_metrics ? api->target_metrics[b] : api->track_metrics[b - api->n_target_metrics];
      if (strcmp(x, y) == 0)
        return x;
    }
  return NULL;
}

static int version_ok(const char *version)
{
  size_t len = version ? strlen(version) : 0;
  return len >= 1 && len <= 63 && !strchr(version, ';') && sb_control_char_at(version) < 0;
}

sb_err sb_metric_api_check(const sb_metric_api *api, sb_msg *msg)
{
  const char *twice;
  sb_err err;

  if (!api)
    return sb_msg_set(msg, SB_EINVAL, "metric description is NULL");
  if (api->abi_version != SB_METRIC_ABI_VERSION)
    return sb_msg_set(msg, SB_EUNSUPPORTED, "metric '%s': ABI version %d, sepbench speaks version %d",
                      api->name ? api->name : "(unnamed)", api->abi_version, SB_METRIC_ABI_VERSION);
  err = sb_backend_check_name("metric plugin", api->name, "_.-", msg);
  if (err)
    return err;
  if (!version_ok(api->version))
    return sb_msg_set(msg, SB_EINVAL, "metric '%s': its version must have 1 to 63 printable characters, no ';'",
                      api->name);
  if (!api->description)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s' has no description", api->name);
  err = check_value_names(api, api->n_target_metrics, api->target_metrics, "per-target", msg);
  if (!err)
    err = check_value_names(api, api->n_track_metrics, api->track_metrics, "per-track", msg);
  if (err)
    return err;
  if (api->n_target_metrics + api->n_track_metrics == 0)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s' declares no value", api->name);
  if ((twice = repeated_name(api)) != NULL)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s': value '%s' is declared twice", api->name, twice);
  if (!api->create || !api->compute || !api->destroy)
    return sb_msg_set(msg, SB_EINVAL, "metric '%s' lacks its create, compute or destroy function", api->name);
  return SB_OK;
}

/* ---- the calls ----------------------------------------------------------- */

/* The calls in order; in a child the parent names the one under way. */
typedef enum metric_stage { STAGE_CREATE, STAGE_COMPUTE, STAGE_DESTROY, STAGE_FINISHED } metric_stage;

static const char *stage_name(int stage)
{
  static const char *const names[] = {"create()", "compute()", "destroy()", "exit"};
  return stage >= STAGE_CREATE && stage <= STAGE_FINISHED ? names[stage] : "an unknown call";
}

/* create, compute (when job is not NULL), destroy; the reason of an error
 * is in errbuf, the failing call in *failed_in.  *stage (in shared memory
 * for a child) follows the calls. */
static sb_err run_calls(const sb_metric_api *api, const char *options, const sb_metric_job *job, char *errbuf,
                        size_t errlen, volatile int *stage, volatile int *failed_in)
{
  void *state = NULL;
  sb_err err;

  *stage = STAGE_CREATE;
  *failed_in = STAGE_CREATE;
  err = api->create(&state, options ? options : "", errbuf, errlen);
  if (err) {
    *stage = STAGE_FINISHED;
    return err;
  }
  if (job) {
    *stage = STAGE_COMPUTE;
    *failed_in = STAGE_COMPUTE;
    err = api->compute(state, job);
  }
  *stage = STAGE_DESTROY;
  api->destroy(state);
  *stage = STAGE_FINISHED;
  return err;
}

/* The message of an error the plugin returned. */
static sb_err call_error(sb_err err, int failed_in, const char *name, const char *track, const char *reason,
                         sb_msg *msg)
{
  const char *why = reason[0] ? reason : sb_strerror(err);
  if (failed_in == STAGE_CREATE)
    return sb_msg_set(msg, err, "metric %s: cannot start: %s", name, why);
  return sb_msg_set(msg, err, "metric %s failed on '%s': %s", name, track ? track : "?", why);
}

sb_err sb_metric_api_compute(const sb_metric_api *api, const char *name, const char *options,
                             const sb_metric_job *job, sb_msg *msg)
{
  char reason[1024] = "";
  sb_metric_job call;
  int stage, failed_in;
  sb_err err;

  if (!api || !name || !job)
    return sb_msg_set(msg, SB_EINVAL, "metric: NULL argument");
  call = *job;
  call.errbuf = reason;
  call.errlen = sizeof reason;
  err = run_calls(api, options, &call, reason, sizeof reason, &stage, &failed_in);
  reason[sizeof reason - 1] = '\0';
  return err ? call_error(err, failed_in, name, job->track, reason, msg) : SB_OK;
}

/* ---- loading -------------------------------------------------------------- */

sb_err sb_metric_plugin_open(const char *path, sb_metric_plugin **out, sb_msg *msg)
{
  sb_metric_plugin *plugin;
  sb_dynload_fn fn;
  sb_metric_entry_fn entry;
  sb_msg check;
  sb_err err;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "metric plugin: no result pointer");
  *out = NULL;
  if (!path || !*path)
    return sb_msg_set(msg, SB_EINVAL, "metric plugin: empty path (expected --metric-plugin PATH.so)");
  plugin = calloc(1, sizeof *plugin);
  if (!plugin)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  err = sb_dynload_open(path, SB_METRIC_ENTRY, "metric", &plugin->lib, &fn, msg);
  if (err)
    goto fail;
  plugin->path = sb_dynload_path(plugin->lib);
  entry = (sb_metric_entry_fn)fn;
  plugin->api = entry();
  if (!plugin->api) {
    err = sb_msg_set(msg, SB_EBACKEND, "plugin %s: %s() returned NULL", plugin->path, SB_METRIC_ENTRY);
    goto fail;
  }
  sb_msg_clear(&check);
  err = sb_metric_api_check(plugin->api, &check);
  if (err) {
    sb_msg_set(msg, err, "plugin %s: %s", plugin->path, check.text);
    goto fail;
  }
  *out = plugin;
  return SB_OK;
fail:
  sb_metric_plugin_free(&plugin);
  return err;
}

const sb_metric_api *sb_metric_plugin_api(const sb_metric_plugin *plugin)
{
  return plugin ? plugin->api : NULL;
}

const char *sb_metric_plugin_path(const sb_metric_plugin *plugin)
{
  return plugin ? plugin->path : NULL;
}

void sb_metric_plugin_free(sb_metric_plugin **plugin)
{
  if (!plugin || !*plugin)
    return;
  sb_dynload_free(&(*plugin)->lib);
  free(*plugin);
  *plugin = NULL;
}

/* ---- in a child ----------------------------------------------------------- */

/* The shared region: written by the child, read by the parent. */
typedef struct metric_shared {
  int stage;         /* metric_stage reached */
  int err;           /* sb_err of create() or compute() */
  int failed_in;     /* with err: STAGE_CREATE or STAGE_COMPUTE */
  char reason[1024]; /* the plugin's errbuf */
  double values[];   /* the job's target values, then its track values */
} metric_shared;

typedef struct metric_call {
  const sb_metric_api *api;
  const char *options;
  const sb_metric_job *job; /* values point into the shared region; NULL:
                               create and destroy only (start-up check) */
} metric_call;

/* Runs in the child: only the plugin and plain stores, no stdio. */
static int metric_child(void *ctx, void *shared)
{
  const metric_call *call = ctx;
  metric_shared *out = shared;
  const sb_err err = run_calls(call->api, call->options, call->job, out->reason, sizeof out->reason,
                               (volatile int *)&out->stage, (volatile int *)&out->failed_in);
  out->err = (int)err;
  return err ? 1 : 0;
}

/* Forks call and turns a child that did not finish into an error naming
 * the plugin, the call and (track not NULL) the track.  SB_OK: the calls
 * returned (the plugin's own error, if any, is in the shared region). */
static sb_err call_in_child(const sb_metric_plugin *plugin, sb_isolate *iso, const metric_call *call,
                            double timeout_s, const volatile sig_atomic_t *cancel, const char *track, sb_msg *msg)
{
  metric_shared *shared = sb_isolate_shared(iso);
  char who[PATH_MAX + 16], where[600] = "";
  sb_isolate_status status;
  sb_err err = sb_isolate_run(iso, metric_child, (void *)call, timeout_s, cancel, &status, msg);

  if (err)
    return err;
  snprintf(who, sizeof who, "plugin %s", plugin->path);
  if (track)
    snprintf(where, sizeof where, " on '%s'", track);
  err = sb_isolate_verdict(&status, shared->stage == STAGE_FINISHED, timeout_s, who, stage_name(shared->stage),
                           where, msg);
  shared->reason[sizeof shared->reason - 1] = '\0';
  return err;
}

sb_err sb_metric_plugin_check_isolated(const sb_metric_plugin *plugin, const char *options, double timeout_s,
                                       sb_msg *msg)
{
  sb_isolate *iso = NULL;
  metric_call call;
  sb_err err;

  if (!plugin)
    return sb_msg_set(msg, SB_EINVAL, "metric plugin: NULL argument");
  err = sb_isolate_new(sizeof(metric_shared), &iso, msg);
  if (err)
    return err;
  call = (metric_call){plugin->api, options, NULL};
  err = call_in_child(plugin, iso, &call, timeout_s, NULL, NULL, msg);
  if (!err) {
    /* The plugin's own refusal: its reason alone, as for separators. */
    const metric_shared *shared = sb_isolate_shared(iso);
    err = (sb_err)shared->err;
    if (err)
      sb_msg_set(msg, err, "%s", shared->reason[0] ? shared->reason : sb_strerror(err));
  }
  sb_isolate_free(&iso);
  return err;
}

sb_err sb_metric_plugin_compute_isolated(const sb_metric_plugin *plugin, const char *name, const char *options,
                                         const sb_metric_job *job, double timeout_s,
                                         const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  sb_isolate *iso = NULL;
  metric_shared *shared;
  metric_call call;
  sb_metric_job child_job;
  size_t n_target_values, n_values;
  sb_err err;

  if (!plugin || !name || !job || job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1 ||
      !job->target_values || !job->track_values)
    return sb_msg_set(msg, SB_EINVAL, "metric plugin: NULL argument or empty job");
  n_target_values = (size_t)job->n_targets * (size_t)plugin->api->n_target_metrics;
  n_values = n_target_values + (size_t)plugin->api->n_track_metrics;
  err = sb_isolate_new(offsetof(metric_shared, values) + (n_values + 1) * sizeof(double), &iso, msg);
  if (err)
    return err;
  shared = sb_isolate_shared(iso);
  for (size_t i = 0; i < n_values; i++)
    shared->values[i] = NAN;
  child_job = *job;
  child_job.target_values = shared->values;
  child_job.track_values = shared->values + n_target_values;
  child_job.errbuf = shared->reason;
  child_job.errlen = sizeof shared->reason;
  call = (metric_call){plugin->api, options, &child_job};
  err = call_in_child(plugin, iso, &call, timeout_s, cancel, job->track ? job->track : "", msg);
  if (!err && shared->err)
    err = call_error((sb_err)shared->err, shared->failed_in, name, job->track, shared->reason, msg);
  if (!err) {
    memcpy(job->target_values, shared->values, n_target_values * sizeof(double));
    memcpy(job->track_values, shared->values + n_target_values,
           (size_t)plugin->api->n_track_metrics * sizeof(double));
  }
  sb_isolate_free(&iso);
  return err;
}
