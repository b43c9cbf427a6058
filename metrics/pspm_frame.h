/*
 * metrics/pspm_frame.h — the MAPSS measures of ONE 20-ms frame: Perceptual
 * Separation (PS), Perceptual Match (PM) and their error radii, from the
 * diffusion map of the frame's point set (Ivry, Cornell, Watanabe 2025;
 * reference code Amir-Ivry/MAPSS-measures 3157d20a, metrics.py compute_ps,
 * compute_pm (gamma), ps_ci_components_full, pm_ci_components_full;
 * shared/specs/mapss.md sections 4, 5, 7).
 *
 * Point layout (the reference engine's order): for each active source s in
 * turn, n_dist[s] + 2 rows: the reference, the output, then the P_s
 * distortions of the reference.  N = sum_s (P_s + 2).
 *
 * PS (source s): cluster C_s = {ref_s, d_s1..d_sP} (output excluded); mean
 * mu_s, sample covariance Sigma_s; A = sqrt(q_s(out_s) + 1e-6) with
 * q(x) = (x - mu)^T Sigma^-1 (x - mu); B = min over the other sources o of
 * sqrt(q_o(out_s) + 1e-6); PS = 1 - A / (A + B + 1e-6).  With one source
 * PS and its radii are NaN (PS is undefined).
 * PM: Delta_p = d_sp - ref_s, Sigma = Delta^T Delta / (P - 1) (about the
 * reference, not centred), g_p = q(d_sp) + 1e-6, a = q(out_s) + 1e-6;
 * Gamma fit by moments k = mu^2/var, theta = var/mu (unbiased var);
 * PM = Q(k, a / theta) clipped to [0, 1]; var == 0 -> 1; P < 2 -> 0.
 * Error radii ("bias" = deterministic, "prob" = high-probability with
 * confidence 1 - delta) follow the reference formulas line by line, using
 * the retained coordinates and their complement; with no complement
 * (L == N - 1) both radii are 0.  The complement enters the deterministic
 * radii only through quadratic forms r^T S^-1 r with the Schur complement
 * S = Sigma_c - C_dc^T Sigma_d^-1 C_dc + 1e-9 I of a cluster's
 * covariance; S = c I + R^T W R for the cluster's n complement rows R, so
 * these forms are evaluated in the n-dimensional row space (push-through
 * identity) from the rows' complement inner products
 * (sb_diffmap_rest_gram), never forming the N - 1 - L complement
 * coordinates.
 *
 * Ridge rule (SB_PSPM_RIDGE_V1, the paper-v1 code): a covariance of
 * dimension D gets + 1e-6 I (float32(1e-6), as the reference adds a float32
 * identity) iff its rank, counted with float32's tolerance
 * (sigma > sigma_max * D * FLT_EPSILON), is below D — the reference casts
 * to float32, and this decision reproduces its results in double
 * precision (refvectors/pspm/README.md).  SB_PSPM_RIDGE_V11 (the v1.1
 * package): the ridge is always added, q is clamped at 0, PS is clipped to
 * [0, 1], eps >= DBL_EPSILON, eigenvalues >= 0, and a degenerate Gamma fit
 * gives PM = (a <= 1e-12 ? 1 : 0).
 *
 * Workload: one call per (frame, measure); 2-4 sources, P = 55-79, L =
 * 10-60.  Cost O(N^3), dominated by the diffusion map's tridiagonal
 * reduction; the measures cost O(S P^2 (N + L)).  Reentrant.
 */
#ifndef SB_METRICS_PSPM_FRAME_H
#define SB_METRICS_PSPM_FRAME_H

#include <stddef.h>
#include "sepbench/error.h"
#include "metrics/diffmap.h"

typedef enum sb_pspm_ridge {
  SB_PSPM_RIDGE_V1 = 0,  /* paper-v1 code (default) */
  SB_PSPM_RIDGE_V11 = 1  /* v1.1 package */
} sb_pspm_ridge;

/* Which measures to compute (bit set). */
enum { SB_PSPM_WANT_PS = 1u, SB_PSPM_WANT_PM = 2u };

/* Per-source results of one frame; fields not requested are NaN. */
typedef struct sb_pspm_values {
  double ps, ps_bias, ps_prob;
  double pm, pm_bias, pm_prob;
} sb_pspm_values;

/*
 * Computes the requested measures (want: SB_PSPM_WANT_* bits) for every
 * source from the diffusion map dm of the frame's point set laid out as
 * above; out has n_src entries.  delta in (0, 1) is the confidence
 * parameter of the probabilistic radii (reference default 0.05).
 * Errors: SB_EINVAL (NULL pointers, n_src == 0, sum of n_dist + 2 !=
 * dm->n_points, delta out of range), SB_ENUMERIC (a covariance could not be
 * inverted), SB_ENOMEM.
 */
sb_err sb_pspm_frame_measures(const sb_diffmap *dm, size_t n_src, const size_t *n_dist,
                              unsigned want, sb_pspm_ridge ridge, double delta,
                              sb_pspm_values *out);

/*
 * Convenience: diffusion map of points (row-major [n_points][dim], layout
 * above; n_points must equal sum_s (n_dist[s] + 2), else SB_EINVAL) then
 * sb_pspm_frame_measures.  If dm_out is not NULL it receives the
 * diffusion map (caller clears it with sb_diffmap_clear).
 * Errors: those of sb_diffmap_compute and sb_pspm_frame_measures.
 */
sb_err sb_pspm_frame_compute(const double *points, size_t n_points, size_t dim, size_t n_src,
                             const size_t *n_dist,
                             unsigned want, sb_pspm_ridge ridge, double delta,
                             sb_pspm_values *out, sb_diffmap *dm_out);

/* Upper regularised incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a) for
 * a > 0 (series / Lentz continued fraction, ~1e-15 absolute); x <= 0 -> 1.
 * Exposed for tests; never calls a GSL error handler. */
double sb_pspm_gamma_q(double a, double x);

#endif /* SB_METRICS_PSPM_FRAME_H */
