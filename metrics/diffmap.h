/*
 * metrics/diffmap.h — diffusion maps of one point set, as used by the MAPSS
 * measures (PS/PM; Ivry, Cornell, Watanabe 2025; reference code
 * Amir-Ivry/MAPSS-measures 3157d20a, metrics.py diffusion_map_torch with
 * eig_solver="full", alpha=1, cutoff=0.99, diffusion_time=1;
 * shared/specs/mapss.md section 3).
 *
 * For N points x_i of dimension dim:
 *   D2_ij = ||x_i - x_j||^2;  eps = LOWER median of D2 over pairs i < j;
 *   K_ij = exp(-D2_ij / (2 eps));  d_i = sum_j K_ij;
 *   K_ij <- K_ij / (d_i d_j) (alpha = 1);  d_i = sum_j K_ij (recomputed);
 *   S = D^-1/2 K D^-1/2 with eigenvalues sorted descending; the first
 *   (trivial, = 1) pair is dropped, leaving lam_1..lam_{N-1} and
 *   eigenvectors v_k (NOT rescaled by D^-1/2);  coordinates
 *   Psi_ik = lam_k v_k(i);  L = 1 + #{m : cumsum(lam)_m / sum(lam) < 0.99}.
 *   c_val = lam_1 (min_i d_i / sum_i d_i)^-1/2 / ln 2 over the points not
 *   flagged as outputs (the reference passes it on; it is reported only).
 * The v1.1 package variant (clamp eps >= DBL_EPSILON, eigenvalues >= 0,
 * L <= N-1) is selected by `v11`.
 *
 * Only the L retained coordinates are formed.  The N - 1 - L complement
 * coordinates (which the error radii need) enter the MAPSS formulas only
 * through their inner products between points, so they are never formed:
 * sb_diffmap_rest_gram returns those inner products as S^2 minus the
 * leading part, sum over k > L of lam_k^2 v_k(a) v_k(b), for any subset
 * of points.  (With v11 the clamped complement eigenvalues are rounding
 * noise, ~1e-16; their squares are ignored.)
 *
 * Degenerate trivial eigenvalue: when the graph has several components,
 * the eigenvalue 1 is multiple and "the trivial pair" is not one vector.
 * sepbench then drops the closed-form trivial vector sqrt(d) / ||sqrt(d)||
 * and keeps an orthonormal basis of its complement in the eigenspace
 * (eigenvalues within 1e-8 of the top one), so that the retained
 * coordinates do not depend on the eigen-solver's last bits (the
 * reference's torch.linalg.eigh returns an arbitrary basis there).
 *
 * Numerics: double precision throughout.  S is reduced to tridiagonal form
 * T once (LAPACK dsytrd); all eigenvalues come from dsterf; the L + 1
 * leading eigenvectors of T from one twisted factorisation each (O(N) per
 * vector; used when T is unreduced, at most half of the vectors are
 * wanted, the wanted eigenvalues are apart by more than 1e-7 ||T|| and
 * every residual is below 8 N ulp ||T||), else from MRRR (dstemr); then
 * back-transformed by dormtr.  Eigenvector signs are arbitrary; the MAPSS
 * measures are invariant to them.
 *
 * Workload: one call per (20-ms frame, measure); N = 100-250 points of
 * dimension 16-1024.  Cost O(N^2 dim + N^3), the cubic part being the
 * tridiagonal reduction.  Reentrant, no global state; BLAS/LAPACK from
 * OpenBLAS.
 */
#ifndef SB_METRICS_DIFFMAP_H
#define SB_METRICS_DIFFMAP_H

#include <stddef.h>
#include "sepbench/error.h"

/* Result of sb_diffmap_compute.  Arrays are owned by the struct and freed
 * by sb_diffmap_clear; a zero-initialised struct is empty. */
typedef struct sb_diffmap {
  size_t n_points;  /* N */
  size_t n_coords;  /* N - 1: all non-trivial coordinates */
  size_t n_keep;    /* L (1 <= L <= N - 1): retained coordinates */
  double eps;       /* kernel bandwidth (lower median of D2) */
  double c_val;     /* see above; NaN when every point is flagged */
  double *lam;      /* [N-1] non-trivial eigenvalues, descending */
  double *degree;   /* [N] row sums d_i of the alpha-normalised kernel */
  double *coords;   /* [N][L] row-major: coords[i * L + k] = lam_(k+1) v_(k+1)(i) */
  double *trivial;  /* [N] the dropped coordinate lam_0 v_0(i) */
  double *kernel;   /* [N][N] S, symmetric */
} sb_diffmap;

/*
 * Computes the diffusion map of points (row-major [n_points][dim]).
 * is_out (may be NULL) flags the points excluded from c_val.  dm is
 * overwritten (its old arrays are released first).
 * Errors: SB_EINVAL (n_points < 3, dim == 0, NULL pointers, non-finite
 * input), SB_ENUMERIC (all points identical: eps == 0 in v1, or the
 * eigen-solver failed), SB_ENOMEM.
 */
sb_err sb_diffmap_compute(const double *points, size_t n_points, size_t dim,
                          const unsigned char *is_out, int v11, sb_diffmap *dm);

/*
 * Inner products of the complement coordinates (k = L+1 .. N-1) of the
 * points idx[0..n_idx-1]: gram[a * n_idx + b] = sum_k lam_k^2 v_k(idx[a])
 * v_k(idx[b]), computed as (S^2)_ab minus the trivial and retained terms
 * (absolute error ~1e-16 of the largest entry of S^2).  gram has n_idx^2
 * entries, symmetric.  Cost n_idx^2 (N + L) / 2 multiply-adds.
 * Errors: SB_EINVAL (NULL pointers, empty dm, an index >= N), SB_ENOMEM.
 */
sb_err sb_diffmap_rest_gram(const sb_diffmap *dm, const size_t *idx, size_t n_idx, double *gram);

/* Frees the arrays of dm and zeroes it.  NULL is a no-op. */
void sb_diffmap_clear(sb_diffmap *dm);

#endif /* SB_METRICS_DIFFMAP_H */
