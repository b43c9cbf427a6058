/*
 * tests/common/test-blas-core.c — the OpenBLAS kernel override of
 * common/blas_core.h: the choice for each detected core and CPU, the CPU
 * features against /proc/cpuinfo's flags (read here independently), and
 * that the re-execution is skipped when OPENBLAS_CORETYPE is already set
 * (this process goes on) or argv is missing.  The end-to-end re-execution
 * of the sepbench command is checked by tests/cli/test-cli-run.sh.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "common/blas_core.h"

static int same(const char *a, const char *b)
{
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_pick(void)
{
  const unsigned both = SB_CPU_AVX2_FMA | SB_CPU_AVX512;
  const struct {
    const char *detected;
    unsigned features;
    const char *want;
  } cases[] = {
    {"Prescott", both, "SkylakeX"},       /* Sapphire/Emerald Rapids on 0.3.21 */
    {"Prescott", SB_CPU_AVX2_FMA, "Haswell"},
    {"Prescott", SB_CPU_AVX512, NULL},    /* AVX-512 without AVX2 + FMA: no such kernels */
    {"Prescott", 0, NULL},                /* a real SSE3-class CPU */
    {"Haswell", both, NULL},              /* a recognised model is never overridden */
    {"SkylakeX", both, NULL},
    {"Zen", SB_CPU_AVX2_FMA, NULL},
    {"prescott", both, NULL},             /* the name is compared exactly */
    {NULL, both, NULL},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const char *core = "unset";
    sb_err err = sb_blas_core_pick(cases[c].detected, cases[c].features, &core);
    tap_ok(err == SB_OK && same(core, cases[c].want), "pick(%s, 0x%x) = %s (want %s)",
           cases[c].detected ? cases[c].detected : "NULL", cases[c].features,
           core ? core : "NULL", cases[c].want ? cases[c].want : "NULL");
  }
  tap_ok(sb_blas_core_pick("Prescott", both, NULL) == SB_EINVAL, "pick with NULL out -> EINVAL");
}

/* 1 if /proc/cpuinfo's first flags line lists every flag in names. */
static int cpuinfo_has(const char *const *names, size_t n_names, int *readable)
{
  static char line[16384];
  FILE *f = fopen("/proc/cpuinfo", "r");
  int found = 0;
  *readable = 0;
  if (!f)
    return 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "flags", 5) == 0) {
      *readable = 1;
      found = 1;
      for (size_t i = 0; i < n_names; i++) {
        char word[64];
        snprintf(word, sizeof word, " %s", names[i]);
        const char *at = strstr(line, word);
        size_t len = strlen(word);
        if (!at || (at[len] != ' ' && at[len] != '\n'))
          found = 0;
      }
      break;
    }
  fclose(f);
  return found;
}

static void check_features(void)
{
  const char *const avx2[] = {"avx2", "fma"};
  const char *const avx512[] = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"};
  unsigned features = ~0u;
  int readable = 0, has2, has512;
  tap_ok(sb_blas_cpu_features(NULL) == SB_EINVAL, "features with NULL out -> EINVAL");
  tap_ok(sb_blas_cpu_features(&features) == SB_OK, "features read");
  has2 = cpuinfo_has(avx2, 2, &readable);
  has512 = cpuinfo_has(avx512, 5, &readable);
  if (!tap_ok(readable, "/proc/cpuinfo has a flags line"))
    return;
  /* The kernel lists a flag only when it enables the register state. */
  tap_ok(!!(features & SB_CPU_AVX2_FMA) == has2, "AVX2 + FMA: %d, /proc/cpuinfo says %d",
         !!(features & SB_CPU_AVX2_FMA), has2);
  tap_ok(!!(features & SB_CPU_AVX512) == has512, "AVX-512 F/CD/BW/DQ/VL: %d, /proc/cpuinfo says %d",
         !!(features & SB_CPU_AVX512), has512);
}

static void check_reexec_skipped(char **argv)
{
  const char *name = NULL;
  char *no_argv[1] = {NULL};
  sb_err err;
  tap_ok(sb_blas_core_reexec(NULL) == SB_EINVAL && sb_blas_core_reexec(no_argv) == SB_EINVAL,
         "re-exec without argv -> EINVAL");
  tap_ok(setenv("OPENBLAS_CORETYPE", "Prescott", 1) == 0 && sb_blas_core_reexec(argv) == SB_OK,
         "OPENBLAS_CORETYPE set: no re-execution, this process goes on");
  tap_ok(strcmp(getenv("OPENBLAS_CORETYPE"), "Prescott") == 0,
         "the user's OPENBLAS_CORETYPE is left as it was");
  err = sb_blas_core_name(&name);
  tap_ok(sb_blas_core_name(NULL) == SB_EINVAL, "name with NULL out -> EINVAL");
  tap_ok(err == SB_OK && name && *name, "kernels in use: %s", name ? name : "NULL");
}

int main(int argc, char **argv)
{
  (void)argc;
  check_pick();
  check_features();
  check_reexec_skipped(argv);
  return tap_done();
}
