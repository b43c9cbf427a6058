/*
 * reports/gnuplot.c — gnuplot through pipes (contract in reports/gnuplot.h).
 *
 * The parent writes the script to the child's stdin while it drains the
 * child's stdout and stderr in one poll() loop, so neither side can block
 * the other however large the script or the image is.
 */
#include <config.h>

#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_TIMEOUT_S 60.0
#define STDERR_KEEP 65536 /* bytes of gnuplot's stderr kept for the message */
#define MESSAGE_MAX 300   /* characters of stderr quoted in a message */

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

const char *sb_gnuplot_program(void)
{
  const char *env = getenv("SEPBENCH_GNUPLOT");
  return env && *env ? env : SB_GNUPLOT;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Appends n bytes (keeping room for a NUL); SB_ENOMEM. */
static sb_err buffer_add(buffer *b, const char *bytes, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown)
      return SB_ENOMEM;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return SB_OK;
}

/* Reads what is available on fd into b (at most `limit` bytes kept);
 * *eof = 1 at end of file.  SB_EIO, SB_ENOMEM. */
static sb_err drain(int fd, buffer *b, size_t limit, int *eof)
{
  char chunk[65536];
  for (;;) {
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got > 0) {
      size_t keep = b->len >= limit ? 0 : limit - b->len;
      if (keep > (size_t)got)
        keep = (size_t)got;
      if (keep && buffer_add(b, chunk, keep) != SB_OK)
        return SB_ENOMEM;
      continue;
    }
    if (got == 0) {
      *eof = 1;
      return SB_OK;
    }
    if (errno == EINTR)
      continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? SB_OK : SB_EIO;
  }
}

/* gnuplot's stderr as one line: the echoed command ("gnuplot> ...") and
 * the caret line are dropped, runs of blanks collapse, lines are joined
 * with " | ".  Writes "no message" when nothing is left. */
static void describe_stderr(const char *text, char *line, size_t size)
{
  size_t used = 0;
  const char *p = text ? text : "";
  line[0] = '\0';
  while (*p && used + 1 < size) {
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    int only_marks = 1;
    for (size_t i = 0; i < n; i++)
      only_marks &= p[i] == ' ' || p[i] == '\t' || p[i] == '^' || p[i] == '\r';
    if (!only_marks && strncmp(p, "gnuplot>", 8) != 0) {
      if (used > 0 && used + 3 < size) {
        memcpy(line + used, " | ", 3);
        used += 3;
      }
      int blank = 1;
      for (size_t i = 0; i < n && used + 1 < size; i++) {
        int is_blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
        if (!(is_blank && blank))
          line[used++] = is_blank ? ' ' : p[i];
        blank = is_blank;
      }
      while (used > 0 && line[used - 1] == ' ')
        used--;
      line[used] = '\0';
    }
    p = end ? end + 1 : p + n;
  }
  if (!line[0])
    snprintf(line, size, "no message");
}

static sb_err set_nonblocking(int fd)
{
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 ? SB_OK : SB_EIO;
}

sb_err sb_gnuplot_run(const char *program, const char *script, size_t script_len,
                      double timeout_s, char **out, size_t *out_len, sb_msg *msg)
{
  int in_fds[2] = {-1, -1}, out_fds[2] = {-1, -1}, err_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  int have_actions = 0, out_eof = 0, err_eof = 0, status = 0, reaped = 0;
  buffer image = {0}, errors = {0};
  size_t written = 0;
  int stopped_reading = 0;
  double deadline;
  pid_t pid = -1;
  sb_err err = SB_OK;
  char why[MESSAGE_MAX + 1];

  if (out)
    *out = NULL;
  if (out_len)
    *out_len = 0;
  if (!script || !out || !out_len)
    return sb_msg_set(msg, SB_EINVAL, "gnuplot: NULL argument");
  if (!program)
    program = sb_gnuplot_program();
  if (timeout_s <= 0)
    timeout_s = DEFAULT_TIMEOUT_S;

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_fds) != 0 ||
      pipe2(out_fds, O_CLOEXEC) != 0 || pipe2(err_fds, O_CLOEXEC) != 0) {
    err = sb_msg_set(msg, SB_EIO, "gnuplot: cannot create pipes: %s", strerror(errno));
    goto fail;
  }
  if (posix_spawn_file_actions_init(&actions) != 0) {
    err = sb_msg_set(msg, SB_ENOMEM, "gnuplot: out of memory");
    goto fail;
  }
  have_actions = 1;
  if (posix_spawn_file_actions_adddup2(&actions, in_fds[1], STDIN_FILENO) != 0 ||
      posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO) != 0 ||
      posix_spawn_file_actions_adddup2(&actions, err_fds[1], STDERR_FILENO) != 0) {
    err = sb_msg_set(msg, SB_ENOMEM, "gnuplot: out of memory");
    goto fail;
  }
  {
    char *argv[] = {(char *)program, (char *)"-d", NULL};
    int rc = posix_spawnp(&pid, program, &actions, NULL, argv, environ);
    if (rc != 0) {
      pid = -1;
      err = sb_msg_set(msg, SB_EBACKEND,
                       "gnuplot: cannot run '%s': %s (install gnuplot, e.g. the Debian package "
                       "gnuplot-nox, or set SEPBENCH_GNUPLOT)",
                       program, strerror(rc));
      goto fail;
    }
  }
  close(in_fds[1]);
  close(out_fds[1]);
  close(err_fds[1]);
  in_fds[1] = out_fds[1] = err_fds[1] = -1;
  if (set_nonblocking(in_fds[0]) || set_nonblocking(out_fds[0]) || set_nonblocking(err_fds[0])) {
    err = sb_msg_set(msg, SB_EIO, "gnuplot: fcntl failed: %s", strerror(errno));
    goto fail;
  }
  if (script_len == 0) {
    close(in_fds[0]);
    in_fds[0] = -1;
  }

  deadline = now_s() + timeout_s;
  while (!out_eof || !err_eof) {
    struct pollfd fds[3];
    int n_fds = 0, writer = -1;
    if (!out_eof)
      fds[n_fds++] = (struct pollfd){.fd = out_fds[0], .events = POLLIN};
    if (!err_eof)
      fds[n_fds++] = (struct pollfd){.fd = err_fds[0], .events = POLLIN};
    if (in_fds[0] >= 0) {
      writer = n_fds;
      fds[n_fds++] = (struct pollfd){.fd = in_fds[0], .events = POLLOUT};
    }
    double left = deadline - now_s();
    if (left <= 0) {
      err = sb_msg_set(msg, SB_ETIMEOUT, "gnuplot: '%s' did not finish within %g s", program,
                       timeout_s);
      goto fail;
    }
    int ready = poll(fds, (nfds_t)n_fds, (int)(left * 1000.0) + 1);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0) {
      err = sb_msg_set(msg, SB_EIO, "gnuplot: poll failed: %s", strerror(errno));
      goto fail;
    }
    if (writer >= 0 && fds[writer].revents) {
      ssize_t sent = send(in_fds[0], script + written, script_len - written,
                          MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0)
        written += (size_t)sent;
      else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        stopped_reading = 1; /* gnuplot exited early: its exit status tells why */
      if (written == script_len || stopped_reading) {
        close(in_fds[0]);
        in_fds[0] = -1;
      }
    }
    if (!out_eof && drain(out_fds[0], &image, (size_t)-1, &out_eof) != SB_OK) {
      err = sb_msg_set(msg, SB_ENOMEM, "gnuplot: out of memory reading its output");
      goto fail;
    }
    if (!err_eof && drain(err_fds[0], &errors, STDERR_KEEP, &err_eof) != SB_OK) {
      err = sb_msg_set(msg, SB_ENOMEM, "gnuplot: out of memory reading its messages");
      goto fail;
    }
  }
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      err = sb_msg_set(msg, SB_EIO, "gnuplot: waitpid failed: %s", strerror(errno));
      goto fail;
    }
  }
  reaped = 1;
  describe_stderr(errors.data, why, sizeof why);
  if (WIFSIGNALED(status)) {
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' killed by signal %d: %s", program,
                     WTERMSIG(status), why);
    goto fail;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' failed (exit status %d): %s", program,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, why);
    goto fail;
  }
  if (stopped_reading || image.len == 0) {
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' wrote no image: %s", program, why);
    goto fail;
  }
  *out = image.data;
  *out_len = image.len;
  image.data = NULL;

fail:
  if (pid > 0 && !reaped) {
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
  }
  if (have_actions)
    posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < 2; i++) {
    if (in_fds[i] >= 0)
      close(in_fds[i]);
    if (out_fds[i] >= 0)
      close(out_fds[i]);
    if (err_fds[i] >= 0)
      close(err_fds[i]);
  }
  free(image.data);
  free(errors.data);
  return err;
}
