/*
 * reports/board_writers.c — the output formats of a leaderboard (see
 * board_writers.h).  Every number and name comes from the accessors of
 * reports/leaderboard.h; escaping from common/escape.h and common/csv.h.
 */
#include <config.h>

#include "reports/board_writers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/escape.h"

sb_err sb_leaderboard_parse_format(const char *name, sb_lb_format *out)
{
  static const struct {
    const char *name;
    sb_lb_format fmt;
  } formats[] = {{"text", SB_LB_TEXT}, {"markdown", SB_LB_MARKDOWN}, {"md", SB_LB_MARKDOWN},
                 {"csv", SB_LB_CSV},   {"json", SB_LB_JSON},
                 {"latex", SB_LB_LATEX}, {"tex", SB_LB_LATEX}, {"html", SB_LB_HTML}};
  if (!name || !out)
    return SB_EINVAL;
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (strcmp(name, formats[i].name) == 0) {
      *out = formats[i].fmt;
      return SB_OK;
    }
  return SB_EINVAL;
}

/* ---------------------------------------------------------------- cells */

/* Column col: a target, or "avg" after the last target. */
static const char *column_name(const sb_leaderboard *lb, int col)
{
  return col < sb_leaderboard_n_targets(lb) ? sb_leaderboard_target(lb, col) : "avg";
}

static double cell_value(const sb_leaderboard *lb, int row, int col)
{
  return col < sb_leaderboard_n_targets(lb) ? sb_leaderboard_value(lb, row, col)
                                            : sb_leaderboard_avg(lb, row);
}

/* Display width of UTF-8 text (code points; the names are not CJK). */
static int text_width(const char *text)
{
  int width = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++)
    width += (*p & 0xc0) != 0x80;
  return width;
}

/* A cell as shown in text and markdown: "7.67", "7.67 (49)" or "-". */
static void format_cell(const sb_leaderboard *lb, int row, int col, char *buf, size_t len)
{
  double value = cell_value(lb, row, col);
  int max_tracks = sb_leaderboard_max_tracks(lb);
  int n = col < sb_leaderboard_n_targets(lb) ? sb_leaderboard_n_tracks(lb, row, col) : max_tracks;
  if (isnan(value))
    snprintf(buf, len, "-");
  else if (n < max_tracks)
    snprintf(buf, len, "%.2f (%d)", value, n);
  else
    snprintf(buf, len, "%.2f", value);
}

static int has_partial_cells(const sb_leaderboard *lb)
{
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++)
    for (int col = 0; col < sb_leaderboard_n_targets(lb); col++) {
      int n = sb_leaderboard_n_tracks(lb, row, col);
      if (n > 0 && n < sb_leaderboard_max_tracks(lb))
        return 1;
    }
  return 0;
}

/* The best (largest) value of a column (col == n_targets: avg). */
static double column_best(const sb_leaderboard *lb, int col)
{
  double best = NAN;
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++) {
    double v = cell_value(lb, row, col);
    if (isfinite(v) && (isnan(best) || v > best))
      best = v;
  }
  return best;
}

/* "(all)" when the values come from several suites. */
static const char *suite_name(const sb_leaderboard *lb)
{
  return sb_leaderboard_suite(lb) ? sb_leaderboard_suite(lb) : "(all)";
}

/* ---------------------------------------------------------------- text, markdown */

static void write_subtitle(const sb_leaderboard *lb, FILE *f, const char *quote)
{
  int n_tracks = sb_leaderboard_max_tracks(lb), n_methods = sb_leaderboard_n_methods(lb);
  fprintf(f, "suite %s%s%s, config %s%s%s, %d track%s, %d method%s\n", quote, suite_name(lb),
          quote, quote, sb_leaderboard_config(lb), quote, n_tracks, n_tracks == 1 ? "" : "s",
          n_methods, n_methods == 1 ? "" : "s");
}

static void pad(FILE *f, int n, int c)
{
  for (int k = 0; k < n; k++)
    fputc(c, f);
}

static sb_err write_text(const sb_leaderboard *lb, FILE *f)
{
  int n_rows = sb_leaderboard_n_methods(lb);
  int n_cols = sb_leaderboard_n_targets(lb) + 1; /* targets, then avg */
  int method_width = text_width("method");
  int *width = malloc((size_t)n_cols * sizeof *width);
  char cell[64];

  if (!width)
    return SB_ENOMEM;
  for (int row = 0; row < n_rows; row++)
    if (text_width(sb_leaderboard_method(lb, row)) > method_width)
      method_width = text_width(sb_leaderboard_method(lb, row));
  for (int col = 0; col < n_cols; col++) {
    width[col] = text_width(column_name(lb, col));
    for (int row = 0; row < n_rows; row++) {
      format_cell(lb, row, col, cell, sizeof cell);
      if (text_width(cell) > width[col])
        width[col] = text_width(cell);
    }
  }

  fprintf(f, "%s\n", sb_leaderboard_title(lb));
  write_subtitle(lb, f, "");
  fprintf(f, "\nmethod");
  pad(f, method_width - text_width("method"), ' ');
  for (int col = 0; col < n_cols; col++) {
    pad(f, 2 + width[col] - text_width(column_name(lb, col)), ' ');
    fputs(column_name(lb, col), f);
  }
  fputc('\n', f);
  pad(f, method_width, '-');
  for (int col = 0; col < n_cols; col++) {
    pad(f, 2, ' ');
    pad(f, width[col], '-');
  }
  fputc('\n', f);
  for (int row = 0; row < n_rows; row++) {
    fputs(sb_leaderboard_method(lb, row), f);
    pad(f, method_width - text_width(sb_leaderboard_method(lb, row)), ' ');
    for (int col = 0; col < n_cols; col++) {
      format_cell(lb, row, col, cell, sizeof cell);
      pad(f, 2 + width[col] - text_width(cell), ' ');
      fputs(cell, f);
    }
    fputc('\n', f);
  }
  if (has_partial_cells(lb))
    fprintf(f, "\n(n): computed from n tracks only\n");
  free(width);
  return SB_OK;
}

static void write_markdown(const sb_leaderboard *lb, FILE *f)
{
  int n_targets = sb_leaderboard_n_targets(lb);
  char cell[64];
  fprintf(f, "**");
  sb_escape_markdown(f, sb_leaderboard_title(lb));
  fprintf(f, "**\n\n");
  write_subtitle(lb, f, "`");
  fprintf(f, "\n| method |");
  for (int col = 0; col < n_targets; col++) {
    fputc(' ', f);
    sb_escape_markdown(f, sb_leaderboard_target(lb, col));
    fprintf(f, " |");
  }
  fprintf(f, " avg |\n|:---|");
  for (int col = 0; col <= n_targets; col++)
    fprintf(f, "---:|");
  fprintf(f, "\n");
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++) {
    fprintf(f, "| ");
    sb_escape_markdown(f, sb_leaderboard_method(lb, row));
    fprintf(f, " |");
    for (int col = 0; col <= n_targets; col++) {
      format_cell(lb, row, col, cell, sizeof cell);
      fprintf(f, " %s |", cell);
    }
    fprintf(f, "\n");
  }
  if (has_partial_cells(lb))
    fprintf(f, "\n(n): computed from n tracks only\n");
}

/* ---------------------------------------------------------------- csv, json */

static void write_csv(const sb_leaderboard *lb, FILE *f)
{
  int n_targets = sb_leaderboard_n_targets(lb);
  fprintf(f, "suite,metric,aggregation,config,method,target,value,n_tracks\n");
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++)
    for (int col = 0; col <= n_targets; col++) {
      double value = cell_value(lb, row, col);
      sb_csv_write_field(f, sb_leaderboard_suite(lb));
      fputc(',', f);
      sb_csv_write_field(f, sb_leaderboard_metric(lb));
      fprintf(f, ",%s,", sb_leaderboard_agg_name(sb_leaderboard_aggregation(lb)));
      sb_csv_write_field(f, sb_leaderboard_config(lb));
      fputc(',', f);
      sb_csv_write_field(f, sb_leaderboard_method(lb, row));
      fputc(',', f);
      sb_csv_write_field(f, column_name(lb, col));
      fputc(',', f);
      if (!isnan(value))
        fprintf(f, "%.17g", value);
      fputc(',', f);
      if (col < n_targets)
        fprintf(f, "%d", sb_leaderboard_n_tracks(lb, row, col));
      fputc('\n', f);
    }
}

static void write_json_number(FILE *f, double value)
{
  if (isfinite(value))
    fprintf(f, "%.17g", value);
  else
    fputs("null", f);
}

static void write_json(const sb_leaderboard *lb, FILE *f)
{
  int n_targets = sb_leaderboard_n_targets(lb);
  fputs("{\"title\": ", f);
  sb_escape_json(f, sb_leaderboard_title(lb));
  fputs(", \"suite\": ", f);
  sb_escape_json(f, sb_leaderboard_suite(lb));
  fputs(", \"metric\": ", f);
  sb_escape_json(f, sb_leaderboard_metric(lb));
  fprintf(f, ", \"aggregation\": \"%s\", \"config\": ",
          sb_leaderboard_agg_name(sb_leaderboard_aggregation(lb)));
  sb_escape_json(f, sb_leaderboard_config(lb));
  fputs(",\n \"targets\": [", f);
  for (int col = 0; col < n_targets; col++) {
    fputs(col ? ", " : "", f);
    sb_escape_json(f, sb_leaderboard_target(lb, col));
  }
  fputs("],\n \"methods\": [", f);
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++) {
    fputs(row ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
    sb_escape_json(f, sb_leaderboard_method(lb, row));
    fputs(", \"values\": [", f);
    for (int col = 0; col < n_targets; col++) {
      fputs(col ? ", " : "", f);
      write_json_number(f, sb_leaderboard_value(lb, row, col));
    }
    fputs("], \"n_tracks\": [", f);
    for (int col = 0; col < n_targets; col++)
      fprintf(f, "%s%d", col ? ", " : "", sb_leaderboard_n_tracks(lb, row, col));
    fputs("], \"avg\": ", f);
    write_json_number(f, sb_leaderboard_avg(lb, row));
    fputs("}", f);
  }
  fputs("]}\n", f);
}

/* ---------------------------------------------------------------- latex, html */

/* How LaTeX and HTML mark up the body rows, the best value of each column
 * in bold. */
typedef struct row_markup {
  void (*escape)(FILE *f, const char *text);
  const char *row_open, *name_close;  /* around the method name */
  const char *cell_open, *cell_close; /* a value */
  const char *best_open, *best_close; /* the best value of its column */
  const char *missing;                /* instead of a NaN cell; NULL: as a value */
  const char *row_close;
} row_markup;

static void write_rows(const sb_leaderboard *lb, FILE *f, const row_markup *mk)
{
  char cell[64];
  for (int row = 0; row < sb_leaderboard_n_methods(lb); row++) {
    fputs(mk->row_open, f);
    mk->escape(f, sb_leaderboard_method(lb, row));
    fputs(mk->name_close, f);
    for (int col = 0; col <= sb_leaderboard_n_targets(lb); col++) {
      double v = cell_value(lb, row, col);
      int best = !isnan(v) && v == column_best(lb, col);
      format_cell(lb, row, col, cell, sizeof cell);
      if (isnan(v) && mk->missing) {
        fputs(mk->missing, f);
        continue;
      }
      fputs(best ? mk->best_open : mk->cell_open, f);
      fputs(cell, f);
      fputs(best ? mk->best_close : mk->cell_close, f);
    }
    fputs(mk->row_close, f);
  }
}

static void write_latex(const sb_leaderboard *lb, FILE *f)
{
  static const row_markup latex_rows = {sb_escape_latex, "", "", " & ", "", " & \\textbf{", "}",
                                        " & --", " \\\\\n"};
  int n_targets = sb_leaderboard_n_targets(lb);
  fputs("% requires \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n\\caption{", f);
  sb_escape_latex(f, sb_leaderboard_title(lb));
  fprintf(f, " (aggregation %s; %d tracks)}\n\\begin{tabular}{l",
          sb_leaderboard_agg_name(sb_leaderboard_aggregation(lb)), sb_leaderboard_max_tracks(lb));
  for (int col = 0; col <= n_targets; col++)
    fputc('r', f);
  fputs("}\n\\toprule\nMethod", f);
  for (int col = 0; col <= n_targets; col++) {
    fputs(" & ", f);
    sb_escape_latex(f, column_name(lb, col));
  }
  fputs(" \\\\\n\\midrule\n", f);
  write_rows(lb, f, &latex_rows);
  fputs("\\bottomrule\n\\end{tabular}\n\\end{table}\n", f);
}

static void write_html(const sb_leaderboard *lb, FILE *f)
{
  static const row_markup html_rows = {sb_escape_html, "<tr><th>", "</th>", "<td>", "</td>",
                                       "<td><b>", "</b></td>", NULL, "</tr>\n"};
  int n_targets = sb_leaderboard_n_targets(lb);
  fputs("<table class=\"leaderboard\">\n<caption>", f);
  sb_escape_html(f, sb_leaderboard_title(lb));
  fprintf(f, "<br><small>aggregation %s; suite ",
          sb_leaderboard_agg_name(sb_leaderboard_aggregation(lb)));
  sb_escape_html(f, suite_name(lb));
  fputs(", config <code>", f);
  sb_escape_html(f, sb_leaderboard_config(lb));
  fprintf(f, "</code>, %d tracks</small></caption>\n<thead><tr><th>method</th>",
          sb_leaderboard_max_tracks(lb));
  for (int col = 0; col <= n_targets; col++) {
    fputs("<th>", f);
    sb_escape_html(f, column_name(lb, col));
    fputs("</th>", f);
  }
  fputs("</tr></thead>\n<tbody>\n", f);
  write_rows(lb, f, &html_rows);
  fputs("</tbody>\n</table>\n", f);
}

sb_err sb_leaderboard_write(const sb_leaderboard *lb, FILE *f, sb_lb_format fmt)
{
  if (!lb || !f)
    return SB_EINVAL;
  switch (fmt) {
  case SB_LB_TEXT:
    if (write_text(lb, f) != SB_OK)
      return SB_ENOMEM;
    break;
  case SB_LB_MARKDOWN:
    write_markdown(lb, f);
    break;
  case SB_LB_CSV:
    write_csv(lb, f);
    break;
  case SB_LB_JSON:
    write_json(lb, f);
    break;
  case SB_LB_LATEX:
    write_latex(lb, f);
    break;
  case SB_LB_HTML:
    write_html(lb, f);
    break;
  default:
    return SB_EINVAL;
  }
  if (fflush(f) != 0 || ferror(f))
    return SB_EIO;
  return SB_OK;
}
