/*
 * common/blas_core.h — OpenBLAS kernels for CPUs that Debian 12's OpenBLAS
 * does not recognise.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's libopenblas0-pthread) picks
 * its kernels from the CPU model once, when the library is loaded.
 * OpenBLAS 0.3.21 (Debian 12) does not know Intel models released after it
 * (Sapphire Rapids, family 6 model 143; Emerald Rapids, model 207) and
 * falls back to its generic "Prescott" (SSE3) kernels, although such CPUs
 * run AVX-512.  On this project's 2-core Emerald Rapids machine the
 * Prescott kernels make the PS/PM manifold math (Gram matrices, Householder
 * tridiagonalisation, dormtr) 1.7x slower than the SkylakeX ones.  The
 * choice can only be changed through the OPENBLAS_CORETYPE environment
 * variable before the library loads, so the sepbench command (and the
 * benchmarks) re-execute themselves once with it set.  A user's own
 * OPENBLAS_CORETYPE is always respected (set it to Prescott to keep
 * Debian's choice).  Child processes (cmd: backends, embedders) inherit
 * the variable.
 *
 * Results can differ in the last bits between kernels (different
 * summation orders), as they do between machines; every reference
 * tolerance holds with either.
 *
 * Workload: once per process start.  Not thread-safe (setenv, exec): call
 * it first in main(), before the program starts threads of its own (an
 * exec ends OpenBLAS's idle worker threads with the old image).
 */
#ifndef SB_COMMON_BLAS_CORE_H
#define SB_COMMON_BLAS_CORE_H

#include "sepbench/error.h"

/* CPU features that decide the kernels. */
enum {
  SB_CPU_AVX2_FMA = 1u << 0,  /* AVX2 and FMA3 (OpenBLAS's Haswell kernels) */
  SB_CPU_AVX512 = 1u << 1     /* AVX-512 F, CD, BW, DQ and VL, usable by the OS (SkylakeX) */
};

/* Features of the running CPU (SB_CPU_* bits, 0 off x86-64) into *features.
 * SB_EINVAL (NULL). */
sb_err sb_blas_cpu_features(unsigned *features);

/* The OpenBLAS core to force for a library that detected `detected` (its
 * openblas_get_corename()) on a CPU with `features`: "SkylakeX" or
 * "Haswell" when OpenBLAS fell back to "Prescott" on a CPU that runs
 * AVX-512 or AVX2 + FMA, else NULL (keep the detected core).  *core points
 * to a static string.  SB_EINVAL (NULL core). */
sb_err sb_blas_core_pick(const char *detected, unsigned features, const char **core);

/* Re-executes the running program (/proc/self/exe, same argv and
 * environment plus OPENBLAS_CORETYPE) when sb_blas_core_pick chooses a core
 * and OPENBLAS_CORETYPE is unset; does not return then.  Returns SB_OK when
 * nothing needs doing, SB_EIO when the exec failed (the program goes on
 * with the detected kernels; OPENBLAS_CORETYPE is unset again), SB_EINVAL
 * (NULL argv). */
sb_err sb_blas_core_reexec(char *const *argv);

/* The kernels in use: openblas_get_corename() ("Prescott", "SkylakeX",
 * ...) into *name (static string).  SB_EINVAL (NULL). */
sb_err sb_blas_core_name(const char **name);

#endif /* SB_COMMON_BLAS_CORE_H */
