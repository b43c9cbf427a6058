/*
 * metrics/distortions_ps.c — the PS distortion bank of the MAPSS measures
 * (apply_ps_distortions of distortions.py, Amir-Ivry/MAPSS-measures
 * 3157d20a; metrics/distortions.h): the whole signal, entries as OpenMP
 * tasks while one task draws the noise entries' normals in label order
 * (see metrics/distortions.c for the scheduling).
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "common/fftplan.h"
#include "metrics/distortions_parts.h"
#include "metrics/phasevocoder.h"
#include "common/vectorize.h"

/* Outputs per block of the reverb's direct convolution. */
enum { REVERB_BLOCK = 2048 };

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
    sb_dist_add_spec(labels, &c, "Notch_%dHz", (int)notch_c[i]);
  }
  for (int i = 0; i < 5; i++) {
    size_t D = (size_t)(SR * comb_ms[i] / 1000.0);
    if (D >= n)
      continue;
    s[c] = (spec){.kind = K_COMB, .p1 = (double)D, .p2 = comb_g[i]};
    sb_dist_add_spec(labels, &c, "Comb_%dms", (int)comb_ms[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_TREMOLO, .p1 = trem_r[i], .p2 = trem_d[i]};
    sb_dist_add_spec(labels, &c, "Tremolo_%dHz", (int)trem_r[i]);
  }
  for (int i = 0; i < 9; i++)
    for (int k = 0; k < 3; k++) {
      if (snrs[i] < 0 && k == WHITE)
        continue;
      s[c] = (spec){.kind = K_NOISE, .p2 = snrs[i], .color = (color)k};
      sb_dist_add_spec(labels, &c, "%sNoise_%ddB", sb_dist_color_name(k), snrs[i]);
    }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HARMONIC, .p1 = harm_f[i], .p2 = harm_a[i]};
    sb_dist_add_spec(labels, &c, "Harmonic_%dHz", (int)harm_f[i]);
  }
  for (int i = 0; i < 4; i++) {
    size_t L = (size_t)(SR * rev_ms[i] / 1000.0);
    if (L >= n)
      continue;
    s[c] = (spec){.kind = K_REVERB, .p1 = (double)L, .p2 = rev_g[i]};
    sb_dist_add_spec(labels, &c, "Reverb_%dms", rev_ms[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_GATE, .p1 = gate_t[i]};
    sb_dist_add_spec(labels, &c, "NoiseGate_%s", gate_lbl[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_PITCH, .p1 = shifts[i]};
    sb_dist_add_spec(labels, &c, "PitchShift_%dst", shifts[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_LOWPASS};
    sb_butter_design(4, SB_BUTTER_LOWPASS, lp[i] / (SR / 2), 0, &s[c].filter);
    sb_dist_add_spec(labels, &c, "Lowpass_%dHz", lp[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HIGHPASS};
    sb_butter_design(4, SB_BUTTER_HIGHPASS, hp[i] / (SR / 2), 0, &s[c].filter);
    sb_dist_add_spec(labels, &c, "Highpass_%dHz", hp[i]);
  }
  for (int i = 0; i < 3; i++) {
    size_t D = (size_t)(SR * echo_ms[i] / 1000.0);
    if (D >= n)
      continue;
    s[c] = (spec){.kind = K_ECHO, .p1 = (double)D, .p2 = echo_g[i]};
    sb_dist_add_spec(labels, &c, "Echo_%dms", echo_ms[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_CLIP, .p1 = clip_t[i]};
    sb_dist_add_spec(labels, &c, "Clipping_%s", clip_lbl[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_VIBRATO, .p1 = vib_r[i], .p2 = vib_d[i]};
    sb_dist_add_spec(labels, &c, "Vibrato_%dHz", vib_r[i]);
  }
  return c;
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

/* y = x * h truncated to n samples (np.convolve(x, h)[:n]) for an
 * L-tap h: y[i] = sum over j <= min(i, L - 1) of h[j] x[i - j], j in
 * increasing order as the direct loop adds them; computed tap by tap over
 * blocks of outputs that stay in cache, vectorised over i. */
SB_CLONES
static void convolve_head(const double *restrict x, size_t n, const double *restrict h, size_t L,
                          double *restrict y)
{
  for (size_t i0 = 0; i0 < n; i0 += REVERB_BLOCK) {
    size_t i1 = n - i0 < REVERB_BLOCK ? n : i0 + REVERB_BLOCK, j = 0;
    for (size_t i = i0; i < i1; i++)
      y[i] = 0.0;
    /* Four taps per pass where all four reach the whole block (the
     * partial sum stays in a register; same additions in the same order),
     * then tap by tap. */
    for (; j + 4 <= L && j + 3 <= i0; j += 4) {
      const double h0 = h[j], h1 = h[j + 1], h2 = h[j + 2], h3 = h[j + 3];
      SB_SIMD
      for (size_t i = i0; i < i1; i++)
        y[i] = (((y[i] + h0 * x[i - j]) + h1 * x[i - j - 1]) + h2 * x[i - j - 2]) +
               h3 * x[i - j - 3];
    }
    for (; j < L && j < i1; j++) {
      const double hj = h[j];
      SB_SIMD
      for (size_t i = i0 > j ? i0 : j; i < i1; i++)
        y[i] += hj * x[i - j];
    }
  }
}

/* One PS entry of x (n samples) into y that needs neither the noise
 * stream, the phase vocoder, the spectrum nor the filters. */
static sb_err ps_simple_entry(const spec *s, const double *x, size_t n, double *y)
{
  switch (s->kind) {
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
    convolve_head(x, n, h, L, y);
    free(h);
    break;
  }
  case K_GATE:
    for (size_t i = 0; i < n; i++)
      y[i] = fabs(x[i]) < s->p1 ? 0.0 : x[i];
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
  default:
    return SB_EINVAL;
  }
  return SB_OK;
}

/* A pitch shift or "vibrato" (constant time stretch, cut or padded to n)
 * of the analysed x into y. */
static sb_err ps_stretch_entry(const spec *s, const sb_pvoc_analysis *ana, size_t n, double *y)
{
  sb_err err;
  if (s->kind == K_PITCH) {
    sb_pshift *ps = NULL;
    if (!(err = sb_pshift_new(s->p1, SR, 0, &ps)))
      err = sb_pshift_apply(ps, ana, y);
    sb_pshift_free(&ps);
    return err;
  }
  {
    double mean = 0.0;
    periodic_sin((int)s->p1, n, y);
    for (size_t i = 0; i < n; i++)
      mean += y[i] * s->p2;
    mean /= (double)n;
    return sb_pvoc_stretch(ana, 1.0 + mean, y, n);
  }
}

/* The notch entries [first, first + count) of x from one spectrum. */
static sb_err ps_notches(const spec *specs, size_t first, size_t count, const double *x, size_t n,
                         fftw_plan fwd, fftw_plan inv, sb_dist_bank *out)
{
  double *buf = fftw_malloc(n * sizeof *buf);
  fftw_complex *X = fftw_malloc((n / 2 + 1) * sizeof *X);
  fftw_complex *bins = fftw_malloc((n / 2 + 1) * sizeof *bins);
  sb_err err = SB_ENOMEM;
  if (buf && X && bins) {
    memcpy(buf, x, n * sizeof *buf);
    fftw_execute_dft_r2c(fwd, buf, X);
    for (size_t e = first; e < first + count; e++)
      sb_dist_notch(inv, X, n, specs[e].p1 - 50.0, specs[e].p1 + 50.0, out->data + e * n, buf, bins);
    err = SB_OK;
  }
  fftw_free(buf);
  fftw_free(X);
  fftw_free(bins);
  return err;
}

/* The Butterworth entries [first, first + count) of x (count <= 8, one
 * filter size), filtered side by side; a signal too short for filtfilt's
 * padding passes unchanged. */
static sb_err filter_entries(const spec *specs, size_t first, size_t count, const double *x,
                             size_t n, double *data, size_t stride)
{
  sb_butter filters[SB_BUTTER_MAX_BATCH];
  double *y[SB_BUTTER_MAX_BATCH];
  sb_err err;
  for (size_t k = 0; k < count; k++) {
    filters[k] = specs[first + k].filter;
    y[k] = data + (first + k) * stride;
  }
  err = sb_butter_filtfilt_many(filters, count, x, y, n);
  if (err == SB_ELENGTH) {
    for (size_t k = 0; k < count; k++)
      memcpy(y[k], x, n * sizeof *x);
    err = SB_OK;
  }
  return err;
}

/* A PS noise entry whose normals are in y: shaped, scaled to the SNR
 * against rms (the rms of x) and added to x. */
static void ps_noise_entry(const spec *s, const double *x, size_t n, double rms, double *y)
{
  double scale = rms / sqrt(pow(10.0, s->p2 / 10.0));
  sb_dist_shape_noise(y, n, s->color);
  for (size_t i = 0; i < n; i++)
    y[i] = x[i] + scale * y[i];
}

/* The first error in entry order. */
static sb_err first_error(const sb_err *errs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (errs[i])
      return errs[i];
  return SB_OK;
}

sb_err sb_distortions_ps(const double *ref, size_t n, sb_npyrandom *rng, sb_dist_bank *out)
{
  sb_err err = SB_ENOMEM, errs[MAX_SPECS] = {SB_OK};
  spec specs[MAX_SPECS];
  char labels[MAX_SPECS][SB_DIST_LABEL_MAX];
  size_t n_specs, n_fft, notch_first, notch_count, filt_first, filt_count;
  sb_pvoc *pv = NULL;
  sb_pvoc_analysis *ana = NULL;
  fftw_plan fwd = NULL, inv = NULL;

  if (!out)
    return SB_EINVAL;
  sb_dist_reset_bank(out);
  if (!ref || !rng || n < 16)
    return SB_EINVAL;
  n_specs = build_ps_specs(n, specs, labels);
  if ((err = sb_dist_alloc_bank(out, n_specs, n)))
    goto fail;
  memcpy(out->labels, labels, n_specs * sizeof labels[0]);
  out->n_dist = n_specs;
  n_fft = n / 2 < 2048 ? (n / 2) & ~(size_t)1 : 2048;
  if ((err = sb_pvoc_new(n_fft, &pv)) || (err = sb_pvoc_analysis_new(pv, &ana)))
    goto fail;
  {
    double *buf = fftw_malloc(n * sizeof *buf);
    fftw_complex *sp = fftw_malloc((n / 2 + 1) * sizeof *sp);
    if (buf && sp) {
      fwd = sb_fftplan_r2c((int)n, buf, sp, FFTW_ESTIMATE);
      inv = sb_fftplan_c2r((int)n, sp, buf, FFTW_ESTIMATE);
    }
    fftw_free(buf);
    fftw_free(sp);
    if (!fwd || !inv) {
      err = SB_ENOMEM;
      goto fail;
    }
  }
  sb_dist_kind_range(specs, n_specs, K_NOTCH, &notch_first, &notch_count);
  sb_dist_kind_range(specs, n_specs, K_LOWPASS, &filt_first, &filt_count);

  /* Tasks in decreasing cost; each writes its own entries (and errs). */
#pragma omp parallel
#pragma omp single
  {
#pragma omp task
    {
      /* The normals in label order (the reference's draw order); each
       * entry is finished by its own task once drawn. */
      double rms = sqrt(sb_dist_mean_square(ref, n));
      for (size_t e = 0; e < n_specs; e++) {
        if (specs[e].kind != K_NOISE)
          continue;
        sb_npyrandom_randn(rng, out->data + e * n, n);
#pragma omp task firstprivate(e)
        ps_noise_entry(&specs[e], ref, n, rms, out->data + e * n);
      }
    }
#pragma omp task
    {
      sb_err a_err = sb_pvoc_analyze(ana, ref, n);
      for (size_t e = 0; e < n_specs; e++) {
        if (specs[e].kind != K_PITCH && specs[e].kind != K_VIBRATO)
          continue;
        if (a_err) {
          errs[e] = a_err;
          continue;
        }
#pragma omp task firstprivate(e)
        errs[e] = ps_stretch_entry(&specs[e], ana, n, out->data + e * n);
      }
    }
#pragma omp task
    {
      /* Filters of one size side by side, up to 8 at a time. */
      for (size_t k = 0; k < filt_count;) {
        size_t count = 1;
        while (k + count < filt_count && count < SB_BUTTER_MAX_BATCH &&
               specs[filt_first + k + count].filter.n_coef == specs[filt_first + k].filter.n_coef)
          count++;
        errs[filt_first + k] = filter_entries(specs, filt_first + k, count, ref, n, out->data, n);
        k += count;
      }
    }
#pragma omp task
    if (notch_count)
      errs[notch_first] = ps_notches(specs, notch_first, notch_count, ref, n, fwd, inv, out);
    for (size_t e = 0; e < n_specs; e++) {
      kind k = specs[e].kind;
      if (k == K_NOISE || k == K_PITCH || k == K_VIBRATO || k == K_NOTCH || k == K_LOWPASS ||
          k == K_HIGHPASS)
        continue;
#pragma omp task firstprivate(e)
      errs[e] = ps_simple_entry(&specs[e], ref, n, out->data + e * n);
    }
  }
  err = first_error(errs, n_specs);

fail:
  sb_fftplan_destroy(&fwd);
  sb_fftplan_destroy(&inv);
  sb_pvoc_analysis_free(&ana);
  sb_pvoc_free(&pv);
  if (err)
    sb_dist_bank_clear(out);
  return err;
}
