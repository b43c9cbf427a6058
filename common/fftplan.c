/*
 * common/fftplan.c — FFTW plans made and destroyed under one lock; see
 * common/fftplan.h.
 */
#include <config.h>

#include "common/fftplan.h"

/* The r2c (inverse = 0) or c2r plan of n points under the planner lock. */
static fftw_plan make_plan(int n, double *real, fftw_complex *bins, unsigned flags, int inverse)
{
  fftw_plan plan = NULL;
  if (n < 1)
    return NULL;
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
  plan = inverse ? fftw_plan_dft_c2r_1d(n, bins, real, flags) : fftw_plan_dft_r2c_1d(n, real, bins, flags);
  return plan;
}

fftw_plan sb_fftplan_r2c(int n, double *in, fftw_complex *out, unsigned flags)
{
  return make_plan(n, in, out, flags, 0);
}

fftw_plan sb_fftplan_c2r(int n, fftw_complex *in, double *out, unsigned flags)
{
  return make_plan(n, out, in, flags, 1);
}

void sb_fftplan_destroy(fftw_plan *plan)
{
  if (!plan || !*plan)
    return;
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
  fftw_destroy_plan(*plan);
  *plan = NULL;
}
