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
#include <stdio.h>
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

static inline int tap_done(void)
{
  if (tap_count_ == 0) {
    printf("not ok 1 - the test program ran no check\n1..1\n");
    return 1;
  }
  printf("1..%d\n", tap_count_);
  return tap_failed_ ? 1 : 0;
}

#endif /* SB_TESTS_TAP_H */
