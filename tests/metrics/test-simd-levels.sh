#!/bin/sh
# tests/metrics/test-simd-levels.sh — the SIMD clone levels of the metric
# kernels (common/vectorize.h) against each other.  A machine runs the
# clone its CPU picks (baseline x86-64, x86-64-v3 or x86-64-v4), so each
# level must give the values of the others.  tests/metrics/simd-level-N is
# the same battery (tests/metrics/simd-level.c: BSS Eval v4 on
# music4_stereo_44k1, the SI family, global SDR, PS/PM on e2e2spk) with
# metrics/ built for level N only; a level this CPU cannot run is skipped.
#
# Tolerances, from the spread measured on 2026-12-06 (Xeon, Emerald Rapids;
# levels 1, 3 and 4 in one build, OpenBLAS kernels fixed): the values of the
# BSS Eval solves (ISR, SIR, SAR; frames and whole) differed by up to
# 1.6e-9 dB (the block-Toeplitz kernels' vectorised sums: 2, 4 or 8 lanes),
# so 2e-8 dB; every other value was bit-identical across levels, so
# 1e-13 x max(1, |value|) (the floor the pins use too).  NaN and infinities
# must agree exactly.
. "$(dirname "$0")/../tap.sh"
builddir=${SB_TOP_BUILDDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-simd-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

ran=
for level in 1 3 4; do
  prog="$builddir/tests/metrics/simd-level-$level"
  "$prog" >"$tmp/$level" 2>"$tmp/$level.err"
  st=$?
  if [ $st -eq 77 ]; then
    echo "ok $((n + 1)) # SKIP level $level: $(cat "$tmp/$level.err")"
    n=$((n + 1))
    continue
  fi
  [ $st -eq 0 ] && [ "$(wc -l <"$tmp/$level")" -gt 700 ]
  ok $? "level $level: the battery runs ($(wc -l <"$tmp/$level") values; exit $st)"
  [ $st -eq 0 ] && ran="$ran $level"
done

set -- $ran
first=${1:-}
[ -n "$first" ] && shift
for level in "$@"; do
  report=$(awk -F '\t' -v a="level $first" -v b="level $level" '
    function isnum(x) { return x ~ /^-?[0-9]/ }
    function abs(x) { return x < 0 ? -x : x }
    NR == FNR { want[$1] = $2; next }
    {
      seen++
      if (!($1 in want)) { bad++; if (!msg) msg = $1 " missing in " a; next }
      w = want[$1]; g = $2
      if (!isnum(w) || !isnum(g)) {
        if (w != g) { bad++; if (!msg) msg = $1 ": " w " vs " g }
        next
      }
      tol = ($1 ~ /^(bss|whole) (ISR|SIR|SAR)/) ? 2e-8 : 1e-13 * (abs(w) > 1 ? abs(w) : 1)
      d = abs(g - w)
      if (d > worst) worst = d
      if (d > tol) { bad++; if (!msg) msg = sprintf("%s: %.17g vs %.17g", $1, w, g) }
    }
    END { printf "%d %d %.3g %s\n", seen, bad, worst, msg }' "$tmp/$first" "$tmp/$level")
  set -- $report
  [ "$1" -gt 700 ] && [ "$2" -eq 0 ]
  ok $? "level $level = level $first on $1 values (largest difference $3${4:+; first outside its tolerance: $report})"
done
tap_done
