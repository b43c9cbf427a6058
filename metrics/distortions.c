/*
 * metrics/distortions.c — the MAPSS PS and PM distortion banks; see
 * metrics/distortions.h.  Transcribed from distortions.py of
 * Amir-Ivry/MAPSS-measures 3157d20a (frame_distortions,
 * apply_pm_distortions, apply_ps_distortions), including its zip()
 * truncations (no Comb 15 ms, no Echo 20 ms) and skips.  Every entry is a
 * small spec (kind + parameters) built in the reference's label order.
 * This file holds what both banks use (metrics/distortions_parts.h); the
 * banks are distortions_ps.c and distortions_pm.c.
 *
 * Scheduling (results do not depend on it: every entry has its own
 * output and the same arithmetic on any thread):
 *   PS: OpenMP tasks.  One task draws the noise entries' normals in label
 *       order (the reference's draw order) while the others run; the
 *       phase-vocoder analysis of the signal (STFT, phases, magnitudes) is
 *       made once and shared by the 4 pitch shifts and 3 "vibratos", the
 *       spectrum once for the 5 notches, and the 8 Butterworth filters run
 *       side by side (metrics/butter.h batch); reverb is a blocked,
 *       vectorised direct convolution (same sums as np.convolve's loop).
 *   PM: one thread draws every frame's normals (frame by frame, noise
 *       entries in label order) while the others compute the frames'
 *       deterministic entries; then the noise entries, frames in parallel,
 *       the 24 band-pass filters of a frame side by side.  Per frame the
 *       phase-vocoder analysis and the spectrum are made once, the
 *       harmonic tones come from one table (their phase restarts every
 *       frame), the 95th percentile from two selections instead of a sort.
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/distortions_parts.h"
#include "common/vectorize.h"

const char *sb_dist_color_name(int k)
{
  static const char *const names[3] = {"White", "Pink", "Brown"};
  return names[k];
}

void sb_dist_bank_clear(sb_dist_bank *bank)
{
  if (!bank)
    return;
  free(bank->data);
  free(bank->labels);
  memset(bank, 0, sizeof *bank);
}

/* Labels the spec just written at labels[*count] (printf format) and
 * counts it; the arrays have room (caller sized). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void sb_dist_add_spec(char (*labels)[SB_DIST_LABEL_MAX], size_t *count, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(labels[*count], SB_DIST_LABEL_MAX, fmt, ap);
  va_end(ap);
  (*count)++;
}

/* The k-th smallest of a[0..n) (0-based), by quickselect: a is permuted
 * so that a[k] holds it, nothing larger before it, nothing smaller after
 * it.  The same value a full sort would put at k. */
static double select_kth(double *a, size_t n, size_t k)
{
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    double pivot = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    for (;;) {
      while (a[i] < pivot)
        i++;
      while (a[j] > pivot)
        j--;
      if (i >= j)
        break;
      {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
      i++;
      j--;
    }
    /* a[lo..j] <= pivot <= a[j+1..hi] */
    if (k <= j)
      hi = j;
    else
      lo = j + 1;
  }
  return a[k];
}

/* numpy.percentile(|x|, 95) with linear interpolation: the two order
 * statistics around position 0.95 (n - 1), selected (tmp: n scratch). */
double sb_dist_percentile95_abs(const double *x, size_t n, double *tmp)
{
  double pos, frac, v_lo, v_hi;
  size_t lo;
  for (size_t i = 0; i < n; i++)
    tmp[i] = fabs(x[i]);
  pos = 0.95 * (double)(n - 1);
  lo = (size_t)floor(pos);
  frac = pos - (double)lo;
  if (lo + 1 >= n)
    return select_kth(tmp, n, n - 1);
  v_lo = select_kth(tmp, n, lo);
  v_hi = tmp[lo + 1];
  for (size_t i = lo + 2; i < n; i++)
    v_hi = tmp[i] < v_hi ? tmp[i] : v_hi;
  if (frac >= 0.5)
    return v_hi - (v_hi - v_lo) * (1.0 - frac);
  return v_lo + (v_hi - v_lo) * frac;
}

/* y = irfft(X with the bins lo < f < hi zeroed) / n, where X (n / 2 + 1
 * bins) is the rfft of the n-sample signal and f = k / (n d), d = 1/sr
 * (numpy's rfftfreq arithmetic); bins and buf are scratch of n / 2 + 1 and
 * n values, aligned as inv was planned. */
void sb_dist_notch(fftw_plan inv, const fftw_complex *X, size_t n, double lo, double hi, double *y,
                  double *buf, fftw_complex *bins)
{
  double val = 1.0 / ((double)n * (1.0 / SR));
  memcpy(bins, X, (n / 2 + 1) * sizeof *bins);
  for (size_t k = 0; k <= n / 2; k++) {
    double f = (double)k * val;
    if (f > lo && f < hi)
      bins[k] = 0.0;
  }
  if (n % 2 == 0)
    bins[n / 2] = creal(bins[n / 2]);
  bins[0] = creal(bins[0]);
  fftw_execute_dft_c2r(inv, bins, buf);
  for (size_t i = 0; i < n; i++)
    y[i] = buf[i] / (double)n;
}

double sb_dist_mean_square(const double *x, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += x[i] * x[i];
  return s / (double)n;
}

/* Pink / brown shaping of raw normals, in place: np.cumsum once (pink) or
 * twice (brown), divided by the peak.  The two running sums of brown run
 * in one loop (each keeps its own order), the peak (a maximum: exact in
 * any order) is taken on the way. */
void sb_dist_shape_noise(double *v, size_t n, color c)
{
  double peak = 0.0, acc = 0.0, acc2 = 0.0;
  if (c == WHITE)
    return;
  if (c == PINK) {
    for (size_t i = 0; i < n; i++) {
      acc += v[i];
      v[i] = acc;
      peak = fabs(acc) > peak ? fabs(acc) : peak;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      acc += v[i];
      acc2 += acc;
      v[i] = acc2;
      peak = fabs(acc2) > peak ? fabs(acc2) : peak;
    }
  }
  if (peak < 1e-12)
    peak = 1e-12;
  SB_SIMD
  for (size_t i = 0; i < n; i++)
    v[i] /= peak;
}

/* mean_square of count rows of n samples (row k at x + k stride) into
 * ms[k]: four rows at a time, so that four addition chains overlap; each
 * row's sum keeps mean_square's order. */
void sb_dist_mean_square_rows(const double *x, size_t count, size_t stride, size_t n, double *ms)
{
  size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const double *a = x + k * stride, *b = a + stride, *c = b + stride, *d = c + stride;
    double sa = 0.0, sb = 0.0, sc = 0.0, sd = 0.0;
    for (size_t i = 0; i < n; i++) {
      sa += a[i] * a[i];
      sb += b[i] * b[i];
      sc += c[i] * c[i];
      sd += d[i] * d[i];
    }
    ms[k] = sa / (double)n;
    ms[k + 1] = sb / (double)n;
    ms[k + 2] = sc / (double)n;
    ms[k + 3] = sd / (double)n;
  }
  for (; k < count; k++)
    ms[k] = sb_dist_mean_square(x + k * stride, n);
}

/* Empties out but keeps its arrays for alloc_bank. */
void sb_dist_reset_bank(sb_dist_bank *out)
{
  sb_dist_bank keep = {.data = out->data, .labels = out->labels, .cap = out->cap};
  *out = keep;
}

/* Room for n_specs entries of len samples: the arrays out already has
 * when they are large enough (no new pages to fault in), else new ones. */
sb_err sb_dist_alloc_bank(sb_dist_bank *out, size_t n_specs, size_t len)
{
  size_t need = (n_specs ? n_specs : 1) * len;
  if (!out->data || out->cap < need) {
    free(out->data);
    free(out->labels);
    out->cap = 0;
    out->labels = calloc(MAX_SPECS, sizeof *out->labels);
    out->data = malloc(need * sizeof *out->data);
    if (!out->labels || !out->data)
      return SB_ENOMEM;
    out->cap = need;
  }
  out->len = len;
  return SB_OK;
}

/* The first index and count of the entries of a kind, or of the low- and
 * high-pass entries together (kind K_LOWPASS).  build_ps_specs and
 * build_pm_specs emit each kind (and low- then high-pass) in one run, so
 * the entries are [first, first + count). */
void sb_dist_kind_range(const spec *specs, size_t n_specs, kind k, size_t *first, size_t *count)
{
  *first = n_specs;
  *count = 0;
  for (size_t e = 0; e < n_specs; e++)
    if (specs[e].kind == k || (k == K_LOWPASS && specs[e].kind == K_HIGHPASS)) {
      if (*first == n_specs)
        *first = e;
      (*count)++;
    }
}
