#!/bin/sh
# tests/include/test-public-headers.sh — every installed public header
# (include/sepbench/*.h, the list make installs: sepbenchinclude_HEADERS)
# compiles in one C file as C99 with -pedantic -Werror and in one C++ file
# as C++11 with -pedantic -Werror, each header alone and all together; and
# libsepbench.so exports the public C API only (every defined dynamic
# symbol is sepbench_*, and every function sepbench.h declares is there).
# C++ checks are skipped (not passed) without a C++ compiler.  Emits TAP.
set -u
srcdir=${SB_TOP_SRCDIR:?SB_TOP_SRCDIR must point to the source directory}
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-test-headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/../tap.sh"
cc=${CC:-cc}
cxx=${CXX:-g++}

headers=$(awk '/^sepbenchinclude_HEADERS/ {on = 1} on {print; if ($0 !~ /\\$/) on = 0}' "$srcdir/Makefile.am" |
  tr ' \\\t' '\n\n\n' | sed -n 's,^include/\(sepbench/.*\.h\)$,\1,p' | sort -u)
[ "$(echo "$headers" | wc -w)" -ge 4 ] && [ "$(ls "$srcdir"/include/sepbench/*.h | wc -l)" -eq "$(echo "$headers" | wc -w)" ]
ok $? "Makefile.am installs every header of include/sepbench: $(echo $headers)"

for h in $headers; do
  printf '#include "%s"\nint sb_test_unit(void);\nint sb_test_unit(void) { return 0; }\n' "$h" >"$tmp/one.c"
  $cc -std=c99 -pedantic -Werror -Wall -Wextra -I"$srcdir/include" -c "$tmp/one.c" -o "$tmp/one.o" 2>"$tmp/e"
  ok $? "$h alone: C99 -pedantic -Werror: $(head -c 300 "$tmp/e")"
done
{ for h in $headers; do echo "#include \"$h\""; done
  echo 'int main(void) { sb_msg m; sb_msg_clear(&m); return sb_strerror(SB_EIO)[0] == 0; }'; } >"$tmp/all.c"
$cc -std=c99 -pedantic -Werror -Wall -Wextra -I"$srcdir/include" -c "$tmp/all.c" -o "$tmp/all.o" 2>"$tmp/e"
ok $? "all public headers in one C file: C99 -pedantic -Werror: $(head -c 300 "$tmp/e")"
cp "$tmp/all.c" "$tmp/all.cpp"
if command -v "$cxx" >/dev/null 2>&1; then
  $cxx -std=c++11 -pedantic -Werror -Wall -Wextra -I"$srcdir/include" -c "$tmp/all.cpp" -o "$tmp/allxx.o" 2>"$tmp/e"
  ok $? "all public headers in one C++ file: C++11 -pedantic -Werror: $(head -c 300 "$tmp/e")"
  printf '#include "sepbench/sepbench.h"\nconst char *f(void) { return sepbench_version(); }\n' >"$tmp/link.cpp"
  $cxx -std=c++11 -c "$tmp/link.cpp" -I"$srcdir/include" -o "$tmp/link.o" && nm "$tmp/link.o" | grep -q ' U sepbench_version$'
  ok $? "C++ calls the C API with C linkage (unmangled sepbench_version)"
else
  n=$((n + 1)); echo "ok $n # SKIP no C++ compiler ($cxx)"
  n=$((n + 1)); echo "ok $n # SKIP no C++ compiler ($cxx)"
fi

so=$builddir/.libs/libsepbench.so
nm -D --defined-only "$so" >"$tmp/syms" 2>"$tmp/e" && [ -s "$tmp/syms" ]
ok $? "nm -D lists libsepbench.so's symbols: $(head -c 200 "$tmp/e")"
others=$(awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^sepbench_/ {print $3}' "$tmp/syms" | head -5)
[ -z "$others" ]
ok $? "libsepbench.so exports nothing but sepbench_* (first others: $(echo $others))"
missing=
for f in $(sed -n 's/^[a-z].*[ *]\(sepbench_[a-z_]*\)(.*/\1/p' "$srcdir/include/sepbench/sepbench.h"); do
  grep -q " T $f\$" "$tmp/syms" || missing="$missing $f"
done
[ -z "$missing" ] && grep -q ' T sepbench_evaluate$' "$tmp/syms"
ok $? "every function sepbench.h declares is exported (missing:$missing)"
tap_done
