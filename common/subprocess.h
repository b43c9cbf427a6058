/*
 * common/subprocess.h — the one way sepbench starts a program (command
 * backends, gnuplot, the demo suites' speech synthesizers): fork/exec of
 * an argv array (never a shell, so arguments holding quotes, spaces or
 * "$(...)" reach the program verbatim), stdin from /dev/null or from a
 * buffer, stdout and stderr captured (the last bytes of each kept for
 * messages, and optionally the first bytes of each in full), a wall-clock
 * timeout and a cancel flag after which the whole process group is killed.
 *
 * The child runs in a process group of its own (setpgid), so a Ctrl-C at
 * the terminal reaches sepbench only, and a timeout kills grandchildren
 * too.  Descriptors are created close-on-exec, so concurrent calls from
 * several threads never leak one child's pipe into another.
 *
 * A run ends when the program ends, not when its pipes close: it is
 * watched through a pidfd (Linux >= 5.3; elsewhere by waitpid(WNOHANG)
 * every 1 to 20 ms).  What is already in the pipes is then read; a
 * background child that keeps stdout or stderr open is left running and
 * what it writes later is not read (like any grandchild that outlives the
 * program; only a timeout or a cancel kills the group).  A program that
 * closes its pipes and runs on still meets the timeout.
 *
 * Input is written through a socket (AF_UNIX stream) with MSG_NOSIGNAL
 * while stdout and stderr are drained in the same poll() loop, so neither
 * side can block the other however large the input or the output, and a
 * program that exits without reading its input causes no SIGPIPE.
 *
 * Workload: one call per (track, command backend) item, minutes each; one
 * per figure (gnuplot, scripts of kB to MB, images up to ~1 MB).
 * Thread-safety: concurrent calls are safe (no shared state; between fork
 * and exec the child only calls async-signal-safe functions).
 */
#ifndef SB_COMMON_SUBPROCESS_H
#define SB_COMMON_SUBPROCESS_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
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

/* The pipes of one run beyond the default (stdin /dev/null, output kept as
 * tails only).  Zero-initialise, set the inputs, read the outputs. */
typedef struct sb_subprocess_io {
  const char *input;    /* in: written to stdin, then end of file; NULL:
                           stdin is /dev/null */
  size_t input_len;     /* in: bytes of input */
  size_t output_limit;  /* in: keep the first output_limit bytes of stdout
                           in output (SIZE_MAX: all; 0: none) */
  size_t errors_limit;  /* in: the same for stderr in errors */
  size_t input_written; /* out: bytes of input the program took */
  char *output;         /* out: malloc'd, NUL-terminated after output_len
                           bytes, NULL when nothing was kept; caller frees */
  size_t output_len;
  char *errors;         /* out: the same for stderr */
  size_t errors_len;
} sb_subprocess_io;

/* Runs argv[0] (searched in PATH when it has no '/') with arguments argv
 * (NULL-terminated), in directory cwd (NULL = the current one), waiting at
 * most timeout_s seconds (<= 0: no limit).  When cancel is not NULL it is
 * checked every 0.2 s; once it is non-zero the process group is killed and
 * SB_EINTERRUPT returned (Ctrl-C of the run).  res describes how it ended;
 * SB_OK means only that the program was started and has ended (check
 * res->exited / exit_status / timed_out).
 * Errors: SB_EINVAL (NULL argv, argv[0] or res), SB_EBACKEND (the program
 * cannot be executed: not found, not executable, cwd missing — msg is
 * "cannot run 'PROGRAM': why"), SB_EINTERRUPT, SB_EIO (pipe, fork, poll or
 * waitpid failed), SB_ENOMEM. */
sb_err sb_subprocess_run(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                         sb_subprocess_result *res, sb_msg *msg);

/* sb_subprocess_run with the pipes of io (NULL: as sb_subprocess_run).
 * io's outputs are set on SB_OK only (NULL and 0 on error). */
sb_err sb_subprocess_run_io(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                            sb_subprocess_io *io, sb_subprocess_result *res, sb_msg *msg);

/* Writes a one-line summary of how the program ended into buf (size len):
 * "exit status 3", "killed by signal 11", "timed out after 5 s", followed
 * by ": " and the last non-empty lines of stderr (newlines shown as " | ",
 * at most ~300 characters) when there are any. */
void sb_subprocess_describe(const sb_subprocess_result *res, double timeout_s, char *buf, size_t len);

/* A descriptor that polls readable once child pid has ended, or -1 where
 * the kernel (or a seccomp filter) has no pidfd_open (Linux < 5.3): the
 * caller then polls waitpid(WNOHANG).  Close-on-exec; the caller closes
 * it.  Used here and by backends/isolate.c. */
int sb_subprocess_pidfd(pid_t pid);

#endif /* SB_COMMON_SUBPROCESS_H */
