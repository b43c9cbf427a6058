/*
 * metrics/loudness.c — pyloudnorm-compatible BS.1770 integrated loudness
 * and the MAPSS normalisation; see metrics/loudness.h.  Follows
 * pyloudnorm 0.1.1 (meter.py integrated_loudness, iirfilter.py
 * generate_coefficients) and MAPSS audio.py loudness_normalize.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "metrics/loudness.h"

/* The K-weighting cascade (two biquads in direct form II transposed, as
 * scipy lfilter twice) in one pass: the second filter's recurrence runs
 * beside the first's instead of after it; same operations, same values. */
static void k_filter(const double hs_b[3], const double hs_a[3], const double hp_b[3],
                     const double hp_a[3], const double *x, double *w, size_t n)
{
  double z0 = 0.0, z1 = 0.0, u0 = 0.0, u1 = 0.0;
  for (size_t t = 0; t < n; t++) {
    double xv = x[t], yv = hs_b[0] * xv + z0, v;
    z0 = hs_b[1] * xv + z1 - hs_a[1] * yv;
    z1 = hs_b[2] * xv - hs_a[2] * yv;
    v = hp_b[0] * yv + u0;
    u0 = hp_b[1] * yv + u1 - hp_a[1] * v;
    u1 = hp_b[2] * yv - hp_a[2] * v;
    w[t] = v;
  }
}

static void k_weighting(int rate, double hs_b[3], double hs_a[3], double hp_b[3], double hp_a[3])
{
  double A = pow(10.0, 4.0 / 40.0), w0 = 2.0 * M_PI * (1500.0 / rate);
  double alpha = sin(w0) / (2.0 * (1.0 / sqrt(2.0))), c = cos(w0), sa = sqrt(A);
  double a0 = (A + 1) - (A - 1) * c + 2 * sa * alpha;
  hs_b[0] = A * ((A + 1) + (A - 1) * c + 2 * sa * alpha) / a0;
  hs_b[1] = -2 * A * ((A - 1) + (A + 1) * c) / a0;
  hs_b[2] = A * ((A + 1) + (A - 1) * c - 2 * sa * alpha) / a0;
  hs_a[0] = 1.0;
  hs_a[1] = 2 * ((A - 1) - (A + 1) * c) / a0;
  hs_a[2] = ((A + 1) - (A - 1) * c - 2 * sa * alpha) / a0;

  w0 = 2.0 * M_PI * (38.0 / rate);
  alpha = sin(w0) / (2.0 * 0.5);
  c = cos(w0);
  a0 = 1 + alpha;
  hp_b[0] = (1 + c) / 2 / a0;
  hp_b[1] = -(1 + c) / a0;
  hp_b[2] = (1 + c) / 2 / a0;
  hp_a[0] = 1.0;
  hp_a[1] = -2 * c / a0;
  hp_a[2] = (1 - alpha) / a0;
}

sb_err sb_loudness_integrated(const double *x, size_t n, int rate, double *lufs)
{
  const double block = 0.4, step = 1.0 - 0.75, gate_abs = -70.0;
  double hs_b[3], hs_a[3], hp_b[3], hp_a[3], *w, *z = NULL, *l = NULL;
  double T, sum, gate_rel;
  long n_blocks, n_gated = 0;

  if (!x || !lufs || rate <= 0)
    return SB_EINVAL;
  if ((double)n < block * rate)
    return SB_ELENGTH;
  T = (double)n / rate;
  n_blocks = (long)round((T - block) / (block * step)) + 1;
  if (!(w = malloc(n * sizeof *w)))
    return SB_ENOMEM;
  z = malloc((size_t)n_blocks * sizeof *z);
  l = malloc((size_t)n_blocks * sizeof *l);
  if (!z || !l) {
    free(w);
    free(z);
    free(l);
    return SB_ENOMEM;
  }
  k_weighting(rate, hs_b, hs_a, hp_b, hp_a);
  k_filter(hs_b, hs_a, hp_b, hp_a, x, w, n);

  for (long j = 0; j < n_blocks; j++) {
    long lo = (long)(block * (j * step) * rate), hi = (long)(block * (j * step + 1) * rate);
    double acc = 0.0;
    if (hi > (long)n)
      hi = (long)n;
    for (long i = lo; i < hi; i++)
      acc += w[i] * w[i];
    z[j] = (1.0 / (block * rate)) * acc;
    l[j] = -0.691 + 10.0 * log10(z[j]);
  }
  sum = 0.0;
  for (long j = 0; j < n_blocks; j++)
    if (l[j] >= gate_abs) {
      sum += z[j];
      n_gated++;
    }
  gate_rel = -0.691 + 10.0 * log10(n_gated ? sum / n_gated : NAN) - 10.0;
  sum = 0.0;
  n_gated = 0;
  for (long j = 0; j < n_blocks; j++)
    if (l[j] > gate_rel && l[j] > gate_abs) {
      sum += z[j];
      n_gated++;
    }
  *lufs = n_gated ? -0.691 + 10.0 * log10(sum / n_gated) : -INFINITY;
  if (n_gated && sum == 0.0)
    *lufs = -INFINITY;
  free(w);
  free(z);
  free(l);
  return SB_OK;
}

sb_err sb_loudness_normalize(const double *x, size_t n, int rate, double target, double *y,
                             sb_loudness_info *info)
{
  sb_loudness_info tmp = {0};
  double peak = 0.0, energy = 0.0;
  sb_err err;

  if (!x || !y || n == 0 || rate <= 0)
    return SB_EINVAL;
  if (!info)
    info = &tmp;
  *info = (sb_loudness_info){0};
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      return SB_ENONFINITE;
    energy += x[i] * x[i];
  }
  err = sb_loudness_integrated(x, n, rate, &info->lufs);
  if (err == SB_ELENGTH) {
    info->lufs = NAN;
  } else if (err) {
    return err;
  }
  if (energy == 0.0) {
    info->silent = 1;
    info->gain = 1.0;
    for (size_t i = 0; i < n; i++)
      y[i] = 0.0;
    return SB_OK;
  }
  if (isfinite(info->lufs)) {
    info->gain = pow(10.0, (target - info->lufs) / 20.0);
  } else {
    info->rms_fallback = 1;
    info->gain = pow(10.0, target / 20.0) / sqrt(energy / n);
  }
  for (size_t i = 0; i < n; i++) {
    y[i] = info->gain * x[i];
    if (fabs(y[i]) > peak)
      peak = fabs(y[i]);
  }
  info->peak = peak;
  if (peak > 1.0) {
    info->renormalised = 1;
    for (size_t i = 0; i < n; i++)
      y[i] /= peak;
  }
  for (size_t i = 0; i < n; i++)
    y[i] = y[i] > 1.0 ? 1.0 : (y[i] < -1.0 ? -1.0 : y[i]);
  return SB_OK;
}
