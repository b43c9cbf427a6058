/*
 * metrics/stft.h — short-time Fourier transform and its least-squares
 * inverse, numerically equivalent to scipy.signal.stft / istft with the
 * defaults sigsep-mus-oracle relies on (scipy 1.10, sigsep/sigsep-mus-oracle
 * IBM.py, IRM.py, MWF.py: `stft(x, nperseg=2048)`, `istft(Z)[:N]`):
 *
 *   window    periodic Hann of frame_len samples (scipy get_window('hann'),
 *             w[n] = 0.5 + 0.5 cos(2 pi n / frame_len - pi));
 *   boundary  'zeros': frame_len/2 zeros before and after the signal;
 *   padded    zeros appended so that the frames tile the extended signal:
 *             n_frames = ceil(n_samples / hop_len) + 1;
 *             frame t starts at sample t * hop_len - frame_len / 2;
 *   scaling   'spectrum': X[t][k] = sum_n w[n] x[n + start_t] e^{-2i pi k n/N}
 *             / sum_n w[n]  (one-sided, bins 0 .. frame_len/2);
 *   inverse   weighted overlap-add of w * irfft(X) * sum(w), divided by the
 *             overlapped sum of w^2 (Griffin & Lim 1984), extension removed,
 *             then cut (or zero-padded) to the caller's n_samples.
 *
 * Spectrum layout: frames x bins, row-major: bin k of frame t is
 * spec[t * n_bins + k], fftw_complex (re, im interleaved), n_bins =
 * frame_len / 2 + 1.
 *
 * Deviation from scipy: scipy silently shortens nperseg to the signal
 * length when the signal is shorter than one frame (and fails when it is
 * at most noverlap); sb_stft always uses frame_len and zero-pads.
 *
 * Besides the whole-signal transforms, a frame-at-a-time interface lets the
 * oracle backends stream a 10-minute stereo track through a few frames of
 * memory instead of holding every spectrogram (frames x bins x sources).
 *
 * Workload: frame_len 2048, hop 1024, signals of 1e5..3e7 samples; one
 * sb_stft per worker thread.
 */
#ifndef SB_METRICS_STFT_H
#define SB_METRICS_STFT_H

#include <stddef.h>
#include <stdint.h>
#include <fftw3.h>
#include "sepbench/error.h"

typedef struct sb_stft sb_stft;

/* Creates a transform for frame_len-sample frames every hop_len samples.
 * frame_len must be even and >= 4; 1 <= hop_len < frame_len (so that every
 * output sample is covered by a frame with non-zero window).  Creates the
 * FFTW plans (FFTW_ESTIMATE, deterministic) through common/fftplan.h, so
 * it may be called from several threads.  *out is NULL on failure.
 * SB_EINVAL (bad sizes or NULL out), SB_ENOMEM. */
sb_err sb_stft_new(size_t frame_len, size_t hop_len, sb_stft **out);

/* Destroys the plans (under the same critical section) and the buffers;
 * accepts NULL and *stft == NULL; sets *stft to NULL. */
void sb_stft_free(sb_stft **stft);

/* Frame length, hop and bins per frame (frame_len / 2 + 1); stft must not
 * be NULL. */
size_t sb_stft_frame_len(const sb_stft *stft);
size_t sb_stft_hop_len(const sb_stft *stft);
size_t sb_stft_n_bins(const sb_stft *stft);

/* Number of frames the forward transform yields for n_samples >= 1 samples:
 * ceil(n_samples / hop_len) + 1.  SB_EINVAL if n_samples < 1 or out NULL. */
sb_err sb_stft_n_frames(const sb_stft *stft, int64_t n_samples, int64_t *out);

/* An sb_stft keeps work buffers: it must be used by one thread at a time.
 * Distinct sb_stft objects may run concurrently. */

/* Whole-signal forward transform of x[0 .. n_samples) into spec
 * (n_frames x n_bins, see above; caller-allocated).
 * SB_EINVAL (NULL pointers, n_samples < 1). */
sb_err sb_stft_forward(sb_stft *stft, const double *x, int64_t n_samples, fftw_complex *spec);

/* Whole-signal inverse: y[0 .. n_samples) = istft(spec)[0 .. n_samples),
 * zero where the n_frames frames do not reach (scipy yields
 * (n_frames - 1) * hop_len samples).  spec is not modified; y is
 * overwritten.  istft(stft(x)) == x to rounding for any n_samples.
 * SB_EINVAL (NULL pointers, n_frames < 1, n_samples < 1). */
sb_err sb_stft_inverse(sb_stft *stft, const fftw_complex *spec, int64_t n_frames, double *y,
                       int64_t n_samples);

/* Frame-at-a-time forward transform: bins (n_bins values) = row `frame`
 * of stft(x), 0 <= frame < sb_stft_n_frames(n_samples).
 * SB_EINVAL (NULL pointers, n_samples < 1, frame out of range). */
sb_err sb_stft_forward_frame(sb_stft *stft, const double *x, int64_t n_samples, int64_t frame,
                             fftw_complex *bins);

/* Frame-at-a-time inverse, step 1: synthesises frame `frame` from bins
 * (w * irfft(bins) * sum(w); bins is not modified; like irfft it ignores
 * the imaginary parts of the DC and Nyquist bins) and adds it to
 * y[0 .. n_samples) at its position (frame * hop_len - frame_len / 2);
 * the part outside [0, n_samples) is dropped.
 * SB_EINVAL (NULL pointers, n_samples < 1, frame < 0). */
sb_err sb_stft_add_frame(sb_stft *stft, const fftw_complex *bins, int64_t frame, double *y,
                         int64_t n_samples);

/* Frame-at-a-time inverse, step 2, after frames 0 .. n_frames-1 were
 * added: divides y[i] by the sum of squared windows of those frames at i
 * (where that sum exceeds 1e-10, as scipy) and zeroes y[i] for
 * i >= (n_frames - 1) * hop_len, the end of scipy's istft output.
 * SB_EINVAL (NULL y, n_frames < 1, n_samples < 1). */
sb_err sb_stft_normalize(const sb_stft *stft, int64_t n_frames, double *y, int64_t n_samples);

#endif /* SB_METRICS_STFT_H */
