/*
 * common/fftplan.c — FFTW plans made and destroyed under one lock; see
 * common/fftplan.h.
 */
#include <config.h>

#include "common/fftplan.h"

fftw_plan sb_fftplan_r2c(int n, double *in, fftw_complex *out, unsigned flags)
{
  fftw_plan plan = NULL;
  if (n < 1)
    return NULL;
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
  plan = fftw_plan_dft_r2c_1d(n, in, out, flags);
  return plan;
}

fftw_plan sb_fftplan_c2r(int n, fftw_complex *in, double *out, unsigned flags)
{
  fftw_plan plan = NULL;
  if (n < 1)
    return NULL;
#ifdef _OPENMP
#pragma omp critical(sb_fftw_plan)
#endif
  plan = fftw_plan_dft_c2r_1d(n, in, out, flags);
  return plan;
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
