/*
 * backends/plugin.c — the loader of separator plugins (ABI v1,
 * include/sepbench/backend.h; dlopen through backends/dynload.h), and their
 * start-up check and separation in a forked child under a time limit
 * (backends/isolate.h).
 */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/api.h"
#include "backends/dynload.h"
#include "backends/isolate.h"
#include "backends/plugin.h"

struct sb_plugin {
  sb_dynload *lib;
  const char *path; /* the loaded path ("./x.so"), owned by lib */
  const sb_backend_api *api;
};

sb_err sb_plugin_open(const char *path, sb_plugin **out, sb_msg *msg)
{
  sb_plugin *plugin;
  sb_dynload_fn fn;
  sb_backend_entry_fn entry;
  sb_msg check;
  sb_err err;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "plugin: no result pointer");
  *out = NULL;
  if (!path || !*path)
    return sb_msg_set(msg, SB_EINVAL, "plugin: empty path (expected plugin:PATH.so)");
  plugin = calloc(1, sizeof *plugin);
  if (!plugin)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  err = sb_dynload_open(path, SB_BACKEND_ENTRY, "backend", &plugin->lib, &fn, msg);
  if (err)
    goto fail;
  plugin->path = sb_dynload_path(plugin->lib);
  entry = (sb_backend_entry_fn)fn;
  plugin->api = entry();
  if (!plugin->api) {
    err = sb_msg_set(msg, SB_EBACKEND, "plugin %s: %s() returned NULL", plugin->path, SB_BACKEND_ENTRY);
    goto fail;
  }
  sb_msg_clear(&check);
  err = sb_backend_check(plugin->api, &check);
  if (err) {
    sb_msg_set(msg, err, "plugin %s: %s", plugin->path, check.text);
    goto fail;
  }
  *out = plugin;
  return SB_OK;
fail:
  sb_plugin_free(&plugin);
  return err;
}

const sb_backend_api *sb_plugin_api(const sb_plugin *plugin)
{
  return plugin ? plugin->api : NULL;
}

/* The calls of the child, in order; the parent names the one that was
 * running when the child died or ran out of time. */
typedef enum plugin_stage { STAGE_CREATE, STAGE_SEPARATE, STAGE_DESTROY, STAGE_FINISHED } plugin_stage;

/* The shared region: written by the child, read by the parent. */
typedef struct plugin_shared {
  int stage;          /* plugin_stage reached */
  int err;            /* sb_err of create() or separate() */
  int failed_in;      /* with err: STAGE_CREATE or STAGE_SEPARATE */
  char reason[1024];  /* the plugin's errbuf */
  double est[];       /* n_targets estimates of n_chan * n_samples */
} plugin_shared;

typedef struct plugin_call {
  const sb_backend_api *api;
  const char *options;
  char *errbuf;              /* the shared reason */
  size_t errlen;
  const sb_separation *job;  /* est points into the shared region; NULL:
                                create and destroy only (start-up check) */
} plugin_call;

/* The name of a stage read back from the shared region (which a faulty
 * plugin may have overwritten). */
static const char *stage_name(int stage)
{
  static const char *const names[] = {"create()", "separate()", "destroy()", "exit"};
  return stage >= STAGE_CREATE && stage <= STAGE_FINISHED ? names[stage] : "an unknown call";
}

/* Runs in the child: only the plugin and plain stores, no stdio. */
static int plugin_child(void *ctx, void *shared)
{
  plugin_call *call = ctx;
  volatile plugin_shared *out = shared;
  void *state = NULL;
  sb_err err;

  out->stage = STAGE_CREATE;
  err = call->api->create(&state, call->options, call->errbuf, call->errlen);
  if (err) {
    out->failed_in = STAGE_CREATE;
  } else {
    if (call->job) {
      out->stage = STAGE_SEPARATE;
      err = call->api->separate(state, call->job);
      out->failed_in = STAGE_SEPARATE;
    }
    out->stage = STAGE_DESTROY;
    call->api->destroy(state);
  }
  out->err = (int)err;
  out->stage = STAGE_FINISHED;
  return err ? 1 : 0;
}

/* Runs call in the child of iso and turns a child that did not finish its
 * calls into an error with a message naming the plugin, the call and, when
 * track is not NULL, the track.  SB_OK: the calls returned (the plugin's
 * own error, if any, is in the shared region). */
static sb_err call_in_child(const sb_plugin *plugin, sb_isolate *iso, plugin_call *call, double timeout_s,
                            const volatile sig_atomic_t *cancel, const char *track, sb_msg *msg)
{
  const plugin_shared *shared = sb_isolate_shared(iso);
  char who[PATH_MAX + 16], where[600] = "";
  sb_isolate_status status;
  sb_err err = sb_isolate_run(iso, plugin_child, call, timeout_s, cancel, &status, msg);

  if (err)
    return err;
  snprintf(who, sizeof who, "plugin %s", plugin->path);
  if (track)
    snprintf(where, sizeof where, " on '%s'", track);
  return sb_isolate_verdict(&status, shared->stage == STAGE_FINISHED, timeout_s, who, stage_name(shared->stage), where,
                            msg);
}

sb_err sb_plugin_check_isolated(const sb_plugin *plugin, const char *options, double timeout_s, sb_msg *msg)
{
  sb_isolate *iso = NULL;
  plugin_shared *shared;
  plugin_call call;
  sb_err err;

  if (!plugin)
    return sb_msg_set(msg, SB_EINVAL, "plugin: NULL argument");
  err = sb_isolate_new(sizeof *shared, &iso, msg);
  if (err)
    return err;
  shared = sb_isolate_shared(iso);
  call = (plugin_call){plugin->api, options, shared->reason, sizeof shared->reason, NULL};
  err = call_in_child(plugin, iso, &call, timeout_s, NULL, NULL, msg);
  if (!err && shared->err) {
    shared->reason[sizeof shared->reason - 1] = '\0';
    err = (sb_err)shared->err;
    sb_msg_set(msg, err, "%s", shared->reason[0] ? shared->reason : sb_strerror(err));
  }
  sb_isolate_free(&iso);
  return err;
}

sb_err sb_plugin_separate_isolated(const sb_plugin *plugin, const char *options, const sb_separation *job,
                                   double timeout_s, const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  sb_isolate *iso = NULL;
  plugin_shared *shared;
  plugin_call call;
  sb_separation child_job;
  double **est = NULL;
  size_t n_per_target, n_bytes;
  const char *track;
  sb_err err;

  if (!plugin || !job || !job->est || job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1)
    return sb_msg_set(msg, SB_EINVAL, "plugin: NULL argument or empty separation");
  track = job->track ? job->track : "";
  n_per_target = (size_t)job->n_chan * (size_t)job->n_samples;
  if ((uint64_t)job->n_samples > SIZE_MAX / sizeof(double) / (size_t)job->n_chan / (size_t)job->n_targets)
    return sb_msg_set(msg, SB_ENOMEM, "plugin %s: estimates of '%s' too large", plugin->path, track);
  n_bytes = offsetof(plugin_shared, est) + (size_t)job->n_targets * n_per_target * sizeof(double);
  est = calloc((size_t)job->n_targets, sizeof *est);
  if (!est) {
    err = sb_msg_set(msg, SB_ENOMEM, "plugin %s: out of memory", plugin->path);
    goto done;
  }
  err = sb_isolate_new(n_bytes, &iso, msg);
  if (err)
    goto done;
  shared = sb_isolate_shared(iso);
  for (int t = 0; t < job->n_targets; t++)
    est[t] = shared->est + (size_t)t * n_per_target;
  child_job = *job;
  child_job.est = est;
  child_job.errbuf = shared->reason;
  child_job.errlen = sizeof shared->reason;
  call = (plugin_call){plugin->api, options, shared->reason, sizeof shared->reason, &child_job};
  err = call_in_child(plugin, iso, &call, timeout_s, cancel, track, msg);
  if (err)
    goto done;
  shared->reason[sizeof shared->reason - 1] = '\0';
  err = (sb_err)shared->err;
  if (err) {
    const char *reason = shared->reason[0] ? shared->reason : sb_strerror(err);
    if (shared->failed_in == STAGE_CREATE)
      sb_msg_set(msg, err, "backend %s: cannot start: %s", plugin->api->name, reason);
    else
      sb_msg_set(msg, err, "backend %s failed on '%s': %s", plugin->api->name, track, reason);
    goto done;
  }
  for (int t = 0; t < job->n_targets; t++)
    memcpy(job->est[t], est[t], n_per_target * sizeof(double));
done:
  sb_isolate_free(&iso);
  free(est);
  return err;
}

void sb_plugin_free(sb_plugin **plugin)
{
  if (!plugin || !*plugin)
    return;
  sb_dynload_free(&(*plugin)->lib);
  free(*plugin);
  *plugin = NULL;
}
