/*
 * metrics/bsseval_frame.c — BSS Eval in frame-filter mode (v3 framewise;
 * metrics/bsseval_parts.h): inside each frame the projections are
 * orthogonal, so ||p||^2 = D^T G^{-1} D and ||q||^2 = D_j^T G_j^{-1} D_j
 * (shared/specs/bsseval.md §1.4b), obtained by block Levinson without
 * forming any filter.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/first_error.h"
#include "metrics/blocktoeplitz.h"
#include "metrics/bsseval_parts.h"

/* d^T G^{-1} d for the columns cols of the frame correlations, over the
 * kept channels: block Levinson, dense factorisation when Levinson breaks
 * down or its result is not a projection energy (0 <= . <= ||e||^2). */
static sb_err frame_energies(const sb_bsseval *b, const double *R, const int *keep, int n_keep,
                             const double *dfr, int n_y, const int *cols, int n_cols,
                             const double *col_energy, double *out)
{
  double *rs = NULL, *rhs = NULL;
  sb_err err = SB_OK;
  int ok = 1;
  if (n_keep == 0 || n_cols == 0) {
    for (int c = 0; c < n_cols; c++)
      out[c] = 0.0;
    return SB_OK;
  }
  rs = sb_bss_sub_R(R, b->m, b->L, keep, n_keep);
  rhs = malloc(sizeof(double) * (size_t)n_cols * n_keep * b->L);
  if (!rs || !rhs) {
    err = SB_ENOMEM;
    goto done;
  }
  sb_bss_fill_rhs(dfr, n_y, b->n_lag, b->L, keep, n_keep, cols, n_cols, rhs);
  err = sb_btoep_energy(rs, n_keep, b->L, n_cols, rhs, out);
  if (err == SB_OK) {
    for (int c = 0; c < n_cols; c++)
      ok &= isfinite(out[c]) && out[c] >= -1e-9 * col_energy[c] &&
            out[c] <= col_energy[c] * (1.0 + 1e-9);
  }
  if (err == SB_ENUMERIC || (err == SB_OK && !ok)) {
    sb_gram_factor *f = NULL;
    double *x = malloc(sizeof(double) * (size_t)n_cols * n_keep * b->L);
    err = x ? sb_gram_factor_new(rs, n_keep, b->L, 0.0, &f) : SB_ENOMEM;
    if (err == SB_OK) {
      memcpy(x, rhs, sizeof(double) * (size_t)n_cols * n_keep * b->L);
      err = sb_gram_factor_solve(f, n_cols, x);
    }
    if (err == SB_OK)
      for (int c = 0; c < n_cols; c++) {
        double acc = 0.0;
        for (size_t i = 0; i < (size_t)n_keep * b->L; i++)
          acc += rhs[(size_t)c * n_keep * b->L + i] * x[(size_t)c * n_keep * b->L + i];
        out[c] = acc;
      }
    sb_gram_factor_free(&f);
    free(x);
  }
done:
  free(rs);
  free(rhs);
  return err;
}

sb_err sb_bss_eval_frame_filters(sb_bsseval *b, int n_pair, const sb_bss_pair *pair,
                                 const est_set *es, const unsigned char *skip, double *sdr,
                                 double *isr, double *sir, double *sar)
{
  const int m = b->m, I = b->n_chan, n_y = es->n_est * I;
  const size_t n_corr = (size_t)m * n_y * b->n_lag, per = (size_t)b->L * m * m;
  sb_err err = SB_OK;

#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    double *dfr = malloc(sizeof(double) * n_corr);
    double *p_col = malloc(sizeof(double) * (size_t)n_y);
    double *q_col = malloc(sizeof(double) * (size_t)n_y);
    double *e_col = malloc(sizeof(double) * (size_t)n_y);
    int *cols = malloc(sizeof(int) * (size_t)n_y);
    int *ecols = malloc(sizeof(int) * (size_t)n_y);
    double *ecol_e = malloc(sizeof(double) * (size_t)n_y);
    double *qv = malloc(sizeof(double) * (size_t)n_y);
    double *scratch = malloc(sizeof(double) * 2 * (size_t)SB_SPAN_MAX);
    sb_err terr = (dfr && p_col && q_col && e_col && cols && ecols && ecol_e && qv && scratch)
                    ? SB_OK : SB_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = 0; k < b->n_frames; k++) {
      int64_t t0, t1;
      const double *R = b->R_frame + per * (size_t)k;
      int cand[64], keep[64], n_keep;
      if (terr != SB_OK)
        continue;
      if (sb_bss_skipped(b, skip, k, n_pair, sdr, isr, sir, sar))
        continue;
      sb_bss_frame_bounds(b, k, &t0, &t1);
      memset(dfr, 0, sizeof(double) * n_corr);
      terr = sb_fftcorr_add(b->fc, &b->ref, m, b->ref_idx, t0, t1, es->view, n_y, es->col, t0, t1,
                            0, dfr);
      for (int y = 0; y < n_y && terr == SB_OK; y++) {
        double acc = 0.0;
        const int col = es->col[y];
        for (int64_t a = t0; a < t1 && terr == SB_OK; a += SB_SPAN_MAX) {
          int64_t n = t1 - a < SB_SPAN_MAX ? t1 - a : SB_SPAN_MAX;
          const double *x;
          terr = sb_sources_span(es->view, col / I, col % I, a, n, scratch, &x);
          for (int64_t t = 0; t < n && terr == SB_OK; t++)
            acc += x[t] * x[t];
        }
        e_col[y] = acc;
        cols[y] = y;
      }
      /* all sources */
      for (int r = 0; r < m; r++)
        cand[r] = r;
      if (terr == SB_OK)
        terr = sb_bss_select_channels(&b->ref, cand, m, t0, t1, scratch, keep, &n_keep);
      if (terr == SB_OK)
        terr = frame_energies(b, R, keep, n_keep, dfr, n_y, cols, n_y, e_col, p_col);
      /* each target source, with the estimates paired with it */
      for (int j = 0; j < b->n_src && terr == SB_OK; j++) {
        int n_cols = 0;
        for (int e = 0; e < es->n_est; e++) {
          int used = 0;
          for (int p = 0; p < n_pair && !used; p++)
            used = pair[p].target == j && es->of_pair[p] == e;
          if (!used)
            continue;
          for (int c = 0; c < I; c++) {
            ecols[n_cols] = e * I + c;
            ecol_e[n_cols] = e_col[e * I + c];
            n_cols++;
          }
        }
        if (n_cols == 0)
          continue;
        terr = sb_bss_select_channels(&b->ref, cand + j * I, I, t0, t1, scratch, keep, &n_keep);
        if (terr == SB_OK)
          terr = frame_energies(b, R, keep, n_keep, dfr, n_y, ecols, n_cols, ecol_e, qv);
        for (int c = 0; c < n_cols; c++)
          q_col[ecols[c]] = qv[c];
      }
      if (terr != SB_OK)
        continue;
      for (int p = 0; p < n_pair; p++) {
        const int j = pair[p].target, e = es->of_pair[p];
        frame_energy fe;
        double pp = 0.0, q = 0.0;
        terr = sb_bss_pair_energy(b, j, es->view, pair[p].est, t0, t1, scratch, &fe);
        if (terr != SB_OK)
          break;
        for (int c = 0; c < I; c++) {
          pp += p_col[e * I + c];
          q += q_col[e * I + c];
        }
        sb_bss_write_crit(b, (size_t)p * b->n_frames + k, &fe, q - 2.0 * fe.es + fe.s, pp - q, fe.e - pp,
                   q, pp, fe.e - q, sdr, isr, sir, sar);
      }
    }
    sb_first_error_keep(&err, terr);
    free(dfr);
    free(p_col);
    free(q_col);
    free(e_col);
    free(cols);
    free(ecols);
    free(ecol_e);
    free(qv);
    free(scratch);
  }
  return err;
}

