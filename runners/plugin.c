/*
 * runners/plugin.c — dlopen loader for separator plugins (ABI v1,
 * include/sepbench/backend.h).
 */
#include <config.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "runners/backends.h"
#include "runners/plugin.h"

struct sb_plugin {
  void *handle;
  const sb_backend_api *api;
};

sb_err sb_plugin_open(const char *path, sb_plugin **out, sb_msg *msg)
{
  sb_plugin *plugin;
  sb_backend_entry_fn entry;
  const char *why;
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
  dlerror();
  plugin->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!plugin->handle) {
    why = dlerror();
    err = sb_msg_set(msg, SB_ENOTFOUND, "plugin %s: cannot load: %s", path, why ? why : "unknown dlopen error");
    goto fail;
  }
  dlerror();
  /* POSIX: converting the object pointer of dlsym to a function pointer is
   * how dlsym is meant to be used; memcpy keeps -pedantic quiet. */
  {
    void *sym = dlsym(plugin->handle, SB_BACKEND_ENTRY);
    why = dlerror();
    if (!sym || why) {
      err = sb_msg_set(msg, SB_ENOTFOUND, "plugin %s: no symbol %s (is it a sepbench backend plugin?)", path,
                       SB_BACKEND_ENTRY);
      goto fail;
    }
    memcpy(&entry, &sym, sizeof entry);
  }
  plugin->api = entry();
  if (!plugin->api) {
    err = sb_msg_set(msg, SB_EBACKEND, "plugin %s: %s() returned NULL", path, SB_BACKEND_ENTRY);
    goto fail;
  }
  sb_msg_clear(&check);
  err = sb_backend_check(plugin->api, &check);
  if (err != SB_OK) {
    sb_msg_set(msg, err, "plugin %s: %s", path, check.text);
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

void sb_plugin_free(sb_plugin **plugin)
{
  if (!plugin || !*plugin)
    return;
  if ((*plugin)->handle)
    dlclose((*plugin)->handle);
  free(*plugin);
  *plugin = NULL;
}
