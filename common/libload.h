/*
 * common/libload.h — loading a system shared library by its soname on
 * first use and resolving the functions a module calls into that module's
 * table of function pointers.
 *
 * Why: a library linked into the program (NEEDED) is loaded, with all its
 * dependencies, at every start of every command; FFmpeg's libavformat
 * alone pulls in over a hundred libraries and costs the dynamic loader
 * tens of milliseconds of symbol lookups.  The few modules that use such a
 * library (datasets/avlib.h, datasets/fluidlib.h) load it here the first
 * time they are needed instead.
 *
 * The library is opened with dlopen(soname, RTLD_NOW | RTLD_LOCAL): the
 * dynamic loader's usual search (LD_LIBRARY_PATH, ld.so.cache, the default
 * directories), every symbol bound at once, none of its symbols made
 * global.  A library once loaded stays loaded for the life of the process
 * (there is no close: the tables it fills are process-wide and FFmpeg
 * keeps a pointer to sepbench's log callback).
 *
 * Workload: a handful of calls per process.  Thread-safety: safe from any
 * number of threads at once (dlopen and dlsym are; dlerror is per thread in
 * glibc), on distinct tables; callers fill their process-wide table once
 * (pthread_once).
 */
#ifndef SB_COMMON_LIBLOAD_H
#define SB_COMMON_LIBLOAD_H

#include <stddef.h>
#include "sepbench/error.h"

/* One function to resolve: its symbol name and the offset (offsetof) of
 * the function-pointer member that receives its address in the caller's
 * table. */
typedef struct sb_libload_fn {
  const char *name;
  size_t offset;
} sb_libload_fn;

/* Loads soname and writes the address of each of the n_fns functions into
 * the function-pointer member at (char *)table + fns[i].offset.  Errors
 * (msg is one line naming the library, for the caller to prefix with the
 * file it was reading): SB_EUNSUPPORTED "SONAME cannot be loaded:
 * <dlerror text>" (not installed, not a shared object, a dependency
 * missing) or "SONAME has no function NAME: <dlerror text>" (another
 * version than the headers'); the table is then partly written and must
 * not be used.  SB_EINVAL for a NULL or empty soname, a NULL table or
 * fns. */
sb_err sb_libload(const char *soname, const sb_libload_fn *fns, size_t n_fns, void *table, sb_msg *msg);

#endif /* SB_COMMON_LIBLOAD_H */
