/*
 * metrics/gsdr.h — the "global SDR" of the Music Demixing Challenge 2021
 * and the Sound Demixing Challenge 2023 (Demucs "nSDR", BSRNN "uSDR"):
 *
 *   SDR = 10 log10( (sum s^2 + 1e-7) / (sum (s - s_hat)^2 + 1e-7) )
 *
 * summed over all samples and channels of one source, in float64 as in
 * facebookresearch/demucs evaluate.py new_sdr (the AIcrowd MDX 2021
 * starter-kit scorer, which casts to float32 first, differs only in
 * rounding).  A song's score is the mean over its sources; the challenge
 * score is the mean over songs.  Up to the 1e-7 terms it equals the
 * whole-signal images SDR of BSS Eval (shared/specs/bsseval.md §6); unlike
 * that SDR it is finite for a silent reference or a silent estimate.
 *
 * Workload: once per (track, source), one pass over the samples.
 */
#ifndef SB_METRICS_GSDR_H
#define SB_METRICS_GSDR_H

#include <stdint.h>
#include "sepbench/error.h"

/* The epsilon added to both energies. */
#define SB_GSDR_EPS 1e-7

/* Global SDR in dB of one estimate: n_chan channel pointers of n_samples
 * samples each for the reference and the estimate.  Thread-safe.
 * SB_EINVAL (NULL pointers, n_chan < 1, n_samples < 0), SB_ENONFINITE (a
 * sample is NaN or infinite, or an energy overflows; *out is then NaN). */
sb_err sb_gsdr(int n_chan, int64_t n_samples, const double *const *ref_chan,
               const double *const *est_chan, double *out);

/* The same from precomputed energies sum s^2 and sum (s - s_hat)^2. */
double sb_gsdr_from_energies(double ref_energy, double err_energy);

#endif /* SB_METRICS_GSDR_H */
