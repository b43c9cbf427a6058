/*
 * runners/plugin.h — loading a separator backend from a shared object
 * (`--backends plugin:PATH.so[:key=value,...]`).
 *
 * The object is opened with dlopen(RTLD_NOW | RTLD_LOCAL), so unresolved
 * symbols fail at load time rather than in the middle of a run; its entry
 * point SB_BACKEND_ENTRY ("sepbench_backend_v1", include/sepbench/backend.h)
 * is called once and the description it returns is checked with
 * sb_backend_check (ABI version, name, function pointers).
 *
 * sb_plugin_separate_isolated runs one separation in a forked child
 * (runners/isolate.h), so a crash (segfault, abort) in the plugin becomes
 * a failed item and the run goes on; an error the plugin returns is passed
 * back with its reason.  Calling the api directly runs the plugin in the
 * sepbench process, where a crash ends the process.
 *
 * Workload: one load per plugin per run; one fork per separated item.
 * Thread-safety: load and free from one thread; the returned api is then
 * read-only and shared, and sb_plugin_separate_isolated may be called from
 * several threads at once.
 */
#ifndef SB_RUNNERS_PLUGIN_H
#define SB_RUNNERS_PLUGIN_H

#include "sepbench/backend.h"
#include "sepbench/error.h"

typedef struct sb_plugin sb_plugin;

/* Loads the plugin at path (a path with a '/' is used as is; a bare name is
 * searched by the dynamic loader as for dlopen).  *out is NULL on failure.
 * Errors (msg names path and cause): SB_EINVAL (NULL argument),
 * SB_ENOTFOUND (dlopen fails: no such file, not a shared object, missing
 * dependency — dlerror() text; or the object lacks sepbench_backend_v1),
 * SB_EBACKEND (the entry point returns NULL), SB_EUNSUPPORTED (another ABI
 * version), SB_EINVAL (malformed description, see sb_backend_check),
 * SB_ENOMEM. */
sb_err sb_plugin_open(const char *path, sb_plugin **out, sb_msg *msg);

/* The checked description; valid until sb_plugin_free. */
const sb_backend_api *sb_plugin_api(const sb_plugin *plugin);

/* Separates job->mix into job->est with a new instance of the plugin
 * (create(options), separate, destroy) run in a forked child process: the
 * child writes the estimates into shared memory, the parent copies them
 * into job->est and the reason of an error into msg.  job->errbuf is not
 * used.  Memory: a shared region the size of the estimates during the call.
 * Errors (msg is one line naming the plugin and the track):
 *   the plugin's own error code: create() or separate() returned it
 *     ("backend NAME: cannot start: REASON",
 *      "backend NAME failed on 'TRACK': REASON");
 *   SB_EBACKEND: the child died of a signal ("plugin PATH crashed in
 *     separate() on 'TRACK' (signal 11, Segmentation fault)") or exited
 *     before the calls returned; fork or waitpid failed;
 *   SB_EINTERRUPT: the child was killed by SIGINT or SIGTERM;
 *   SB_EINVAL: NULL argument or an empty job; SB_ENOMEM. */
sb_err sb_plugin_separate_isolated(const sb_plugin *plugin, const char *options, const sb_separation *job,
                                   sb_msg *msg);

/* Unloads (dlclose) and frees; accepts NULL and *plugin == NULL; sets
 * *plugin to NULL.  Every instance created from it must be destroyed. */
void sb_plugin_free(sb_plugin **plugin);

#endif /* SB_RUNNERS_PLUGIN_H */
