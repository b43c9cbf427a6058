/*
 * metrics/distortions_pm.c — the PM distortion bank of the MAPSS measures
 * (apply_pm_distortions / frame_distortions of distortions.py,
 * Amir-Ivry/MAPSS-measures 3157d20a; metrics/distortions.h): per
 * 320-sample frame of the zero-padded reference, its data-dependent
 * parameters from the whole reference, and the pitch shifters shared by
 * every bank of a track (see metrics/distortions.c for the scheduling).
 */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "common/fftplan.h"
#include "common/first_error.h"
#include "metrics/distortions_parts.h"
#include "metrics/npyrandom.h"
#include "metrics/phasevocoder.h"
#include "common/vectorize.h"

/* PM frames per work item: their pitch shifts are resampled together. */
enum { PM_FRAME = 320, PM_CHUNK = 32 };

/* Whether bin a ranks before bin b among the notch candidates: larger
 * power, or equal power and the higher bin. */
static int ranks_before(const double *mag2, size_t a, size_t b)
{
  return mag2[a] > mag2[b] || (mag2[a] == mag2[b] && a > b);
}

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

  idx = malloc(60 * sizeof *idx);
  if (!buf || !mag2 || !cum || !sp || !idx)
    goto fail;
  plan = sb_fftplan_r2c((int)len, buf, sp, FFTW_ESTIMATE);
  if (!plan)
    goto fail;
  memcpy(buf, x, len * sizeof *buf);
  fftw_execute(plan);
  for (size_t k = 0; k < nb; k++)
    mag2[k] = creal(sp[k]) * creal(sp[k]) + cimag(sp[k]) * cimag(sp[k]);

  /* Notches: the 60 largest |X| with 80 < f < 0.45 sr, by descending
   * magnitude (ties: higher bin first), greedily >300 Hz apart, at most
   * 20.  One pass keeps the 60 best in order (insertion into a short
   * sorted list). */
  for (size_t k = 0; k < nb; k++) {
    double f = (double)k * val;
    size_t at;
    if (!(f > 80.0 && f < 0.45 * SR))
      continue;
    if (n_valid == 60 && !ranks_before(mag2, k, idx[59]))
      continue;
    at = n_valid < 60 ? n_valid++ : 59;
    for (; at > 0 && ranks_before(mag2, k, idx[at - 1]); at--)
      idx[at] = idx[at - 1];
    idx[at] = k;
  }
  out->n_notch = 0;
  for (size_t r = 0; r < n_valid && out->n_notch < 20; r++) {
    double f0 = (double)idx[r] * val;
    int ok = 1;
    for (size_t a = 0; a < out->n_notch; a++)
      if (!(fabs(f0 - out->notch_hz[a]) > 300.0))
        ok = 0;
    if (ok)
      out->notch_hz[out->n_notch++] = f0;
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
  sb_fftplan_destroy(&plan);
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
    sb_dist_add_spec(labels, &c, "Notch_%dHz", (int)nearbyint(b->notch_hz[i]));
  }
  for (int i = 0; i < 5; i++) {
    s[c] = (spec){.kind = K_COMB, .p1 = (double)(size_t)(SR * comb_ms[i] / 1000.0), .p2 = comb_g[i]};
    sb_dist_add_spec(labels, &c, "Comb_%dms", (int)comb_ms[i]);
  }
  for (int r = 1; r <= 6; r++) {
    if (r == 3 || r == 5)
      continue;
    s[c] = (spec){.kind = K_TREMOLO, .p1 = r};
    sb_dist_add_spec(labels, &c, "Tremolo_%dHz", r);
  }
  for (int i = 0; i < 9; i++)
    for (int k = 0; k < 3; k++) {
      if (snrs[i] < 0 && k == WHITE)
        continue;
      s[c] = (spec){.kind = K_NOISE, .p2 = snrs[i], .color = (color)k, .filter = band};
      sb_dist_add_spec(labels, &c, "%sNoise_%ddB", sb_dist_color_name(k), snrs[i]);
    }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_HARMONIC, .p1 = harm_f[i], .p2 = harm_a[i]};
    sb_dist_add_spec(labels, &c, "Harmonic_%dHz", (int)harm_f[i]);
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_GATE, .p1 = gate_p[i]};
    sb_dist_add_spec(labels, &c, "NoiseGate_%dpct", (int)(gate_p[i] * 100));
  }
  for (int i = 0; i < 4; i++) {
    s[c] = (spec){.kind = K_PITCH, .p1 = shifts[i]};
    sb_dist_add_spec(labels, &c, "PitchShift_%dst", shifts[i]);
  }
  for (size_t i = 0; i < b->n_lowpass; i++) {
    /* Cut-offs of 0 Hz or Nyquist (silent reference) cannot be designed
     * and are skipped; the reference code raises there. */
    if (b->lowpass_hz[i] >= SR / 2 * 0.99 || b->lowpass_hz[i] <= 0)
      continue;
    s[c] = (spec){.kind = K_LOWPASS};
    sb_butter_design(6, SB_BUTTER_LOWPASS, b->lowpass_hz[i] / (SR / 2), 0, &s[c].filter);
    sb_dist_add_spec(labels, &c, "Lowpass_%dHz", b->lowpass_hz[i]);
  }
  for (size_t i = 0; i < b->n_highpass; i++) {
    if (b->highpass_hz[i] <= 20 || b->highpass_hz[i] >= SR / 2)
      continue;
    s[c] = (spec){.kind = K_HIGHPASS};
    sb_butter_design(6, SB_BUTTER_HIGHPASS, b->highpass_hz[i] / (SR / 2), 0, &s[c].filter);
    sb_dist_add_spec(labels, &c, "Highpass_%dHz", b->highpass_hz[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_CLIP, .p1 = clip_f[i]};
    sb_dist_add_spec(labels, &c, "Clipping_%.2fp95", clip_f[i]);
  }
  for (int i = 0; i < 3; i++) {
    s[c] = (spec){.kind = K_VIBRATO, .p1 = vib_r[i], .p2 = vib_s[i]};
    sb_dist_add_spec(labels, &c, "Vibrato_%dHz", vib_r[i]);
  }
  return c;
}

/* What every PM frame shares: the specs, the bank, the ranges of the
 * batched kinds, the harmonic tables and the transforms. */
typedef struct pm_ctx {
  const spec *specs;
  size_t n_specs;
  const double *padded;             /* the reference, len samples */
  sb_dist_bank *out;
  size_t noise_first, noise_count;  /* consecutive noise entries */
  size_t filt_first, filt_count;    /* consecutive low- then high-pass entries */
  const double (*harmonic)[PM_FRAME]; /* per entry: sin(2 pi f i / sr), i < 320 (K_HARMONIC only) */
  sb_butter band;                   /* the noise band-pass */
  sb_pshift *const *shift;          /* -4, -2, +2, +4 semitones */
  double shift_rate[4];             /* their stretch rates */
  size_t shift_len[4];              /* stretched frame lengths */
  fftw_plan fwd, inv;               /* 320-point, unaligned */
} pm_ctx;

/* The reference writes every frame into float32 arrays. */
static void round_frame_f32(double *y)
{
  for (size_t i = 0; i < PM_FRAME; i++)
    y[i] = (double)(float)y[i];
}

/* Index into pm_ctx.shift of a pitch spec (-4, -2, +2, +4 semitones). */
static size_t shift_index(const spec *s)
{
  return s->p1 < 0 ? (size_t)(s->p1 + 4) / 2 : (size_t)s->p1 / 2 + 1;
}

/* Every entry but the noise and the pitch shifts' resampling of frame f,
 * rounded to float32; ana is the calling thread's phase-vocoder analysis,
 * stretched[k] gets the frame's stretch for shift k (shift_len[k]
 * samples). */
static sb_err pm_frame(const pm_ctx *c, size_t f, sb_pvoc_analysis *ana, double *const *stretched)
{
  enum { N = PM_FRAME };
  const double *x = c->padded + f * N;
  double tmp[N], buf[N], a_pk = 0.0, a_rms, a_95, rms_sig;
  fftw_complex X[N / 2 + 1], bins[N / 2 + 1];
  size_t start = f * N, len = c->out->len;
  int have_spectrum = 0, have_analysis = 0;
  sb_err err = SB_OK;

  for (size_t i = 0; i < N; i++)
    if (fabs(x[i]) > a_pk)
      a_pk = fabs(x[i]);
  rms_sig = sqrt(sb_dist_mean_square(x, N));
  a_pk = a_pk > 1e-4 ? a_pk : 1e-4;
  a_rms = rms_sig > 1e-4 ? rms_sig : 1e-4;
  a_95 = sb_dist_percentile95_abs(x, N, tmp);
  a_95 = a_95 > 1e-4 ? a_95 : 1e-4;

  if (c->filt_count) {
    double *y[SB_BUTTER_MAX_BATCH];
    sb_butter filters[SB_BUTTER_MAX_BATCH];
    for (size_t k = 0; k < c->filt_count; k++) {
      filters[k] = c->specs[c->filt_first + k].filter;
      y[k] = c->out->data + (c->filt_first + k) * len + start;
    }
    err = sb_butter_filtfilt_many(filters, c->filt_count, x, y, N);
  }
  for (size_t e = 0; e < c->n_specs && !err; e++) {
    const spec *s = &c->specs[e];
    double *y = c->out->data + e * len + start;
    switch (s->kind) {
    case K_NOTCH:
      if (!have_spectrum) {
        memcpy(buf, x, sizeof buf);
        fftw_execute_dft_r2c(c->fwd, buf, X);
        have_spectrum = 1;
      }
      sb_dist_notch(c->inv, X, N, s->p1 - 60.0, s->p1 + 60.0, y, buf, bins);
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
    case K_HARMONIC:
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] + (s->p2 * a_rms) * c->harmonic[e][i];
      break;
    case K_GATE: {
      double thr = s->p1 * a_95;
      for (size_t i = 0; i < N; i++)
        y[i] = fabs(x[i]) < thr ? 0.0 : x[i];
      break;
    }
    case K_PITCH:
    case K_VIBRATO:
      if (!have_analysis) {
        if ((err = sb_pvoc_analyze(ana, x, N)))
          break;
        have_analysis = 1;
      }
      if (s->kind == K_PITCH) {
        size_t k = shift_index(s);
        err = sb_pvoc_stretch(ana, c->shift_rate[k], stretched[k], c->shift_len[k]);
      } else {
        double depth = 0.03 * (a_rms / a_pk) * s->p2;
        depth = depth < 0.01 ? 0.01 : (depth > 0.05 ? 0.05 : depth);
        err = sb_pvoc_stretch(ana, 1.0 + depth, y, N);
      }
      break;
    case K_CLIP: {
      double thr = s->p1 * a_95;
      for (size_t i = 0; i < N; i++)
        y[i] = x[i] > thr ? thr : (x[i] < -thr ? -thr : x[i]);
      break;
    }
    case K_NOISE:
    case K_LOWPASS:
    case K_HIGHPASS:
      break;
    default:
      err = SB_EINVAL;
    }
  }
  for (size_t e = 0; e < c->n_specs; e++)
    if (c->specs[e].kind != K_NOISE && c->specs[e].kind != K_PITCH)
      round_frame_f32(c->out->data + e * len + start);
  return err;
}

/* Frames [f0, f1) (at most PM_CHUNK) but their noise: pm_frame on each,
 * then the pitch shifts' resampling of all of them at once (rounded to
 * float32).  stretched: 4 x PM_CHUNK x shift_len[k] values of scratch.
 * Returns the error of the lowest failing frame, *bad_frame = that frame. */
static sb_err pm_chunk(const pm_ctx *c, size_t f0, size_t f1, sb_pvoc_analysis *ana,
                       double *const *stretched, size_t *bad_frame)
{
  size_t len = c->out->len;
  for (size_t f = f0; f < f1; f++) {
    double *st[4];
    sb_err err;
    for (size_t k = 0; k < 4; k++)
      st[k] = stretched[k] + (f - f0) * c->shift_len[k];
    if ((err = pm_frame(c, f, ana, st))) {
      *bad_frame = f;
      return err;
    }
  }
  for (size_t e = 0; e < c->n_specs; e++) {
    sb_err err;
    if (c->specs[e].kind != K_PITCH)
      continue;
    if ((err = sb_pshift_resample_frames(c->shift[shift_index(&c->specs[e])],
                                         stretched[shift_index(&c->specs[e])], f1 - f0,
                                         c->out->data + e * len + f0 * PM_FRAME, PM_FRAME))) {
      *bad_frame = f0;
      return err;
    }
    for (size_t f = f0; f < f1; f++)
      round_frame_f32(c->out->data + e * len + f * PM_FRAME);
  }
  return SB_OK;
}

/* The noise entries of frame f, whose normals are in place: shaped, all
 * band-passed side by side, scaled to the SNR (with the -15 dB floor) and
 * added to the frame, rounded to float32. */
static sb_err pm_frame_noise(const pm_ctx *c, size_t f)
{
  enum { N = PM_FRAME };
  const double *x = c->padded + f * N;
  size_t len = c->out->len;
  double *rows = c->out->data + c->noise_first * len + f * N, rms_sig, ms[MAX_SPECS];
  sb_err err;

  if (!c->noise_count)
    return SB_OK;
  for (size_t k = 0; k < c->noise_count; k++)
    sb_dist_shape_noise(rows + k * len, N, c->specs[c->noise_first + k].color);
  if ((err = sb_butter_lfilter_rows(&c->band, rows, c->noise_count, len, N)))
    return err;
  rms_sig = sqrt(sb_dist_mean_square(x, N));
  sb_dist_mean_square_rows(rows, c->noise_count, len, N, ms);
  for (size_t k = 0; k < c->noise_count; k++) {
    double *y = rows + k * len;
    double nl = pow(10.0, c->specs[c->noise_first + k].p2 / 10.0), rms_n, noise_rms, floor_rms;
    rms_n = sqrt(ms[k]) + 1e-12;
    noise_rms = rms_sig / sqrt(nl);
    floor_rms = rms_sig / sqrt(pow(10.0, 15.0 / 10.0));
    if (floor_rms > noise_rms)
      noise_rms = floor_rms;
    for (size_t i = 0; i < N; i++)
      y[i] = (double)(float)(x[i] + y[i] * (noise_rms / rms_n));
  }
  return SB_OK;
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
  sb_err err = SB_ENOMEM, frame_err = SB_OK;
  spec specs[MAX_SPECS];
  char labels[MAX_SPECS][SB_DIST_LABEL_MAX];
  double (*harmonic)[PM_FRAME] = NULL;
  size_t n_specs, n_frames, len, err_frame = SIZE_MAX;
  double *padded = NULL;
  sb_pvoc *pv = NULL;
  sb_dist_pm_shifts *own_shifts = NULL;
  pm_ctx c = {0};

  if (!out)
    return SB_EINVAL;
  sb_dist_reset_bank(out);
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
  if ((err = sb_dist_alloc_bank(out, n_specs, len)))
    goto fail;
  memcpy(out->labels, labels, n_specs * sizeof labels[0]);
  out->n_dist = n_specs;
  err = SB_ENOMEM;
  if (!(harmonic = malloc(n_specs * sizeof *harmonic)))
    goto fail;
  for (size_t e = 0; e < n_specs; e++)
    if (specs[e].kind == K_HARMONIC)
      for (size_t i = 0; i < PM_FRAME; i++)
        harmonic[e][i] = sin(2.0 * M_PI * specs[e].p1 * ((double)i / SR));
  if ((err = sb_pvoc_new(PM_FRAME / 2, &pv)))
    goto fail;
  if (!shifts) {
    if ((err = sb_dist_pm_shifts_new(&own_shifts)))
      goto fail;
    shifts = own_shifts;
  }
  c = (pm_ctx){.specs = specs, .n_specs = n_specs, .padded = padded, .out = out,
               .harmonic = (const double (*)[PM_FRAME])harmonic, .shift = shifts->shift};
  sb_dist_kind_range(specs, n_specs, K_NOISE, &c.noise_first, &c.noise_count);
  sb_dist_kind_range(specs, n_specs, K_LOWPASS, &c.filt_first, &c.filt_count);
  if (c.noise_count)
    c.band = specs[c.noise_first].filter;
  for (size_t k = 0; k < 4 && !err; k++)
    err = sb_pshift_rate(c.shift[k], &c.shift_rate[k]);
  for (size_t k = 0; k < 4 && !err; k++)
    c.shift_len[k] = (size_t)nearbyint((double)PM_FRAME / c.shift_rate[k]);
  if (err)
    goto fail;
  {
    double buf[PM_FRAME];
    fftw_complex sp[PM_FRAME / 2 + 1];
    c.fwd = sb_fftplan_r2c(PM_FRAME, buf, sp, FFTW_ESTIMATE | FFTW_UNALIGNED);
    c.inv = sb_fftplan_c2r(PM_FRAME, sp, buf, FFTW_ESTIMATE | FFTW_UNALIGNED);
    if (!c.fwd || !c.inv) {
      err = SB_ENOMEM;
      goto fail;
    }
  }
#pragma omp parallel
  {
    sb_pvoc_analysis *ana = NULL;
    double *stretched[4] = {NULL}, *st_buf = NULL;
    size_t n_chunks = (n_frames + PM_CHUNK - 1) / PM_CHUNK, st_total = 0;
    sb_err t_err = sb_pvoc_analysis_new(pv, &ana);
    for (size_t k = 0; k < 4; k++)
      st_total += PM_CHUNK * c.shift_len[k];
    if (!t_err && !(st_buf = malloc(st_total * sizeof *st_buf)))
      t_err = SB_ENOMEM;
    for (size_t k = 0, at = 0; st_buf && k < 4; at += PM_CHUNK * c.shift_len[k], k++)
      stretched[k] = st_buf + at;
    /* Normals frame by frame, noise entries in label order, on one
     * thread while the others start on the deterministic entries. */
#pragma omp single nowait
    for (size_t f = 0; f < n_frames; f++)
      for (size_t k = 0; k < c.noise_count; k++)
        sb_npyrandom_randn(rng, out->data + (c.noise_first + k) * len + f * PM_FRAME, PM_FRAME);
#pragma omp for schedule(dynamic, 1) nowait
    for (size_t ch = 0; ch < n_chunks; ch++) {
      size_t f0 = ch * PM_CHUNK, f1 = n_frames - f0 < PM_CHUNK ? n_frames : f0 + PM_CHUNK;
      size_t bad = f0;
      sb_err f_err = t_err ? t_err : pm_chunk(&c, f0, f1, ana, stretched, &bad);
      sb_first_error_keep_at(&frame_err, &err_frame, f_err, bad);
    }
#pragma omp barrier
#pragma omp for schedule(dynamic, 8)
    for (size_t f = 0; f < n_frames; f++)
      sb_first_error_keep_at(&frame_err, &err_frame, pm_frame_noise(&c, f), f);
    sb_pvoc_analysis_free(&ana);
    free(st_buf);
  }
  err = frame_err;

fail:
  sb_fftplan_destroy(&c.fwd);
  sb_fftplan_destroy(&c.inv);
  sb_pvoc_free(&pv);
  sb_dist_pm_shifts_free(&own_shifts);
  free(harmonic);
  free(padded);
  if (err)
    sb_dist_bank_clear(out);
  return err;
}
