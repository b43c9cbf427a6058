/*
 * reports/html_report.h — a self-contained static HTML report of a store:
 * DIR/index.html with
 *   - the leaderboards of every metric the store holds (SDR first, then
 *     SI-SDR, global SDR, SIR, SAR, ISR, ..., then the metrics users
 *     plugged in, by name; reports/leaderboard.h, HTML format), all of one
 *     metric configuration;
 *   - the box plot of the first metric's per-track values (reports/plot.h)
 *     inlined as SVG, rendered by gnuplot into memory;
 *   - per track a table of methods x targets of that metric's per-track
 *     values (reports/scores.h);
 *   - the provenance of the runs that produced the values (sb_store_each_run:
 *     sepbench version, git revision, host, command, times, status).
 * The page has no script, no external resource (CSS inline, the icon a
 * data: URL), so it opens from the file system without a server and
 * without console errors.  Every text from the store is HTML-escaped.
 *
 * Workload: a few leaderboard queries and one gnuplot process; pages of
 * 50 kB (tiny suite) to ~1 MB (MUSDB18 test set, 50 per-track tables).
 * Thread-safety: uses the store as store.h says; no shared state.
 */
#ifndef SB_REPORTS_HTML_REPORT_H
#define SB_REPORTS_HTML_REPORT_H

#include "sepbench/error.h"
#include "schemas/store.h"

/* A zeroed struct gives the defaults. */
typedef struct sb_html_report_opts {
  const char *suite;      /* only this suite; NULL = every suite */
  const char *config;     /* metric configuration; NULL = the newest */
  const char *store_name; /* shown in the page header (e.g. the path); may be NULL */
  int no_figures;         /* 1: no gnuplot figure */
  const char *gnuplot;    /* program; NULL = sb_gnuplot_program() */
} sb_html_report_opts;

/* Writes dir/index.html (dir is created when missing; its parent must
 * exist).  o may be NULL for the defaults.  The page is built in memory and
 * written at the end, so a failure leaves no partial index.html.
 * Errors (msg says which):
 *   SB_EINVAL    s or dir NULL;
 *   SB_ENOTFOUND the store holds no values (for the suite and config);
 *   SB_EBACKEND, SB_ETIMEOUT  gnuplot missing or failing (see
 *                reports/gnuplot.h; no_figures avoids gnuplot);
 *   SB_EIO       dir cannot be created or index.html cannot be written;
 *   SB_EDB, SB_ENOMEM. */
sb_err sb_html_report_write(sb_store *s, const sb_html_report_opts *o, const char *dir,
                            sb_msg *msg);

#endif /* SB_REPORTS_HTML_REPORT_H */
