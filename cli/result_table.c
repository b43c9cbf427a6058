/*
 * cli/result_table.c — text table of one evaluation.
 */
#include <config.h>

#include "cli/result_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "metrics/metric_config.h"

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

sb_err sb_median_finite(const double *values, int64_t n, double *out)
{
  int64_t m = 0;
  double *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
  if (!tmp)
    return SB_ENOMEM;
  for (int64_t i = 0; i < n; i++)
    if (isfinite(values[i]))
      tmp[m++] = values[i];
  if (m == 0)
    *out = NAN;
  else {
    qsort(tmp, (size_t)m, sizeof *tmp, cmp_double);
    *out = m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
  }
  free(tmp);
  return SB_OK;
}

/* Copies name into buf (size len) with every control character written as
 * an escape, so that a name cannot move the cursor or set colours: C0
 * bytes and DEL as \xHH, the C1 controls (UTF-8 C2 80..C2 9F) as \u00HH. */
static const char *printable(const char *name, char *buf, size_t len)
{
  size_t used = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && used + 7 < len; p++) {
    if (sb_control_char(*p))
      used += (size_t)snprintf(buf + used, len - used, "\\x%02x", *p);
    else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
      used += (size_t)snprintf(buf + used, len - used, "\\u00%02x", *++p);
    else
      buf[used++] = (char)*p;
  }
  buf[used] = '\0';
  return buf;
}

/* A value in a column of width characters (at least 9). */
static void cell_of(FILE *f, double v, int width)
{
  if (isnan(v))
    fprintf(f, " %*s", width, "nan");
  else
    fprintf(f, " %*.3f", width, v);
}

static void cell(FILE *f, double v)
{
  cell_of(f, v, 9);
}

/* The width of a plug-in value's column: its name's, at least 9. */
static int name_width(const char *name)
{
  const size_t n = strlen(name);
  return n > 9 ? (int)n : 9;
}

sb_err sb_result_table_write(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts,
                             const char *const *names)
{
  static const int whole_cols[] = {SB_WM_SDR, SB_WM_ISR, SB_WM_SIR, SB_WM_SAR, SB_WM_SI_SDR,
                                   SB_WM_GLOBAL_SDR, SB_WM_SDRI, SB_WM_SI_SDRI};
  int n_whole = (int)(sizeof whole_cols / sizeof whole_cols[0]);
  double win_s = (double)r->win / r->rate, hop_s = (double)r->hop / r->rate;
  fprintf(f, "BSS Eval %s (%s), %lld frames of %.3g s, hop %.3g s; dB\n",
          sb_metric_mode_name(opts->mode), sb_metric_crit_name(opts->crit),
          (long long)r->n_frames, win_s, hop_s);
  fprintf(f, "%-16s", "target");
  for (int m = 0; m < SB_FM_COUNT; m++)
    if (r->frame[m])
      fprintf(f, " %9s", sb_frame_metric_name(m));
  for (int i = 0; i < n_whole; i++)
    fprintf(f, " %9s", sb_whole_metric_name(whole_cols[i]));
  fputs("\n", f);
  fprintf(f, "%-16s", "");
  for (int m = 0; m < SB_FM_COUNT; m++)
    if (r->frame[m])
      fprintf(f, " %9s", "(median)");
  for (int i = 0; i < n_whole; i++)
    fprintf(f, " %9s", "(whole)");
  fputs("\n", f);
  for (int j = 0; j < r->n_src; j++) {
    char shown[256];
    fprintf(f, "%-16.16s", printable(names[j], shown, sizeof shown));
    for (int m = 0; m < SB_FM_COUNT; m++) {
      double med;
      if (!r->frame[m])
        continue;
      if (sb_median_finite(r->frame[m] + (int64_t)j * r->n_frames, r->n_frames, &med))
        return SB_ENOMEM;
      cell(f, med);
    }
    for (int i = 0; i < n_whole; i++)
      cell(f, r->whole[j * SB_WM_COUNT + whole_cols[i]]);
    fputs("\n", f);
  }
  if (opts->perm != SB_PERM_NONE) {
    fputs("permutation (reference -> estimate):", f);
    for (int j = 0; j < r->n_src; j++) {
      char from[256], to[256];
      fprintf(f, " %s->%s", printable(names[j], from, sizeof from), printable(names[r->perm[j]], to, sizeof to));
    }
    fputs("\n", f);
  }
  return ferror(f) ? SB_EIO : SB_OK;
}

sb_err sb_result_table_write_user(FILE *f, const char *const *names, int n_targets, const sb_user_metric_table *table,
                                  const sb_user_scores *scores)
{
  if (!scores || !table)
    return SB_OK;
  fprintf(f, "\nplug-in metrics\n%-16s", "target");
  for (int i = 0; i < scores->n_metrics; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(table, (size_t)i);
    for (int k = 0; k < m->n_target_metrics; k++)
      fprintf(f, " %*s", name_width(m->target_metrics[k]), m->target_metrics[k]);
  }
  fputs("\n", f);
  for (int j = 0; j < n_targets; j++) {
    char shown[256];
    fprintf(f, "%-16.16s", printable(names[j], shown, sizeof shown));
    for (int i = 0; i < scores->n_metrics; i++) {
      const sb_user_metric *m = sb_user_metric_table_at(table, (size_t)i);
      for (int k = 0; k < m->n_target_metrics; k++)
        cell_of(f, scores->results[i].target_values[(size_t)j * (size_t)m->n_target_metrics + (size_t)k],
                name_width(m->target_metrics[k]));
    }
    fputs("\n", f);
  }
  for (int i = 0; i < scores->n_metrics; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(table, (size_t)i);
    for (int k = 0; k < m->n_track_metrics; k++) {
      fprintf(f, "%-16s %s", "(track)", m->track_metrics[k]);
      cell(f, scores->results[i].track_values[k]);
      fputs("\n", f);
    }
    if (scores->results[i].err) {
      char shown[sizeof scores->results[i].message.text * 6];
      fprintf(f, "%s failed: %s\n", m->name, printable(scores->results[i].message.text, shown, sizeof shown));
    }
  }
  return ferror(f) ? SB_EIO : SB_OK;
}
