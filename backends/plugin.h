/*
 * backends/plugin.h — loading a separator backend from a shared object
 * (`--backends plugin:PATH.so[:key=value,...]`).
 *
 * The object is opened with dlopen(RTLD_NOW | RTLD_LOCAL), so unresolved
 * symbols fail at load time rather than in the middle of a run; its entry
 * point SB_BACKEND_ENTRY ("sepbench_backend_v1", include/sepbench/backend.h)
 * is called once and the description it returns is checked with
 * sb_backend_check (ABI version, name, function pointers).  Loading runs in
 * the sepbench process (the object's constructors and its entry point).
 *
 * sb_plugin_check_isolated (the start-up check of a plugin's options) and
 * sb_plugin_separate_isolated (one separation) run the plugin's calls in a
 * forked child (backends/isolate.h) under a wall-clock limit, so a crash
 * (segfault, abort) or a hang in the plugin becomes a one-line message
 * naming the plugin file and the call, and sepbench goes on; an error the
 * plugin returns is passed back with its reason.  Calling the api directly
 * runs the plugin in the sepbench process, where a crash ends the process
 * and nothing limits its time.
 *
 * Workload: one load and one start-up check per plugin per run; one fork
 * per separated item.
 * Thread-safety: load and free from one thread; the returned api is then
 * read-only and shared, and sb_plugin_check_isolated and
 * sb_plugin_separate_isolated may be called from several threads at once.
 */
#ifndef SB_BACKENDS_PLUGIN_H
#define SB_BACKENDS_PLUGIN_H

#include <signal.h>
#include "sepbench/backend.h"
#include "sepbench/error.h"

/* Default wall-clock limit of one isolated plugin call, seconds (as for the
 * command backends, backends/command.h). */
#define SB_PLUGIN_DEFAULT_TIMEOUT_S 3600.0

typedef struct sb_plugin sb_plugin;

/* Loads the plugin at path, a file path: one without a '/' is taken in the
 * working directory ("x.so" is "./x.so"; the dynamic loader's search of the
 * system's library path never applies), and messages name it so.  *out is
 * NULL on failure.
 * Errors (msg names path and cause): SB_EINVAL (NULL argument),
 * SB_ENOTFOUND (dlopen fails: no such file, not a shared object, missing
 * dependency — dlerror() text; or the object lacks sepbench_backend_v1),
 * SB_EBACKEND (the entry point returns NULL), SB_EUNSUPPORTED (another ABI
 * version), SB_EINVAL (malformed description, see sb_backend_check),
 * SB_ENOMEM. */
sb_err sb_plugin_open(const char *path, sb_plugin **out, sb_msg *msg);

/* The checked description; valid until sb_plugin_free. */
const sb_backend_api *sb_plugin_api(const sb_plugin *plugin);

/* The start-up check of options: creates an instance of the plugin with
 * options and destroys it, in a forked child, waiting at most timeout_s
 * seconds (<= 0: no limit).  Errors (msg is one line):
 *   the plugin's own error code: create() returned it; msg is the reason
 *     the plugin wrote into errbuf (or sb_strerror of the code);
 *   SB_EBACKEND: the child died of a signal ("plugin PATH crashed in
 *     create() (signal 11, Segmentation fault)") or exited before the
 *     calls returned; fork or waitpid failed;
 *   SB_ETIMEOUT: the limit passed; the child was killed ("plugin PATH timed
 *     out after 5 s in create()");
 *   SB_EINTERRUPT: the child was killed by SIGINT or SIGTERM;
 *   SB_EINVAL: NULL plugin; SB_ENOMEM. */
sb_err sb_plugin_check_isolated(const sb_plugin *plugin, const char *options, double timeout_s, sb_msg *msg);

/* Separates job->mix into job->est with a new instance of the plugin
 * (create(options), separate, destroy) run in a forked child process: the
 * child writes the estimates into shared memory, the parent copies them
 * into job->est and the reason of an error into msg.  job->errbuf is not
 * used.  timeout_s > 0 limits the wall-clock time of the three calls
 * together (<= 0: no limit); cancel (may be NULL) is looked at every 0.2 s
 * and, once non-zero, ends the child (the Ctrl-C of a run).  Memory: a
 * shared region the size of the estimates during the call.
 * Errors (msg is one line naming the plugin and the track):
 *   the plugin's own error code: create() or separate() returned it
 *     ("backend NAME: cannot start: REASON",
 *      "backend NAME failed on 'TRACK': REASON");
 *   SB_EBACKEND: the child died of a signal ("plugin PATH crashed in
 *     separate() on 'TRACK' (signal 11, Segmentation fault)") or exited
 *     before the calls returned; fork or waitpid failed;
 *   SB_ETIMEOUT: the limit passed; the child was killed with SIGKILL
 *     ("plugin PATH timed out after 5 s in separate() on 'TRACK'");
 *   SB_EINTERRUPT: the child was killed by SIGINT or SIGTERM, or ended
 *     because of cancel ("plugin PATH stopped in separate() on 'TRACK'");
 *   SB_EINVAL: NULL argument or an empty job; SB_ENOMEM. */
sb_err sb_plugin_separate_isolated(const sb_plugin *plugin, const char *options, const sb_separation *job,
                                   double timeout_s, const volatile sig_atomic_t *cancel, sb_msg *msg);

/* Unloads (dlclose) and frees; accepts NULL and *plugin == NULL; sets
 * *plugin to NULL.  Every instance created from it must be destroyed. */
void sb_plugin_free(sb_plugin **plugin);

#endif /* SB_BACKENDS_PLUGIN_H */
