#!/bin/sh
# tests/backends/test-plugin-faults.sh — C plugins that crash or hang, end to
# end through `sepbench run`, with the test plugin tests/backends/faulty_plugin.c
# (built by make check): a crash, a hang or a refusal in create() at the
# start-up check (one line naming the plugin file and the call, exit status
# 1, nothing stored); a plugin that hangs on one track (--plugin-timeout:
# killed, the item recorded as timed out, the other items and backends
# stored, exit status 3) and the resume of that run (the failed item
# retried, nothing duplicated); a plugin that crashes on one track beside
# other backends; Ctrl-C while a plugin hangs (the child is killed, the item
# left for the resume); a plugin named like a built-in; a plugin path
# without '/'; bad --plugin-timeout values.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-plugin
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
plugin="$builddir/tests/backends/.libs/faulty_plugin.so"
ulimit -c 0 2>/dev/null
q() { sqlite3 "$1" "$2"; }
rock="Tiny Band - Rock & Roll"

[ -f "$plugin" ]
ok $? "the test plugin was built ($plugin)"

# 1. create() misbehaving at the start-up check: the run does not start
"$sepbench" run --suite tiny --backends "mixture,plugin:$plugin:crash_in=create" --db "$tmp/s1.db" \
  >/dev/null 2>"$tmp/e1"
st=$?
[ $st -eq 1 ]
ok $? "a crash in create() at start-up: exit status 1 (got $st)"
[ "$(cat "$tmp/e1")" = "sepbench: --backends faulty: plugin $plugin crashed in create() (signal 11, Segmentation fault)" ]
ok $? "a crash in create() at start-up: one line naming the plugin file, the call and the signal"
[ ! -e "$tmp/s1.db" ] || [ "$(q "$tmp/s1.db" "select count(*) from items")" = 0 ]
ok $? "a crash in create() at start-up: no item is stored"
# The plugin hangs for ever (pause): the run ending at all shows the limit
# at work; `timeout 600` (exit 124) only keeps a broken limit from hanging
# the test suite, it is no timing bound.
timeout 600 "$sepbench" run --suite tiny --backends "plugin:$plugin:hang_in=create,mixture" --plugin-timeout 1 \
  --db "$tmp/s2.db" >/dev/null 2>"$tmp/e2"
st=$?
[ $st -eq 1 ] && [ "$(cat "$tmp/e2")" = "sepbench: --backends faulty: plugin $plugin timed out after 1 s in create()" ]
ok $? "a hang in create() at start-up is killed after --plugin-timeout 1: exit status 1 and one line with the limit (exit $st)"
"$sepbench" run --suite tiny --backends "plugin:$plugin:fail=1" --db "$tmp/s3.db" >/dev/null 2>"$tmp/e3"
st=$?
[ $st -eq 1 ] && [ "$(cat "$tmp/e3")" = "sepbench: --backends faulty: faulty: refusing to start as asked" ]
ok $? "create() returning an error at start-up: exit status 1 with the plugin's reason (exit $st)"

# 2. a plugin that hangs on one track, beside two built-in backends
timeout 600 "$sepbench" run --suite tiny --backends "mixture,plugin:$plugin:hang_in=separate,on=Rock,irm2" --plugin-timeout 1 \
  --db "$tmp/h.db" --jobs 2 --progress lines >/dev/null 2>"$tmp/eh"
st=$?
[ $st -eq 3 ]
ok $? "a plugin hanging on one track is killed after --plugin-timeout 1: exit status 3 (got $st)"
[ "$(q "$tmp/h.db" "select count(*) from items i join methods m on m.id=i.method_id where m.name in ('mixture','irm2') and i.status='done'")" = 6 ]
ok $? "the other backends' 6 items are stored"
[ "$(q "$tmp/h.db" "select count(*) from items i join methods m on m.id=i.method_id where m.name='faulty' and i.status='done'")" = 2 ]
ok $? "the plugin's two other tracks are stored"
[ "$(q "$tmp/h.db" "select i.error from items i join tracks t on t.id=i.track_id where i.status='failed'")" = \
  "plugin $plugin timed out after 1 s in separate() on '$rock'" ]
ok $? "the hanging item is the one failed item, recorded as timed out in separate() on its track"
[ "$(grep -c "timed out after 1 s in separate() on '$rock'" "$tmp/eh")" = 1 ]
ok $? "the timeout is reported once on stderr"
grep -q "9 items: 8 computed, 0 already stored, 1 failed" "$tmp/eh"
ok $? "the summary counts 8 computed and 1 failed"

# 3. the resume retries the failed item only and duplicates nothing
"$sepbench" run --suite tiny --backends "mixture,plugin:$plugin:hang_in=separate,on=Rock,irm2" --plugin-timeout 1 \
  --db "$tmp/h.db" --jobs 2 >/dev/null 2>"$tmp/eh2"
st=$?
[ $st -eq 3 ] && grep -q "8 of 9 items already in" "$tmp/eh2" && grep -q "9 items: 0 computed, 8 already stored, 1 failed" "$tmp/eh2"
ok $? "the resumed run retries only the timed-out item (exit $st)"
[ "$(q "$tmp/h.db" "select count(*) from items where status='done'")" = 8 ] &&
  [ "$(q "$tmp/h.db" "select count(*) from items where status='failed'")" = 1 ] &&
  [ "$(q "$tmp/h.db" "select count(*) from (select 1 from items group by track_id, method_id, config having count(*) > 1)")" = 0 ]
ok $? "after the resume: 8 done, 1 failed, no (track, method) stored twice"
# The plugin "fixed" (no hang_in=): the next run computes just that item.
"$sepbench" run --suite tiny --backends "mixture,plugin:$plugin,irm2" --plugin-timeout 1 --db "$tmp/h.db" \
  >/dev/null 2>"$tmp/eh3"
st=$?
[ $st -eq 0 ] && grep -q "9 items: 1 computed, 8 already stored, 0 failed" "$tmp/eh3"
ok $? "once the plugin behaves, a re-run computes only the item that timed out (exit $st)"
[ "$(q "$tmp/h.db" "select count(*) from items where status='done'")" = 9 ] &&
  [ "$(q "$tmp/h.db" "select count(*) from items where status='failed'")" = 0 ] &&
  [ "$(q "$tmp/h.db" "select count(*) from (select 1 from items group by track_id, method_id, config having count(*) > 1)")" = 0 ]
ok $? "then 9 items are done, the failure replaced, nothing duplicated"

# 4. a plugin that crashes on one track, beside the mixture baseline
"$sepbench" run --suite tiny --backends "plugin:$plugin:crash_in=separate,on=Rock,mixture" --db "$tmp/c.db" --jobs 2 \
  >/dev/null 2>"$tmp/ec"
st=$?
[ $st -eq 3 ]
ok $? "a plugin crashing on one track: exit status 3 (got $st)"
[ "$(q "$tmp/c.db" "select count(*) from items where status='done'")" = 5 ]
ok $? "the mixture's 3 items and the plugin's 2 other tracks are stored"
[ "$(q "$tmp/c.db" "select error from items where status='failed'")" = \
  "plugin $plugin crashed in separate() on '$rock' (signal 11, Segmentation fault)" ]
ok $? "the crash is recorded naming the plugin file, the call, the track and the signal"
same=$(q "$tmp/c.db" "select count(*) from track_values a join items ia on ia.id=a.item_id join methods ma on ma.id=ia.method_id join items ib on ib.track_id=ia.track_id join methods mb on mb.id=ib.method_id join track_values b on b.item_id=ib.id and b.target=a.target and b.metric=a.metric where ma.name='faulty' and mb.name='mixture' and a.metric='SDR' and a.value=b.value")
[ "$same" = 2 ]
ok $? "the plugin's estimates ((t+1)/4 x mixture) cross the process boundary: only target 1 matches mixture/4 (SDR equal on $same of 8)"

# 5. Ctrl-C while a plugin hangs: its child is killed, the item is left for the resume
"$sepbench" run --suite tiny --backends "plugin:$plugin:hang_in=separate,mark=$tmp/hanging" --plugin-timeout 600 \
  --db "$tmp/i.db" --jobs 1 --progress lines >/dev/null 2>"$tmp/ei" &
pid=$!
i=0
while [ $i -lt 600 ] && [ ! -e "$tmp/hanging" ]; do
  sleep 0.05
  i=$((i + 1))
done
child=$(pgrep -P $pid | head -n 1)
[ -e "$tmp/hanging" ] && [ -n "$child" ]
ok $? "the plugin hangs in separate() in a child process (pid ${child:-none})"
# the plugin would hang for 600 s: the run ending with 130 shows SIGINT
# stopped it (a watchdog turns a run that ignores SIGINT into a failure)
kill -INT $pid
# (stopped with its sleep once the run ends: a sleep left holding the test's
# stdout kept the TAP driver waiting 300 s for it)
( trap 'kill $s; exit 0' TERM; sleep 300 & s=$!; wait $s; kill -9 $pid ) >/dev/null 2>&1 &
watchdog=$!
wait $pid
st=$?
kill $watchdog 2>/dev/null
[ $st -eq 130 ]
ok $? "SIGINT ends the run though the plugin hangs: exit status 130 (got $st)"
[ -n "$child" ] && ! kill -0 "$child" 2>/dev/null
ok $? "the hanging child was killed"
[ "$(q "$tmp/i.db" "select status from runs order by id desc limit 1")" = interrupted ] &&
  [ "$(q "$tmp/i.db" "select count(*) from items")" = 0 ]
ok $? "the run is recorded as interrupted and the stopped item is not recorded as failed"

# 6. names and paths: a plugin named like a built-in would share its items;
# a path without '/' is a file in the working directory
SB_FAULTY_PLUGIN_NAME=irm2 "$sepbench" run --suite tiny --backends "irm2,plugin:$plugin" --db "$tmp/n.db" \
  >/dev/null 2>"$tmp/en"
st=$?
[ $st -eq 1 ] && [ "$(wc -l <"$tmp/en")" = 1 ] && grep -q "plugin $plugin calls itself 'irm2', the name of a built-in backend" "$tmp/en"
ok $? "a plugin calling itself irm2 is refused with one line naming it (exit $st)"
[ ! -e "$tmp/n.db" ] || [ "$(q "$tmp/n.db" "select count(*) from items")" = 0 ]
ok $? "and nothing is stored under the built-in's name"
(cd "$(dirname "$plugin")" && "$sepbench" run --suite tiny --backends plugin:faulty_plugin.so --db "$tmp/p.db" \
  >/dev/null 2>"$tmp/ep")
st=$?
[ $st -eq 0 ] && [ "$(q "$tmp/p.db" "select count(*) from items i join methods m on m.id=i.method_id where m.name='faulty' and i.status='done'")" = 3 ]
ok $? "plugin:faulty_plugin.so (no '/') loads the file in the working directory (exit $st)"
(cd "$tmp" && "$sepbench" run --suite tiny --backends plugin:libm.so.6 --db "$tmp/p2.db" >/dev/null 2>"$tmp/ep2")
st=$?
[ $st -eq 1 ] && grep -q "plugin ./libm.so.6: cannot load" "$tmp/ep2"
ok $? "a bare name is never looked up on the system's library path (exit $st)"

# 7. bad --plugin-timeout values
for bad in 0 -1 abc 1e8 nan inf; do
  "$sepbench" run --suite tiny --backends mixture --plugin-timeout "$bad" --db "$tmp/b.db" >/dev/null 2>"$tmp/eb"
  st=$?
  [ $st -eq 2 ] && grep -q "plugin-timeout expects seconds in \[0.001, 1e7\], not '$bad'" "$tmp/eb"
  ok $? "--plugin-timeout $bad is a usage error (exit $st)"
done

tap_done
