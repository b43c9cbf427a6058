/*
 * common/subprocess.c — fork/exec with captured output and a timeout
 * (see common/subprocess.h).
 *
 * The exec error travels back through an extra close-on-exec pipe: the
 * child writes errno into it when execvp fails, and the parent reads EOF
 * (exec succeeded) or the errno.
 */
#include <config.h>

#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double monotonic_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Appends n bytes to a tail buffer of SB_SUBPROCESS_TAIL bytes, keeping
 * the last ones. */
static void tail_append(char *tail, size_t *used, const char *data, size_t n)
{
  if (n >= SB_SUBPROCESS_TAIL) {
    memcpy(tail, data + n - SB_SUBPROCESS_TAIL, SB_SUBPROCESS_TAIL);
    *used = SB_SUBPROCESS_TAIL;
  } else {
    if (*used + n > SB_SUBPROCESS_TAIL) {
      const size_t drop = *used + n - SB_SUBPROCESS_TAIL;
      memmove(tail, tail + drop, *used - drop);
      *used -= drop;
    }
    memcpy(tail + *used, data, n);
    *used += n;
  }
  tail[*used] = '\0';
}

/* The child: never returns.  Only async-signal-safe calls. */
static void child_exec(char *const *argv, const char *cwd, int devnull, int out_fd, int err_fd, int status_fd)
{
  int code;

  setpgid(0, 0);
  if (dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
    goto fail;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  if (cwd && chdir(cwd) != 0)
    goto fail;
  execvp(argv[0], argv);
fail:
  code = errno;
  if (write(status_fd, &code, sizeof code) < 0)
    _exit(127);
  _exit(127);
}

/* Reads what the exec-status pipe says: 0 when exec succeeded. */
static int exec_errno(int status_fd)
{
  int code = 0;
  ssize_t got;

  do
    got = read(status_fd, &code, sizeof code);
  while (got < 0 && errno == EINTR);
  return got == (ssize_t)sizeof code ? code : 0;
}

sb_err sb_subprocess_run(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                         sb_subprocess_result *res, sb_msg *msg)
{
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1}, devnull = -1;
  size_t out_used = 0, err_used = 0;
  double start, deadline;
  pid_t pid = -1;
  int status = 0, open_fds, code;
  sb_err err = SB_OK;

  if (!argv || !argv[0] || !res)
    return sb_msg_set(msg, SB_EINVAL, "subprocess: no program to run");
  memset(res, 0, sizeof *res);
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(status_pipe, O_CLOEXEC) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot create pipes: %s", argv[0], strerror(errno));
    goto done;
  }
  start = monotonic_s();
  deadline = timeout_s > 0 ? start + timeout_s : 0.0;
  pid = fork();
  if (pid < 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot fork: %s", argv[0], strerror(errno));
    goto done;
  }
  if (pid == 0)
    child_exec(argv, cwd, devnull, out_pipe[1], err_pipe[1], status_pipe[1]);
  /* Also in the parent, so that the group exists before any kill(-pid). */
  setpgid(pid, pid);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(status_pipe[1]);
  out_pipe[1] = err_pipe[1] = status_pipe[1] = -1;
  code = exec_errno(status_pipe[0]);
  if (code) {
    waitpid(pid, &status, 0);
    pid = -1;
    err = sb_msg_set(msg, SB_EBACKEND, "cannot run '%s'%s%s: %s", argv[0], cwd ? " in " : "", cwd ? cwd : "",
                     strerror(code));
    goto done;
  }
  open_fds = 2;
  while (open_fds > 0) {
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int wait_ms = cancel ? 200 : -1, ready;
    if (cancel && *cancel) {
      err = sb_msg_set(msg, SB_EINTERRUPT, "%s: stopped (interrupted)", argv[0]);
      break;
    }
    if (deadline > 0) {
      const double left = deadline - monotonic_s();
      if (left <= 0) {
        res->timed_out = 1;
        break;
      }
      if (wait_ms < 0 || left * 1000.0 < wait_ms)
        wait_ms = (int)(left * 1000.0) + 1;
    }
    ready = poll(fds, 2, wait_ms);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0) {
      err = sb_msg_set(msg, SB_EIO, "%s: poll failed: %s", argv[0], strerror(errno));
      break;
    }
    for (int k = 0; k < 2; k++) {
      char chunk[4096];
      ssize_t got;
      int *fd = k == 0 ? &out_pipe[0] : &err_pipe[0];
      if (*fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      got = read(*fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        close(*fd);
        *fd = -1;
        open_fds--;
        continue;
      }
      if (k == 0)
        tail_append(res->stdout_tail, &out_used, chunk, (size_t)got);
      else
        tail_append(res->stderr_tail, &err_used, chunk, (size_t)got);
    }
  }
  if (res->timed_out || err)
    kill(-pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* Grandchildren that outlive the program (holding no pipe) are left;
   * after a timeout the whole group was killed. */
  pid = -1;
  res->wall_s = monotonic_s() - start;
  if (WIFEXITED(status)) {
    res->exited = 1;
    res->exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res->signaled = 1;
    res->term_signal = WTERMSIG(status);
  }
done:
  for (int k = 0; k < 2; k++) {
    if (out_pipe[k] >= 0)
      close(out_pipe[k]);
    if (err_pipe[k] >= 0)
      close(err_pipe[k]);
    if (status_pipe[k] >= 0)
      close(status_pipe[k]);
  }
  if (devnull >= 0)
    close(devnull);
  return err;
}

void sb_subprocess_describe(const sb_subprocess_result *res, double timeout_s, char *buf, size_t len)
{
  char lines[SB_SUBPROCESS_TAIL * 3 + 1];
  const char *tail = res->stderr_tail, *start;
  size_t n = 0, end;
  int used;

  if (res->timed_out)
    used = snprintf(buf, len, "timed out after %g s (process group killed)", timeout_s);
  else if (res->signaled)
    used = snprintf(buf, len, "killed by signal %d (%s)", res->term_signal, strsignal(res->term_signal));
  else
    used = snprintf(buf, len, "exit status %d", res->exit_status);
  if (used < 0 || (size_t)used >= len)
    return;
  /* The last ~300 characters of stderr, blank lines dropped. */
  end = strlen(tail);
  while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r' || tail[end - 1] == ' '))
    end--;
  if (end == 0)
    return;
  start = end > 300 ? tail + end - 300 : tail;
  for (const char *p = start; p < tail + end; p++) {
    if (*p == '\n' || *p == '\r') {
      if (n > 0 && !(n >= 3 && memcmp(lines + n - 3, " | ", 3) == 0)) {
        memcpy(lines + n, " | ", 3);
        n += 3;
      }
    } else {
      lines[n++] = (*p == '\t' || (unsigned char)*p >= 0x20) ? *p : '?';
    }
  }
  lines[n] = '\0';
  snprintf(buf + used, len - (size_t)used, ": %s%s", start > tail ? "..." : "", lines);
}
