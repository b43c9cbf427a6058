#!/bin/sh
# tests/reports/test-report.sh — `sepbench report` end to end: the HTML page
# of a tiny-suite store is self-contained (no script, no external URL),
# holds the leaderboard, the inline SVG box plot, per-track tables and the
# run provenance, and loads in headless Chromium without console errors
# (one page load); names that gnuplot would run or expand (backquotes, $,
# ", ', \, line breaks, @, ;) run nothing and reach the page HTML-escaped;
# a store of one suite names it in the header.  Chromium is required:
# without it the test FAILS.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-report
unset SEPBENCH_GNUPLOT
. "$(dirname "$0")/hostile_names.sh"

"$sepbench" run --suite tiny --backends mixture,irm2 --db "$tmp/r.db" >/dev/null 2>"$tmp/run.err"
ok $? "a store of the tiny suite is made (mixture, irm2)"
"$sepbench" report --db "$tmp/r.db" --out "$tmp/site" 2>"$tmp/err"
ok $? "report exits 0 ($(cat "$tmp/err"))"
page="$tmp/site/index.html"
[ -s "$page" ]
ok $? "DIR/index.html is written"
ls "$tmp/site" >"$tmp/files"
[ "$(cat "$tmp/files")" = index.html ]
ok $? "the directory holds index.html only"
head -1 "$page" | grep -q '^<!DOCTYPE html>$'
ok $? "the page is HTML5"
! grep -qi '<script' "$page" && ! grep -Eqi '(src|href)="(https?:|//)' "$page"
ok $? "no script and no external resource"
grep -q '<svg' "$page" && ! grep -q '<?xml' "$page"
ok $? "the box plot is inline SVG (without the XML declaration)"
grep -q 'Rock &amp; Roll' "$page"
ok $? "track names are HTML-escaped"
[ "$(grep -c '<table class="track">' "$page")" = 3 ]
ok $? "one table per track (3)"
grep -q "run --suite tiny --backends mixture,irm2" "$page"
ok $? "the run's command line is in the provenance"
grep -q 'id="leaderboard-SI-SDR"' "$page" && grep -q 'id="leaderboard-global_SDR"' "$page"
ok $? "other metrics (SI-SDR, global SDR) have leaderboards"
grep -q '<p>Store <code>.*</code>, suite tiny;' "$page" && ! grep -q 'suite (all)' "$page"
ok $? "a store of one suite names it (suite tiny, not (all))"

# One page load in headless Chromium.
if command -v chromium >/dev/null 2>&1; then
  mkdir "$tmp/home" "$tmp/profile"
  HOME="$tmp/home" timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
    --dump-dom "file://$page" >"$tmp/dom" 2>"$tmp/chromium.err"
  ok $? "chromium loads the page"
  grep -q '<table class="leaderboard">' "$tmp/dom" && grep -q '<th>irm2</th>' "$tmp/dom"
  ok $? "the DOM shows the leaderboard with the methods"
  grep -q '<svg' "$tmp/dom"
  ok $? "the DOM holds the figure"
  ! grep -Eq 'CONSOLE|Uncaught' "$tmp/chromium.err"
  ok $? "no console message or error ($(grep -E 'CONSOLE|Uncaught' "$tmp/chromium.err" | head -2))"
else
  ok 1 "chromium is installed (Debian package chromium; setup.sh installs it)"
fi

# Errors.
SEPBENCH_GNUPLOT=/nonexistent/gnuplot "$sepbench" report --db "$tmp/r.db" --out "$tmp/nog" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "cannot run '/nonexistent/gnuplot'" "$tmp/err" && [ ! -e "$tmp/nog/index.html" ]
ok $? "gnuplot missing: one clear error, no page ($(cat "$tmp/err"))"
SEPBENCH_GNUPLOT=/nonexistent/gnuplot "$sepbench" report --db "$tmp/r.db" --out "$tmp/nofig" \
  --no-figures 2>/dev/null
[ $? -eq 0 ] && [ -s "$tmp/nofig/index.html" ] && ! grep -q '<svg' "$tmp/nofig/index.html"
ok $? "--no-figures needs no gnuplot"
"$sepbench" report --db "$tmp/r.db" --out "$tmp/files/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "$tmp/files/x: cannot create the report directory" "$tmp/err"
ok $? "an impossible directory is named ($(cat "$tmp/err"))"
"$sepbench" report --db "$tmp/r.db" --suite nosuch --out "$tmp/empty" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no values for suite 'nosuch'" "$tmp/err"
ok $? "a suite without values is an error"
"$sepbench" report --db "$tmp/none.db" --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'no such store' "$tmp/err"
ok $? "a missing store is an error"
"$sepbench" report --db "$tmp/r.db" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--out DIR is required' "$tmp/err"
ok $? "--out is required"
# Hostile names: the report runs none of the backquoted commands of the
# names (no pwn_* file) and shows them HTML-escaped in tables and figure.
hostile_store "$tmp/hostile.db" "$tmp/hostile-in"
ok $? "a store with hostile method, track, target and suite names is imported"
mkdir "$tmp/work"
(cd "$tmp/work" && "$sepbench" report --db "$tmp/hostile.db" --out site 2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] && [ -z "$(find "$tmp" -name 'pwn_*')" ] && grep -q '<svg' "$tmp/work/site/index.html"
ok $? "report with hostile names: exit $rc, no command run, the figure is there ($(cat "$tmp/err"))"
grep -qF 'm `touch pwn_method` $HOME &quot;dq&quot; &#39;sq&#39; back\slash @GPVAL_PWD ;semi' \
  "$tmp/work/site/index.html"
ok $? "the hostile method is HTML-escaped in the tables"
grep -qF 't `touch pwn_track` $x &quot;dq&quot; &#39;sq&#39; back\slash @x ;semi' "$tmp/work/site/index.html" &&
  grep -qF 's `touch pwn_suite` $y &quot;dq&quot; &#39;sq&#39; @GPVAL_PWD ;semi' "$tmp/work/site/index.html"
ok $? "so are the hostile track and suite names"
grep -qF '<text>m `touch pwn_method` $HOME "dq" '"'sq'"' back\slash @GPVAL_PWD ;semi</text>' \
  "$tmp/work/site/index.html"
ok $? "the inline figure labels the hostile method as it is"

"$sepbench" report --help >"$tmp/help"
[ $? -eq 0 ] && grep -q '^example:' "$tmp/help"
ok $? "report --help has an example"

tap_done
