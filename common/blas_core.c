/*
 * common/blas_core.c — OpenBLAS kernels for CPUs that Debian 12's OpenBLAS
 * does not recognise; see common/blas_core.h.  The override mirrors
 * OpenBLAS's own OPENBLAS_CORETYPE mechanism (driver/others/dynamic.c,
 * force_coretype); feature tests use GCC's __builtin_cpu_supports, which
 * also checks that the OS saves the AVX / AVX-512 register state.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "common/blas_core.h"

sb_err sb_blas_cpu_features(unsigned *features)
{
  if (!features)
    return SB_EINVAL;
  *features = 0;
#if defined(__GNUC__) && defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    *features |= SB_CPU_AVX2_FMA;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    *features |= SB_CPU_AVX512;
#endif
  return SB_OK;
}

sb_err sb_blas_core_pick(const char *detected, unsigned features, const char **core)
{
  if (!core)
    return SB_EINVAL;
  *core = NULL;
  /* A true Prescott-class CPU has neither feature, so only the fallback of
   * an unrecognised model is overridden. */
  if (!detected || strcmp(detected, "Prescott") != 0)
    return SB_OK;
  if ((features & SB_CPU_AVX512) && (features & SB_CPU_AVX2_FMA))
    *core = "SkylakeX";
  else if (features & SB_CPU_AVX2_FMA)
    *core = "Haswell";
  return SB_OK;
}

sb_err sb_blas_core_reexec(char *const *argv)
{
  sb_err err;
  unsigned features = 0;
  const char *core = NULL, *detected = NULL;

  if (!argv || !argv[0])
    return SB_EINVAL;
  if (getenv("OPENBLAS_CORETYPE"))
    return SB_OK;
  if ((err = sb_blas_cpu_features(&features)) || (err = sb_blas_core_name(&detected)) ||
      (err = sb_blas_core_pick(detected, features, &core)))
    return err;
  if (!core)
    return SB_OK;
  if (setenv("OPENBLAS_CORETYPE", core, 1) != 0)
    return SB_EIO;
  execv("/proc/self/exe", argv);
  unsetenv("OPENBLAS_CORETYPE");
  return SB_EIO;
}

sb_err sb_blas_core_name(const char **name)
{
  if (!name)
    return SB_EINVAL;
  *name = openblas_get_corename();
  if (!*name)
    *name = "unknown";
  return SB_OK;
}
