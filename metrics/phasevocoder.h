/*
 * metrics/phasevocoder.h — librosa-compatible time stretching and pitch
 * shifting for the MAPSS distortion banks (librosa 0.11
 * effects.time_stretch / effects.pitch_shift as called by
 * Amir-Ivry/MAPSS-measures 3157d20a distortions.py):
 *   stft: periodic Hann window of n_fft, hop n_fft/4, centred frames with
 *         n_fft/2 zeros of padding on each side (pad_mode "constant");
 *   phase_vocoder: time steps 0, rate, 2 rate, ... < n_frames; magnitude
 *         interpolated between neighbouring columns, phase accumulated
 *         with the expected advance hop 2 pi k / n_fft plus the wrapped
 *         deviation;
 *   istft: windowed overlap-add, centre padding removed, length
 *         round(n / rate), divided by the overlap-added squared window
 *         where it exceeds float32's tiny;
 *   pitch_shift: time_stretch by 2^(-steps/12), then resampling from
 *         sr / rate to sr with libsoxr's "HQ" recipe (librosa's default
 *         res_type "soxr_hq" through python-soxr), length fixed to
 *         ceil(len * rate) and then to the input length.
 * librosa keeps float32 inputs in float32/complex64; the STFT values, the
 * phase accumulator, the magnitudes and the overlap-add buffers are
 * rounded to float32 here in the same places so the outputs agree to
 * ~1e-6 with the reference (the remaining difference is libm/soxr
 * rounding).
 *
 * Workload: whole signals (n_fft 2048, seconds to minutes) and 320-sample
 * frames (n_fft 160, thousands of calls): make one sb_pvoc per n_fft and
 * reuse it.  An sb_pvoc may be used by several threads at once (FFTW plans
 * are only executed; plan creation is serialised).
 */
#ifndef SB_METRICS_PHASEVOCODER_H
#define SB_METRICS_PHASEVOCODER_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_pvoc sb_pvoc;

/* Phase vocoder for FFT size n_fft (even, >= 8).  SB_EINVAL, SB_ENOMEM. */
sb_err sb_pvoc_new(size_t n_fft, sb_pvoc **out);
void sb_pvoc_free(sb_pvoc **pv);

/* librosa.effects.time_stretch(x, rate=rate, n_fft=n_fft): *out_len =
 * round(n / rate) samples malloc'ed into *out (caller frees).  SB_EINVAL
 * (NULL, n == 0, rate <= 0), SB_ENOMEM. */
sb_err sb_pvoc_time_stretch(const sb_pvoc *pv, const double *x, size_t n, double rate,
                            double **out, size_t *out_len);

/* A reusable libsoxr "HQ" resampler for one pitch shift (steps semitones
 * at rate_hz).  Creating a libsoxr resampler designs its filter, which
 * costs more than shifting a 320-sample frame, so frame-wise callers make
 * one per shift with frame_len > 0: the resampling of a frame_len-sample
 * input (after its time stretch) is then precomputed as a matrix, column j
 * being libsoxr's response to the unit impulse at j (the resampler is
 * linear; s_len = round(frame_len / rate) streams, done once, OpenMP over
 * columns), and every later shift of frame_len samples is a matrix-vector
 * product.  It agrees with libsoxr's own output to libsoxr's precision
 * (its HQ recipe filters in float32: ~1e-7 relative; the product is double).
 * frame_len == 0: no matrix (whole signals stream through libsoxr).
 * Thread-safety: sb_pvoc_pitch_shift on inputs of exactly frame_len
 * samples only reads ps, so any number of threads may share it; other
 * lengths use the libsoxr object and need one ps per thread.
 * SB_EINVAL, SB_EBACKEND, SB_ENOMEM. */
typedef struct sb_pshift sb_pshift;
sb_err sb_pshift_new(double steps, double rate_hz, size_t frame_len, sb_pshift **out);
void sb_pshift_free(sb_pshift **ps);

/* librosa.effects.pitch_shift(x, sr=rate_hz, n_steps=steps, n_fft=n_fft)
 * into y (n samples), with the shift and rate of ps.  SB_EINVAL, SB_ENOMEM,
 * SB_EBACKEND (libsoxr error). */
sb_err sb_pvoc_pitch_shift(const sb_pvoc *pv, sb_pshift *ps, const double *x, size_t n,
                           double *y);

#endif /* SB_METRICS_PHASEVOCODER_H */
