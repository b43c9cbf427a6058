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
 * Workload: whole signals (n_fft 2048, seconds to minutes; 7 stretches
 * and shifts of each) and 320-sample frames (n_fft 160, thousands of
 * frames, 7 of each): make one sb_pvoc per n_fft, analyse a signal once
 * (sb_pvoc_analyze: the STFT, its phases and magnitudes) and derive every
 * stretch and shift of it from that analysis.  An sb_pvoc and an analysis
 * may be used by several threads at once once built (FFTW plans are only
 * executed; plan creation is serialised).
 */
#ifndef SB_METRICS_PHASEVOCODER_H
#define SB_METRICS_PHASEVOCODER_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_pvoc sb_pvoc;

/* Phase vocoder for FFT size n_fft (even, >= 8).  SB_EINVAL, SB_ENOMEM. */
sb_err sb_pvoc_new(size_t n_fft, sb_pvoc **out);
void sb_pvoc_free(sb_pvoc **pv);

/* The part of librosa's phase_vocoder that depends on the signal only:
 * the STFT of x (complex64) and its np.angle and np.abs, for any number of
 * stretches.  An analysis belongs to one sb_pvoc (which must outlive it)
 * and grows to the longest signal analysed; sb_pvoc_analyze overwrites it
 * (one writer; readers may share it afterwards).  SB_EINVAL (NULL, n == 0),
 * SB_ENOMEM. */
typedef struct sb_pvoc_analysis sb_pvoc_analysis;
sb_err sb_pvoc_analysis_new(const sb_pvoc *pv, sb_pvoc_analysis **out);
sb_err sb_pvoc_analyze(sb_pvoc_analysis *a, const double *x, size_t n);
void sb_pvoc_analysis_free(sb_pvoc_analysis **a);

/* *len = length of time_stretch(x, rate) for the analysed x: round(n /
 * rate), half to even.  SB_EINVAL (NULL, empty analysis, rate not in
 * (0, inf)). */
sb_err sb_pvoc_stretched_len(const sb_pvoc_analysis *a, double rate, size_t *len);

/* librosa.effects.time_stretch(x, rate=rate, n_fft=n_fft) of the analysed
 * x, cut or zero-padded to y_len samples (y_len = sb_pvoc_stretched_len
 * for the whole result; util.fix_length to the input's length for the
 * MAPSS "vibrato").  Reads a only.  SB_EINVAL (NULL, empty analysis, rate
 * not in (0, inf)), SB_ENOMEM. */
sb_err sb_pvoc_stretch(const sb_pvoc_analysis *a, double rate, double *y, size_t y_len);

/* Analysis and stretch in one call: *out_len = round(n / rate) samples
 * malloc'ed into *out (caller frees).  SB_EINVAL (NULL, n == 0, rate <= 0),
 * SB_ENOMEM. */
sb_err sb_pvoc_time_stretch(const sb_pvoc *pv, const double *x, size_t n, double rate,
                            double **out, size_t *out_len);

/* A reusable libsoxr "HQ" resampler for one pitch shift (steps semitones
 * at rate_hz).  Creating a libsoxr resampler designs its filter, which
 * costs more than shifting a 320-sample frame, so frame-wise callers make
 * one per shift with frame_len > 0: the resampling of a frame_len-sample
 * input (after its time stretch) is then precomputed as a matrix, column j
 * being libsoxr's response to the unit impulse at j (the resampler is
 * linear; s_len = round(frame_len / rate) impulse responses, done once,
 * 32 impulses per multi-channel libsoxr stream (each channel resampled on
 * its own, bit for bit as a mono stream), OpenMP over the streams), and
 * every later shift of frame_len samples is a matrix-vector product.  It
 * agrees with libsoxr's own output to libsoxr's precision (its HQ recipe
 * filters in float32: ~1e-7 relative; the product is double).
 * frame_len == 0: no matrix (whole signals stream through libsoxr).
 * Thread-safety: shifting inputs of exactly frame_len samples only reads
 * ps, so any number of threads may share it; other lengths use the
 * libsoxr object and need one ps per thread.
 * SB_EINVAL, SB_EBACKEND, SB_ENOMEM. */
typedef struct sb_pshift sb_pshift;
sb_err sb_pshift_new(double steps, double rate_hz, size_t frame_len, sb_pshift **out);
void sb_pshift_free(sb_pshift **ps);

/* librosa.effects.pitch_shift(x, sr=rate_hz, n_steps=steps, n_fft=n_fft)
 * of the analysed x into y (as many samples as x), with the shift and rate
 * of ps.  SB_EINVAL (NULL, empty analysis), SB_ENOMEM, SB_EBACKEND
 * (libsoxr error). */
sb_err sb_pshift_apply(sb_pshift *ps, const sb_pvoc_analysis *a, double *y);

/* *rate = 2^(-steps / 12), the time-stretch rate of ps.  SB_EINVAL. */
sb_err sb_pshift_rate(const sb_pshift *ps, double *rate);

/* The resampling half of sb_pshift_apply for n_frames frames of
 * frame_len samples at once, through the matrix of ps (made with
 * frame_len > 0): stretched holds their stretches, s_len = round(frame_len
 * / rate) samples each (frame k at stretched + k s_len, from
 * sb_pvoc_stretch), and frame k of the result goes to y + k y_stride
 * (frame_len samples).  The same sums as sb_pshift_apply, with each matrix
 * row read once per 32 frames instead of once per frame.  Reads ps only.
 * SB_EINVAL (NULL, no matrix, y_stride < frame_len). */
sb_err sb_pshift_resample_frames(const sb_pshift *ps, const double *stretched, size_t n_frames,
                                 double *y, size_t y_stride);

/* Analysis and shift in one call: librosa.effects.pitch_shift of x (n
 * samples) into y (n samples).  SB_EINVAL, SB_ENOMEM, SB_EBACKEND. */
sb_err sb_pvoc_pitch_shift(const sb_pvoc *pv, sb_pshift *ps, const double *x, size_t n,
                           double *y);

#endif /* SB_METRICS_PHASEVOCODER_H */
