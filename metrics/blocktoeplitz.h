/*
 * metrics/blocktoeplitz.h — the symmetric positive (semi-)definite block
 * Toeplitz systems of BSS Eval: Gram matrices of delayed signals.
 *
 * m channels, n taps.  R holds n blocks R(l), l = 0..n-1, each m x m
 * row-major: R[(l * m + k) * m + k'] = sum_t s_k[t + l] s_k'[t] (the
 * correlations of the channels, signals zero outside their range).  The
 * Gram matrix of the delayed signals D_a s_k (a = 0..n-1) is
 *
 *     T[(k, a), (k', b)] = <D_a s_k, D_b s_k'> = R(b - a)[k][k'] for b >= a,
 *                                                 R(a - b)[k'][k] for b < a,
 *
 * with row index k * n + a (museval's _reshape_G order, spec §1.1).
 * Right-hand sides use the same index, one column of m n values each.
 *
 * Two solvers:
 *  - sb_gram_factor: the dense matrix (+ load on the diagonal, museval's
 *    eps) factorised once with LAPACK (OpenBLAS): Cholesky (dpotrf), LU
 *    (dgetrf) when Cholesky fails, SVD least squares (dgelsd, rcond =
 *    machine precision like numpy.linalg.lstsq) when LU finds it singular —
 *    the reference code's solve/lstsq fallback.  LAPACK is called directly
 *    because it reports failure through info; GSL's error handler would
 *    need process-global state.  O((m n)^3 / 3) once; O((m n)^2) per
 *    right-hand side.
 *  - sb_btoep_solve / sb_btoep_energy: block Levinson recursion (Whittle
 *    1963; Wiggins & Robinson 1965) giving x = T^{-1} d or d^T T^{-1} d for
 *    many right-hand sides at once in O(m^2 (m + r) n^2) time and
 *    O(m (m + r) n) memory: ~10x cheaper than a dense Cholesky of the
 *    4096 x 4096 Gram matrix of 4 stereo sources; the dense factor is the
 *    fallback when the recursion breaks down.
 *
 * Workload: m = 8 (4 stereo sources) or 2, n = 512.
 */
#ifndef SB_METRICS_BLOCKTOEPLITZ_H
#define SB_METRICS_BLOCKTOEPLITZ_H

#include "sepbench/error.h"

typedef struct sb_gram_factor sb_gram_factor;

/* Builds T + load * I from R (m >= 1, n >= 1) and factorises it.
 * SB_EINVAL (bad sizes or NULL), SB_ENOMEM, SB_ENUMERIC (LAPACK reported an
 * argument error or a non-finite matrix). */
sb_err sb_gram_factor_new(const double *R, int m, int n, double load, sb_gram_factor **out);

/* Solves (T + load I) x = b in place for n_rhs columns stored one after
 * the other (column c at rhs + c * m * n).  Thread-safe for concurrent
 * calls on one factor.  SB_EINVAL, SB_ENOMEM, SB_ENUMERIC. */
sb_err sb_gram_factor_solve(const sb_gram_factor *f, int n_rhs, double *rhs);

void sb_gram_factor_free(sb_gram_factor **f);

/* energy[c] = d_c^T T^{-1} d_c for the n_rhs columns of d (layout as
 * above), by block Levinson.  SB_ENUMERIC when a leading block of T is not
 * numerically positive definite (the caller then uses sb_gram_factor);
 * SB_EINVAL, SB_ENOMEM.  Thread-safe. */
sb_err sb_btoep_energy(const double *R, int m, int n, int n_rhs, const double *d,
                       double *energy);

/* Solves (T + load I) x = b in place by block Levinson for the n_rhs
 * columns of x (layout as above).  SB_ENUMERIC when a leading block is not
 * numerically positive definite (x is then unchanged); SB_EINVAL,
 * SB_ENOMEM.  Thread-safe. */
sb_err sb_btoep_solve(const double *R, int m, int n, double load, int n_rhs, double *x);

#endif /* SB_METRICS_BLOCKTOEPLITZ_H */
