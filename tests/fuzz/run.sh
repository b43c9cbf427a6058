#!/bin/sh
# tests/fuzz/run.sh SECONDS [TARGET...] — builds sepbench's libFuzzer
# targets (tests/fuzz/fuzz.h) with clang and runs each for SECONDS.
#
# The library is configured and built in its own folder, tests/fuzz/build/lib
# (CC=clang, -fsanitize=fuzzer-no-link,address,undefined, static, no OpenMP),
# so the gcc build trees are never touched; the fuzzers are linked in
# tests/fuzz/build.  Each target starts from its committed seeds
# (tests/fuzz/corpus/NAME/) and its dictionary (tests/fuzz/dict/NAME.dict),
# and keeps what it finds in tests/fuzz/build/corpus/NAME/, so later runs go
# on from there.  A crashing input is written to
# tests/fuzz/build/artifacts/NAME/; copy it to tests/fuzz/crashers/NAME/ once
# fixed, so make check replays it (tests/fuzz/test-replay).
#
# Prints one line per target (executions, coverage, corpus size) and ends
# with "fuzz: N targets, E execs, C crashes".  Exits 1 when any target
# crashed, broke a contract, leaked, timed out (> 10 s on one input) or ran
# out of memory (> 2 GB), 2 when the build fails.
#
# Environment: JOBS (parallel make jobs, default 2), CC_FUZZ (default
# clang), SB_FUZZ_BUILD (build folder, default tests/fuzz/build).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case "${1:-}" in
'' | *[!0-9]*)
  echo "usage: tests/fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
  ;;
esac
seconds=$1
shift
build=${SB_FUZZ_BUILD:-$here/build}
cc=${CC_FUZZ:-clang}
jobs=${JOBS:-2}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 $san"
all_targets="json museval csv manifest-json manifest-csv ini suites command midi npy estimates audio stem-mp4"
targets=${*:-$all_targets}

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 2
}

command -v "$cc" >/dev/null 2>&1 || die "$cc not found (install clang and libclang-rt-14-dev)"

# ---- the library, instrumented ---------------------------------------------
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi) || die "autoreconf failed"
mkdir -p "$build/lib" || die "cannot create $build/lib"
if [ ! -f "$build/lib/Makefile" ]; then
  say "configuring $build/lib with $cc"
  (cd "$build/lib" && "$top/configure" CC="$cc" CFLAGS="$cflags -fsanitize=fuzzer-no-link" \
    --disable-openmp --enable-static --disable-shared >configure.log 2>&1) ||
    die "configure failed: see $build/lib/configure.log"
fi
# A Makefile.am or configure.ac newer than the folder's Makefile is
# regenerated first, so that what it prints stays out of make_var's output.
make -C "$build/lib" Makefile >"$build/lib/regen.log" 2>&1 || die "regenerating $build/lib/Makefile failed: see $build/lib/regen.log"
# The flags the library was built with, from its Makefile.
make_var() {
  printf 'fuzz-print:\n\t@echo $(%s)\n' "$1" | make -s -C "$build/lib" -f Makefile -f - fuzz-print
}
# (the generated sources first: make builds them before 'all', not before
# one library named alone)
# shellcheck disable=SC2046
make -C "$build/lib" -j"$jobs" $(make_var BUILT_SOURCES) libsepbench.la >"$build/lib/make.log" 2>&1 ||
  die "building the library failed: see $build/lib/make.log"
cppflags="-DHAVE_CONFIG_H -I$build/lib $(make_var AM_CPPFLAGS)"
libs="$build/lib/.libs/libsepbench.a $(make_var dep_libs) $(make_var LIBS) -lm"

# ---- the fuzzers -----------------------------------------------------------
objs=
for src in "$here"/fuzz.c "$here"/fuzz-*.c; do
  obj="$build/$(basename "$src" .c).o"
  # shellcheck disable=SC2086
  $cc $cflags -fsanitize=fuzzer-no-link $cppflags -c "$src" -o "$obj" || die "cannot compile $src"
  objs="$objs $obj"
done
for name in $targets; do
  entry=fuzz_$(printf '%s' "$name" | tr - _)
  # shellcheck disable=SC2086
  $cc $cflags -fsanitize=fuzzer $cppflags -DFUZZ_ENTRY="$entry" "$here/libfuzzer.c" $objs $libs \
    -o "$build/fuzz-$name" || die "cannot link fuzz-$name"
done

# ---- the runs --------------------------------------------------------------
n_targets=0
total_execs=0
crashes=0
for name in $targets; do
  work="$build/corpus/$name"
  artifacts="$build/artifacts/$name/"
  log="$build/fuzz-$name.log"
  mkdir -p "$work" "$artifacts"
  set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts"
  [ -f "$here/dict/$name.dict" ] && set -- "$@" -dict="$here/dict/$name.dict"
  case $name in
  audio | stem-mp4 | midi | npy) set -- "$@" -max_len=16384 ;;
  *) set -- "$@" -max_len=4096 ;;
  esac
  # FFmpeg prints its own complaints about damaged files; libFuzzer keeps
  # its reports on a copy of stderr.
  [ "$name" = stem-mp4 ] && set -- "$@" -close_fd_mask=2
  rm -rf "$build/tmp" && mkdir -p "$build/tmp"
  (cd "$build" && TMPDIR="$build/tmp" "./fuzz-$name" "$@" "$work" "$here/corpus/$name") >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')
  units=$(find "$work" -type f | wc -l)
  n_targets=$((n_targets + 1))
  total_execs=$((total_execs + ${execs:-0}))
  if [ "$status" -ne 0 ]; then
    crashes=$((crashes + 1))
    say "$name: FAILED (exit $status) after ${execs:-?} execs; log: $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: contract|artifact_prefix|Test unit written|.*runtime error)' "$log" |
      head -n 8 >&2
    say "reproduce: $build/fuzz-$name $artifacts<file>; keep it: tests/fuzz/crashers/$name/"
  else
    say "$name: ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, corpus $units"
  fi
done
echo "fuzz: $n_targets targets, $total_execs execs, $crashes crashes"
[ "$crashes" -eq 0 ]
