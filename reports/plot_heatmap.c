/*
 * reports/plot_heatmap.c — the heat map of reports/plot.h: one panel per target
 * (and per chunk of at most HEAT_MAX_METHODS methods), tracks x methods,
 * each cell coloured and labelled with its per-track value.
 *
 * The colour range is robust: the 2nd to 98th percentile of the values
 * drawn (numpy's linear quantiles), so that one outlying track (SiSEC
 * 2018 holds a -58 dB one) does not give every other cell the same colour;
 * the cells outside are drawn in the end colours of the palette and
 * outlined, and the title says how many there are.  Panels wrap into rows
 * no wider than HEAT_MAX_WIDTH pixels (31 methods x 5 targets used to be
 * one 10486-px row); each row carries the track names on its left and the
 * method names below; the title is broken into lines that fit the width.
 * Panels are placed with `set lmargin/tmargin at screen` in pixels.
 */
#include <config.h>

#include "reports/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/paths.h"
#include "reports/plot_script.h"
#include "reports/stats.h"

/* Limits of the heat map layout, in pixels and methods; the widths of a
 * character of the tic labels (font 10) and of the title (font 11), with
 * room to spare, and the title's margin on each side. */
enum { HEAT_MAX_WIDTH = 2400, HEAT_MAX_METHODS = 40, HEAT_CHAR_W = 7, TITLE_CHAR_W = 8, TITLE_MARGIN = 30 };

/* The colour range: the 2nd and 98th percentiles of every finite value
 * drawn (numpy's linear quantiles), so that one outlying track does not
 * give every other cell the same colour; the cells outside are counted
 * (and outlined). */
typedef struct heat_range {
  double lo, hi;
  int n_below, n_above;
} heat_range;

static sb_err heat_range_of(const sb_scores *sc, const sb_plot_selection *sel, heat_range *r, sb_msg *msg)
{
  int n_targets = sb_scores_n_targets(sc), n_tracks = sb_scores_n_tracks(sc), n = 0;
  double *sorted = malloc(sizeof *sorted * (size_t)(n_targets * sel->n * n_tracks + 1));

  if (!sorted)
    return sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
  for (int t = 0; t < n_targets; t++)
    for (int m = 0; m < sel->n; m++)
      for (int k = 0; k < n_tracks; k++) {
        double value = sb_scores_value(sc, sel->rows[m], t, k);
        if (isfinite(value))
          sorted[n++] = value;
      }
  if (n == 0) {
    free(sorted);
    return sb_msg_set(msg, SB_ENOTFOUND, "plot: no finite %s value to draw",
                      sb_leaderboard_metric(sb_scores_leaderboard(sc)));
  }
  qsort(sorted, (size_t)n, sizeof *sorted, sb_plot_compare_doubles);
  r->lo = sb_stats_quantile_sorted(sorted, n, 0.02);
  r->hi = sb_stats_quantile_sorted(sorted, n, 0.98);
  if (r->hi - r->lo < 1e-6) {
    r->lo -= 0.5;
    r->hi += 0.5;
  }
  r->n_below = r->n_above = 0;
  for (int i = 0; i < n; i++) {
    r->n_below += sorted[i] < r->lo;
    r->n_above += sorted[i] > r->hi;
  }
  free(sorted);
  return SB_OK;
}

/* Panels of the heat map: one per target and chunk of at most
 * HEAT_MAX_METHODS methods, wrapped into rows no wider than
 * HEAT_MAX_WIDTH; every row has the track names on its left and the
 * method names below; the colour box stands right of the first row. */
typedef struct heat_layout {
  int cell_w, cell_h, gap, left, right, head, row_top, bottom;
  int per_panel, n_chunks, n_cols, n_rows, panel_w, row_h, width, height;
} heat_layout;

static void heat_layout_of(const sb_scores *sc, const sb_plot_selection *sel, int title_chars, heat_layout *l)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  int method_chars = 0, track_chars = 0, n_panels;

  for (int m = 0; m < sel->n; m++) {
    int n = (int)strlen(sb_leaderboard_method(lb, sel->rows[m]));
    method_chars = n > method_chars ? n : method_chars;
  }
  for (int k = 0; k < sb_scores_n_tracks(sc); k++) {
    int n = (int)strlen(sb_scores_track(sc, k));
    track_chars = n > track_chars ? n : track_chars;
  }
  l->cell_w = sel->n <= 12 ? 64 : 48;
  l->cell_h = 28;
  l->gap = 24;
  l->left = 24 + HEAT_CHAR_W * (track_chars < 48 ? track_chars : 48);
  l->right = 110;
  l->row_top = 40;
  l->bottom = 40 + 5 * (method_chars < 40 ? method_chars : 40);
  l->n_chunks = (sel->n + HEAT_MAX_METHODS - 1) / HEAT_MAX_METHODS;
  l->per_panel = (sel->n + l->n_chunks - 1) / l->n_chunks;
  l->panel_w = l->per_panel * l->cell_w;
  n_panels = sb_scores_n_targets(sc) * l->n_chunks;
  l->n_cols = (HEAT_MAX_WIDTH - l->left - l->right + l->gap) / (l->panel_w + l->gap);
  l->n_cols = l->n_cols < 1 ? 1 : l->n_cols > n_panels ? n_panels : l->n_cols;
  l->n_rows = (n_panels + l->n_cols - 1) / l->n_cols;
  l->width = l->left + l->n_cols * l->panel_w + (l->n_cols - 1) * l->gap + l->right;
  /* Wide enough for the longest unbreakable word of the title, and for
   * 640 px; the extra room goes to the panels. */
  int least = title_chars * TITLE_CHAR_W + 2 * TITLE_MARGIN > 640 ? title_chars * TITLE_CHAR_W + 2 * TITLE_MARGIN : 640;
  if (l->width < least) {
    l->panel_w += (least - l->width) / l->n_cols;
    l->width = l->left + l->n_cols * l->panel_w + (l->n_cols - 1) * l->gap + l->right;
  }
  l->row_h = l->row_top + sb_scores_n_tracks(sc) * l->cell_h + l->bottom;
}

/* Kept spaces: a name in the title (the suite) is written with this
 * character for its spaces, so that no line break falls inside it;
 * wrap_words turns them back into spaces. */
#define KEPT_SPACE '\x1f'

/* text with its lines broken at spaces so that none is longer than
 * max_chars (a longer word stays whole), kept spaces turned into spaces;
 * *n_lines counts the lines. */
static sb_err wrap_words(const char *text, int max_chars, char **out, int *n_lines)
{
  size_t len = strlen(text);
  char *w = malloc(len + 1);
  int col = 0;

  *n_lines = 1;
  *out = w;
  if (!w)
    return SB_ENOMEM;
  memcpy(w, text, len + 1);
  for (size_t i = 0, last_space = (size_t)-1; i < len; i++, col++) {
    if (w[i] == '\n') {
      col = -1;
      last_space = (size_t)-1;
      ++*n_lines;
    } else if (col >= max_chars && last_space != (size_t)-1) {
      w[last_space] = '\n';
      col = (int)(i - last_space - 1);
      last_space = (size_t)-1;
      ++*n_lines;
    }
    if (w[i] == ' ')
      last_space = i;
  }
  for (char *c = w; *c; c++)
    if (*c == KEPT_SPACE)
      *c = ' ';
  return SB_OK;
}

/* The longest run of characters without a space or line break. */
static int longest_word(const char *text)
{
  int longest = 0, run = 0;
  for (const char *p = text; *p; p++) {
    run = *p == ' ' || *p == '\n' ? 0 : run + 1;
    longest = run > longest ? run : longest;
  }
  return longest;
}

/* The data of target t: "x y value text-colour" per finite cell (white
 * text on the dark half of the range), then the cells outside the range. */
static void put_heat_data(FILE *f, const sb_scores *sc, const sb_plot_selection *sel, int t, const heat_range *r)
{
  int n_tracks = sb_scores_n_tracks(sc);
  fprintf(f, "$h%d << EOD\n", t);
  for (int m = 0; m < sel->n; m++)
    for (int k = 0; k < n_tracks; k++) {
      double value = sb_scores_value(sc, sel->rows[m], t, k);
      double clamped = value < r->lo ? r->lo : value > r->hi ? r->hi : value;
      if (isfinite(value))
        fprintf(f, "%d %d %.9g %d\n", m + 1, k + 1, value, (clamped - r->lo) / (r->hi - r->lo) < 0.55 ? 0xffffff : 0);
    }
  fprintf(f, "EOD\n$o%d << EOD\n", t);
  for (int m = 0; m < sel->n; m++)
    for (int k = 0; k < n_tracks; k++) {
      double value = sb_scores_value(sc, sel->rows[m], t, k);
      if (isfinite(value) && (value < r->lo || value > r->hi))
        fprintf(f, "%d %d\n", m + 1, k + 1);
    }
  fputs("EOD\n", f);
}

/* Panel p: target p / n_chunks, methods of chunk p % n_chunks. */
static void put_heat_panel(FILE *f, const sb_scores *sc, const sb_plot_selection *sel, const heat_layout *l, int p)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  int t = p / l->n_chunks, m0 = (p % l->n_chunks) * l->per_panel;
  int m1 = m0 + l->per_panel < sel->n ? m0 + l->per_panel : sel->n;
  int row = p / l->n_cols, col = p % l->n_cols, n_tracks = sb_scores_n_tracks(sc), any = 0;
  double x0 = (double)(l->left + col * (l->panel_w + l->gap)) / l->width;
  double x1 = x0 + (double)l->panel_w / l->width;
  double top = (double)(l->head + row * l->row_h + l->row_top) / l->height;
  double bottom = top + (double)(n_tracks * l->cell_h) / l->height;

  fprintf(f, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n", x0, x1);
  fprintf(f, "set tmargin at screen %.5f\nset bmargin at screen %.5f\n", 1.0 - top, 1.0 - bottom);
  fprintf(f, "set xrange [%g:%g]\nset xtics nomirror rotate by 35 right (", m0 + 0.5, m1 + 0.5);
  for (int m = m0; m < m1; m++) {
    fputs(m > m0 ? ", " : "", f);
    sb_escape_gnuplot(f, sb_leaderboard_method(lb, sel->rows[m]));
    fprintf(f, " %d", m + 1);
  }
  fputs(")\n", f);
  if (col == 0) {
    fputs("set ytics (", f);
    for (int k = 0; k < n_tracks; k++) {
      fputs(k ? ", " : "", f);
      sb_escape_gnuplot(f, sb_scores_track(sc, k));
      fprintf(f, " %d", k + 1);
    }
    fputs(")\n", f);
  } else {
    fputs("unset ytics\n", f);
  }
  if (p == l->n_cols - 1) /* the last panel of the first row */
    fprintf(f, "set colorbox user origin screen %.5f, screen %.5f size screen %.5f, screen %.5f\n",
            x1 + 16.0 / l->width, 1.0 - bottom, 14.0 / l->width, bottom - top);
  else
    fputs("unset colorbox\n", f);
  fputs("set title ", f);
  if (l->n_chunks > 1)
    sb_plot_put_strf(f, "%s (methods %d-%d)", sb_leaderboard_target(lb, t), m0 + 1, m1);
  else
    sb_escape_gnuplot(f, sb_leaderboard_target(lb, t));
  fputs("\n", f);
  for (int m = m0; m < m1 && !any; m++)
    for (int k = 0; k < n_tracks; k++)
      any |= isfinite(sb_scores_value(sc, sel->rows[m], t, k));
  if (any)
    fprintf(f, "plot $h%d using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, "
               "$o%d using 1:2:(0.46):(0.42) with boxxyerror fs empty lc rgb \"#e4002b\" lw 2.5, "
               "$h%d using 1:2:(sprintf(\"%%.1f\", $3)):4 with labels tc rgb variable", t, t, t);
  sb_plot_end_panel(f, any);
}

/* The figure's title: what is drawn, the method order and the colour
 * range, to be wrapped for the figure's width (the suite's name whole). */
static sb_err heat_title(const sb_scores *sc, const sb_plot_opts *o, const heat_range *r, char **out)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(sc);
  const char *metric = sb_leaderboard_metric(lb), *unit = sb_plot_metric_unit(metric);
  char label[128], suite[256], outside[96] = "";

  sb_plot_suite_words(o, suite, sizeof suite);
  for (char *c = suite + (suite[0] ? strlen(", suite ") : 0); *c; c++)
    if (*c == ' ')
      *c = KEPT_SPACE;

  if (r->n_below + r->n_above)
    snprintf(outside, sizeof outside, "; %d cell%s outside it outlined in red (%d below, %d above)",
             r->n_below + r->n_above, r->n_below + r->n_above > 1 ? "s" : "", r->n_below, r->n_above);
  return sb_path_printf(out, "%s per track (%s)%s\nmethods in leaderboard order: %s; blank = no value\n"
                        "colours span the 2nd to 98th percentile of the values, %.3g to %.3g%s%s%s",
                        sb_plot_axis_label(metric, label, sizeof label), sb_plot_per_track_words(lb), suite,
                        sb_leaderboard_title(lb), r->lo, r->hi,
                        unit ? " " : "", unit ? unit : "", outside);
}

sb_err sb_plot_heatmap(const sb_scores *sc, const sb_plot_opts *o, char **image, size_t *len,
                       sb_msg *msg)
{
  sb_plot_selection sel = {0};
  sb_plot_script sp = {0};
  heat_range range = {0};
  heat_layout l;
  char label[128], *title = NULL, *wrapped = NULL;
  int n_lines, n_panels;
  sb_err err = sb_plot_check_args(sc, o, image, len, msg);
  if (err)
    return err;
  if ((err = sb_plot_select_methods(sc, o, &sel, msg)) != SB_OK)
    return err;
  if ((err = heat_range_of(sc, &sel, &range, msg)) != SB_OK || (err = sb_plot_script_open(&sp, msg)) != SB_OK)
    goto fail;
  err = heat_title(sc, o, &range, &title);
  if (!err) {
    heat_layout_of(sc, &sel, longest_word(title), &l);
    err = wrap_words(title, (sb_plot_size_or(o->width, l.width) - 2 * TITLE_MARGIN) / TITLE_CHAR_W, &wrapped,
                     &n_lines);
  }
  if (err) {
    err = sb_msg_set(msg, SB_ENOMEM, "plot: out of memory");
    goto fail;
  }
  l.head = 30 + 18 * n_lines;
  l.height = l.head + l.n_rows * l.row_h;
  n_panels = sb_scores_n_targets(sc) * l.n_chunks;

  FILE *f = sp.f;
  sb_plot_put_terminal(f, o->format, sb_plot_size_or(o->width, l.width), sb_plot_size_or(o->height, l.height));
  for (int t = 0; t < sb_scores_n_targets(sc); t++)
    put_heat_data(f, sc, &sel, t, &range);
  fputs("set multiplot title ", f);
  sb_escape_gnuplot(f, wrapped);
  fputs(" font \",11\"\n", f);
  fputs("set palette defined (0 \"#440154\", 1 \"#3b528b\", 2 \"#21918c\", 3 \"#5ec962\", "
        "4 \"#fde725\")\n", f);
  fprintf(f, "set cbrange [%.9g:%.9g]\n", range.lo, range.hi);
  sb_plot_put_set(f, "cblabel",
                  sb_plot_axis_label(sb_leaderboard_metric(sb_scores_leaderboard(sc)), label, sizeof label));
  fprintf(f, "set yrange [%g:0.5]\n", sb_scores_n_tracks(sc) + 0.5);
  fputs("set style fill solid 1.0 noborder\nset tics scale 0\nset key off\n", f);
  for (int p = 0; p < n_panels; p++)
    put_heat_panel(f, sc, &sel, &l, p);
  err = sb_plot_script_render_multiplot(&sp, o, image, len, msg);

fail:
  sb_plot_script_discard(&sp);
  free(title);
  free(wrapped);
  free(sel.rows);
  return err;
}
