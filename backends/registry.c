/*
 * backends/registry.c — the built-in list, the `--backends` grammar and
 * the adapters that put every kind of separator behind sb_backend
 * (backends/registry.h).
 *
 * A spec is dispatched by its prefix through one table of kinds; each kind
 * opens its context (a built-in or plugin api with its options, a loaded
 * command config, a folder) and names the sb_backend_ops that separate
 * with it.  A table is a plain growable array: a run has a handful of
 * backends.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/api.h"
#include "backends/blind.h"
#include "backends/command.h"
#include "backends/dir.h"
#include "backends/mixture.h"
#include "backends/oracle.h"
#include "backends/plugin.h"
#include "backends/registry.h"
#include "common/paths.h"

/* Listing order of `sepbench backends`. */
static const sb_backend_api *(*const builtins[])(void) = {
  sb_backend_mixture, sb_backend_irm1, sb_backend_irm2, sb_backend_ibm1,
  sb_backend_ibm2,    sb_backend_mwf,  sb_backend_hpss, sb_backend_repet_sim,
};
#define N_BUILTINS (sizeof builtins / sizeof *builtins)

struct sb_backend_table {
  size_t count;
  size_t capacity;
  sb_backend **backends;
};

size_t sb_backend_count(void)
{
  return N_BUILTINS;
}

const sb_backend_api *sb_backend_at(size_t i)
{
  return i < N_BUILTINS ? builtins[i]() : NULL;
}

sb_err sb_backend_find(const char *name, const sb_backend_api **out, sb_msg *msg)
{
  size_t i, used;
  int n;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "backend look-up without a result pointer");
  *out = NULL;
  if (!name)
    return sb_msg_set(msg, SB_EINVAL, "backend look-up without a name");
  for (i = 0; i < N_BUILTINS; i++)
    if (strcmp(builtins[i]()->name, name) == 0) {
      *out = builtins[i]();
      return SB_OK;
    }
  if (msg) {
    n = snprintf(msg->text, sizeof msg->text, "unknown backend '%s' (known: ", name);
    used = n > 0 ? (size_t)n : 0;
    for (i = 0; i <= N_BUILTINS && used < sizeof msg->text; i++) {
      n = snprintf(msg->text + used, sizeof msg->text - used, "%s%s", i == 0 || i == N_BUILTINS ? "" : ", ",
                   i < N_BUILTINS ? builtins[i]()->name : ")");
      used += n > 0 ? (size_t)n : 0;
    }
  }
  return SB_ENOTFOUND;
}

/* ---- adapters ------------------------------------------------------------ */

/* Built-ins and plugins: an api called with options, in this process
 * (create, separate, destroy per item) or, for an isolated plugin, in a
 * forked child. */
typedef struct api_ctx {
  const sb_backend_api *api;
  char *options;
  sb_plugin *plugin;  /* the loaded object (plugins only), unloaded last */
  int isolate;
  double timeout_s;
} api_ctx;

static sb_err api_separate(void *ctx, const char *name, const sb_backend_request *req, sb_msg *msg)
{
  const api_ctx *c = ctx;
  const sb_separation *job = req->job;
  const char *reason = job->errbuf;
  void *state = NULL;
  sb_err err;

  if (c->isolate)
    return sb_plugin_separate_isolated(c->plugin, c->options, job, c->timeout_s, req->cancel, msg);
  err = c->api->create(&state, c->options, job->errbuf, job->errlen);
  if (err)
    return sb_msg_set(msg, err, "backend %s: cannot start: %s", name, reason[0] ? reason : sb_strerror(err));
  err = c->api->separate(state, job);
  if (err)
    sb_msg_set(msg, err, "backend %s failed on '%s': %s", name, job->track ? job->track : "?",
               reason[0] ? reason : sb_strerror(err));
  c->api->destroy(state);
  return err;
}

static void api_destroy(void *ctx)
{
  api_ctx *c = ctx;
  if (!c)
    return;
  free(c->options);
  sb_plugin_free(&c->plugin);
  free(c);
}

static const sb_backend_ops api_ops = {api_separate, api_destroy};

/* cmd:NAME — the loaded section of the command config; the reason is in
 * the job's errbuf. */
static sb_err command_separate(void *ctx, const char *name, const sb_backend_request *req, sb_msg *msg)
{
  (void)name;
  (void)msg;
  return sb_command_backend_separate(ctx, req->job, req->cancel);
}

static void command_destroy(void *ctx)
{
  sb_command_backend *cb = ctx;
  sb_command_backend_free(&cb);
}

static const sb_backend_ops command_ops = {command_separate, command_destroy};

/* dir:PATH — estimates read from the folder; the reason is in the job's
 * errbuf. */
static sb_err dir_separate(void *ctx, const char *name, const sb_backend_request *req, sb_msg *msg)
{
  (void)name;
  (void)msg;
  return sb_dir_backend_separate(ctx, req->track, req->job, req->note, req->note_len);
}

static void dir_destroy(void *ctx)
{
  sb_dir_backend *d = ctx;
  sb_dir_backend_free(&d);
}

static const sb_backend_ops dir_ops = {dir_separate, dir_destroy};

const sb_dir_backend *sb_backend_dir(const sb_backend *b)
{
  return b && b->ops == &dir_ops ? b->ctx : NULL;
}

/* The kinds write their reason either into msg or into the job's errbuf
 * (a scratch buffer of this call); the first one written is passed on. */
sb_err sb_backend_separate(const sb_backend *b, const sb_backend_request *req, sb_msg *msg)
{
  char reason[1024] = "";
  sb_separation job;
  sb_backend_request scratch;
  sb_msg kind_msg;
  sb_err err;

  if (!b || !req || !req->job)
    return sb_msg_set(msg, SB_EINVAL, "backend: no backend or no separation request");
  if (req->note && req->note_len)
    req->note[0] = '\0';
  job = *req->job;
  job.errbuf = reason;
  job.errlen = sizeof reason;
  scratch = *req;
  scratch.job = &job;
  sb_msg_clear(&kind_msg);
  err = b->ops->separate(b->ctx, b->name, &scratch, &kind_msg);
  if (err)
    sb_msg_set(msg, err, "%s", kind_msg.text[0] ? kind_msg.text : reason[0] ? reason : sb_strerror(err));
  return err;
}

/* ---- tables ---------------------------------------------------------------- */

sb_err sb_backend_table_new(sb_backend_table **out)
{
  if (!out)
    return SB_EINVAL;
  *out = calloc(1, sizeof **out);
  return *out ? SB_OK : SB_ENOMEM;
}

size_t sb_backend_table_count(const sb_backend_table *table)
{
  return table ? table->count : 0;
}

const sb_backend *sb_backend_table_at(const sb_backend_table *table, size_t i)
{
  return table && i < table->count ? table->backends[i] : NULL;
}

static void backend_free(sb_backend *b)
{
  if (!b)
    return;
  if (b->ops && b->ctx)
    b->ops->destroy(b->ctx);
  free(b->name);
  free(b->backend);
  free(b->params);
  free(b);
}

void sb_backend_table_free(sb_backend_table **table)
{
  if (!table || !*table)
    return;
  for (size_t i = (*table)->count; i-- > 0;)
    backend_free((*table)->backends[i]);
  free((*table)->backends);
  free(*table);
  *table = NULL;
}

/* Refuses a name the store would confuse: one already in the table, or a
 * built-in's for a backend that is not that built-in (api != its own). */
static sb_err check_name(const sb_backend_table *table, const char *name, const sb_backend_api *api,
                         const char *plugin_path, sb_msg *msg)
{
  const sb_backend_api *builtin = NULL;
  if (sb_backend_find(name, &builtin, NULL) == SB_OK && builtin != api) {
    if (plugin_path)
      return sb_msg_set(msg, SB_EINVAL,
                        "plugin %s calls itself '%s', the name of a built-in backend (its items would be filed "
                        "with the built-in's): give the plugin another name",
                        plugin_path, name);
    return sb_msg_set(msg, SB_EINVAL, "backend '%s' has the name of a built-in backend", name);
  }
  for (size_t i = 0; i < table->count; i++)
    if (strcmp(table->backends[i]->name, name) == 0)
      return sb_msg_set(msg, SB_EINVAL, "--backends: '%s' is listed twice", name);
  return SB_OK;
}

/* Takes ownership of name, backend, params and ctx (destroyed with ops on
 * failure) and appends them as one backend. */
static sb_err table_append(sb_backend_table *table, char *name, char *backend, char *params, unsigned flags,
                           const sb_backend_ops *ops, void *ctx, sb_msg *msg)
{
  sb_backend *b = calloc(1, sizeof *b);
  if (b)
    *b = (sb_backend){name, backend, params, flags, ops, ctx};
  if (!b || !name || !backend || !params)
    goto nomem;
  if (table->count == table->capacity) {
    const size_t capacity = table->capacity ? 2 * table->capacity : 8;
    sb_backend **grown = realloc(table->backends, capacity * sizeof *grown);
    if (!grown)
      goto nomem;
    table->backends = grown;
    table->capacity = capacity;
  }
  table->backends[table->count++] = b;
  return SB_OK;
nomem:
  if (b)
    backend_free(b);
  else {
    ops->destroy(ctx);
    free(name);
    free(backend);
    free(params);
  }
  return sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
}

/* The start-up check of an api backend's options: create() and destroy()
 * once, in a forked child for an isolated plugin. */
static sb_err startup_check(const char *name, const api_ctx *c, sb_msg *msg)
{
  char reason[512] = "";
  void *state = NULL;
  sb_err err;
  if (c->isolate) {
    sb_msg check;
    sb_msg_clear(&check);
    err = sb_plugin_check_isolated(c->plugin, c->options, c->timeout_s, &check);
    return err ? sb_msg_set(msg, err, "--backends %s: %s", name, check.text) : SB_OK;
  }
  err = c->api->create(&state, c->options, reason, sizeof reason);
  if (err)
    return sb_msg_set(msg, err, "--backends %s: %s", name, reason[0] ? reason : sb_strerror(err));
  c->api->destroy(state);
  return SB_OK;
}

/* Checks and adds an api backend (a plugin when plugin_path is not NULL);
 * takes ownership of c (and its plugin) and of backend. */
static sb_err add_api_ctx(sb_backend_table *table, api_ctx *c, char *backend, const char *plugin_path, sb_msg *msg)
{
  const char *name = c->api->name;
  sb_err err = check_name(table, name, plugin_path ? NULL : c->api, plugin_path, msg);
  if (!err)
    err = startup_check(name, c, msg);
  if (err) {
    api_destroy(c);
    free(backend);
    return err;
  }
  return table_append(table, strdup(name), backend, strdup(c->options), c->api->flags, &api_ops, c, msg);
}

sb_err sb_backend_table_add_api(sb_backend_table *table, const sb_backend_api *api, const char *options,
                                sb_msg *msg)
{
  api_ctx *c;
  sb_err err;
  if (!table)
    return sb_msg_set(msg, SB_EINVAL, "no backend table to add to");
  err = sb_backend_check(api, msg);
  if (err)
    return err;
  c = calloc(1, sizeof *c);
  if (!c || !(c->options = strdup(options ? options : ""))) {
    free(c);
    return sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
  }
  c->api = api;
  return add_api_ctx(table, c, strdup(api->name), NULL, msg);
}

/* ---- the kinds of spec ----------------------------------------------------- */

/* NAME[:key=value,...] */
static sb_err open_builtin(sb_backend_table *table, char *spec, const sb_backend_env *env, sb_msg *msg)
{
  char *colon = strchr(spec, ':');
  const sb_backend_api *api = NULL;
  sb_err err;
  (void)env;
  if (colon)
    *colon = '\0';
  err = sb_backend_find(spec, &api, msg);
  return err ? err : sb_backend_table_add_api(table, api, colon ? colon + 1 : "", msg);
}

/* plugin:PATH[:key=value,...] */
static sb_err open_plugin(sb_backend_table *table, char *path, const sb_backend_env *env, sb_msg *msg)
{
  char *colon = sb_plugin_options_colon(path), *backend = NULL;
  api_ctx *c = calloc(1, sizeof *c);
  sb_err err;
  if (colon)
    *colon = '\0';
  if (!c || !(c->options = strdup(colon ? colon + 1 : "")) || sb_path_printf(&backend, "plugin:%s", path)) {
    api_destroy(c);
    return sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
  }
  err = sb_plugin_open(path, &c->plugin, msg);
  if (err) {
    api_destroy(c);
    free(backend);
    return err;
  }
  c->api = sb_plugin_api(c->plugin);
  c->isolate = !env->plugin_in_process;
  c->timeout_s = env->plugin_timeout_s;
  return add_api_ctx(table, c, backend, path, msg);
}

/* Adds an opened backend of another kind than api, named KIND:REST, with
 * params; takes ownership of ctx (destroyed with ops on failure). */
static sb_err add_opened(sb_backend_table *table, const char *kind, const char *rest, const char *params,
                         const sb_backend_ops *ops, void *ctx, sb_msg *msg)
{
  char *method = NULL;
  sb_err err = sb_path_printf(&method, "%s:%s", kind, rest);
  if (err)
    err = sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
  else
    err = check_name(table, method, NULL, NULL, msg);
  if (err) {
    free(method);
    ops->destroy(ctx);
    return err;
  }
  return table_append(table, method, strdup(kind), strdup(params), 0, ops, ctx, msg);
}

/* cmd:NAME */
static sb_err open_command(sb_backend_table *table, char *name, const sb_backend_env *env, sb_msg *msg)
{
  sb_command_backend *cb = NULL;
  sb_err err;
  if (strchr(name, ':'))
    return sb_msg_set(msg, SB_EINVAL,
                      "--backends cmd:%s: a command backend takes no options (set them in its config)", name);
  err = sb_command_backend_load(env->command_config, name, &cb, msg);
  return err ? err : add_opened(table, "cmd", name, sb_command_backend_command(cb), &command_ops, cb, msg);
}

/* dir:PATH */
static sb_err open_dir(sb_backend_table *table, char *path, const sb_backend_env *env, sb_msg *msg)
{
  sb_dir_backend *d = NULL;
  sb_err err = sb_dir_backend_new(path, env->est_layout, env->est_pattern, &d, msg);
  return err ? err : add_opened(table, "dir", path, path, &dir_ops, d, msg);
}

/* The kinds, by the prefix of their spec; the built-ins take the rest. */
static const struct {
  const char *prefix;
  sb_err (*open)(sb_backend_table *table, char *rest, const sb_backend_env *env, sb_msg *msg);
} kinds[] = {{"plugin:", open_plugin}, {"cmd:", open_command}, {"dir:", open_dir}, {"", open_builtin}};

static sb_err open_spec(sb_backend_table *table, char *spec, const sb_backend_env *env, sb_msg *msg)
{
  size_t k = 0;
  while (strncmp(spec, kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
    k++;
  return kinds[k].open(table, spec + strlen(kinds[k].prefix), env, msg);
}

/* Splits the comma-separated list into specs, joining an item "key=value"
 * (no ':' before its '=') to the spec before it. */
static sb_err split_specs(const char *text, char ***out, int *n_out, sb_msg *msg)
{
  char **specs = calloc(strlen(text) / 2 + 2, sizeof *specs), *copy = strdup(text), *save = NULL;
  int n = 0;
  if (!copy || !specs)
    goto nomem;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '='), *colon = strchr(tok, ':');
    if (eq && (!colon || colon > eq) && n > 0) {
      char *joined = NULL;
      if (sb_path_printf(&joined, "%s,%s", specs[n - 1], tok))
        goto nomem;
      free(specs[n - 1]);
      specs[n - 1] = joined;
    } else if (!(specs[n++] = strdup(tok))) {
      goto nomem;
    }
  }
  free(copy);
  *out = specs;
  *n_out = n;
  return SB_OK;
nomem:
  for (int i = 0; specs && i < n; i++)
    free(specs[i]);
  free(specs);
  free(copy);
  return sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
}

sb_err sb_backend_table_open(sb_backend_table *table, const char *specs, const sb_backend_env *env, sb_msg *msg)
{
  static const sb_backend_env defaults = {.plugin_timeout_s = SB_PLUGIN_DEFAULT_TIMEOUT_S};
  char **list = NULL;
  int n = 0;
  sb_err err;
  if (!table || !specs)
    return sb_msg_set(msg, SB_EINVAL, "--backends: no table or no list");
  err = split_specs(specs, &list, &n, msg);
  for (int i = 0; !err && i < n; i++)
    err = open_spec(table, list[i], env ? env : &defaults, msg);
  if (!err && n == 0)
    err = sb_msg_set(msg, SB_EINVAL, "--backends: no backend given");
  for (int i = 0; i < n; i++)
    free(list[i]);
  free(list);
  return err;
}
