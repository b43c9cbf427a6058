#!/bin/sh
# tests/backends/test-baselines.sh — every built-in baseline on the tiny
# suite, ordered as the literature orders them (SiSEC 2018 oracle table:
# IRM2 >= IRM1 >= IBM, oracles far above MIX; the blind methods near MIX),
# compared on the mean over targets of the median-of-medians SDR.  MWF is
# left out of the ordering here: the tiny suite's sources are digitally
# panned mono signals, for which the reference MWF is ill-conditioned (see
# backends/oracle.h); it is checked to beat MIX.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-base

"$sepbench" run --suite tiny --backends mixture,irm1,irm2,ibm1,ibm2,mwf,hpss,repet-sim --db "$tmp/b.db" \
  --jobs 2 >"$tmp/out" 2>"$tmp/err"
ok $? "all eight baselines run on the tiny suite"
# The avg column of the text leaderboard (last field of the method's row).
score() { awk -v m="$1" '$1 == m { print $NF }' "$tmp/out"; }
ge() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { exit !(a >= b + d) }'; }
for m in mixture irm1 irm2 ibm1 ibm2 mwf hpss repet-sim; do
  s=$(score $m)
  [ -n "$s" ] && [ "$s" != - ]
  ok $? "$m has a score ($s dB)"
done
ge "$(score irm2)" "$(score irm1)" 0
ok $? "IRM2 >= IRM1 ($(score irm2) vs $(score irm1))"
ge "$(score irm1)" "$(score ibm1)" 0 && ge "$(score irm1)" "$(score ibm2)" 0
ok $? "IRM1 >= IBM1, IBM2 ($(score irm1) vs $(score ibm1), $(score ibm2))"
for m in irm1 irm2 ibm1 ibm2 mwf; do
  ge "$(score $m)" "$(score mixture)" 5
  ok $? "$m is at least 5 dB above MIX ($(score $m) vs $(score mixture))"
done
for m in hpss repet-sim; do
  ge "$(score irm1)" "$(score $m)" 5 && ge "$(score $m)" "$(score mixture)" -3
  ok $? "$m is far below the oracles and near MIX ($(score $m) dB)"
done
"$sepbench" backends | grep -q '^repet-sim'
ok $? "sepbench backends lists repet-sim"
"$sepbench" run --suite tiny --backends hpss:kernel=4 --db "$tmp/x.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "kernel=4 must be odd" "$tmp/e"
ok $? "hpss: an even kernel is refused"

tap_done
