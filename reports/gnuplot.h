/*
 * reports/gnuplot.h — running gnuplot on a script held in memory and
 * reading the image it writes to its standard output back into memory.
 *
 * gnuplot reads the script from a pipe (data inline as `$name << EOD`
 * blocks), so no temporary script or data file is ever written; without
 * `set output` a file terminal (pngcairo, svg, pdfcairo) writes the image
 * to standard output, which is read back here (the HTML report inlines SVG
 * this way; reports/plot.c writes the bytes to the user's file itself).
 * Its standard error is captured for the error message.  popen() cannot
 * do this (it gives one direction only), so the program is started by
 * common/subprocess.h, which writes the script to its stdin while reading
 * its stdout and stderr (a gnuplot that dies early gives an error, not
 * SIGPIPE) and runs it in a process group of its own.
 *
 * The program is gnuplot found at configure time (SB_GNUPLOT in config.h);
 * the environment variable SEPBENCH_GNUPLOT overrides it (tests point it
 * at a missing program).  gnuplot is run with -d (--default-settings), so
 * a user's ~/.gnuplot cannot change the figures.
 *
 * Workload: one short-lived process per figure; scripts of a few kB to a
 * few MB (frame timelines), images of 10 kB - 1 MB.
 * Thread-safety: concurrent calls are safe (no shared state).
 */
#ifndef SB_REPORTS_GNUPLOT_H
#define SB_REPORTS_GNUPLOT_H

#include <stddef.h>
#include "sepbench/error.h"

/* The gnuplot program: $SEPBENCH_GNUPLOT when set and not empty, else
 * SB_GNUPLOT.  The string is owned by the environment or static. */
const char *sb_gnuplot_program(void);

/* Runs program (NULL = sb_gnuplot_program()) on the script (script_len
 * bytes), waits at most timeout_s seconds (<= 0: 60 s), and returns what
 * it wrote to stdout in *out (malloc'd, NUL-terminated after *out_len
 * bytes; the caller frees it).  gnuplot's warnings on stderr are ignored
 * when it exits with status 0 and wrote something.
 * Errors (msg is one line naming gnuplot and the cause):
 *   SB_EINVAL   script, out or out_len NULL;
 *   SB_EBACKEND the program cannot be started ("gnuplot: cannot run
 *               '/x': No such file or directory (install gnuplot, e.g.
 *               gnuplot-nox, or set SEPBENCH_GNUPLOT)"), it exits with
 *               a non-zero status or a signal (the message quotes the
 *               first lines of its stderr), or it wrote nothing;
 *   SB_ETIMEOUT it ran longer than the timeout (its process group is
 *               killed);
 *   SB_EIO      pipe, fork, poll or waitpid failure; SB_ENOMEM.
 * On error *out is NULL and *out_len 0. */
sb_err sb_gnuplot_run(const char *program, const char *script, size_t script_len,
                      double timeout_s, char **out, size_t *out_len, sb_msg *msg);

#endif /* SB_REPORTS_GNUPLOT_H */
