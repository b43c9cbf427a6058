/*
 * reports/paper_table.c — the speech-separation paper table
 * (reports/paper_table.h).
 */
#include <config.h>

#include "reports/paper_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "reports/leaderboard.h"
#include "schemas/store_read.h"

/* The columns, in order: metric, header, decimals. */
static const struct {
  const char *metric, *header;
  int decimals;
} columns[] = {{"SI-SDRi", "SI-SDRi (dB)", 2}, {"SDRi", "SDRi (dB)", 2}, {"STOI", "STOI", 3},
               {"ESTOI", "ESTOI", 3},          {"SA-SDR", "SA-SDR (dB)", 2}};
#define N_COLUMNS ((int)(sizeof columns / sizeof columns[0]))

int sb_paper_table_applies(sb_store *s, const char *suite)
{
  char *config = NULL;
  int found = s && sb_store_newest_config(s, suite, "STOI", SB_STORE_TRACKS, &config, NULL) == SB_OK && config;
  free(config);
  return found;
}

static void put_text(FILE *f, sb_table_format fmt, const char *text)
{
  if (fmt == SB_TABLE_LATEX)
    sb_escape_latex(f, text);
  else
    sb_escape_markdown(f, text);
}

/* The avg of method in board lb, NaN when the method is not there. */
static double avg_of(const sb_leaderboard *lb, const char *method)
{
  for (int r = 0; lb && r < sb_leaderboard_n_methods(lb); r++)
    if (strcmp(sb_leaderboard_method(lb, r), method) == 0)
      return sb_leaderboard_avg(lb, r);
  return NAN;
}

/* The best (largest) finite avg of board lb. */
static double best_of(const sb_leaderboard *lb)
{
  double best = -INFINITY;
  for (int r = 0; lb && r < sb_leaderboard_n_methods(lb); r++)
    if (isfinite(sb_leaderboard_avg(lb, r)) && sb_leaderboard_avg(lb, r) > best)
      best = sb_leaderboard_avg(lb, r);
  return best;
}

static void put_cell(FILE *f, sb_table_format fmt, double v, double best, int decimals)
{
  const int bold = isfinite(v) && v == best;
  fputs(fmt == SB_TABLE_LATEX ? " & " : " | ", f);
  if (!isfinite(v))
    fputs(fmt == SB_TABLE_LATEX ? "--" : "–", f);
  else if (bold)
    fprintf(f, fmt == SB_TABLE_LATEX ? "\\textbf{%.*f}" : "**%.*f**", decimals, v);
  else
    fprintf(f, "%.*f", decimals, v);
}

/* The table of the boards lb[c] (NULL: column left out); rows of lead. */
static void put_table(FILE *f, sb_table_format fmt, sb_leaderboard *const *lb, const sb_leaderboard *lead)
{
  double best[N_COLUMNS];
  for (int c = 0; c < N_COLUMNS; c++)
    best[c] = best_of(lb[c]);
  fputs(fmt == SB_TABLE_LATEX ? "\\begin{table}[t]\n\\centering\n\\begin{tabular}{l" : "| method", f);
  for (int c = 0; c < N_COLUMNS; c++)
    if (lb[c]) {
      if (fmt == SB_TABLE_LATEX)
        fputc('r', f);
      else
        fprintf(f, " | %s", columns[c].header);
    }
  fputs(fmt == SB_TABLE_LATEX ? "}\n\\toprule\nmethod" : " |\n|---", f);
  for (int c = 0; c < N_COLUMNS; c++)
    if (lb[c])
      fprintf(f, fmt == SB_TABLE_LATEX ? " & %s" : "|---:", columns[c].header);
  fputs(fmt == SB_TABLE_LATEX ? " \\\\\n\\midrule\n" : "|\n", f);
  for (int r = 0; r < sb_leaderboard_n_methods(lead); r++) {
    const char *method = sb_leaderboard_method(lead, r);
    fputs(fmt == SB_TABLE_LATEX ? "" : "| ", f);
    put_text(f, fmt, method);
    for (int c = 0; c < N_COLUMNS; c++)
      if (lb[c])
        put_cell(f, fmt, avg_of(lb[c], method), best[c], columns[c].decimals);
    fputs(fmt == SB_TABLE_LATEX ? " \\\\\n" : " |\n", f);
  }
  if (fmt == SB_TABLE_LATEX)
    fputs("\\bottomrule\n\\end{tabular}\n", f);
}

static void put_footnote(FILE *f, sb_table_format fmt, const sb_leaderboard *lead)
{
  const char *suite = sb_leaderboard_suite(lead);
  fputs(fmt == SB_TABLE_LATEX ? "\\caption{" : "\n", f);
  fprintf(f, "Mean over %d tracks of each per-track value, averaged over the targets (SA-SDR: all sources jointly); "
          "best in bold.  Suite ", sb_leaderboard_max_tracks(lead));
  put_text(f, fmt, suite ? suite : "(all)");
  fputs(", configuration ", f);
  put_text(f, fmt, sb_leaderboard_config(lead));
  fputs(fmt == SB_TABLE_LATEX ? ".}\n\\end{table}\n" : ".\n", f);
}

sb_err sb_paper_table_write(sb_store *s, const char *suite, const char *config, sb_table_format fmt, FILE *f,
                            sb_msg *msg)
{
  sb_leaderboard *lb[N_COLUMNS] = {NULL};
  const sb_leaderboard *lead = NULL;
  char *newest = NULL;
  sb_err err = SB_OK;
  if (!s || !f)
    return sb_msg_set(msg, SB_EINVAL, "paper table: no store or output");
  if (!config && (err = sb_store_newest_config(s, suite, "STOI", SB_STORE_TRACKS, &newest, msg)) != SB_OK)
    return err;
  if (!config && !newest)
    return sb_msg_set(msg, SB_ENOTFOUND, "no STOI values%s%s in the store: run a speech suite, or --metrics stoi",
                      suite ? " of suite " : "", suite ? suite : "");
  for (int c = 0; !err && c < N_COLUMNS; c++) {
    sb_leaderboard_opts lo = {.suite = suite, .metric = columns[c].metric, .agg = SB_LB_MEAN,
                              .config = config ? config : newest};
    err = sb_leaderboard_new(s, &lo, &lb[c], msg);
    if (err == SB_ENOTFOUND) {
      err = SB_OK;
      lb[c] = NULL;
      sb_msg_clear(msg);
    }
    if (!lead)
      lead = lb[c];
  }
  if (!err && !lead)
    err = sb_msg_set(msg, SB_ENOTFOUND, "configuration %s holds none of the paper table's metrics",
                     config ? config : newest);
  if (!err) {
    put_table(f, fmt, lb, lead);
    put_footnote(f, fmt, lead);
    if (ferror(f))
      err = sb_msg_set(msg, SB_EIO, "write error");
  }
  for (int c = 0; c < N_COLUMNS; c++)
    sb_leaderboard_free(&lb[c]);
  free(newest);
  return err;
}
