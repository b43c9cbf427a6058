#!/bin/sh
# tests/cli/test-cli-run.sh — end-to-end `sepbench run` on the tiny
# built-in suite: leaderboard printed, values stored, resume without
# recomputation or duplicates (also after kill -9), --force, help texts,
# one-line errors for bad input (a read-only store says why), and failed
# commits counted as failed items.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-run
q() { sqlite3 "$tmp/r.db" "$1"; }

"$sepbench" run --suite tiny --backends mixture,irm2 --db "$tmp/r.db" --jobs 2 >"$tmp/out1" 2>"$tmp/err1"
ok $? "run on the tiny suite exits 0"
grep -q 'irm2' "$tmp/out1" && grep -q 'mixture' "$tmp/out1"
ok $? "the leaderboard lists both methods"
grep -q 'median over' "$tmp/out1"
ok $? "the leaderboard names its aggregation"
grep -q "results: $tmp/r.db" "$tmp/out1"
ok $? "the store path is printed"
grep -q "suite 'tiny'" "$tmp/err1"
ok $? "the suite is announced on stderr"
items=$(q "select count(*) from items where status='done'")
[ "$items" = 6 ]
ok $? "6 items stored (3 tracks x 2 backends), got $items"
frames=$(q "select count(*) from frame_values")
[ "$frames" -gt 0 ]
ok $? "per-frame values stored ($frames rows)"
tv=$(q "select count(*) from track_values where metric in ('SDR','SI-SDR','global_SDR')")
[ "$tv" = 72 ]
ok $? "SDR, SI-SDR, global SDR per track and target (72 rows), got $tv"
irm=$(q "select avg(v.value) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='irm2' and v.metric='SDR'")
mix=$(q "select avg(v.value) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='mixture' and v.metric='SDR'")
awk -v a="$irm" -v b="$mix" 'BEGIN { exit !(a > b + 3) }'
ok $? "the oracle irm2 scores far above the mixture baseline ($irm vs $mix dB)"
[ "$(q "select json_valid(metric_params) from runs")" = 1 ]
ok $? "the run's metric parameters are JSON (as 001_init.sql documents)"
[ "$(q "select json_extract(metric_params, '\$.key') from runs")" = "$(q "select distinct config from items")" ]
ok $? "and hold the key its items are filed under"
[ "$(q "select distinct config from items")" = "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve" ]
ok $? "the default key is the one earlier stores hold"
mode=$(q "pragma journal_mode")
[ "$mode" = wal ]
ok $? "the store is in WAL mode"

before=$(q "select count(*) from frame_values")
"$sepbench" run --suite tiny --backends mixture,irm2 --db "$tmp/r.db" >"$tmp/out2" 2>"$tmp/err2"
ok $? "re-running exits 0"
grep -q '0 computed, 6 already stored' "$tmp/err2"
ok $? "re-running recomputes nothing"
after=$(q "select count(*) from frame_values")
[ "$before" = "$after" ]
ok $? "re-running adds no rows ($before = $after)"

"$sepbench" run --suite tiny --backends mixture --db "$tmp/r.db" --force >/dev/null 2>"$tmp/err3"
grep -q '3 computed' "$tmp/err3"
ok $? "--force recomputes"
dups=$(q "select count(*) from (select track_id, method_id, config from items group by 1,2,3 having count(*) > 1)")
[ "$dups" = 0 ]
ok $? "no duplicate items after --force"
[ "$(q "select count(*) from frame_values")" = "$after" ]
ok $? "no duplicate frame rows after --force"

# kill -9 in the middle of a run, then resume.
"$sepbench" run --suite tiny --backends mixture,irm2,irm1,ibm1 --db "$tmp/k.db" --jobs 2 >/dev/null 2>&1 &
pid=$!
tap_wait_items "$tmp/k.db" 2
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
partial=$(sqlite3 "$tmp/k.db" "select count(*) from items" 2>/dev/null)
"$sepbench" run --suite tiny --backends mixture,irm2,irm1,ibm1 --db "$tmp/k.db" --jobs 2 >/dev/null 2>"$tmp/err4"
ok $? "the run completes after kill -9 (had $partial items)"
grep -q "already stored" "$tmp/err4" || [ "${partial:-0}" = 0 ]
ok $? "the resumed run skips what was stored"
total=$(sqlite3 "$tmp/k.db" "select count(*) from items")
[ "$total" = 12 ]
ok $? "every item exactly once after resuming (12), got $total"
orphans=$(sqlite3 "$tmp/k.db" "select count(*) from frame_values where item_id not in (select id from items)")
[ "$orphans" = 0 ]
ok $? "no orphan frame rows"

# help and version
"$sepbench" --version | grep -q '^sepbench '
ok $? "--version"
"$sepbench" --version | grep -q '^OpenBLAS kernels: '
ok $? "--version names the OpenBLAS kernels"
OPENBLAS_CORETYPE=Haswell "$sepbench" --version | grep -q '^OpenBLAS kernels: Haswell (OPENBLAS_CORETYPE)'
ok $? "a user's OPENBLAS_CORETYPE is kept"
# Debian's OpenBLAS 0.3.21 falls back to Prescott on CPUs newer than it;
# sepbench then re-executes itself with the kernels the CPU runs.
kernels=$(env -u OPENBLAS_CORETYPE "$sepbench" --version | sed -n 's/^OpenBLAS kernels: //p')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
want_not=none
case " $flags " in *" avx2 "*" fma "*|*" fma "*" avx2 "*) want_not=Prescott ;; esac
[ -n "$kernels" ] && [ "${kernels%% *}" != "$want_not" ]
ok $? "OpenBLAS kernels without OPENBLAS_CORETYPE: $kernels (an AVX2 CPU never keeps Prescott)"
for c in run eval leaderboard backends; do
  "$sepbench" $c --help >"$tmp/h" 2>&1 && grep -q 'example' "$tmp/h"
  ok $? "sepbench $c --help shows an example"
done
"$sepbench" leaderboard --db "$tmp/r.db" --format md | grep -q '^|'
ok $? "leaderboard --format md prints a Markdown table"

# bad input: one line naming the problem, non-zero exit
"$sepbench" run --suite tiny --backends nosuch --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -ne 0 ] && grep -q "nosuch" "$tmp/e"
ok $? "unknown backend: error naming it"
"$sepbench" run --suite /nonexistent/suite --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -ne 0 ] && grep -q "/nonexistent/suite" "$tmp/e"
ok $? "missing suite folder: error naming it"
printf 'this is not a database, just text that is long enough to fill a header page....\n' >"$tmp/bad.db"
"$sepbench" run --suite tiny --db "$tmp/bad.db" >/dev/null 2>"$tmp/e"
[ $? -ne 0 ] && grep -q "bad.db" "$tmp/e"
ok $? "corrupt store: error naming the file"
"$sepbench" leaderboard --db "$tmp/none.db" >/dev/null 2>"$tmp/e"
[ $? -ne 0 ] && grep -q "none.db" "$tmp/e" && [ ! -e "$tmp/none.db" ]
ok $? "leaderboard on a missing store: error, no file created"

# A store that cannot grow (a file-size limit stands in for a full disk):
# every item whose commit fails is a failed item, and the run says so.
(trap '' XFSZ; ulimit -f 600; exec "$sepbench" run --suite tiny --backends mixture,irm1,irm2,ibm1,ibm2 \
  --db "$tmp/full.db" --jobs 1 --progress lines >"$tmp/fo" 2>"$tmp/fe")
st=$?
stored=$(sqlite3 "$tmp/full.db" "select count(*) from items where status='done'")
[ $st -eq 3 ] && [ "${stored:-15}" -lt 15 ]
ok $? "failed commits: exit status 3 (got $st, $stored of 15 items stored)"
grep -q "15 items: $stored computed, 0 already stored, $((15 - ${stored:-0})) failed" "$tmp/fe"
ok $? "the summary counts every item that could not be stored as failed"
[ "$(grep -c 'cannot store' "$tmp/fe")" = $((15 - ${stored:-0})) ]
ok $? "each failed commit is reported, naming the item"

# A read-only store: the run stops before any item, saying why.  Root may
# write anything, so as root the command runs as nobody (setpriv).
as_user=
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null 2>&1 && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$as_user" ]; then
  mkdir "$tmp/ro" && cp "$tmp/r.db" "$tmp/ro/ro.db" && chmod 444 "$tmp/ro/ro.db" && chmod 777 "$tmp/ro" &&
    chmod 755 "$tmp" && chmod -R a+rX "$SEPBENCH_CACHE"
  $as_user "$sepbench" run --suite tiny --backends irm1 --db "$tmp/ro/ro.db" >/dev/null 2>"$tmp/e"
  st=$?
  [ $st -eq 1 ] && grep -q "$tmp/ro/ro.db: the store is read-only" "$tmp/e"
  ok $? "a read-only store: the reason is given (exit $st: $(tail -1 "$tmp/e"))"
else
  ok 0 "# SKIP a read-only store (root without setpriv)"
fi

# A MUSDB18-HQ-like tree with one damaged track: the others still finish.
mk="$tmp/musdb/test"
for t in "A & B - C'est (live)" "Good Track"; do
  mkdir -p "$mk/$t"
  for s in mixture vocals drums bass other; do cp "$SEPBENCH_CACHE/tiny/$(ls "$SEPBENCH_CACHE/tiny" | grep -v '^\.' | head -1)/$s.wav" "$mk/$t/$s.wav"; done
done
head -c 1000 "$mk/Good Track/drums.wav" >"$mk/Good Track/drums.tmp" && mv "$mk/Good Track/drums.tmp" "$mk/Good Track/drums.wav"
MUSDB_PATH="$tmp/musdb" "$sepbench" run --suite music --backends mixture --db "$tmp/m.db" >/dev/null 2>"$tmp/e"
st=$?
[ $st -eq 3 ] && grep -q "Good Track/drums.wav" "$tmp/e"
ok $? "a truncated stem fails its item with a message naming the file (exit $st)"
[ "$(sqlite3 "$tmp/m.db" "select count(*) from items where status='done'")" = 1 ]
ok $? "the other track of the run is stored"

tap_done
