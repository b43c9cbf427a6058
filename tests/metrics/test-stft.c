/* tests/metrics/test-stft.c — the scipy-compatible STFT: argument checks,
 * frame counts, coefficients and a masked inverse against values scipy 1.10
 * computed, perfect reconstruction for many lengths and hops, Parseval per
 * frame, a sine's peak bin and amplitude, the frame-at-a-time interface. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/stft.h"
#include "tap.h"

#define SEED 20240611u

/* The deterministic signal of the scipy fixtures (same formula in the
 * python script quoted below). */
static void test_signal(double *x, int64_t n_samples)
{
  const double rate = 44100.0;
  int64_t i;

  for (i = 0; i < n_samples; i++) {
    const double n = (double)i;
    x[i] = sin(2 * M_PI * 440.0 * n / rate) + 0.5 * sin(2 * M_PI * 1234.5 * n / rate + 0.3)
           + 0.25 * cos(0.001 * n * n / rate);
  }
}

/* xorshift64*: seeded uniform numbers in [-1, 1). */
static double uniform(uint64_t *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (double)((*state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void test_arguments(void)
{
  sb_stft *s = (sb_stft *)&s; /* non-NULL garbage: must be reset to NULL */
  fftw_complex bins[9];
  double x[4] = {0};
  int64_t n_frames = -1;

  tap_ok(sb_stft_new(0, 1, &s) == SB_EINVAL && s == NULL, "frame_len 0 is rejected and *out is NULL");
  tap_ok(sb_stft_new(15, 5, &s) == SB_EINVAL, "odd frame_len is rejected");
  tap_ok(sb_stft_new(16, 0, &s) == SB_EINVAL, "hop 0 is rejected");
  tap_ok(sb_stft_new(16, 16, &s) == SB_EINVAL, "hop == frame_len is rejected (no overlap, istft undefined)");
  tap_ok(sb_stft_new(16, 8, NULL) == SB_EINVAL, "NULL out is rejected");
  if (!tap_ok(sb_stft_new(16, 8, &s) == SB_OK && s, "16/8 transform is created"))
    return;
  tap_ok(sb_stft_frame_len(s) == 16 && sb_stft_hop_len(s) == 8 && sb_stft_n_bins(s) == 9,
         "frame_len 16, hop 8, 9 bins");
  tap_ok(sb_stft_n_frames(s, 0, &n_frames) == SB_EINVAL, "n_frames of an empty signal is rejected");
  tap_ok(sb_stft_n_frames(s, 4, NULL) == SB_EINVAL, "n_frames with NULL out is rejected");
  tap_ok(sb_stft_forward_frame(s, x, 4, 2, bins) == SB_EINVAL, "frame past the last one is rejected");
  tap_ok(sb_stft_forward_frame(s, x, 4, -1, bins) == SB_EINVAL, "negative frame is rejected");
  tap_ok(sb_stft_forward_frame(s, NULL, 4, 0, bins) == SB_EINVAL, "NULL signal is rejected");
  tap_ok(sb_stft_forward(s, x, 0, bins) == SB_EINVAL, "forward of 0 samples is rejected");
  tap_ok(sb_stft_add_frame(s, bins, -1, x, 4) == SB_EINVAL, "add_frame with a negative frame is rejected");
  tap_ok(sb_stft_normalize(s, 0, x, 4) == SB_EINVAL, "normalize with 0 frames is rejected");
  tap_ok(sb_stft_inverse(s, bins, 1, x, 0) == SB_EINVAL, "inverse into 0 samples is rejected");
  sb_stft_free(&s);
  tap_ok(s == NULL, "free sets the pointer to NULL");
  /* A second free (and NULL) must be a no-op: ASan aborts on a double free. */
  sb_stft_free(&s);
  sb_stft_free(NULL);
  tap_ok(s == NULL, "free of a NULL handle and of NULL leaves the pointer NULL");
}

static void test_frame_counts(void)
{
  /* scipy.signal.stft(x, nperseg=2048) shapes: (1025, ceil(N/1024) + 1);
   * checked with scipy 1.10 for N = 1024, 1025, 5000: 2, 3, 6 frames. */
  static const int64_t lengths[] = {1, 1024, 1025, 5000, 2048};
  static const int64_t frames[] = {2, 2, 3, 6, 3};
  sb_stft *s = NULL;
  size_t i;

  if (!tap_ok(sb_stft_new(2048, 1024, &s) == SB_OK, "2048/1024 transform is created"))
    return;
  for (i = 0; i < sizeof lengths / sizeof *lengths; i++) {
    int64_t n_frames = 0;
    tap_ok(sb_stft_n_frames(s, lengths[i], &n_frames) == SB_OK && n_frames == frames[i],
           "%lld samples -> %lld frames (got %lld)", (long long)lengths[i], (long long)frames[i],
           (long long)n_frames);
  }
  sb_stft_free(&s);
}

/* Values computed at development time with /usr/bin/python3, scipy 1.10.1,
 * numpy 1.24.2:
 *   n = np.arange(N, dtype=float)
 *   x = sin(2 pi 440 n/44100) + 0.5 sin(2 pi 1234.5 n/44100 + 0.3) + 0.25 cos(0.001 n^2/44100)
 *   f, t, Z = scipy.signal.stft(x, nperseg=2048)            # N = 5000
 *   M[k, t] = 0.5 + 0.4 cos(0.01 k (t + 1))
 *   y = scipy.signal.istft(Z * M)[1][:N]
 *   f, t, Z2 = scipy.signal.stft(x[:37], nperseg=16)        # N = 37
 * The same coefficients are pinned (tests/metrics/test-stft.pins). */
struct coef_pin {
  int frame, bin;
  double re, im; /* scipy */
};

static void check_coefs(sb_stft *s, const double *x, int64_t n_samples, const struct coef_pin *pins,
                        size_t n_pins, const char *what)
{
  int64_t n_frames = 0;
  size_t n_bins = sb_stft_n_bins(s), i;
  fftw_complex *spec;

  sb_stft_n_frames(s, n_samples, &n_frames);
  spec = fftw_malloc((size_t)n_frames * n_bins * sizeof *spec);
  if (!tap_ok(spec != NULL, "%s: spectrum allocated", what))
    return;
  tap_ok(sb_stft_forward(s, x, n_samples, spec) == SB_OK, "%s: forward transform", what);
  for (i = 0; i < n_pins; i++) {
    const double *z = spec[(size_t)pins[i].frame * n_bins + (size_t)pins[i].bin];
    tap_near(z[0], pins[i].re, 1e-12, "%s: frame %d bin %d real part = scipy", what, pins[i].frame, pins[i].bin);
    tap_near(z[1], pins[i].im, 1e-12, "%s: frame %d bin %d imaginary part = scipy", what, pins[i].frame,
             pins[i].bin);
    tap_pin(z[0], "%s: frame %d bin %d real part", what, pins[i].frame, pins[i].bin);
    tap_pin(z[1], "%s: frame %d bin %d imaginary part", what, pins[i].frame, pins[i].bin);
  }
  fftw_free(spec);
}

static void test_scipy_values(void)
{
  static const struct coef_pin pins2048[] = {
    {0, 0, 0.14343362786924907, 0.0},
    {1, 20, 0.43265071222962637, -0.09164164489589874},
    {2, 57, -0.161761166466283, -0.16758401693826142},
    {3, 143, -6.633583149029066e-08, 1.846142208836159e-07},
    {4, 1024, 7.698353139101721e-06, 0.0},
    {5, 300, -0.0004921747730146581, 0.00017021588267891364},
    {0, 41, -0.0004668744699634928, 0.0007150263418118094},
  };
  static const struct coef_pin pins16[] = {
    {0, 0, 0.3795041219987769, 0.0},
    {2, 3, 0.0010394336150335026, 0.004143930983191393},
    {5, 8, 0.04548048144914582, 0.0},
    {4, 5, -0.025323782548433836, 0.028224797703941568},
  };
  /* istft(Z * M)[:5000] at these samples, scipy (also pinned) */
  static const struct { int64_t i; double y; } ipins[] = {
    {0, 0.3614519214747205},
    {1, 0.46606719790370404},
    {1023, 0.7554073289664387},
    {1024, 0.7498675267067275},
    {2500, -0.024121261250118358},
    {4095, -0.39729262236005625},
    {4999, -0.36586225769438496},
  };
  const int64_t n_samples = 5000;
  sb_stft *s = NULL, *small = NULL;
  double *x = malloc((size_t)n_samples * sizeof *x), *y = malloc((size_t)n_samples * sizeof *y);
  fftw_complex *spec = NULL;
  size_t n_bins, i;
  int64_t t, k;

  if (!tap_ok(x && y && sb_stft_new(2048, 1024, &s) == SB_OK && sb_stft_new(16, 8, &small) == SB_OK,
              "transforms and buffers for the scipy fixtures"))
    goto done;
  test_signal(x, n_samples);
  check_coefs(s, x, n_samples, pins2048, sizeof pins2048 / sizeof *pins2048, "nperseg 2048, N 5000");
  check_coefs(small, x, 37, pins16, sizeof pins16 / sizeof *pins16, "nperseg 16, N 37");

  n_bins = sb_stft_n_bins(s);
  spec = fftw_malloc(6 * n_bins * sizeof *spec);
  if (!tap_ok(spec && sb_stft_forward(s, x, n_samples, spec) == SB_OK, "spectrum of the masked-inverse fixture"))
    goto done;
  for (t = 0; t < 6; t++)
    for (k = 0; k < (int64_t)n_bins; k++) {
      const double m = 0.5 + 0.4 * cos(0.01 * (double)k * (double)(t + 1));
      spec[(size_t)t * n_bins + (size_t)k][0] *= m;
      spec[(size_t)t * n_bins + (size_t)k][1] *= m;
    }
  tap_ok(sb_stft_inverse(s, spec, 6, y, n_samples) == SB_OK, "inverse of a masked (inconsistent) spectrum");
  for (i = 0; i < sizeof ipins / sizeof *ipins; i++) {
    tap_near(y[ipins[i].i], ipins[i].y, 1e-12, "masked istft y[%lld] = scipy", (long long)ipins[i].i);
    tap_pin(y[ipins[i].i], "masked istft y[%lld]", (long long)ipins[i].i);
  }
done:
  fftw_free(spec);
  sb_stft_free(&s);
  sb_stft_free(&small);
  free(x);
  free(y);
}

/* istft(stft(x)) == x for random x of many lengths, including shorter
 * than one frame, exact multiples of the hop, and hops that do not divide
 * the frame. */
static void test_reconstruction(void)
{
  static const size_t configs[][2] = {{2048, 1024}, {16, 8}, {16, 5}, {64, 48}, {4, 1}};
  static const int64_t lengths[] = {1, 7, 1023, 1024, 1025, 2048, 5000, 44117};
  uint64_t state = SEED;
  size_t c, l;

  tap_diag("seed %u", SEED);
  for (c = 0; c < sizeof configs / sizeof *configs; c++) {
    sb_stft *s = NULL;
    if (!tap_ok(sb_stft_new(configs[c][0], configs[c][1], &s) == SB_OK, "transform %zu/%zu created",
                configs[c][0], configs[c][1]))
      continue;
    for (l = 0; l < sizeof lengths / sizeof *lengths; l++) {
      const int64_t n = lengths[l];
      int64_t n_frames = 0, i;
      double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y), err = 0.0;
      fftw_complex *spec;
      sb_stft_n_frames(s, n, &n_frames);
      spec = fftw_malloc((size_t)n_frames * sb_stft_n_bins(s) * sizeof *spec);
      if (x && y && spec) {
        for (i = 0; i < n; i++)
          x[i] = uniform(&state);
        if (sb_stft_forward(s, x, n, spec) != SB_OK || sb_stft_inverse(s, spec, n_frames, y, n) != SB_OK)
          err = INFINITY;
        for (i = 0; i < n && isfinite(err); i++)
          err = fmax(err, fabs(y[i] - x[i]));
      } else {
        err = INFINITY;
      }
      tap_ok(err < 1e-12, "frame %zu hop %zu, %lld samples: max |istft(stft(x)) - x| = %.3g < 1e-12",
             configs[c][0], configs[c][1], (long long)n, err);
      free(x);
      free(y);
      fftw_free(spec);
    }
    sb_stft_free(&s);
  }
}

/* Per frame: sum_k c_k |X_k|^2 (sum w)^2 / N = sum_n (w_n x_n)^2 with c = 1
 * at DC and Nyquist, 2 elsewhere (Parseval for the one-sided spectrum). */
static void test_parseval(void)
{
  const size_t frame_len = 2048;
  const int64_t n = 9000;
  uint64_t state = SEED ^ 0x5a5a5a5aULL;
  sb_stft *s = NULL;
  double *x = malloc((size_t)n * sizeof *x), worst = 0.0, wsum = 0.0;
  fftw_complex *spec = NULL;
  int64_t n_frames = 0, t, i;
  size_t k;

  if (!tap_ok(x && sb_stft_new(frame_len, 1024, &s) == SB_OK, "Parseval: transform created"))
    goto done;
  for (i = 0; i < n; i++)
    x[i] = uniform(&state);
  sb_stft_n_frames(s, n, &n_frames);
  spec = fftw_malloc((size_t)n_frames * 1025 * sizeof *spec);
  if (!tap_ok(spec && sb_stft_forward(s, x, n, spec) == SB_OK, "Parseval: forward"))
    goto done;
  for (k = 0; k < frame_len; k++)
    wsum += 0.5 - 0.5 * cos(2 * M_PI * (double)k / (double)frame_len);
  tap_near(wsum, 1024.0, 1e-9, "sum of the periodic Hann window is frame_len / 2");
  for (t = 0; t < n_frames; t++) {
    double energy_time = 0.0, energy_freq = 0.0;
    for (k = 0; k < frame_len; k++) {
      const int64_t idx = t * 1024 - 1024 + (int64_t)k;
      const double w = 0.5 - 0.5 * cos(2 * M_PI * (double)k / (double)frame_len);
      const double v = idx >= 0 && idx < n ? w * x[idx] : 0.0;
      energy_time += v * v;
    }
    for (k = 0; k <= frame_len / 2; k++) {
      const double *z = spec[(size_t)t * 1025 + k];
      const double c = (k == 0 || k == frame_len / 2) ? 1.0 : 2.0;
      energy_freq += c * (z[0] * z[0] + z[1] * z[1]);
    }
    energy_freq *= wsum * wsum / (double)frame_len;
    worst = fmax(worst, fabs(energy_freq - energy_time) / energy_time);
  }
  tap_ok(worst < 1e-12, "Parseval holds in every frame (worst relative error %.3g)", worst);
done:
  fftw_free(spec);
  sb_stft_free(&s);
  free(x);
}

/* A sine at exactly bin 100 with amplitude A: with the 'spectrum' scaling
 * and the periodic Hann window, |X_100| = A/2, |X_99| = |X_101| = A/4 and
 * every other bin is 0 in a frame that lies inside the signal. */
static void test_sine_peak(void)
{
  const int64_t n = 8192;
  const double amp = 0.8;
  sb_stft *s = NULL;
  double *x = malloc((size_t)n * sizeof *x), peak = -1.0, other = 0.0;
  fftw_complex bins[1025];
  size_t k, arg = 0;
  int64_t i;

  if (!tap_ok(x && sb_stft_new(2048, 1024, &s) == SB_OK, "sine: transform created"))
    goto done;
  for (i = 0; i < n; i++)
    x[i] = amp * sin(2 * M_PI * 100.0 * (double)i / 2048.0 + 0.7);
  tap_ok(sb_stft_forward_frame(s, x, n, 3, bins) == SB_OK, "sine: frame 3 (samples 2048..4095)");
  for (k = 0; k < 1025; k++) {
    const double mag = hypot(bins[k][0], bins[k][1]);
    if (mag > peak) {
      peak = mag;
      arg = k;
    }
    if (k < 99 || k > 101)
      other = fmax(other, mag);
  }
  tap_ok(arg == 100, "sine: peak at bin 100 (got %zu)", arg);
  tap_near(peak, amp / 2, 1e-12, "sine: |X_100| = A/2");
  tap_near(hypot(bins[99][0], bins[99][1]), amp / 4, 1e-12, "sine: |X_99| = A/4");
  tap_near(hypot(bins[101][0], bins[101][1]), amp / 4, 1e-12, "sine: |X_101| = A/4");
  tap_ok(other < 1e-12, "sine: all other bins vanish (max %.3g)", other);
done:
  sb_stft_free(&s);
  free(x);
}

/* Frame-at-a-time equals whole-signal; the inverse zero-fills past scipy's
 * output length; the imaginary parts of DC and Nyquist are ignored (irfft). */
static void test_frame_interface(void)
{
  const int64_t n = 5000, n_long = 6000;
  sb_stft *s = NULL;
  double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n_long * sizeof *y);
  double *y2 = malloc((size_t)n * sizeof *y2), tail = 0.0, err = 0.0, diff = 0.0;
  fftw_complex *spec = NULL, bins[1025];
  int64_t t, i, n_frames = 0;
  int same = 1;

  if (!tap_ok(x && y && y2 && sb_stft_new(2048, 1024, &s) == SB_OK, "frame interface: transform created"))
    goto done;
  test_signal(x, n);
  sb_stft_n_frames(s, n, &n_frames);
  spec = fftw_malloc((size_t)n_frames * 1025 * sizeof *spec);
  if (!tap_ok(spec && sb_stft_forward(s, x, n, spec) == SB_OK, "frame interface: whole forward"))
    goto done;
  for (t = 0; t < n_frames; t++) {
    sb_stft_forward_frame(s, x, n, t, bins);
    same = same && memcmp(bins, spec[(size_t)t * 1025], sizeof bins) == 0;
  }
  tap_ok(same, "forward_frame gives the rows of forward bit for bit");

  tap_ok(sb_stft_inverse(s, spec, n_frames, y, n_long) == SB_OK, "inverse into a longer buffer");
  for (i = 0; i < n; i++)
    err = fmax(err, fabs(y[i] - x[i]));
  for (i = 5120; i < n_long; i++)
    tail = fmax(tail, fabs(y[i]));
  tap_ok(err < 1e-12, "longer buffer: first %lld samples reconstruct x (%.3g)", (long long)n, err);
  tap_ok(tail == 0.0, "longer buffer: zero after scipy's (n_frames - 1) * hop = 5120 samples");
  tap_ok(fabs(y[5100]) < 1e-12, "longer buffer: the padding zeros come back as zeros");

  for (t = 0; t < n_frames; t++) {
    spec[(size_t)t * 1025][1] = 5.0;
    spec[(size_t)t * 1025 + 1024][1] = -3.0;
  }
  sb_stft_inverse(s, spec, n_frames, y2, n);
  for (i = 0; i < n; i++)
    diff = fmax(diff, fabs(y2[i] - y[i]));
  tap_ok(diff == 0.0, "imaginary parts of DC and Nyquist bins are ignored like irfft");
done:
  fftw_free(spec);
  sb_stft_free(&s);
  free(x);
  free(y);
  free(y2);
}

int main(void)
{
  tap_pins_load("metrics/test-stft.pins");
  test_arguments();
  test_frame_counts();
  test_scipy_values();
  test_reconstruction();
  test_parseval();
  test_sine_peak();
  test_frame_interface();
  fftw_cleanup();
  return tap_done();
}
