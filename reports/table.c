/*
 * reports/table.c — paper tables with bootstrap CIs and significance tests
 * (see table.h; statistics in reports/stats.c).
 *
 * Workload: per (method, target) one bootstrap; per target one Friedman
 * and one Conover matrix on the complete tracks; per non-reference method
 * and target one Wilcoxon test.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "reports/stats.h"
#include "reports/table.h"

struct sb_table {
  const sb_scores *sc;
  sb_table_opts o;
  int n_methods, n_targets, reference;
  double *ci_lo, *ci_hi, *p_raw, *p_holm; /* [row * n_targets + col] */
  double *friedman_chi2, *friedman_p;     /* n_targets */
  int *friedman_n;                        /* complete tracks per target */
  double *conover;                        /* [col][a][b], Holm-adjusted */
  int n_comparisons, n_exact;
};

static size_t cell(const sb_table *t, int row, int col)
{
  return (size_t)row * (size_t)t->n_targets + (size_t)col;
}

static int in_range(const sb_table *t, int row, int col)
{
  return t && row >= 0 && row < t->n_methods && col >= 0 && col < t->n_targets;
}

double sb_table_ci_low(const sb_table *t, int row, int col)
{
  return in_range(t, row, col) ? t->ci_lo[cell(t, row, col)] : NAN;
}

double sb_table_ci_high(const sb_table *t, int row, int col)
{
  return in_range(t, row, col) ? t->ci_hi[cell(t, row, col)] : NAN;
}

double sb_table_wilcoxon_p(const sb_table *t, int row, int col)
{
  return in_range(t, row, col) ? t->p_raw[cell(t, row, col)] : NAN;
}

double sb_table_wilcoxon_p_holm(const sb_table *t, int row, int col)
{
  return in_range(t, row, col) ? t->p_holm[cell(t, row, col)] : NAN;
}

double sb_table_friedman_chi2(const sb_table *t, int col)
{
  return in_range(t, 0, col) ? t->friedman_chi2[col] : NAN;
}

double sb_table_friedman_p(const sb_table *t, int col)
{
  return in_range(t, 0, col) ? t->friedman_p[col] : NAN;
}

double sb_table_conover_p(const sb_table *t, int col, int a, int b)
{
  if (!in_range(t, a, col) || !in_range(t, b, col))
    return NAN;
  return t->conover[((size_t)col * (size_t)t->n_methods + (size_t)a) * (size_t)t->n_methods +
                    (size_t)b];
}

int sb_table_reference(const sb_table *t)
{
  return t ? t->reference : -1;
}

sb_err sb_table_parse_format(const char *name, sb_table_format *out)
{
  if (!name || !out)
    return SB_EINVAL;
  if (strcmp(name, "latex") == 0 || strcmp(name, "tex") == 0)
    *out = SB_TABLE_LATEX;
  else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
    *out = SB_TABLE_MARKDOWN;
  else
    return SB_EINVAL;
  return SB_OK;
}

void sb_table_free(sb_table **t)
{
  if (!t || !*t)
    return;
  free((*t)->ci_lo);
  free((*t)->ci_hi);
  free((*t)->p_raw);
  free((*t)->p_holm);
  free((*t)->friedman_chi2);
  free((*t)->friedman_p);
  free((*t)->friedman_n);
  free((*t)->conover);
  free(*t);
  *t = NULL;
}

static sb_err compute_ci(sb_table *t, double *work)
{
  sb_lb_agg agg = sb_leaderboard_aggregation(sb_scores_leaderboard(t->sc));
  sb_stat_kind kind = agg == SB_LB_MEDIAN || agg == SB_LB_TRACK_MEDIAN ? SB_STAT_MEDIAN
                                                                        : SB_STAT_MEAN;
  int n_tracks = sb_scores_n_tracks(t->sc);
  for (int row = 0; row < t->n_methods; row++)
    for (int col = 0; col < t->n_targets; col++) {
      int n = 0;
      sb_err err;
      for (int k = 0; k < n_tracks; k++) {
        double v = sb_scores_value(t->sc, row, col, k);
        if (isfinite(v))
          work[n++] = v;
      }
      t->ci_lo[cell(t, row, col)] = t->ci_hi[cell(t, row, col)] = NAN;
      if (n < 2)
        continue;
      err = sb_stats_bootstrap_ci(work, n, kind, t->o.n_resamples, t->o.seed, t->o.level,
                                  &t->ci_lo[cell(t, row, col)], &t->ci_hi[cell(t, row, col)]);
      if (err)
        return err;
    }
  return SB_OK;
}

static sb_err compute_wilcoxon(sb_table *t, double *x, double *y)
{
  int n_tracks = sb_scores_n_tracks(t->sc);
  size_t n_cells = (size_t)t->n_methods * (size_t)t->n_targets;
  for (int row = 0; row < t->n_methods; row++)
    for (int col = 0; col < t->n_targets; col++) {
      double statistic;
      int exact = 0;
      sb_err err;
      t->p_raw[cell(t, row, col)] = NAN;
      if (row == t->reference)
        continue;
      for (int k = 0; k < n_tracks; k++) {
        x[k] = sb_scores_value(t->sc, row, col, k);
        y[k] = sb_scores_value(t->sc, t->reference, col, k);
      }
      err = sb_stats_wilcoxon(x, y, n_tracks, &statistic, &t->p_raw[cell(t, row, col)], &exact);
      if (err)
        return err;
      t->n_comparisons += !isnan(t->p_raw[cell(t, row, col)]);
      t->n_exact += exact;
    }
  return sb_stats_holm(t->p_raw, (int)n_cells, t->p_holm);
}

static sb_err compute_friedman(sb_table *t, double *block)
{
  int k = t->n_methods, n_tracks = sb_scores_n_tracks(t->sc);
  size_t n_pairs = (size_t)k * (size_t)(k - 1) / 2;
  double *pairs = malloc((n_pairs ? n_pairs : 1) * 2 * sizeof *pairs);
  double *matrix = malloc((size_t)k * (size_t)k * sizeof *matrix);
  sb_err err = SB_OK;
  if (!pairs || !matrix) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int col = 0; col < t->n_targets; col++) {
    double *conover = t->conover + (size_t)col * (size_t)k * (size_t)k;
    int n = 0;
    size_t q = 0;
    t->friedman_chi2[col] = t->friedman_p[col] = NAN;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
      conover[i] = NAN;
    for (int track = 0; track < n_tracks; track++) {
      int complete = 1;
      for (int m = 0; m < k; m++) {
        block[(size_t)n * (size_t)k + (size_t)m] = sb_scores_value(t->sc, m, col, track);
        complete &= isfinite(block[(size_t)n * (size_t)k + (size_t)m]);
      }
      n += complete;
    }
    t->friedman_n[col] = n;
    if (k < 3 || n < 2)
      continue;
    err = sb_stats_friedman(block, n, k, &t->friedman_chi2[col], &t->friedman_p[col], NULL);
    if (!err)
      err = sb_stats_conover_friedman(block, n, k, matrix);
    if (err)
      goto done;
    for (int a = 0; a < k; a++)
      for (int b = a + 1; b < k; b++)
        pairs[q++] = matrix[(size_t)a * (size_t)k + (size_t)b];
    err = sb_stats_holm(pairs, (int)q, pairs + n_pairs);
    if (err)
      goto done;
    q = 0;
    for (int a = 0; a < k; a++) {
      conover[(size_t)a * (size_t)k + (size_t)a] = 1.0;
      for (int b = a + 1; b < k; b++, q++) {
        conover[(size_t)a * (size_t)k + (size_t)b] = pairs[n_pairs + q];
        conover[(size_t)b * (size_t)k + (size_t)a] = pairs[n_pairs + q];
      }
    }
  }
done:
  free(pairs);
  free(matrix);
  return err;
}

sb_err sb_table_new(const sb_scores *sc, const sb_table_opts *o, sb_table **out, sb_msg *msg)
{
  static const sb_table_opts defaults = {0};
  sb_table *t;
  double *work = NULL;
  size_t n_cells;
  int n_tracks;
  sb_err err;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "table: no output pointer");
  *out = NULL;
  if (!sc)
    return sb_msg_set(msg, SB_EINVAL, "table: no scores");
  if (!o)
    o = &defaults;
  if (o->n_resamples < 0 || o->n_resamples == 1 || o->level < 0 || o->level >= 1 ||
      o->alpha < 0 || o->alpha >= 1)
    return sb_msg_set(msg, SB_EINVAL,
                      "table: %d resamples, level %g, alpha %g (need >= 2, (0,1), (0,1))",
                      o->n_resamples, o->level, o->alpha);
  t = calloc(1, sizeof *t);
  if (!t)
    return sb_msg_set(msg, SB_ENOMEM, "table: out of memory");
  t->sc = sc;
  t->o = *o;
  if (!t->o.n_resamples)
    t->o.n_resamples = 1000;
  if (!t->o.seed)
    t->o.seed = 2018;
  if (!(t->o.level > 0))
    t->o.level = 0.95;
  if (!(t->o.alpha > 0))
    t->o.alpha = 0.05;
  t->n_methods = sb_scores_n_methods(sc);
  t->n_targets = sb_scores_n_targets(sc);
  t->reference = o->reference ? sb_scores_find_method(sc, o->reference) : 0;
  if (t->reference < 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "table: reference method '%s' is not in the leaderboard",
                     o->reference);
    goto fail;
  }
  n_cells = (size_t)t->n_methods * (size_t)t->n_targets;
  n_tracks = sb_scores_n_tracks(sc);
  t->ci_lo = malloc((n_cells ? n_cells : 1) * sizeof *t->ci_lo);
  t->ci_hi = malloc((n_cells ? n_cells : 1) * sizeof *t->ci_hi);
  t->p_raw = malloc((n_cells ? n_cells : 1) * sizeof *t->p_raw);
  t->p_holm = malloc((n_cells ? n_cells : 1) * sizeof *t->p_holm);
  t->friedman_chi2 = malloc((size_t)(t->n_targets + 1) * sizeof *t->friedman_chi2);
  t->friedman_p = malloc((size_t)(t->n_targets + 1) * sizeof *t->friedman_p);
  t->friedman_n = calloc((size_t)(t->n_targets + 1), sizeof *t->friedman_n);
  t->conover = malloc((n_cells ? n_cells : 1) * (size_t)(t->n_methods + 1) * sizeof *t->conover);
  work = malloc(((size_t)n_tracks * (size_t)(t->n_methods + 2) + 1) * sizeof *work);
  if (!t->ci_lo || !t->ci_hi || !t->p_raw || !t->p_holm || !t->friedman_chi2 || !t->friedman_p ||
      !t->friedman_n || !t->conover || !work) {
    err = sb_msg_set(msg, SB_ENOMEM, "table: out of memory");
    goto fail;
  }
  err = compute_ci(t, work);
  if (!err)
    err = compute_wilcoxon(t, work, work + n_tracks);
  if (!err)
    err = compute_friedman(t, work);
  if (err) {
    err = sb_msg_set(msg, err, "table: %s", sb_strerror(err));
    goto fail;
  }
  free(work);
  *out = t;
  return SB_OK;
fail:
  free(work);
  sb_table_free(&t);
  return err;
}

/* ---------------------------------------------------------------- output */

static void write_text(FILE *f, const char *text, sb_table_format fmt)
{
  if (fmt == SB_TABLE_LATEX)
    sb_escape_latex(f, text);
  else
    sb_escape_markdown(f, text);
}

/* The best (largest) value of a column, NaN when none. */
static double column_best(const sb_table *t, int col)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(t->sc);
  double best = NAN;
  for (int row = 0; row < t->n_methods; row++) {
    double v = col < t->n_targets ? sb_leaderboard_value(lb, row, col) : sb_leaderboard_avg(lb, row);
    if (isfinite(v) && (isnan(best) || v > best))
      best = v;
  }
  return best;
}

static void write_cell(const sb_table *t, FILE *f, int row, int col, sb_table_format fmt)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(t->sc);
  int latex = fmt == SB_TABLE_LATEX;
  double v = col < t->n_targets ? sb_leaderboard_value(lb, row, col) : sb_leaderboard_avg(lb, row);
  char value[32];
  if (isnan(v)) {
    fputs(latex ? "--" : "–", f);
    return;
  }
  snprintf(value, sizeof value, "%.2f", v);
  if (column_best(t, col) == v)
    fprintf(f, latex ? "\\textbf{%s}" : "**%s**", value);
  else
    fputs(value, f);
  if (col >= t->n_targets)
    return;
  if (!isnan(t->ci_lo[cell(t, row, col)])) {
    double lo = t->ci_lo[cell(t, row, col)], hi = t->ci_hi[cell(t, row, col)];
    if (t->o.ci_brackets)
      fprintf(f, latex ? "\\,{\\scriptsize[%.2f, %.2f]}" : " [%.2f, %.2f]", lo, hi);
    else
      fprintf(f, latex ? "\\,{\\scriptsize$\\pm$%.2f}" : " ± %.2f", 0.5 * (hi - lo));
  }
  if (t->p_holm[cell(t, row, col)] < t->o.alpha)
    fputs(latex ? "$^\\dagger$" : " †", f);
}

static void write_footnote(const sb_table *t, FILE *f, sb_table_format fmt)
{
  const sb_leaderboard *lb = sb_scores_leaderboard(t->sc);
  const char *ref = sb_leaderboard_method(lb, t->reference);
  int latex = fmt == SB_TABLE_LATEX;
  const char *line_end = latex ? "\\\\\n" : "\n\n";

  if (latex)
    fputs("\\par\\smallskip\\footnotesize\n", f);
  write_text(f, sb_leaderboard_title(lb), fmt);
  fprintf(f, "; best value per column in bold.  %s: %g%% percentile bootstrap confidence interval"
          " over tracks (%d resamples of the tracks, MT19937 seed %lu).%s",
          t->o.ci_brackets ? "[lo, hi]" : (latex ? "$\\pm$" : "±"), 100.0 * t->o.level,
          t->o.n_resamples, t->o.seed, line_end);
  fputs(latex ? "$^\\dagger$" : "†", f);
  fprintf(f, ": differs from the reference ");
  write_text(f, ref, fmt);
  fprintf(f, " at level %g (two-sided Wilcoxon signed-rank test on the per-track values, %s;"
          " Holm correction over %d comparisons).%s", t->o.alpha,
          t->n_exact == t->n_comparisons ? "exact null distribution"
          : t->n_exact == 0 ? "normal approximation"
                            : "exact distribution without zero differences and up to 50 tracks,"
                              " else normal approximation",
          t->n_comparisons, line_end);
  if (t->n_methods < 3) {
    fprintf(f, "Friedman test: needs at least 3 methods.%s", line_end);
    return;
  }
  fprintf(f, "Friedman test across the %d methods (tracks complete for every method), then"
          " Conover's post-hoc test (Conover 1999) with Holm correction over the %d pairs:",
          t->n_methods, t->n_methods * (t->n_methods - 1) / 2);
  for (int col = 0; col < t->n_targets; col++) {
    int n_close = 0;
    fprintf(f, "%s", col ? "; " : " ");
    write_text(f, sb_leaderboard_target(lb, col), fmt);
    if (isnan(t->friedman_p[col])) {
      fprintf(f, " n/a (%d complete tracks)", t->friedman_n[col]);
      continue;
    }
    fprintf(f, latex ? " $\\chi^2$=%.2f, p=%.3g (n=%d)" : " χ²=%.2f, p=%.3g (n=%d)",
            t->friedman_chi2[col], t->friedman_p[col], t->friedman_n[col]);
    for (int a = 0; a < t->n_methods; a++)
      for (int b = a + 1; b < t->n_methods; b++) {
        double p = sb_table_conover_p(t, col, a, b);
        if (!(p < t->o.alpha)) {
          fputs(n_close++ ? ", " : ", not separable: ", f);
          write_text(f, sb_leaderboard_method(lb, a), fmt);
          fputs("/", f);
          write_text(f, sb_leaderboard_method(lb, b), fmt);
        }
      }
  }
  fputs(".\n", f);
}

sb_err sb_table_write(const sb_table *t, FILE *f, sb_table_format fmt)
{
  const sb_leaderboard *lb;
  int latex = fmt == SB_TABLE_LATEX;
  if (!t || !f || (fmt != SB_TABLE_LATEX && fmt != SB_TABLE_MARKDOWN))
    return SB_EINVAL;
  lb = sb_scores_leaderboard(t->sc);
  if (latex) {
    fputs("% requires \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n\\caption{", f);
    sb_escape_latex(f, sb_leaderboard_title(lb));
    fputs("}\n\\begin{tabular}{l", f);
    for (int col = 0; col <= t->n_targets; col++)
      fputc('r', f);
    fputs("}\n\\toprule\nMethod", f);
  } else {
    fputs("**", f);
    sb_escape_markdown(f, sb_leaderboard_title(lb));
    fputs("**\n\n| Method", f);
  }
  for (int col = 0; col <= t->n_targets; col++) {
    fputs(latex ? " & " : " | ", f);
    write_text(f, col < t->n_targets ? sb_leaderboard_target(lb, col) : "avg", fmt);
  }
  fputs(latex ? " \\\\\n\\midrule\n" : " |\n|:---|", f);
  if (!latex) {
    for (int col = 0; col <= t->n_targets; col++)
      fputs("---:|", f);
    fputc('\n', f);
  }
  for (int row = 0; row < t->n_methods; row++) {
    fputs(latex ? "" : "| ", f);
    write_text(f, sb_leaderboard_method(lb, row), fmt);
    if (row == t->reference)
      fputs(" (ref.)", f);
    for (int col = 0; col <= t->n_targets; col++) {
      fputs(latex ? " & " : " | ", f);
      write_cell(t, f, row, col, fmt);
    }
    fputs(latex ? " \\\\\n" : " |\n", f);
  }
  if (latex)
    fputs("\\bottomrule\n\\end{tabular}\n", f);
  else
    fputc('\n', f);
  write_footnote(t, f, fmt);
  if (latex)
    fputs("\\end{table}\n", f);
  return fflush(f) != 0 || ferror(f) ? SB_EIO : SB_OK;
}
