/*
 * runners/progress.h — progress reporting on stderr for long runs: a
 * redrawn bar with ETA when the stream is a terminal, otherwise one plain
 * line every 10 % of the items or every 30 s, whichever comes first.
 * Not thread-safe: the caller serialises calls (the runner calls it inside
 * its store critical section).
 */
#ifndef SB_RUNNERS_PROGRESS_H
#define SB_RUNNERS_PROGRESS_H

#include <stdio.h>
#include "sepbench/error.h"

typedef struct sb_progress sb_progress;

/* total items to do; label e.g. "music"; tty < 0 = detect with isatty.
 * SB_ENOMEM. */
sb_err sb_progress_new(FILE *f, int total, const char *label, int tty, sb_progress **out);

/* Reports one finished item (failed != 0 counts it as a failure) with a
 * short description ("irm2 / Song 3"). */
void sb_progress_step(sb_progress *p, const char *what, int failed);

/* Finishes the bar (newline on a terminal) and frees; accepts NULL. */
void sb_progress_free(sb_progress **p);

#endif /* SB_RUNNERS_PROGRESS_H */
