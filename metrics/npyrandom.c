/*
 * metrics/npyrandom.c — NumPy-compatible legacy random stream; see
 * metrics/npyrandom.h.  MT19937 from Matsumoto & Nishimura, "Mersenne
 * Twister: a 623-dimensionally equidistributed uniform pseudo-random
 * number generator", ACM TOMACS 8(1), 1998 (init_genrand of 2002).
 *
 * Speed without changing a bit: the state is twisted and tempered a block
 * of 624 words at a time; the polar method's attempts over a block are
 * evaluated together (vectorised), the accepted points then kept in order
 * in their output slots, and the transcendental part (log, sqrt, division)
 * is a second pass.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "metrics/npyrandom.h"
#include "common/vectorize.h"

enum { MT_N = 624, MT_M = 397 };

#ifdef _OPENMP
#define SB_SIMD_SAFELEN _Pragma("omp simd safelen(128)")
#else
#define SB_SIMD_SAFELEN
#endif

/* Below this many pairs randn stays on the calling thread (entering even
 * a one-thread parallel region costs more than a 320-sample frame). */
enum { PARALLEL_PAIRS = 1 << 15 };

struct sb_npyrandom {
  uint32_t mt[MT_N];
  uint32_t out[MT_N];  /* tempered outputs of the current state */
  int pos;             /* next unread word of out */
  int has_gauss;
  double gauss;
};

/* Advances the state by one block of MT_N words and tempers all of them
 * (plain loops over the block: vectorised). */
SB_CLONES
static void twist(sb_npyrandom *r)
{
  uint32_t *mt = r->mt;
  /* Word k reads words k + 1 and k + 397 (or k - 227) of which only the
   * latter may be new, 227 words back: any vector length below that sees
   * the serial loop's values. */
  SB_SIMD
  for (size_t k = 0; k < MT_N - MT_M; k++) {
    uint32_t y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
    mt[k] = mt[k + MT_M] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
  }
  SB_SIMD_SAFELEN
  for (size_t k = MT_N - MT_M; k < MT_N - 1; k++) {
    uint32_t y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
    mt[k] = mt[k - (MT_N - MT_M)] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
  }
  {
    uint32_t y = (mt[MT_N - 1] & 0x80000000u) | (mt[0] & 0x7fffffffu);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
  }
  SB_SIMD
  for (size_t k = 0; k < MT_N; k++) {
    uint32_t y = mt[k];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    r->out[k] = y;
  }
  r->pos = 0;
}

static inline uint32_t next_u32(sb_npyrandom *r)
{
  if (r->pos >= MT_N)
    twist(r);
  return r->out[r->pos++];
}

/* numpy's random_sample from two words: (a 2^26 + b) / 2^53, where the
 * division by a power of two is the (exact) multiplication by 2^-53. */
static inline double to_double(uint32_t a, uint32_t b)
{
  return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * 0x1p-53;
}

static double next_double(sb_npyrandom *r)
{
  uint32_t a = next_u32(r);
  return to_double(a, next_u32(r));
}

sb_err sb_npyrandom_seed(sb_npyrandom *rng, uint32_t seed)
{
  if (!rng)
    return SB_EINVAL;
  rng->mt[0] = seed;
  for (int i = 1; i < MT_N; i++)
    rng->mt[i] = 1812433253u * (rng->mt[i - 1] ^ (rng->mt[i - 1] >> 30)) + (uint32_t)i;
  rng->pos = MT_N;
  rng->has_gauss = 0;
  rng->gauss = 0.0;
  return SB_OK;
}

sb_err sb_npyrandom_new(uint32_t seed, sb_npyrandom **out)
{
  sb_npyrandom *r;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!(r = malloc(sizeof *r)))
    return SB_ENOMEM;
  sb_npyrandom_seed(r, seed);
  *out = r;
  return SB_OK;
}

sb_err sb_npyrandom_uniform(sb_npyrandom *rng, double *out)
{
  if (!rng || !out)
    return SB_EINVAL;
  *out = next_double(rng);
  return SB_OK;
}

/* One polar-method attempt from four words: the point (x1, x2) = (a, b)
 * of the square; accepted inside the unit disc without its centre. */
static inline int polar_try(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3, double *a,
                            double *b)
{
  double r2;
  *a = 2.0 * to_double(w0, w1) - 1.0;
  *b = 2.0 * to_double(w2, w3) - 1.0;
  r2 = *a * *a + *b * *b;
  return (r2 < 1.0) & (r2 != 0.0);
}

/* polar_try on n_try consecutive attempts of four words each: the points
 * into a, b and the acceptances into ok (independent: vectorised). */
SB_CLONES
static void polar_tries(const uint32_t *restrict w, size_t n_try, double *restrict a,
                        double *restrict b, int *restrict ok)
{
  SB_SIMD
  for (size_t i = 0; i < n_try; i++)
    ok[i] = polar_try(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3], &a[i], &b[i]);
}

/* The accepted points of the next n_pairs polar-method pairs into xy:
 * x2 at xy[2 p], x1 at xy[2 p + 1] (the slots of f x2 and f x1).  The
 * attempts left in the current block of tempered words are evaluated
 * together, then the accepted ones kept in order (no more words consumed
 * than the stream would); an attempt that straddles two blocks takes the
 * word-by-word path. */
static void polar_points(sb_npyrandom *r, double *xy, size_t n_pairs)
{
  size_t filled = 0;
  while (filled < n_pairs) {
    double a[MT_N / 4], b[MT_N / 4];
    int ok[MT_N / 4];
    if (r->pos + 4 > MT_N) {
      uint32_t w0 = next_u32(r), w1 = next_u32(r), w2 = next_u32(r), w3 = next_u32(r);
      if (polar_try(w0, w1, w2, w3, &a[0], &b[0])) {
        xy[2 * filled] = b[0];
        xy[2 * filled + 1] = a[0];
        filled++;
      }
      continue;
    }
    {
      size_t n_try = (size_t)(MT_N - r->pos) / 4, i;
      polar_tries(r->out + r->pos, n_try, a, b, ok);
      for (i = 0; i < n_try && filled < n_pairs; i++) {
        xy[2 * filled] = b[i];
        xy[2 * filled + 1] = a[i];
        filled += (size_t)ok[i];
      }
      r->pos += 4 * (int)i;
    }
  }
}

/* The pair of normals of the point (x1, x2): f x2 is returned first, f x1
 * is the one numpy caches. */
static inline double polar_factor(double x1, double x2)
{
  double r2 = x1 * x1 + x2 * x2;
  return sqrt(-2.0 * log(r2) / r2);
}

/* xy = (x2, x1) as polar_points left them -> (f x2, f x1). */
static inline void polar_pair(double *xy)
{
  double x2 = xy[0], x1 = xy[1], f = polar_factor(x1, x2);
  xy[0] = f * x2;
  xy[1] = f * x1;
}

sb_err sb_npyrandom_randn(sb_npyrandom *rng, double *out, size_t n)
{
  size_t n_pairs;
  if (!rng || (!out && n))
    return SB_EINVAL;
  if (n == 0)
    return SB_OK;
  if (rng->has_gauss) {
    rng->has_gauss = 0;
    out[0] = rng->gauss;
    out++;
    n--;
  }
  /* Two passes with the same arithmetic as one: the stream (serial) puts
   * each accepted point in its two output slots, then the factors (log,
   * sqrt: most of the cost) are applied, in parallel for long requests. */
  n_pairs = n / 2;
  polar_points(rng, out, n_pairs);
  if (n_pairs >= PARALLEL_PAIRS) {
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < n_pairs; p++)
      polar_pair(out + 2 * p);
  } else {
    for (size_t p = 0; p < n_pairs; p++)
      polar_pair(out + 2 * p);
  }
  if (n % 2) {
    double xy[2];
    polar_points(rng, xy, 1);
    polar_pair(xy);
    out[n - 1] = xy[0];
    rng->gauss = xy[1];
    rng->has_gauss = 1;
  }
  return SB_OK;
}

void sb_npyrandom_free(sb_npyrandom **rng)
{
  if (!rng)
    return;
  free(*rng);
  *rng = NULL;
}
