/*
 * runners/progress.c — progress bar / periodic lines with an ETA computed
 * from the mean wall time per finished item.
 */
#include <config.h>

#include "runners/progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sb_progress {
  FILE *f;
  int total, done, failed, tty;
  double start, last_line;
  int last_decile;
  char label[64];
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

sb_err sb_progress_new(FILE *f, int total, const char *label, int tty, sb_progress **out)
{
  sb_progress *p = calloc(1, sizeof *p);
  if (!p)
    return SB_ENOMEM;
  p->f = f;
  p->total = total;
  p->tty = tty < 0 ? isatty(fileno(f)) : tty;
  p->start = p->last_line = now_s();
  snprintf(p->label, sizeof p->label, "%s", label ? label : "");
  *out = p;
  return SB_OK;
}

static void format_eta(char *buf, size_t len, double seconds)
{
  long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
  if (s >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    snprintf(buf, len, "%02ld:%02ld", s / 60, s % 60);
}

void sb_progress_step(sb_progress *p, const char *what, int failed)
{
  double t, eta;
  char eta_text[32];
  int decile;
  if (!p)
    return;
  p->done++;
  p->failed += failed != 0;
  t = now_s();
  eta = p->done ? (t - p->start) / p->done * (p->total - p->done) : 0;
  format_eta(eta_text, sizeof eta_text, eta);
  if (p->tty) {
    int width = 30, filled = p->total ? width * p->done / p->total : width;
    char bar[31];
    memset(bar, '=', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(width - filled));
    bar[width] = '\0';
    fprintf(p->f, "\r\033[K[%s] %d/%d %s ETA %s  %.40s", bar, p->done, p->total, p->label, eta_text,
            what ? what : "");
    fflush(p->f);
    return;
  }
  decile = p->total ? 10 * p->done / p->total : 10;
  if (decile != p->last_decile || t - p->last_line >= 30 || p->done == p->total) {
    fprintf(p->f, "sepbench: %d/%d items done (%d failed), ETA %s, last: %s\n", p->done, p->total,
            p->failed, eta_text, what ? what : "");
    fflush(p->f);
    p->last_decile = decile;
    p->last_line = t;
  }
}

void sb_progress_free(sb_progress **p)
{
  if (!p || !*p)
    return;
  if ((*p)->tty && (*p)->done > 0)
    fputc('\n', (*p)->f);
  free(*p);
  *p = NULL;
}
