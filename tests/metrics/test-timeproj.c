/*
 * tests/metrics/test-timeproj.c — metrics/timeproj.c: ||e - P e||^2 and
 * ||P e||^2 of BSS Eval's whole-signal decomposition by overlap-save FFT
 * convolution, against a direct convolution in long double computed here,
 * on seeded random signals that span several blocks; the same result
 * through a streamed view; bad input.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/npyrandom.h"
#include "metrics/timeproj.h"

#define N_SRC 2
#define N_CH 2
#define M (N_SRC * N_CH)
#define TAPS 40
#define LEN 20011 /* three blocks of 8192 - 39 samples */
#define N_EST 2

static double ref[M][LEN], est[M][LEN], coef[N_EST * N_CH * M * TAPS];

static sb_err read_ref(void *ctx, int src, int c, int64_t t0, int64_t n, double *dst)
{
  (void)ctx;
  memcpy(dst, ref[src * N_CH + c] + t0, sizeof(double) * (size_t)n);
  return SB_OK;
}

/* ||e - P e||^2 and ||P e||^2 of estimate source src with the filters of
 * block e of coef, by direct convolution. */
static void direct(int e, int src, long double *artif, long double *proj)
{
  *artif = *proj = 0.0L;
  for (int c = 0; c < N_CH; c++)
    for (int64_t t = 0; t < LEN + TAPS - 1; t++) {
      long double p = 0.0L, r;
      for (int k = 0; k < M; k++) {
        const double *h = coef + (((size_t)e * N_CH + c) * M + k) * TAPS;
        for (int a = 0; a < TAPS; a++)
          if (t - a >= 0 && t - a < LEN)
            p += (long double)h[a] * ref[k][t - a];
      }
      r = (t < LEN ? est[src * N_CH + c][t] : 0.0) - p;
      *artif += r * r;
      *proj += p * p;
    }
}

int main(void)
{
  const double *rc[M], *ec[M];
  sb_npyrandom *g = NULL;
  sb_sources rs, es, streamed;
  int idx[N_EST] = {1, 0};
  double artif[N_EST], proj[N_EST], artif_s[N_EST], proj_s[N_EST];

  if (!tap_ok(sb_npyrandom_new(77, &g) == SB_OK, "RandomState(77)"))
    return tap_done();
  for (int k = 0; k < M; k++) {
    sb_npyrandom_randn(g, ref[k], LEN);
    sb_npyrandom_randn(g, est[k], LEN);
    rc[k] = ref[k];
    ec[k] = est[k];
  }
  sb_npyrandom_randn(g, coef, sizeof coef / sizeof coef[0]);
  sb_npyrandom_free(&g);
  /* estimates = filtered references + 1 % noise, so that P e is most of e */
  for (int e = 0; e < N_EST; e++)
    for (int c = 0; c < N_CH; c++)
      for (int64_t t = 0; t < LEN; t++) {
        double p = 0.0;
        for (int k = 0; k < M; k++)
          for (int a = 0; a < TAPS && a <= t; a++)
            p += coef[(((size_t)e * N_CH + c) * M + k) * TAPS + a] * ref[k][t - a];
        est[idx[e] * N_CH + c][t] = p + 0.01 * est[idx[e] * N_CH + c][t];
      }
  rs = (sb_sources){N_SRC, N_CH, LEN, 8000, rc, NULL, NULL};
  es = (sb_sources){N_SRC, N_CH, LEN, 8000, ec, NULL, NULL};
  streamed = (sb_sources){N_SRC, N_CH, LEN, 8000, NULL, read_ref, NULL};

  tap_ok(sb_timeproj_residual(&rs, &es, TAPS, N_EST, idx, coef, artif, proj) == SB_OK, "in-memory views");
  for (int e = 0; e < N_EST; e++) {
    long double a, p;
    direct(e, idx[e], &a, &p);
    tap_ok(fabs(artif[e] - (double)a) <= 1e-12 * (double)a,
           "estimate %d: ||e - P e||^2 = %.15g (direct convolution %.15g)", idx[e], artif[e], (double)a);
    tap_ok(fabs(proj[e] - (double)p) <= 1e-13 * (double)p, "estimate %d: ||P e||^2 = %.15g (direct %.15g)", idx[e],
           proj[e], (double)p);
  }
  tap_ok(sb_timeproj_residual(&streamed, &es, TAPS, N_EST, idx, coef, artif_s, proj_s) == SB_OK &&
           memcmp(artif, artif_s, sizeof artif) == 0 && memcmp(proj, proj_s, sizeof proj) == 0,
         "a streamed reference view gives bit-identical results");

  tap_ok(sb_timeproj_residual(NULL, &es, TAPS, N_EST, idx, coef, artif, proj) == SB_EINVAL, "NULL references");
  tap_ok(sb_timeproj_residual(&rs, &es, 0, N_EST, idx, coef, artif, proj) == SB_EINVAL, "filter length 0");
  tap_ok(sb_timeproj_residual(&rs, &es, 5000, N_EST, idx, coef, artif, proj) == SB_EINVAL, "filter length 5000");
  idx[0] = 2;
  tap_ok(sb_timeproj_residual(&rs, &es, TAPS, N_EST, idx, coef, artif, proj) == SB_EINVAL,
         "estimate index out of range");
  idx[0] = 1;
  es.n_samples = LEN - 1;
  tap_ok(sb_timeproj_residual(&rs, &es, TAPS, N_EST, idx, coef, artif, proj) == SB_EINVAL, "length mismatch");
  es.n_samples = LEN;
  tap_ok(sb_timeproj_residual(&rs, &es, TAPS, 0, idx, coef, artif, proj) == SB_EINVAL, "no estimate");
  return tap_done();
}
