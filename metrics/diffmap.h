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
 *   S = D^-1/2 K D^-1/2, eigen-decomposed (LAPACK dsyevr), eigenvalues
 *   sorted descending; the first (trivial) pair is dropped, leaving
 *   lam_1..lam_{N-1} and eigenvectors v_k (NOT rescaled by D^-1/2);
 *   coords_ik = lam_k v_k(i);  L = 1 + #{m : cumsum(lam)_m / sum(lam) < 0.99}.
 *   c_val = lam_1 (min_i d_i / sum_i d_i)^-1/2 / ln 2 over the points not
 *   flagged as outputs (the reference passes it on; it is reported only).
 * The v1.1 package variant (clamp eps >= DBL_EPSILON, eigenvalues >= 0,
 * L <= N-1) is selected by `v11`.
 *
 * Everything is double precision.  Eigenvector signs are arbitrary (LAPACK);
 * the MAPSS measures are invariant to them.
 *
 * Workload: one call per (20-ms frame, measure); N = 100-250 points of
 * dimension 16-1024.  Cost O(N^2 dim + N^3).  Reentrant, no global state;
 * LAPACK/BLAS from OpenBLAS.
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
  size_t n_keep;    /* L: retained coordinates (the first L columns) */
  double eps;       /* kernel bandwidth (lower median of D2) */
  double c_val;     /* see above; NaN when every point is flagged */
  double *lam;      /* [N-1] non-trivial eigenvalues, descending */
  double *degree;   /* [N] row sums d_i of the alpha-normalised kernel */
  double *coords;   /* [N][N-1] row-major: coords[i * (N-1) + k] */
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

/* Frees the arrays of dm and zeroes it.  NULL is a no-op. */
void sb_diffmap_clear(sb_diffmap *dm);

#endif /* SB_METRICS_DIFFMAP_H */
