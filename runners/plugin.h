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
 * A plugin runs IN the sepbench process: an error it returns becomes a
 * failed item and the run goes on, but a crash (segfault, abort) ends the
 * process.  Finished items are safe in the store and the run resumes, yet
 * for separators that may crash, prefer the command backend
 * (runners/backend_command.h), which isolates them in a child process.
 *
 * Workload: one load per plugin per run.  Thread-safety: load and free
 * from one thread; the returned api is then read-only and shared.
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

/* Unloads (dlclose) and frees; accepts NULL and *plugin == NULL; sets
 * *plugin to NULL.  Every instance created from it must be destroyed. */
void sb_plugin_free(sb_plugin **plugin);

#endif /* SB_RUNNERS_PLUGIN_H */
