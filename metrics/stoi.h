/*
 * metrics/stoi.h — short-time objective intelligibility: STOI (Taal,
 * Hendriks, Heusdens, Jensen, "An algorithm for intelligibility prediction
 * of time-frequency weighted noisy speech", IEEE TASLP 19(7), 2011) and
 * extended STOI (Jensen, Taal, "An algorithm for predicting the
 * intelligibility of speech masked by modulated noise maskers", IEEE/ACM
 * TASLP 24(11), 2016), computed as pystoi 0.4.1 computes them
 * (mpariente/pystoi 74872b0, pystoi/stoi.py and utils.py;
 * shared/refvectors/speech/README.md lists every step), in float64:
 *
 *  1. both signals resampled to 10 kHz with Octave's filter
 *     (metrics/octresample.h), skipped at exactly 10 kHz;
 *  2. silent frames removed, decided on the reference: 256-sample frames
 *     (numpy hanning(258)[1:-1]) every 128 samples while start < len - 256,
 *     energy 20 log10(||w frame|| + EPS), kept when above max - 40 dB;
 *     the kept windowed frames of both signals overlap-added (hop 128);
 *  3. STFT with the same framing and window, 512-point FFT, 15 one-third
 *     octave bands from 150 Hz (band = sqrt of the summed |X|^2 of FFT bins
 *     lo <= k < hi, edges the nearest bins as pystoi's thirdoct);
 *  4. J = frames - 29 segments of 30 frames;
 *  5. STOI: per segment and band the estimate scaled by ||x|| / (||y|| +
 *     EPS), clipped at x (1 + 10^(15/20)) (beta = -15 dB), both vectors
 *     centred and divided by (norm + EPS), the mean of the J * 15 dot
 *     products;
 *  6. ESTOI: per segment the band rows, then the frame columns, centred and
 *     scaled to unit norm; the sum of the products / 30, averaged over J.
 *
 * EPS is the float64 epsilon 2.220446049250313e-16.
 *
 * The too-few-frames rule: with fewer than 30 STFT frames left (fewer than
 * 31 kept frames, about 0.4 s of speech within 40 dB of its loudest frame
 * at 10 kHz, or a reference shorter than 257 samples at 10 kHz, where
 * pystoi raises) both values are 1e-5, pystoi's constant, with status
 * SB_STOI_TOO_FEW_FRAMES: a value with a note, never an error.
 *
 * ESTOI's jitter: pystoi adds EPS-scaled standard-normal noise from numpy's
 * global RNG before each of its mean subtractions.  On ordinary signals
 * that changes ESTOI by at most ~3e-16, so it is left out.  It decides the
 * value only when a band row (or a frame column) of a segment has zero
 * norm after centring, e.g. an estimate digitally silent for 30 kept
 * frames: pystoi then normalises pure noise.  sepbench then adds the noise
 * deterministically: numpy's legacy stream seeded 0 (metrics/npyrandom.h;
 * pystoi after np.random.seed(0)), drawn in pystoi's order (reference rows,
 * reference columns, estimate rows, estimate columns, each J x 15 x 30 in C
 * order), so the value lies in the range pystoi spans over seeds, near
 * (not bit-exact to) pystoi's seed-0 value: rows at the noise's level carry
 * the rounding of the resampler and the FFT (8.3e-6 on the reference case
 * silences_dropout_10k).
 *
 * Not computable (NaN for both, never an error): a reference whose samples
 * are all zero (SB_STOI_SILENT_REF: STOI would be 0 by its EPS terms and
 * ESTOI noise), a NaN or infinite sample (SB_STOI_NONFINITE).  Rates below
 * 8000 Hz are refused by sb_stoi_new (the bands reach 4.3 kHz).
 *
 * Workload: 2-4 mono speech sources of seconds at 8-48 kHz per track; the
 * resampling dominates.  An sb_stoi is read-only after _new: concurrent
 * sb_stoi_eval calls are allowed.  Results do not depend on the number of
 * threads.
 *
 * For bindings: sb_stoi_pair is the whole metric in one call (a mono pair
 * of equal length at a rate); sb_stoi_new/_eval keep the filter across
 * calls at one rate.
 */
#ifndef SB_METRICS_STOI_H
#define SB_METRICS_STOI_H

#include <stdint.h>
#include "sepbench/error.h"

#define SB_STOI_MIN_RATE 8000
#define SB_STOI_TOO_FEW_VALUE 1e-5

typedef enum sb_stoi_status {
  SB_STOI_OK = 0,
  SB_STOI_TOO_FEW_FRAMES, /* both values 1e-5 */
  SB_STOI_SILENT_REF,     /* NaN */
  SB_STOI_NONFINITE       /* NaN */
} sb_stoi_status;

/* One pair's values. */
typedef struct sb_stoi_values {
  double stoi, estoi;
  sb_stoi_status status;
} sb_stoi_values;

/* Pipeline counts of one pair, for tests (shared/refvectors/speech
 * debug_first_source): samples at 10 kHz, frames examined and kept by the
 * silence detector, samples after its overlap-add, STFT frames, segments. */
typedef struct sb_stoi_debug {
  int64_t len_10k, energy_frames, frames_kept, len_after_silence_removal, stft_frames, segments;
  double ref_10k_sum, ref_10k_sumsq, ref_sil_sum, ref_sil_sumsq;
} sb_stoi_debug;

typedef struct sb_stoi sb_stoi;

/* Prepares STOI at `rate` Hz (the 10-kHz resampling filter and the FFT
 * plan).  SB_ERATE (rate < 8000; msg "STOI needs a sample rate of at least
 * 8000 Hz, got R"), SB_EINVAL (out NULL), SB_ENOMEM.  *out is NULL on
 * failure. */
sb_err sb_stoi_new(int rate, sb_stoi **out, sb_msg *msg);

/* The rate given to sb_stoi_new. */
int sb_stoi_rate(const sb_stoi *s);

/* STOI and ESTOI of estimate est against reference ref, n >= 1 samples
 * each (the estimate already brought to the reference length), into *out
 * (status as above).  dbg may be NULL.  SB_EINVAL (NULL s, ref, est or
 * out, n < 1), SB_ENOMEM. */
sb_err sb_stoi_eval(const sb_stoi *s, const double *ref, const double *est, int64_t n, sb_stoi_values *out,
                    sb_stoi_debug *dbg);

/* One-shot: sb_stoi_new(rate) + sb_stoi_eval + free.  Errors of both. */
sb_err sb_stoi_pair(const double *ref, const double *est, int64_t n, int rate, sb_stoi_values *out,
                    sb_msg *msg);

/* One line for a status ("fewer than 30 STFT frames after silent-frame
 * removal: 1e-5 as pystoi", "the reference is silent (every sample 0):
 * NaN", "a sample is NaN or infinite"); "" for SB_STOI_OK. */
const char *sb_stoi_status_text(sb_stoi_status st);

/* Frees *s and sets it to NULL; accepts NULL and *s == NULL. */
void sb_stoi_free(sb_stoi **s);

#endif /* SB_METRICS_STOI_H */
