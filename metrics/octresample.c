/*
 * metrics/octresample.c — Octave-filter rational resampler
 * (metrics/octresample.h).
 */
#include <config.h>

#include "metrics/octresample.h"
#include "common/vectorize.h"

#include <math.h>
#include <stdlib.h>

struct sb_octresample {
  int up, down, half_len; /* reduced factors, L */
  int n_taps;             /* 2L + 1 */
  double *hn;             /* n_taps normalised taps */
  int row_len;            /* longest phase row */
  int *row_cnt;           /* up: taps of phase p */
  double *rows;           /* up * row_len: up * hn of phase p, by ascending input index */
};

static int gcd_int(int a, int b)
{
  while (b) {
    const int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Modified Bessel function I0 by its power series (converges for the
 * arguments 0 .. 5.65 of the Kaiser window to the last bit). */
static double bessel_i0(double x)
{
  const double q = 0.25 * x * x;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 200 && term > 1e-18 * sum; k++) {
    term *= q / ((double)k * (double)k);
    sum += term;
  }
  return sum;
}

/* numpy.sinc(u) = sin(pi u) / (pi u), 1 at 0. */
static double np_sinc(double u)
{
  const double y = M_PI * (u == 0.0 ? 1.0e-20 : u);
  return sin(y) / y;
}

/* The normalised filter hn (pystoi _resample_window_oct / np.sum). */
static void design(sb_octresample *r)
{
  const double fc = 1.0 / (2.0 * (r->up > r->down ? r->up : r->down));
  const double beta = 0.1102 * (60.0 - 8.7);
  const double alpha = (r->n_taps - 1) / 2.0, i0b = bessel_i0(beta);
  double sum = 0.0;
  for (int k = 0; k < r->n_taps; k++) {
    const double t = (double)(k - r->half_len), v = (k - alpha) / alpha;
    const double win = bessel_i0(beta * sqrt(1.0 - v * v)) / i0b;
    r->hn[k] = win * (2.0 * r->up * fc * np_sinc(2.0 * fc * t));
    sum += r->hn[k];
  }
  for (int k = 0; k < r->n_taps; k++)
    r->hn[k] /= sum;
}

/* Phase p serves the outputs with (L + n down) mod up == p: taps
 * p, p + up, ... at decreasing input indices; stored reversed. */
static void build_rows(sb_octresample *r)
{
  for (int p = 0; p < r->up; p++) {
    const int cnt = p < r->n_taps ? (r->n_taps - 1 - p) / r->up + 1 : 0;
    double *row = r->rows + (size_t)p * r->row_len;
    r->row_cnt[p] = cnt;
    for (int j = 0; j < cnt; j++)
      row[j] = r->up * r->hn[p + (cnt - 1 - j) * r->up];
  }
}

sb_err sb_octresample_new(int rate_in, int rate_out, sb_octresample **out)
{
  sb_octresample *r;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (rate_in < 1 || rate_out < 1)
    return SB_EINVAL;
  if (!(r = calloc(1, sizeof *r)))
    return SB_ENOMEM;
  {
    const int g = gcd_int(rate_in, rate_out);
    const int m = (rate_out / g > rate_in / g) ? rate_out / g : rate_in / g;
    const double roll = 1.0 / (2.0 * m) / 10.0;
    r->up = rate_out / g;
    r->down = rate_in / g;
    r->half_len = (int)ceil((60.0 - 8.0) / (28.714 * roll));
  }
  r->n_taps = 2 * r->half_len + 1;
  r->row_len = (r->n_taps + r->up - 1) / r->up;
  r->hn = malloc(sizeof *r->hn * (size_t)r->n_taps);
  r->row_cnt = malloc(sizeof *r->row_cnt * (size_t)r->up);
  r->rows = calloc((size_t)r->up * (size_t)r->row_len, sizeof *r->rows);
  if (!r->hn || !r->row_cnt || !r->rows) {
    sb_octresample_free(&r);
    return SB_ENOMEM;
  }
  design(r);
  build_rows(r);
  *out = r;
  return SB_OK;
}

int64_t sb_octresample_out_len(const sb_octresample *r, int64_t n_in)
{
  return (n_in * r->up + r->down - 1) / r->down;
}

/* Where output n reads: its phase row, the input index of the row's first
 * tap, and the taps j0 <= j < j1 that fall inside the input. */
typedef struct tap_span {
  const double *row;
  int64_t m_lo;
  int j0, j1, cnt;
} tap_span;

static inline tap_span span_of(const sb_octresample *r, int64_t n_in, int64_t n)
{
  const int64_t s = r->half_len + n * r->down;
  const int p = (int)(s % r->up);
  tap_span t;
  t.cnt = r->row_cnt[p];
  t.row = r->rows + (size_t)p * r->row_len;
  t.m_lo = (s - p) / r->up - t.cnt + 1;
  t.j0 = t.m_lo < 0 ? (int)-t.m_lo : 0;
  t.j1 = t.m_lo + t.cnt > n_in ? (int)(n_in - t.m_lo) : t.cnt;
  return t;
}

/* Every output is the dot product of its phase row with the input, taken
 * in 16 interleaved partial sums (lane l takes taps j0 + l, j0 + l + 16,
 * ...) added pairwise at the end, then the tail in order.  The lanes are
 * independent chains that keep the adders busy where one chain was
 * latency-bound (4 cycles per tap); the operations and their order are
 * the same at every SIMD level of SB_CLONES (common/vectorize.h), so the
 * value does not depend on the machine. */
SB_CLONES
static void run_block(const sb_octresample *r, const double *x, int64_t n_in, double *y, int64_t n0, int64_t n1)
{
  for (int64_t n = n0; n < n1; n++) {
    const tap_span t = span_of(r, n_in, n);
    const double *a = x + t.m_lo, *c = t.row;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0, tail = 0;
    int j = t.j0;
    for (; j + 16 <= t.j1; j += 16) {
      s0 += a[j] * c[j], s1 += a[j + 1] * c[j + 1], s2 += a[j + 2] * c[j + 2], s3 += a[j + 3] * c[j + 3];
      s4 += a[j + 4] * c[j + 4], s5 += a[j + 5] * c[j + 5], s6 += a[j + 6] * c[j + 6], s7 += a[j + 7] * c[j + 7];
      s8 += a[j + 8] * c[j + 8], s9 += a[j + 9] * c[j + 9], s10 += a[j + 10] * c[j + 10];
      s11 += a[j + 11] * c[j + 11], s12 += a[j + 12] * c[j + 12], s13 += a[j + 13] * c[j + 13];
      s14 += a[j + 14] * c[j + 14], s15 += a[j + 15] * c[j + 15];
    }
    for (; j < t.j1; j++)
      tail += a[j] * c[j];
    y[n] = ((((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) +
            (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)))) + tail;
  }
}

sb_err sb_octresample_run(const sb_octresample *r, const double *x, int64_t n_in, double *y)
{
  enum { BLOCK = 4096 };
  int64_t n_out, n_blocks;
  if (!r || !x || !y || n_in < 1)
    return SB_EINVAL;
  n_out = sb_octresample_out_len(r, n_in);
  n_blocks = (n_out + BLOCK - 1) / BLOCK;
#pragma omp parallel for schedule(static) if (n_out > 65536)
  for (int64_t b = 0; b < n_blocks; b++)
    run_block(r, x, n_in, y, b * BLOCK, b * BLOCK + BLOCK < n_out ? b * BLOCK + BLOCK : n_out);
  return SB_OK;
}

void sb_octresample_factors(const sb_octresample *r, int *up, int *down, int *half_len)
{
  if (up)
    *up = r->up;
  if (down)
    *down = r->down;
  if (half_len)
    *half_len = r->half_len;
}

double sb_octresample_tap(const sb_octresample *r, int k)
{
  return k >= 0 && k < r->n_taps ? r->hn[k] : NAN;
}

void sb_octresample_free(sb_octresample **r)
{
  if (!r || !*r)
    return;
  free((*r)->hn);
  free((*r)->row_cnt);
  free((*r)->rows);
  free(*r);
  *r = NULL;
}
