/*
 * metrics/distortions.h — the two distortion banks of the MAPSS measures
 * (Amir-Ivry/MAPSS-measures 3157d20a distortions.py apply_ps_distortions
 * and apply_pm_distortions with distortion_keys "all"; shared/specs/mapss.md
 * section 1), applied to a 16-kHz mono reference that is already
 * loudness-normalised.
 *
 * PS bank (whole signal; 71 entries for signals longer than 4096 samples):
 * notch (5), comb (5, y[n] = x[n] + g x[n + D]), tremolo (4), white/pink/
 * brown noise at -15..25 dB SNR (24, white skipped below 0 dB), harmonic
 * tones (4), reverb (4), noise gate (4), pitch shift +-2/+-4 semitones
 * (4, n_fft = min(2048, n / 2), rounded down to even for n < 4096 where
 * the reference would use an odd size), Butterworth order-4 low-pass (4) and
 * high-pass (4) with filtfilt, echo (3), clipping (3), "vibrato" = constant
 * time stretch (3).  Entries whose delay or length does not fit the signal
 * are skipped, as in the reference.
 * PM bank (per 320-sample frame of the reference zero-padded to a multiple
 * of 320, stitched back; data dependent, 38 + 24 entries or so): notches at
 * up to 20 strong spectral peaks of the whole reference, comb, tremolo with
 * a per-frame constant gain, band-passed noise, harmonic tones relative to
 * the frame RMS, noise gate and clipping relative to the frame's 95th
 * percentile, pitch shift (n_fft 160), order-6 low/high-pass at cut-offs
 * from the reference's cumulative power, vibrato; reverb and echo never fit
 * a frame.
 * Noise comes from `rng` (numpy's legacy stream, metrics/npyrandom.h) in
 * the reference's call order: PS: randn(n) per noise entry in label order;
 * PM: frame by frame, randn(320) per noise entry.  With the same seed and
 * the same order of bank calls the noise is identical to the reference's.
 *
 * Outputs are NOT loudness-normalised (the engine normalises each bank
 * afterwards: sb_loudness_normalize_rows in metrics/loudness.h).
 *
 * Workload: one PS and one PM bank per reference track (cached across the
 * systems evaluated on it); 10-s signals -> 71 x 160000 and ~62 x 160000
 * samples.  OpenMP tasks over entries (PS) and chunks of frames (PM), the
 * noise stream drawn on one thread meanwhile; results do not depend on
 * the number of threads.  A call uses the rng, so calls sharing one rng
 * must not run at the same time.
 */
#ifndef SB_METRICS_DISTORTIONS_H
#define SB_METRICS_DISTORTIONS_H

#include <stddef.h>
#include "sepbench/error.h"
#include "metrics/npyrandom.h"

enum { SB_DIST_LABEL_MAX = 40 };

typedef struct sb_dist_bank {
  size_t n_dist;                         /* number of entries */
  size_t len;                            /* samples per entry */
  double *data;                          /* [n_dist][len] */
  size_t cap;                            /* samples data has room for */
  char (*labels)[SB_DIST_LABEL_MAX];     /* the reference's dict keys, e.g. "PinkNoise_-15dB" */
  /* PM only: the data-dependent parameters derived from the reference. */
  size_t n_notch, n_lowpass, n_highpass;
  double notch_hz[20];
  int lowpass_hz[4], highpass_hz[4];
} sb_dist_bank;

/* PS bank of ref (n samples at 16 kHz) into out: a zeroed bank, or one
 * these functions filled before, whose arrays are then reused when they
 * have room (so a bank passed from call to call allocates, and faults in
 * its ~100 MB of pages, once; sb_dist_bank_clear when done).  Everything
 * else in out is overwritten; on error out is cleared.
 * SB_EINVAL (NULL, n < 16), SB_ENOMEM, SB_EBACKEND (resampler). */
sb_err sb_distortions_ps(const double *ref, size_t n, sb_npyrandom *rng, sb_dist_bank *out);

/* The PM bank's four pitch shifters (-4, -2, +2, +4 semitones) with their
 * 320-sample resampling matrices (metrics/phasevocoder.h): the part of a
 * PM bank that does not depend on the signal (~1300 libsoxr impulse
 * responses, OpenMP).  Make one per track and pass it to every
 * sb_distortions_pm call; read-only afterwards, so calls may share it.
 * SB_ENOMEM, SB_EBACKEND. */
typedef struct sb_dist_pm_shifts sb_dist_pm_shifts;
sb_err sb_dist_pm_shifts_new(sb_dist_pm_shifts **out);
void sb_dist_pm_shifts_free(sb_dist_pm_shifts **shifts);

/* PM bank of ref; out->len = n rounded up to a multiple of 320; out as
 * for sb_distortions_ps.  shifts may be NULL (then built, and freed,
 * inside the call).  SB_EINVAL (NULL, n == 0), SB_ENOMEM, SB_EBACKEND. */
sb_err sb_distortions_pm(const double *ref, size_t n, sb_npyrandom *rng,
                         const sb_dist_pm_shifts *shifts, sb_dist_bank *out);

/* Frees the arrays of bank and zeroes it; NULL is a no-op. */
void sb_dist_bank_clear(sb_dist_bank *bank);

#endif /* SB_METRICS_DISTORTIONS_H */
