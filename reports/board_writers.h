/*
 * reports/board_writers.h — a leaderboard (reports/leaderboard.h) written
 * for a terminal, a README, a spreadsheet, a program, a paper or a web
 * page.
 *
 * Every format shows the same rows (leaderboard order), the columns of the
 * targets then avg, and the header facts: title (metric, unit,
 * aggregation, convention), suite ("(all)" when the values come from
 * several suites), config and number of tracks.  Names are escaped for the
 * format by common/escape.h (CSV: common/csv.h).
 *
 * Thread-safety: reentrant; the leaderboard is only read.
 */
#ifndef SB_REPORTS_BOARD_WRITERS_H
#define SB_REPORTS_BOARD_WRITERS_H

#include <stdio.h>
#include "sepbench/error.h"
#include "reports/leaderboard.h"

typedef enum sb_lb_format {
  SB_LB_TEXT = 0, /* aligned plain-text table for a terminal */
  SB_LB_MARKDOWN, /* GitHub-flavoured markdown table */
  SB_LB_CSV,      /* RFC 4180, long format: method,target,value,n_tracks */
  SB_LB_JSON,     /* one object; NaN as null; valid UTF-8 */
  SB_LB_LATEX,    /* booktabs tabular in a table environment, caption = title */
  SB_LB_HTML      /* an HTML <table> fragment with a <caption> (no <html>) */
} sb_lb_format;

/* Names for the command line: "text", "markdown" (or "md"), "csv", "json",
 * "latex" (or "tex"), "html".  SB_EINVAL for any other name (or NULL). */
sb_err sb_leaderboard_parse_format(const char *name, sb_lb_format *out);

/* Writes the table in format fmt: text and markdown start with the title,
 * then the suite, config and number of tracks; values with 2 decimals; a
 * cell computed from fewer tracks than the most complete one shows
 * "value (n)".  CSV and JSON carry every value at full precision (%.17g);
 * LaTeX and HTML mark the best value of each column in bold.  SB_EINVAL
 * (NULL argument, bad format), SB_ENOMEM, SB_EIO (write error). */
sb_err sb_leaderboard_write(const sb_leaderboard *lb, FILE *f, sb_lb_format fmt);

#endif /* SB_REPORTS_BOARD_WRITERS_H */
