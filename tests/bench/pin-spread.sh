#!/bin/sh
# tests/bench/pin-spread.sh — measures how far each regression pin moves
# between the machines users have, and (with --update) sets each pin's
# tolerance from that spread.  A by-hand measurement beside the benchmarks,
# not a test: it sets OPENBLAS_CORETYPE and GLIBC_TUNABLES, which tests and
# CI never do.
#
#   tests/bench/pin-spread.sh [--update] BUILDDIR...
#
# Each BUILDDIR is a configured and built tree (make check TESTS= builds the
# test programs), e.g. the default build (SIMD clones: this CPU's level),
# one configured --with-simd=baseline, one --with-simd=x86-64-v3, and one
# --enable-sanitizers.  In each, every test program that has a pin file
# (tests/*/*.pins) runs under every OpenBLAS kernel set this CPU can run
# (Prescott, Sandybridge, Haswell, SkylakeX; SB_PIN_KERNELS overrides), once
# more with glibc's libm variants of a CPU without AVX/FMA
# (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,...), and the "# pin" lines
# they print are collected.  The report gives per pin the spread (max - min
# over every run), the pinned value's distance and the tolerance in use, and
# flags a tolerance below the spread.  --update rewrites the tolerance column
# of the pin files as max(10 x spread, 1e-13 x max(1, |value|)) (spread here
# includes the pinned value) and the note column with what was measured; the
# pinned values are never changed.  SB_PIN_DATA=FILE keeps every value read;
# SB_PIN_TESTS="tests/metrics/test-evaluate ..." measures those programs only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
[ $# -ge 1 ] || { echo "usage: $0 [--update] BUILDDIR..." >&2; exit 2; }
refv=${SB_REFVECTORS:-$top/../shared/refvectors}
flags=$(grep -m1 '^flags' /proc/cpuinfo)
kernels=${SB_PIN_KERNELS:-"Prescott Sandybridge"}
case "$flags" in *" avx2"*) [ -n "${SB_PIN_KERNELS:-}" ] || kernels="$kernels Haswell" ;; esac
case "$flags" in *" avx512f"*) [ -n "${SB_PIN_KERNELS:-}" ] || kernels="$kernels SkylakeX" ;; esac
nolibm="glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-FMA4,-AVX512F"
pin_files=
for t in ${SB_PIN_TESTS:-$(cd "$top" && ls tests/*/*.pins | sed 's/\.pins$//')}; do
  [ -f "$top/$t.pins" ] || { echo "pin-spread: $top/$t.pins: no such pin file" >&2; exit 2; }
  pin_files="$pin_files $top/$t.pins"
done
out=$(mktemp -d "${TMPDIR:-/tmp}/sb-pin-spread-XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
runs=0
for b in "$@"; do
  b=$(cd "$b" && pwd) || exit 2
  for pins in $pin_files; do
    rel=${pins#"$top"/}
    prog="$b/${rel%.pins}"
    [ -x "$prog" ] || { echo "pin-spread: $prog is not built (make -C $b check TESTS=)" >&2; exit 2; }
    for k in $kernels env-libm; do
      if [ "$k" = env-libm ]; then
        setting="GLIBC_TUNABLES=$nolibm"
      else
        setting="OPENBLAS_CORETYPE=$k"
      fi
      (cd "$b" && env "$setting" SB_REFVECTORS="$refv" SB_TOP_SRCDIR="$top" SB_TOP_BUILDDIR="$b" \
         SEPBENCH="$b/sepbench" OMP_NUM_THREADS=2 ASAN_OPTIONS=detect_leaks=0 "$prog") 2>/dev/null |
        sed -n 's/^# pin //p' | sed "s|^|$(basename "$b") $k\t|" >>"$out/pins"
    done
  done
  runs=$((runs + 1))
done
echo "pin-spread: $runs build(s) x kernels ($kernels) + libm without AVX/FMA; $(date -u +%F)"
[ -n "${SB_PIN_DATA:-}" ] && cp "$out/pins" "$SB_PIN_DATA"
python3 - "$out/pins" "$update" "$top" "$(date -u +%F)" $pin_files <<'PY'
import math, os, sys
path, update, top, date = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
seen = {}
for line in open(path, errors="replace"):
    where, rest = line.rstrip("\n").split("\t", 1)
    key, _, val = rest.rpartition(" = ")
    seen.setdefault(key, []).append(float(val))
bad = 0
for pf in sorted(sys.argv[5:]):
    prog = os.path.basename(pf)[:-5]
    lines = open(pf).read().split("\n")
    for i, l in enumerate(lines):
        if not l or l.startswith("#"):
            continue
        name, value, tol, note = (l.split("\t") + ["", "", ""])[:4]
        v = seen.get(prog + ":" + name, [])
        value, tol = float(value), float(tol)
        fin = [x for x in v if math.isfinite(x)]
        if not v:
            print(f"  {prog}: {name}: never printed")
            bad += 1
            continue
        spread = max(fin) - min(fin) if fin else 0.0
        dist = max(abs(x - value) for x in fin) if fin else 0.0
        flag = "  TOO TIGHT" if max(spread, dist) > tol else ""
        bad += bool(flag)
        print(f"  {prog}: {name}: spread {spread:.3g}, pin distance {dist:.3g}, tol {tol:.3g}{flag}")
        if update:
            new = max(10 * max(spread, dist), 1e-13 * max(1.0, abs(value)))
            lines[i] = "\t".join([name, l.split("\t")[1], f"{new:.2g}",
                                  f"spread {spread:.2g}, pin distance {dist:.2g} in {len(v)} runs ({date})"])
    if update:
        open(pf, "w").write("\n".join(lines))
print(f"pin-spread: {sum(1 for _ in seen)} pins, {bad} flagged")
PY
