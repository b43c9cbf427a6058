/*
 * metrics/distortions_parts.h — what the translation units of the MAPSS
 * distortion banks share; private to metrics/distortions*.c (the contract
 * is metrics/distortions.h):
 *   distortions.c     the entry specs, bank storage and the signal helpers
 *                     both banks use (notch, noise shaping, mean squares,
 *                     the 95th percentile);
 *   distortions_ps.c  the PS bank (whole signal);
 *   distortions_pm.c  the PM bank (per 320-sample frame) and its pitch
 *                     shifters.
 */
#ifndef SB_METRICS_DISTORTIONS_PARTS_H
#define SB_METRICS_DISTORTIONS_PARTS_H

#include <stddef.h>

#include <fftw3.h>

#include "metrics/butter.h"
#include "metrics/distortions.h"

#define SR 16000.0
/* Entries a bank can hold (both banks stay below). */
enum { MAX_SPECS = 80 };

typedef enum kind {
  K_NOTCH, K_COMB, K_TREMOLO, K_NOISE, K_HARMONIC, K_REVERB, K_GATE, K_PITCH,
  K_LOWPASS, K_HIGHPASS, K_ECHO, K_CLIP, K_VIBRATO
} kind;

typedef enum color { WHITE, PINK, BROWN } color;

/* "White", "Pink", "Brown": the colours in the reference's labels. */
const char *sb_dist_color_name(int k);

/* One entry of a bank, built in the reference's label order. */
typedef struct spec {
  kind kind;
  double p1, p2;   /* kind-specific: frequency / delay / rate, and gain / depth / SNR */
  color color;
  sb_butter filter;
} spec;

/* Labels the spec just written at labels[*count] (printf format) and
 * counts it; the arrays have room (caller sized). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void sb_dist_add_spec(char (*labels)[SB_DIST_LABEL_MAX], size_t *count, const char *fmt, ...);

/* numpy.percentile(|x|, 95) with linear interpolation (tmp: n scratch). */
double sb_dist_percentile95_abs(const double *x, size_t n, double *tmp);

/* y = irfft(X with the bins lo < f < hi zeroed) / n, where X (n / 2 + 1
 * bins) is the rfft of the n-sample signal (numpy's rfftfreq arithmetic);
 * bins and buf are scratch of n / 2 + 1 and n values, aligned as inv was
 * planned. */
void sb_dist_notch(fftw_plan inv, const fftw_complex *X, size_t n, double lo, double hi, double *y, double *buf,
                   fftw_complex *bins);

/* Mean of x[i]^2 over n samples, summed in index order. */
double sb_dist_mean_square(const double *x, size_t n);

/* Pink / brown shaping of raw normals, in place (white: unchanged). */
void sb_dist_shape_noise(double *v, size_t n, color c);

/* sb_dist_mean_square of count rows of n samples (row k at x + k stride)
 * into ms[k], each row's sum in the same order. */
void sb_dist_mean_square_rows(const double *x, size_t count, size_t stride, size_t n, double *ms);

/* Empties out but keeps its arrays for sb_dist_alloc_bank. */
void sb_dist_reset_bank(sb_dist_bank *out);

/* Room for n_specs entries of len samples: the arrays out already has
 * when they are large enough (no new pages to fault in), else new ones.
 * SB_ENOMEM. */
sb_err sb_dist_alloc_bank(sb_dist_bank *out, size_t n_specs, size_t len);

/* The first index and count of the entries of a kind, or of the low- and
 * high-pass entries together (kind K_LOWPASS); each kind is emitted in
 * one run, so the entries are [first, first + count). */
void sb_dist_kind_range(const spec *specs, size_t n_specs, kind k, size_t *first, size_t *count);

#endif /* SB_METRICS_DISTORTIONS_PARTS_H */
