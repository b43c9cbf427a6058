/*
 * metrics/distortions.c — the MAPSS PS and PM distortion banks; see
 * metrics/distortions.h.  Transcribed from distortions.py of
 * Amir-Ivry/MAPSS-measures 3157d20a (frame_distortions,
 * apply_pm_distortions, apply_ps_distortions), including its zip()
 * truncations (no Comb 15 ms, no Echo 20 ms) and skips.  Every entry is a
 * small spec (kind + parameters) built in the reference's label order;
 * random entries draw their normals first, in order, then all entries are
 * computed in parallel.
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "metrics/butter.h"
#include "metrics/distortions.h"
#include "metrics/phasevocoder.h"

#define SR 16000.0
enum { PM_FRAME = 320 };

typedef enum kind {
  K_NOTCH, K_COMB, K_TREMOLO, K_NOISE, K_HARMONIC, K_REVERB, K_GATE, K_PITCH,
  K_LOWPASS, K_HIGHPASS, K_ECHO, K_CLIP, K_VIBRATO
} kind;

typedef enum color { WHITE, PINK, BROWN } color;

typedef struct spec {
  kind kind;
  double p1, p2;   /* kind-specific: frequency / delay / rate, and gain / depth / SNR */
  color color;
  sb_butter filter;
} spec;

void sb_dist_bank_clear(sb_dist_bank *bank)
{
  if (!bank)
    return;
  free(bank->data);
  free(bank->labels);
  memset(bank, 0, sizeof *bank);
}

static const char *const color_name[] = {"White", "Pink", "Brown"};

/* Labels the spec just written at labels[*count] (printf format) and
 * counts it; the arrays have room (caller sized). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void add_spec(char (*labels)[SB_DIST_LABEL_MAX], size_t *count, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(labels[*count], SB_DIST_LABEL_MAX, fmt, ap);
  va_end(ap);
  (*count)++;
}

/* numpy.percentile(|x|, 95) with linear interpolation. */
static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile95_abs(const double *x, size_t n, double *tmp)
{
  double pos, frac;
  size_t lo;
  for (size_t i = 0; i < n; i++)
    tmp[i] = fabs(x[i]);
  qsort(tmp, n, sizeof *tmp, cmp_double);
  pos = 0.95 * (double)(n - 1);
  lo = (size_t)floor(pos);
  frac = pos - (double)lo;
  if (lo + 1 >= n)
    return tmp[n - 1];
  if (frac >= 0.5)
    return tmp[lo + 1] - (tmp[lo + 1] - tmp[lo]) * (1.0 - frac);
  return tmp[lo] + (tmp[lo + 1] - tmp[lo]) * frac;
}

/* Zeroes rfft bins with lo < f < hi, f = k / (n d), d = 1/sr (numpy's
 * rfftfreq arithmetic), and inverts; x -> y (n samples). */
static void notch(fftw_plan fwd, fftw_plan inv, const double *x, double *y, size_t n, double lo,
                  double hi, double *buf, fftw_complex *bins)
{
  double val = 1.0 / ((double)n * (1.0 / SR));
  memcpy(buf, x, n * sizeof *buf);
  fftw_execute_dft_r2c(fwd, buf, bins);
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

static double mean_square(const double *x, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += x[i] * x[i];
  return s / (double)n;
}

/* out[i] = sin(2 pi f i / SR), i < n, for an integer f: the sequence has
 * period SR / gcd(f, SR), so only one period is evaluated. */
static void periodic_sin(int f, size_t n, double *out)
{
  int a = f < 0 ? -f : f, b = (int)SR;
  size_t period;
  while (b) {
    int t = a % b;
    a = b;
    b = t;
  }
  period = a ? (size_t)(SR / a) : 1;
  for (size_t i = 0; i < n && i < period; i++)
    out[i] = sin(2.0 * M_PI * f * ((double)i / SR));
  for (size_t i = period; i < n; i++)
    out[i] = out[i - period];
}

/* Pink / brown shaping of raw normals, in place. */
static void shape_noise(double *v, size_t n, color c)
{
  double peak = 0.0;
  if (c == WHITE)
    return;
  for (int pass = 0; pass < (c == PINK ? 1 : 2); pass++) {
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
      acc += v[i];
      v[i] = acc;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (fabs(v[i]) > peak)
      peak = fabs(v[i]);
  if (peak < 1e-12)
    peak = 1e-12;
  for (size_t i = 0; i < n; i++)
    v[i] /= peak;
}

/* ------------------------------------------------------------------ PS */

static size_t build_ps_specs(size_t n, spec *s, char (*labels)[SB_DIST_LABEL_MAX])
{
  static const double notch_c[] = {500, 1000, 2000, 4000, 8000};
  static const double comb_ms[] = {2.5, 5, 7.5, 10, 12.5}, comb_g[] = {0.4, 0.5, 0.6, 0.7, 0.9};
  static const double trem_r[] = {1, 2, 4, 6}, trem_d[] = {0.3, 0.5, 0.8, 1.0};
  static const int snrs[] = {-15, -10, -5, 0, 5, 10, 15, 20, 25};
  static const double harm_f[] = {100, 500, 1000, 4000}, harm_a[] = {0.02, 0.03, 0.05, 0.08};
  static const int rev_ms[] = {5, 10, 15, 20};
  static const double rev_g[] = {0.3, 0.5, 0.7, 0.9};
  static const char *const gate_lbl[] = {"0.005", "0.01", "0.02", "0.04"};
  static const double gate_t[] = {0.005, 0.01, 0.02, 0.04};
  static const int shifts[] = {-4, -2, 2, 4};
  static const int lp[] = {2000, 3000, 4000, 6000}, hp[] = {100, 300, 500, 800};
  static const int echo_ms[] = {5, 10, 15};
  static const double echo_g[] = {0.3, 0.5, 0.7};
  static const char *const clip_lbl[] = {"0.3", "0.5", "0.7"};
  static const double clip_t[] = {0.3, 0.5, 0.7};
  static const int vib_r[] = {3, 5, 7};
  static const double vib_d[] = {0.001, 0.002, 0.003};
  size_t c = 0;

  for (int i = 0; i < 5; i++) {
    s[c] = (spec){.kind = K_NOTCH, .p1 = notch_c[i]};
    add_spec(labels, &c, "Notch_%dHz", (int)notch_c[i]);
  }
  for (int i = 0; i < 5; i++) {
    size_t D = (size_t)(SR * comb_ms[i] / 1000.0);
    if (D >= n)
      continue;
    s[c] = (spec){.kind = K_COMB, .p1 = (double)D, .p2 = comb_g[i]};
    add_spec(labels, &c, "Comb_%dms", (int)comb_ms[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_TREMOLO, .p1 = trem_r[i], .p2 = trem_d[i]};
    add_spec(labels, &c, "Tremolo_%dHz", (int)trem_r[i]);
  }
  for (int i = 0; i < 9; i++)
    for (int k = 0; k < 3; k++) {
      if (snrs[i] < 0 && k == WHITE)
        continue;
      s[c] = (spec){.kind = K_NOISE, .p2 = snrs[i], .color = (color)k};
      add_spec(labels, &c, "%sNoise_%ddB", color_name[k], snrs[i]);
    }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HARMONIC, .p1 = harm_f[i], .p2 = harm_a[i]};
    add_spec(labels, &c, "Harmonic_%dHz", (int)harm_f[i]);
  }
  for (int i = 0; i < 4; i++) {
    size_t L = (size_t)(SR * rev_ms[i] / 1000.0);
    if (L >= n)
      continue;
    s[c] = (spec){.kind = K_REVERB, .p1 = (double)L, .p2 = rev_g[i]};
    add_spec(labels, &c, "Reverb_%dms", rev_ms[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_GATE, .p1 = gate_t[i]};
    add_spec(labels, &c, "NoiseGate_%s", gate_lbl[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_PITCH, .p1 = shifts[i]};
    add_spec(labels, &c, "PitchShift_%dst", shifts[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_LOWPASS};
    sb_butter_design(4, SB_BUTTER_LOWPASS, lp[i] / (SR / 2), 0, &s[c].filter);
    add_spec(labels, &c, "Lowpass_%dHz", lp[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HIGHPASS};
    sb_butter_design(4, SB_BUTTER_HIGHPASS, hp[i] / (SR / 2), 0, &s[c].filter);
    add_spec(labels, &c, "Highpass_%dHz", hp[i]);
  }
  for (int i = 0; i < 3; i++) {
    size_t D = (size_t)(SR * echo_ms[i] / 1000.0);
    if (D >= n)
      continue;
    s[c] = (spec){.kind = K_ECHO, .p1 = (double)D, .p2 = echo_g[i]};
    add_spec(labels, &c, "Echo_%dms", echo_ms[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_CLIP, .p1 = clip_t[i]};
    add_spec(labels, &c, "Clipping_%s", clip_lbl[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_VIBRATO, .p1 = vib_r[i], .p2 = vib_d[i]};
    add_spec(labels, &c, "Vibrato_%dHz", vib_r[i]);
  }
  return c;
}

/* One PS entry (not noise) of x (n samples) into y. */
static sb_err ps_entry(const spec *s, const double *x, size_t n, double *y, const sb_pvoc *pv,
                       fftw_plan fwd, fftw_plan inv)
{
  sb_err err = SB_OK;
  switch (s->kind) {
  case K_NOTCH: {
    double *buf = fftw_malloc(n * sizeof *buf);
    fftw_complex *sp = fftw_malloc((n / 2 + 1) * sizeof *sp);
    if (buf && sp)
      notch(fwd, inv, x, y, n, s->p1 - 50.0, s->p1 + 50.0, buf, sp);
    else
      err = SB_ENOMEM;
    fftw_free(buf);
    fftw_free(sp);
    break;
  }
  case K_COMB: {
    size_t D = (size_t)s->p1;
    for (size_t i = 0; i < n; i++)
      y[i] = x[i] + (i + D < n ? s->p2 * x[i + D] : 0.0);
    break;
  }
  case K_TREMOLO:
    periodic_sin((int)s->p1, n, y);
    for (size_t i = 0; i < n; i++)
      y[i] = x[i] * ((1.0 - s->p2) + s->p2 * 0.5 * (1.0 + y[i]));
    break;
  case K_HARMONIC:
    periodic_sin((int)s->p1, n, y);
    for (size_t i = 0; i < n; i++)
      y[i] = x[i] + s->p2 * y[i];
    break;
  case K_REVERB: {
    size_t L = (size_t)s->p1;
    double *h = malloc(L * sizeof *h);
    if (!h)
      return SB_ENOMEM;
    for (size_t j = 0; j < L; j++) {
      double v = j + 1 == L ? 3.0 : (double)j * (3.0 / (double)(L - 1));
      h[j] = exp(-v) * s->p2;
    }
    for (size_t i = 0; i < n; i++) {
      double acc = 0.0;
      size_t jmax = i < L - 1 ? i : L - 1;
      for (size_t j = 0; j <= jmax; j++)
        acc += h[j] * x[i - j];
      y[i] = acc;
    }
    free(h);
    break;
  }
  case K_GATE:
    for (size_t i = 0; i < n; i++)
      y[i] = fabs(x[i]) < s->p1 ? 0.0 : x[i];
    break;
  case K_PITCH: {
    sb_pshift *ps = NULL;
    err = sb_pshift_new(s->p1, SR, 0, &ps);
    if (!err)
      err = sb_pvoc_pitch_shift(pv, ps, x, n, y);
    sb_pshift_free(&ps);
    break;
  }
  case K_LOWPASS:
  case K_HIGHPASS:
    err = sb_butter_filtfilt(&s->filter, x, y, n);
    if (err == SB_ELENGTH) {
      memcpy(y, x, n * sizeof *y);
      err = SB_OK;
    }
    break;
  case K_ECHO: {
    size_t D = (size_t)s->p1;
    for (size_t i = 0; i < n; i++)
      y[i] = x[i] + (i >= D ? x[i - D] * s->p2 : 0.0);
    break;
  }
  case K_CLIP:
    for (size_t i = 0; i < n; i++)
      y[i] = x[i] > s->p1 ? s->p1 : (x[i] < -s->p1 ? -s->p1 : x[i]);
    break;
  case K_VIBRATO: {
    double mean = 0.0, *st = NULL;
    size_t st_len = 0;
    periodic_sin((int)s->p1, n, y);
    for (size_t i = 0; i < n; i++)
      mean += y[i] * s->p2;
    mean /= (double)n;
    err = sb_pvoc_time_stretch(pv, x, n, 1.0 + mean, &st, &st_len);
    if (!err)
      for (size_t i = 0; i < n; i++)
        y[i] = i < st_len ? st[i] : 0.0;
    free(st);
    break;
  }
  default:
    err = SB_EINVAL;
  }
  return err;
}

static sb_err alloc_bank(sb_dist_bank *out, size_t n_specs, size_t len)
{
  out->labels = calloc(n_specs ? n_specs : 1, sizeof *out->labels);
  out->data = malloc((n_specs ? n_specs : 1) * len * sizeof *out->data);
  out->len = len;
  return out->labels && out->data ? SB_OK : SB_ENOMEM;
}

sb_err sb_distortions_ps(const double *ref, size_t n, sb_npyrandom *rng, sb_dist_bank *out)
{
  sb_err err = SB_ENOMEM;
  spec specs[80];
  char labels[80][SB_DIST_LABEL_MAX];
  size_t n_specs, n_fft;
  sb_pvoc *pv = NULL;
  fftw_plan fwd = NULL, inv = NULL;
  double rms;

  if (!out)
    return SB_EINVAL;
  sb_dist_bank_clear(out);
  if (!ref || !rng || n < 16)
    return SB_EINVAL;
  n_specs = build_ps_specs(n, specs, labels);
  if ((err = alloc_bank(out, n_specs, n)))
    goto fail;
  memcpy(out->labels, labels, n_specs * sizeof labels[0]);
  out->n_dist = n_specs;
  n_fft = n / 2 < 2048 ? (n / 2) & ~(size_t)1 : 2048;
  if ((err = sb_pvoc_new(n_fft, &pv)))
    goto fail;
  {
    double *buf = fftw_malloc(n * sizeof *buf);
    fftw_complex *sp = fftw_malloc((n / 2 + 1) * sizeof *sp);
    if (buf && sp) {
#pragma omp critical(sb_fftw_plan)
      {
        fwd = fftw_plan_dft_r2c_1d((int)n, buf, sp, FFTW_ESTIMATE);
        inv = fftw_plan_dft_c2r_1d((int)n, sp, buf, FFTW_ESTIMATE);
      }
    }
    fftw_free(buf);
    fftw_free(sp);
    if (!fwd || !inv) {
      err = SB_ENOMEM;
      goto fail;
    }
  }

  /* Random entries first, in label order (the reference's draw order). */
  rms = sqrt(mean_square(ref, n));
  for (size_t e = 0; e < n_specs; e++) {
    double *y = out->data + e * n, scale;
    if (specs[e].kind != K_NOISE)
      continue;
    sb_npyrandom_randn(rng, y, n);
    shape_noise(y, n, specs[e].color);
    scale = rms / sqrt(pow(10.0, specs[e].p2 / 10.0));
    for (size_t i = 0; i < n; i++)
      y[i] = ref[i] + scale * y[i];
  }
  err = SB_OK;
#pragma omp parallel for schedule(dynamic)
  for (size_t e = 0; e < n_specs; e++) {
    sb_err e_err;
    if (specs[e].kind == K_NOISE)
      continue;
    e_err = ps_entry(&specs[e], ref, n, out->data + e * n, pv, fwd, inv);
    if (e_err) {
#pragma omp critical(sb_dist_err)
      if (!err)
        err = e_err;
    }
  }

fail:
  if (fwd || inv) {
#pragma omp critical(sb_fftw_plan)
    {
      if (fwd)
        fftw_destroy_plan(fwd);
      if (inv)
        fftw_destroy_plan(inv);
    }
  }
  sb_pvoc_free(&pv);
  if (err)
    sb_dist_bank_clear(out);
  return err;
}

/* ------------------------------------------------------------------ PM */

/* The reference's data-dependent parameters from the padded reference. */
static sb_err pm_global_params(const double *x, size_t len, sb_dist_bank *out)
{
  sb_err err = SB_ENOMEM;
  size_t nb = len / 2 + 1, n_valid = 0, *idx = NULL;
  double *buf = fftw_malloc(len * sizeof *buf), *mag2 = malloc(nb * sizeof *mag2);
  double *cum = malloc(nb * sizeof *cum), val = 1.0 / ((double)len * (1.0 / SR)), total;
  fftw_complex *sp = fftw_malloc(nb * sizeof *sp);
  fftw_plan plan = NULL;
  static const double q_low[] = {0.50, 0.70, 0.85, 0.95}, q_high[] = {0.05, 0.15, 0.30, 0.50};
  int cut[4];

  idx = malloc(nb * sizeof *idx);
  if (!buf || !mag2 || !cum || !sp || !idx)
    goto fail;
#pragma omp critical(sb_fftw_plan)
  plan = fftw_plan_dft_r2c_1d((int)len, buf, sp, FFTW_ESTIMATE);
  if (!plan)
    goto fail;
  memcpy(buf, x, len * sizeof *buf);
  fftw_execute(plan);
  for (size_t k = 0; k < nb; k++)
    mag2[k] = creal(sp[k]) * creal(sp[k]) + cimag(sp[k]) * cimag(sp[k]);

  /* Notches: the 60 largest |X| with 80 < f < 0.45 sr, by descending
   * magnitude, greedily >300 Hz apart, at most 20. */
  for (size_t k = 0; k < nb; k++) {
    double f = (double)k * val;
    if (f > 80.0 && f < 0.45 * SR)
      idx[n_valid++] = k;
  }
  out->n_notch = 0;
  for (size_t r = 0; r < 60 && r < n_valid && out->n_notch < 20; r++) {
    /* r-th largest by selection (n_valid is small enough, 60 passes). */
    size_t best = r;
    for (size_t j = r + 1; j < n_valid; j++)
      if (mag2[idx[j]] > mag2[idx[best]] ||
          (mag2[idx[j]] == mag2[idx[best]] && idx[j] > idx[best]))
        best = j;
    {
      size_t t = idx[r];
      double f0;
      int ok = 1;
      idx[r] = idx[best];
      idx[best] = t;
      f0 = (double)idx[r] * val;
      for (size_t a = 0; a < out->n_notch; a++)
        if (!(fabs(f0 - out->notch_hz[a]) > 300.0))
          ok = 0;
      if (ok)
        out->notch_hz[out->n_notch++] = f0;
    }
  }

  /* Cut-offs from cumulative power (searchsorted left), rounded half-even
   * to 100 Hz, deduplicated and sorted. */
  total = 0.0;
  for (size_t k = 0; k < nb; k++) {
    total += mag2[k];
    cum[k] = total;
  }
  for (int i = 0; i < 4; i++) {
    size_t k = 0;
    while (k < nb && cum[k] < q_low[i] * total)
      k++;
    if (k >= nb)
      k = nb - 1;
    cut[i] = (int)(nearbyint((double)k * val / 100.0) * 100.0);
  }
  out->n_lowpass = 0;
  for (int i = 0; i < 4; i++) {
    int dup = 0;
    for (size_t j = 0; j < out->n_lowpass; j++)
      dup |= out->lowpass_hz[j] == cut[i];
    if (!dup)
      out->lowpass_hz[out->n_lowpass++] = cut[i];
  }
  total = 0.0;
  for (size_t k = 0; k < nb; k++) {
    total += mag2[nb - 1 - k];
    cum[k] = total;
  }
  for (int i = 0; i < 4; i++) {
    size_t k = 0;
    while (k < nb && cum[k] < q_high[i] * total)
      k++;
    if (k >= nb)
      k = nb - 1;
    cut[i] = (int)(nearbyint((double)(nb - 1 - k) * val / 100.0) * 100.0);
  }
  out->n_highpass = 0;
  for (int i = 0; i < 4; i++) {
    int dup = 0;
    for (size_t j = 0; j < out->n_highpass; j++)
      dup |= out->highpass_hz[j] == cut[i];
    if (!dup)
      out->highpass_hz[out->n_highpass++] = cut[i];
  }
  for (size_t i = 1; i < out->n_lowpass; i++)
    for (size_t j = i; j > 0 && out->lowpass_hz[j - 1] > out->lowpass_hz[j]; j--) {
      int t = out->lowpass_hz[j];
      out->lowpass_hz[j] = out->lowpass_hz[j - 1];
      out->lowpass_hz[j - 1] = t;
    }
  for (size_t i = 1; i < out->n_highpass; i++)
    for (size_t j = i; j > 0 && out->highpass_hz[j - 1] > out->highpass_hz[j]; j--) {
      int t = out->highpass_hz[j];
      out->highpass_hz[j] = out->highpass_hz[j - 1];
      out->highpass_hz[j - 1] = t;
    }
  err = SB_OK;

fail:
  if (plan) {
#pragma omp critical(sb_fftw_plan)
    fftw_destroy_plan(plan);
  }
  fftw_free(buf);
  fftw_free(sp);
  free(mag2);
  free(cum);
  free(idx);
  return err;
}

static size_t build_pm_specs(const sb_dist_bank *b, spec *s, char (*labels)[SB_DIST_LABEL_MAX])
{
  static const double comb_ms[] = {2.5, 5, 7.5, 10, 12.5}, comb_g[] = {0.4, 0.5, 0.6, 0.7, 0.9};
  static const int snrs[] = {-15, -10, -5, 0, 5, 10, 15, 20, 25};
  static const double harm_f[] = {100, 500, 1000, 4000}, harm_a[] = {0.4, 0.6, 0.8, 1.0};
  static const double gate_p[] = {0.05, 0.10, 0.20, 0.40};
  static const int shifts[] = {-4, -2, 2, 4};
  static const double clip_f[] = {0.70, 0.50, 0.30};
  static const int vib_r[] = {3, 5, 7};
  static const double vib_s[] = {1.0, 1.3, 1.6};
  sb_butter band;
  size_t c = 0;

  sb_butter_design(5, SB_BUTTER_BANDPASS, 20.0 / (SR / 2), 0.45 * SR / (SR / 2), &band);
  for (size_t i = 0; i < b->n_notch; i++) {
    s[c] = (spec){.kind = K_NOTCH, .p1 = b->notch_hz[i]};
    add_spec(labels, &c, "Notch_%dHz", (int)nearbyint(b->notch_hz[i]));
  }
  for (int i = 0; i < 5; i++) {
    s[c] = (spec){.kind = K_COMB, .p1 = (double)(size_t)(SR * comb_ms[i] / 1000.0), .p2 = comb_g[i]};
    add_spec(labels, &c, "Comb_%dms", (int)comb_ms[i]);
  }
  for (int r = 1; r <= 6; r++) {
    if (r == 3 || r == 5)
      continue;
    s[c] = (spec){.kind = K_TREMOLO, .p1 = r};
    add_spec(labels, &c, "Tremolo_%dHz", r);
  }
  for (int i = 0; i < 9; i++)
    for (int k = 0; k < 3; k++) {
      if (snrs[i] < 0 && k == WHITE)
        continue;
      s[c] = (spec){.kind = K_NOISE, .p2 = snrs[i], .color = (color)k, .filter = band};
      add_spec(labels, &c, "%sNoise_%ddB", color_name[k], snrs[i]);
    }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HARMONIC, .p1 = harm_f[i], .p2 = harm_a[i]};
    add_spec(labels, &c, "Harmonic_%dHz", (int)harm_f[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_GATE, .p1 = gate_p[i]};
    add_spec(labels, &c, "NoiseGate_%dpct", (int)(gate_p[i] * 100));
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_PITCH, .p1 = shifts[i]};
    add_spec(labels, &c, "PitchShift_%dst", shifts[i]);
  }
  for (size_t i = 0; i < b->n_lowpass; i++) {
    /* Cut-offs of 0 Hz or Nyquist (silent reference) cannot be designed
     * and are skipped; the reference code raises there. */
    if (b->lowpass_hz[i] >= SR / 2 * 0.99 || b->lowpass_hz[i] <= 0)
      continue;
    s[c] = (spec){.kind = K_LOWPASS};
    sb_butter_design(6, SB_BUTTER_LOWPASS, b->lowpass_hz[i] / (SR / 2), 0, &s[c].filter);
    add_spec(labels, &c, "Lowpass_%dHz", b->lowpass_hz[i]);
  }
  for (size_t i = 0; i < b->n_highpass; i++) {
    if (b->highpass_hz[i] <= 20 || b->highpass_hz[i] >= SR / 2)
      continue;
    s[c] = (spec){.kind = K_HIGHPASS};
    sb_butter_design(6, SB_BUTTER_HIGHPASS, b->highpass_hz[i] / (SR / 2), 0, &s[c].filter);
    add_spec(labels, &c, "Highpass_%dHz", b->highpass_hz[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_CLIP, .p1 = clip_f[i]};
    add_spec(labels, &c, "Clipping_%.2fp95", clip_f[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_VIBRATO, .p1 = vib_r[i], .p2 = vib_s[i]};
    add_spec(labels, &c, "Vibrato_%dHz", vib_r[i]);
  }
  return c;
}

/* Every entry of one PM frame f (x: the 320 samples) into the bank. */
static sb_err pm_frame(const spec *specs, size_t n_specs, const double *x, size_t f,
                       sb_dist_bank *out, const sb_pvoc *pv, sb_pshift *const *shifts,
                       fftw_plan fwd, fftw_plan inv)
{
  enum { N = PM_FRAME };
  double tmp[N], buf[N], a_pk = 0.0, a_rms, a_95, rms_sig;
  fftw_complex sp[N / 2 + 1];
  size_t start = f * N;
  sb_err err = SB_OK;

  for (size_t i = 0; i < N; i++)
    if (fabs(x[i]) > a_pk)
      a_pk = fabs(x[i]);
  rms_sig = sqrt(mean_square(x, N));
  a_pk = a_pk > 1e-4 ? a_pk : 1e-4;
  a_rms = rms_sig > 1e-4 ? rms_sig : 1e-4;
  a_95 = percentile95_abs(x, N, tmp);
  a_95 = a_95 > 1e-4 ? a_95 : 1e-4;

  for (size_t e = 0; e < n_specs && !err; e++) {
    const spec *s = &specs[e];
    double *y = out->data + e * out->len + start;
    switch (s->kind) {
    case K_NOTCH:
      notch(fwd, inv, x, y, N, s->p1 - 60.0, s->p1 + 60.0, buf, sp);
      break;
    case K_COMB: {
      size_t D = (size_t)s->p1;
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] + (i + D < N ? s->p2 * x[i + D] : 0.0);
      break;
    }
    case K_TREMOLO: {
      double tc = ((double)start + 0.5 * N) / SR;
      double mod = 0.0 + 1.0 * 0.5 * (1.0 + sin(2.0 * M_PI * s->p1 * tc));
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] * mod;
      break;
    }
    case K_NOISE: {
      double nl = pow(10.0, s->p2 / 10.0), rms_n, noise_rms, floor_rms;
      shape_noise(y, N, s->color);
      sb_butter_lfilter(&s->filter, y, y, N);
      rms_n = sqrt(mean_square(y, N)) + 1e-12;
      noise_rms = rms_sig / sqrt(nl);
      floor_rms = rms_sig / sqrt(pow(10.0, 15.0 / 10.0));
      if (floor_rms > noise_rms)
        noise_rms = floor_rms;
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] + y[i] * (noise_rms / rms_n);
      break;
    }
    case K_HARMONIC:
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] + (s->p2 * a_rms) * sin(2.0 * M_PI * s->p1 * ((double)i / SR));
      break;
    case K_GATE: {
      double thr = s->p1 * a_95;
      for (size_t i = 0; i < N; i++)
        y[i] = fabs(x[i]) < thr ? 0.0 : x[i];
      break;
    }
    case K_PITCH:
      err = sb_pvoc_pitch_shift(pv, shifts[s->p1 < 0 ? (size_t)(s->p1 + 4) / 2 : (size_t)s->p1 / 2 + 1], x, N, y);
      break;
    case K_LOWPASS:
    case K_HIGHPASS:
      err = sb_butter_filtfilt(&s->filter, x, y, N);
      break;
    case K_CLIP: {
      double thr = s->p1 * a_95;
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] > thr ? thr : (x[i] < -thr ? -thr : x[i]);
      break;
    }
    case K_VIBRATO: {
      double depth = 0.03 * (a_rms / a_pk) * s->p2, *st = NULL;
      size_t st_len = 0;
      depth = depth < 0.01 ? 0.01 : (depth > 0.05 ? 0.05 : depth);
      err = sb_pvoc_time_stretch(pv, x, N, 1.0 + depth, &st, &st_len);
      if (!err)
        for (size_t i = 0; i < N; i++)
          y[i] = i < st_len ? st[i] : 0.0;
      free(st);
      break;
    }
    default:
      err = SB_EINVAL;
    }
  }
  /* The reference writes every frame into float32 arrays. */
  for (size_t e = 0; e < n_specs; e++) {
    double *y = out->data + e * out->len + start;
    for (size_t i = 0; i < N; i++)
      y[i] = (double)(float)y[i];
  }
  return err;
}

struct sb_dist_pm_shifts {
  sb_pshift *shift[4];  /* -4, -2, +2, +4 semitones */
};

void sb_dist_pm_shifts_free(sb_dist_pm_shifts **shifts)
{
  if (!shifts || !*shifts)
    return;
  for (int i = 0; i < 4; i++)
    sb_pshift_free(&(*shifts)->shift[i]);
  free(*shifts);
  *shifts = NULL;
}

sb_err sb_dist_pm_shifts_new(sb_dist_pm_shifts **out)
{
  sb_dist_pm_shifts *shifts;
  sb_err err = SB_OK;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!(shifts = calloc(1, sizeof *shifts)))
    return SB_ENOMEM;
  for (int i = 0; i < 4 && !err; i++)
    err = sb_pshift_new(i < 2 ? -4.0 + 2.0 * i : 2.0 * (i - 1), SR, PM_FRAME, &shifts->shift[i]);
  if (err) {
    sb_dist_pm_shifts_free(&shifts);
    return err;
  }
  *out = shifts;
  return SB_OK;
}

sb_err sb_distortions_pm(const double *ref, size_t n, sb_npyrandom *rng,
                         const sb_dist_pm_shifts *shifts, sb_dist_bank *out)
{
  sb_err err = SB_ENOMEM;
  spec specs[80];
  char labels[80][SB_DIST_LABEL_MAX];
  size_t n_specs, n_frames, len;
  double *padded = NULL;
  sb_pvoc *pv = NULL;
  sb_dist_pm_shifts *own_shifts = NULL;
  fftw_plan fwd = NULL, inv = NULL;

  if (!out)
    return SB_EINVAL;
  sb_dist_bank_clear(out);
  if (!ref || !rng || n == 0)
    return SB_EINVAL;
  n_frames = (n + PM_FRAME - 1) / PM_FRAME;
  len = n_frames * PM_FRAME;
  if (!(padded = calloc(len, sizeof *padded)))
    return SB_ENOMEM;
  memcpy(padded, ref, n * sizeof *padded);
  if ((err = pm_global_params(padded, len, out)))
    goto fail;
  n_specs = build_pm_specs(out, specs, labels);
  {
    sb_dist_bank params = *out;
    if ((err = alloc_bank(out, n_specs, len)))
      goto fail;
    out->n_notch = params.n_notch;
    out->n_lowpass = params.n_lowpass;
    out->n_highpass = params.n_highpass;
    memcpy(out->notch_hz, params.notch_hz, sizeof params.notch_hz);
    memcpy(out->lowpass_hz, params.lowpass_hz, sizeof params.lowpass_hz);
    memcpy(out->highpass_hz, params.highpass_hz, sizeof params.highpass_hz);
  }
  memcpy(out->labels, labels, n_specs * sizeof labels[0]);
  out->n_dist = n_specs;
  if ((err = sb_pvoc_new(PM_FRAME / 2, &pv)))
    goto fail;
  if (!shifts) {
    if ((err = sb_dist_pm_shifts_new(&own_shifts)))
      goto fail;
    shifts = own_shifts;
  }
  {
    double buf[PM_FRAME];
    fftw_complex sp[PM_FRAME / 2 + 1];
#pragma omp critical(sb_fftw_plan)
    {
      fwd = fftw_plan_dft_r2c_1d(PM_FRAME, buf, sp, FFTW_ESTIMATE | FFTW_UNALIGNED);
      inv = fftw_plan_dft_c2r_1d(PM_FRAME, sp, buf, FFTW_ESTIMATE | FFTW_UNALIGNED);
    }
    if (!fwd || !inv) {
      err = SB_ENOMEM;
      goto fail;
    }
  }
  /* Normals frame by frame, noise entries in label order. */
  for (size_t f = 0; f < n_frames; f++)
    for (size_t e = 0; e < n_specs; e++)
      if (specs[e].kind == K_NOISE)
        sb_npyrandom_randn(rng, out->data + e * len + f * PM_FRAME, PM_FRAME);
  err = SB_OK;
#pragma omp parallel for schedule(dynamic, 8)
  for (size_t f = 0; f < n_frames; f++) {
    sb_err f_err = pm_frame(specs, n_specs, padded + f * PM_FRAME, f, out, pv, shifts->shift, fwd,
                            inv);
    if (f_err) {
#pragma omp critical(sb_dist_err)
      if (!err)
        err = f_err;
    }
  }

fail:
  if (fwd || inv) {
#pragma omp critical(sb_fftw_plan)
    {
      if (fwd)
        fftw_destroy_plan(fwd);
      if (inv)
        fftw_destroy_plan(inv);
    }
  }
  sb_pvoc_free(&pv);
  sb_dist_pm_shifts_free(&own_shifts);
  free(padded);
  if (err)
    sb_dist_bank_clear(out);
  return err;
}
