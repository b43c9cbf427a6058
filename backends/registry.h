/*
 * backends/registry.h — every separator of a run behind one interface:
 * the built-in backends, C plugins (isolated in a child or in process),
 * command templates and estimates on disk are each opened into an
 * sb_backend, an adapter with the shape of sb_backend_api
 * (include/sepbench/backend.h) — a name, flags, separate() and destroy()
 * — over the context of its kind.  The scheduler (runners/run.h) keeps a
 * run's backends in one sb_backend_table and calls sb_backend_separate for
 * every item, whatever the kind.
 *
 * The `--backends` grammar (comma-separated specs; an item "key=value"
 * with no ':' before its '=' continues the options of the spec before it,
 * so "irm2:alpha=1,nfft=4096,mixture" is irm2 with two options, then
 * mixture):
 *   NAME[:key=value,...]         a built-in (mixture, irm1, irm2, ibm1,
 *                                ibm2, mwf, hpss, repet-sim: backends/
 *                                mixture.h, oracle.h, blind.h)
 *   plugin:PATH[:key=value,...]  a C plugin (backends/plugin.h); PATH is a
 *                                file: "x.so" is ./x.so, never a search of
 *                                the system's library path; the options
 *                                end PATH at the first ':' followed by
 *                                "key=" (so values may hold '/' and ':')
 *   cmd:NAME                     section [backend NAME] of the command
 *                                config (backends/command.h); no options
 *   dir:PATH                     estimates in a folder (backends/dir.h)
 *
 * Each spec is checked when it is opened, before any item runs: unknown
 * built-in, unreadable plugin or config, missing folder, and the options
 * (the api's create() and destroy() once — in a forked child for an
 * isolated plugin, so a crash or hang there is a message too).  Names are
 * what the store files items under, so two specs of one name are refused,
 * and so is a plugin that calls itself like a built-in (its items would be
 * mixed with the built-in's).
 *
 * Workload: a handful of backends per run, opened once; one
 * sb_backend_separate per (track, backend) item.
 * Thread-safety: the built-in list is immutable (any thread).  A table is
 * filled from one thread; once filled, its backends are read-only and
 * sb_backend_separate may run on any of them from several threads at once
 * (every kind makes its per-call state inside the call).
 */
#ifndef SB_BACKENDS_REGISTRY_H
#define SB_BACKENDS_REGISTRY_H

#include <signal.h>
#include <stddef.h>
#include "backends/dir.h"
#include "datasets/estimates.h"
#include "datasets/suite.h"
#include "sepbench/backend.h"
#include "sepbench/error.h"

/* ---- built-in backends ------------------------------------------------ */

/* Number of built-in backends (>= 1). */
size_t sb_backend_count(void);

/* Built-in backend i in listing order, or NULL if i >= sb_backend_count(). */
const sb_backend_api *sb_backend_at(size_t i);

/* Finds the built-in backend called name (exact, case-sensitive).
 * *out is NULL on failure.  SB_EINVAL (NULL name or out), SB_ENOTFOUND
 * ("unknown backend 'x' (known: mixture, irm1, ...)"). */
sb_err sb_backend_find(const char *name, const sb_backend_api **out, sb_msg *msg);

/* ---- one backend of a run, any kind ------------------------------------- */

/* What opening a spec needs besides its text (sepbench run's options). */
typedef struct sb_backend_env {
  const char *command_config; /* INI file of the cmd: backends; NULL = the default path */
  sb_est_layout est_layout;   /* layout of the dir: backends (SB_EST_AUTO = 0) */
  const char *est_pattern;    /* with SB_EST_PATTERN: "{track}/{target}.wav" */
  int plugin_in_process;      /* 1: call plugins in this process (a crash ends it, nothing
                                 limits its time); 0: isolated in a forked child */
  double plugin_timeout_s;    /* isolated plugin call limit, seconds; <= 0 = none */
} sb_backend_env;

/* One separation.  job: the mixture in, the estimates out (zeroed
 * buffers); job->errbuf is not used (reasons come back in the sb_msg).
 * job->refs is read only by backends with SB_BACKEND_ORACLE. */
typedef struct sb_backend_request {
  const sb_track *track;               /* the track (dir: subset, excerpt, stem names) */
  const sb_separation *job;
  const volatile sig_atomic_t *cancel; /* set asynchronously to stop (Ctrl-C); may be NULL */
  char *note;                          /* out: what the backend reports besides its
                                          estimates (dir: estimates refitted), "" when
                                          nothing; may be NULL */
  size_t note_len;
} sb_backend_request;

/* What each kind provides: sb_backend_api's separate() and destroy(), over
 * the context its spec was opened into.  separate() gets a request whose
 * job->errbuf is a scratch buffer, and writes its reason there or in msg. */
typedef struct sb_backend_ops {
  sb_err (*separate)(void *ctx, const char *name, const sb_backend_request *req, sb_msg *msg);
  void (*destroy)(void *ctx);
} sb_backend_ops;

/* A backend of a table.  name, backend and params are what the store
 * records for the method (schemas/store.h sb_store_method). */
typedef struct sb_backend {
  char *name;    /* "irm2", the plugin's name, "cmd:NAME", "dir:PATH" */
  char *backend; /* how it runs: "irm2", "plugin:PATH", "cmd", "dir" */
  char *params;  /* the options "key=value,...", the command template, the folder */
  unsigned flags; /* SB_BACKEND_ORACLE: give it the references */
  const sb_backend_ops *ops;
  void *ctx;
} sb_backend;

/* Separates req->job with b.  Errors (msg is one line naming the backend
 * and the track): what the kind returns — SB_EBACKEND, SB_ETIMEOUT,
 * SB_EINTERRUPT (req->cancel was set), SB_EFORMAT, SB_ENOTFOUND, SB_EIO,
 * SB_ERATE, SB_ECHAN, SB_ELENGTH, SB_ENONFINITE, the plugin's own code —
 * and SB_EINVAL (NULL argument or a malformed job), SB_ENOMEM. */
sb_err sb_backend_separate(const sb_backend *b, const sb_backend_request *req, sb_msg *msg);

/* The folder of estimates behind b when b is a dir: backend, for callers
 * that read its files themselves (runners/run.c streams them); NULL for
 * any other kind and for NULL. */
const sb_dir_backend *sb_backend_dir(const sb_backend *b);

/* ---- the table of a run ---------------------------------------------- */

typedef struct sb_backend_table sb_backend_table;

/* Creates an empty table.  *out is NULL on failure.  SB_EINVAL (NULL
 * out), SB_ENOMEM. */
sb_err sb_backend_table_new(sb_backend_table **out);

/* Opens every spec of the comma-separated list specs (grammar above) with
 * env and adds it.  Errors (msg is one line naming the spec): SB_EINVAL
 * (no backend given, a name listed twice, a plugin named like a built-in,
 * options of a cmd: spec, bad options), SB_ENOTFOUND (unknown built-in,
 * plugin that does not load, no such config section or folder), SB_EIO,
 * SB_EFORMAT (unreadable or malformed config), SB_EUNSUPPORTED (plugin
 * ABI), SB_EBACKEND / SB_ETIMEOUT (the start-up check crashed or hung),
 * the api's own code from create(), SB_ENOMEM.  On error the backends
 * opened before the failing spec stay in the table. */
sb_err sb_backend_table_open(sb_backend_table *table, const char *specs, const sb_backend_env *env, sb_msg *msg);

/* Adds api (not copied: it must outlive the table), called in this
 * process with options (NULL = none), after sb_backend_check, the name
 * checks above (a description other than the built-in's own may not use a
 * built-in's name) and one create()/destroy() with options.  Errors as
 * sb_backend_table_open. */
sb_err sb_backend_table_add_api(sb_backend_table *table, const sb_backend_api *api, const char *options,
                                sb_msg *msg);

/* Number of backends, and backend i in the order they were added (NULL if
 * out of range). */
size_t sb_backend_table_count(const sb_backend_table *table);
const sb_backend *sb_backend_table_at(const sb_backend_table *table, size_t i);

/* Destroys every backend and frees the table; accepts NULL and *table ==
 * NULL; sets *table to NULL. */
void sb_backend_table_free(sb_backend_table **table);

#endif /* SB_BACKENDS_REGISTRY_H */
