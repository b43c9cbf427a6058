/*
 * metrics/npyrandom.h — NumPy's legacy random stream (numpy.random.RandomState
 * with an integer seed): MT19937 seeded with init_genrand(seed) (Matsumoto &
 * Nishimura 1998, 2002 initialisation), doubles in [0, 1) from two 32-bit
 * words ((a >> 5) 2^26 + (b >> 6)) / 2^53, and standard normals by the
 * legacy polar (Marsaglia) method that caches the second value of each pair
 * (numpy/random/src/legacy/legacy-distributions.c legacy_gauss).  The MAPSS
 * reference code draws its noise distortions with np.random.randn after
 * np.random.seed(42); this reproduces that stream bit for bit.
 *
 * Workload: ~8 million normals per 10-s reference signal (its two
 * distortion banks), in calls of 320 to 160000.  The stream itself is
 * serial; in calls of 65536 normals or more the logarithms and square
 * roots are spread over the OpenMP threads (same values).
 * Not thread-safe per state; independent states are independent.
 */
#ifndef SB_METRICS_NPYRANDOM_H
#define SB_METRICS_NPYRANDOM_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

typedef struct sb_npyrandom sb_npyrandom;

/* New state seeded like RandomState(seed).  SB_EINVAL (out NULL),
 * SB_ENOMEM. */
sb_err sb_npyrandom_new(uint32_t seed, sb_npyrandom **out);

/* Re-seeds like np.random.seed(seed) (also clears the cached normal). */
sb_err sb_npyrandom_seed(sb_npyrandom *rng, uint32_t seed);

/* n standard normals (randn(n)) into out.  SB_EINVAL on NULL. */
sb_err sb_npyrandom_randn(sb_npyrandom *rng, double *out, size_t n);

/* One double in [0, 1) (random_sample()).  SB_EINVAL on NULL. */
sb_err sb_npyrandom_uniform(sb_npyrandom *rng, double *out);

void sb_npyrandom_free(sb_npyrandom **rng);

#endif /* SB_METRICS_NPYRANDOM_H */
