/*
 * backends/metric_plugin.h — metric plugins (`--metric-plugin
 * PATH.so[:key=value,...]`): loading a shared object that exports
 * SB_METRIC_ENTRY ("sepbench_metric_v1", include/sepbench/metric.h),
 * checking its description, and calling it, in a forked child under a time
 * limit (backends/isolate.h) or in this process.
 *
 * Loading (backends/dynload.h) runs in the sepbench process.  In a child a
 * crash (segfault, abort) or a hang of the plugin becomes a one-line
 * message naming the plugin file, the call and the track, and sepbench
 * goes on; an error the plugin returns is passed back with its reason.
 * The values cross back through shared memory, bit for bit.
 *
 * Workload: one load and one start-up check per plugin per run; one fork
 * per scored (track, method) item.
 * Thread-safety: open and free from one thread; a loaded plugin is then
 * read-only and the other calls may run from several threads at once.
 */
#ifndef SB_BACKENDS_METRIC_PLUGIN_H
#define SB_BACKENDS_METRIC_PLUGIN_H

#include <signal.h>
#include "sepbench/error.h"
#include "sepbench/metric.h"

/* Most values of each kind a plugin may declare (sepbench/metric.h). */
#define SB_METRIC_PLUGIN_MAX_VALUES 32

/* Checks a description: abi_version == SB_METRIC_ABI_VERSION, a name
 * (1..63 of A-Z a-z 0-9 _ . -), a version (1..63 printable characters, no
 * ';'), a description, 0..32 per-target and 0..32 per-track value names
 * (one at least), each 1..63 of A-Z a-z 0-9 _ . + -, none repeated, none a
 * sepbench metric's name (metrics/metric_config.h), and the three
 * functions.  SB_EINVAL (msg says what), SB_EUNSUPPORTED (another ABI
 * version). */
sb_err sb_metric_api_check(const sb_metric_api *api, sb_msg *msg);

/* create(options), compute(job), destroy() in this process (a crash ends
 * it; nothing limits the time).  The values the plugin writes stay in
 * job's buffers.  Errors: the plugin's own code, msg "metric NAME: cannot
 * start: REASON" (create) or "metric NAME failed on 'TRACK': REASON"
 * (compute), with sb_strerror's text when the plugin gave no reason;
 * name is how messages call the metric ("plugin:rmsratio"). */
sb_err sb_metric_api_compute(const sb_metric_api *api, const char *name, const char *options,
                             const sb_metric_job *job, sb_msg *msg);

typedef struct sb_metric_plugin sb_metric_plugin;

/* Loads the plugin at path (a file; "x.so" is "./x.so") and checks its
 * description.  *out is NULL on failure.  Errors (msg names the path):
 * SB_EINVAL (NULL argument, empty path, malformed description),
 * SB_ENOTFOUND (cannot load; no sepbench_metric_v1), SB_EBACKEND (the
 * entry point returns NULL), SB_EUNSUPPORTED (ABI version), SB_ENOMEM. */
sb_err sb_metric_plugin_open(const char *path, sb_metric_plugin **out, sb_msg *msg);

/* The checked description and the loaded path ("./x.so"); valid until
 * sb_metric_plugin_free. */
const sb_metric_api *sb_metric_plugin_api(const sb_metric_plugin *plugin);
const char *sb_metric_plugin_path(const sb_metric_plugin *plugin);

/* The start-up check of options: create(options) and destroy() in a
 * forked child, waiting at most timeout_s seconds (<= 0: no limit).
 * Errors: the plugin's own code from create() (msg its reason);
 * SB_EBACKEND, SB_ETIMEOUT, SB_EINTERRUPT as sb_isolate_verdict
 * ("plugin ./x.so crashed in create() (signal 11, Segmentation fault)");
 * SB_EINVAL, SB_ENOMEM. */
sb_err sb_metric_plugin_check_isolated(const sb_metric_plugin *plugin, const char *options, double timeout_s,
                                       sb_msg *msg);

/* sb_metric_api_compute in a forked child: the values come back into
 * job->target_values and job->track_values (untouched on failure);
 * job->errbuf is not used.  timeout_s > 0 limits the three calls together;
 * cancel (may be NULL) ends the child once set.  Errors (msg one line):
 * the plugin's code as sb_metric_api_compute; SB_EBACKEND ("plugin ./x.so
 * crashed in compute() on 'TRACK' (signal 11, Segmentation fault)", or
 * exited early), SB_ETIMEOUT ("plugin ./x.so timed out after 5 s in
 * compute() on 'TRACK'"), SB_EINTERRUPT (cancel, SIGINT, SIGTERM);
 * SB_EINVAL (NULL argument, a job without targets or samples), SB_ENOMEM. */
sb_err sb_metric_plugin_compute_isolated(const sb_metric_plugin *plugin, const char *name, const char *options,
                                         const sb_metric_job *job, double timeout_s,
                                         const volatile sig_atomic_t *cancel, sb_msg *msg);

/* Unloads and frees; accepts NULL and *plugin == NULL; sets *plugin to
 * NULL. */
void sb_metric_plugin_free(sb_metric_plugin **plugin);

#endif /* SB_BACKENDS_METRIC_PLUGIN_H */
