/*
 * runners/isolate.h — run a callback in a forked child process with a
 * shared output buffer, so that a crash (segfault, abort) in the callback
 * ends the child, not sepbench.
 *
 * The parent maps an anonymous shared region (mmap MAP_SHARED |
 * MAP_ANONYMOUS) before forking; the child sees the parent's memory
 * copy-on-write, runs the callback, which writes its results into the
 * shared region, and leaves with _exit(callback's return value).  The
 * parent waits for it (waitpid, restarted on EINTR) and reports the exit
 * code or the signal that killed it.  Used by runners/plugin.c to run a
 * plugin's create/separate/destroy (POSIX fork(2), waitpid(2), mmap(2)).
 *
 * Workload: one region and one fork per separated item; the region holds
 * the estimates of a track (up to a few hundred MB), fork costs a few ms.
 *
 * The child of a multi-threaded (OpenMP) process has only the forking
 * thread: the callback must not wait for locks other threads may hold
 * (stdio), nor use OpenMP; malloc is usable (glibc resets its locks at
 * fork).  In the child SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT are
 * reset to their default action before the callback runs, so a crash is
 * reported as the signal even under a sanitizer's handler.
 *
 * Thread-safety: one sb_isolate per thread; different threads may fork
 * their own at the same time.
 */
#ifndef SB_RUNNERS_ISOLATE_H
#define SB_RUNNERS_ISOLATE_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_isolate sb_isolate;

/* How the child ended: exit_code (0-255) when signal == 0, else the number
 * of the signal that killed it. */
typedef struct sb_isolate_status {
  int exit_code;
  int signal;
} sb_isolate_status;

/* Runs in the child; shared is the region of sb_isolate_shared; the
 * return value (0-255) is the child's exit code. */
typedef int (*sb_isolate_fn)(void *ctx, void *shared);

/* Maps a zeroed shared region of n_bytes (> 0), aligned for any type.
 * Errors: SB_EINVAL (NULL out, n_bytes == 0), SB_ENOMEM (mmap fails; msg
 * names the size). */
sb_err sb_isolate_new(size_t n_bytes, sb_isolate **out, sb_msg *msg);

/* The shared region: written by the child, read by the parent after
 * sb_isolate_run returns. */
void *sb_isolate_shared(sb_isolate *iso);

/* Forks; the child calls fn(ctx, shared) and _exit()s with its return
 * value; the parent waits and fills *status.  A child killed by a signal
 * is not an error of this function (see status->signal).  Errors:
 * SB_EINVAL (NULL argument), SB_EBACKEND (fork or waitpid fails: msg has
 * strerror). */
sb_err sb_isolate_run(sb_isolate *iso, sb_isolate_fn fn, void *ctx, sb_isolate_status *status, sb_msg *msg);

/* Unmaps and frees; accepts NULL and *iso == NULL; sets *iso to NULL. */
void sb_isolate_free(sb_isolate **iso);

#endif /* SB_RUNNERS_ISOLATE_H */
