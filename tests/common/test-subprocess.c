/*
 * tests/common/test-subprocess.c — common/subprocess.c: exit status,
 * signals, stdout/stderr tails and captures, argv reaching the program
 * verbatim, cwd, a program that cannot be started, the timeout, the cancel
 * flag, input written while output is read (no deadlock, no SIGPIPE when
 * the program does not read), a program that exits while a background
 * child holds its pipes (ends with the program, not timed out), a program
 * that closes its pipes and runs on (timed out), the one-line summary.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/subprocess.h"
#include "tap.h"

static sb_subprocess_result res;

/* Runs sh -c script with the given timeout and io. */
static sb_err sh(const char *script, double timeout_s, sb_subprocess_io *io, sb_msg *msg)
{
  char *argv[] = {(char *)"sh", (char *)"-c", (char *)script, NULL};
  sb_msg_clear(msg);
  return sb_subprocess_run_io(argv, NULL, timeout_s, NULL, io, &res, msg);
}

static void test_endings(void)
{
  char *echo[] = {(char *)"sh", (char *)"-c", (char *)"printf '%s|' \"$@\"", (char *)"sh", (char *)"a b",
                  (char *)"$(touch x) 'q' \"d\"", (char *)"", NULL};
  char *pwd[] = {(char *)"pwd", NULL}, *missing[] = {(char *)"/nonexistent/prog", NULL};
  char line[600];
  sb_msg msg;
  sb_err err;

  err = sh("echo out; echo warming up >&2; echo model exploded >&2; exit 3", 0, NULL, &msg);
  tap_ok(err == SB_OK && res.exited && res.exit_status == 3 && !res.signaled && !res.timed_out,
         "exit status 3 (%s)", err ? msg.text : "ok");
  tap_ok(strcmp(res.stdout_tail, "out\n") == 0 && strcmp(res.stderr_tail, "warming up\nmodel exploded\n") == 0,
         "stdout and stderr tails");
  sb_subprocess_describe(&res, 0, line, sizeof line);
  tap_ok(strcmp(line, "exit status 3: warming up | model exploded") == 0, "summary: %s", line);
  err = sh("kill -KILL $$", 0, NULL, &msg);
  tap_ok(err == SB_OK && res.signaled && res.term_signal == SIGKILL && !res.exited, "killed by a signal");
  sb_subprocess_describe(&res, 0, line, sizeof line);
  tap_ok(strncmp(line, "killed by signal 9 ", 19) == 0, "summary: %s", line);
  err = sh("i=0; while [ $i -lt 300 ]; do printf '%04d....\\n' $i >&2; i=$((i+1)); done", 0, NULL, &msg);
  tap_ok(err == SB_OK && strlen(res.stderr_tail) == SB_SUBPROCESS_TAIL &&
             strcmp(res.stderr_tail + SB_SUBPROCESS_TAIL - 9, "0299....\n") == 0,
         "the tail keeps the last %d bytes", SB_SUBPROCESS_TAIL);

  err = sb_subprocess_run(echo, NULL, 0, NULL, &res, &msg);
  tap_ok(err == SB_OK && strcmp(res.stdout_tail, "a b|$(touch x) 'q' \"d\"||") == 0,
         "arguments reach the program verbatim, never through a shell: %s", res.stdout_tail);
  err = sb_subprocess_run(pwd, "/", 0, NULL, &res, &msg);
  tap_ok(err == SB_OK && strcmp(res.stdout_tail, "/\n") == 0, "cwd is honoured");
  err = sb_subprocess_run(pwd, "/nonexistent-dir", 0, NULL, &res, &msg);
  tap_ok(err == SB_EBACKEND && strstr(msg.text, "/nonexistent-dir"), "a missing cwd: %s", msg.text);
  err = sb_subprocess_run(missing, NULL, 0, NULL, &res, &msg);
  tap_ok(err == SB_EBACKEND && strstr(msg.text, "cannot run '/nonexistent/prog': No such file"),
         "a missing program: %s", msg.text);
  tap_ok(sb_subprocess_run(NULL, NULL, 0, NULL, &res, &msg) == SB_EINVAL, "NULL argv is SB_EINVAL");
}

static void test_time_limits(void)
{
  volatile sig_atomic_t cancel = 1;
  char *sleeper[] = {(char *)"sleep", (char *)"30", NULL};
  char line[600];
  sb_subprocess_io io = {.output_limit = 64};
  sb_msg msg;
  sb_err err;
  long pid = 0;

  err = sh("sleep 30", 0.2, NULL, &msg);
  tap_ok(err == SB_OK && res.timed_out && res.signaled && res.term_signal == SIGKILL, "the timeout kills");
  sb_subprocess_describe(&res, 0.2, line, sizeof line);
  tap_ok(strcmp(line, "timed out after 0.2 s (process group killed)") == 0, "summary: %s", line);
  err = sb_subprocess_run(sleeper, NULL, 0, &cancel, &res, &msg);
  tap_ok(err == SB_EINTERRUPT && strstr(msg.text, "interrupted"), "a set cancel flag stops it: %s", msg.text);

  /* Issue 12 item 13: the program exits, a background child keeps its
   * stdout and stderr open.  With a 60 s limit the run must end with the
   * program, exit status 0, not be recorded as timed out. */
  err = sh("sleep 60 & echo $!; echo started >&2; exit 0", 60, &io, &msg);
  tap_ok(err == SB_OK && res.exited && res.exit_status == 0 && !res.timed_out,
         "a program leaving a background child that holds its pipes ends with the program (%s)",
         err ? msg.text : res.timed_out ? "timed out" : "ok");
  tap_ok(io.output && sscanf(io.output, "%ld", &pid) == 1 && strcmp(res.stderr_tail, "started\n") == 0,
         "what it wrote before it ended is read");
  if (pid > 0)
    kill((pid_t)pid, SIGKILL);
  free(io.output);

  /* A program that closes its pipes and runs on still meets the timeout. */
  err = sh("exec >&- 2>&-; sleep 30", 0.3, NULL, &msg);
  tap_ok(err == SB_OK && res.timed_out, "a program that closed its pipes is timed out");
}

static void test_io(void)
{
  enum { N = 3 << 20 };
  char *input = malloc(N);
  sb_subprocess_io io = {.input = input, .input_len = N, .output_limit = SIZE_MAX, .errors_limit = 3};
  sb_msg msg;
  sb_err err;

  for (size_t i = 0; i < N; i++)
    input[i] = (char)('a' + i % 26);
  /* cat echoes 3 MiB while the parent is still writing: both directions
   * must flow at once. */
  err = sh("cat; printf 'abcdef' >&2", 60, &io, &msg);
  tap_ok(err == SB_OK && res.exited && res.exit_status == 0 && io.input_written == N && io.output_len == N &&
             memcmp(io.output, input, N) == 0,
         "3 MiB in and out through cat (%s)", err ? msg.text : "ok");
  tap_ok(io.errors_len == 3 && strcmp(io.errors, "abc") == 0 && strcmp(res.stderr_tail, "abcdef") == 0,
         "errors_limit keeps the first bytes, the tail the last");
  tap_ok(io.output[io.output_len] == '\0', "the capture is NUL-terminated");
  free(io.output);
  free(io.errors);

  io = (sb_subprocess_io){.input = input, .input_len = N};
  err = sh("exit 0", 60, &io, &msg);
  tap_ok(err == SB_OK && res.exited && res.exit_status == 0 && io.input_written < N && !io.output && !io.errors,
         "a program that reads no input: no SIGPIPE, %zu of %d bytes taken", io.input_written, N);
  io = (sb_subprocess_io){.input = "", .input_len = 0, .output_limit = 16};
  err = sh("cat; echo end", 60, &io, &msg);
  tap_ok(err == SB_OK && io.output && strcmp(io.output, "end\n") == 0, "empty input is end of file at once");
  free(io.output);
  free(input);
}

int main(void)
{
  signal(SIGPIPE, SIG_DFL);
  test_endings();
  test_time_limits();
  test_io();
  return tap_done();
}
