#!/bin/sh
# tests/reports/test-plot.sh — `sepbench plot` end to end on a store of the
# tiny built-in suite: every figure (boxplot, heatmap, timeline, scatter)
# in PNG, SVG and PDF with the right magic bytes, method order and filter,
# names with quotes and '&', names that gnuplot would run or expand
# (backquotes, $, ", ', \, line breaks, @, ; in method, track, target and
# suite names: nothing runs and every figure shows them), one-line errors
# (gnuplot missing or failing, unwritable output, bad options), and no file
# left in TMPDIR.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-plot
unset SEPBENCH_GNUPLOT
. "$(dirname "$0")/hostile_names.sh"
# The first bytes of a file in hex.
magic() { od -An -tx1 -N"$2" "$1" | tr -d ' \n'; }
lines() { wc -l <"$1" | tr -d ' '; }

"$sepbench" run --suite tiny --backends mixture,irm2 --db "$tmp/r.db" >/dev/null 2>"$tmp/run.err"
ok $? "a store of the tiny suite is made (mixture, irm2)"

# From here on gnuplot and sepbench see an empty TMPDIR of their own.
mkdir "$tmp/tmpdir" "$tmp/fig"
export TMPDIR="$tmp/tmpdir"

for kind in boxplot heatmap timeline scatter; do
  for ext in png svg pdf; do
    out="$tmp/fig/$kind.$ext"
    "$sepbench" plot "$kind" --db "$tmp/r.db" --out "$out" 2>"$tmp/err"
    ok $? "plot $kind .$ext exits 0"
    [ -s "$out" ]
    ok $? "plot $kind .$ext is not empty ($(wc -c <"$out" 2>/dev/null) bytes)"
    case $ext in
    png) [ "$(magic "$out" 8)" = 89504e470d0a1a0a ] ;;
    pdf) [ "$(magic "$out" 5)" = 255044462d ] && tail -c 64 "$out" | grep -q '%%EOF' ;;
    svg) head -c 400 "$out" | grep -q '<svg' && tail -c 64 "$out" | grep -q '</svg>' ;;
    esac
    ok $? "plot $kind .$ext has the $ext signature (and end)"
  done
done

svg="$tmp/fig/boxplot.svg"
grep -q '<text>vocals</text>' "$svg" && grep -q '<text>bass</text>' "$svg"
ok $? "the box plot has a panel per target"
grep -q 'SDR (dB)' "$svg"
ok $? "the box plot's axis names metric and unit"
grep -q 'median over frames' "$svg"
ok $? "the box plot's title names the per-track aggregation"
# irm2 ranks above mixture in the leaderboard, so its tic comes first even
# when --methods lists it second.
"$sepbench" plot boxplot --db "$tmp/r.db" --methods mixture,irm2 --out "$tmp/fig/order.svg" 2>/dev/null
first_irm=$(grep -n '>irm2<' "$tmp/fig/order.svg" | head -1 | cut -d: -f1)
first_mix=$(grep -n '>mixture<' "$tmp/fig/order.svg" | head -1 | cut -d: -f1)
[ -n "$first_irm" ] && [ -n "$first_mix" ] && [ "$first_irm" -lt "$first_mix" ]
ok $? "methods are drawn in leaderboard order (irm2 line $first_irm, mixture line $first_mix)"
"$sepbench" plot heatmap --db "$tmp/r.db" --methods irm2 --out "$tmp/fig/one.svg" 2>/dev/null
grep -q '>irm2<' "$tmp/fig/one.svg" && ! grep -q '>mixture<' "$tmp/fig/one.svg"
ok $? "--methods irm2 draws irm2 only"
grep -q 'Rock &amp; Roll' "$tmp/fig/heatmap.svg" && grep -q "Don't Stop" "$tmp/fig/heatmap.svg"
ok $? "track names with '&' and a quote reach the heat map intact"
"$sepbench" plot timeline --db "$tmp/r.db" --track "Tiny Band - Rock & Roll" --targets vocals \
  --out "$tmp/fig/rock.svg" 2>/dev/null
grep -q "track 'Tiny Band - Rock &amp; Roll'" "$tmp/fig/rock.svg"
ok $? "timeline --track picks the track and names it in the title"
"$sepbench" plot scatter --db "$tmp/r.db" --x SDR --y SI-SDR --out "$tmp/fig/sc.svg" 2>/dev/null
grep -q 'SI-SDR (dB)' "$tmp/fig/sc.svg" && grep -q '>y = x<' "$tmp/fig/sc.svg"
ok $? "scatter labels both axes in dB and draws y = x"
"$sepbench" plot boxplot --db "$tmp/r.db" --size 500x400 --out "$tmp/fig/small.svg" 2>/dev/null
grep -q 'width="500" height="400"' "$tmp/fig/small.svg"
ok $? "--size 500x400 sets the image size"

# Errors: one line on stderr, exit 1 (2 for usage), no output file.
SEPBENCH_GNUPLOT=/nonexistent/gnuplot "$sepbench" plot boxplot --db "$tmp/r.db" \
  --out "$tmp/fig/missing.png" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "cannot run '/nonexistent/gnuplot'" "$tmp/err" \
  && grep -q 'install gnuplot' "$tmp/err"
ok $? "gnuplot missing: exit 1 and one clear line ($(cat "$tmp/err"))"
[ ! -e "$tmp/fig/missing.png" ]
ok $? "gnuplot missing: no output file"
cat >"$tmp/fakeplot" <<'EOF'
#!/bin/sh
cat >/dev/null
echo 'gnuplot> plot $x' >&2
echo '         line 7: simulated failure' >&2
exit 3
EOF
chmod +x "$tmp/fakeplot"
SEPBENCH_GNUPLOT="$tmp/fakeplot" "$sepbench" plot heatmap --db "$tmp/r.db" --out "$tmp/fig/f.svg" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q 'exit status 3' "$tmp/err" \
  && grep -q 'line 7: simulated failure' "$tmp/err" && ! grep -q 'gnuplot>' "$tmp/err"
ok $? "gnuplot failing: exit status and its message on one line ($(cat "$tmp/err"))"
SEPBENCH_GNUPLOT=/bin/true "$sepbench" plot heatmap --db "$tmp/r.db" --out "$tmp/fig/t.svg" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'wrote no image' "$tmp/err" && [ ! -e "$tmp/fig/t.svg" ]
ok $? "a program that writes nothing is an error"
"$sepbench" plot boxplot --db "$tmp/r.db" --out /nonexistent-dir/x.png 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q '/nonexistent-dir/x.png: cannot write' "$tmp/err"
ok $? "unwritable output path: exit 1 naming the file ($(cat "$tmp/err"))"
"$sepbench" plot boxplot --db "$tmp/r.db" --out "$tmp/fig/x.gif" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q '.png, .svg or .pdf' "$tmp/err"
ok $? "an unknown extension is a usage error"
"$sepbench" plot pie --db "$tmp/r.db" --out "$tmp/fig/x.png" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown figure 'pie'" "$tmp/err"
ok $? "an unknown figure is a usage error"
"$sepbench" plot boxplot --db "$tmp/r.db" --methods irm2,nosuch --out "$tmp/fig/x.png" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "method 'nosuch'" "$tmp/err"
ok $? "an unknown method is named"
"$sepbench" plot timeline --db "$tmp/r.db" --metric SI-SDR --out "$tmp/fig/x.png" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'no frame values' "$tmp/err"
ok $? "a timeline of a per-track metric is refused ($(cat "$tmp/err"))"
"$sepbench" plot timeline --db "$tmp/r.db" --track 'No Such Song' --out "$tmp/fig/x.png" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no track named 'No Such Song'" "$tmp/err"
ok $? "an unknown track is named"
"$sepbench" plot boxplot --db "$tmp/none.db" --out "$tmp/fig/x.png" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'no such store' "$tmp/err"
ok $? "a missing store is an error"
[ ! -e "$tmp/fig/x.png" ]
ok $? "failed commands leave no output file"
"$sepbench" plot --help >"$tmp/help"
[ $? -eq 0 ] && grep -q '^example:' "$tmp/help" && grep -q 'SEPBENCH_GNUPLOT' "$tmp/help"
ok $? "plot --help has an example"

# Hostile names: every figure is drawn in a working directory of its own,
# runs none of the backquoted commands (no pwn_* file anywhere) and shows
# every line of every name.
shows() { # FILE NAME: each line of NAME is in FILE
  printf '%s\n' "$2" | while IFS= read -r part; do grep -qF -- "$part" "$1" || exit 1; done
}
hostile_store "$tmp/hostile.db" "$tmp/hostile-in"
ok $? "a store with hostile method, track, target and suite names is imported"
mkdir "$tmp/work"
for kind in boxplot heatmap timeline scatter; do
  set -- --out "$kind.svg"
  [ $kind = scatter ] && set -- --x SDR --y SIR "$@"
  [ $kind = timeline ] && set -- --track "$hostile_track" "$@"
  (cd "$tmp/work" && "$sepbench" plot "$kind" --db "$tmp/hostile.db" --suite "$hostile_suite" \
    "$@" 2>"$tmp/err")
  rc=$?
  [ $rc -eq 0 ] && head -c 400 "$tmp/work/$kind.svg" | grep -q '<svg' && [ -z "$(find "$tmp" -name 'pwn_*')" ]
  ok $? "$kind with hostile names: exit $rc, an SVG, no command run ($(cat "$tmp/err"))"
  shows "$tmp/work/$kind.svg" "$hostile_method" && shows "$tmp/work/$kind.svg" "$hostile_target" &&
    shows "$tmp/work/$kind.svg" "$hostile_suite"
  ok $? "$kind shows the hostile method, target and suite names as they are"
done
shows "$tmp/work/heatmap.svg" "$hostile_track" && shows "$tmp/work/timeline.svg" "$hostile_track"
ok $? "the heat map and the timeline show the hostile track name (both of its lines)"
[ "$(ls "$tmp/work" | wc -l)" -eq 4 ]
ok $? "the working directory holds the 4 figures only"

left=$(find "$TMPDIR" -mindepth 1 | wc -l)
[ "$left" -eq 0 ]
ok $? "no file left in TMPDIR ($left)"

tap_done
