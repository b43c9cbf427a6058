/*
 * common/vectorize.h — the two vectorisation macros the numeric kernels
 * share (no functions; included by .c files only).
 *
 * SB_SIMD    before a loop: "#pragma omp simd" under OpenMP (the loop's
 *            iterations are independent), nothing otherwise.
 * SB_CLONES  before a function: GCC function multiversioning on x86-64
 *            Linux, one clone each for baseline x86-64, x86-64-v3 (AVX2,
 *            FMA) and x86-64-v4 (AVX-512), picked once at load time by the
 *            CPU (ifunc); nothing elsewhere.  One level only with
 *            configure --with-simd=baseline|x86-64-v3|x86-64-v4.  Every clone computes the same
 *            operations in the same order (no -ffast-math), so results do
 *            not depend on the clone beyond what FMA contraction allows;
 *            the reference tolerances hold for each.
 */
#ifndef SB_COMMON_VECTORIZE_H
#define SB_COMMON_VECTORIZE_H

#ifdef _OPENMP
#define SB_SIMD _Pragma("omp simd")
#else
#define SB_SIMD
#endif

/* The clone level: SB_SIMD_LEVEL from configure (--with-simd: 0 = the
 * three clones, 1 = baseline x86-64 only, 3 = x86-64-v3 only, 4 =
 * x86-64-v4 only), unless SB_SIMD_FORCE (the tests' per-level builds of
 * metrics/, tests/metrics/test-simd-levels.sh) says otherwise. */
#if defined(SB_SIMD_FORCE)
#define SB_SIMD_AT SB_SIMD_FORCE
#elif defined(SB_SIMD_LEVEL)
#define SB_SIMD_AT SB_SIMD_LEVEL
#else
#define SB_SIMD_AT 0
#endif

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
#if SB_SIMD_AT == 0
#define SB_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#elif SB_SIMD_AT == 3
#define SB_CLONES __attribute__((target("arch=x86-64-v3")))
#elif SB_SIMD_AT == 4
#define SB_CLONES __attribute__((target("arch=x86-64-v4")))
#else
#define SB_CLONES
#endif
#else
#define SB_CLONES
#endif

#endif /* SB_COMMON_VECTORIZE_H */
