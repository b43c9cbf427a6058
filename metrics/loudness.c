/*
 * metrics/loudness.c — pyloudnorm-compatible BS.1770 integrated loudness
 * and the MAPSS normalisation; see metrics/loudness.h.  Follows
 * pyloudnorm 0.1.1 (meter.py integrated_loudness, iirfilter.py
 * generate_coefficients) and MAPSS audio.py loudness_normalize; the block
 * sums and gated means add in numpy 1.24's order (umath pairwise_sum
 * inside add.reduce's 8192-value buffers), so the loudness is
 * pyloudnorm's to the last bit wherever libm agrees.
 *
 * Cost: the K-weighting recursion is one long dependency chain per signal
 * (~12 cycles a sample); the batch entry point filters 8 signals side by
 * side in vector lanes, which is where a distortion bank's ~70 entries
 * spend their time.  Block sums stream through a window of one block, so
 * the scratch is O(block), not O(signal).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/loudness.h"
#include "common/vectorize.h"

#ifdef _OPENMP
#define SB_SIMD_SCAN _Pragma("omp simd reduction(+:nan_sum) reduction(max:amax)")
#else
#define SB_SIMD_SCAN
#endif

/* Signals filtered side by side by sb_loudness_normalize_rows, and the
 * samples transposed per step. */
enum { LANES = 8, CHUNK = 256 };

/* numpy's reductions: pairwise sums with 8 accumulators below this many
 * values; add.reduce adds such pieces of at most SUM_BUFFER values in
 * order (its iterator buffer). */
enum { PW_BLOCK = 128, SUM_BUFFER = 8192 };

/* The two K-weighting biquads (pyloudnorm's high shelf, then high pass). */
typedef struct kweights {
  double hs_b[3], hs_a[3], hp_b[3], hp_a[3];
} kweights;

static void k_weighting(int rate, kweights *k)
{
  double A = pow(10.0, 4.0 / 40.0), w0 = 2.0 * M_PI * (1500.0 / rate);
  double alpha = sin(w0) / (2.0 * (1.0 / sqrt(2.0))), c = cos(w0), sa = sqrt(A);
  double a0 = (A + 1) - (A - 1) * c + 2 * sa * alpha;
  k->hs_b[0] = A * ((A + 1) + (A - 1) * c + 2 * sa * alpha) / a0;
  k->hs_b[1] = -2 * A * ((A - 1) + (A + 1) * c) / a0;
  k->hs_b[2] = A * ((A + 1) + (A - 1) * c - 2 * sa * alpha) / a0;
  k->hs_a[0] = 1.0;
  k->hs_a[1] = 2 * ((A - 1) - (A + 1) * c) / a0;
  k->hs_a[2] = ((A + 1) - (A - 1) * c - 2 * sa * alpha) / a0;

  w0 = 2.0 * M_PI * (38.0 / rate);
  alpha = sin(w0) / (2.0 * 0.5);
  c = cos(w0);
  a0 = 1 + alpha;
  k->hp_b[0] = (1 + c) / 2 / a0;
  k->hp_b[1] = -(1 + c) / a0;
  k->hp_b[2] = (1 + c) / 2 / a0;
  k->hp_a[0] = 1.0;
  k->hp_a[1] = -2 * c / a0;
  k->hp_a[2] = (1 - alpha) / a0;
}

/* The K-weighting cascade (two biquads in direct form II transposed, as
 * scipy lfilter twice) in one pass, writing the squares of the filtered
 * signal: the second filter's recurrence runs beside the first's instead
 * of after it; same operations, same values.  The state z (4 values)
 * carries over between calls. */
static void k_filter_sq(const kweights *k, const double *x, double *sq, size_t n, double z[4])
{
  double z0 = z[0], z1 = z[1], u0 = z[2], u1 = z[3];
  for (size_t t = 0; t < n; t++) {
    double xv = x[t], yv = k->hs_b[0] * xv + z0, v;
    z0 = k->hs_b[1] * xv + z1 - k->hs_a[1] * yv;
    z1 = k->hs_b[2] * xv - k->hs_a[2] * yv;
    v = k->hp_b[0] * yv + u0;
    u0 = k->hp_b[1] * yv + u1 - k->hp_a[1] * v;
    u1 = k->hp_b[2] * yv - k->hp_a[2] * v;
    sq[t] = v * v;
  }
  z[0] = z0;
  z[1] = z1;
  z[2] = u0;
  z[3] = u1;
}

/* k_filter_sq on LANES signals at once, samples interleaved (x[t LANES +
 * l] is sample t of signal l): each lane's arithmetic is exactly
 * k_filter_sq's, the lanes fill the vector units instead of waiting on
 * one recurrence. */
SB_CLONES
static void k_filter_sq_lanes(const kweights *k, const double *restrict x, double *restrict sq,
                              size_t n, double z[4][LANES])
{
  double z0[LANES], z1[LANES], u0[LANES], u1[LANES];
  for (int l = 0; l < LANES; l++) {
    z0[l] = z[0][l];
    z1[l] = z[1][l];
    u0[l] = z[2][l];
    u1[l] = z[3][l];
  }
  for (size_t t = 0; t < n; t++) {
    const double *xt = x + t * LANES;
    double *st = sq + t * LANES;
    for (int l = 0; l < LANES; l++) {
      double xv = xt[l], yv = k->hs_b[0] * xv + z0[l], v;
      z0[l] = k->hs_b[1] * xv + z1[l] - k->hs_a[1] * yv;
      z1[l] = k->hs_b[2] * xv - k->hs_a[2] * yv;
      v = k->hp_b[0] * yv + u0[l];
      u0[l] = k->hp_b[1] * yv + u1[l] - k->hp_a[1] * v;
      u1[l] = k->hp_b[2] * yv - k->hp_a[2] * v;
      st[l] = v * v;
    }
  }
  for (int l = 0; l < LANES; l++) {
    z[0][l] = z0[l];
    z[1][l] = z1[l];
    z[2][l] = u0[l];
    z[3][l] = u1[l];
  }
}

/* numpy's pairwise_sum leaf: 8 <= n <= PW_BLOCK values summed by 8
 * accumulators (8 independent lanes: vectorised), combined as a tree,
 * then the remainder in order. */
SB_CLONES
static double pairwise_leaf(const double *a, size_t n)
{
  double r[8], res;
  size_t i;
  for (int j = 0; j < 8; j++)
    r[j] = a[j];
  for (i = 8; i < n - n % 8; i += 8) {
    SB_SIMD
    for (int j = 0; j < 8; j++)
      r[j] += a[i + j];
  }
  res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (; i < n; i++)
    res += a[i];
  return res;
}

/* numpy's pairwise_sum (umath loops_utils.h) of a[0..n), n <= SUM_BUFFER. */
static double pairwise_sum(const double *a, size_t n)
{
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; i++)
      res += a[i];
    return res;
  }
  if (n <= PW_BLOCK)
    return pairwise_leaf(a, n);
  {
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
  }
}

/* numpy.sum of a contiguous float64 array: pairwise sums of consecutive
 * pieces of SUM_BUFFER values, added in order. */
static double numpy_sum(const double *a, size_t n)
{
  double res = 0.0;
  for (size_t i = 0; i < n; i += SUM_BUFFER)
    res += pairwise_sum(a + i, n - i < SUM_BUFFER ? n - i : SUM_BUFFER);
  return res;
}

/* pyloudnorm's gating blocks of n samples at rate: 400 ms every 100 ms,
 * np.round((T - 0.4) / 0.1) + 1 of them, bounds truncated like int() and
 * the upper one cut to the signal; and their mean squares z in numpy's
 * summation order, taken while the squared K-weighted samples stream
 * through a window of about two blocks.  A block made of four whole
 * 100-ms steps (step_len a multiple of 8, 4 step_len <= SUM_BUFFER: then
 * numpy's pairwise split of the block falls on the step bounds, as at
 * 16 kHz) is assembled from the steps' pairwise sums, each computed once;
 * any other block is summed from the window. */
typedef struct block_sums {
  size_t n;          /* signal length */
  int rate;
  long n_blocks;
  long next;         /* first block not summed yet */
  double *z;         /* [n_blocks] mean squares */
  size_t step_len;   /* 0 if blocks are never assembled from steps */
  size_t next_step;  /* first step not summed yet */
  double *steps;     /* [n / step_len] step sums */
  double *win;       /* squared samples base .. end - 1 */
  size_t cap, base, end;
} block_sums;

static void block_bounds(const block_sums *b, long j, size_t *lo, size_t *hi)
{
  const double block = 0.4, step = 1.0 - 0.75;
  size_t l = (size_t)(block * (j * step) * b->rate), h = (size_t)(block * (j * step + 1) * b->rate);
  *lo = l < b->n ? l : b->n;
  *hi = h < b->n ? h : b->n;
}

static void block_sums_free(block_sums *b)
{
  free(b->z);
  free(b->steps);
  free(b->win);
  b->z = b->steps = b->win = NULL;
}

/* For n >= 0.4 rate samples pushed in pieces of at most chunk. */
static sb_err block_sums_init(block_sums *b, size_t n, int rate, size_t chunk)
{
  double T = (double)n / rate;
  size_t step_len = (size_t)(0.4 * 0.25 * rate);
  *b = (block_sums){.n = n, .rate = rate};
  b->n_blocks = (long)nearbyint((T - 0.4) / (0.4 * 0.25)) + 1;  /* np.round: half to even */
  b->step_len = step_len > 0 && step_len % 8 == 0 && 4 * step_len <= SUM_BUFFER ? step_len : 0;
  b->cap = 2 * ((size_t)(0.4 * rate) + 2) + chunk;
  b->z = malloc((size_t)b->n_blocks * sizeof *b->z);
  b->steps = malloc((b->step_len ? n / b->step_len + 1 : 1) * sizeof *b->steps);
  b->win = malloc(b->cap * sizeof *b->win);
  if (!b->z || !b->steps || !b->win) {
    block_sums_free(b);
    return SB_ENOMEM;
  }
  return SB_OK;
}

/* Appends len squared samples (sq[i stride]) and sums every step and
 * block they complete.  A pending block ends after the last pushed sample
 * and spans at most 0.4 rate + 1 samples, a pending step less than one
 * step, so when the window is full everything before the first pending
 * block or step is dropped (one move per block of samples). */
static void block_sums_push(block_sums *b, const double *sq, size_t len, size_t stride)
{
  size_t keep = b->end, lo, hi;
  if (b->end - b->base + len > b->cap) {
    if (b->next < b->n_blocks) {
      block_bounds(b, b->next, &lo, &hi);
      keep = lo < keep ? lo : keep;
    }
    if (b->step_len && b->next_step * b->step_len < keep)
      keep = b->next_step * b->step_len;
    memmove(b->win, b->win + (keep - b->base), (b->end - keep) * sizeof *b->win);
    b->base = keep;
  }
  for (size_t i = 0; i < len; i++)
    b->win[b->end - b->base + i] = sq[i * stride];
  b->end += len;
  for (; b->step_len && (b->next_step + 1) * b->step_len <= b->end; b->next_step++)
    b->steps[b->next_step] =
        pairwise_sum(b->win + (b->next_step * b->step_len - b->base), b->step_len);
  for (; b->next < b->n_blocks; b->next++) {
    double acc;
    block_bounds(b, b->next, &lo, &hi);
    if (hi > b->end)
      break;
    if (b->step_len && lo % b->step_len == 0 && hi - lo == 4 * b->step_len) {
      const double *s = b->steps + lo / b->step_len;
      acc = (s[0] + s[1]) + (s[2] + s[3]);
    } else {
      acc = numpy_sum(b->win + (lo - b->base), hi - lo);
    }
    b->z[b->next] = (1.0 / (0.4 * b->rate)) * acc;
  }
}

/* Integrated loudness from the block mean squares z: the absolute gate,
 * then the relative gate; means as numpy.mean (sum / count) of the gated
 * values in block order, collected in gated (n_blocks values of scratch). */
static double gated_loudness(const double *z, long n_blocks, double *gated)
{
  const double gate_abs = -70.0;
  double gate_rel, sum;
  size_t n_gated = 0;

  for (long j = 0; j < n_blocks; j++)
    if (-0.691 + 10.0 * log10(z[j]) >= gate_abs)
      gated[n_gated++] = z[j];
  gate_rel = -0.691 + 10.0 * log10(n_gated ? numpy_sum(gated, n_gated) / (double)n_gated : NAN) -
             10.0;
  n_gated = 0;
  for (long j = 0; j < n_blocks; j++) {
    double l = -0.691 + 10.0 * log10(z[j]);
    if (l > gate_rel && l > gate_abs)
      gated[n_gated++] = z[j];
  }
  if (!n_gated)
    return -INFINITY;
  sum = numpy_sum(gated, n_gated);
  return sum == 0.0 ? -INFINITY : -0.691 + 10.0 * log10(sum / (double)n_gated);
}

/* The loudness of the block sums b once every sample is pushed. */
static sb_err finish_loudness(block_sums *b, double *lufs)
{
  double *gated = malloc((size_t)b->n_blocks * sizeof *gated);
  if (!gated)
    return SB_ENOMEM;
  *lufs = gated_loudness(b->z, b->n_blocks, gated);
  free(gated);
  return SB_OK;
}

/* Scans x: SB_ENONFINITE on NaN/Inf (x - x is NaN exactly for those, and
 * a NaN survives any order of additions); *amax = max |x| (exact in any
 * order).  Both reductions vectorise. */
SB_CLONES
static sb_err scan(const double *x, size_t n, double *amax_out)
{
  double nan_sum = 0.0, amax = 0.0;
  SB_SIMD_SCAN
  for (size_t i = 0; i < n; i++) {
    nan_sum += x[i] - x[i];
    amax = fabs(x[i]) > amax ? fabs(x[i]) : amax;
  }
  *amax_out = amax;
  return nan_sum == 0.0 ? SB_OK : SB_ENONFINITE;
}

/* The loudness of x (*lufs; NaN when shorter than one block) and, when
 * amax is not NULL, the scan of x (SB_ENONFINITE, *amax = max |x|) in the
 * same chunked pass, so the signal is read from memory once. */
static sb_err measure(const double *x, size_t n, int rate, double *lufs, double *amax)
{
  kweights k;
  block_sums b = {0};
  double z[4] = {0}, sq[CHUNK];
  int blocks = (double)n >= 0.4 * rate;
  sb_err err = SB_OK;

  *lufs = NAN;
  if (amax)
    *amax = 0.0;
  if (blocks && (err = block_sums_init(&b, n, rate, CHUNK)))
    return err;
  k_weighting(rate, &k);
  for (size_t t0 = 0; t0 < n && !err; t0 += CHUNK) {
    size_t len = n - t0 < CHUNK ? n - t0 : CHUNK;
    if (amax) {
      double chunk_max;
      if ((err = scan(x + t0, len, &chunk_max)))
        break;
      *amax = chunk_max > *amax ? chunk_max : *amax;
    }
    if (blocks) {
      k_filter_sq(&k, x + t0, sq, len, z);
      block_sums_push(&b, sq, len, 1);
    }
  }
  if (!err && blocks)
    err = finish_loudness(&b, lufs);
  block_sums_free(&b);
  return err;
}

sb_err sb_loudness_integrated(const double *x, size_t n, int rate, double *lufs)
{
  if (!x || !lufs || rate <= 0)
    return SB_EINVAL;
  if ((double)n < 0.4 * rate)
    return SB_ELENGTH;
  return measure(x, n, rate, lufs, NULL);
}

/* The gain, peak guard and clipping of loudness_normalize once info->lufs
 * is known, for a finite x with max |x| = amax; y may equal x; with
 * round_f32 every output is rounded to float32.  The peak max |gain x| is
 * gain amax exactly (rounding is monotonic), so one pass writes y: gain x
 * when the peak is at most 1 (then every |y| <= 1 and the clip to
 * [-1, 1] changes nothing), else (gain x) / peak, clipped. */
SB_CLONES
static void apply_gain(const double *x, size_t n, double amax, double target, int round_f32,
                       double *y, sb_loudness_info *info)
{
  double gain, peak;
  if (amax == 0.0) {
    info->silent = 1;
    info->gain = 1.0;
    memset(y, 0, n * sizeof *y);
    return;
  }
  if (isfinite(info->lufs)) {
    gain = pow(10.0, (target - info->lufs) / 20.0);
  } else {
    double energy = 0.0;
    for (size_t i = 0; i < n; i++)
      energy += x[i] * x[i];
    info->rms_fallback = 1;
    gain = pow(10.0, target / 20.0) / sqrt(energy / n);
  }
  peak = gain * amax;
  info->gain = gain;
  info->peak = peak;
  if (peak > 1.0)
    info->renormalised = 1;
  if (peak > 1.0 && round_f32) {
    SB_SIMD
    for (size_t i = 0; i < n; i++) {
      double v = gain * x[i] / peak;
      y[i] = (double)(float)(v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v));
    }
  } else if (peak > 1.0) {
    SB_SIMD
    for (size_t i = 0; i < n; i++) {
      double v = gain * x[i] / peak;
      y[i] = v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v);
    }
  } else if (round_f32) {
    SB_SIMD
    for (size_t i = 0; i < n; i++)
      y[i] = (double)(float)(gain * x[i]);
  } else {
    SB_SIMD
    for (size_t i = 0; i < n; i++)
      y[i] = gain * x[i];
  }
}

sb_err sb_loudness_normalize(const double *x, size_t n, int rate, double target, double *y,
                             sb_loudness_info *info)
{
  sb_loudness_info tmp = {0};
  double amax;
  sb_err err;

  if (!x || !y || n == 0 || rate <= 0)
    return SB_EINVAL;
  if (!info)
    info = &tmp;
  *info = (sb_loudness_info){0};
  if ((err = measure(x, n, rate, &info->lufs, &amax)))
    return err;
  apply_gain(x, n, amax, target, 0, y, info);
  return SB_OK;
}

/* sb_loudness_normalize of the n_lanes (<= LANES) rows from row first of
 * data, in place: one interleaved K-weighting pass for all of them (unused
 * lanes filter zeros at no extra cost), chunk by chunk, scanning each row
 * as it is gathered and streaming each lane's squares into its own block
 * sums; then one gain pass per row.  Row results go to errs and info (may
 * be NULL).  x_il and sq_il hold CHUNK x LANES values. */
static void normalize_group(double *data, size_t first, size_t n_lanes, size_t n, int rate,
                            double target, unsigned flags, const kweights *k, double *x_il,
                            double *sq_il, block_sums *b, sb_loudness_info *info, sb_err *errs)
{
  double z[4][LANES] = {{0}}, amax[LANES] = {0};
  int measure = (double)n >= 0.4 * rate;

  for (size_t l = 0; l < n_lanes; l++)
    errs[first + l] = measure ? block_sums_init(&b[l], n, rate, CHUNK) : SB_OK;
  for (size_t t0 = 0; t0 < n; t0 += CHUNK) {
    size_t len = n - t0 < CHUNK ? n - t0 : CHUNK;
    memset(x_il, 0, CHUNK * LANES * sizeof *x_il);
    for (size_t l = 0; l < n_lanes; l++) {
      const double *row = data + (first + l) * n + t0;
      double chunk_max;
      if (errs[first + l])
        continue;
      errs[first + l] = scan(row, len, &chunk_max);
      amax[l] = chunk_max > amax[l] ? chunk_max : amax[l];
      for (size_t t = 0; t < len; t++)
        x_il[t * LANES + l] = row[t];
    }
    if (!measure)
      continue;
    k_filter_sq_lanes(k, x_il, sq_il, len, z);
    for (size_t l = 0; l < n_lanes; l++)
      if (!errs[first + l])
        block_sums_push(&b[l], sq_il + l, len, LANES);
  }
  for (size_t l = 0; l < n_lanes; l++) {
    sb_loudness_info tmp, *in = info ? &info[first + l] : &tmp;
    double *row = data + (first + l) * n;
    if (!errs[first + l]) {
      *in = (sb_loudness_info){.lufs = NAN};
      if (measure)
        errs[first + l] = finish_loudness(&b[l], &in->lufs);
      if (!errs[first + l])
        apply_gain(row, n, amax[l], target, flags & SB_LOUDNESS_ROUND_F32, row, in);
    }
    block_sums_free(&b[l]);
  }
}

sb_err sb_loudness_normalize_rows(double *data, size_t n_sig, size_t n, int rate, double target,
                                  unsigned flags, sb_loudness_info *info)
{
  kweights k;
  sb_err *errs, err = SB_OK;
  size_t n_groups = (n_sig + LANES - 1) / LANES;

  if ((!data && n_sig) || n == 0 || rate <= 0 || (flags & ~(unsigned)SB_LOUDNESS_ROUND_F32))
    return SB_EINVAL;
  if (n_sig == 0)
    return SB_OK;
  if (!(errs = malloc(n_sig * sizeof *errs)))
    return SB_ENOMEM;
  k_weighting(rate, &k);
#pragma omp parallel
  {
    double *x_il = malloc(CHUNK * LANES * sizeof *x_il), *sq_il = malloc(CHUNK * LANES * sizeof *sq_il);
    block_sums b[LANES] = {{0}};
#pragma omp for schedule(dynamic)
    for (size_t grp = 0; grp < n_groups; grp++) {
      size_t first = grp * LANES, n_lanes = n_sig - first < LANES ? n_sig - first : LANES;
      if (x_il && sq_il)
        normalize_group(data, first, n_lanes, n, rate, target, flags, &k, x_il, sq_il, b, info,
                        errs);
      else
        for (size_t l = 0; l < n_lanes; l++)
          errs[first + l] = SB_ENOMEM;
    }
    free(x_il);
    free(sq_il);
  }
  for (size_t r = 0; r < n_sig && !err; r++)
    err = errs[r];
  free(errs);
  return err;
}
