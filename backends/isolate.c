/*
 * backends/isolate.c — a callback in a forked child with a shared output
 * region, a wall-clock limit and a cancel flag (POSIX fork/waitpid/mmap,
 * Linux pidfd_open; see backends/isolate.h).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/isolate.h"
#include "common/subprocess.h"

/* How often a cancel flag is looked at, and the longest single sleep (the
 * loop re-reads the clock after each). */
#define CANCEL_POLL_MS 200
#define MAX_SLEEP_MS 3600000
/* Sleeps between waitpid(WNOHANG) calls where there is no pidfd. */
#define FIRST_NAP_MS 1
#define LONGEST_NAP_MS 20

struct sb_isolate {
  void *shared;
  size_t n_bytes;
};

sb_err sb_isolate_new(size_t n_bytes, sb_isolate **out, sb_msg *msg)
{
  sb_isolate *iso;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "isolate: no result pointer");
  *out = NULL;
  if (n_bytes == 0)
    return sb_msg_set(msg, SB_EINVAL, "isolate: empty shared region");
  iso = calloc(1, sizeof *iso);
  if (!iso)
    return sb_msg_set(msg, SB_ENOMEM, "isolate: out of memory");
  iso->shared = mmap(NULL, n_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (iso->shared == MAP_FAILED) {
    const int why = errno;
    free(iso);
    return sb_msg_set(msg, SB_ENOMEM, "isolate: cannot map %zu bytes of shared memory: %s", n_bytes, strerror(why));
  }
  iso->n_bytes = n_bytes;
  *out = iso;
  return SB_OK;
}

void *sb_isolate_shared(sb_isolate *iso)
{
  return iso ? iso->shared : NULL;
}

/* In the child: default actions for the crash signals, then the callback. */
static _Noreturn void run_child(sb_isolate_fn fn, void *ctx, void *shared)
{
  static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  struct sigaction dfl;

  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
    sigaction(crash_signals[i], &dfl, NULL);
  _exit(fn(ctx, shared) & 0xff);
}

static double monotonic_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Sleeps until child pid may have ended or wait_ms (< 0: no limit) have
 * passed: in poll on *pidfd, else for *nap_ms (which then grows).  A pidfd
 * that poll refuses is closed and the naps take over. */
static void doze(int *pidfd, int *nap_ms, int wait_ms)
{
  if (*pidfd >= 0) {
    struct pollfd pfd = {.fd = *pidfd, .events = POLLIN};
    if (poll(&pfd, 1, wait_ms) >= 0 || errno == EINTR)
      return;
    close(*pidfd);
    *pidfd = -1;
  }
  {
    const int ms = wait_ms >= 0 && wait_ms < *nap_ms ? wait_ms : *nap_ms;
    const struct timespec nap = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&nap, NULL);
    *nap_ms = 2 * *nap_ms < LONGEST_NAP_MS ? 2 * *nap_ms : LONGEST_NAP_MS;
  }
}

/* Waits for child pid until it ends, timeout_s has passed since start or
 * *cancel is set; kills it (SIGKILL) in the last two cases.  Fills
 * *wstatus and the timed_out / cancelled flags; returns 0 or the errno of
 * a failed waitpid. */
static int wait_child(pid_t pid, double start, double timeout_s, const volatile sig_atomic_t *cancel, int *wstatus,
                      sb_isolate_status *status)
{
  int pidfd = sb_subprocess_pidfd(pid), nap_ms = FIRST_NAP_MS, why = 0;
  pid_t got;

  for (;;) {
    int wait_ms = -1;
    got = waitpid(pid, wstatus, WNOHANG);
    if (got == pid)
      break;
    if (got < 0 && errno != EINTR) {
      why = errno;
      break;
    }
    if (cancel && *cancel) {
      status->cancelled = 1;
      break;
    }
    if (timeout_s > 0) {
      const double left_ms = (start + timeout_s - monotonic_s()) * 1000.0;
      if (left_ms <= 0) {
        status->timed_out = 1;
        break;
      }
      wait_ms = left_ms < MAX_SLEEP_MS ? (int)left_ms + 1 : MAX_SLEEP_MS;
    }
    if (cancel && (wait_ms < 0 || wait_ms > CANCEL_POLL_MS))
      wait_ms = CANCEL_POLL_MS;
    doze(&pidfd, &nap_ms, wait_ms);
  }
  if (status->timed_out || status->cancelled) {
    /* The child is not reaped yet, so its pid cannot have been reused. */
    kill(pid, SIGKILL);
    while ((got = waitpid(pid, wstatus, 0)) < 0 && errno == EINTR)
      ;
    if (got < 0)
      why = errno;
    /* It may have ended by itself just before the kill. */
    else if (!WIFSIGNALED(*wstatus) || WTERMSIG(*wstatus) != SIGKILL)
      status->timed_out = status->cancelled = 0;
  }
  if (pidfd >= 0)
    close(pidfd);
  return why;
}

sb_err sb_isolate_run(sb_isolate *iso, sb_isolate_fn fn, void *ctx, double timeout_s,
                      const volatile sig_atomic_t *cancel, sb_isolate_status *status, sb_msg *msg)
{
  pid_t pid;
  int wstatus = 0, why;
  double start;

  if (!iso || !fn || !status)
    return sb_msg_set(msg, SB_EINVAL, "isolate: NULL argument");
  memset(status, 0, sizeof *status);
  start = monotonic_s();
  pid = fork();
  if (pid < 0)
    return sb_msg_set(msg, SB_EBACKEND, "isolate: cannot fork: %s", strerror(errno));
  if (pid == 0)
    run_child(fn, ctx, iso->shared);
  why = wait_child(pid, start, timeout_s, cancel, &wstatus, status);
  status->wall_s = monotonic_s() - start;
  if (why)
    return sb_msg_set(msg, SB_EBACKEND, "isolate: cannot wait for child %ld: %s", (long)pid, strerror(why));
  if (WIFSIGNALED(wstatus))
    status->signal = WTERMSIG(wstatus);
  else
    status->exit_code = WEXITSTATUS(wstatus);
  return SB_OK;
}

sb_err sb_isolate_verdict(const sb_isolate_status *status, int finished, double timeout_s, const char *who,
                          const char *call, const char *where, sb_msg *msg)
{
  sb_err err;
  if (status->timed_out)
    return sb_msg_set(msg, SB_ETIMEOUT, "%s timed out after %g s in %s%s", who, timeout_s, call, where);
  if (status->cancelled)
    return sb_msg_set(msg, SB_EINTERRUPT, "%s stopped in %s%s (interrupted)", who, call, where);
  if (status->signal) {
    err = status->signal == SIGINT || status->signal == SIGTERM ? SB_EINTERRUPT : SB_EBACKEND;
    return sb_msg_set(msg, err, "%s %s in %s%s (signal %d, %s)", who, err == SB_EINTERRUPT ? "interrupted" : "crashed",
                      call, where, status->signal, strsignal(status->signal));
  }
  if (!finished)
    return sb_msg_set(msg, SB_EBACKEND, "%s exited with status %d in %s%s", who, status->exit_code, call, where);
  return SB_OK;
}

void sb_isolate_free(sb_isolate **iso)
{
  if (!iso || !*iso)
    return;
  munmap((*iso)->shared, (*iso)->n_bytes);
  free(*iso);
  *iso = NULL;
}
