/*
 * metrics/npyrandom.c — NumPy-compatible legacy random stream; see
 * metrics/npyrandom.h.  MT19937 from Matsumoto & Nishimura, "Mersenne
 * Twister: a 623-dimensionally equidistributed uniform pseudo-random
 * number generator", ACM TOMACS 8(1), 1998 (init_genrand of 2002).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "metrics/npyrandom.h"

enum { MT_N = 624, MT_M = 397 };

struct sb_npyrandom {
  uint32_t mt[MT_N];
  int pos;
  int has_gauss;
  double gauss;
};

static uint32_t next_u32(sb_npyrandom *r)
{
  uint32_t y;
  if (r->pos >= MT_N) {
    int k;
    for (k = 0; k < MT_N - MT_M; k++) {
      y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
      r->mt[k] = r->mt[k + MT_M] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    for (; k < MT_N - 1; k++) {
      y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
      r->mt[k] = r->mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    y = (r->mt[MT_N - 1] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
    r->mt[MT_N - 1] = r->mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    r->pos = 0;
  }
  y = r->mt[r->pos++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

static double next_double(sb_npyrandom *r)
{
  uint32_t a = next_u32(r) >> 5, b = next_u32(r) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
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

sb_err sb_npyrandom_randn(sb_npyrandom *rng, double *out, size_t n)
{
  if (!rng || (!out && n))
    return SB_EINVAL;
  for (size_t i = 0; i < n; i++) {
    double x1, x2, r2, f;
    if (rng->has_gauss) {
      rng->has_gauss = 0;
      out[i] = rng->gauss;
      continue;
    }
    do {
      x1 = 2.0 * next_double(rng) - 1.0;
      x2 = 2.0 * next_double(rng) - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    f = sqrt(-2.0 * log(r2) / r2);
    rng->gauss = f * x1;
    rng->has_gauss = 1;
    out[i] = f * x2;
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
