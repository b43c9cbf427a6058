#!/bin/sh
# tests/include/test-metric-header.sh — include/sepbench/metric.h, the
# metric plugin ABI, is a public header: it compiles alone as C99 with
# -pedantic -Werror, and as C++ (g++ -Werror), where a plugin defining
# sepbench_metric_v1 gets C linkage from the header's declaration (the
# object exports the unmangled symbol).  C++ is compiled without -pedantic:
# sepbench/error.h still has C99 array designators, which g++ accepts as an
# extension.  The C++ checks are skipped (not passed) when no C++ compiler
# is found.  Emits TAP.
set -u
srcdir=${SB_TOP_SRCDIR:?SB_TOP_SRCDIR must point to the source directory}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-test-header.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/../tap.sh"
cc=${CC:-cc}
cxx=${CXX:-g++}

cat >"$tmp/plugin.c" <<'C'
#include "sepbench/metric.h"
static const char *const names[] = {"X"};
static sb_err c(void **s, const char *o, char *e, size_t n) { (void)o; (void)e; (void)n; *s = 0; return SB_OK; }
static sb_err m(void *s, const sb_metric_job *j) { (void)s; j->target_values[0] = 1.0; return SB_OK; }
static void d(void *s) { (void)s; }
static const sb_metric_api api = {SB_METRIC_ABI_VERSION, "x", "1", "a test", 1, names, 0, 0, c, m, d};
const sb_metric_api *sepbench_metric_v1(void) { return &api; }
C
$cc -std=c99 -pedantic -Werror -Wall -Wextra -I"$srcdir/include" -c "$tmp/plugin.c" -o "$tmp/c.o" 2>"$tmp/c.err"
ok $? "a C99 plugin compiles with -pedantic -Werror -Wall -Wextra: $(head -c 300 "$tmp/c.err")"
cp "$tmp/plugin.c" "$tmp/plugin.cpp"
if command -v "$cxx" >/dev/null 2>&1; then
  $cxx -std=c++11 -Werror -Wall -Wextra -I"$srcdir/include" -c "$tmp/plugin.cpp" -o "$tmp/cxx.o" 2>"$tmp/cxx.err"
  ok $? "the same plugin compiles as C++11 with -Werror -Wall -Wextra: $(head -c 300 "$tmp/cxx.err")"
  nm "$tmp/cxx.o" 2>/dev/null | grep -q " T sepbench_metric_v1$"
  ok $? "the C++ object exports sepbench_metric_v1 unmangled (C linkage from the header)"
else
  tap_skip_line() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
  tap_skip_line "no C++ compiler ($cxx): the header is not compiled as C++"
  tap_skip_line "no C++ compiler: the linkage is not checked"
fi
tap_done
