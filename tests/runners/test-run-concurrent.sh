#!/bin/sh
# tests/runners/test-run-concurrent.sh — several `sepbench run` processes
# of several threads each, started at the same instant on one NEW store,
# lose nothing and duplicate nothing (issue 16 item 3, issue 12 item 5:
# they used to fail with "set_journal_wal: database is locked"); the same
# for `sepbench merge` into a store that runs are writing.  The processes
# overlap (each item is computed by two of them) and wait at a barrier: a
# FIFO whose one writer is this script, so every read returns end-of-file
# at the moment the script closes it (no sleep).
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-concurrent
here=$(dirname "$0")
. "$here/../schemas/store_checks.sh"

common="--suite tiny --excerpt 0:3 --metrics sdr --jobs 2 --progress lines"
# shellcheck disable=SC2086
"$sepbench" run $common --backends mixture,irm1,irm2,ibm1 --db "$tmp/ref.db" >/dev/null 2>&1
ok $? "one run of the 4 methods (reference)"
store_dump "$tmp/ref.db" >"$tmp/ref.txt"
# shellcheck disable=SC2086
"$sepbench" run $common --backends mixture,irm1,irm2,ibm1 --shard 1/2 --db "$tmp/s1.db" >/dev/null 2>&1 &&
  "$sepbench" run $common --backends mixture,irm1,irm2,ibm1 --shard 2/2 --db "$tmp/s2.db" >/dev/null 2>&1
ok $? "the two shards of the same items (for merging)"

# barrier_open: the FIFO and its two ends (4 read, 5 write) in this shell.
barrier_open() {
  rm -f "$tmp/go"
  mkfifo "$tmp/go"
  exec 3<>"$tmp/go" # read-write: opens at once, so the next two do too
  exec 4<"$tmp/go" 5>"$tmp/go" 3>&-
}
# at_barrier NAME COMMAND...: starts COMMAND in the background, waiting
# for the barrier; its exit status goes to $tmp/NAME.st, stderr to
# $tmp/NAME.err.
at_barrier() {
  name=$1
  shift
  (
    read -r _ <&4
    "$@" 4<&- >/dev/null 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.st"
  ) 5>&- &
}
# barrier_release: every waiting process starts now; waits for them all.
barrier_release() {
  exec 4<&- 5>&-
  wait
}

# check_store DB WHAT N_RUNS NAMES...: every process exited 0 without a
# lock error, and DB holds each item once with the reference values.
check_store() {
  db=$1
  what=$2
  n_runs=$3
  shift 3
  problems=
  for name in "$@"; do
    [ "$(cat "$tmp/$name.st" 2>/dev/null)" = 0 ] || problems="$problems $name: $(head -n 3 "$tmp/$name.err" | tr '\n' ' ')"
    ! grep -q "locked" "$tmp/$name.err" || problems="$problems $name: locked"
  done
  [ -z "$problems" ]
  ok $? "$what: every process exits 0, none reports a locked store${problems:+ ($problems)}"
  store_consistent "$db" "$tmp/ref.db" &&
    [ "$(sqlite3 "$db" "select count(*) from items")" = 12 ] &&
    store_dump "$db" | cmp -s - "$tmp/ref.txt"
  ok $? "$what: the store holds the 12 items once, with the reference values $store_problem"
  [ "$(sqlite3 "$db" "select count(*) from runs where status = 'done'")" = "$n_runs" ]
  ok $? "$what: $n_runs runs recorded as done"
}

# at_once DB WHAT N_RUNS SPEC...: starts one process per SPEC at the same
# instant on DB, then checks them (check_store).  SPEC is NAME:BACKENDS for
# a run of those backends, NAME:merge for a merge of the two shards.
at_once() {
  db=$1
  what=$2
  n_runs=$3
  shift 3
  names=
  barrier_open
  for spec in "$@"; do
    name=${spec%%:*}
    if [ "${spec#*:}" = merge ]; then
      at_barrier "$name" "$sepbench" merge "$db" "$tmp/s1.db" "$tmp/s2.db"
    else
      # shellcheck disable=SC2086
      at_barrier "$name" "$sepbench" run $common --backends "${spec#*:}" --db "$db"
    fi
    names="$names $name"
  done
  barrier_release
  # shellcheck disable=SC2086
  check_store "$db" "$what" "$n_runs" $names
}

for round in 1 2 3; do
  at_once "$tmp/new-$round.db" "round $round: 4 runs x 2 threads started at once on a new store" 4 \
    p1:mixture,irm1 p2:irm1,irm2 p3:irm2,ibm1 p4:ibm1,mixture
done
for round in 1 2; do
  at_once "$tmp/merged-$round.db" "round $round: merge of 2 shards into a new store 2 runs are writing" 4 \
    r1:mixture,irm1 r2:irm2,ibm1 m:merge
  ! grep -q "^conflict" "$tmp/m.err"
  ok $? "round $round: the merge reports no conflict"
done

tap_done
