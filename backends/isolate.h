/*
 * backends/isolate.h — run a callback in a forked child process with a
 * shared output buffer, so that a crash (segfault, abort) or a hang in the
 * callback ends the child, not sepbench.
 *
 * The parent maps an anonymous shared region (mmap MAP_SHARED |
 * MAP_ANONYMOUS) before forking; the child sees the parent's memory
 * copy-on-write, runs the callback, which writes its results into the
 * shared region, and leaves with _exit(callback's return value).  The
 * parent waits for it and reports the exit code or the signal that killed
 * it.  With a time limit, or a cancel flag, the parent kills the child
 * (SIGKILL) once the limit has passed or the flag is set, and says so.
 * Used by backends/plugin.c to run a plugin's create/separate/destroy
 * (POSIX fork(2), waitpid(2), mmap(2)).
 *
 * Waiting: on Linux >= 5.3 the parent sleeps in poll(2) on a pidfd
 * (pidfd_open(2)) of the child, which wakes it the moment the child ends;
 * where pidfd_open is missing (older kernels, seccomp filters) it polls
 * waitpid(WNOHANG) at intervals growing from 1 ms to 20 ms.  A cancel flag
 * is looked at every 0.2 s; nothing spins.
 *
 * Workload: one region and one fork per separated item; the region holds
 * the estimates of a track (up to a few hundred MB), fork costs a few ms.
 *
 * The child of a multi-threaded (OpenMP) process has only the forking
 * thread: the callback must not wait for locks other threads may hold
 * (stdio), nor use OpenMP; malloc is usable (glibc resets its locks at
 * fork).  In the child SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT are
 * reset to their default action before the callback runs, so a crash is
 * reported as the signal even under a sanitizer's handler.  The child stays
 * in sepbench's process group, so a Ctrl-C at the terminal reaches it too;
 * processes the callback itself forks are not killed with it.
 *
 * Thread-safety: one sb_isolate per thread; different threads may fork
 * their own at the same time.
 */
#ifndef SB_BACKENDS_ISOLATE_H
#define SB_BACKENDS_ISOLATE_H

#include <signal.h>
#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_isolate sb_isolate;

/* How the child ended: exit_code (0-255) when signal == 0, else the number
 * of the signal that killed it (SIGKILL after a timeout or a cancel). */
typedef struct sb_isolate_status {
  int exit_code;
  int signal;
  int timed_out;  /* 1: killed by sb_isolate_run when timeout_s had passed */
  int cancelled;  /* 1: killed by sb_isolate_run because *cancel was set */
  double wall_s;  /* seconds from fork to the end of the child */
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
 * value; the parent waits and fills *status.  timeout_s > 0 is a
 * wall-clock limit in seconds (<= 0: none); cancel (may be NULL) is a flag
 * set asynchronously, e.g. by a SIGINT handler.  When the limit passes or
 * the flag is set the child is killed with SIGKILL and reaped, and
 * status->timed_out or status->cancelled is 1.  A child killed by a
 * signal, timed out or cancelled is not an error of this function.
 * Errors: SB_EINVAL (NULL argument), SB_EBACKEND (fork or waitpid fails:
 * msg has strerror). */
sb_err sb_isolate_run(sb_isolate *iso, sb_isolate_fn fn, void *ctx, double timeout_s,
                      const volatile sig_atomic_t *cancel, sb_isolate_status *status, sb_msg *msg);

/* The verdict on a child of sb_isolate_run that ran a caller's calls
 * (plugins: create(), separate() or compute(), destroy()): who names the
 * code ("plugin ./x.so"), call the call that was under way, where the
 * place (" on 'TRACK'", or ""), finished whether the child got through
 * every call.  In this order, msg is one line:
 *   SB_ETIMEOUT   "WHO timed out after T s in CALLWHERE" (status->timed_out);
 *   SB_EINTERRUPT "WHO stopped in CALLWHERE (interrupted)" (cancelled), or
 *                 killed by SIGINT or SIGTERM: "WHO interrupted in CALLWHERE
 *                 (signal 2, Interrupt)";
 *   SB_EBACKEND   another signal: "WHO crashed in CALLWHERE (signal 11,
 *                 Segmentation fault)"; or not finished: "WHO exited with
 *                 status N in CALLWHERE";
 *   SB_OK         the calls returned (msg untouched). */
sb_err sb_isolate_verdict(const sb_isolate_status *status, int finished, double timeout_s, const char *who,
                          const char *call, const char *where, sb_msg *msg);

/* Unmaps and frees; accepts NULL and *iso == NULL; sets *iso to NULL. */
void sb_isolate_free(sb_isolate **iso);

#endif /* SB_BACKENDS_ISOLATE_H */
