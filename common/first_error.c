/*
 * common/first_error.c — the first error of a parallel region; see
 * common/first_error.h.
 */
#include <config.h>

#include "common/first_error.h"

void sb_first_error_keep(sb_err *kept, sb_err err)
{
  if (err == SB_OK)
    return;
#ifdef _OPENMP
#pragma omp critical(sb_first_error)
#endif
  if (*kept == SB_OK)
    *kept = err;
}

void sb_first_error_keep_at(sb_err *kept, size_t *kept_at, sb_err err, size_t index)
{
  if (err == SB_OK)
    return;
#ifdef _OPENMP
#pragma omp critical(sb_first_error)
#endif
  if (index < *kept_at) {
    *kept_at = index;
    *kept = err;
  }
}
