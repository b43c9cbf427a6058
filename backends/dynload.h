/*
 * backends/dynload.h — opening a plugin's shared object and finding its
 * entry point, for separator plugins (backends/plugin.h, entry
 * sepbench_backend_v1) and metric plugins (backends/metric_plugin.h, entry
 * sepbench_metric_v1).
 *
 * The object is opened with dlopen(RTLD_NOW | RTLD_LOCAL), so unresolved
 * symbols fail at load time rather than in the middle of a run.  PATH is
 * always a file: one without a '/' is taken in the working directory
 * ("x.so" is "./x.so"); the dynamic loader's search of the system's library
 * path never applies, and messages name the path so.  Loading runs the
 * object's constructors in the sepbench process.
 *
 * Workload: one load per plugin per run.
 * Thread-safety: open and free from one thread; the path is read-only.
 */
#ifndef SB_BACKENDS_DYNLOAD_H
#define SB_BACKENDS_DYNLOAD_H

#include "sepbench/error.h"

typedef struct sb_dynload sb_dynload;

/* An entry point, to be called through its own type. */
typedef void (*sb_dynload_fn)(void);

/* Opens the object at path and finds the function named entry; kind
 * ("backend", "metric") says in messages what the object should be.  *out
 * and *fn are NULL on failure.  Errors (msg names the path and the cause):
 * SB_EINVAL (NULL argument, empty path), SB_ENOTFOUND ("plugin ./x.so:
 * cannot load: <dlerror text>" — no such file, not a shared object, a
 * missing dependency; "plugin ./x.so: no symbol ENTRY (is it a sepbench
 * KIND plugin?)"), SB_ENOMEM. */
sb_err sb_dynload_open(const char *path, const char *entry, const char *kind, sb_dynload **out, sb_dynload_fn *fn,
                       sb_msg *msg);

/* The path as loaded ("./x.so" for "x.so"); valid until sb_dynload_free. */
const char *sb_dynload_path(const sb_dynload *lib);

/* Unloads (dlclose) and frees; accepts NULL and *lib == NULL; sets *lib to
 * NULL.  Nothing of the object may be used afterwards. */
void sb_dynload_free(sb_dynload **lib);

#endif /* SB_BACKENDS_DYNLOAD_H */
