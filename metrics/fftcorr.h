/*
 * metrics/fftcorr.h — short-lag cross-correlations of long signals by
 * block FFTs (overlap-save), the building block of BSS Eval's Gram matrices
 * and projection right-hand sides.
 *
 * For channels x_i and y_j restricted to sample ranges [x0, x1) and
 * [y0, y1) (zero outside), computes
 *
 *     r_ij[l] = sum_n x_i[n] y_j[n + l],   l = -max_lag .. max_lag,
 *
 * exactly (up to rounding) as museval/mir_eval's full-length FFT
 * correlations (shared/specs/bsseval.md §1.1) but in O(T log max_lag) time
 * and O(max_lag) memory per channel: x is cut into blocks of
 * N - 2 max_lag samples, y is taken over the block widened by max_lag on
 * both sides, the cross-spectra conj(X) Y of all blocks are summed and one
 * inverse FFT per pair gives the lags.  Results are accumulated (+=) into
 * the caller's array so that disjoint x ranges can be summed.
 *
 * Workload: BSS Eval with 512-tap filters, 8 reference channels against 8
 * reference or estimate channels, 1-s frames or whole 3-10 min tracks at
 * 44.1 kHz; FFT size 8192 (2048 for ranges shorter than 1 k samples).
 */
#ifndef SB_METRICS_FFTCORR_H
#define SB_METRICS_FFTCORR_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"

typedef struct sb_fftcorr sb_fftcorr;

/* Creates the FFTW plans for lags up to max_lag (>= 0).  Plan creation is
 * serialised with the other FFTW users (common/fftplan.h).
 * SB_EINVAL (max_lag < 0 or > 2^20), SB_ENOMEM. */
sb_err sb_fftcorr_new(int max_lag, sb_fftcorr **out);

/* Adds r_ij[l] (definition above) to out[(i * n_y + j) * n_lag + l + max_lag]
 * (n_lag = 2 max_lag + 1) for i < n_x, j < n_y, where x_i is channel x[i]
 * of the view xs and y_j channel y[j] of ys (flat channel indices
 * src * n_chan + c; in-memory or streamed views, common/sources.h).  Only
 * samples inside [x0, x1) resp. [y0, y1) are read.  Empty ranges add
 * nothing.  sym = 1 declares that y is the same channel set as x: only
 * j >= i is computed and r_ji[l] = r_ij[-l] fills the rest, which is exact
 * when the two ranges are equal, and exact for the SUM of the outputs of
 * calls whose x ranges partition y's range (linearity).
 * Thread-safe (buffers are allocated per call; concurrent calls on one
 * object are allowed).  SB_EINVAL (n_x or n_y < 1, NULL pointers),
 * SB_ENOMEM, and the errors of a streamed view's reader (out is then
 * incomplete). */
sb_err sb_fftcorr_add(const sb_fftcorr *c, const sb_sources *xs, int n_x, const int *x,
                      int64_t x0, int64_t x1, const sb_sources *ys, int n_y, const int *y,
                      int64_t y0, int64_t y1, int sym, double *out);

void sb_fftcorr_free(sb_fftcorr **c);

#endif /* SB_METRICS_FFTCORR_H */
