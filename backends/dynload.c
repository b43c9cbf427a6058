/*
 * backends/dynload.c — dlopen of a plugin file and dlsym of its entry
 * point (backends/dynload.h).
 */
#include <config.h>

#include "backends/dynload.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"

struct sb_dynload {
  void *handle;
  char *path;
};

sb_err sb_dynload_open(const char *path, const char *entry, const char *kind, sb_dynload **out, sb_dynload_fn *fn,
                       sb_msg *msg)
{
  sb_dynload *lib;
  const char *why;
  void *sym;
  sb_err err;

  if (!out || !fn || !entry || !kind)
    return sb_msg_set(msg, SB_EINVAL, "plugin: NULL argument");
  *out = NULL;
  *fn = NULL;
  if (!path || !*path)
    return sb_msg_set(msg, SB_EINVAL, "plugin: empty path");
  lib = calloc(1, sizeof *lib);
  /* A file path, never a search of the loader's path: "x.so" is ./x.so. */
  if (!lib || sb_path_printf(&lib->path, "%s%s", strchr(path, '/') ? "" : "./", path) != SB_OK) {
    err = sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  dlerror();
  lib->handle = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    why = dlerror();
    err = sb_msg_set(msg, SB_ENOTFOUND, "plugin %s: cannot load: %s", lib->path, why ? why : "unknown dlopen error");
    goto fail;
  }
  dlerror();
  sym = dlsym(lib->handle, entry);
  why = dlerror();
  if (!sym || why) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "plugin %s: no symbol %s (is it a sepbench %s plugin?)", lib->path, entry,
                     kind);
    goto fail;
  }
  /* POSIX: converting the object pointer of dlsym to a function pointer is
   * how dlsym is meant to be used; memcpy keeps -pedantic quiet. */
  memcpy(fn, &sym, sizeof *fn);
  *out = lib;
  return SB_OK;
fail:
  sb_dynload_free(&lib);
  return err;
}

const char *sb_dynload_path(const sb_dynload *lib)
{
  return lib ? lib->path : NULL;
}

void sb_dynload_free(sb_dynload **lib)
{
  if (!lib || !*lib)
    return;
  if ((*lib)->handle)
    dlclose((*lib)->handle);
  free((*lib)->path);
  free(*lib);
  *lib = NULL;
}
