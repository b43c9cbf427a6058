#!/bin/sh
# tests/runners/test-run-crash.sh — kill -9 at random points of a
# multi-threaded `sepbench run` (issue 16 item 2), over and over on one
# store: after every kill the store is consistent (integrity and foreign
# keys hold, every item it holds has all its values, no duplicate), and
# the next run resumes it.  The points are writes: the test VFS of
# tests/schemas/fault_vfs.c (SB_TEST_STORE_FAULT=kill:N) sends SIGKILL to
# the process just before its Nth write to the store, WAL or journal,
# while the other threads compute; N is drawn from SB_TEST_SEED (printed)
# over the writes of a whole run, so a failure replays.  A run that makes
# fewer writes than N ends normally; once the store is complete the next
# run recomputes everything (--force) so that kills land again, in the
# deletions too.  At the end a plain run finds nothing to do and the store
# holds every item once with the values of an undisturbed run.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-crash
faulty=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build tree}/tests/schemas/sepbench-faults
unset SB_TEST_STORE_FAULT SB_TEST_STORE_WRITES
here=$(dirname "$0")
. "$here/../schemas/store_checks.sh"
tap_seed 16003
iterations=30

run_args="run --suite tiny --excerpt 0:3 --backends mixture,irm1,irm2,ibm1 --metrics sdr --jobs 3 --progress lines"
# shellcheck disable=SC2086
"$sepbench" $run_args --db "$tmp/ref.db" >/dev/null 2>&1
ok $? "the undisturbed run (reference)"
store_dump "$tmp/ref.db" >"$tmp/ref.txt"
n_items=$(sqlite3 "$tmp/ref.db" "select count(*) from items where status = 'done'")
# shellcheck disable=SC2086
SB_TEST_STORE_WRITES="$tmp/writes" "$faulty" $run_args --db "$tmp/count.db" >/dev/null 2>&1
writes=$(cat "$tmp/writes" 2>/dev/null || echo 0)
[ "$writes" -gt 40 ] && [ "$n_items" = 12 ]
ok $? "a whole run makes $writes writes for $n_items items"

kills=0
bad=0
forced=0
i=1
while [ $i -le $iterations ]; do
  tap_rand "$writes"
  force=
  done_items=$(sqlite3 "$tmp/k.db" "select count(*) from items where status = 'done'" 2>/dev/null || echo 0)
  if [ "$done_items" = "$n_items" ]; then
    force=--force
    forced=$((forced + 1))
  fi
  # shellcheck disable=SC2086
  SB_TEST_STORE_FAULT=kill:$tap_rand_value "$faulty" $run_args $force --db "$tmp/k.db" >/dev/null 2>"$tmp/e"
  st=$?
  if [ $st -eq 137 ]; then
    kills=$((kills + 1))
  elif [ $st -ne 0 ]; then
    bad=$((bad + 1))
    echo "# iteration $i (kill:$tap_rand_value $force): exit $st: $(head -c 300 "$tmp/e")"
  fi
  if [ -e "$tmp/k.db" ] && ! store_consistent "$tmp/k.db" "$tmp/ref.db"; then
    bad=$((bad + 1))
    echo "# iteration $i (kill:$tap_rand_value $force): $store_problem"
  fi
  i=$((i + 1))
done
[ $bad -eq 0 ]
ok $? "$iterations runs with SIGKILL before a random write ($kills killed, $forced with --force): every store\
 consistent, every run that was not killed succeeded ($bad problems)"
[ $kills -ge $((iterations / 3)) ]
ok $? "at least a third of the runs were killed inside ($kills of $iterations)"

# shellcheck disable=SC2086
"$sepbench" $run_args --db "$tmp/k.db" >/dev/null 2>"$tmp/e"
ok $? "a plain run after the last kill exits 0 ($(grep ' items: ' "$tmp/e"))"
[ "$(sqlite3 "$tmp/k.db" "select count(*) from items")" = "$n_items" ] &&
  [ "$(sqlite3 "$tmp/k.db" "select count(*) from (select 1 from items group by track_id, method_id, config)")" = "$n_items" ]
ok $? "every item is stored once ($n_items)"
store_dump "$tmp/k.db" | cmp -s - "$tmp/ref.txt"
ok $? "the values equal those of the undisturbed run"
tap_done
