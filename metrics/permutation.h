/*
 * metrics/permutation.h — matching estimates to references.
 *
 * A score matrix score[j * n + e] rates estimate e as the estimate of
 * reference j (higher is better: SIR, SDR or SI-SDR in dB).  A permutation
 * perm[j] = estimate matched to reference j; the rules maximise the mean
 * of score[j * n + perm[j]] over j.
 *
 *  - sb_perm_brute: mir_eval.separation's rule (bss_eval_sources/images
 *    compute_permutation=True; museval v4 compute_permutation=True): all n!
 *    permutations in itertools.permutations order (lexicographic), the
 *    FIRST maximiser wins.  NaN follows numpy: a NaN score makes its
 *    candidates' means NaN and np.argmax returns the first NaN candidate,
 *    so when every candidate is NaN the identity wins.  museval v4 takes the
 *    mean over all frames and sources at once, so a single NaN (silent)
 *    frame yields the identity permutation silently (shared/specs/bsseval.md
 *    §2 "Permutation", [measured]); callers reproduce that by passing a
 *    per-pair mean that is NaN when any frame is NaN.  PIT SI-SDR (speech
 *    separation) is this rule on the SI-SDR matrix.
 *  - sb_perm_hungarian: fast_bss_eval's rule, a linear sum assignment on
 *    -score (O(n^3) shortest augmenting paths with potentials) with infinite
 *    entries replaced by the large finite placeholder of fast_bss_eval's
 *    _linear_sum_assignment_with_inf (helpers.py).  Extensions: a NaN score
 *    counts as -inf (scipy rejects NaN), and +inf and -inf in one matrix
 *    are both replaced (fast_bss_eval raises).  Ties may be broken
 *    differently from scipy.
 *
 * Workload: once per evaluation; n = 2..4 typically (brute force), up to
 * hundreds of sources with the Hungarian rule.
 */
#ifndef SB_METRICS_PERMUTATION_H
#define SB_METRICS_PERMUTATION_H

#include "sepbench/error.h"

/* Largest n accepted by sb_perm_brute (10! = 3628800 candidates). */
#define SB_PERM_BRUTE_MAX 10

/* Best permutation by exhaustive search (mir_eval rule, see above).
 * perm: n entries out.  best_mean (may be NULL): the winning candidate's
 * mean score (NaN under the NaN rule).  Thread-safe.
 * SB_EINVAL (n < 1, n > SB_PERM_BRUTE_MAX, NULL score or perm). */
sb_err sb_perm_brute(int n, const double *score, int *perm, double *best_mean);

/* Best permutation by the Hungarian method (fast_bss_eval rule, see
 * above).  Arguments as sb_perm_brute.  Thread-safe.
 * SB_EINVAL (n < 1, NULL score or perm), SB_ENOMEM. */
sb_err sb_perm_hungarian(int n, const double *score, int *perm, double *best_mean);

#endif /* SB_METRICS_PERMUTATION_H */
