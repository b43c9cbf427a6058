/*
 * runners/isolate.c — a callback in a forked child with a shared output
 * region (POSIX fork/waitpid/mmap; see runners/isolate.h).
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/isolate.h"

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

sb_err sb_isolate_run(sb_isolate *iso, sb_isolate_fn fn, void *ctx, sb_isolate_status *status, sb_msg *msg)
{
  pid_t pid, got;
  int wstatus = 0;

  if (!iso || !fn || !status)
    return sb_msg_set(msg, SB_EINVAL, "isolate: NULL argument");
  memset(status, 0, sizeof *status);
  pid = fork();
  if (pid < 0)
    return sb_msg_set(msg, SB_EBACKEND, "isolate: cannot fork: %s", strerror(errno));
  if (pid == 0)
    run_child(fn, ctx, iso->shared);
  do
    got = waitpid(pid, &wstatus, 0);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    return sb_msg_set(msg, SB_EBACKEND, "isolate: cannot wait for child %ld: %s", (long)pid, strerror(errno));
  if (WIFSIGNALED(wstatus))
    status->signal = WTERMSIG(wstatus);
  else
    status->exit_code = WEXITSTATUS(wstatus);
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
