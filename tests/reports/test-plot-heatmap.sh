#!/bin/sh
# tests/reports/test-plot-heatmap.sh — the heat map of many methods
# (reports/plot_heatmap.c): a store like the imported SiSEC 2018
# submissions (31 methods x 5 targets x 50 tracks, one outlying track at
# -58 dB) gives a colour range of the 2nd to 98th percentile (computed here
# from the generated values), the cells outside outlined and counted,
# panels wrapped into rows of at most 2400 px (a PNG of sane size, where
# one row used to be 10206 px wide), and a title broken into lines that
# fit the figure (also at --targets vocals with two methods).  The gnuplot
# script is taken from a wrapper that runs the real gnuplot.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-heatmap
unset SEPBENCH_GNUPLOT

gnuplot=$(command -v gnuplot || true)
if [ -z "$gnuplot" ]; then
  ok 0 "# SKIP gnuplot is not installed"
  tap_done
  exit $?
fi
# The wrapper keeps the script it is given and runs gnuplot on it.
printf '#!/bin/sh\ncat >"%s/script.gp"\nexec "%s" "$@" <"%s/script.gp"\n' "$tmp" "$gnuplot" "$tmp" >"$tmp/gp"
chmod +x "$tmp/gp"

# museval track files DIR/<method>/test/<track>.json, one frame each, and
# their values in DIR.values: SDR of method m, target t, track k (1-based)
# on a grid of ordinary values, and method 3 / track 2 / vocals at -58 dB.
make_store() { # DIR N_METHODS N_TRACKS
  awk -v dir="$1" -v nm="$2" -v nt="$3" 'BEGIN {
    split("vocals drums bass other accompaniment", name, " ")
    for (m = 1; m <= nm; m++) {
      folder = sprintf("%s/method-%02d/test", dir, m)
      system("mkdir -p \"" folder "\"")
      for (k = 1; k <= nt; k++) {
        f = sprintf("%s/Track %02d.json", folder, k)
        printf "{\"targets\": [" >f
        for (t = 1; t <= 5; t++) {
          v = (m % 7) * 0.9 + (k % 5) * 0.7 + t * 0.5
          if (m == 3 && k == 2 && t == 1) v = -58
          printf "%s{\"name\": \"%s\", \"frames\": [{\"time\": 0.0, \"duration\": 1.0, \"metrics\": {\"SDR\": %.2f}}]}",
            (t > 1 ? ", " : ""), name[t], v >f
          printf "%.2f\n", v >(dir ".values")
        }
        printf "]}\n" >f
        close(f)
      }
    }
  }'
}
# numpy's linear quantile q of the numbers on stdin.
quantile() {
  sort -g | awk -v q="$1" '{ v[NR] = $1 } END {
    pos = q * (NR - 1); i = int(pos); f = pos - i
    printf "%.6f\n", i + 1 < NR ? v[i + 1] + f * (v[i + 2] - v[i + 1]) : v[NR] }'
}
# Width and height of a PNG (its IHDR chunk).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'; }

make_store "$tmp/sisec" 31 50
"$sepbench" import --db "$tmp/h.db" "$tmp/sisec" >/dev/null 2>"$tmp/err"
ok $? "31 methods x 50 tracks x 5 targets imported ($(cat "$tmp/err"))"
[ "$(sqlite3 "$tmp/h.db" "select min(value) from frame_values")" = "-58.0" ]
ok $? "the store holds the outlying cell (-58 dB)"

SEPBENCH_GNUPLOT="$tmp/gp" "$sepbench" plot heatmap --db "$tmp/h.db" --out "$tmp/h.png" 2>"$tmp/err"
ok $? "plot heatmap of 31 methods exits 0 ($(cat "$tmp/err"))"
set -- $(png_size "$tmp/h.png")
w=${1:-0} h=${2:-0}
[ "$w" -ge 640 ] && [ "$w" -le 2400 ] && [ "$h" -le 12000 ]
ok $? "a PNG of sane size: ${w} x ${h} px (one row of panels was 10206 px wide)"

# The colour range against the percentiles of the values themselves.
lo=$(quantile 0.02 <"$tmp/sisec.values")
hi=$(quantile 0.98 <"$tmp/sisec.values")
range=$(sed -n 's/^set cbrange \[\(.*\):\(.*\)\]$/\1 \2/p' "$tmp/script.gp")
awk -v r="$range" -v lo="$lo" -v hi="$hi" 'BEGIN { split(r, x, " "); d1 = x[1] - lo; d2 = x[2] - hi
  exit !(r != "" && d1 < 1e-6 && d1 > -1e-6 && d2 < 1e-6 && d2 > -1e-6) }'
ok $? "colour range = 2nd..98th percentile of the values ($range; expected $lo $hi), not set by the -58 dB track"
below=$(awk -v lo="$lo" '$1 < lo' "$tmp/sisec.values" | wc -l | tr -d ' ')
above=$(awk -v hi="$hi" '$1 > hi' "$tmp/sisec.values" | wc -l | tr -d ' ')
outlined=$(awk '/^\$o[0-9]+ << EOD$/ { on = 1; next } /^EOD$/ { on = 0 } on' "$tmp/script.gp" | wc -l | tr -d ' ')
[ "$outlined" -eq $((below + above)) ] && [ "$below" -gt 0 ] && [ "$above" -gt 0 ]
ok $? "the cells outside the range are outlined: $outlined = $below below + $above above"
grep -q "$((below + above)) cells outside it outlined in red ($below below, $above above)" "$tmp/script.gp"
ok $? "the title says how many cells lie outside the colour range"
awk '/^\$o0 << EOD$/ { on = 1; next } /^EOD$/ { on = 0 } on' "$tmp/script.gp" | grep -qx '[0-9]* 2'
ok $? "the -58 dB cell (vocals, track 2) is among the outlined ones"

# Layout: 5 panels in rows of one (31 x 48 px each), every row with the
# track names, every panel with the method names, one colour box.
rows=$(grep -c '^set tmargin at screen' "$tmp/script.gp")
distinct=$(grep '^set tmargin at screen' "$tmp/script.gp" | sort -u | wc -l | tr -d ' ')
[ "$rows" -eq 5 ] && [ "$distinct" -eq 5 ]
ok $? "5 panels in 5 rows ($distinct distinct top margins)"
[ "$(grep -c '^set ytics (' "$tmp/script.gp")" -eq 5 ] && [ "$(grep -c "^set xtics nomirror rotate by 35 right ('method-" "$tmp/script.gp")" -eq 5 ]
ok $? "each row has the track names and each panel the method names"
[ "$(grep -c '^set colorbox user' "$tmp/script.gp")" -eq 1 ]
ok $? "one colour box"

# A title that fits: no line of it longer than the figure holds at 8 px a
# character (font 11, 30 px each side), at --targets vocals with 2 methods.
SEPBENCH_GNUPLOT="$tmp/gp" "$sepbench" plot heatmap --db "$tmp/h.db" --targets vocals --methods method-01,method-03 \
  --out "$tmp/v.svg" 2>"$tmp/err"
ok $? "plot heatmap --targets vocals of 2 methods exits 0 ($(cat "$tmp/err"))"
width=$(sed -n 's/^set terminal svg size \([0-9]*\),.*/\1/p' "$tmp/script.gp")
# The title is 'line'."\n".'line'...: one line per piece.
sed -n "s/^set multiplot title '\(.*\)' font.*/\1/p" "$tmp/script.gp" | sed "s/'\.\"\\\\n\"\.'/\n/g" >"$tmp/title"
longest=$(awk '{ n = length($0); if (n > m) m = n } END { print m + 0 }' "$tmp/title")
[ "$(wc -l <"$tmp/title")" -ge 3 ] && [ "$longest" -gt 0 ] && [ $((longest * 8 + 60)) -le "${width:-0}" ]
ok $? "the title is wrapped to fit: $(wc -l <"$tmp/title") lines of at most $longest characters in $width px"
grep -q 'SiSEC 2018' "$tmp/title" && grep -q '2nd to 98th percentile' "$tmp/title"
ok $? "nothing of the title is lost in wrapping"
head -c 400 "$tmp/v.svg" | grep -q '<svg'
ok $? "the narrow heat map is drawn"

# Many methods: 90 are split into panels of at most 40 (methods 1-30,
# 31-60, 61-90), and the figure stays within the width.
make_store "$tmp/many" 90 3
"$sepbench" import --db "$tmp/m.db" "$tmp/many" >/dev/null 2>&1 &&
  SEPBENCH_GNUPLOT="$tmp/gp" "$sepbench" plot heatmap --db "$tmp/m.db" --targets vocals --out "$tmp/m.png" 2>"$tmp/err"
ok $? "a heat map of 90 methods exits 0 ($(cat "$tmp/err"))"
set -- $(png_size "$tmp/m.png")
[ "${1:-0}" -le 2400 ] && grep -q "'vocals (methods 31-60)'" "$tmp/script.gp" &&
  [ "$(grep -c '^set title ' "$tmp/script.gp")" -eq 3 ]
ok $? "90 methods: 3 panels of 30, ${1:-0} px wide"

tap_done
