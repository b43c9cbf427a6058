/*
 * tests/tap.h — a minimal Test Anything Protocol emitter for the test
 * programs run by automake's tap-driver.sh.  Every check prints one
 * "ok N - description" or "not ok N - description" line; tap_done()
 * prints the plan and returns the exit status (non-zero when any check
 * failed), so a test that asserts nothing fails as well ("no tests run").
 */
#ifndef SB_TESTS_TAP_H
#define SB_TESTS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count_;
static int tap_failed_;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int tap_ok(int cond, const char *fmt, ...)
{
  va_list ap;
  tap_count_++;
  if (!cond)
    tap_failed_++;
  printf("%s %d - ", cond ? "ok" : "not ok", tap_count_);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  return cond;
}

/* Prints a diagnostic (ignored by the TAP parser, shown in the log); every
 * line of a multi-line text gets its own "# " so it cannot be read as a
 * test result. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline void tap_diag(const char *fmt, ...)
{
  char text[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    int len = end ? (int)(end - line) : (int)strlen(line);
    printf("# %.*s\n", len, line);
    line += len + (end != NULL);
  }
}

/* |got - want| <= tol, with NaN == NaN and inf == inf of the same sign. */
static inline int tap_close(double got, double want, double tol)
{
  if (isnan(want) || isnan(got))
    return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got))
    return got == want;
  return fabs(got - want) <= tol;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static inline int tap_near(double got, double want, double tol, const char *fmt, ...)
{
  char what[512];
  va_list ap;
  int cond = tap_close(got, want, tol);
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (!cond)
    tap_diag("%s: got %.17g, want %.17g (tol %g)", what, got, want, tol);
  return tap_ok(cond, "%s", what);
}

/* A check that does not apply here (a CPU feature, an optional package):
 * "ok N # SKIP reason", counted as skipped, never as passed. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline void tap_skip(const char *fmt, ...)
{
  va_list ap;
  tap_count_++;
  printf("ok %d # SKIP ", tap_count_);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* ---- seeds ---------------------------------------------------------------
 * Tests draw their random fixtures from a seed: dflt, unless the environment
 * sets SB_TEST_SEED (decimal) to replay or vary it.  The seed in use is
 * printed.  Pins (below) hold only for the default seeds: once any seed is
 * overridden they are skipped. */
static int tap_seed_overridden_;

static inline uint64_t tap_seed(uint64_t dflt)
{
  const char *env = getenv("SB_TEST_SEED");
  uint64_t seed = dflt;
  if (env && *env) {
    char *end;
    unsigned long long v = strtoull(env, &end, 10);
    if (*end == '\0' && v != dflt) {
      seed = (uint64_t)v;
      tap_seed_overridden_ = 1;
    }
  }
  printf("# seed %llu (replay: SB_TEST_SEED=%llu)\n", (unsigned long long)seed,
         (unsigned long long)seed);
  return seed;
}

/* ---- regression pins -------------------------------------------------------
 * The second tier of a numeric test: a value of this implementation captured
 * once (not a reference), looked up by name in the program's pin file,
 * tests/<folder>/<program>.pins under $SB_TOP_SRCDIR (lines "name<TAB>value<TAB>
 * tolerance<TAB>note"; '#' starts a comment line).  The tolerance is set from
 * the spread measured across OpenBLAS kernels, SIMD clone levels and builds
 * (tests/bench/pin-spread.sh) and the note says what was measured.  Every
 * lookup prints "# pin <program>:<name> = <value>" for that script. */
#define TAP_PINS_MAX 1024
typedef struct tap_pin_entry {
  char name[200];
  double value, tol;
  int used;
} tap_pin_entry;
static tap_pin_entry tap_pins_[TAP_PINS_MAX];
static int tap_n_pins_ = -1;
static char tap_pins_file_[512], tap_pins_prog_[128];

/* Loads tests/<rel> (e.g. "metrics/test-evaluate.pins"); a missing or
 * malformed file, or a name given twice, is a failed check. */
static inline int tap_pins_load(const char *rel)
{
  const char *top = getenv("SB_TOP_SRCDIR");
  char line[1024];
  const char *base = strrchr(rel, '/');
  FILE *f;
  int bad = 0;
  tap_n_pins_ = 0;
  snprintf(tap_pins_file_, sizeof tap_pins_file_, "%s/tests/%s", top ? top : ".", rel);
  snprintf(tap_pins_prog_, sizeof tap_pins_prog_, "%.*s", (int)strcspn(base ? base + 1 : rel, "."),
           base ? base + 1 : rel);
  if (!(f = fopen(tap_pins_file_, "r")))
    return tap_ok(0, "pin file %s can be read", tap_pins_file_);
  while (fgets(line, sizeof line, f)) {
    char *tab1 = strchr(line, '\t'), *tab2, *end;
    tap_pin_entry *e = &tap_pins_[tap_n_pins_];
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (!tab1 || !(tab2 = strchr(tab1 + 1, '\t')) || tap_n_pins_ == TAP_PINS_MAX ||
        tab1 - line >= (long)sizeof e->name) {
      bad++;
      continue;
    }
    snprintf(e->name, sizeof e->name, "%.*s", (int)(tab1 - line), line);
    e->value = strtod(tab1 + 1, &end);
    e->tol = strtod(tab2 + 1, &end);
    for (int i = 0; i < tap_n_pins_; i++)
      bad += strcmp(tap_pins_[i].name, e->name) == 0;
    tap_n_pins_++;
  }
  fclose(f);
  return tap_ok(bad == 0 && tap_n_pins_ > 0, "pin file %s: %d pins, %d malformed or repeated lines",
                tap_pins_file_, tap_n_pins_, bad);
}

/* Checks got against the pin called name (printf-style) within its
 * tolerance; NaN equals NaN, an infinity only itself. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int tap_pin(double got, const char *fmt, ...)
{
  char name[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  printf("# pin %s:%s = %.17g\n", tap_pins_prog_, name, got);
  if (tap_seed_overridden_) {
    tap_skip("%s: regression pin (seed overridden)", name);
    return 1;
  }
  for (int i = 0; i < tap_n_pins_; i++)
    if (strcmp(tap_pins_[i].name, name) == 0) {
      tap_pins_[i].used = 1;
      return tap_near(got, tap_pins_[i].value, tap_pins_[i].tol, "%s: regression pin", name);
    }
  return tap_ok(0, "%s: regression pin (not in %s)", name, tap_pins_file_);
}

static inline int tap_done(void)
{
  if (tap_n_pins_ > 0 && !tap_seed_overridden_)
    for (int i = 0; i < tap_n_pins_; i++)
      if (!tap_pins_[i].used)
        tap_diag("pin '%s' of %s was not checked", tap_pins_[i].name, tap_pins_file_);
  if (tap_count_ == 0) {
    printf("not ok 1 - the test program ran no check\n1..1\n");
    return 1;
  }
  printf("1..%d\n", tap_count_);
  return tap_failed_ ? 1 : 0;
}

#endif /* SB_TESTS_TAP_H */
