/*
 * metrics/permutation.c — brute-force (mir_eval) and Hungarian
 * (fast_bss_eval) permutation rules; see permutation.h.
 *
 * The Hungarian method is the O(n^3) shortest-augmenting-path form with
 * row and column potentials (Kuhn 1955, Munkres 1957; Jonker & Volgenant
 * 1987): rows (references) are inserted one at a time, each insertion
 * grows a Dijkstra-like tree over columns (estimates) on reduced costs.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "metrics/permutation.h"

/* Mean of score[j * n + perm[j]], summed in index order like np.mean of a
 * short array. */
static double perm_mean(int n, const double *score, const int *perm)
{
  double sum = 0.0;
  for (int j = 0; j < n; j++)
    sum += score[(size_t)j * (size_t)n + (size_t)perm[j]];
  return sum / n;
}

/* Next permutation in lexicographic order; 0 after the last one. */
static int next_perm(int n, int *p)
{
  int i = n - 2, k = n - 1;
  while (i >= 0 && p[i] > p[i + 1])
    i--;
  if (i < 0)
    return 0;
  while (p[k] < p[i])
    k--;
  {
    int t = p[i];
    p[i] = p[k];
    p[k] = t;
  }
  for (int a = i + 1, b = n - 1; a < b; a++, b--) {
    int t = p[a];
    p[a] = p[b];
    p[b] = t;
  }
  return 1;
}

sb_err sb_perm_brute(int n, const double *score, int *perm, double *best_mean)
{
  int cand[SB_PERM_BRUTE_MAX];
  double best = -INFINITY;
  int have_best = 0;

  if (n < 1 || n > SB_PERM_BRUTE_MAX || !score || !perm)
    return SB_EINVAL;
  for (int j = 0; j < n; j++)
    cand[j] = j;
  do {
    double m = perm_mean(n, score, cand);
    /* np.argmax: the first NaN wins outright; otherwise the first maximum. */
    if (isnan(m) || !have_best || m > best) {
      best = m;
      have_best = 1;
      for (int j = 0; j < n; j++)
        perm[j] = cand[j];
      if (isnan(m))
        break;
    }
  } while (next_perm(n, cand));
  if (best_mean)
    *best_mean = best;
  return SB_OK;
}

sb_err sb_perm_hungarian(int n, const double *score, int *perm, double *best_mean)
{
  size_t nn = (size_t)n * (size_t)n;
  double *cost = NULL, *u = NULL, *v = NULL, *minv = NULL;
  int *match = NULL, *way = NULL;
  unsigned char *used = NULL;
  double lo = INFINITY, hi = -INFINITY;
  int has_pos_inf = 0, has_neg_inf = 0, n_finite = 0;
  sb_err err = SB_ENOMEM;

  if (n < 1 || !score || !perm)
    return SB_EINVAL;
  cost = malloc(nn * sizeof *cost);
  u = calloc((size_t)n + 1, sizeof *u);
  v = calloc((size_t)n + 1, sizeof *v);
  minv = malloc(((size_t)n + 1) * sizeof *minv);
  match = calloc((size_t)n + 1, sizeof *match);
  way = calloc((size_t)n + 1, sizeof *way);
  used = malloc((size_t)n + 1);
  if (!cost || !u || !v || !minv || !match || !way || !used)
    goto done;

  /* Costs are -score; NaN counts as the worst score. */
  for (size_t i = 0; i < nn; i++) {
    double c = isnan(score[i]) ? INFINITY : -score[i];
    cost[i] = c;
    if (c == INFINITY)
      has_pos_inf = 1;
    else if (c == -INFINITY)
      has_neg_inf = 1;
    else {
      n_finite++;
      if (c < lo)
        lo = c;
      if (c > hi)
        hi = c;
    }
  }
  if (n_finite == 0) {
    lo = 0.0;
    hi = 0.0;
  }
  if (has_pos_inf || has_neg_inf) {
    /* fast_bss_eval's placeholders: strictly beyond any sum of finite costs. */
    double positive = n * (hi - lo + fabs(hi) + fabs(lo) + 1.0);
    double high = hi + (n - 1) * (hi - lo) + positive;
    double low = lo + (n - 1) * (lo - hi) - positive;
    for (size_t i = 0; i < nn; i++) {
      if (cost[i] == INFINITY)
        cost[i] = high;
      else if (cost[i] == -INFINITY)
        cost[i] = low;
    }
  }

  /* 1-based potentials; match[col] = row assigned to col (0 = none). */
  for (int row = 1; row <= n; row++) {
    int col0 = 0;
    match[0] = row;
    for (int col = 0; col <= n; col++) {
      minv[col] = INFINITY;
      used[col] = 0;
    }
    do {
      int row0 = match[col0], col1 = 0;
      double delta = INFINITY;
      used[col0] = 1;
      for (int col = 1; col <= n; col++) {
        if (used[col])
          continue;
        {
          double reduced = cost[(size_t)(row0 - 1) * (size_t)n + (size_t)(col - 1)] - u[row0] - v[col];
          if (reduced < minv[col]) {
            minv[col] = reduced;
            way[col] = col0;
          }
          if (minv[col] < delta) {
            delta = minv[col];
            col1 = col;
          }
        }
      }
      for (int col = 0; col <= n; col++) {
        if (used[col]) {
          u[match[col]] += delta;
          v[col] -= delta;
        } else {
          minv[col] -= delta;
        }
      }
      col0 = col1;
    } while (match[col0] != 0);
    do {
      int col1 = way[col0];
      match[col0] = match[col1];
      col0 = col1;
    } while (col0 != 0);
  }
  for (int col = 1; col <= n; col++)
    perm[match[col] - 1] = col - 1;
  if (best_mean)
    *best_mean = perm_mean(n, score, perm);
  err = SB_OK;

done:
  free(cost);
  free(u);
  free(v);
  free(minv);
  free(match);
  free(way);
  free(used);
  return err;
}
