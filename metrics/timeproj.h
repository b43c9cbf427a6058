/*
 * metrics/timeproj.h — the artifact energy of BSS Eval's decomposition of
 * an estimate over the whole signal, ||e_artif||^2 = ||e - P e||^2, from
 * its all-source distortion filters, by an explicit time-domain projection
 * as museval and mir_eval form it (shared/specs/bsseval.md §1.3: museval
 * metrics.py _bss_decomp_mtifilt, _project; mir_eval separation.py
 * _bss_decomp_mtifilt_images).
 *
 * With filters C of length L and references s_k (T samples, zero outside),
 * for every output channel c and every sample t of [0, T + L - 1):
 *     P e[t] = sum_k (C[c][k] * s_k)[t],   e_artif[t] = e[t] - P e[t]
 * (e zero-padded by L - 1); the energies are summed over the samples and
 * the output channels.
 *
 * Why not quadratic forms: ||e_artif||^2 = ||e||^2 - 2 C^T d + C^T G C
 * holds exactly, but the rounding of the FFT correlations d and G enters it
 * to first order, and a high SAR (60 dB: ||e_artif||^2 = 1e-6 ||e||^2)
 * amplifies it 1e6 times; formed in the time domain, the error of the
 * filters enters only to second order (e_artif is orthogonal to the
 * delayed references at the least-squares filters).  Measured on 3 s of
 * AAC-coded music (issue 12): whole-signal SAR 1.5e-7 dB from the exact
 * value by quadratic forms, 3e-11 dB this way (museval: 1e-9 dB).  The
 * other energies (ISR, SIR: no such cancellation) keep their quadratic
 * forms.
 *
 * How: overlap-save blocks of NFFT = 8192 points (8192 - L + 1 new output
 * samples each), the reference spectra computed once per block and shared
 * by every filter; blocks in parallel (OpenMP), their sums added in block
 * order, so results do not depend on the number of threads.
 *
 * Workload: once per track for the whole-signal values: 4 stereo sources,
 * 4 estimates, L = 512, 3-10 min at 44.1 kHz: 16 FFTs of 8192 points and
 * 64 spectrum products per 7681 samples.  Signals are read through
 * their views (common/sources.h), so streamed views work.
 */
#ifndef SB_METRICS_TIMEPROJ_H
#define SB_METRICS_TIMEPROJ_H

#include "sepbench/error.h"
#include "common/sources.h"

/* For each of the n_est estimates e (source est_idx[e] of the view est)
 * with filters coef + e I m L ([(c m + k) L + a]: output channel c,
 * reference channel k = j I + c' of ref, tap a): artif[e] = ||e - P e||^2
 * and proj[e] = ||P e||^2, summed over the T + L - 1 samples and the I
 * output channels.  ref and est have the same channel count I and length
 * T; 1 <= L <= 4096.  Thread-safe (plans are created under the omp
 * critical section sb_fftw_plan shared with every FFTW user of sepbench).
 * SB_EINVAL (NULL pointers, shapes, indices out of range), SB_ENOMEM, and
 * the errors of a streamed view's reader. */
sb_err sb_timeproj_residual(const sb_sources *ref, const sb_sources *est, int L, int n_est,
                            const int *est_idx, const double *coef, double *artif, double *proj);

#endif /* SB_METRICS_TIMEPROJ_H */
