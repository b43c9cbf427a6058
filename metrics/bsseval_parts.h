/*
 * metrics/bsseval_parts.h — what the translation units of BSS Eval share;
 * private to metrics/bsseval*.c (the contract is metrics/bsseval.h):
 *   bsseval.c         options, framing, the references' Gram systems,
 *                     the estimates of a call, energies and criteria;
 *   bsseval_corr.c    correlations over frames and the whole track, the
 *                     channels that enter a system, its solution;
 *   bsseval_filter.c  filter mode (v4 framewise, the whole signal): the
 *                     energies as quadratic forms of the filters;
 *   bsseval_frame.c   frame-filter mode (v3 framewise): projection
 *                     energies inside each frame.
 * Notation as in metrics/bsseval.c: J sources, I channels, m = J I
 * reference channels, L taps.
 */
#ifndef SB_METRICS_BSSEVAL_PARTS_H
#define SB_METRICS_BSSEVAL_PARTS_H

#include <fftw3.h>
#include <stdint.h>

#include "metrics/bsseval.h"
#include "metrics/fftcorr.h"

/* A whole-track Gram system over a subset of the reference channels. */
typedef struct gram_sys {
  int n_keep;   /* channels kept (0: nothing to project on) */
  int keep[64]; /* their indices, ascending */
  double *R;    /* R restricted to them (L n_keep^2), NULL when n_keep == 0 */
  double load;  /* added to the diagonal (museval's eps in v4) */
} gram_sys;

struct sb_bsseval {
  sb_bss_opts opts;
  int n_src, n_chan, m, L, n_lag; /* J, I, J I, taps, 2 L - 1 */
  int64_t T;
  sb_sources ref;                 /* the references' view; channel k = j I + c */
  int *ref_idx;                   /* 0 .. m - 1 */
  int whole;                      /* one frame = [0, T) */
  int frame_filters;              /* v3 framewise */
  int64_t n_frames, win, hop;
  sb_fftcorr *fc;
  double *R_whole;                /* L m m: R(l)[k][k'] over [0, T) (filter mode) */
  double *R_frame;                /* n_frames L m m (framewise modes) */
  gram_sys all;                   /* filter mode: every source */
  gram_sys *src;                  /* filter mode: one per source */
  int n_fft2, n_bin2;             /* quadratic forms */
  fftw_plan plan2;                /* r2c of n_fft2 points */
};

/* The estimates of a call: the distinct estimate indices of its pairs. */
typedef struct est_set {
  const sb_sources *view;    /* the estimates */
  int n_est;
  int *of_pair;              /* pair -> estimate slot */
  int *col;                  /* n_est * I flat channel indices of view, column y = e I + c */
} est_set;

/* Time-domain energies of a pair in a frame, summed over channels. */
typedef struct frame_energy {
  double s, e, err, es; /* ||s||^2, ||e||^2, ||e - s||^2, <e, s> */
} frame_energy;

/* Receives the correlations of frame k (x and y cut to the frame). */
typedef void (*frame_sink)(void *ctx, int64_t k, const double *corr);

/* ---- bsseval.c */

/* Frame k of b: [*t0, *t1). */
void sb_bss_frame_bounds(const sb_bsseval *b, int64_t k, int64_t *t0, int64_t *t1);

/* The distinct estimates of the pairs.  SB_ENOMEM. */
sb_err sb_bss_est_set_init(est_set *es, const sb_bsseval *b, const sb_sources *view, int n_pair,
                           const sb_bss_pair *pair);
void sb_bss_est_set_free(est_set *es);

/* Energies of reference target against estimate est of view over [t0, t1);
 * scratch holds 2 SB_SPAN_MAX doubles.  The reader's errors. */
sb_err sb_bss_pair_energy(const sb_bsseval *b, int target, const sb_sources *view, int est, int64_t t0, int64_t t1,
                          double *scratch, frame_energy *fe);

/* ||x||^2 of source src of view over [t0, t1), summed over channels as
 * sb_bss_pair_energy sums ||s||^2 and ||e||^2; scratch holds SB_SPAN_MAX
 * doubles.  The reader's errors. */
sb_err sb_bss_energy(const sb_bsseval *b, const sb_sources *view, int src, int64_t t0, int64_t t1,
                     double *scratch, double *out);

/* 1 when frame k is skipped (skip[k] set): every pair's outputs that are
 * not NULL are NaN there; 0 otherwise (skip NULL: nothing is skipped). */
int sb_bss_skipped(const sb_bsseval *b, const unsigned char *skip, int64_t k, int n_pair, double *sdr, double *isr,
                   double *sir, double *sar);

/* Writes the criteria of §1.4 at index i from the energies of the
 * decomposition: spat = ||e_spat||^2, interf = ||e_interf||^2, artif =
 * ||e_artif||^2, q = ||P_j e||^2, p = ||P e||^2, filt_err = ||e_interf +
 * e_artif||^2. */
void sb_bss_write_crit(const sb_bsseval *b, size_t i, const frame_energy *fe, double spat, double interf,
                       double artif, double q, double p, double filt_err, double *sdr, double *isr, double *sir,
                       double *sar);

/* ---- bsseval_corr.c */

/* R[(l m + k) m + k'] = sum_t s_k[t + l] s_k'[t] from fftcorr's symmetric
 * output r_ij[l] = sum_n x_i[n] x_j[n + l] (R(l)[k][k'] = r_k'k[l]). */
void sb_bss_corr_to_R(const double *corr, int m, int L, double *R);

/* Chooses the channels of cand[0..n_cand) that enter a system over
 * [t0, t1): not all zero and not a copy of an earlier kept channel.
 * scratch holds 2 SB_SPAN_MAX doubles.  The reader's errors. */
sb_err sb_bss_select_channels(const sb_sources *s, const int *cand, int n_cand, int64_t t0, int64_t t1,
                              double *scratch, int *keep, int *n_keep);

/* R restricted to the kept channels (malloc'ed; NULL when out of memory). */
double *sb_bss_sub_R(const double *R, int m, int L, const int *keep, int n_keep);

/* Right-hand sides of a system: column y of the correlations
 * corr[(k n_y + y) n_lag + lag] (lags 0..L-1) for the kept channels. */
void sb_bss_fill_rhs(const double *corr, int n_y, int n_lag, int L, const int *keep, int n_keep, const int *cols,
                     int n_cols, double *rhs);

/* The whole-track system of the channels cand over [t0, t1) with load on
 * the diagonal.  The reader's errors, SB_ENOMEM. */
sb_err sb_bss_gram_build(gram_sys *g, const sb_sources *s, const double *R, int m, int L, const int *cand, int n_cand,
                         int64_t t0, int64_t t1, double load, double *scratch);

/* Solves the system for n_rhs columns in place: block Levinson, or when it
 * breaks down the dense factorisation (Cholesky, LU, least squares).
 * SB_ENUMERIC, SB_ENOMEM. */
sb_err sb_bss_gram_solve(const gram_sys *g, int L, int n_rhs, double *rhs);

/* Sum over a partition of [0, T) into chunks of r_ij (x against y over the
 * whole signal), computed in parallel and added in chunk order. */
sb_err sb_bss_corr_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x, const sb_sources *ys,
                         int n_y, const int *y, int sym, double *out);

/* Correlations of x against y cut to every frame (given to sink), and with
 * whole != NULL their sum over the whole track [0, T) (see bsseval_corr.c). */
sb_err sb_bss_frames_and_whole(const sb_bsseval *b, const sb_sources *xs, int n_x, const int *x,
                               const sb_sources *ys, int n_y, const int *y, int sym, frame_sink sink, void *ctx,
                               double *whole);

/* ---- bsseval_filter.c, bsseval_frame.c: sb_bsseval_eval_pairs_whole of
 * the two modes, arguments as there (checked by the caller; frames not
 * NULL, whole only in filter mode). */
sb_err sb_bss_eval_filter_mode(sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                               const unsigned char *skip, const sb_bss_out *frames, const sb_bss_out *whole);
sb_err sb_bss_eval_frame_filters(sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                                 const unsigned char *skip, double *sdr, double *isr, double *sir, double *sar);

#endif /* SB_METRICS_BSSEVAL_PARTS_H */
