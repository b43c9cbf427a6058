/*
 * reports/gnuplot.c — gnuplot through pipes (contract in reports/gnuplot.h),
 * started by common/subprocess.h, which writes the script to gnuplot's
 * stdin while it drains stdout and stderr, so neither side can block the
 * other however large the script or the image is.
 */
#include <config.h>

#include "reports/gnuplot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/subprocess.h"

#define DEFAULT_TIMEOUT_S 60.0
#define STDERR_KEEP 65536 /* bytes of gnuplot's stderr kept for the message */
#define MESSAGE_MAX 300   /* characters of stderr quoted in a message */

const char *sb_gnuplot_program(void)
{
  const char *env = getenv("SEPBENCH_GNUPLOT");
  return env && *env ? env : SB_GNUPLOT;
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

sb_err sb_gnuplot_run(const char *program, const char *script, size_t script_len,
                      double timeout_s, char **out, size_t *out_len, sb_msg *msg)
{
  sb_subprocess_io io = {.input = script, .input_len = script_len, .output_limit = SIZE_MAX,
                         .errors_limit = STDERR_KEEP};
  sb_subprocess_result res;
  char why[MESSAGE_MAX + 1], *argv[3] = {(char *)program, (char *)"-d", NULL};
  sb_msg inner;
  sb_err err;

  if (out)
    *out = NULL;
  if (out_len)
    *out_len = 0;
  if (!script || !out || !out_len)
    return sb_msg_set(msg, SB_EINVAL, "gnuplot: NULL argument");
  if (!program)
    argv[0] = (char *)(program = sb_gnuplot_program());
  if (timeout_s <= 0)
    timeout_s = DEFAULT_TIMEOUT_S;
  sb_msg_clear(&inner);
  err = sb_subprocess_run_io(argv, NULL, timeout_s, NULL, &io, &res, &inner);
  if (err == SB_EBACKEND)
    err = sb_msg_set(msg, err, "gnuplot: %s (install gnuplot, e.g. the Debian package gnuplot-nox, or set "
                     "SEPBENCH_GNUPLOT)", inner.text);
  else if (err)
    err = sb_msg_set(msg, err, "gnuplot: %s", inner.text);
  else if (res.timed_out)
    err = sb_msg_set(msg, SB_ETIMEOUT, "gnuplot: '%s' did not finish within %g s", program, timeout_s);
  if (err)
    goto done;
  describe_stderr(io.errors, why, sizeof why);
  if (res.signaled)
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' killed by signal %d: %s", program, res.term_signal, why);
  else if (!res.exited || res.exit_status != 0)
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' failed (exit status %d): %s", program,
                     res.exited ? res.exit_status : -1, why);
  else if (io.input_written < script_len || io.output_len == 0)
    err = sb_msg_set(msg, SB_EBACKEND, "gnuplot: '%s' wrote no image: %s", program, why);
  if (!err) {
    *out = io.output;
    *out_len = io.output_len;
    io.output = NULL;
  }
done:
  free(io.output);
  free(io.errors);
  return err;
}
