/*
 * common/libload.c — dlopen of a library by soname and dlsym of a table of
 * its functions (common/libload.h).
 */
#include <config.h>

#include "common/libload.h"

#include <dlfcn.h>
#include <string.h>

sb_err sb_libload(const char *soname, const sb_libload_fn *fns, size_t n_fns, void *table, sb_msg *msg)
{
  const char *why;
  void *handle;

  if (!soname || !*soname || !fns || !table)
    return sb_msg_set(msg, SB_EINVAL, "library loading: NULL argument or empty soname");
  dlerror();
  handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    why = dlerror();
    return sb_msg_set(msg, SB_EUNSUPPORTED, "%s cannot be loaded: %s", soname, why ? why : "unknown dlopen error");
  }
  for (size_t i = 0; i < n_fns; i++) {
    void *sym;
    dlerror();
    sym = dlsym(handle, fns[i].name);
    why = dlerror();
    if (!sym || why) {
      sb_err err = sb_msg_set(msg, SB_EUNSUPPORTED, "%s has no function %s: %s", soname, fns[i].name,
                              why ? why : "NULL address");
      dlclose(handle);
      return err;
    }
    /* POSIX: an object pointer from dlsym converted to the function
     * pointer it is; memcpy keeps -pedantic quiet. */
    memcpy((char *)table + fns[i].offset, &sym, sizeof sym);
  }
  return SB_OK;
}
