/*
 * common/fftplan.h — the one place FFTW plans are made and destroyed.
 *
 * FFTW's planner (fftw_plan_*, fftw_destroy_plan) is not thread-safe; only
 * fftw_execute* on an existing plan may run concurrently (FFTW 3 manual,
 * section 5.4 "Thread safety").  Every plan of sepbench is therefore made
 * and destroyed here, under one OpenMP critical section named
 * sb_fftw_plan, while execution stays lock-free in the callers.  The flags
 * are the caller's (FFTW_ESTIMATE, optionally FFTW_UNALIGNED), passed
 * through unchanged: an FFTW_ESTIMATE plan depends only on the size, the
 * flags and the alignment of the arrays it is made with, so the plans —
 * and every value computed with them — are the same as when each caller
 * held the lock itself.  FFTW_ESTIMATE never touches the arrays' contents.
 *
 * Workload: a few plans per metric object or per distortion bank
 * (sizes 320 to ~2^20 points), made once and executed many times.
 * Thread-safety: every function may be called from any thread at once.
 */
#ifndef SB_COMMON_FFTPLAN_H
#define SB_COMMON_FFTPLAN_H

#include <fftw3.h>

/* A 1-D real-to-complex plan of n points (n / 2 + 1 bins) from in to out,
 * made under the planner lock; NULL when FFTW cannot make it (n < 1, out
 * of memory).  The plan may then be executed on other arrays of the same
 * alignment (fftw_execute_dft_r2c), from any thread. */
fftw_plan sb_fftplan_r2c(int n, double *in, fftw_complex *out, unsigned flags);

/* The complex-to-real (inverse, unnormalised) plan of n points; as above.
 * Executing it overwrites its input (FFTW's c2r rule). */
fftw_plan sb_fftplan_c2r(int n, fftw_complex *in, double *out, unsigned flags);

/* Destroys *plan under the planner lock and sets it to NULL; NULL and
 * *plan == NULL are no-ops. */
void sb_fftplan_destroy(fftw_plan *plan);

#endif /* SB_COMMON_FFTPLAN_H */
