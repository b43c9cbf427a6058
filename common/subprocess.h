/*
 * common/subprocess.h — running an external program for the command
 * backend: fork/exec of an argv array (never a shell, so arguments holding
 * quotes, spaces or "$(...)" reach the program verbatim), stdin from
 * /dev/null, stdout and stderr captured (the last bytes of each kept for
 * messages), a wall-clock timeout after which the whole process group is
 * killed.
 *
 * The child runs in a process group of its own (setpgid), so a Ctrl-C at
 * the terminal reaches sepbench only, and a timeout kills grandchildren
 * too.  Pipes are created close-on-exec, so concurrent calls from several
 * threads never leak one child's pipe into another (which would keep a
 * reader waiting for EOF).
 *
 * Workload: one call per (track, command backend) item, minutes each.
 * Thread-safety: concurrent calls are safe (no shared state; between fork
 * and exec the child only calls async-signal-safe functions).
 */
#ifndef SB_COMMON_SUBPROCESS_H
#define SB_COMMON_SUBPROCESS_H

#include <signal.h>
#include <stddef.h>
#include "sepbench/error.h"

#define SB_SUBPROCESS_TAIL 1024 /* bytes of stdout / stderr kept */

typedef struct sb_subprocess_result {
  int exited;          /* 1: exited normally with exit_status */
  int exit_status;
  int signaled;        /* 1: killed by signal term_signal */
  int term_signal;
  int timed_out;       /* 1: killed by sepbench after the timeout */
  double wall_s;
  char stdout_tail[SB_SUBPROCESS_TAIL + 1]; /* last bytes, NUL-terminated */
  char stderr_tail[SB_SUBPROCESS_TAIL + 1];
} sb_subprocess_result;

/* Runs argv[0] (searched in PATH when it has no '/') with arguments argv
 * (NULL-terminated), in directory cwd (NULL = the current one), waiting at
 * most timeout_s seconds (<= 0: no limit).  When cancel is not NULL it is
 * checked every 0.2 s; once it is non-zero the process group is killed and
 * SB_EINTERRUPT returned (Ctrl-C of the run).  res describes how it ended;
 * SB_OK means only that the program was started and has ended (check
 * res->exited / exit_status).
 * Errors: SB_EINVAL (NULL argv, argv[0] or res), SB_EBACKEND (the program
 * cannot be executed: not found, not executable, cwd missing — msg names
 * it), SB_EINTERRUPT, SB_EIO (pipe, fork or poll failed), SB_ENOMEM. */
sb_err sb_subprocess_run(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                         sb_subprocess_result *res, sb_msg *msg);

/* Writes a one-line summary of how the program ended into buf (size len):
 * "exit status 3", "killed by signal 11", "timed out after 5 s", followed
 * by ": " and the last non-empty lines of stderr (newlines shown as " | ",
 * at most ~300 characters) when there are any. */
void sb_subprocess_describe(const sb_subprocess_result *res, double timeout_s, char *buf, size_t len);

#endif /* SB_COMMON_SUBPROCESS_H */
