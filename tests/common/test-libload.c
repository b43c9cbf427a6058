/*
 * tests/common/test-libload.c — common/libload.c: a system library
 * (glibc's libm.so.6, present wherever sepbench builds) loaded by soname
 * fills the table and its functions compute; a nonexistent soname and a
 * missing function fail with SB_EUNSUPPORTED and a one-line message naming
 * the library (and the function); NULL arguments are refused.
 */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include "common/libload.h"
#include "tap.h"

typedef struct mathlib {
  double (*cos)(double x);
  double (*sqrt)(double x);
} mathlib;

static int starts_with(const char *text, const char *prefix)
{
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

int main(void)
{
  const sb_libload_fn fns[] = {{"cos", offsetof(mathlib, cos)}, {"sqrt", offsetof(mathlib, sqrt)}};
  const sb_libload_fn missing[] = {{"cos", offsetof(mathlib, cos)}, {"sb_no_such_function", offsetof(mathlib, sqrt)}};
  mathlib m = {0};
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_libload("libm.so.6", fns, 2, &m, &msg);
  tap_ok(err == SB_OK && m.cos && m.sqrt, "libm.so.6 loads, cos and sqrt resolved (%s)", msg.text);
  if (m.cos && m.sqrt)
    tap_ok(m.cos(0.0) == 1.0 && m.sqrt(6.25) == 2.5, "the resolved functions compute: cos(0) = %g, sqrt(6.25) = %g",
           m.cos(0.0), m.sqrt(6.25));

  err = sb_libload("libsepbench-no-such-library.so.0", fns, 2, &m, &msg);
  tap_ok(err == SB_EUNSUPPORTED && starts_with(msg.text, "libsepbench-no-such-library.so.0 cannot be loaded: ") &&
             strlen(msg.text) > strlen("libsepbench-no-such-library.so.0 cannot be loaded: ") && !strchr(msg.text, '\n'),
         "nonexistent soname: SB_EUNSUPPORTED, one line with the loader's reason (%s)", msg.text);

  err = sb_libload("libm.so.6", missing, 2, &m, &msg);
  tap_ok(err == SB_EUNSUPPORTED && starts_with(msg.text, "libm.so.6 has no function sb_no_such_function: "),
         "missing function: SB_EUNSUPPORTED naming the library and the function (%s)", msg.text);

  tap_ok(sb_libload(NULL, fns, 2, &m, &msg) == SB_EINVAL, "NULL soname: SB_EINVAL (%s)", msg.text);
  tap_ok(sb_libload("", fns, 2, &m, &msg) == SB_EINVAL, "empty soname: SB_EINVAL");
  tap_ok(sb_libload("libm.so.6", NULL, 2, &m, &msg) == SB_EINVAL, "NULL functions: SB_EINVAL");
  tap_ok(sb_libload("libm.so.6", fns, 2, NULL, &msg) == SB_EINVAL, "NULL table: SB_EINVAL");
  tap_ok(sb_libload("libsepbench-no-such-library.so.0", fns, 2, &m, NULL) == SB_EUNSUPPORTED,
         "a NULL msg is accepted");
  return tap_done();
}
