/*
 * common/subprocess.c — fork/exec with captured output, input from a
 * buffer, a timeout and a cancel flag (see common/subprocess.h).
 *
 * The exec error travels back through an extra close-on-exec pipe: the
 * child writes errno into it when execvp fails, and the parent reads EOF
 * (exec succeeded) or the errno.  One poll() loop then writes the input,
 * drains stdout and stderr and watches the process (pidfd, or waitpid
 * naps where there is none) until it has ended.
 */
#include <config.h>

#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"

/* How often a cancel flag is looked at; the waitpid naps where there is
 * no pidfd. */
#define CANCEL_POLL_MS 200
#define FIRST_NAP_MS 1
#define LONGEST_NAP_MS 20
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

/* One of the program's output pipes: its tail, and optionally its first
 * bytes in full. */
typedef struct stream {
  int fd; /* parent's end, -1 once at end of file */
  char *tail;
  size_t tail_used;
  char *data; /* the first `limit` bytes, NUL-terminated */
  size_t len, cap, limit;
} stream;

/* A started program and what is known of it. */
typedef struct run {
  pid_t pid;
  int pidfd; /* -1 where the kernel has none */
  int status, reaped;
  int in_fd; /* parent's end of stdin, -1 once closed */
  const char *input;
  size_t input_len, written;
  stream out, err;
} run;

/* Keeps n more bytes of a stream (its tail; its first `limit` bytes).
 * SB_ENOMEM. */
static sb_err stream_add(stream *st, const char *bytes, size_t n)
{
  size_t keep = st->len < st->limit ? st->limit - st->len : 0;

  tail_append(st->tail, &st->tail_used, bytes, n);
  if (keep > n)
    keep = n;
  if (keep == 0)
    return SB_OK;
  if (st->len + keep + 1 > st->cap) {
    size_t cap = st->cap ? st->cap : 65536;
    char *grown;
    while (cap < st->len + keep + 1)
      cap *= 2;
    grown = realloc(st->data, cap);
    if (!grown)
      return SB_ENOMEM;
    st->data = grown;
    st->cap = cap;
  }
  memcpy(st->data + st->len, bytes, keep);
  st->len += keep;
  st->data[st->len] = '\0';
  return SB_OK;
}

/* Reads what the pipe holds now, at most 1 MiB (its parent end is
 * non-blocking, and a background child writing without pause must not
 * hold the caller here); closes it at end of file.  SB_ENOMEM. */
static sb_err stream_read(stream *st)
{
  char chunk[65536];

  for (int n = 0; st->fd >= 0 && n < 16; n++) {
    const ssize_t got = read(st->fd, chunk, sizeof chunk);
    if (got > 0) {
      if (stream_add(st, chunk, (size_t)got) != SB_OK)
        return SB_ENOMEM;
      continue;
    }
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return SB_OK;
    close(st->fd); /* end of file, or an error that ends the stream */
    st->fd = -1;
  }
  return SB_OK;
}

/* Writes what the program's stdin takes now; closes it when all is
 * written or the program stopped reading. */
static void input_write(run *r)
{
  while (r->in_fd >= 0 && r->written < r->input_len) {
    const ssize_t sent = send(r->in_fd, r->input + r->written, r->input_len - r->written, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0)
      r->written += (size_t)sent;
    else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    else if (!(sent < 0 && errno == EINTR))
      break;
  }
  if (r->in_fd >= 0) {
    close(r->in_fd);
    r->in_fd = -1;
  }
}

/* The child: never returns.  Only async-signal-safe calls. */
static void child_exec(char *const *argv, const char *cwd, int in_fd, int out_fd, int err_fd, int status_fd)
{
  int code;

  setpgid(0, 0);
  if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
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

int sb_subprocess_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
  return (int)syscall(SYS_pidfd_open, pid, 0);
#else
  (void)pid;
  return -1;
#endif
}

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* Opens the program's stdin: a socket pair when there is input (*parent
 * gets the writing end), else /dev/null.  0 or -1 (errno). */
static int open_stdin(const run *r, int *child, int *parent)
{
  int pair[2];

  if (!r->input) {
    *child = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return *child < 0 ? -1 : 0;
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return -1;
  *parent = pair[0];
  *child = pair[1];
  return 0;
}

/* Starts the program: r->pid, r->pidfd and the parent's ends of its
 * pipes.  SB_EBACKEND when it cannot be executed (reaped already). */
static sb_err start(char *const *argv, const char *cwd, run *r, sb_msg *msg)
{
  int child_in = -1, out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1}, code;
  sb_err e = SB_OK;

  if (open_stdin(r, &child_in, &r->in_fd) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(status, O_CLOEXEC) != 0) {
    e = sb_msg_set(msg, SB_EIO, "%s: cannot create pipes: %s", argv[0], strerror(errno));
    goto done;
  }
  r->pid = fork();
  if (r->pid < 0) {
    e = sb_msg_set(msg, SB_EIO, "%s: cannot fork: %s", argv[0], strerror(errno));
    goto done;
  }
  if (r->pid == 0)
    child_exec(argv, cwd, child_in, out[1], err[1], status[1]);
  /* Also in the parent, so that the group exists before any kill(-pid). */
  setpgid(r->pid, r->pid);
  close_fd(&status[1]);
  code = exec_errno(status[0]);
  if (code) {
    while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
      ;
    r->pid = -1;
    e = sb_msg_set(msg, SB_EBACKEND, "cannot run '%s'%s%s: %s", argv[0], cwd ? " in " : "", cwd ? cwd : "",
                   strerror(code));
    goto done;
  }
  r->pidfd = sb_subprocess_pidfd(r->pid);
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
  fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
  r->out.fd = out[0];
  r->err.fd = err[0];
  out[0] = err[0] = -1;
done:
  close_fd(&child_in);
  for (int k = 0; k < 2; k++) {
    close_fd(&out[k]);
    close_fd(&err[k]);
    close_fd(&status[k]);
  }
  return e;
}

/* How long the next poll may sleep, in ms (-1: no limit). */
static int next_wait_ms(const run *r, double deadline, int cancellable, int *nap_ms)
{
  int wait_ms = cancellable ? CANCEL_POLL_MS : -1;

  if (deadline > 0) {
    const double left_ms = (deadline - monotonic_s()) * 1000.0;
    if (wait_ms < 0 || left_ms < wait_ms)
      wait_ms = left_ms < 0 ? 0 : left_ms > 3.6e6 ? 3600000 : (int)left_ms + 1;
  }
  if (r->pidfd < 0) {
    if (wait_ms < 0 || *nap_ms < wait_ms)
      wait_ms = *nap_ms;
    *nap_ms = 2 * *nap_ms < LONGEST_NAP_MS ? 2 * *nap_ms : LONGEST_NAP_MS;
  }
  return wait_ms;
}

/* Feeds and drains the program until it has ended (r->reaped), the
 * deadline has passed (res->timed_out) or cancel is set. */
static sb_err watch(run *r, const char *program, double deadline, const volatile sig_atomic_t *cancel,
                    sb_subprocess_result *res, sb_msg *msg)
{
  int nap_ms = FIRST_NAP_MS;

  for (;;) {
    struct pollfd fds[4];
    nfds_t n = 0;
    const pid_t got = waitpid(r->pid, &r->status, WNOHANG);
    if (got == r->pid) {
      r->reaped = 1;
      break;
    }
    if (got < 0 && errno != EINTR)
      return sb_msg_set(msg, SB_EIO, "%s: waitpid failed: %s", program, strerror(errno));
    if (cancel && *cancel)
      return sb_msg_set(msg, SB_EINTERRUPT, "%s: stopped (interrupted)", program);
    if (deadline > 0 && monotonic_s() >= deadline) {
      res->timed_out = 1;
      return SB_OK;
    }
    if (r->out.fd >= 0)
      fds[n++] = (struct pollfd){.fd = r->out.fd, .events = POLLIN};
    if (r->err.fd >= 0)
      fds[n++] = (struct pollfd){.fd = r->err.fd, .events = POLLIN};
    if (r->in_fd >= 0)
      fds[n++] = (struct pollfd){.fd = r->in_fd, .events = POLLOUT};
    if (r->pidfd >= 0)
      fds[n++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
    if (poll(fds, n, next_wait_ms(r, deadline, cancel != NULL, &nap_ms)) < 0 && errno != EINTR)
      return sb_msg_set(msg, SB_EIO, "%s: poll failed: %s", program, strerror(errno));
    if (stream_read(&r->out) || stream_read(&r->err))
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory reading its output", program);
    input_write(r);
  }
  /* What the program wrote before it ended is in the pipes. */
  if (stream_read(&r->out) || stream_read(&r->err))
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory reading its output", program);
  return SB_OK;
}

sb_err sb_subprocess_run_io(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                            sb_subprocess_io *io, sb_subprocess_result *res, sb_msg *msg)
{
  run r = {.pid = -1, .pidfd = -1, .in_fd = -1, .out.fd = -1, .err.fd = -1};
  double start_s;
  int started;
  sb_err err;

  if (!argv || !argv[0] || !res)
    return sb_msg_set(msg, SB_EINVAL, "subprocess: no program to run");
  memset(res, 0, sizeof *res);
  r.out.tail = res->stdout_tail;
  r.err.tail = res->stderr_tail;
  if (io) {
    io->input_written = io->output_len = io->errors_len = 0;
    io->output = io->errors = NULL;
    r.input = io->input;
    r.input_len = io->input ? io->input_len : 0;
    r.out.limit = io->output_limit;
    r.err.limit = io->errors_limit;
  }
  start_s = monotonic_s();
  err = start(argv, cwd, &r, msg);
  started = !err;
  if (started)
    err = watch(&r, argv[0], timeout_s > 0 ? start_s + timeout_s : 0.0, cancel, res, msg);
  if (started && !r.reaped) {
    /* Not reaped yet, so the group id cannot have been reused. */
    kill(-r.pid, SIGKILL);
    while (waitpid(r.pid, &r.status, 0) < 0 && errno == EINTR)
      ;
  }
  res->wall_s = monotonic_s() - start_s;
  if (started && WIFEXITED(r.status)) {
    res->exited = 1;
    res->exit_status = WEXITSTATUS(r.status);
  } else if (started && WIFSIGNALED(r.status)) {
    res->signaled = 1;
    res->term_signal = WTERMSIG(r.status);
  }
  close_fd(&r.in_fd);
  close_fd(&r.out.fd);
  close_fd(&r.err.fd);
  close_fd(&r.pidfd);
  if (io && !err) {
    io->input_written = r.written;
    io->output = r.out.data;
    io->output_len = r.out.len;
    io->errors = r.err.data;
    io->errors_len = r.err.len;
  } else {
    free(r.out.data);
    free(r.err.data);
  }
  return err;
}

sb_err sb_subprocess_run(char *const *argv, const char *cwd, double timeout_s, const volatile sig_atomic_t *cancel,
                         sb_subprocess_result *res, sb_msg *msg)
{
  return sb_subprocess_run_io(argv, cwd, timeout_s, cancel, NULL, res, msg);
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
      lines[n++] = (*p == '\t' || !sb_control_char((unsigned char)*p)) ? *p : '?';
    }
  }
  lines[n] = '\0';
  snprintf(buf + used, len - (size_t)used, ": %s%s", start > tail ? "..." : "", lines);
}
